"""The dashboard's storage: reader state, full-text search, overviews (SQLite, and PostgreSQL when set)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

import db
from db import PaperMarks
from db.reader_state import FIRST_VISIT_WINDOW
from db.search import SearchQueryError, fts_query, plain_query, search_papers, sync_search_index
from tests.factories import BACKENDS, NOW, blank_engine, match, papers, topic

LATER = NOW + timedelta(hours=3)


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    engine = blank_engine(request.param, tmp_path)
    db.migrate(engine)
    records = papers(40)
    with db.session_scope(engine) as session:
        db.sync_topics(session, [topic("lora", 0, "ti:LoRA"), topic("vit", 1, "ti:ViT", level="L3")], NOW)
        db.upsert_papers(session, records[:20], NOW - timedelta(days=30))
        db.upsert_papers(session, records[20:], NOW)
        sync_search_index(session)
        matches = [match(p, "lora", 1.0 + i % 3) for i, p in enumerate(records[::2])]
        db.replace_matches(
            session, [p.arxiv_id for p in records], matches + [match(records[1], "vit", 2.0)], NOW
        )
    yield engine
    engine.dispose()


def test_a_visit_keeps_its_cutoff_and_the_next_one_starts_where_it_ended(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        first = db.visit(session, "ann", NOW)
        assert first.new_since == NOW - FIRST_VISIT_WINDOW
        assert db.visit(session, "ann", NOW + timedelta(minutes=30)).new_since == first.new_since
        later = db.visit(session, "ann", NOW + timedelta(hours=5))
        assert later.new_since == NOW + timedelta(minutes=30)
        db.mark_all_seen(session, "ann", LATER)
        assert db.get_reader(session, "ann").new_since == LATER  # type: ignore[union-attr]
        assert db.list_readers(session) == ["ann"]


def test_marks_are_per_reader_and_replaced_whole(engine: Engine) -> None:
    paper_id = papers(1)[0].arxiv_id
    with db.session_scope(engine) as session:
        for name in ("ann", "bob"):
            db.visit(session, name, NOW)
        db.set_marks(session, "ann", paper_id, PaperMarks(read=True), NOW)
        db.set_marks(session, "ann", paper_id, PaperMarks(read=True, bookmarked=True), LATER)
        assert db.reader_marks(session, "ann") == {paper_id: PaperMarks(read=True, bookmarked=True)}
        assert db.reader_marks(session, "bob") == {}


def test_new_matches_are_the_papers_stored_after_the_cutoff(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        fresh = db.match_summaries(session, first_seen_since=NOW - timedelta(days=1))
        assert {s.arxiv_id for s in fresh} == {p.arxiv_id for p in papers(40)[20::2]}
        assert db.topic_paper_counts(session) == {"lora": 20, "vit": 1}
        only_vit = db.match_summaries(session, topic_ids=["vit"])
        assert [s.arxiv_id for s in only_vit] == [papers(2)[1].arxiv_id]


def test_topic_recent_uses_the_publication_date(engine: Engine) -> None:
    records = papers(40)
    cutoff = sorted(p.published for p in records[::2])[10]
    with db.session_scope(engine) as session:
        recent = db.topic_matches(session, "lora", cutoff)
        shown = db.matched_papers(session, [(s.arxiv_id, s.topic_id) for s in recent[:3]])
    assert {s.arxiv_id for s in recent} == {p.arxiv_id for p in records[::2] if p.published >= cutoff}
    assert [m.paper.arxiv_id for m in shown] == [s.arxiv_id for s in recent[:3]]
    assert all(m.reasons == ("title",) for m in shown)


def test_search_finds_title_words_with_filters(engine: Engine) -> None:
    target = papers(40)[4]
    word = max(target.title.split(), key=len).strip(",.:;()")
    with db.session_scope(engine) as session:
        hits = search_papers(session, word)
        assert target.arxiv_id in [h.paper.arxiv_id for h in hits]
        assert hits[[h.paper.arxiv_id for h in hits].index(target.arxiv_id)].topic_ids == ("lora",)
        assert target.arxiv_id not in [h.paper.arxiv_id for h in search_papers(session, word, ["vit"])]
        after = target.published + timedelta(days=1)
        assert target.arxiv_id not in [h.paper.arxiv_id for h in search_papers(session, word, since=after)]


def test_search_follows_upserts_and_deletes(engine: Engine) -> None:
    """New papers are indexed in batches (sync_search_index); an indexed paper follows its new title."""
    record, late = papers(1)[0], papers(1, start=100)[0]
    with db.session_scope(engine) as session:
        assert sync_search_index(session) == 0 and db.unindexed_count(session) == 0  # the fixture synced
        db.upsert_papers(session, [replace(record, version=2, title="Zyxwvut retitled")], LATER)
        assert [h.paper.arxiv_id for h in search_papers(session, "zyxwvut")] == [record.arxiv_id]
        db.upsert_papers(session, [replace(late, title="Qwertzu arrives late")], LATER)
        assert search_papers(session, "qwertzu") == []  # stored, not indexed yet
        assert db.unindexed_count(session) == 1 and sync_search_index(session) == 1
        assert [h.paper.arxiv_id for h in search_papers(session, "qwertzu")] == [late.arxiv_id]
        session.execute(text("DELETE FROM papers WHERE arxiv_id = :id"), {"id": record.arxiv_id})
        assert search_papers(session, "zyxwvut") == []
        if engine.dialect.name == "sqlite":
            session.execute(text("INSERT INTO papers_fts(papers_fts) VALUES ('integrity-check')"))


def test_search_syntax_errors_are_friendly(engine: Engine) -> None:
    for unreadable in ('"unclosed AND', "diffusion AND", "(lora"):
        with db.session_scope(engine) as session, pytest.raises(SearchQueryError, match="Could not read"):
            search_papers(session, unreadable)
    with db.session_scope(engine) as session:
        assert search_papers(session, plain_query('"unclosed AND')) == []  # always readable
        assert search_papers(session, "- ...") == []  # nothing to search for
    assert fts_query("low-rank adaptation") == '"low-rank" adaptation'
    assert plain_query('a "b') == '"a" """b"'


