"""What a collection run asks for, decided from the roadmap and what the store already holds (pure: every
input, `now` included, is passed in; nothing is fetched or read here).

    listing    the union of the chosen topics' `cat:` categories (every topic's by default)
    backfill   topics grouped by where their window starts, their queries OR-ed into requests of at most
               RADAR_ARXIV_QUERY_MAX_CHARS characters
    seminal    the chosen topics' classics on arXiv that are not stored yet
    hf         the featured days to poll; the topics to search HF for, by English name
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from collector.query import Node, group_queries
from collector.query import categories as query_categories
from collector.roadmap import Roadmap


@dataclass(frozen=True, slots=True)
class BackfillGroup:
    """One grouped arXiv search: the topics it serves, their OR-ed query, and its submittedDate window."""

    topic_ids: tuple[str, ...]
    query: str
    since: datetime
    until: datetime

    @property
    def label(self) -> str:
        return f"{self.since:%Y-%m-%d}..{self.until:%Y-%m-%d} " + ", ".join(self.topic_ids)


def chosen(roadmap: Roadmap, topic_ids: Sequence[str]) -> list[str]:
    """The topics a run is limited to, or every topic of the roadmap."""
    return list(topic_ids) or [t.id for t in roadmap.topics]


def listing_categories(roadmap: Roadmap, topic_ids: Sequence[str]) -> list[str]:
    """The categories of the chosen topics' queries (every category of the roadmap when none has any)."""
    if not topic_ids:
        return roadmap.categories()
    cats = {c for t in topic_ids if (node := roadmap.topic(t).parsed_query) for c in query_categories(node)}
    return sorted(cats) or roadmap.categories()


def backfill_groups(
    roadmap: Roadmap,
    topic_ids: Sequence[str],
    last_backfills: Mapping[str, datetime | None],
    now: datetime,
    backfill_days: int,
    max_chars: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[BackfillGroup]:
    """Each chosen topic with a query starts at `since`, else where its last backfill ended, else
    `backfill_days` before `now`; topics sharing a start are OR-ed into groups, all ending at `until`
    (default `now`)."""
    default_start = now - timedelta(days=backfill_days)
    windows: dict[datetime, list[tuple[str, Node]]] = {}
    for topic_id in chosen(roadmap, topic_ids):
        node = roadmap.topic(topic_id).parsed_query
        if node is not None:
            start = since or last_backfills.get(topic_id) or default_start
            windows.setdefault(start, []).append((topic_id, node))
    return [
        BackfillGroup(tuple(group_ids), query, start, until or now)
        for start, items in windows.items()
        for group_ids, query in group_queries(items, max_chars)
    ]


def seminal_ids(roadmap: Roadmap, topic_ids: Sequence[str], stored: Collection[str] = ()) -> list[str]:
    """The chosen topics' classics on arXiv, once each in roadmap order, leaving out those `stored`."""
    wanted = (s.arxiv_id for t in chosen(roadmap, topic_ids) for s in roadmap.topic(t).seminal if s.arxiv_id)
    return [i for i in dict.fromkeys(wanted) if i not in stored]


def seminal_label(ids: Sequence[str]) -> str:
    """The runs-table label of an id_list batch: its size and a digest, so the same ask is recognised."""
    return f"{len(ids)} seminal id(s) #{hashlib.sha1(' '.join(ids).encode()).hexdigest()[:8]}"


def featured_days(
    now: datetime, window_days: int, since: datetime | None = None, until: datetime | None = None
) -> list[date]:
    """HF featured days to poll, oldest first: since..until when given (either end defaulting to today's
    window), else the `window_days` days ending today."""
    last = (until or now).date()
    first = since.date() if since else last - timedelta(days=window_days - 1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def hf_search_topics(roadmap: Roadmap, topic_ids: Sequence[str]) -> list[str]:
    """The chosen topics worth searching HF for: those with a query (tools have no literature)."""
    return [t for t in chosen(roadmap, topic_ids) if roadmap.topic(t).query]


def search_text(name_en: str) -> str:
    """What to ask HF paper search for a topic: its English name without the parenthesised details."""
    return re.sub(r"\s*\([^)]*\)", "", name_en).strip() or name_en
