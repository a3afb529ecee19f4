"""Ranking, the one every surface uses (pure: `now` is passed in, nothing is read or written here).

    recent     a topic's papers ABOUT it (collector/aboutness.py), by aboutness tier, then newest first;
               the papers that only use it (applications) by match score × recency
               (half-life RADAR_RECENT_HALF_LIFE_DAYS)
    trending   matched papers new within RADAR_TRENDING_DAYS, by HF upvotes + a tenth of the GitHub stars,
               × recency of when they became news (half-life RADAR_TRENDING_HALF_LIFE_DAYS)
    frontier   trending across the whole roadmap, grouped by the week papers became news
    what's new one row per paper (the topic it is most about), about-papers first and balanced across
               topics, or by date

Choosing the candidates (which papers, which window) is db's and collector.reading_lists'; these
functions only order what they are given, so the CLI, every dashboard page and the digests agree.
Orders never depend on when they are computed: recency multiplies every candidate by the same factor
of `now`, and ties fall to the newer paper, then the id.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from db import HFSignals, MatchSummary, PaperRecord, SeminalPaper, TrendingCandidate

CLASSIC_REASON = "seminal paper named in roadmap.yaml"
# A GitHub star counts a tenth of an HF upvote: stars are cheaper to give and keep piling up for years.
STARS_WEIGHT = 0.1


@dataclass(frozen=True, slots=True)
class ReadingItem:
    """One line of a reading list. Classics may not be on arXiv (arxiv_id None) or not fetched yet."""

    section: str  # "classic" | "trending" | "recent"
    title: str
    arxiv_id: str | None
    published: date | None
    year: int | None
    score: float | None  # the match score; None for classics
    rank: float | None  # what the section is sorted by: score × recency, popularity × recency
    reasons: tuple[str, ...]
    url: str | None
    authors: tuple[str, ...] = ()
    fetched: bool = False  # metadata stored in the database
    aboutness: float | None = None  # how surely the paper is about the topic (recent, applications)
    paper: PaperRecord | None = None  # the stored paper, when fetched
    signals: HFSignals | None = None  # what Hugging Face says, for trending papers
    topic_ids: tuple[str, ...] = ()  # the topics a frontier paper matched, best first


def recency_weight(published: datetime, now: datetime, half_life_days: float) -> float:
    """1.0 for a paper published now, 0.5 at one half-life, never above 1 (future dates count as now)."""
    age_days = max((now - published).total_seconds() / 86400.0, 0.0)
    return float(0.5 ** (age_days / half_life_days))


def decayed_order(value: float, published: datetime, now: datetime, half_life_days: float) -> float:
    """A sort key ordering papers as value × recency_weight does, but the same whatever `now` is.

    value × 0.5^(age / half-life) is log2(value) + published / half-life − now / half-life in log space;
    the last term is common to every paper, so it is left out. Sorting by the product itself lets the
    moment of ranking flip papers whose products are equal (a score twice as high, one half-life older)
    by floating-point noise, and two surfaces ranking a second apart would disagree.
    """
    if value <= 0:
        return -math.inf
    when = min(published, now)  # a future date counts as now, as in recency_weight
    return math.log2(value) + when.timestamp() / 86400.0 / half_life_days


# -- recent: papers about the topic, and its applications ------------------------------------------------
# Aboutness is ranked in bands, tenths of its probability: papers equally sure to be about the topic go
# newest first. The band is floor(aboutness × BANDS) — the same arithmetic in Python and in SQL
# (db.window_matches reads only the newest papers of each band).
BANDS = 10


def tier(candidate: MatchSummary) -> int:
    """The paper's aboutness band (5..10 for a paper about the topic); 0 for one that only uses it."""
    if not candidate.about:
        return 0
    return math.floor(candidate.aboutness * BANDS)


def rank_about(
    candidates: Iterable[MatchSummary], now: datetime, half_life_days: float, teaching_first: bool = False
) -> list[tuple[MatchSummary, float]]:
    """Papers about the topic, by aboutness tier first and recency second (newest first within a tier).

    With `teaching_first` (the L1-L2 basics) surveys, tutorials and analyses of the topic come before the
    rest, which is where learners of the basics start. The rank is the order's key as one number (a tier,
    plus the recency weight scaled below 1), so the list is sorted by it; a paper that only uses the topic
    is never here, so it never outranks one about it.
    """

    def level(candidate: MatchSummary) -> int:
        return tier(candidate) + (10 if teaching_first and candidate.kind else 0)

    about = [c for c in candidates if c.about]
    ranked = [(c, level(c) + recency_weight(c.published, now, half_life_days) * 0.999) for c in about]
    ranked.sort(key=lambda pair: (-level(pair[0]), -pair[0].published.timestamp(), pair[0].arxiv_id))
    return ranked


