"""Reading lists: the one composition every surface uses, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

import db
from collector.config import Settings
from collector.ranking import rank_recent
from collector.reading_lists import ReadingList, reading_list
from tests.factories import match, papers, topic

NOW = datetime(2026, 7, 10, 12, tzinfo=UTC)
# Real papers of June-July 2026: their ids carry the month, which the window's range scan relies on.
RECENT = [p for p in papers(12000) if p.arxiv_id >= "2606"]


def aged(index: int, days_old: float) -> db.PaperRecord:
    published = NOW - timedelta(days=days_old)
    return replace(RECENT[index], published=published, updated=published)


def store(engine: Engine, lora: db.TopicRow, found: list[db.PaperRecord], scores: dict[str, float]) -> None:
    with db.session_scope(engine) as session:
        db.sync_topics(session, [lora], NOW)
        db.upsert_papers(session, found, NOW)
        matches = [match(p, "lora", scores.get(p.arxiv_id, 1.0), f'title: "{p.arxiv_id}"') for p in found]
        db.replace_matches(session, [p.arxiv_id for p in found], matches, NOW)


def read(engine: Engine, lora: db.TopicRow, **options: Any) -> ReadingList:
    with db.session_scope(engine) as session:
        return reading_list(session, lora, Settings(), NOW, **options)


def test_classics_then_trending_then_recent_without_repeats(engine: Engine) -> None:
    classic_paper, hot_paper, plain = aged(50, 3), aged(51, 2), aged(52, 1)
    lora = topic(
        "lora", 0, "ti:LoRA", seminal=(db.SeminalRow(0, classic_paper.title, 2021, classic_paper.arxiv_id),)
    )
    store(engine, lora, [classic_paper, hot_paper, plain], {})
    with db.session_scope(engine) as session:
        hot = db.HFPaper(hot_paper.arxiv_id, hot_paper.title, upvotes=12)
        db.upsert_hf_papers(
            session, [hot, db.HFPaper(classic_paper.arxiv_id, classic_paper.title, upvotes=99)], NOW
        )
    listed = read(engine, lora)
    assert [(i.section, i.arxiv_id) for i in listed.items] == [
        ("classic", classic_paper.arxiv_id),
        ("trending", hot_paper.arxiv_id),
        ("recent", plain.arxiv_id),
    ]
    assert listed.trending[0].reasons[0] == "12 upvotes on Hugging Face"


def test_recent_is_the_window_ranked_by_score_times_recency_and_hidden_papers_go(engine: Engine) -> None:
    found = [aged(60 + i, days) for i, days in enumerate((1, 5, 20, 40, 200))]
    scores = {found[0].arxiv_id: 1.0, found[1].arxiv_id: 4.0, found[2].arxiv_id: 4.0, found[3].arxiv_id: 6.0}
    lora = topic("lora", 0, "ti:LoRA")
    store(engine, lora, found, scores)
    listed = read(engine, lora, days=90)
    with db.session_scope(engine) as session:
        window = db.topic_matches(session, "lora", NOW - timedelta(days=90))
    expected = [s.arxiv_id for s, _ in rank_recent(window, NOW, Settings().recent_half_life_days)]
    assert [i.arxiv_id for i in listed.recent] == expected
    assert found[4].arxiv_id not in expected and len(expected) == 4
    assert listed.recent_total == 4 and not listed.quiet
    hidden = read(engine, lora, days=90, hidden={expected[0]})
    assert [i.arxiv_id for i in hidden.recent] == expected[1:]
    first_two = read(engine, lora, days=90, recent_limit=2)
    assert [i.arxiv_id for i in first_two.recent] == expected[:2]
    assert first_two.recent_total == 4


def test_an_empty_window_shows_the_latest_papers_and_says_so(engine: Engine) -> None:
    old = [aged(70 + i, 400 + i) for i in range(3)]
    lora = topic("lora", 0, "ti:LoRA")
    store(engine, lora, old, {})
    listed = read(engine, lora, days=30)
    assert listed.quiet and {i.arxiv_id for i in listed.recent} == {p.arxiv_id for p in old}


def test_the_order_does_not_depend_on_the_moment_it_is_computed(engine: Engine) -> None:
    found = [aged(80 + i, days) for i, days in enumerate((1, 2, 3, 10, 11, 30))]
    lora = topic("lora", 0, "ti:LoRA")
    store(engine, lora, found, {p.arxiv_id: 1.0 + (i % 3) for i, p in enumerate(found)})
    with db.session_scope(engine) as session:
        window = db.topic_matches(session, "lora", NOW - timedelta(days=90))
    orders = {
        tuple(s.arxiv_id for s, _ in rank_recent(window, NOW + timedelta(seconds=offset), 30.0))
        for offset in (0, 1, 59, 3600, 86400)
    }
    assert len(orders) == 1
