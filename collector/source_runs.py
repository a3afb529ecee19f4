"""One function per Source: ask the upstream what collector.plan says, store each page as it arrives
(collector.store), and count it as one or more source/query rows (collector.runs)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from sqlalchemy.orm import Session

import db
from collector import plan
from collector.config import Settings
from collector.errors import MalformedItemError, SourceError
from collector.roadmap import Roadmap
from collector.runs import RunRecorder, RunTally, finish_batch
from collector.sources import Source
from collector.sources.huggingface import HFPage
from collector.store import Store
from collector.upstreams import Upstreams
from db import PaperRecord, Resource, RunRow

# A replacement is a new version of a paper announced before: news only if we stored the paper.
REPLACE_TYPES = frozenset({"replace", "replace-cross"})


@dataclass(frozen=True)
class Request:
    """What to collect: the sources, the topics (none: all), an optional window, whether this is the
    scheduled daily cycle (which does not re-ask arXiv every day for classics it lacked), and the id its
    rows are recorded under (None: a fresh one; the dashboard names the run it starts, to follow it)."""

    sources: tuple[Source, ...]
    topic_ids: tuple[str, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    daily: bool = False
    run_id: str | None = None


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    roadmap: Roadmap
    store: Store
    upstreams: Upstreams
    recorder: RunRecorder
    now: datetime

    def store_pages(self, label: str, pages: Iterable[list[PaperRecord]], tally: RunTally) -> None:
        for page in pages:
            tally.add(len(page), self.store.store_papers(page))
            self.recorder.advance(label, len(page))

    def session(self) -> AbstractContextManager[Session]:
        return db.session_scope(self.store.engine)


# -- arXiv ----------------------------------------------------------------------------------------------
def listing(context: RunContext, request: Request) -> None:
    """The daily listing feed of the roadmap's categories (or of the chosen topics' categories)."""
    categories = plan.listing_categories(context.roadmap, request.topic_ids)
    label = "+".join(categories)
    context.recorder.run(Source.LISTING, label, partial(ingest_listing, context, categories))


def ingest_listing(context: RunContext, categories: Sequence[str], tally: RunTally) -> None:
    found = context.upstreams.listing(categories)
    if found.empty:
        tally.notes.append("empty feed: no announcement today (weekend or holiday)")
        return
    with context.session() as session:
        known = db.stored_ids(session, [e.record.arxiv_id for e in found.entries])
    records = [
        e.record for e in found.entries if e.announce_type not in REPLACE_TYPES or e.record.arxiv_id in known
    ]
    if unknown_replacements := len(found.entries) - len(records):
        tally.notes.append(f"{unknown_replacements} replacement(s) of papers not stored were skipped")
    if found.skipped:
        tally.notes.append(f"{found.skipped} malformed entr(y/ies) skipped")
    tally.add(len(found.entries), context.store.store_papers(records))
    context.recorder.advance(",".join(categories), len(found.entries))


def backfill(context: RunContext, request: Request) -> None:
    """Topic queries OR-ed into few grouped searches over a submittedDate window; assigned locally."""
    settings = context.settings
    with context.session() as session:
        last = db.topic_backfills(session)
    groups = plan.backfill_groups(
        context.roadmap, request.topic_ids, last, context.now, settings.backfill_days,
        settings.arxiv_query_max_chars, request.since, request.until,
    )  # fmt: skip
    for group in groups:
        backfill_group(context, group)


def backfill_group(context: RunContext, group: plan.BackfillGroup) -> RunRow:
    def work(tally: RunTally) -> None:
        pages = context.upstreams.api.search(
            group.query, group.since, group.until, context.settings.arxiv_max_results
        )
        context.store_pages(group.label, pages, tally)
        with context.session() as session:
            db.set_topic_backfill(session, group.topic_ids, group.until)

    return context.recorder.run(Source.API, group.label, work, group.topic_ids)


def seminal(context: RunContext, request: Request) -> None:
    """Metadata of the roadmap's classics not stored yet, by id_list in batches.

    The daily cycle does not ask again for the same missing ids within RADAR_SEMINAL_RETRY_DAYS of a
    successful run: it must not spend requests every day on classics arXiv lacks.
    """
    with context.session() as session:
        stored = db.stored_ids(session, plan.seminal_ids(context.roadmap, request.topic_ids))
    ids = plan.seminal_ids(context.roadmap, request.topic_ids, stored)
    label = plan.seminal_label(ids)
    retry_after = timedelta(days=context.settings.seminal_retry_days)
    if not ids or (request.daily and asked_since(context, label, context.now - retry_after)):
        return
    work = partial(context.store_pages, label, context.upstreams.api.fetch_ids(ids))
    context.recorder.run(Source.SEMINAL, label, work, total=len(ids))


def asked_since(context: RunContext, label: str, since: datetime) -> bool:
    with context.session() as session:
        runs = db.last_runs(session, limit=20, source=Source.SEMINAL)
    return any(r.query == label and r.ok and r.finished_at >= since for r in runs)


# -- Hugging Face ---------------------------------------------------------------------------------------
def huggingface(context: RunContext, request: Request) -> None:
    """Featured days (the recent window, or exactly since..until), then arXiv metadata of the papers
    first seen on HF, then the HF pages of reading-list papers (linked repos, late code links)."""
    days = plan.featured_days(context.now, context.settings.hf_days, request.since, request.until)
    label = f"featured {days[0]}..{days[-1]}"
    context.recorder.run(Source.HF, label, partial(ingest_hf_days, context, label, days), total=len(days))
    hf_arxiv_metadata(context)
    hf_paper_pages(context)


def ingest_hf_days(context: RunContext, label: str, days: Sequence[date], tally: RunTally) -> None:
    failures: list[SourceError] = []
    for day in days:
        context.recorder.advance(label, 1, pages=0)  # the bar moves; a page counts once it is stored
        try:
            store_hf_page(context, context.upstreams.hf.daily(day), tally)
        except SourceError as exc:  # the other days are still worth having
            failures.append(exc)
    finish_batch(failures, len(days), "featured day(s)", tally)


def store_hf_page(context: RunContext, page: HFPage, tally: RunTally) -> None:
    tally.add(len(page.items), context.store.store_hf(page.items))
    tally.pages += 1
    tally.skipped += page.skipped
    tally.dropped += page.dropped


def hf_arxiv_metadata(context: RunContext) -> None:
    """arXiv metadata (categories, version, comment…) of the papers first seen on Hugging Face."""
    with context.session() as session:
        ids = db.hf_only_ids(session)
    if ids:
        label = f"arXiv metadata of {len(ids)} paper(s) first seen on HF"
        work = partial(context.store_pages, label, context.upstreams.api.fetch_ids(ids))
        context.recorder.run(Source.HF, label, work, total=len(ids))


def hf_paper_pages(context: RunContext) -> None:
    """HF paper pages of reading-list papers due for a look (see db.hf_lookup_candidates)."""
    settings, now = context.settings, context.now
    with context.session() as session:
        ids = db.hf_lookup_candidates(
            session,
            recent_since=now - timedelta(days=settings.hf_links_days),
            checked_before=now - timedelta(days=settings.hf_recheck_days),
            limit=settings.hf_paper_lookups,
        )
    if ids:
        label = f"{len(ids)} HF paper page(s)"
        context.recorder.run(Source.HF, label, partial(ingest_hf_pages, context, label, ids), total=len(ids))


def ingest_hf_pages(context: RunContext, label: str, arxiv_ids: Sequence[str], tally: RunTally) -> None:
    failures: list[SourceError] = []
    absent = 0
    for arxiv_id in arxiv_ids:
        context.recorder.advance(label, 1, pages=0)
        try:
            absent += not store_hf_paper(context, arxiv_id, tally)
        except SourceError as exc:
            failures.append(exc)
            continue
        with context.session() as session:
            db.mark_hf_checked(session, [arxiv_id], context.now)
    if absent:
        tally.notes.append(f"{absent} without an HF page")
    finish_batch(failures, len(arxiv_ids), "paper page(s)", tally)


def store_hf_paper(context: RunContext, arxiv_id: str, tally: RunTally) -> bool:
    """The paper's HF page, stored; False when HF has none. A page describing no usable paper is counted."""
    try:
        item = context.upstreams.hf.paper(arxiv_id)
    except MalformedItemError:
        tally.skipped += 1
        return True
    if item is None:
        return False
    tally.add(1, context.store.store_hf([item]))
    tally.pages += 1
    tally.dropped += bool(item.dropped)
    return True