def rank_applications(
    candidates: Iterable[MatchSummary], now: datetime, half_life_days: float
) -> list[tuple[MatchSummary, float]]:
    """Papers that use the topic: by match score × recency; ties to the newer paper, then the id."""
    return rank_recent([c for c in candidates if not c.about], now, half_life_days)


def rank_recent(
    candidates: Iterable[MatchSummary], now: datetime, half_life_days: float
) -> list[tuple[MatchSummary, float]]:
    """Score × recency, best first (in the order decayed_order gives, which the moment of ranking cannot
    change); ties to the newer paper, then the id."""

    def order(candidate: MatchSummary) -> tuple[float, float, str]:
        key = decayed_order(candidate.score, candidate.published, now, half_life_days)
        return -key, -candidate.published.timestamp(), candidate.arxiv_id

    ranked = [(c, c.score * recency_weight(c.published, now, half_life_days)) for c in candidates]
    ranked.sort(key=lambda pair: order(pair[0]))
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
        paper=paper,
    )


def paper_item(
    section: str, paper: PaperRecord, score: float, rank: float, reasons: tuple[str, ...], **extra: object
) -> ReadingItem:
    """A stored paper as a line of the `recent` or `trending` section (`extra`: signals, topic_ids)."""
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
        paper=paper,
        **extra,  # type: ignore[arg-type]
    )


# -- trending and the frontier --------------------------------------------------------------------------
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
    """Popularity × recency (of freshness), best first; papers without any upvote or star are left out.

    Ties go to more upvotes, then the newer paper, then the id, so the order is stable.
    """
    ranked = [
        (c, popularity(c.signals) * recency_weight(freshness(c), now, half_life_days))
        for c in candidates
        if popularity(c.signals) > 0
    ]
    ranked.sort(
        key=lambda pair: (
            -decayed_order(popularity(pair[0].signals), freshness(pair[0]), now, half_life_days),
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
    return paper_item(
        "trending", candidate.paper, candidate.score, rank, reasons,
        signals=candidate.signals, topic_ids=candidate.topic_ids,
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class FrontierWeek:
    """One week of the L4 frontier: the week's Monday and its trending papers, best first."""

    start: date
    papers: tuple[ReadingItem, ...]

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
        FrontierWeek(start, tuple(trending_item(c, rank) for c, rank in ranked[start]))
        for start in sorted(ranked, reverse=True)
        if ranked[start]
    ]


# -- balance across topics ------------------------------------------------------------------------------
T = TypeVar("T")


def balanced(ranked: Sequence[T], key: Callable[[T], str], per_round: int = 2) -> list[T]:
    """The same items, no topic flooding the top: in rounds, each topic gives its next `per_round` best
    (the best topic first in each round, in the order given)."""
    seen: dict[str, int] = defaultdict(int)
    rounds = []
    for position, item in enumerate(ranked):
        rounds.append((seen[key(item)] // per_round, position, item))
        seen[key(item)] += 1
    return [item for _round, _position, item in sorted(rounds, key=lambda r: (r[0], r[1]))]


# -- what's new ----------------------------------------------------------------------------------------
def best_per_paper(items: Iterable[MatchSummary]) -> list[MatchSummary]:
    """One row per paper: the topic it is most about (then its best match score, then the first topic id;
    as db.frontier_matches picks it)."""
    best: dict[str, MatchSummary] = {}
    for s in items:
        held = best.get(s.arxiv_id)
        if held is None or preferred(s, held):
            best[s.arxiv_id] = s
    return list(best.values())


def preferred(match: MatchSummary, other: MatchSummary) -> bool:
    mine, theirs = (match.about, match.aboutness, match.score), (other.about, other.aboutness, other.score)
    return mine > theirs or (mine == theirs and match.topic_id < other.topic_id)


def rank_whats_new(items: Iterable[MatchSummary], by: str) -> list[MatchSummary]:
    """One row per paper (the topic it is most about). By "score": as the reading lists rank — papers about
    their topic first (by aboutness tier, then newest), no topic flooding the top, then the papers that only
    use a topic, newest first. By "date": newest first, then score."""
    best = best_per_paper(items)
    if by == "date":
        return sorted(best, key=lambda s: (-s.published.timestamp(), -s.score, s.arxiv_id))
    newest = sorted(best, key=lambda s: (-tier(s), -s.published.timestamp(), s.arxiv_id))
    about = balanced([s for s in newest if s.about], key=lambda s: s.topic_id)
    return about + [s for s in newest if not s.about]
