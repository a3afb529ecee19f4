"""What each `radar` command does, with typed arguments: load, open the store, call the pipeline, the
reading lists or the scheduler, and hand the result to collector.output. Each returns its exit code:
0 ok, 1 a source failed (what was fetched is kept) or another collection holds the lock, 2 usage or
configuration error (raised as ConfigError, StorageError or RoadmapError and turned into 2 by the CLI).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import partial

from rich.text import Text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import db
from collector import atom, delivery, demo, opt_in, pipeline, scheduler, serve, subscribing
from collector.addresses import parse_address
from collector.clock import utc_now
from collector.config import Settings, default_database_url
from collector.errors import ConfigError
from collector.freshness import NOT_COLLECTIONS, Freshness
from collector.locking import CollectionLock
from collector.output import (
    DigestBar,
    collect_progress,
    digests_table,
    err,
    frontier_table,
    jobs_table,
    out,
    plain,
    print_json,
    print_runs,
    print_unreachable,
    progress_bars,
    reading_list_json,
    reading_table,
    roadmap_tree,
    run_json,
    say,
    say_error,
    subscription_json,
    subscriptions_table,
    topic_json,
    week_json,
)
from collector.ranking import frontier
from collector.reading_lists import reading_list
from collector.roadmap import Roadmap, load_roadmap
from collector.source_runs import Request
from collector.store import Store
from collector.subscribing import SubscriptionRequest

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
# Upper bounds of the number arguments: beyond them a date computation overflows or nothing is gained.
MAX_DAYS, MAX_LIMIT = 3650, 100_000


@contextmanager
def opened(settings: Settings, roadmap: Roadmap | None = None, upgrade: bool = False) -> Iterator[Engine]:
    """The database's engine, its schema current (migrated with `upgrade` or on SQLite, else checked: see
    db.ensure_schema) and in step with `roadmap` (a changed topic query re-matched), disposed of when the
    command is done."""
    engine = db.make_engine(settings.database_url)
    try:
        db.ensure_schema(engine, upgrade)
        if roadmap is not None:
            Store(engine, roadmap, utc_now()).prepare(roadmap)
        yield engine
    finally:
        engine.dispose()


# -- radar roadmap --------------------------------------------------------------------------------------
def show_roadmap(settings: Settings, as_json: bool) -> int:
    roadmap = load_roadmap(settings.roadmap_path)
    if as_json:
        print_json({"topics": [topic_json(t) for t in roadmap.topics]})
    else:
        out.print(roadmap_tree(roadmap, settings.roadmap_path))
    return EXIT_OK


# -- radar collect --------------------------------------------------------------------------------------
def collect(settings: Settings, request: Request, as_json: bool) -> int:
    roadmap = load_roadmap(settings.roadmap_path)
    for topic_id in request.topic_ids:
        roadmap.topic(topic_id)  # unknown ids fail here, before any request
    check_window(request.since, request.until, utc_now())
    # Under the collection lock: a scheduled job or another `radar collect` may be collecting.
    with opened(settings) as engine, collect_progress(as_json) as progress, serve.sigterm_as_interrupt():
        check_run_id(engine, request.run_id)
        report = pipeline.collect(settings, roadmap, engine, request, progress)
        feeds = atom.publish_feeds(engine, settings)
    err.print(plain(f"Atom feeds ({settings.feeds_dir}): {feeds.error}", "red" if feeds.errors else "dim"))
    if as_json:
        unreachable = [asdict(found) for found in report.unreachable]
        print_json(
            {"run_id": report.run_id, "runs": [run_json(r) for r in report.runs], "unreachable": unreachable}
        )
    else:
        print_runs(report.runs, f"Run {report.run_id}")
    print_unreachable(report.unreachable)
    return EXIT_PARTIAL if report.failed else EXIT_OK


def check_run_id(engine: Engine, run_id: str | None) -> None:
    """--run-id names a new run: rows already recorded under it would be mixed with this run's."""
    if run_id is None:
        return
    with db.session_scope(engine) as session:
        if db.run_rows(session, run_id):
            raise ConfigError(f"--run-id {run_id} is already recorded: choose another id (or none)")


def check_window(since: datetime | None, until: datetime | None, now: datetime) -> None:
    """--since/--until must be in order and not in the future (a day of slack for time zones)."""
    if since and until and since > until:
        raise ConfigError(f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}")
    if since and since > now:
        raise ConfigError(f"--since {since:%Y-%m-%d} is in the future: nothing has been published yet")
    if until and until > now + timedelta(days=1):
        raise ConfigError(f"--until {until:%Y-%m-%d} is in the future (today is {now:%Y-%m-%d})")


