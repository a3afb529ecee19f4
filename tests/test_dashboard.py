"""The dashboard's pages under Streamlit's AppTest, on a seeded real SQLite file (tests/seed.py)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pybtex.database import parse_string
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import app_test as app_test_module

import db
from collector import cli
from collector.config import PROJECT_ROOT, Settings
from collector.reading_lists import ReadingList, reading_list
from dashboard import collect_job, data
from dashboard.text import md_escape
from tests.replay import ReplayServer
from tests.seed import HOSTILE_ID, HOSTILE_TITLE

APP = str(PROJECT_ROOT / "dashboard" / "app.py")


def open_page(page: str | None = None, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update(params)
    if page:
        at.switch_page(f"app_pages/{page}.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def matched_ids(url: str, topic_id: str) -> set[str]:
    with db.session_scope(db.make_engine(url)) as session:
        since = datetime.now(UTC) - timedelta(days=90)
        return {s.arxiv_id for s in db.topic_matches(session, topic_id, since)}


# (the Roadmap page: tests/test_dashboard_roadmap.py)


# -- Topic ------------------------------------------------------------------------------------------------
def test_topic_from_the_url_shows_classics_then_its_recent_papers(dashboard_db: str) -> None:
    at = open_page("topic", topic="lora")
    assert at.title[0].value == "LoRA"
    assert md_escape("LoRA: Low-Rank Adaptation of Large Language Models") in markdown(at)  # a classic
    new = open_page("topic", topic="lora", tab="new")
    links = markdown(new)
    about = {i.arxiv_id for i in lora_list(dashboard_db).recent}
    assert about and all(f"(https://arxiv.org/abs/{arxiv_id})" in links for arxiv_id in about)


def lora_list(url: str) -> ReadingList:
    with db.session_scope(db.make_engine(url)) as session:
        topic = next(t for t in db.list_topics(session) if t.id == "lora")
        return reading_list(session, topic, Settings(_env_file=None), datetime.now(UTC))


def test_selecting_another_topic_shows_its_papers(dashboard_db: str) -> None:
    at = open_page("topic", topic="lora", tab="new")
    at.sidebar.selectbox(key="url:topic").select("diffusion").run()
    diffusion = matched_ids(dashboard_db, "diffusion")
    shown = {
        line.split("(https://arxiv.org/abs/")[1].split(")")[0]
        for line in markdown(at).splitlines()
        if "arxiv.org/abs/" in line
    }
    assert shown and shown <= diffusion | classic_ids(at)
    assert at.query_params["topic"] == "diffusion"


def classic_ids(at: AppTest) -> set[str]:
    return {line.split("/abs/")[1].rstrip(")*") for line in markdown(at).splitlines() if "/abs/" in line}


def test_a_hostile_title_renders_as_text(dashboard_db: str) -> None:
    at = open_page("topic", topic="lora", tab="new", cards="full")
    card = next(m.value for m in at.markdown if HOSTILE_ID in m.value)
    assert card == f"**[{md_escape(HOSTILE_TITLE)}](https://arxiv.org/abs/{HOSTILE_ID})**"
    assert not re.search(
        r"(?<!\\)[<\[\]]", card.removeprefix("**[").split("](https://arxiv.org")[0]
    )  # all escaped
    texts = [t.value for t in at.text]
    assert (
        "<script>alert(1)</script> [click](javascript:alert(1)) low-rank adaptation" in texts
    )  # st.text: literal
    assert "Mallory <b>Bold</b>, [Eve](javascript:alert(1))" in texts


def test_topic_export_gives_valid_bibtex(dashboard_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    files = capture_downloads(monkeypatch)
    at = open_page("topic", topic="lora")
    assert [b.proto.label for b in at.get("download_button")] == ["BibTeX", "Markdown", "CSV"]
    bib = files["lora-reading-list.bib"]()
    entries = parse_string(bib, "bibtex").entries
    assert len(entries) >= 4
    hostile = next(e for e in entries.values() if e.fields.get("eprint") == HOSTILE_ID)
    assert "\\textless" not in hostile.fields["title"] and "onerror=alert(1)" in hostile.fields["title"]


def capture_downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """The functions behind every st.download_button of the next AppTest runs, by file name: the pages
    pass functions (deferred downloads), which a browser calls when the button is pressed."""
    found: dict[str, Callable[[], Any]] = {}

    class Recording(MediaFileManager):
        def add_deferred(
            self, data_callable: Any, mimetype: str | None, coordinates: str, file_name: str | None = None,
            **kwargs: Any,
        ) -> str:  # fmt: skip
            found[file_name or coordinates] = data_callable
            return super().add_deferred(data_callable, mimetype, coordinates, file_name, **kwargs)

    monkeypatch.setattr(app_test_module, "MediaFileManager", Recording)
    return found


# -- What's new -------------------------------------------------------------------------------------------
def test_whats_new_lists_new_papers_and_mark_all_seen_empties_it(dashboard_db: str) -> None:
    with db.session_scope(db.make_engine(dashboard_db)) as session:
        week = db.match_summaries(session, datetime.now(UTC) - timedelta(days=7), topic_ids=["lora"])
    at = open_page("whats_new", level="L3", topic="lora")
    assert captions(at)[0].startswith(f"{len(week)} papers stored since your last visit")
    at.button(key="seen").click().run()
    assert captions(at)[0].startswith("0 papers stored since your last visit")


def test_bookmarks_are_per_reader(dashboard_db: str) -> None:
    at = open_page("topic", topic="lora", reader="alice", tab="new")
    at.checkbox(key=f"new:bookmarked:{HOSTILE_ID}").check().run()
    alice = open_page("whats_new", reader="alice")
    alice.radio(key="url:mode").set_value("bookmarked").run()
    assert captions(alice)[0] == "1 paper bookmarked by alice."
    other = open_page("whats_new")
    other.radio(key="url:mode").set_value("bookmarked").run()
    assert captions(other)[0] == "0 papers bookmarked by default."


# -- Search -----------------------------------------------------------------------------------------------
def test_search_finds_titles_and_filters_by_topic(dashboard_db: str) -> None:
    at = open_page("search", q="low-rank adaptation", topic="lora", level="L3")
    assert f"/abs/{HOSTILE_ID})" in markdown(at)
    assert not at.warning


def test_search_syntax_errors_are_explained_and_the_words_searched(dashboard_db: str) -> None:
    at = open_page("search", q="diffusion AND")
    assert "Could not read" in at.warning[0].value
    assert int(captions(at)[1].split()[0].replace(",", "")) > 0


def search_page(query: str, page: str) -> AppTest:
    """The Search page at `?q=query&page=page` (open_page takes `page` for the page script)."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params.update({"q": query, "page": page})
    at.switch_page("app_pages/search.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def search_summary(at: AppTest) -> str:
    return next(c for c in captions(at) if "most relevant first" in c)


def test_search_pages_are_in_the_url_and_say_the_total(dashboard_db: str) -> None:
    at = open_page("search", q="model")
    total = int(search_summary(at).split()[0].replace(",", ""))
    pages = -(-min(total, db.SEARCH_CAP) // 25)
    assert search_summary(at).startswith(f"{total:,} results, most relevant first · page 1 of {pages}")
    first = markdown(at)
    at.button(key="bottom-next").click().run()
    assert at.query_params["page"] == "2" and "page 2 of" in search_summary(at)
    second = markdown(at)
    assert second != first
    shared = search_page("model", "2")  # a shared link opens on the same page
    assert markdown(shared) == second
    shared.button(key="top-first").click().run()
    assert "page" not in shared.query_params and markdown(shared) == first
    shared.text_input(key="q").set_value("network").run()  # a new search starts on its first page
    assert "page 1 of" in search_summary(shared)
    assert f"page {pages} of {pages}" in search_summary(search_page("model", "999"))


def test_one_result_is_one_result_and_its_snippet_is_escaped(dashboard_db: str) -> None:
    at = open_page("search", q="javascript")
    assert search_summary(at).startswith("1 result, most relevant first · page 1 of 1")
    snippet = next(m.value for m in at.markdown if ":orange[" in m.value)
    assert snippet.startswith(md_escape("<script>alert(1)</script> [click](")), snippet
    assert ":orange[**javascript**]" in snippet and "<script>" not in snippet
    assert not [b for b in at.button if b.key == "bottom-next"]


def test_a_typo_gets_a_suggestion_that_searches_the_corrected_words(dashboard_db: str) -> None:
    at = open_page("search", q="trasnformer")
    assert at.info[0].value == "No paper matches trasnformer."
    at.button[0].click().run()
    assert at.text_input(key="q").value == "transformer" and at.query_params["q"] == "transformer"
    assert not at.info and "most relevant first" in search_summary(at)


@pytest.mark.parametrize(
    ("query", "topics"),
    [
        ("注意力", ["attention", "self-attention"]),
        ("扩散模型", ["diffusion"]),
        ("low-rank adaptation", ["lora"]),
    ],
)
def test_a_query_naming_a_topic_links_to_its_page(dashboard_db: str, query: str, topics: list[str]) -> None:
    at = open_page("search", q=query)
    links = [e.proto for e in at.get("page_link")]
    assert [link.page for link in links] == ["topic"] * len(topics)
    assert [link.query_string for link in links] == [f"topic={topic}" for topic in topics]


# -- Collector --------------------------------------------------------------------------------------------
def test_collector_shows_runs_and_collects_in_the_background(
    dashboard_db: str, replay: ReplayServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in replay_env(replay).items():
        monkeypatch.setenv(name, value)
    at = open_page("collector")
    assert [m.label for m in at.metric] == ["arXiv listing"]
    at.button(key="collect").click().run()
    job = collect_job.current(dashboard_db)
    assert job is not None and at.button(key="collect").disabled
    wait_for(lambda: not job.running, 60)
    at.run()
    assert job.exit_code == 1, job.tail()  # 1: partial failure, Hugging Face is unreachable here
    assert any(w.value.startswith("Your collection finished") for w in at.warning)  # in part: HF failed
    assert "listing" in job.tail()
    assert "Hugging Face cannot be reached from this machine: 127.0.0.1:9 refused" in job.tail()
    # the page names the upstream it could not reach, and the live rows are gone once the run is over
    at.run()
    assert md_escape("Hugging Face cannot be reached from this machine (the connection was refused).") in [
        e.value for e in at.error
    ]
    assert not data.live_runs(dashboard_db)


def replay_env(replay: ReplayServer) -> dict[str, str]:
    settings = replay.settings(arxiv_delay_seconds=0)
    return {
        "RADAR_ARXIV_API_URL": settings.arxiv_api_url,
        "RADAR_ARXIV_LISTING_URL": settings.arxiv_listing_url,
        "RADAR_ARXIV_DELAY_SECONDS": "0",
        "RADAR_HTTP_MAX_RETRIES": "0",
        "RADAR_HF_API_URL": "http://127.0.0.1:9/api",  # nothing listens on port 9: HF is unreachable
        "RADAR_HF_DELAY_SECONDS": "0",
    }


def wait_for(done: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Each test sees its own database copy; cached reads are keyed by URL, but clear them anyway."""
    yield
    import streamlit as st

    st.cache_resource.clear()


# -- the collector's state on every page ------------------------------------------------------------------
def sidebar_text(at: AppTest) -> str:
    """The sidebar's captions and warnings, Markdown escapes removed."""
    return "\n".join([c.value for c in at.sidebar.caption] + [w.value for w in at.sidebar.warning]).replace(
        "\\", ""
    )


def test_every_page_says_how_fresh_the_data_is_and_warns_when_stale(dashboard_db: str) -> None:
    at = open_page("search")
    assert "Last successful collection 1 hour ago" in sidebar_text(at) and not at.sidebar.warning
    engine = db.make_engine(dashboard_db)
    with engine.begin() as connection:  # the scheduled collection has not succeeded for three days
        connection.exec_driver_sql("UPDATE runs SET finished_at = datetime('now', '-3 days')")
    engine.dispose()
    at = open_page()
    assert (
        md_escape("Last successful collection 3 days ago (more than 24 hours") in at.sidebar.warning[0].value
    )


def test_the_collector_page_shows_live_rows_from_any_process(dashboard_db: str) -> None:
    engine = db.make_engine(dashboard_db)
    now = datetime.now(UTC)
    with db.session_scope(engine) as session:  # what `radar up`'s first collection writes as it goes
        db.acquire_lock(session, db.COLLECTION_LOCK, "elsewhere:42:abc", now, timedelta(minutes=5))
        label = "2025-07-01..2026-07-01 lora, gan"
        running = db.RunRow(
            "live1", "api", label, now, now, 4000, 3900, requests=2, status="running", pages=2
        )
        db.record_run(session, running)
    engine.dispose()
    at = open_page("collector")
    now_line = "Now: arXiv search · 2025-07-01..2026-07-01 lora, gan — 2 page(s), 4000 papers so far"
    assert any(m.value.replace("\\", "").startswith(now_line) for m in at.markdown)
    assert "Collecting now: arXiv search 2025" in sidebar_text(at)
    assert "process 42 on elsewhere" in at.info[0].value.replace("\\", "")
    assert at.button(key="collect").disabled


def test_an_empty_database_that_nothing_could_reach_offers_the_demo_in_one_click(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'radar.sqlite'}"
    monkeypatch.chdir(tmp_path)
    for name, value in {"RADAR_DATABASE_URL": url, "RADAR_ARXIV_API_URL": "http://radar-offline.invalid/api",
                        "RADAR_ARXIV_LISTING_URL": "http://127.0.0.1:9/atom"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    assert cli.main(["collect"]) == 1  # offline: every source failed or was skipped
    capsys.readouterr()
    at = open_page("collector")
    offer = at.info[0].value
    assert "no source could be reached from this machine" in offer and "the name does not resolve" in offer
    assert any("arXiv cannot be reached from this machine" in e.value for e in at.error)  # the offline state
    at.button(key="demo").click().run()
    job = collect_job.current(url)
    assert job is not None and job.command[0] == "demo"
    wait_for(lambda: not job.running, 120)
    assert job.exit_code == 0, job.tail()
    at.run()  # the page notices the sample is in, reads the database again
    assert not [i for i in at.info if "no paper" in i.value]
    # no collection succeeded, yet the Roadmap is full: the page says the papers were loaded
    assert any("the papers here were loaded" in w.value for w in at.warning), [w.value for w in at.warning]
    with db.session_scope(db.make_engine(url)) as session:
        assert db.paper_count(session) >= 714
