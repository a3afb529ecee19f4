"""A topic's reading list, the same for every surface (`radar list`, the Topic page, the digests):
the candidates db reads, ranked by collector.ranking, the shown part hydrated.

    classics      the roadmap's seminal papers, in its reading order (before they are fetched, too)
    trending      matched papers new within RADAR_TRENDING_DAYS with HF upvotes or stars (the L4
                  frontier, which has no query, trends across the whole roadmap), at most
                  RADAR_TRENDING_LIMIT
    recent        papers ABOUT the topic published in the window, by aboutness tier, then newest first
    applications  papers in the window that only USE the topic, by match score × recency

The window is the last RADAR_RECENT_DAYS (or `days`). When fewer than RADAR_WIDEN_BELOW papers in it are
about the topic, it widens to a year, then to three years — the best of the last years rather than a list
padded with applications — and says so (`Window.widened`). The L4 frontier, when nothing trends, shows the
newest papers most about any roadmap topic instead. No paper is listed twice; papers the reader hid are
left out.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

import db
from collector.config import Settings
from collector.ranking import (
    ReadingItem,
    balanced,
    classic_item,
    paper_item,
    rank_about,
    rank_applications,
    rank_trending,
    trending_item,
)

# The windows a sparse topic widens to, in days: a year, then three.
WIDER_WINDOWS = (365, 1095)


@dataclass(frozen=True, slots=True)
class Window:
    """The publication window of a list's recent section, and whether it had to widen."""

    since: datetime
    days: int
    widened: bool
    asked: int  # the window asked for, before any widening


@dataclass(frozen=True, slots=True)
class ReadingList:
    """A topic's reading list; `recent` holds the first `recent_limit` of `recent_total` ranked papers."""

    topic: db.TopicRow
    classics: tuple[ReadingItem, ...]
    trending: tuple[ReadingItem, ...]
    recent: tuple[ReadingItem, ...]
    recent_total: int
    applications: tuple[ReadingItem, ...]
    applications_total: int
    window: Window
    frontier: bool = False  # recent holds the newest papers most about any roadmap topic (nothing trends)

    @property
    def items(self) -> tuple[ReadingItem, ...]:
        return self.classics + self.trending + self.recent + self.applications


def window_note(reading: ReadingList) -> str:
    """What the recent section holds, in words every surface shows."""
    window, total = reading.window, reading.recent_total
    if reading.frontier:
        return f"Nothing is trending: the newest papers most about a roadmap topic (last {window.days} days)."
    if not total:
        return f"No paper of the last {window.days} days is about this topic yet."
    said = f"{total} paper{'s' if total != 1 else ''} about the topic from the last {window.days} days"
    if window.widened:
        said += f" (fewer than the list needs in the last {window.asked} days: widened)"
    return said + ", most about it first, then newest."


def basics(topic: db.TopicRow) -> bool:
    """L1-L2 topics, whose learners are served first by surveys, tutorials and analyses."""
    return topic.level in ("L1", "L2")


def roadmap_wide(topic: db.TopicRow) -> bool:
    """The L4 frontier has no query of its own: its trending section spans the whole roadmap."""
    return topic.level == "L4" and topic.query is None


def reading_list(
    session: Session,
    topic: db.TopicRow,
    settings: Settings,
    now: datetime,
    days: int | None = None,
    recent_limit: int | None = None,
    hidden: Collection[str] = frozenset(),
) -> ReadingList:
    """The topic's reading list at `now`; `recent_limit` None hydrates every recent and application paper."""
    classics = tuple(classic_item(c) for c in db.topic_seminal(session, topic.id))
    shown = {c.arxiv_id for c in classics if c.arxiv_id} | set(hidden)
    found = trending(session, settings, now, None if roadmap_wide(topic) else topic.id)
    trending_items = tuple(i for i in found if i.arxiv_id not in shown)
    shown |= {t.arxiv_id for t in trending_items if t.arxiv_id}
    window, candidates = widening_window(
        session, topic.id, settings, now, days or settings.recent_days, shown
    )
    about = rank_about(candidates, now, settings.recent_half_life_days, teaching_first=basics(topic))
    frontier = roadmap_wide(topic) and not trending_items
    if frontier:
        about = frontier_about(session, settings, now, window, shown)
    uses = rank_applications(candidates, now, settings.recent_half_life_days)
    recent = hydrate(session, "recent", about[:recent_limit])
    applications = hydrate(session, "applications", uses[:recent_limit])
    return ReadingList(
        topic, classics, trending_items, recent, len(about), applications, len(uses), window, frontier
    )


def widening_window(
    session: Session, topic_id: str, settings: Settings, now: datetime, days: int, shown: Collection[str]
) -> tuple[Window, list[db.MatchSummary]]:
    """The window's candidates, widened to a year, then three, while fewer than RADAR_WIDEN_BELOW are about
    the topic (and widening finds more)."""
    steps = [days, *(wider for wider in WIDER_WINDOWS if wider > days)]
    for step, span in enumerate(steps):
        since = now - timedelta(days=span)
        candidates = [m for m in db.topic_matches(session, topic_id, since) if m.arxiv_id not in shown]
        if sum(m.about for m in candidates) >= settings.widen_below or step == len(steps) - 1:
            return Window(since, span, widened=step > 0, asked=days), candidates
    raise AssertionError("unreachable: the last step returns")


def frontier_about(
    session: Session, settings: Settings, now: datetime, window: Window, shown: Collection[str]
) -> list[tuple[db.MatchSummary, float]]:
    """The newest papers most about any roadmap topic, each under its best topic, no topic flooding."""
    found = [m for m in db.match_summaries(session, published_since=window.since) if m.arxiv_id not in shown]
    best: dict[str, db.MatchSummary] = {}
    for match in found:
        if match.about and (match.arxiv_id not in best or match.aboutness > best[match.arxiv_id].aboutness):
            best[match.arxiv_id] = match
    ranked = rank_about(best.values(), now, settings.recent_half_life_days)
    return balanced(ranked, key=lambda pair: pair[0].topic_id)


def trending(session: Session, settings: Settings, now: datetime, topic_id: str | None) -> list[ReadingItem]:
    """A topic's trending papers (None: across the whole roadmap), ranked, at most RADAR_TRENDING_LIMIT."""
    since = now - timedelta(days=settings.trending_days)
    found = db.trending_candidates(session, since, topic_id)
    ranked = rank_trending(found, now, settings.trending_half_life_days, settings.trending_limit)
    return [trending_item(c, rank) for c, rank in ranked]


def hydrate(
    session: Session, section: str, ranked: Sequence[tuple[db.MatchSummary, float]]
) -> tuple[ReadingItem, ...]:
    """The ranked matches as items of `section` with their papers and reasons (why it is about the topic
    or only uses it, then which terms matched), in rank order."""
    matches = db.matched_papers(session, [(s.arxiv_id, s.topic_id) for s, _ in ranked])
    rank = {(s.arxiv_id, s.topic_id): r for s, r in ranked}
    return tuple(
        paper_item(
            section, m.paper, m.score, rank[(m.paper.arxiv_id, m.topic_id)], m.about_reasons + m.reasons,
            aboutness=m.aboutness, topic_ids=(m.topic_id,),
        )
        for m in matches
    )  # fmt: skip