def hf_search(context: RunContext, request: Request) -> None:
    """Well-known papers of each topic (with a query) from HF paper search, by the topic's name; then the
    arXiv metadata of the papers it found that arXiv has not described yet."""
    topic_ids = plan.hf_search_topics(context.roadmap, request.topic_ids)
    label = f"HF paper search for {len(topic_ids)} topic(s)"
    work = partial(ingest_hf_search, context, label, topic_ids)
    context.recorder.run(Source.HF, label, work, topic_ids, total=len(topic_ids))
    hf_arxiv_metadata(context)


def ingest_hf_search(context: RunContext, label: str, topic_ids: Sequence[str], tally: RunTally) -> None:
    failures: list[SourceError] = []
    for topic_id in topic_ids:
        context.recorder.advance(label, 1, pages=0)
        text = plan.search_text(context.roadmap.topic(topic_id).name_en)
        try:
            store_hf_page(context, context.upstreams.hf.search(text, context.settings.hf_search_limit), tally)
        except SourceError as exc:
            failures.append(exc)
    finish_batch(failures, len(topic_ids), "topic search(es)", tally)


# -- blog feeds -----------------------------------------------------------------------------------------
def feeds(context: RunContext, request: Request) -> None:
    """New posts of the roadmap's blog feeds, stored as resources of their topic; one row per feed.

    Nothing (not even a row) when RADAR_FEED_MAX_POSTS is 0.
    """
    if not context.settings.feed_max_posts:
        return
    with context.session() as session:
        found = db.roadmap_feeds(session)
    chosen = set(plan.chosen(context.roadmap, request.topic_ids))
    for feed in found:
        if feed.topic_id in chosen:
            context.recorder.run(
                Source.FEEDS, feed.url, partial(ingest_feed, context, feed), [feed.topic_id or ""]
            )


def ingest_feed(context: RunContext, feed: Resource, tally: RunTally) -> None:
    posts = context.upstreams.feed(feed.url)
    resources = [
        Resource("post", p.url, p.title, topic_id=feed.topic_id, source="feed", published=p.published)
        for p in posts
    ]
    with context.session() as session:
        new = db.upsert_resources(session, resources, context.now)
    tally.fetched += len(posts)
    tally.new += new
