"""The Roadmap page under AppTest on the seeded database (tests/seed.py): every level with the roadmap's own
groups and full topic names, what is new since the reader's last visit, the reader's progress per level;
and one set of counts, equal on the Roadmap, Topic and What's new pages and in `radar status`/`radar list`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

import db
from collector import cli
from collector.config import PROJECT_ROOT, load_settings
from collector.reading_lists import reading_list, roadmap_wide
from collector.roadmap import load_roadmap
from collector.store import Store
from dashboard import i18n
from dashboard.roadmap_view import topics_said
from dashboard.text import md_escape
from db import PaperMarks, PaperRecord, TopicRow
from tests.factories import papers
from tests.seed import HOSTILE_ID
from tests.test_dashboard import captions, open_page

ROADMAP = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
LEVELS = ("L1", "L2", "L3", "L4")


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    yield
    import streamlit as st

    st.cache_resource.clear()


def topic_rows(at: AppTest) -> dict[str, tuple[str, str, str]]:
    """Every topic row on the page by topic id: (link label, the caption under it, the link's tooltip)."""
    found: dict[str, tuple[str, str, str]] = {}

    def walk(node: Any) -> None:
        children = list(getattr(node, "children", {}).values())
        if [getattr(child, "type", "") for child in children] == ["page_link", "caption"]:
            link, caption = children
            topic_id = link.proto.query_string.removeprefix("topic=")
            found[topic_id] = (link.proto.label, caption.value, link.proto.help)
            return
        for child in children:
            walk(child)

    walk(at.main)
    return found


def every_level(**params: str) -> tuple[dict[str, AppTest], dict[str, tuple[str, str, str]]]:
    """The Roadmap page on each level's tab (?level=), and every topic row seen on them."""
    pages = {level: open_page(level=level, **params) for level in LEVELS}
    rows = {topic_id: row for at in pages.values() for topic_id, row in topic_rows(at).items()}
    return pages, rows


def first_number(text_: str) -> int:
    found = re.search(r"\d[\d,]*", text_)
    assert found, text_
    return int(found.group().replace(",", ""))


# -- what the page shows ----------------------------------------------------------------------------------
def test_every_level_shows_its_groups_and_every_topic_by_its_full_name(dashboard_db: str) -> None:
    pages, rows = every_level()
    assert set(rows) == {t.id for t in ROADMAP.topics}  # all 96, each on its level's tab
    for topic in ROADMAP.topics:
        label, _, tooltip = rows[topic.id]
        full = md_escape(f"{topic.name_zh} · {topic.name_en}")
        assert label == f":blue[{full}]" and full in tooltip  # the whole name, shown as a link
    for level, at in pages.items():
        headers = [m.value for m in at.markdown]
        in_level = [t for t in ROADMAP.topics if t.level == level]
        for group in {t.group for t in in_level}:
            count = sum(t.group == group for t in in_level)
            assert (
                f"**{md_escape(group or i18n.text('en', 'roadmap.core'))}** · {topics_said(count)}" in headers
            ), (level, group)
        assert {t.id for t in in_level} == set(topic_rows(at))  # the tab shows its own level only
    l3 = [m.value for m in pages["L3"].markdown]
    for group in ("视觉相关", "LLM 开发", "部署相关", "训练相关"):
        assert any(h.startswith(f"**{md_escape(group)}**") for h in l3)


def test_the_level_tab_is_in_the_url_and_the_default_is_the_first(dashboard_db: str) -> None:
    at = open_page()
    assert {t.level for t in ROADMAP.topics if t.id in topic_rows(at)} == {"L1"}
    at = open_page(level="L3")
    assert "lora" in topic_rows(at) and at.query_params["level"] == "L3"


def test_new_since_the_last_visit_counts_only_what_was_stored_after_it(dashboard_db: str) -> None:
    engine = db.make_engine(dashboard_db)
    now = datetime.now(UTC)
    earlier = now - timedelta(hours=3)
    previous_visit = now - timedelta(hours=2)
    with db.session_scope(engine) as session:
        db.visit(session, "alice", previous_visit)  # alice's last page view was two hours ago
        # LoRA papers stored three hours ago: before her visit, so not new for her (but for a new reader)
        store_lora_papers(session, earlier, 4)
        alice_new = lora_stored_after(session, previous_visit)
        first_visit_new = lora_stored_after(session, now - timedelta(days=7))
    engine.dispose()
    assert 0 < alice_new < first_visit_new

    _, alice = every_level(reader="alice")
    assert new_in(alice["lora"][1]) == alice_new
    again = open_page(level="L3", reader="alice")  # a page view within the same visit: the same cutoff
    assert new_in(topic_rows(again)["lora"][1]) == alice_new
    assert new_in(topic_rows(open_page(level="L3", reader="bob"))["lora"][1]) == first_visit_new
    # "collected" is per topic: when the newest of its new papers was stored (here about an hour ago)
    assert re.search(r"\*\*\d+ new\*\*, \d+ (min|h) ago", alice["lora"][1])


def test_marking_a_paper_read_on_the_topic_page_takes_it_out_of_what_is_new(dashboard_db: str) -> None:
    before = new_in(topic_rows(open_page(level="L3"))["lora"][1])
    topic = open_page("topic", topic="lora", tab="new")
    topic.checkbox(key=f"new:read:{HOSTILE_ID}").check().run()
    assert not topic.exception
    assert new_in(topic_rows(open_page(level="L3"))["lora"][1]) == before - 1


def store_lora_papers(session: Any, stored_at: datetime, count: int) -> list[str]:
    """`count` corpus papers matching LoRA that the seed left out, stored (and matched) at `stored_at`."""
    store = Store(session.get_bind(), ROADMAP, stored_at)
    fresh = [p for p in papers(2000, start=4000) if any(m.topic_id == "lora" for m in store.match(p))]
    chosen = fresh[:count]
    assert len(chosen) == count
    db.upsert_papers(session, chosen, stored_at)
    matches = [m for p in chosen for m in store.match(p)]
    db.replace_matches(session, [p.arxiv_id for p in chosen], matches, stored_at)
    return [p.arxiv_id for p in chosen]


def lora_stored_after(session: Any, cutoff: datetime) -> int:
    """LoRA's matches of papers first stored after `cutoff` (none of them marked): plain SQL, no db/ code."""
    rows = session.execute(
        text("SELECT p.first_seen FROM paper_topics m JOIN papers p ON p.arxiv_id = m.arxiv_id"
             " WHERE m.topic_id = 'lora'")
    ).scalars()  # fmt: skip
    return sum(1 for stored in rows if as_utc(stored) > cutoff)


def as_utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def new_in(caption: str) -> int:
    found = re.search(r"\*\*(\d+) new\*\*", caption)
    return int(found.group(1)) if found else 0


def test_progress_per_level_counts_the_classics_the_reader_marked_read(dashboard_db: str) -> None:
    on_arxiv = {
        level: [s.arxiv_id for t in ROADMAP.topics if t.level == level for s in t.seminal if s.arxiv_id]
        for level in LEVELS
    }
    lora = [s.arxiv_id for s in ROADMAP.topic("lora").seminal if s.arxiv_id]
    read, bookmarked = [lora[0], on_arxiv["L1"][0]], on_arxiv["L2"][0]
    engine = db.make_engine(dashboard_db)
    with db.session_scope(engine) as session:
        now = datetime.now(UTC)
        db.upsert_papers(session, [fetched_classic(i, now) for i in [*read, bookmarked]], now)
        other = papers(1)[0].arxiv_id  # a stored paper that is no classic counts nowhere
        db.visit(session, "carol", now)
        for arxiv_id in [*read, other]:
            db.set_marks(session, "carol", arxiv_id, PaperMarks(read=True), now)
        db.set_marks(session, "carol", bookmarked, PaperMarks(bookmarked=True), now)  # bookmarked, not read
    engine.dispose()
    at = open_page(level="L3", reader="carol")
    done = {"L1": 1, "L2": 0, "L3": 1, "L4": 0}
    assert [p.proto.text for p in at.get("progress")] == [
        f"{done[level]} / {len(on_arxiv[level])} classics read" for level in LEVELS
    ]
    shares = [p.proto.value for p in at.get("progress")]  # Streamlit's percent, rounded down
    assert shares == [int(100 * done[level] / len(on_arxiv[level])) for level in LEVELS] and shares[0] > 0
    assert topic_rows(at)["lora"][1].endswith(f"classics 1/{len(lora)}")


def fetched_classic(arxiv_id: str, now: datetime) -> PaperRecord:
    """A classic as the seminal source stores it once fetched (the seed holds few of them)."""
    seminal = next(s for t in ROADMAP.topics for s in t.seminal if s.arxiv_id == arxiv_id)
    published = datetime(seminal.year, 6, 1, tzinfo=UTC)
    return PaperRecord(
        arxiv_id, 1, seminal.title, "", ("A. Author",), ("cs.LG",), "cs.LG", published, published
    )


# -- one set of counts ------------------------------------------------------------------------------------
def cli_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    capsys.readouterr()
    assert cli.main([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_the_counts_are_the_same_on_every_page_and_in_the_cli(
    dashboard_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pages, rows = every_level()
    summary = captions(pages["L1"])[0]  # "**3,001** stored papers · **…** matched to a topic · **…** new …"
    stored, matched, new = (int(n.replace(",", "")) for n in re.findall(r"\*\*([\d,]+)\*\*", summary))
    status = cli_json(capsys, "status")
    assert (stored, matched) == (status["papers"], status["matched_papers"])
    with db.session_scope(db.make_engine(dashboard_db)) as session:
        distinct = session.execute(text("SELECT count(DISTINCT arxiv_id) FROM paper_topics")).scalar_one()
    assert matched == distinct < stored

    for topic_id in ("lora", "diffusion", "bert"):  # "N about it" = the list's New section, in the CLI too
        listed = cli_json(capsys, "list", "--topic", topic_id, "--limit", "0")
        recent = [p for p in listed["papers"] if p["section"] == "recent"]
        assert first_number(rows[topic_id][1]) == len(recent), topic_id
        sections = open_page("topic", topic=topic_id).segmented_control(key="url:tab").options
        new_tab = next(str(label) for label in sections if str(label).startswith("New"))
        assert first_number(new_tab) == len(recent), topic_id

    whats_new = open_page("whats_new")
    said = next(c for c in captions(whats_new) if "since your last visit" in c)
    assert first_number(said) == new  # each paper once, as What's new lists them
    l3 = open_page("whats_new", level="L3")
    strip = next(
        c for c in captions(pages["L1"]) if c.startswith("Advanced")
    )  # "Advanced · 51 topics · **9** new"
    in_l3 = int(re.findall(r"\*\*(\d+)\*\* new", strip)[0])
    assert first_number(next(c for c in captions(l3) if "since your last visit" in c)) == in_l3


def test_every_topics_about_count_is_its_reading_lists_new_section(dashboard_db: str) -> None:
    """All 96 at once: the Roadmap reads the counts in one pass, the Topic page builds each list."""
    _, rows = every_level()
    settings = load_settings()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    with db.session_scope(db.make_engine(dashboard_db)) as session:
        topics: list[TopicRow] = db.list_topics(session)
        widened = 0
        for topic in topics:
            if roadmap_wide(topic):
                continue  # the frontier: trending across every topic, no count of its own
            reading = reading_list(session, topic, settings, now, recent_limit=1)
            shown = first_number(rows[topic.id][1])
            assert shown == reading.recent_total, topic.id
            years = reading.window.days // 365
            assert ("(" in rows[topic.id][1].split("·")[0]) == reading.window.widened, topic.id
            widened += reading.window.widened and f"({years} year" in rows[topic.id][1]
    assert widened > 0  # the seed has sparse topics, whose windows widen
