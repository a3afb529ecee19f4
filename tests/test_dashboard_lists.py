"""The Topic and What's new lists under Streamlit's AppTest, on a seeded real SQLite file whose ids agree
with their dates (tests/dated_seed.py): compact cards, "Show more" to the end, the section and position in
the URL, Hide with its undo, the applications collapsed, classics not stored (and fetched in the
background from the replay server), exports of the whole list, plurals."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pybtex.database import parse_string
from streamlit.testing.v1 import AppTest

import db
from collector import aboutness
from collector.clock import utc_now
from collector.config import PROJECT_ROOT, Settings
from collector.reading_lists import ReadingList, reading_list
from collector.roadmap import load_roadmap
from dashboard import collect_job
from dashboard.text import md_escape
from tests.dated_seed import seed_dated
from tests.factories import corpus
from tests.replay import ReplayServer
from tests.seed import HOSTILE_ID, HOSTILE_TITLE
from tests.test_dashboard import capture_downloads

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
ABS = re.compile(r"\(https://arxiv\.org/abs/([^)]+)\)")


@pytest.fixture(scope="module")
def dated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("dated") / "radar.sqlite"
    seed_dated(path).dispose()
    return path


@pytest.fixture
def lists_db(dated_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private copy of the dated database, set as RADAR_DATABASE_URL; caches dropped afterwards."""
    path = tmp_path / "radar.sqlite"
    shutil.copyfile(dated_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("RADAR_DATABASE_URL", url)
    yield url
    import streamlit as st

    st.cache_resource.clear()


def open_page(page: str, **params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params.update(params)
    at.switch_page(f"app_pages/{page}.py")
    return ran(at)


def ran(runnable: Any) -> AppTest:
    """Run the app (an AppTest, or a widget just set) and check it raised nothing."""
    at: AppTest = runnable.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def listed(at: AppTest, section: str = "") -> list[str]:
    """The arXiv ids of the paper titles on the page in order (or of one section's cards, by their keys)."""
    if section:
        return [c.key.split(":")[-1] for c in at.checkbox if c.key.startswith(f"{section}:read:")]
    return [found for m in at.markdown for found in ABS.findall(m.value) if m.value.startswith("**[")]


def captions(at: AppTest) -> list[str]:
    return [c.value for c in at.caption]


def the_list(url: str, topic_id: str) -> ReadingList:
    """The topic's whole list as collector.reading_lists gives it (what the page must reach), at the page's
    moment (this minute: the window's edge moves by the minute)."""
    minute = utc_now().replace(second=0, microsecond=0)
    with db.session_scope(db.make_engine(url)) as session:
        topic = next(t for t in db.list_topics(session) if t.id == topic_id)
        return reading_list(session, topic, Settings(_env_file=None), minute)


def hidden(url: str, arxiv_id: str) -> bool:
    with db.session_scope(db.make_engine(url)) as session:
        return db.reader_marks(session, "default").get(arxiv_id, db.PaperMarks()).hidden


# -- compact cards -----------------------------------------------------------------------------------------
def test_cards_are_compact_by_default_and_full_on_request(lists_db: str) -> None:
    at = open_page("topic", topic="lora", tab="new")
    card = next(m for m in at.markdown if HOSTILE_ID in m.value)
    assert card.value == f"**[{md_escape(HOSTILE_TITLE)}](https://arxiv.org/abs/{HOSTILE_ID})**"
    byline = next(c for c in captions(at) if md_escape("Mallory <b>Bold</b>") in c)
    assert md_escape("Mallory <b>Bold</b>, [Eve](javascript:alert(1))") in byline  # authors, escaped
    assert "About the topic — " in byline or "Uses it — " in byline
    summaries = [e for e in at.expander if e.proto.type == e.proto.Type.COMPACT]
    assert len(summaries) == len(listed(at)), "one inline summary per card opens its abstract"
    abstract = "<script>alert(1)</script> [click](javascript:alert(1)) low-rank adaptation"
    assert md_escape(abstract) in [e.label for e in summaries]  # the first sentence, as text
    assert abstract in [t.value for t in at.text]  # the abstract, literal, inside it
    assert not any("rank 0" in c or "score" in c for c in captions(at))

    at.toggle(key="url:cards").set_value(False).run()
    assert at.query_params["cards"] == "full"
    assert not [e for e in at.expander if e.proto.type == e.proto.Type.COMPACT]
    assert "Mallory <b>Bold</b>, [Eve](javascript:alert(1))" in [t.value for t in at.text]


# -- show more ---------------------------------------------------------------------------------------------
def test_show_more_reaches_the_end_of_new_and_keeps_the_count_in_the_url(lists_db: str) -> None:
    whole = the_list(lists_db, "multimodal")
    assert whole.recent_total > 40  # three "Show more" to go
    at = open_page("topic", topic="multimodal", tab="new")
    assert listed(at) == [i.arxiv_id for i in whole.recent[:20]]
    clicks = 0
    while any(b.key == "more-shown" for b in at.button):
        ran(at.button(key="more-shown").click())
        clicks += 1
    assert listed(at) == [i.arxiv_id for i in whole.recent], "every paper about the topic, in rank order"
    assert clicks == -(-whole.recent_total // 20) - 1
    assert f"All {whole.recent_total} shown." in captions(at)
    shared = open_page("topic", topic="multimodal", tab="new", shown=at.query_params["shown"])
    assert len(listed(shared)) == whole.recent_total


# -- the section in the URL, Hide and its undo ---------------------------------------------------------------
def test_the_section_lives_in_the_url_and_a_shared_link_restores_it(lists_db: str) -> None:
    at = open_page("topic", topic="lora")
    assert at.segmented_control(key="url:tab").value == "classics" and "tab" not in at.query_params
    ran(at.segmented_control(key="url:tab").set_value("new"))
    assert at.query_params["tab"] == "new" and HOSTILE_ID in listed(at)
    shared = open_page("topic", **{k: at.query_params[k] for k in ("topic", "tab")})
    assert shared.segmented_control(key="url:tab").value == "new"
    assert HOSTILE_ID in listed(shared) and "Classic #1 in reading order" not in " ".join(captions(shared))
    labels = shared.segmented_control(key="url:tab").options
    whole = the_list(lists_db, "lora")
    assert f"New ({whole.recent_total})" in labels and f"Classics ({len(whole.classics)})" in labels


def test_hide_keeps_the_section_and_undo_brings_the_paper_back(lists_db: str) -> None:
    at = open_page("topic", topic="lora", tab="new")
    ran(at.checkbox(key=f"new:hidden:{HOSTILE_ID}").check())
    assert at.segmented_control(key="url:tab").value == "new" and at.query_params["tab"] == "new"
    assert HOSTILE_ID not in listed(at) and listed(at), "still on New, without the hidden paper"
    assert hidden(lists_db, HOSTILE_ID)
    note = next(c for c in captions(at) if c.startswith(md_escape("Hidden “")))
    assert md_escape(HOSTILE_TITLE[:40]) in note
    ran(at.button(key="undo-hide").click())
    assert not hidden(lists_db, HOSTILE_ID)
    assert HOSTILE_ID in listed(at) and at.segmented_control(key="url:tab").value == "new"
    assert not any(b.key == "undo-hide" for b in at.button), "the undo is offered once"


# -- applications ------------------------------------------------------------------------------------------
def test_applications_are_collapsed_until_opened_and_reachable_to_the_end(lists_db: str) -> None:
    whole = the_list(lists_db, "multimodal")
    at = open_page("topic", topic="multimodal", tab="new")
    box = next(e for e in at.expander if e.label.startswith("Applications"))
    assert (
        box.label
        == f"Applications: {whole.applications_total} papers that use the topic rather than study it"
    )
    assert not box.proto.expanded and not [c for c in at.checkbox if c.key.startswith("applications:")]
    opened = open_page("topic", topic="multimodal", tab="new", apps="open", ashown="100")
    shown = {c.key.split(":")[-1] for c in opened.checkbox if c.key.startswith("applications:read:")}
    assert shown == {i.arxiv_id for i in whole.applications}
    assert not shown & set(listed(opened)[:20]), "no paper is both about the topic and only using it"


# -- classics ------------------------------------------------------------------------------------------------
def test_classics_not_stored_say_why(lists_db: str) -> None:
    lora = open_page("topic", topic="lora")
    said = " ".join(captions(lora)).replace("\\", "")
    assert said.count("Not fetched yet: its authors and abstract come from arXiv") == 4
    assert "4 classics not stored yet" in lora.info[0].value
    assert lora.button(key="fetch-classics").label == "Fetch missing classics"
    mlp = open_page("topic", topic="mlp")
    said = " ".join(captions(mlp)).replace("\\", "")
    assert (
        "Not on arXiv, so there are no authors or abstract to show here: the link opens it at doi.org" in said
    )


def test_fetch_missing_classics_runs_the_seminal_source_in_the_background(
    lists_db: str, replay: ReplayServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LoRA's first classic is made a corpus paper (the replay server knows it); the other three are ids
    arXiv's look-alike returns nothing for."""
    stand_in = next(raw for raw in corpus() if raw["id"] >= "2501")
    roadmap = use_roadmap_with_classic(lists_db, "2012.13255", stand_in, tmp_path, monkeypatch)
    settings = replay.settings(arxiv_delay_seconds=0)
    env = {"RADAR_ARXIV_API_URL": settings.arxiv_api_url, "RADAR_ARXIV_DELAY_SECONDS": "0",
           "RADAR_HTTP_MAX_RETRIES": "0", "RADAR_ROADMAP_PATH": str(roadmap)}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    at = open_page("topic", topic="lora")
    ran(at.button(key="fetch-classics").click())
    job = collect_job.current(lists_db)
    assert job is not None and job.command == ("collect", "--source", "seminal", "--topic", "lora")
    deadline = time.monotonic() + 60
    while job.running:
        assert time.monotonic() < deadline, job.tail()
        time.sleep(0.1)
    ran(at)
    assert job.exit_code == 0, job.tail()
    assert [s.value for s in at.success] == ["Fetched: the classics arXiv returned are shown below."]
    card = next(m.value for m in at.markdown if stand_in["id"] in m.value)
    assert md_escape(" ".join(stand_in["title"].split())) in card
    said = " ".join(captions(at)).replace("\\", "")
    assert md_escape(stand_in["authors"][0]).replace("\\", "") in said  # a stored classic has its authors
    assert "arXiv returned nothing for 2106.09685 when it was just asked." in said
    assert "3 classics not stored yet" in at.info[0].value
    runs = db_runs(lists_db)
    assert [(r.query.split(" #")[0], r.fetched) for r in runs] == [("4 seminal id(s)", 1)]


def test_a_fetch_that_cannot_reach_arxiv_says_so_in_one_sentence(
    lists_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Offline: the reason in words, the collector's own lines behind an expander, the classics as they
    were and the button offered again."""
    env = {"RADAR_ARXIV_API_URL": "http://radar-offline.invalid/api", "RADAR_ARXIV_DELAY_SECONDS": "0",
           "RADAR_HTTP_MAX_RETRIES": "0"}  # fmt: skip
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    at = open_page("topic", topic="lora")
    ran(at.button(key="fetch-classics").click())
    job = collect_job.current(lists_db)
    assert job is not None
    deadline = time.monotonic() + 60
    while job.running:
        assert time.monotonic() < deadline, job.tail()
        time.sleep(0.1)
    ran(at)
    assert job.exit_code != 0, job.tail()
    assert [w.value.replace("\\", "") for w in at.warning] == [
        "The classics could not be fetched: arXiv cannot be reached from this machine. They stay as they "
        "were; try again later."
    ]
    assert at.expander[0].label == "What the fetch printed" and "radar-offline.invalid" in at.code[0].value
    assert "4 classics not stored yet" in at.info[0].value and at.button(key="fetch-classics")


def use_roadmap_with_classic(
    url: str, replaced: str, raw: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """roadmap.yaml with the classic `replaced` swapped for the corpus paper `raw`, synced into the
    database."""
    text = (PROJECT_ROOT / "roadmap.yaml").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if f'arxiv_id: "{replaced}"' in line)
    title = " ".join(raw["title"].split()).replace('"', "'")
    swapped = (
        line.split("{")[0] + f'{{arxiv_id: "{raw["id"]}", title: "{title}", year: {raw["published"][:4]}}}'
    )
    path = tmp_path / "roadmap.yaml"
    path.write_text(text.replace(line, swapped), encoding="utf-8")
    roadmap = load_roadmap(path)
    with db.session_scope(db.make_engine(url)) as session:
        db.sync_topics(session, roadmap.rows(), utc_now(), version=aboutness.VERSION)
    return path


def db_runs(url: str) -> list[db.RunRow]:
    with db.session_scope(db.make_engine(url)) as session:
        return [r for r in db.last_runs(session, limit=10) if r.source == "seminal"]


# -- exports ----------------------------------------------------------------------------------------------


def test_topic_exports_hold_the_whole_list_as_a_readable_reading_list(
    lists_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    exports = capture_downloads(monkeypatch)
    whole = the_list(lists_db, "multimodal")
    at = open_page("topic", topic="multimodal", tab="new")
    count = len(whole.classics) + whole.recent_total + len(whole.trending) + whole.applications_total
    assert count > 100 and f"Download the whole list ({count} papers), not only this page:" in captions(at)
    text = exports["multimodal-reading-list.md"]()
    assert len(re.findall(r"^\d+\. ", text, re.MULTILINE)) == count
    assert "## New: papers about the topic" in text and "## Applications: papers that use the topic" in text
    assert "seminal paper named in roadmap.yaml" not in text
    assert not re.search(r"\\[:\-,.()]", text), "no escapes outside Markdown's special positions"
    assert "About the topic — " in text
    bib = parse_string(exports["multimodal-reading-list.bib"](), "bibtex").entries
    assert len(bib) == count
    stored = [
        e
        for e in bib.values()
        if "eprint" in e.fields and e.fields["eprint"] in {i.arxiv_id for i in whole.recent}
    ]
    assert stored and all(e.persons.get("author") for e in stored)
    rows = exports["multimodal-reading-list.csv"]().splitlines()
    assert len(rows) == count + 1 and rows[0].endswith(",note,section")


def test_whats_new_exports_every_paper_it_counts(lists_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    exports = capture_downloads(monkeypatch)
    at = open_page("whats_new")
    total = int(captions(at)[0].split()[0])
    assert total > 20 and len(listed(at, "new")) == 20
    text = exports["what-s-new.md"]()
    assert len(re.findall(r"^\d+\. ", text, re.MULTILINE)) == total


# -- What's new: bookmarks, plurals -----------------------------------------------------------------------
def test_the_bookmarks_view_shows_only_what_applies_and_counts_in_words(lists_db: str) -> None:
    topic = open_page("topic", topic="lora", tab="new", reader="alice")
    ran(topic.checkbox(key=f"new:bookmarked:{HOSTILE_ID}").check())
    at = open_page("whats_new", reader="alice", mode="bookmarked")
    assert captions(at)[0] == "1 paper bookmarked by alice."
    assert listed(at) == [HOSTILE_ID]
    controls = {w.key for w in (*at.sidebar.select_slider, *at.sidebar.selectbox, *at.sidebar.radio)}
    assert controls == {"url:reader", "url:mode", "url:lang"}, "days, level, topic and order do nothing here"
    days = open_page("whats_new", mode="days", days="1")
    controls = {w.key for w in (*days.sidebar.select_slider, *days.sidebar.selectbox, *days.sidebar.radio)}
    assert {"days", "url:level", "url:topic", "sort"} <= controls
    assert re.fullmatch(r"\d+ papers? published in the last day\.", captions(days)[0])
