"""A topic's reading list, the same for every surface (`radar list`, the Topic page, the digests):
the candidates db reads, ranked by collector.ranking, the shown part hydrated.

    classics   the roadmap's seminal papers, in its reading order (before they are fetched, too)
    trending   matched papers new within RADAR_TRENDING_DAYS with HF upvotes or stars (the L4 frontier,
               which has no query, trends across the whole roadmap), at most RADAR_TRENDING_LIMIT
    recent     matched papers published in the last RADAR_RECENT_DAYS days (or `days`), ranked; when
               none is, the topic's latest papers instead (`quiet`)

No paper is listed twice; papers the reader hid are left out.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

import db
from collector.config import Settings
from collector.ranking import ReadingItem, classic_item, paper_item, rank_recent, rank_trending, trending_item

# How many of a topic's latest papers stand in for an empty window.
QUIET_LATEST = 20


@dataclass(frozen=True, slots=True)
class ReadingList:
    """A topic's reading list; `recent` holds the first `recent_limit` of `recent_total` ranked papers."""

    topic: db.TopicRow
    classics: tuple[ReadingItem, ...]
    trending: tuple[ReadingItem, ...]
    recent: tuple[ReadingItem, ...]
    recent_total: int
    days: int
    quiet: bool  # nothing was published in the window: `recent` holds the topic's latest papers

    @property
    def items(self) -> tuple[ReadingItem, ...]:
        return self.classics + self.trending + self.recent


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
    """The topic's reading list at `now`; `recent_limit` None hydrates every recent paper."""
    days = days or settings.recent_days
    classics = tuple(classic_item(c) for c in db.topic_seminal(session, topic.id))
    shown = {c.arxiv_id for c in classics if c.arxiv_id} | set(hidden)
    found = trending(session, settings, now, None if roadmap_wide(topic) else topic.id)
    trending_items = tuple(i for i in found if i.arxiv_id not in shown)
    shown |= {t.arxiv_id for t in trending_items if t.arxiv_id}
    window = [
        m for m in db.topic_matches(session, topic.id, now - timedelta(days=days)) if m.arxiv_id not in shown
    ]
    quiet = not window
    if quiet:
        window = [m for m in db.topic_latest(session, topic.id, QUIET_LATEST) if m.arxiv_id not in shown]
    ranked = rank_recent(window, now, settings.recent_half_life_days)
    recent = hydrate(session, ranked[:recent_limit])
    return ReadingList(topic, classics, trending_items, recent, len(ranked), days, quiet)


def trending(session: Session, settings: Settings, now: datetime, topic_id: str | None) -> list[ReadingItem]:
    """A topic's trending papers (None: across the whole roadmap), ranked, at most RADAR_TRENDING_LIMIT."""
    since = now - timedelta(days=settings.trending_days)
    found = db.trending_candidates(session, since, topic_id)
    ranked = rank_trending(found, now, settings.trending_half_life_days, settings.trending_limit)
    return [trending_item(c, rank) for c, rank in ranked]


def hydrate(session: Session, ranked: list[tuple[db.MatchSummary, float]]) -> tuple[ReadingItem, ...]:
    """The ranked matches as `recent` items with their papers and reasons, in rank order."""
    matches = db.matched_papers(session, [(s.arxiv_id, s.topic_id) for s, _ in ranked])
    rank = {s.arxiv_id: r for s, r in ranked}
    return tuple(paper_item("recent", m.paper, m.score, rank[m.paper.arxiv_id], m.reasons) for m in matches)
