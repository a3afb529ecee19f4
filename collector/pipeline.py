"""Wires one collection run; every arrow below is one function in one module.

    roadmap.yaml ──load_roadmap──▶ Roadmap ──sync_topics──▶ db (topics, seminal)      [prepare_store]
                                      │   └─ queries changed? ──rematch_topics──▶ db
    daily cycle   listing feed ──fetch_listing──▶ ListingEntry ─┐
                  seminal ids not stored ──ArxivAPI.fetch_ids──▶ ├─▶ PaperRecord ──upsert_papers──▶ db
    backfill      topic queries ──group_queries──▶ ArxivAPI.search(window) ─┘          │
                                                               Matcher.match ◀────────┘ changed papers
                                                                     └──replace_matches──▶ db
    Hugging Face  featured days ──HuggingFace.daily──▶ HFItem ──upsert_hf_papers──▶ db (same paper row,
                  paper pages of reading-list papers ──.paper──┘  │  upsert_resources   HF fields only)
                  topic names ──.search (weekly)──────────────────┘  papers first seen on HF (version 0)
                                                       ──ArxivAPI.fetch_ids──▶ upsert_papers (categories…)
    code links    comment/abstract of stored papers ──text_resources──▶ upsert_resources
    feeds         roadmap resources of kind feed ──fetch_feed──▶ posts ──upsert_resources──▶ db
    every source/query ──record_run──▶ db (counts and the error, if any)

`collect` runs the chosen sources under the database's collection lock (collector/locking.py).

Each page is stored (and matched) in its own transaction as soon as it arrives, so a failure later in
the run loses nothing already fetched. A SourceError is recorded against its source/query and the run
goes on; anything else is a bug and propagates.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import httpx
from sqlalchemy.engine import Engine

import db
from collector.config import Settings
from collector.errors import SourceError
from collector.http import RateLimiter, shared_arxiv_limiter, shared_hf_limiter
from collector.links import text_resources
from collector.locking import CollectionLock
from collector.matching import Matcher, build_matcher
from collector.query import Node, group_queries
from collector.query import categories as query_categories
from collector.roadmap import Roadmap
from collector.sources.arxiv_api import ArxivAPI
from collector.sources.arxiv_listing import fetch_listing
from collector.sources.feeds import fetch_feed
from collector.sources.huggingface import HFItem, HuggingFace
from db import PaperRecord, Resource, RunRow, UpsertResult

SOURCES = ("listing", "api", "seminal", "hf", "hf-search", "feeds")
DAILY = ("listing", "seminal", "hf")
REPLACE_TYPES = frozenset({"replace", "replace-cross"})


class Progress:
    """Where the pipeline reports progress; the CLI draws it with rich, tests and the scheduler ignore it."""

    def start(self, label: str, total: int | None) -> None:
        """A source/query begins; `total` is known for id batches, not for searches."""

    def advance(self, label: str, fetched: int, total: int | None = None) -> None:
        """`fetched` more papers arrived for `label`; `total` once the upstream has told it."""

    def finish(self, label: str, run: RunRow) -> None:
        """The source/query is done (or failed): its recorded row."""


@dataclass
class RunTally:
    """Counts of one source/query while it runs."""

    fetched: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, fetched: int, result: UpsertResult) -> None:
        self.fetched += fetched
        self.new += len(result.new_ids)
        self.updated += len(result.updated_ids)


@dataclass(frozen=True)
class CollectReport:
    """What one `radar collect` did: one row per source/query."""

    run_id: str
    runs: tuple[RunRow, ...]

    @property
    def failed(self) -> bool:
        return any(r.errors for r in self.runs)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)


def prepare_store(engine: Engine, roadmap: Roadmap, matcher: Matcher, now: datetime) -> set[str]:
    """Migrate, sync topics from the roadmap, re-match every stored paper for topics whose query changed."""
    db.migrate(engine)
    with db.session_scope(engine) as session:
        db.sync_levels(session, roadmap.level_rows())
        changed = db.sync_topics(session, roadmap.rows(), now)
    if changed:
        rematch_topics(engine, matcher, changed, now)
    return changed


def rematch_topics(engine: Engine, matcher: Matcher, topic_ids: set[str], now: datetime) -> None:
    """Matches for these topics are recomputed over the whole store (their query is new or changed)."""
    with db.session_scope(engine) as session:
        matches = [
            m
            for batch in db.iter_papers(session)
            for p in batch
            for m in matcher.match(p)
            if m.topic_id in topic_ids
        ]
        db.replace_topic_matches(session, topic_ids, matches, now)


class Collector:
    """One collection run over one database: the sources it may call and the matcher it stores with."""

    def __init__(
        self,
        settings: Settings,
        roadmap: Roadmap,
        engine: Engine,
        now: datetime,
        progress: Progress | None = None,
        limiter: RateLimiter | None = None,
        hf_limiter: RateLimiter | None = None,
    ) -> None:
        self.settings, self.roadmap, self.engine, self.now = settings, roadmap, engine, now
        self.progress = progress or Progress()
        self.limiter = limiter or shared_arxiv_limiter(settings.arxiv_delay_seconds)
        self.matcher = build_matcher(roadmap.queries())
        # One keep-alive connection for every arXiv request of the run, as arXiv asks.
        self.http = httpx.Client(limits=httpx.Limits(max_connections=1))
        self.api = ArxivAPI(settings, self.limiter, self.http)
        self.hf_limiter = hf_limiter or shared_hf_limiter(settings.hf_delay_seconds)
        self.web = httpx.Client(follow_redirects=True)  # Hugging Face and blog feeds
        self.hf = HuggingFace(settings, self.hf_limiter, self.web)
        self.feed_limiter = RateLimiter(0)  # one request per feed, each to its own host: counted only
        self.run_id = uuid.uuid4().hex[:12]
        self.runs: list[RunRow] = []

    def close(self) -> None:
        self.http.close()
        self.web.close()

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- storing ---------------------------------------------------------------------------------
    def store(self, records: Sequence[PaperRecord]) -> UpsertResult:
        """Upsert one page and match its new or changed papers against every topic, in one transaction."""
        with db.session_scope(self.engine) as session:
            result = db.upsert_papers(session, records, self.now)
            changed = set(result.changed_ids)
            # Match the merged stored rows: a listing record lacks the comment the API gave earlier.
            stored = db.papers_by_id(session, changed).values() if result.updated_ids else ()
            merged = {r.arxiv_id: r for r in records if r.arxiv_id in changed} | {
                p.arxiv_id: p for p in stored
            }
            new = set(result.new_ids)
            matches = [m for paper in merged.values() for m in self.matcher.match(paper)]
            # Papers just inserted have no matches to replace: their rows are only added.
            db.add_matches(session, new, [m for m in matches if m.arxiv_id in new], self.now)
            db.replace_matches(
                session, result.updated_ids, [m for m in matches if m.arxiv_id not in new], self.now
            )
            db.upsert_resources(session, text_resources(merged.values()), self.now)
        return result

    def store_pages(self, label: str, pages: Iterable[list[PaperRecord]], tally: RunTally) -> None:
        for page in pages:
            tally.add(len(page), self.store(page))
            self.progress.advance(label, len(page))

    # -- one source/query ------------------------------------------------------------------------
    def run_one(
        self,
        source: str,
        label: str,
        work: Callable[[RunTally], None],
        topic_ids: Sequence[str] = (),
        total: int | None = None,
    ) -> RunRow:
        """Run `work`, record its counts (and its SourceError, if any) as one row of the runs table."""
        started, requests_before = datetime.now(self.now.tzinfo), self.requests_made()
        tally, error = RunTally(), None
        self.progress.start(label, total)
        try:
            work(tally)
        except SourceError as exc:
            error = str(exc)
        run = RunRow(
            run_id=self.run_id,
            source=source,
            query=label,
            started_at=started,
            finished_at=datetime.now(self.now.tzinfo),
            fetched=tally.fetched,
            new=tally.new,
            updated=tally.updated,
            errors=1 if error else 0,
            error="; ".join([*tally.notes, error] if error else tally.notes) or None,
            requests=self.requests_made() - requests_before,
            topic_ids=tuple(topic_ids),
        )
        with db.session_scope(self.engine) as session:
            db.record_run(session, run)
        self.runs.append(run)
        self.progress.finish(label, run)
        return run

    def requests_made(self) -> int:
        """HTTP requests sent so far (arXiv, Hugging Face and feeds; retries included)."""
        limiters = {id(x): x for x in (self.limiter, self.hf_limiter, self.feed_limiter)}
        return sum(len(x.history) for x in limiters.values())

    # -- the sources -----------------------------------------------------------------------------
    def collect_listing(self, topic_ids: Sequence[str] = ()) -> RunRow:
        """The daily listing feed of the roadmap's categories (or of the chosen topics' categories)."""
        categories = self.categories(topic_ids)
        return self.run_one(
            "listing", "+".join(categories), lambda tally: self.ingest_listing(categories, tally)
        )

    def ingest_listing(self, categories: Sequence[str], tally: RunTally) -> None:
        listing = fetch_listing(self.settings, self.limiter, categories, self.http)
        if listing.empty:
            tally.notes.append("empty feed: no announcement today (weekend or holiday)")
            return
        with db.session_scope(self.engine) as session:
            known = db.stored_ids(session, [e.record.arxiv_id for e in listing.entries])
        # A replacement is a new version of a paper; one we never stored is old news, not a new paper.
        records = [
            e.record
            for e in listing.entries
            if e.announce_type not in REPLACE_TYPES or e.record.arxiv_id in known
        ]
        unknown_replacements = len(listing.entries) - len(records)
        if unknown_replacements:
            tally.notes.append(f"{unknown_replacements} replacement(s) of papers not stored were skipped")
        if listing.skipped:
            tally.notes.append(f"{listing.skipped} malformed entr(y/ies) skipped")
        tally.add(len(listing.entries), self.store(records))
        self.progress.advance(",".join(categories), len(listing.entries))

    def collect_seminal(
        self, topic_ids: Sequence[str] = (), retry_after: timedelta | None = None
    ) -> RunRow | None:
        """Metadata of the roadmap's classics not stored yet, by id_list in batches (None: nothing to ask).

        With `retry_after`, the same set of missing ids is not asked again within that time after a
        successful run: the daily cycle must not spend requests every day on classics arXiv lacks.
        """
        ids = self.seminal_ids(topic_ids, only_missing=True)
        label = f"{len(ids)} seminal id(s) #{hashlib.sha1(' '.join(ids).encode()).hexdigest()[:8]}"
        if not ids or (retry_after is not None and self.asked_since(label, self.now - retry_after)):
            return None
        return self.run_one(
            "seminal",
            label,
            lambda tally: self.store_pages(label, self.api.fetch_ids(ids), tally),
            total=len(ids),
        )

    def asked_since(self, label: str, since: datetime) -> bool:
        with db.session_scope(self.engine) as session:
            runs = db.last_runs(session, limit=20, source="seminal")
        return any(r.query == label and not r.errors and r.finished_at >= since for r in runs)

    def collect_backfill(
        self, topic_ids: Sequence[str] = (), since: datetime | None = None, until: datetime | None = None
    ) -> list[RunRow]:
        """Topic queries OR-ed into few grouped searches over a submittedDate window; assigned locally."""
        until = until or self.now
        rows = []
        for window_start, items in self.backfill_windows(topic_ids, since).items():
            for group_ids, query in group_queries(items, self.settings.arxiv_query_max_chars):
                rows.append(self.backfill_group(group_ids, query, window_start, until))
        return rows

    def backfill_group(self, topic_ids: list[str], query: str, since: datetime, until: datetime) -> RunRow:
        label = f"{since:%Y-%m-%d}..{until:%Y-%m-%d} " + ", ".join(topic_ids)

        def work(tally: RunTally) -> None:
            pages = self.api.search(query, since, until, self.settings.arxiv_max_results)
            self.store_pages(label, pages, tally)
            with db.session_scope(self.engine) as session:
                db.set_topic_backfill(session, topic_ids, until)

        return self.run_one("api", label, work, topic_ids)

    # -- Hugging Face ----------------------------------------------------------------------------
    def collect_hf(self, since: datetime | None = None, until: datetime | None = None) -> list[RunRow]:
        """Featured days (the recent window, or exactly since..until), then arXiv metadata of the papers
        first seen on HF, then the HF pages of reading-list papers (linked repos, late code links)."""
        days = featured_days(self.now, self.settings.hf_days, since, until)
        label = f"featured {days[0]}..{days[-1]}"
        rows = [self.run_one("hf", label, lambda t: self.ingest_hf_days(label, days, t), total=len(days))]
        return rows + [row for row in (self.collect_hf_arxiv(), self.collect_hf_pages()) if row]

    def ingest_hf_days(self, label: str, days: Sequence[date], tally: RunTally) -> None:
        failures: list[SourceError] = []
        for day in days:
            self.progress.advance(label, 1)
            try:
                page = self.hf.daily(day)
            except SourceError as exc:  # the other days are still worth having
                failures.append(exc)
                continue
            self.store_hf(page.items, tally)
            tally.skipped += page.skipped
        finish_batch(failures, len(days), "featured day(s)", tally)

    def store_hf(self, items: Sequence[HFItem], tally: RunTally) -> None:
        """HF's papers merged into their rows and their resources stored; papers new to us are matched."""
        with db.session_scope(self.engine) as session:
            result = db.upsert_hf_papers(session, [item.paper for item in items], self.now)
            db.upsert_resources(session, [r for item in items for r in item.resources], self.now)
            seeds = db.papers_by_id(session, result.new_ids).values()
            matches = [m for paper in seeds for m in self.matcher.match(paper)]
            db.replace_matches(session, result.new_ids, matches, self.now)
        tally.add(len(items), result)

    def collect_hf_arxiv(self) -> RunRow | None:
        """arXiv metadata (categories, version, comment…) of the papers first seen on Hugging Face."""
        with db.session_scope(self.engine) as session:
            ids = db.hf_only_ids(session)
        if not ids:
            return None
        label = f"arXiv metadata of {len(ids)} paper(s) first seen on HF"
        return self.run_one(
            "hf", label, lambda tally: self.store_pages(label, self.api.fetch_ids(ids), tally), total=len(ids)
        )

    def collect_hf_pages(self) -> RunRow | None:
        """HF paper pages of reading-list papers due for a look (see db.hf_lookup_candidates)."""
        settings = self.settings
        with db.session_scope(self.engine) as session:
            ids = db.hf_lookup_candidates(
                session,
                recent_since=self.now - timedelta(days=settings.hf_links_days),
                checked_before=self.now - timedelta(days=settings.hf_recheck_days),
                limit=settings.hf_paper_lookups,
            )
        if not ids:
            return None
        label = f"{len(ids)} HF paper page(s)"
        return self.run_one("hf", label, lambda t: self.ingest_hf_pages(label, ids, t), total=len(ids))

    def ingest_hf_pages(self, label: str, arxiv_ids: Sequence[str], tally: RunTally) -> None:
        failures: list[SourceError] = []
        absent = 0
        for arxiv_id in arxiv_ids:
            self.progress.advance(label, 1)
            try:
                item = self.hf.paper(arxiv_id)
            except SourceError as exc:
                failures.append(exc)
                continue
            if item is None:
                absent += 1
            else:
                self.store_hf([item], tally)
            with db.session_scope(self.engine) as session:
                db.mark_hf_checked(session, [arxiv_id], self.now)
        if absent:
            tally.notes.append(f"{absent} without an HF page")
        finish_batch(failures, len(arxiv_ids), "paper page(s)", tally)

    def collect_hf_search(self, topic_ids: Sequence[str] = ()) -> RunRow:
        """Well-known papers of each topic (with a query) from HF paper search, by the topic's name."""
        chosen = [t for t in self.chosen(topic_ids) if self.roadmap.topic(t).query]
        label = f"HF paper search for {len(chosen)} topic(s)"
        return self.run_one(
            "hf", label, lambda t: self.ingest_hf_search(label, chosen, t), chosen, total=len(chosen)
        )

    def ingest_hf_search(self, label: str, topic_ids: Sequence[str], tally: RunTally) -> None:
        failures: list[SourceError] = []
        for topic_id in topic_ids:
            self.progress.advance(label, 1)
            text = search_text(self.roadmap.topic(topic_id).name_en)
            try:
                page = self.hf.search(text, self.settings.hf_search_limit)
            except SourceError as exc:
                failures.append(exc)
                continue
            self.store_hf(page.items, tally)
            tally.skipped += page.skipped
        finish_batch(failures, len(topic_ids), "topic search(es)", tally)

    # -- blog feeds ------------------------------------------------------------------------------
    def collect_feeds(self, topic_ids: Sequence[str] = ()) -> list[RunRow]:
        """New posts of the roadmap's blog feeds, stored as resources of their topic; one row per feed.

        Nothing (not even a row) when RADAR_FEED_MAX_POSTS is 0.
        """
        if not self.settings.feed_max_posts:
            return []
        with db.session_scope(self.engine) as session:
            feeds = db.roadmap_feeds(session)
        chosen = set(self.chosen(topic_ids))
        return [
            self.run_one("feeds", feed.url, self.feed_work(feed), [feed.topic_id or ""])
            for feed in feeds
            if feed.topic_id in chosen
        ]

    def feed_work(self, feed: Resource) -> Callable[[RunTally], None]:
        def work(tally: RunTally) -> None:
            posts = fetch_feed(self.settings, self.feed_limiter, feed.url, self.web)
            resources = [
                Resource("post", p.url, p.title, topic_id=feed.topic_id, source="feed", published=p.published)
                for p in posts
            ]
            with db.session_scope(self.engine) as session:
                new = db.upsert_resources(session, resources, self.now)
            tally.fetched += len(posts)
            tally.new += new

        return work

    # -- what to ask for -------------------------------------------------------------------------
    def chosen(self, topic_ids: Sequence[str]) -> list[str]:
        return list(topic_ids) or [t.id for t in self.roadmap.topics]

    def categories(self, topic_ids: Sequence[str]) -> list[str]:
        if not topic_ids:
            return self.roadmap.categories()
        cats = {
            c
            for t in topic_ids
            if (node := self.roadmap.topic(t).parsed_query)
            for c in query_categories(node)
        }
        return sorted(cats) or self.roadmap.categories()

    def seminal_ids(self, topic_ids: Sequence[str], only_missing: bool = True) -> list[str]:
        wanted = [
            s.arxiv_id for t in self.chosen(topic_ids) for s in self.roadmap.topic(t).seminal if s.arxiv_id
        ]
        wanted = list(dict.fromkeys(wanted))
        if not only_missing:
            return wanted
        with db.session_scope(self.engine) as session:
            stored = db.stored_ids(session, wanted)
        return [i for i in wanted if i not in stored]

    def backfill_windows(
        self, topic_ids: Sequence[str], since: datetime | None
    ) -> dict[datetime, list[tuple[str, Node]]]:
        """Topics grouped by window start: `since` if given, else their last backfill, else one year ago."""
        default_start = self.now - timedelta(days=self.settings.backfill_days)
        with db.session_scope(self.engine) as session:
            last = db.topic_backfills(session)
        windows: dict[datetime, list[tuple[str, Node]]] = {}
        for topic_id in self.chosen(topic_ids):
            node = self.roadmap.topic(topic_id).parsed_query
            if node is None:
                continue
            start = since or last.get(topic_id) or default_start
            windows.setdefault(start, []).append((topic_id, node))
        return windows

    def report(self) -> CollectReport:
        return CollectReport(self.run_id, tuple(self.runs))


