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

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.orm import Session

import db
from collector.config import Settings
from collector.ranking import (
    BANDS,
    ReadingItem,
    balanced,
    best_per_paper,
    classic_item,
    paper_item,
    rank_about,
    rank_applications,
    rank_trending,
    trending_item,
)

T = TypeVar("T")
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
    days = days or settings.recent_days
    frontier = roadmap_wide(topic) and not trending_items
    if frontier:
        window, about, about_total = frontier_about(session, settings, now, days, recent_limit, shown)
        uses: list[tuple[db.MatchSummary, float]] = []
        uses_total = 0
    else:
        window, (about_found, about_total) = widened(
            now, days,
            lambda since: db.about_matches(session, topic.id, since, recent_limit, shown, BANDS),
            enough=lambda found: found[1] >= settings.widen_below,
        )  # fmt: skip
        # Applications stay in the window asked: the widening is for the learner's list, not for them.
        uses_found, uses_total = db.use_matches(
            session, topic.id, now - timedelta(days=days), recent_limit, shown
        )
        half_life = settings.recent_half_life_days
        about = rank_about(about_found, now, half_life, teaching_first=basics(topic))
        uses = rank_applications(uses_found, now, half_life)
    recent = hydrate(session, "recent", about[:recent_limit])
    applications = hydrate(session, "applications", uses[:recent_limit])
    return ReadingList(
        topic, classics, trending_items, recent, about_total, applications, uses_total, window, frontier
    )


def widened(
    now: datetime, days: int, fetch: Callable[[datetime], T], enough: Callable[[T], bool]
) -> tuple[Window, T]:
    """What `fetch` finds published since the window's start: the last `days`, then a year, then three,
    until what it finds is `enough`."""
    steps = window_spans(days)
    for step, span in enumerate(steps):
        since = now - timedelta(days=span)
        found = fetch(since)
        if enough(found) or step == len(steps) - 1:
            return Window(since, span, widened=step > 0, asked=days), found
    raise AssertionError("unreachable: the last step returns")


def window_spans(days: int) -> list[int]:
    """The windows a list tries in turn, in days: the one asked, then the wider ones."""
    return [days, *(wider for wider in WIDER_WINDOWS if wider > days)]


def frontier_about(
    session: Session, settings: Settings, now: datetime, days: int, limit: int | None, shown: Collection[str]
) -> tuple[Window, list[tuple[db.MatchSummary, float]], int]:
    """The newest papers most about any roadmap topic in the window (widened only when it holds none),
    each under the topic it is most about, no topic flooding the top; and how many there are."""
    window, (found, total) = widened(
        now, days, lambda since: db.frontier_matches(session, since, limit, shown, BANDS),
        enough=lambda found: found[1] > 0,
    )  # fmt: skip
    ranked = rank_about(best_per_paper(found), now, settings.recent_half_life_days)
    return window, balanced(ranked, key=lambda pair: pair[0].topic_id), total


def recent_totals(
    session: Session,
    topics: Sequence[db.TopicRow],
    settings: Settings,
    now: datetime,
    hidden: Collection[str] = frozenset(),
) -> dict[str, tuple[int, Window]]:
    """Every topic's `recent_total` and `window` as its reading list at `now` has them, read at once: the
    papers about it published in the window (widened as `widened` widens it), less those its list shows
    elsewhere or not at all (its classics, its trending papers, the `hidden` ones). The roadmap-wide
    frontier is left out: its New section holds other topics' papers."""
    candidates = db.trending_candidates(session, now - timedelta(days=settings.trending_days))
    listed = [t for t in topics if not roadmap_wide(t)]
    elsewhere = {t.id: shown_elsewhere(t, candidates, settings, now) | set(hidden) for t in listed}
    found: dict[str, tuple[int, Window]] = {}
    spans = window_spans(settings.recent_days)
    for step, span in enumerate(spans):
        pending = [topic_id for topic_id in elsewhere if topic_id not in found]
        if not pending:
            break
        since = now - timedelta(days=span)
        for topic_id, total in about_totals(session, since, {t: elsewhere[t] for t in pending}).items():
            if total >= settings.widen_below or step == len(spans) - 1:
                found[topic_id] = (total, Window(since, span, widened=step > 0, asked=settings.recent_days))
    return found


def about_totals(session: Session, since: datetime, left_out: Mapping[str, set[str]]) -> dict[str, int]:
    """Per topic, the papers about it published since `since`, but those in `left_out[topic]`."""
    about = db.about_counts(session, since, list(left_out))
    counted = db.about_pairs(session, set().union(*left_out.values()), since)
    return {t: about.get(t, 0) - sum((a, t) in counted for a in ids) for t, ids in left_out.items()}


def shown_elsewhere(
    topic: db.TopicRow, candidates: Sequence[db.TrendingCandidate], settings: Settings, now: datetime
) -> set[str]:
    """The papers of a topic's list that are not in its New section: its classics and trending papers
    (the roadmap-wide trending candidates, ranked among the topic's own as `trending` ranks them)."""
    own = [c for c in candidates if topic.id in c.topic_ids]
    ranked = rank_trending(own, now, settings.trending_half_life_days, settings.trending_limit)
    return {c.arxiv_id for c in topic.seminal if c.arxiv_id} | {c.paper.arxiv_id for c, _ in ranked}


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
