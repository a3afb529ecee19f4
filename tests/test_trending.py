"""Trending and the L4 frontier: pure ranking over stored papers and their HF signals, `now` passed in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from collector.ranking import (
    STARS_WEIGHT,
    freshness,
    frontier,
    popularity,
    rank_trending,
    trending_reasons,
)
from db import HFSignals, TrendingCandidate
from tests.factories import papers

NOW = datetime(2026, 8, 20, 12, tzinfo=UTC)  # a Thursday


def candidate(
    index: int,
    days_old: float,
    upvotes: int | None,
    stars: int | None = None,
    featured: date | None = None,
    topics: tuple[str, ...] = ("lora",),
) -> TrendingCandidate:
    paper = papers(1, start=index)[0]
    published = NOW - timedelta(days=days_old)
    paper = replace(paper, published=published, updated=published)
    signals = HFSignals(paper.arxiv_id, upvotes=upvotes, github_stars=stars, featured_on=featured)
    return TrendingCandidate(paper, signals, topics, score=1.0)


def test_popularity_counts_upvotes_and_a_tenth_of_the_stars() -> None:
    assert popularity(HFSignals("x", upvotes=30, github_stars=200)) == 30 + 200 * STARS_WEIGHT == 50
    assert popularity(HFSignals("x")) == 0


def test_freshness_is_the_later_of_publication_and_the_featured_day() -> None:
    old_but_featured_today = candidate(0, days_old=10, upvotes=1, featured=NOW.date())
    assert freshness(old_but_featured_today) == datetime(2026, 8, 20, tzinfo=UTC)
    assert freshness(candidate(0, days_old=1, upvotes=1, featured=date(2026, 8, 1))) == NOW - timedelta(
        days=1
    )


def test_rank_trending_weighs_popularity_by_recency_and_drops_unknowns() -> None:
    fresh = candidate(0, days_old=0, upvotes=20)
    week_old = candidate(1, days_old=7, upvotes=30)  # half as fresh: 15 < 20
    starred = candidate(2, days_old=0, upvotes=None, stars=300)  # 30
    unknown = candidate(3, days_old=0, upvotes=None)
    ranked = rank_trending([week_old, fresh, unknown, starred], NOW, half_life_days=7)
    assert [(c.paper.arxiv_id, round(rank, 3)) for c, rank in ranked] == [
        (starred.paper.arxiv_id, 30.0),
        (fresh.paper.arxiv_id, 20.0),
        (week_old.paper.arxiv_id, 15.0),
    ]
    assert len(rank_trending([week_old, fresh, starred], NOW, 7, limit=2)) == 2


def test_ties_go_to_more_upvotes_then_the_newer_paper() -> None:
    a = candidate(0, days_old=0, upvotes=10, stars=0)
    b = candidate(1, days_old=0, upvotes=0, stars=100)
    assert [c.paper.arxiv_id for c, _ in rank_trending([b, a], NOW, 7)] == [
        a.paper.arxiv_id,
        b.paper.arxiv_id,
    ]


def test_old_windows_keep_their_order() -> None:
    old = [candidate(i, days_old=600, upvotes=u) for i, u in enumerate((5, 50, 20))]
    assert [c.signals.upvotes for c, _ in rank_trending(old, NOW, 7)] == [50, 20, 5]


def test_frontier_groups_fresh_papers_by_week_newest_week_first() -> None:
    this_week = candidate(0, days_old=1, upvotes=10, topics=("lora", "peft"))  # Wed 2026-08-19
    last_week = candidate(1, days_old=6, upvotes=99)  # Fri 2026-08-14
    too_old = candidate(2, days_old=20, upvotes=500)
    weeks = frontier([last_week, too_old, this_week], NOW, days=14, half_life_days=7)
    assert [(w.label, w.start) for w in weeks] == [
        ("2026-W34", date(2026, 8, 17)),
        ("2026-W33", date(2026, 8, 10)),
    ]
    assert [i.topic_ids for i in weeks[0].papers] == [("lora", "peft")]
    assert frontier([too_old], NOW, days=7, half_life_days=7) == []


def test_trending_reasons_say_what_hf_knows() -> None:
    signals = HFSignals("x", upvotes=3, github_stars=40, featured_on=date(2026, 8, 18))
    assert trending_reasons(signals) == (
        "3 upvotes on Hugging Face",
        "40 GitHub stars",
        "featured on Hugging Face 2026-08-18",
    )
