"""Every database access of the dashboard: db/ queries and the shared reading lists behind Streamlit's
caches.

Paper lists are cached for CACHE_SECONDS (immutable tuples of frozen records, so st.cache_resource can
hand out the same object without copying); reader state is read fresh on every run because the reader
changes it. Lists are ranked by collector.ranking through collector.reading_lists, exactly as `radar
list` ranks them. Nothing here fetches from arXiv or Hugging Face.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import streamlit as st
from sqlalchemy.engine import Engine

import db
from collector import freshness as freshness_of
from collector import opt_in, reading_lists, subscribing
from collector.config import Settings, load_settings
from collector.freshness import NOT_COLLECTIONS, Freshness
from collector.ranking import ReadingItem
from collector.reading_lists import ReadingList, Window
from collector.subscribing import SubscriptionRequest
from dashboard.counts import Counts, tally
from dashboard.lists import hidden_ids
from db import (
    LevelRow,
    LockRow,
    MatchSummary,
    PaperMarks,
    PaperRecord,
    ReaderRow,
    Resource,
    RunRow,
    SearchResults,
    SubscriberRow,
    SubscriptionRow,
    TokenRow,
    TopicMatch,
    TopicRow,
)

CACHE_SECONDS = 60


def settings() -> Settings:
    return load_settings()


def database_url() -> str:
    return settings().database_url


@st.cache_resource(show_spinner=False, on_release=lambda engine: engine.dispose())
def engine(url: str) -> Engine:
    """One engine per database for the whole server. The schema must be current (SQLite: brought up to
    date; PostgreSQL: checked, db.SchemaOutOfDate otherwise, never cached); cleared caches dispose of the
    engine, closing its pooled connections."""
    created = db.make_engine(url)
    try:
        db.ensure_schema(created)
    except db.StorageError:
        created.dispose()
        raise
    return created


# -- cached reads ------------------------------------------------------------------------------------------
@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def topics(url: str) -> tuple[TopicRow, ...]:
    with db.session_scope(engine(url)) as session:
        return tuple(db.list_topics(session))


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def levels(url: str) -> tuple[LevelRow, ...]:
    with db.session_scope(engine(url)) as session:
        return tuple(db.list_levels(session))


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def last_collected(url: str) -> dict[str, datetime]:
    """When each topic's own search last succeeded; key "": the latest run that covered every topic. Loading
    the demo data, sending digests and the like collect nothing (as the sidebar's freshness says)."""
    with db.session_scope(engine(url)) as session:
        return db.topic_last_collected(session, NOT_COLLECTIONS)


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def reading_list(
    url: str, topic_id: str, days: int, shown: int | None, hidden: frozenset[str], minute: datetime
) -> ReadingList:
    """The topic's reading list as `radar list` gives it, its first `shown` recent papers hydrated (None:
    all of them, for an export).

    `minute` is now to the minute: the order does not depend on it, the window's edge moves with it.
    """
    topic = next(t for t in topics(url) if t.id == topic_id)
    with db.session_scope(engine(url)) as session:
        return reading_lists.reading_list(session, topic, settings(), minute, days, shown, hidden)


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def trending(url: str, topic_id: str | None, minute: datetime) -> tuple[ReadingItem, ...]:
    """A topic's trending papers (None: across the roadmap, the L4 frontier), ranked as `radar list` does."""
    with db.session_scope(engine(url)) as session:
        return tuple(reading_lists.trending(session, settings(), minute, topic_id))


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def matched(url: str, pairs: tuple[tuple[str, str], ...]) -> tuple[TopicMatch, ...]:
    with db.session_scope(engine(url)) as session:
        return tuple(db.matched_papers(session, pairs))


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def summaries(
    url: str, first_seen_since: datetime | None, published_since: date | None, topic_ids: tuple[str, ...]
) -> tuple[MatchSummary, ...]:
    published = start_of(published_since) if published_since else None
    with db.session_scope(engine(url)) as session:
        return tuple(db.match_summaries(session, first_seen_since, published, topic_ids))


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def daily_counts(url: str, topic_ids: tuple[str, ...], since: date) -> tuple[tuple[date, str, int], ...]:
    with db.session_scope(engine(url)) as session:
        return tuple(db.daily_counts(session, topic_ids, start_of(since)))


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def daily_level_counts(
    url: str, topic_ids: tuple[str, ...], since: date
) -> tuple[tuple[date, str, int], ...]:
    """(day, level, papers): each paper once per level, however many of the level's topics it matched."""
    with db.session_scope(engine(url)) as session:
        return tuple(db.daily_level_counts(session, topic_ids, start_of(since)))


# -- counts: what dashboard.counts defines, read once per page view ----------------------------------------
def counts(url: str, me: ReaderRow, marks: dict[str, PaperMarks], minute: datetime) -> Counts:
    """Every figure of the Roadmap page for this reader (the same functions `radar status`, `radar list` and
    the other pages count with)."""
    about = recent_totals(url, minute, hidden_ids(marks))
    since_cutoff = summaries(url, me.new_since, None, ())
    return tally(paper_total(url), matched_total(url), settings(), about, since_cutoff, marks, me.new_since)


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def matched_total(url: str) -> int:
    with db.session_scope(engine(url)) as session:
        return db.matched_paper_count(session)


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def recent_totals(url: str, minute: datetime, hidden: frozenset[str]) -> dict[str, tuple[int, Window]]:
    """Each topic's New count and window, as its reading list at `minute` has them."""
    with db.session_scope(engine(url)) as session:
        return reading_lists.recent_totals(session, topics(url), settings(), minute, hidden)


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def search_results(
    url: str,
    query: str,
    topic_ids: tuple[str, ...],
    since: date | None,
    until: date | None,
    page: int,
    per: int,
) -> SearchResults:
    """Page `page` (from 1) of the hits, `per` a page, with the total and snippets; raises
    db.SearchQueryError (not cached) for text FTS5 cannot read."""
    bounds = (start_of(since) if since else None, start_of(until) if until else None)
    with db.session_scope(engine(url)) as session:
        db.sync_search_index(session)
    with db.session_scope(engine(url)) as session:
        return db.search_results(session, query, topic_ids, *bounds, offset=(page - 1) * per, limit=per)


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def did_you_mean(
    url: str, query: str, topic_ids: tuple[str, ...], since: date | None, until: date | None
) -> str | None:
    """The query with its unknown words corrected, when that finds papers (db.did_you_mean)."""
    bounds = (start_of(since) if since else None, start_of(until) if until else None)
    with db.session_scope(engine(url)) as session:
        return db.did_you_mean(session, query, topic_ids, *bounds)


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def runs(url: str, limit: int = 200) -> tuple[RunRow, ...]:
    with db.session_scope(engine(url)) as session:
        return tuple(db.last_runs(session, limit=limit))


def clear_caches() -> None:
    """After a collection run: the next page view reads the database again."""
    st.cache_resource.clear()


def start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


# -- reader state (never cached) ---------------------------------------------------------------------------
def visit(url: str, name: str, now: datetime) -> ReaderRow:
    with db.session_scope(engine(url)) as session:
        return db.visit(session, name, now)


def reader_names(url: str) -> list[str]:
    with db.session_scope(engine(url)) as session:
        return db.list_readers(session)


def marks(url: str, name: str) -> dict[str, PaperMarks]:
    with db.session_scope(engine(url)) as session:
        return db.reader_marks(session, name)


def set_marks(url: str, name: str, arxiv_id: str, new: PaperMarks, now: datetime) -> None:
    with db.session_scope(engine(url)) as session:
        db.set_marks(session, name, arxiv_id, new, now)


def mark_all_seen(url: str, name: str, now: datetime) -> None:
    with db.session_scope(engine(url)) as session:
        db.mark_all_seen(session, name, now)


def papers(url: str, arxiv_ids: Sequence[str]) -> dict[str, PaperRecord]:
    with db.session_scope(engine(url)) as session:
        return db.papers_by_id(session, arxiv_ids)


# -- Hugging Face signals, resources (written by the collector's HF source) --------------------------------
@dataclass(frozen=True, slots=True)
class Extras:
    """What the page shows beside a paper's own metadata: HF upvotes/stars, code/model/dataset links and
    HF's one-line summary."""

    upvotes: int | None = None
    stars: int | None = None
    links: tuple[tuple[str, str], ...] = ()
    summary: str | None = None


LINK_KINDS = ("code", "model", "dataset", "space", "project")


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def extras(url: str, arxiv_ids: tuple[str, ...]) -> dict[str, Extras]:
    with db.session_scope(engine(url)) as session:
        signals = db.hf_signals_by_id(session, arxiv_ids)
        resources = db.paper_resources(session, arxiv_ids)
    return {
        arxiv_id: Extras(
            upvotes=signals[arxiv_id].upvotes if arxiv_id in signals else None,
            stars=signals[arxiv_id].github_stars if arxiv_id in signals else None,
            links=tuple((link_label(r), r.url) for r in resources.get(arxiv_id, ()) if r.kind in LINK_KINDS),
            summary=signals[arxiv_id].ai_summary if arxiv_id in signals else None,
        )
        for arxiv_id in arxiv_ids
    }


def link_label(resource: Resource) -> str:
    popularity = resource.stars if resource.stars is not None else resource.likes
    suffix = (
        f" ({popularity}★)" if resource.stars is not None else (f" ({popularity}♥)" if popularity else "")
    )
    return f"{resource.kind}: {resource.title}{suffix}"


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def topic_resources(url: str, topic_id: str) -> tuple[Resource, ...]:
    with db.session_scope(engine(url)) as session:
        return tuple(db.topic_resources(session, topic_id))


def live_runs(url: str) -> list[RunRow]:
    """Source/queries running now, in any process (read fresh: their rows change as pages arrive)."""
    with db.session_scope(engine(url)) as session:
        return [r for r in db.last_runs(session, limit=50) if r.running]


def last_collection(url: str) -> list[RunRow]:
    """The rows of the newest collection run (read fresh)."""
    with db.session_scope(engine(url)) as session:
        return freshness_of.last_collection(db.last_runs(session, limit=300))


def freshness(url: str, now: datetime) -> Freshness:
    """When a collection last succeeded, and whether one is running now (see collector.freshness)."""
    with db.session_scope(engine(url)) as session:
        last = db.last_success(session, NOT_COLLECTIONS)
        held = db.lock_holder(session, db.COLLECTION_LOCK)
    stale_after = timedelta(hours=settings().stale_after_hours)
    return Freshness(last, held is not None and held.expires_at > now, now, stale_after)


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def paper_total(url: str) -> int:
    with db.session_scope(engine(url)) as session:
        return db.paper_count(session)


def runs_since(url: str, started: datetime) -> list[RunRow]:
    """Runs recorded since `started` (read fresh: a collection is writing them)."""
    with db.session_scope(engine(url)) as session:
        return [r for r in db.last_runs(session, limit=200) if r.started_at >= started]


@st.cache_resource(ttl=CACHE_SECONDS, show_spinner=False)
def scheduled_jobs(url: str) -> tuple[tuple[str, datetime | None], ...]:
    with db.session_scope(engine(url)) as session:
        return tuple(db.scheduled_jobs(session))


def lock_holder(url: str, now: datetime) -> str | None:
    """Who holds the collection lock right now (an expired lock counts as free)."""
    with db.session_scope(engine(url)) as session:
        held = db.lock_holder(session, db.COLLECTION_LOCK)
    return held.holder if held is not None and held.expires_at > now else None


def collection_lock(url: str, now: datetime) -> LockRow | None:
    """The collection lock while someone holds it (an expired lock counts as free)."""
    with db.session_scope(engine(url)) as session:
        held = db.lock_holder(session, db.COLLECTION_LOCK)
    return held if held is not None and held.expires_at > now else None


def recent_runs(url: str, limit: int = 300) -> list[RunRow]:
    """The newest run rows, newest first (read fresh: a collection may be writing them)."""
    with db.session_scope(engine(url)) as session:
        return db.last_runs(session, limit=limit)


def run_rows(url: str, run_id: str) -> list[RunRow]:
    """Every row of one collection run, in the order they started (read fresh)."""
    with db.session_scope(engine(url)) as session:
        return db.run_rows(session, run_id)


# -- subscriptions (never cached: subscribers change them; a token names what a visitor may see) -----------
def subscribe(url: str, request: SubscriptionRequest, now: datetime) -> SubscriptionRow:
    """A subscription made on the page: pending until its opt-in link is opened."""
    with db.session_scope(engine(url)) as session:
        return subscribing.subscribe(session, request, now, "dashboard", confirmed=False)


def request_confirmation(url: str, row: SubscriptionRow, language: str, now: datetime) -> bool:
    """The opt-in mail (at most one an hour per address); MailError if the server will not take it."""
    return opt_in.request_confirmation(engine(url), settings(), row, language, topics(url), now)


def confirm(url: str, token: str, now: datetime) -> list[SubscriptionRow]:
    with db.session_scope(engine(url)) as session:
        return subscribing.confirm(session, token, now)


def grant(url: str, token: str, purpose: str, now: datetime) -> TokenRow | None:
    """What a link's token lets its holder do (manage, unsubscribe); None for a bad or expired one."""
    with db.session_scope(engine(url)) as session:
        return subscribing.granted(session, token, purpose, now)


def own_subscriptions(url: str, grant: TokenRow) -> tuple[SubscriberRow | None, list[SubscriptionRow]]:
    """The token holder's address and subscriptions: never another address's."""
    with db.session_scope(engine(url)) as session:
        return db.subscriber(session, grant.email), db.list_subscriptions(session, grant.email)


def edit_subscription(url: str, grant: TokenRow, subscription_id: int, **values: object) -> bool:
    with db.session_scope(engine(url)) as session:
        return db.update_subscription(session, grant.email, subscription_id, **values)


def set_language(url: str, grant: TokenRow, language: str, now: datetime) -> None:
    with db.session_scope(engine(url)) as session:
        db.save_subscriber(session, grant.email, language, None, now)


def delete_own(url: str, grant: TokenRow, subscription_ids: Sequence[int]) -> int:
    """Delete some of the holder's subscriptions; an address left without any is forgotten."""
    with db.session_scope(engine(url)) as session:
        gone = db.delete_subscriptions(session, grant.email, subscription_ids)
        db.delete_idle_subscribers(session)
        return gone


def unsubscribe_link(url: str, token: str, now: datetime) -> TokenRow | None:
    with db.session_scope(engine(url)) as session:
        return subscribing.unsubscribe_by_token(session, token, now)


def delivery_failures(url: str) -> list[SubscriptionRow]:
    """Subscriptions whose last digest the SMTP server refused (or deferred), newest failure first."""
    with db.session_scope(engine(url)) as session:
        failing = [s for s in db.list_subscriptions(session) if s.error]
    return sorted(failing, key=lambda s: s.error_at or s.created_at, reverse=True)
