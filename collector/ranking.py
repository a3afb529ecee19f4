"""Reading lists: a topic's classics, its trending papers (HF upvotes and stars), then its recent papers
ranked by match score and recency; and the L4 frontier, trending across the whole roadmap per week (pure).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from db import HFSignals, PaperRecord, ScoredPaper, SeminalPaper, TrendingCandidate

CLASSIC_REASON = "seminal paper named in roadmap.yaml"


@dataclass(frozen=True, slots=True)
class ReadingItem:
    """One line of a reading list. Classics may not be on arXiv (arxiv_id None) or not fetched yet."""

    section: str  # "classic" | "trending" | "recent"
    title: str
    arxiv_id: str | None
    published: date | None
    year: int | None
    score: float | None  # the match score; None for classics
    rank: (
        float | None
    )  # what the section is sorted by: score x recency (recent), popularity x recency (trending)
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


def paper_item(
    section: str, paper: PaperRecord, score: float, rank: float, reasons: tuple[str, ...]
) -> ReadingItem:
    """A stored paper as a line of the `recent` or `trending` section."""
    return ReadingItem(
        section=section,
        title=paper.title,
        arxiv_id=paper.arxiv_id,
        published=paper.published.date(),
        year=paper.published.year,
        score=score,
        rank=rank,
        reasons=reasons,
        url=f"https://arxiv.org/abs/{paper.arxiv_id}",
        authors=paper.authors,
        fetched=True,
    )


def recent_item(candidate: ScoredPaper, rank: float) -> ReadingItem:
    return paper_item("recent", candidate.paper, candidate.score, rank, candidate.reasons)


def reading_list(
    classics: Sequence[SeminalPaper],
    candidates: Sequence[ScoredPaper],
    now: datetime,
    half_life_days: float,
    limit: int | None = None,
    trending: Sequence[tuple[TrendingCandidate, float]] = (),
) -> list[ReadingItem]:
    """Classics first, in the roadmap's reading order; then the trending papers (as rank_trending gave
    them); then recent papers. No paper is listed twice.

    `limit` caps the whole list (None or 0: everything); classics come first, so they are never cut
    for a recent paper.
    """
    items = [classic_item(c) for c in classics]
    classic_ids = {c.seminal.arxiv_id for c in classics if c.seminal.arxiv_id}
    hot = [(c, rank) for c, rank in trending if c.paper.arxiv_id not in classic_ids]
    items += [trending_item(c, rank) for c, rank in hot]
    shown = classic_ids | {c.paper.arxiv_id for c, _ in hot}
    fresh = [c for c in candidates if c.paper.arxiv_id not in shown]
    items += [recent_item(c, rank) for c, rank in rank_recent(fresh, now, half_life_days)]
    return items[:limit] if limit else items


# -- trending and the frontier ---------------------------------------------------------------------------
# A GitHub star counts a tenth of an HF upvote: stars are cheaper to give and keep piling up for years.
STARS_WEIGHT = 0.1


def popularity(signals: HFSignals) -> float:
    """HF upvotes plus a tenth of the GitHub stars (0 when HF knows neither)."""
    return (signals.upvotes or 0) + STARS_WEIGHT * (signals.github_stars or 0)


def freshness(candidate: TrendingCandidate) -> datetime:
    """When the paper became news: its publication, or the day HF featured it if that is later."""
    featured = candidate.signals.featured_on
    published = candidate.paper.published
    if featured is None:
        return published
    return max(published, datetime.combine(featured, time.min, tzinfo=UTC))


def rank_trending(
    candidates: Sequence[TrendingCandidate], now: datetime, half_life_days: float, limit: int | None = None
) -> list[tuple[TrendingCandidate, float]]:
    """Popularity x recency (of freshness), best first; papers without any upvote or star are left out.

    Ranks are not rounded: in an old window every weight is tiny, and the order must survive.
    Ties go to more upvotes, then the newer paper, then the id, so the order is stable.
    """
    ranked = [
        (c, popularity(c.signals) * recency_weight(freshness(c), now, half_life_days))
        for c in candidates
        if popularity(c.signals) > 0
    ]
    ranked.sort(
        key=lambda pair: (
            -pair[1],
            -(pair[0].signals.upvotes or 0),
            -pair[0].paper.published.timestamp(),
            pair[0].paper.arxiv_id,
        )
    )
    return ranked[:limit] if limit else ranked


def trending_reasons(signals: HFSignals) -> tuple[str, ...]:
    reasons = []
    if signals.upvotes is not None:
        reasons.append(f"{signals.upvotes} upvotes on Hugging Face")
    if signals.github_stars is not None:
        reasons.append(f"{signals.github_stars} GitHub stars")
    if signals.featured_on is not None:
        reasons.append(f"featured on Hugging Face {signals.featured_on.isoformat()}")
    return tuple(reasons)


def trending_item(candidate: TrendingCandidate, rank: float) -> ReadingItem:
    reasons = trending_reasons(candidate.signals)
    return paper_item("trending", candidate.paper, candidate.score, rank, reasons)


@dataclass(frozen=True, slots=True)
class FrontierWeek:
    """One week of the L4 frontier: the week's Monday and its trending papers, best first."""

    start: date
    papers: tuple[tuple[TrendingCandidate, float], ...]

    @property
    def label(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}"


def week_start(moment: datetime) -> date:
    day = moment.date()
    return day - timedelta(days=day.weekday())


def frontier(
    candidates: Sequence[TrendingCandidate],
    now: datetime,
    days: int,
    half_life_days: float,
    per_week: int | None = None,
) -> list[FrontierWeek]:
    """What is new and trending across the whole roadmap: papers fresh within `days`, grouped by the week
    they became news, newest week first, each week ranked by rank_trending (at most `per_week`)."""
    since = now - timedelta(days=days)
    weeks: dict[date, list[TrendingCandidate]] = {}
    for candidate in candidates:
        if since <= freshness(candidate) <= now:
            weeks.setdefault(week_start(freshness(candidate)), []).append(candidate)
    ranked = {start: rank_trending(group, now, half_life_days, per_week) for start, group in weeks.items()}
    return [
        FrontierWeek(start, tuple(ranked[start])) for start in sorted(ranked, reverse=True) if ranked[start]
    ]
