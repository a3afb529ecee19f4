"""Atom feeds of topics and levels: their news as Atom 1.0 (feedgen), printed by `radar feed` and written
to RADAR_FEEDS_DIR after each collection, for any static server to publish.

    db.new_matches (the window's matches of the feed's topics) ──is_news──▶ one row per paper (its best
      topic) ──the newest first recorded, at most RADAR_FEEDS_MAX_ENTRIES──▶ news_order (the reading
      lists' order, as in digests) ──hydrate──▶ ReadingItems ──feedgen──▶ topics/<id>.atom, levels/<L>.atom

A paper is news as in the digests: published at most RADAR_DIGEST_DAYS before its match was first
recorded. Entry ids are the papers' arXiv abstract URLs (the same in every run and every feed); `updated`
is the paper's own. Untrusted text loses the control characters XML cannot carry and is escaped by
feedgen. A feed file is rewritten only when its bytes change, so static servers keep their caches.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from feedgen.feed import FeedGenerator
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import db
from collector.clock import utc_now
from collector.config import Settings
from collector.digest_mail import clean
from collector.digests import is_news, news_order, under_best_topic
from collector.ranking import ReadingItem
from collector.reading_lists import hydrate
from db import LevelRow, RunRow, TopicRow

# Feed files are named after topic ids; anything else in an id is not a file name.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,80}")
MOST_AUTHORS = 25
EMPTY_FEED_UPDATED = datetime(2026, 1, 1, tzinfo=UTC)
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FeedSpec:
    """What a feed is about: its id, path, title, the page it stands for, and its topics."""

    kind: str  # topics | levels
    key: str  # the topic id or level id
    title: str
    page: str  # the dashboard page of the topic or level
    topics: tuple[TopicRow, ...]

    @property
    def path(self) -> str:
        return f"{self.kind}/{self.key}.atom"

    @property
    def atom_id(self) -> str:
        return f"tag:roadmap-radar,2026:feeds/{self.path}"


def topic_spec(topic: TopicRow, settings: Settings) -> FeedSpec:
    title = f"Roadmap Radar · {topic.name_zh} · {topic.name_en}"
    page = f"{settings.public_url}/topic?topic={topic.id}"
    return FeedSpec("topics", topic.id, title, page, (topic,))


def level_spec(level: LevelRow, topics: Sequence[TopicRow], settings: Settings) -> FeedSpec:
    title = f"Roadmap Radar · {level.id} · {level.name_zh} · {level.name_en}"
    page = f"{settings.public_url}/?level={level.id}"
    return FeedSpec("levels", level.id, title, page, tuple(t for t in topics if t.level == level.id))


def feed_url(settings: Settings, kind: str, key: str) -> str | None:
    """Where a feed is published (RADAR_FEEDS_BASE_URL), or None when it is not."""
    return f"{settings.feeds_base_url}/{kind}/{key}.atom" if settings.feeds_base_url else None


# -- entries ----------------------------------------------------------------------------------------------
def feed_items(
    session: Session, topic_ids: Sequence[str], settings: Settings, now: datetime
) -> list[tuple[ReadingItem, str]]:
    """(item, its topic) of the feed's newest news, ranked as the reading lists rank them."""
    if not topic_ids:
        return []
    window = now - timedelta(days=settings.recent_days)
    since = window - timedelta(days=settings.digest_days)
    found = [
        m
        for m in db.new_matches(session, topic_ids, window, since)
        if is_news(m, window, settings.digest_days)
    ]
    recorded = {(m.summary.arxiv_id, m.summary.topic_id): m.first_recorded for m in found}
    best = [s for s in under_best_topic(m.summary for m in found) if s.about]  # news is about its topic
    best.sort(key=lambda s: (recorded[(s.arxiv_id, s.topic_id)], s.arxiv_id), reverse=True)
    ranked = news_order(best[: settings.feeds_max_entries], now, settings)
    topic_of = {s.arxiv_id: s.topic_id for s, _ in ranked}
    return [(item, topic_of[item.arxiv_id or ""]) for item in hydrate(session, "recent", ranked)]