def test_last_collected_per_topic(engine: Engine) -> None:
    from db import RunRow

    run = RunRow("r", "api", "q", NOW, LATER, topic_ids=("lora",))
    with db.session_scope(engine) as session:
        db.record_run(session, run)
        db.record_run(session, replace(run, source="listing", topic_ids=(), finished_at=NOW))
        db.record_run(
            session, replace(run, topic_ids=("vit",), finished_at=LATER + timedelta(hours=1), errors=1)
        )
        assert db.topic_last_collected(session) == {"lora": LATER, "": NOW}
        # loading the demo data is no collection: the Roadmap's tooltips leave it out, as freshness does
        db.record_run(session, replace(run, source="demo", topic_ids=(), finished_at=LATER))
        assert db.topic_last_collected(session)[""] == LATER
        assert db.topic_last_collected(session, ("demo",)) == {"lora": LATER, "": NOW}


def test_trending_reads_the_same_as_the_full_scan(engine: Engine) -> None:
    from datetime import date

    from db import HFPaper

    records = papers(40)
    signals = [
        HFPaper(records[0].arxiv_id, records[0].title, upvotes=30, featured_on=date(2026, 6, 30)),
        HFPaper(records[2].arxiv_id, records[2].title, upvotes=5, github_stars=100),
        HFPaper(records[4].arxiv_id, records[4].title, github_stars=7, featured_on=date(2020, 1, 1)),
        HFPaper(records[1].arxiv_id, records[1].title, upvotes=9),
    ]
    since = min(r.published for r in records[:5])
    with db.session_scope(engine) as session:
        db.upsert_hf_papers(session, signals, NOW)
        for topic_id in ("lora", "vit", None):
            mine = db.trending_candidates(session, since, topic_id)
            theirs = db.trending_candidates(session, since, topic_id)
            by_id = {c.paper.arxiv_id: c for c in theirs}
            assert {c.paper.arxiv_id: c for c in mine} == by_id
            assert mine or topic_id == "vit"