def run_collect(
    collector: Collector,
    sources: Sequence[str],
    topic_ids: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    daily: bool = False,
) -> CollectReport:
    """Run the chosen sources in pipeline order: listing, backfill, then any classics still missing.

    `daily` marks the scheduled daily cycle, which does not re-ask arXiv every day for classics it lacked.
    """
    if "listing" in sources:
        collector.collect_listing(topic_ids)
    if "api" in sources:
        collector.collect_backfill(topic_ids, since, until)
    if "seminal" in sources:
        retry = timedelta(days=collector.settings.seminal_retry_days) if daily else None
        collector.collect_seminal(topic_ids, retry)
    if "hf" in sources:
        collector.collect_hf(since, until)
    if "hf-search" in sources:
        collector.collect_hf_search(topic_ids)
        collector.collect_hf_arxiv()  # the papers the search found that arXiv has not described yet
    if "feeds" in sources:
        collector.collect_feeds(topic_ids)
    return collector.report()


def collect(
    settings: Settings,
    roadmap: Roadmap,
    engine: Engine,
    sources: Sequence[str],
    topic_ids: Sequence[str] = (),
    since: datetime | None = None,
    until: datetime | None = None,
    progress: Progress | None = None,
    daily: bool = False,
) -> CollectReport:
    """run_collect under the database's collection lock; LockHeldError when another collector holds it."""
    with (
        CollectionLock(engine, settings.lock_ttl_seconds),
        Collector(settings, roadmap, engine, datetime.now(UTC), progress) as collector,
    ):
        return run_collect(collector, sources, topic_ids, since, until, daily)


def featured_days(
    now: datetime, window_days: int, since: datetime | None = None, until: datetime | None = None
) -> list[date]:
    """HF featured days to poll, oldest first: since..until when given (either end defaulting to today's
    window), else the `window_days` days ending today."""
    last = (until or now).date()
    first = since.date() if since else last - timedelta(days=window_days - 1)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def search_text(name_en: str) -> str:
    """What to ask HF paper search for a topic: its English name without the parenthesised details."""
    return re.sub(r"\s*\([^)]*\)", "", name_en).strip() or name_en


def finish_batch(failures: Sequence[SourceError], total: int, what: str, tally: RunTally) -> None:
    """Notes for skipped items and failed requests of a many-request source; the first failure is raised
    (so the source/query is recorded as failed) after everything else was stored."""
    if tally.skipped:
        tally.notes.append(f"{tally.skipped} malformed item(s) skipped")
    if failures:
        tally.notes.append(f"{len(failures)} of {total} {what} failed")
        raise failures[0]