def atom(spec: FeedSpec, items: Sequence[tuple[ReadingItem, str]], settings: Settings) -> bytes:
    """The feed as Atom 1.0 bytes (pure)."""
    names = {t.id: t.name_en for t in spec.topics}
    feed = FeedGenerator()
    feed.id(spec.atom_id)
    feed.title(clean(spec.title))
    feed.author({"name": "Roadmap Radar"})
    feed.link(href=spec.page, rel="alternate", type="text/html")
    self_url = feed_url(settings, spec.kind, spec.key)
    if self_url:
        feed.link(href=self_url, rel="self", type="application/atom+xml")
    about = ", ".join(names.values()) if len(names) < 4 else f"the topics of {spec.key}"
    feed.subtitle(clean(f"New papers of {about}, ranked as on the dashboard's topic pages"))
    feed.generator("Roadmap Radar", uri="https://github.com/roadmap-radar/roadmap-radar")
    # The newest entry's date, so an unchanged feed keeps its bytes (an empty one: a fixed date).
    stamps = [item.paper.updated for item, _ in items if item.paper]
    feed.updated(max(stamps, default=EMPTY_FEED_UPDATED))
    for item, topic_id in items:
        add_entry(feed, item, topic_id, names.get(topic_id, topic_id))
    return bytes(feed.atom_str(pretty=True))


def add_entry(feed: FeedGenerator, item: ReadingItem, topic_id: str, topic_name: str) -> None:
    paper = item.paper
    if paper is None or item.url is None:
        return
    entry = feed.add_entry(order="append")
    entry.id(item.url)
    entry.title(clean(paper.title) or paper.arxiv_id)
    entry.link(href=item.url, rel="alternate", type="text/html")
    entry.published(paper.published)
    entry.updated(paper.updated)
    for name in paper.authors[:MOST_AUTHORS]:
        if clean(name):
            entry.author({"name": clean(name)})
    entry.category(term=topic_id, label=clean(topic_name))
    why = clean("; ".join(item.reasons))
    entry.summary(f"Matched {clean(topic_name)}: {why}. {clean(paper.abstract)}")


# -- files --------------------------------------------------------------------------------------------------
def topic_feed(session: Session, topic: TopicRow, settings: Settings, now: datetime) -> bytes:
    spec = topic_spec(topic, settings)
    return atom(spec, feed_items(session, [topic.id], settings, now), settings)


def level_feed(
    session: Session, level: LevelRow, topics: Sequence[TopicRow], settings: Settings, now: datetime
) -> bytes:
    spec = level_spec(level, topics, settings)
    return atom(spec, feed_items(session, [t.id for t in spec.topics], settings, now), settings)


def feed_for(
    engine: Engine, settings: Settings, now: datetime, topic_id: str | None = None, level: str | None = None
) -> bytes:
    """The feed of one topic, or of one level (`radar feed`); both must exist in the database."""
    with db.session_scope(engine) as session:
        topics = db.list_topics(session)
        if topic_id is not None:
            return topic_feed(session, next(t for t in topics if t.id == topic_id), settings, now)
        row = next(r for r in db.list_levels(session) if r.id == level)
        return level_feed(session, row, topics, settings, now)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Atomically replace `path` with `data` unless it already holds exactly that; True if written."""
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".", suffix=".tmp", delete=False) as tmp:
        tmp.write(data)
    os.chmod(tmp.name, 0o644)  # readable by the static server
    os.replace(tmp.name, path)
    return True


def write_feeds(engine: Engine, settings: Settings, now: datetime) -> tuple[int, int]:
    """Every topic's and level's feed into RADAR_FEEDS_DIR; returns (feeds, files rewritten)."""
    with db.session_scope(engine) as session:
        topics, levels = db.list_topics(session), db.list_levels(session)
        feeds = [
            (f"topics/{t.id}.atom", topic_feed(session, t, settings, now))
            for t in topics
            if SAFE_NAME.fullmatch(t.id)
        ]
        feeds += [
            (f"levels/{level.id}.atom", level_feed(session, level, topics, settings, now))
            for level in levels
            if SAFE_NAME.fullmatch(level.id)
        ]
    written = sum(write_if_changed(settings.feeds_dir / path, data) for path, data in feeds)
    return len(feeds), written


def publish_feeds(engine: Engine, settings: Settings, now: datetime | None = None) -> RunRow:
    """write_feeds after a collection, recorded as one runs-table row (source "atom"); a failure (a
    directory that cannot be written) is recorded and logged, never raised: the collection stands."""
    started = now or utc_now()
    try:
        count, written = write_feeds(engine, settings, started)
        run = feeds_run(started, count, written, None, settings)
    except (OSError, db.StorageError) as exc:
        logger.error("feeds not written to %s: %s", settings.feeds_dir, exc)
        run = feeds_run(started, 0, 0, f"feeds not written: {exc}", settings)
    with db.session_scope(engine) as session:
        db.record_run(session, run)
    return run


def feeds_run(started: datetime, count: int, written: int, error: str | None, settings: Settings) -> RunRow:
    note = error or f"{count} feeds, {written} rewritten"
    return RunRow(
        run_id=uuid.uuid4().hex[:12], source="atom", query=str(settings.feeds_dir), started_at=started,
        finished_at=utc_now(), fetched=count, updated=written, errors=1 if error else 0, error=note,
    )  # fmt: skip