# -- radar list -----------------------------------------------------------------------------------------
def show_list(settings: Settings, topic_id: str, limit: int, days: int | None, as_json: bool) -> int:
    if not 0 <= limit <= MAX_LIMIT:
        raise ConfigError(f"--limit must be 0 (everything) or up to {MAX_LIMIT}, not {limit}")
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise ConfigError(f"--days must be between 1 and {MAX_DAYS}, not {days}")
    roadmap = load_roadmap(settings.roadmap_path)
    roadmap.topic(topic_id)  # an unknown id fails with a suggestion
    with opened(settings, roadmap) as engine, db.session_scope(engine) as session:
        topic = next(t for t in db.list_topics(session) if t.id == topic_id)
        reading = reading_list(session, topic, settings, utc_now(), days, limit or None)
        items = reading.items[:limit] if limit else reading.items
        if not as_json:
            out.print(reading_table(reading, items))
            return EXIT_OK
        ids = [i.arxiv_id for i in items if i.arxiv_id]
        signals, resources = db.hf_signals_by_id(session, ids), db.paper_resources(session, ids)
        print_json(
            reading_list_json(reading, items, signals, resources, db.topic_resources(session, topic_id))
        )
    return EXIT_OK


# -- radar trending -------------------------------------------------------------------------------------
def show_trending(settings: Settings, days: int | None, limit: int, as_json: bool) -> int:
    """The L4 frontier: papers new within `days` across the whole roadmap, ranked by HF upvotes and stars,
    grouped by the week they became news."""
    days = settings.frontier_days if days is None else days
    if not 1 <= days <= MAX_DAYS or not 0 <= limit <= MAX_LIMIT:
        raise ConfigError(
            f"--days must be between 1 and {MAX_DAYS} (got {days}) and --limit between 0 (everything) "
            f"and {MAX_LIMIT} (got {limit})"
        )
    now = utc_now()
    since = now - timedelta(days=days)
    with opened(settings, load_roadmap(settings.roadmap_path)) as engine, db.session_scope(engine) as session:
        weeks = frontier(
            db.trending_candidates(session, since), now, days, settings.trending_half_life_days, limit or None
        )
        ids = [i.arxiv_id for week in weeks for i in week.papers if i.arxiv_id]
        signals, resources = db.hf_signals_by_id(session, ids), db.paper_resources(session, ids)
    if as_json:
        found = [week_json(week, signals, resources) for week in weeks]
        print_json({"days": days, "since": since.isoformat(), "until": now.isoformat(), "weeks": found})
        return EXIT_OK
    for week in weeks:
        out.print(frontier_table(week))
    if not weeks:
        say(f"Nothing trending in the last {days} day(s): run `radar collect --source hf` first.")
    return EXIT_OK


# -- radar schedule -------------------------------------------------------------------------------------
def show_schedule(settings: Settings, as_json: bool) -> int:
    jobs = scheduler.list_jobs(settings)
    if as_json:
        found = [
            {"id": j.id, "description": j.description, "trigger": j.trigger, "next_run_time": j.next_run_time}
            for j in jobs
        ]
        print_json({"jobs": found})
    else:
        out.print(jobs_table(jobs))
    return EXIT_OK


def check_schedule(settings: Settings) -> int:
    """The collector's health check: 0 when no stored job is overdue (a scheduler is running them)."""
    late = scheduler.overdue_jobs(settings, utc_now())
    for job_id, when in late:
        err.print(
            Text(f"job {job_id}: " + (f"overdue since {when:%Y-%m-%d %H:%M %Z}" if when else "not stored"))
        )
    if not late:
        out.print("The scheduled jobs are on time.")
    return EXIT_PARTIAL if late else EXIT_OK


def run_schedule(settings: Settings) -> int:
    """Run the jobs in the foreground until SIGTERM/Ctrl-C."""
    load_roadmap(settings.roadmap_path)  # a broken roadmap fails now (exit 2), not at the first job
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the rest
    scheduler.serve(settings)
    return EXIT_OK


