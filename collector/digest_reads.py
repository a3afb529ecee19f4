"""The database reads of one digest run, shared by all its digests (one `now`, one window).

Each topic's new matches, the shown papers' text, reasons and Hugging Face extras, a topic's new
resources and classics, and a reader profile's read marks are read once per run and kept: ten thousand
digests over ninety topics then cost about ninety candidate queries, not ten thousand. What an address
has been sent is read fresh for every digest, in a new short session, because the run itself adds to the
ledger (an address may get a daily and a weekly digest in the same run). Every read opens its own short
session, so a long run never holds a database snapshot open.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import db
from collector.config import Settings
from collector.ranking import ReadingItem, classic_item
from collector.reading_lists import basics, hydrate
from db import HFSignals, MatchSummary, NewMatch, NewResource, Resource, TopicRow

K = TypeVar("K")
V = TypeVar("V")
# Kinds of a paper's resources a digest links to beside the paper.
LINK_KINDS = ("code", "model", "dataset", "space", "project")


@dataclass(frozen=True, slots=True)
class PaperExtras:
    """What a digest shows beside a paper: Hugging Face upvotes, GitHub stars, code/model/dataset links."""

    upvotes: int | None = None
    stars: int | None = None
    links: tuple[Resource, ...] = ()


class DigestReads:
    """Cached reads for digests built at `now` whose news starts after `floor` (the earliest period start)."""

    def __init__(self, engine: Engine, settings: Settings, now: datetime, floor: datetime) -> None:
        self.engine, self.settings, self.now, self.floor = engine, settings, now, floor
        # News is published at most digest_days before its first recording, which is after `floor`.
        self.published_since = floor - timedelta(days=settings.digest_days)
        self._matches: dict[str, list[NewMatch]] = {}
        self._items: dict[tuple[str, str], ReadingItem] = {}
        self._extras: dict[str, PaperExtras] = {}
        self._resources: dict[str, list[NewResource]] = {}
        self._classics: dict[str, list[ReadingItem]] = {}
        self._read: dict[str, frozenset[str]] = {}
        self._topics: dict[str, TopicRow] | None = None

    @contextmanager
    def session(self) -> Iterator[Session]:
        with db.session_scope(self.engine) as session:
            yield session

    def new_matches(self, topic_ids: Collection[str]) -> dict[str, list[NewMatch]]:
        """Each topic's matches first recorded after `floor`, of papers published since `published_since`
        (the topics not read yet in one query)."""
        missing = [t for t in topic_ids if t not in self._matches]
        if missing:
            with self.session() as session:
                found = db.new_matches(session, missing, self.floor, self.published_since)
            self._matches |= grouped(missing, found, lambda m: m.summary.topic_id)
        return {t: self._matches[t] for t in topic_ids}

    def basics(self, topic_id: str) -> bool:
        """An L1-L2 topic, whose news puts surveys and analyses first, as its reading list does."""
        if self._topics is None:
            with self.session() as session:
                self._topics = {t.id: t for t in db.list_topics(session)}
        topic = self._topics.get(topic_id)
        return topic is not None and basics(topic)

    def sent(self, email: str) -> set[str]:
        """What the address has been sent among papers of the window (fresh: the run adds to it)."""
        with self.session() as session:
            return db.sent_ids(session, email, self.published_since)

    def items(self, ranked: Sequence[tuple[MatchSummary, float]]) -> list[ReadingItem]:
        """One topic's ranked matches as reading-list items (collector.reading_lists.hydrate), in rank
        order; a match gone since the candidates were read is left out."""
        keys = [(s.arxiv_id, s.topic_id) for s, _ in ranked]
        missing = [pair for pair, key in zip(ranked, keys, strict=True) if key not in self._items]
        if missing:
            topic_of = {s.arxiv_id: s.topic_id for s, _ in missing}
            with self.session() as session:
                for item in hydrate(session, "recent", missing):
                    self._items[(item.arxiv_id or "", topic_of[item.arxiv_id or ""])] = item
        return [self._items[key] for key in keys if key in self._items]

    def extras(self, arxiv_ids: Sequence[str]) -> dict[str, PaperExtras]:
        missing = [i for i in dict.fromkeys(arxiv_ids) if i not in self._extras]
        if missing:
            with self.session() as session:
                signals = db.hf_signals_by_id(session, missing)
                resources = db.paper_resources(session, missing)
            for arxiv_id in missing:
                self._extras[arxiv_id] = paper_extras(signals.get(arxiv_id), resources.get(arxiv_id, []))
        return {i: self._extras[i] for i in arxiv_ids}

    def resources(self, topic_ids: Collection[str]) -> dict[str, list[NewResource]]:
        """Each topic's resources first stored after `floor` (the topics not read yet in one query)."""
        missing = [t for t in topic_ids if t not in self._resources]
        if missing:
            with self.session() as session:
                found = db.new_topic_resources(session, missing, self.floor)
            self._resources |= grouped(missing, found, lambda r: r.resource.topic_id or "")
        return {t: self._resources[t] for t in topic_ids}

    def classics(self, topic_ids: Collection[str]) -> dict[str, list[ReadingItem]]:
        """Each topic's classics as reading-list items (the topics not read yet in one go)."""
        missing = [t for t in topic_ids if t not in self._classics]
        if missing:
            with self.session() as session:
                found = db.topics_seminal(session, missing)
            self._classics |= {t: [classic_item(c) for c in found[t]] for t in missing}
        return {t: self._classics[t] for t in topic_ids}

    def read_ids(self, reader: str | None) -> frozenset[str]:
        """Papers the reader profile marked read (none without a profile)."""
        if reader is None:
            return frozenset()
        return cached(self._read, reader, lambda: self.read_marks(reader))

    def read_marks(self, reader: str) -> frozenset[str]:
        with self.session() as session:
            return frozenset(i for i, marks in db.reader_marks(session, reader).items() if marks.read)


def grouped(keys: Sequence[str], rows: Sequence[V], key_of: Callable[[V], str]) -> dict[str, list[V]]:
    """`rows` by key, every key present (those without rows empty)."""
    found: dict[str, list[V]] = {key: [] for key in keys}
    for row in rows:
        found[key_of(row)].append(row)
    return found


def cached(store: dict[K, V], key: K, read: Callable[[], V]) -> V:
    if key not in store:
        store[key] = read()
    return store[key]


def paper_extras(signals: HFSignals | None, resources: Sequence[Resource]) -> PaperExtras:
    links = tuple(r for r in resources if r.kind in LINK_KINDS)
    if signals is None:
        return PaperExtras(links=links)
    return PaperExtras(signals.upvotes, signals.github_stars, links)
