"""Reading lists: a topic's classics, then its recent papers ranked by match score and recency (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from db.records import ScoredPaper, SeminalPaper

CLASSIC_REASON = "seminal paper named in roadmap.yaml"


@dataclass(frozen=True, slots=True)
class ReadingItem:
    """One line of a reading list. Classics may not be on arXiv (arxiv_id None) or not fetched yet."""

    section: str  # "classic" | "recent"
    title: str
    arxiv_id: str | None
    published: date | None
    year: int | None
    score: float | None  # the match score; None for classics
    rank: float | None  # score weighted by recency; what "recent" is sorted by
    reasons: tuple[str, ...]
    url: str | None
    authors: tuple[str, ...] = ()
    fetched: bool = False  # metadata stored in the database


def recency_weight(published: datetime, now: datetime, half_life_days: float) -> float:
    """1.0 for a paper published now, 0.5 at one half-life, never above 1 (future dates count as now)."""
    age_days = max((now - published).total_seconds() / 86400.0, 0.0)
    return float(0.5 ** (age_days / half_life_days))


def rank_recent(
    candidates: Sequence[ScoredPaper], now: datetime, half_life_days: float
) -> list[tuple[ScoredPaper, float]]:
    """Order candidates by score x recency; ties go to the newer paper, then the id, so order is stable."""
    ranked = [
        (c, round(c.score * recency_weight(c.paper.published, now, half_life_days), 4)) for c in candidates
    ]
    ranked.sort(key=lambda pair: (-pair[1], -pair[0].paper.published.timestamp(), pair[0].paper.arxiv_id))
    return ranked


def classic_item(classic: SeminalPaper) -> ReadingItem:
    """A classic as the roadmap names it, enriched with the stored metadata once fetched."""
    row, paper = classic.seminal, classic.paper
    url = row.url or (f"https://arxiv.org/abs/{row.arxiv_id}" if row.arxiv_id else None)
    if row.doi and not row.url and not row.arxiv_id:
        url = f"https://doi.org/{row.doi}"
    return ReadingItem(
        section="classic",
        title=paper.title if paper else row.title,
        arxiv_id=row.arxiv_id,
        published=paper.published.date() if paper else None,
        year=paper.published.year if paper else row.year,
        score=None,
        rank=None,
        reasons=(CLASSIC_REASON,),
        url=url,
        authors=paper.authors if paper else (),
        fetched=paper is not None,
    )


def recent_item(candidate: ScoredPaper, rank: float) -> ReadingItem:
    paper = candidate.paper
    return ReadingItem(
        section="recent",
        title=paper.title,
        arxiv_id=paper.arxiv_id,
        published=paper.published.date(),
        year=paper.published.year,
        score=candidate.score,
        rank=rank,
        reasons=candidate.reasons,
        url=f"https://arxiv.org/abs/{paper.arxiv_id}",
        authors=paper.authors,
        fetched=True,
    )


def reading_list(
    classics: Sequence[SeminalPaper],
    candidates: Sequence[ScoredPaper],
    now: datetime,
    half_life_days: float,
    limit: int | None = None,
) -> list[ReadingItem]:
    """Classics first, in the roadmap's reading order; then recent papers, classics not repeated.

    `limit` caps the whole list (None or 0: everything); classics come first, so they are never cut
    for a recent paper.
    """
    items = [classic_item(c) for c in classics]
    classic_ids = {c.seminal.arxiv_id for c in classics if c.seminal.arxiv_id}
    fresh = [c for c in candidates if c.paper.arxiv_id not in classic_ids]
    items += [recent_item(c, rank) for c, rank in rank_recent(fresh, now, half_life_days)]
    return items[:limit] if limit else items
