"""One collection run, wired; every arrow below is one function in one module.

    roadmap.yaml ──load_roadmap──▶ Roadmap ──Store.prepare──▶ db (levels, topics, classics; a changed
                                      │                          query re-matched in the same transaction)
                                      └──plan (pure)──▶ categories, grouped queries + windows, ids, days
    listing    categories ──Upstreams.listing──▶ ListingEntry ─┐
    api        BackfillGroup ──ArxivAPI.search──▶ pages ───────┼─▶ PaperRecord ──Store.store_papers──▶ db
    seminal    missing classic ids ──ArxivAPI.fetch_ids──▶ ────┘     (upsert, match every topic, code links)
    hf         featured days ──HuggingFace.daily──▶ HFItem ──Store.store_hf──▶ db (HF fields, resources)
               papers first seen on HF ──ArxivAPI.fetch_ids──▶ Store.store_papers (categories, version…)
               reading-list papers due ──HuggingFace.paper──▶ Store.store_hf
    hf-search  topic names ──HuggingFace.search──▶ Store.store_hf, then arXiv metadata as for hf
    feeds      roadmap feeds ──Upstreams.feed──▶ posts ──upsert_resources──▶ db
    every source/query ──RunRecorder.run──▶ db.runs: a live row (pages, papers so far), then its counts,
                                             and the error if any (ok, failed, skipped, interrupted)
    papers stored ──db.index_for_search──▶ the search index (FTS5, or PostgreSQL's tsvector), at the end

`collect` takes the database's collection lock, prepares the store under it, then runs the chosen
sources in pipeline order through SOURCE_RUNS (collector/source_runs.py), one function per Source.
Each page is stored (and matched) in its own transaction as soon as it arrives, so a failure later in
the run loses nothing already fetched. A SourceError is recorded against its source/query and the run
goes on; anything else is a bug and propagates (its row recorded as failed first). A host found
unreachable (its name does not resolve, it refuses connections, connect timeouts in a row) is skipped by
the rest of the run (collector.reachability): its remaining source/queries are recorded as skipped, and
the report names each unreachable upstream.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

import db
from collector import source_runs
from collector.clock import utc_now
from collector.config import Settings
from collector.locking import CollectionLock
from collector.roadmap import Roadmap
from collector.runs import CollectReport, Progress, RunRecorder
from collector.source_runs import Request, RunContext
from collector.sources import DAILY, Source
from collector.store import Store
from collector.upstreams import Limiters, Upstreams

__all__ = ["DAILY", "CollectReport", "Collection", "Request", "Source", "collect"]

SOURCE_RUNS = {
    Source.LISTING: source_runs.listing,
    Source.API: source_runs.backfill,
    Source.SEMINAL: source_runs.seminal,
    Source.HF: source_runs.huggingface,
    Source.HF_SEARCH: source_runs.hf_search,
    Source.FEEDS: source_runs.feeds,
}


@dataclass
class Collection:
    """One run: its context (the store, the upstreams and the recorder, all at one `now`) and its HTTP
    clients' lifetime."""

    context: RunContext

    @property
    def store(self) -> Store:
        return self.context.store

    @property
    def recorder(self) -> RunRecorder:
        return self.context.recorder

    @classmethod
    def open(
        cls,
        settings: Settings,
        roadmap: Roadmap,
        engine: Engine,
        now: datetime,
        progress: Progress | None = None,
        limiters: Limiters | None = None,
    ) -> Collection:
        """A run over a prepared database (see Store.prepare); close it, or use it in `with`."""
        store = Store(engine, roadmap, now)
        upstreams = Upstreams(settings, limiters or Limiters.shared(settings))
        recorder = RunRecorder(store, lambda: upstreams.requests, progress)
        return cls(RunContext(settings, roadmap, store, upstreams, recorder, now))

    def run(self, request: Request) -> CollectReport:
        """The requested sources in pipeline order (listing, backfill, classics, HF, HF search, feeds)."""
        for source in Source:
            if source in request.sources:
                SOURCE_RUNS[source](self.context, request)
        return self.recorder.report()

    def close(self) -> None:
        self.context.upstreams.close()

    def __enter__(self) -> Collection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def collect(
    settings: Settings,
    roadmap: Roadmap,
    engine: Engine,
    request: Request,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> CollectReport:
    """Prepare the store and run `request`, all under the database's collection lock; LockHeldError when
    another collector holds it."""
    now = now or utc_now()
    db.ensure_schema(engine)  # the lock is a table: it must exist before anyone can hold it
    with (
        CollectionLock(engine, settings.lock_ttl_seconds),
        Collection.open(settings, roadmap, engine, now, progress) as collection,
    ):
        collection.store.interrupt_running()  # under the lock: a live row left now belongs to a dead run
        collection.store.prepare(roadmap)
        report = collection.run(request)
        db.index_for_search(engine)  # what this run stored is searchable before the next page view
        return report


def sources_for(choice: str | None) -> tuple[Source, ...]:
    """`--source` as Sources: the daily cycle when not given, every source for "all"."""
    if choice is None:
        return DAILY
    return tuple(Source) if choice == "all" else (Source(choice),)


def daily_request(topic_ids: Sequence[str] = ()) -> Request:
    return Request(DAILY, tuple(topic_ids), daily=True)
