"""The pure ranking functions: orders that two surfaces ranking a moment apart cannot disagree on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from collector.ranking import rank_applications, recency_weight
from db import MatchSummary

NOW = datetime(2026, 7, 10, 12, tzinfo=UTC)
HALF_LIFE = 30.0


def uses(arxiv_id: str, score: float, published: datetime) -> MatchSummary:
    return MatchSummary(arxiv_id, "lora", score, published, published, aboutness=0.1, about=False)


@given(
    score=st.sampled_from([1.0, 1.5, 2.5, 3.0, 4.0, 6.5]),
    halvings=st.integers(min_value=1, max_value=3),
    days_old=st.integers(min_value=0, max_value=400),
    later=st.lists(st.integers(min_value=0, max_value=10**7), min_size=2, max_size=6),
)
def test_equal_products_keep_one_order_whenever_they_are_ranked(
    score: float, halvings: int, days_old: int, later: list[int]
) -> None:
    """A paper with 2^k times the score of another, k half-lives older, has the same score × recency: the
    product alone would let floating-point noise decide, differently at each moment (the CLI and the
    Topic page rank a few seconds apart). Their order must not depend on when they are ranked."""
    older = NOW - timedelta(days=days_old + halvings * HALF_LIFE)
    newer = NOW - timedelta(days=days_old)
    pair = [uses("2601.00001", score * 2**halvings, older), uses("2601.00002", score, newer)]
    orders = {
        tuple(m.arxiv_id for m, _ in rank_applications(pair, NOW + timedelta(seconds=s), HALF_LIFE))
        for s in later
    }
    assert len(orders) == 1


def test_the_rank_reported_is_still_score_times_recency() -> None:
    found = [uses("2601.00001", 3.0, NOW - timedelta(days=10)), uses("2601.00002", 1.0, NOW)]
    ranked = rank_applications(found, NOW, HALF_LIFE)
    assert [m.arxiv_id for m, _ in ranked] == ["2601.00001", "2601.00002"]
    assert ranked[0][1] == 3.0 * recency_weight(found[0].published, NOW, HALF_LIFE)