# -- radar status ---------------------------------------------------------------------------------------
def show_status(settings: Settings, limit: int, as_json: bool, check: bool = False) -> int:
    """The database, its counts and last runs (live ones first); with `check`, exit 1 when collection is
    stale (see collector.freshness)."""
    if not 0 <= limit <= MAX_LIMIT:
        raise ConfigError(f"--limit must be between 0 and {MAX_LIMIT}, not {limit}")
    with opened(settings) as engine, db.session_scope(engine) as session:
        runs = db.last_runs(session, limit=limit)
        papers, matched = db.paper_count(session), db.matched_paper_count(session)
        topics = len(db.list_topics(session))
        fresh = freshness(session, settings)
    where = db.mask_url(settings.database_url)
    if as_json:
        last = fresh.last_success.isoformat() if fresh.last_success else None
        found = {"database": where, "papers": papers, "matched_papers": matched, "topics": topics}
        found |= {"runs": [run_json(r) for r in runs]}
        print_json(found | {"last_success": last, "freshness": fresh.state})
    else:
        counted = f": {papers} stored papers ({matched} matched to a topic), {topics} topics"
        out.print(Text.assemble("Database ", plain(where, "bold"), counted))
        if limit:
            print_runs(runs, "Last runs (newest first)")
    if check or fresh.stale:  # on stderr: stdout stays the JSON document
        err.print(
            plain(f"Collection is {fresh.state}: {fresh.sentence()}.", "red" if fresh.stale else "green")
        )
    return EXIT_PARTIAL if check and fresh.stale else EXIT_OK


def freshness(session: Session, settings: Settings) -> Freshness:
    now = utc_now()
    held = db.lock_holder(session, db.COLLECTION_LOCK)
    collecting = held is not None and held.expires_at > now
    last = db.last_success(session, NOT_COLLECTIONS)
    return Freshness(last, collecting, now, timedelta(hours=settings.stale_after_hours))


# -- radar dashboard / up / demo ------------------------------------------------------------------------
def dashboard(settings: Settings, port: int, address: str, beside: serve.Background | None = None) -> int:
    serve.check_listen(address, port)  # a busy port or a bad address: exit 2 now, not a Streamlit traceback
    with opened(settings):
        pass  # a broken database, or an old schema on PostgreSQL, fails here with exit 2
    say(f"Dashboard on http://{address}:{port} — database {db.mask_url(settings.database_url)}")
    return serve.serve_dashboard(settings.database_url, port, address, beside)


def up(settings: Settings, port: int, address: str) -> int:
    """The one command: migrate, the scheduler, the dashboard at once, and a first collection into an
    empty database in the background (its progress here and on the dashboard's Collector page)."""
    serve.check_listen(address, port)
    with opened(settings, load_roadmap(settings.roadmap_path), upgrade=True) as engine:
        empty = stored_papers(engine) == 0
        started = scheduler.start_scheduler(settings, engine)
        for job in started.get_jobs():
            say(f"scheduled {job.id}: next run {job.next_run_time:%Y-%m-%d %H:%M %Z}")
        try:
            return dashboard(settings, port, address, first_collection(settings) if empty else None)
        finally:
            started.shutdown(wait=False)


def stored_papers(engine: Engine) -> int:
    with db.session_scope(engine) as session:
        return db.paper_count(session)


FIRST = "collect │ "  # the prefix of the first collection's lines


def first_collection(settings: Settings) -> serve.Background:
    """`radar collect --source all` beside the dashboard; its lines echoed here, then what it means."""
    say("The database is empty: the first collection runs in the background (every source). Its progress "
        "follows, one line per source/query, and shows on the dashboard's Collector page.")  # fmt: skip
    width = max(out.width - len(FIRST), 60)  # its lines fit ours once prefixed
    env = {**os.environ, "RADAR_DATABASE_URL": settings.database_url, "COLUMNS": str(width)}
    return serve.start_background(
        ["collect", "--source", "all"], env, lambda line: echo(FIRST + line), partial(first_done, settings)
    )


def echo(line: str) -> None:
    out.print(plain(line), soft_wrap=True)  # already laid out by the child: never wrapped again


def first_done(settings: Settings, code: int) -> None:
    engine = db.make_engine(settings.database_url)
    try:
        held = stored_papers(engine)
    finally:
        engine.dispose()
    say(f"The first collection ended (exit code {code}); the database holds {held} papers.")
    if not held:
        say("Nothing could be collected from this machine: the dashboard offers the recorded demo data "
            "(one click), or run `radar demo`.", "yellow")  # fmt: skip


def demo_database_url() -> str:
    return default_database_url().replace("radar.sqlite", "demo.sqlite")


def load_demo(settings: Settings, database_url: str | None, serve_it: bool, port: int, address: str) -> int:
    """The recorded sample into the demo database (or `database_url`: the dashboard's one-click demo
    loads it into the empty database it serves), under the collection lock like any writer of papers."""
    settings = settings.model_copy(update={"database_url": database_url or demo_database_url()})
    if serve_it:
        serve.check_listen(address, port)
    roadmap = load_roadmap(settings.roadmap_path)
    with opened(settings, roadmap, upgrade=True) as engine, CollectionLock(engine, settings.lock_ttl_seconds):
        runs = demo.load_demo(Store(engine, roadmap, utc_now()))
    print_runs(runs, f"Demo data loaded into {db.mask_url(settings.database_url)}")
    say("Recorded papers, dates as recorded (2025-2026): every paper is new for a first-time reader.")
    return dashboard(settings, port, address) if serve_it else EXIT_OK


# -- radar subscribe / subscriptions / unsubscribe --------------------------------------------------------
def subscribe(settings: Settings, request: SubscriptionRequest, confirmed: bool) -> int:
    """Subscribe an address: confirmed at once (`--confirmed`), or pending with an opt-in mail."""
    roadmap = load_roadmap(settings.roadmap_path)
    request = subscribing.checked(request, [t.id for t in roadmap.topics], list(roadmap.levels))
    now = utc_now()
    with opened(settings, roadmap) as engine:
        with db.session_scope(engine) as session:
            row = subscribing.subscribe(session, request, now, "cli", confirmed)
            topics, address = db.list_topics(session), db.subscriber(session, row.email)
        language = address.language if address else "en"
        state = "confirmed"
        if not row.confirmed:
            sent = opt_in.request_confirmation(engine, settings, row, language, topics, now)
            state = "pending until its opt-in link is opened" + (
                "" if sent else " (mailed less than an hour ago)"
            )
    out.print(Text(f"Subscription #{row.id} of {row.email} ({row.frequency}, {language}): {state}"))
    return EXIT_OK


def show_subscriptions(settings: Settings, as_json: bool) -> int:
    with opened(settings) as engine, db.session_scope(engine) as session:
        rows = db.list_subscriptions(session)
        subscribers = db.subscribers_by_email(session, {r.email for r in rows})
    if as_json:
        print_json({"subscriptions": [subscription_json(r, subscribers.get(r.email)) for r in rows]})
    else:
        out.print(subscriptions_table(rows, subscribers))
    return EXIT_OK


def unsubscribe(settings: Settings, email: str, topic_ids: Sequence[str], levels: Sequence[str]) -> int:
    """Everything of the address, or these topics and levels out of its subscriptions."""
    address = parse_address(email)
    with opened(settings) as engine, db.session_scope(engine) as session:
        if not db.list_subscriptions(session, address):
            raise ConfigError(f"{address} has no subscription")
        done = subscribing.unsubscribe(session, address, topic_ids, levels)
    what = "forgotten with everything stored about it" if done.forgotten else "kept"
    out.print(
        Text(f"{address}: {done.deleted} subscription(s) deleted, {done.narrowed} narrowed; address {what}")
    )
    return EXIT_OK


# -- radar digest send / radar feed -----------------------------------------------------------------------
def send_digests(settings: Settings, to: str | None, dry_run: bool) -> int:
    """The due digests now (all of one address with --to); --dry-run prints them and sends nothing."""
    only = parse_address(to) if to else None
    with opened(settings, load_roadmap(settings.roadmap_path)) as engine, progress_bars(False) as bars:
        report = delivery.send_digests(settings, engine, utc_now(), only, dry_run, DigestBar(bars))
    out.print(digests_table(report.outcomes, "Digests (dry run: nothing sent)" if dry_run else "Digests"))
    for outcome in report.outcomes if dry_run and only else ():
        body = outcome.message.get_body(("plain",)) if outcome.message else None
        if outcome.message is not None and body is not None:
            out.print(Text(f"\n--- {outcome.message['Subject']} ---\n"), Text(body.get_content()))
    if report.stopped:
        say_error(report.stopped)
    return EXIT_PARTIAL if report.failed else EXIT_OK


def print_feed(settings: Settings, topic_id: str | None, level: str | None) -> int:
    """A topic's or level's Atom feed on stdout."""
    roadmap = load_roadmap(settings.roadmap_path)
    if topic_id is not None:
        roadmap.topic(topic_id)  # an unknown id fails with a suggestion
    elif level not in roadmap.levels:
        raise ConfigError(f"unknown level {level!r}: use one of {', '.join(roadmap.levels)}")
    with opened(settings, roadmap) as engine:
        data = atom.feed_for(engine, settings, utc_now(), topic_id, level)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return EXIT_OK
