"""What each `radar` command does, with typed arguments: load, open the store, call the pipeline, the
reading lists or the scheduler, and hand the result to collector.output. Each returns its exit code:
0 ok, 1 a source failed (what was fetched is kept) or another collection holds the lock, 2 usage or
configuration error (raised as ConfigError, StorageError or RoadmapError and turned into 2 by the CLI).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import timedelta

from rich.text import Text
from sqlalchemy.engine import Engine

import db
from collector import atom, delivery, demo, opt_in, pipeline, scheduler, serve, subscribing
from collector.addresses import parse_address
from collector.clock import utc_now
from collector.config import Settings, default_database_url
from collector.errors import ConfigError, RadarError
from collector.output import (
    DigestBar,
    RichProgress,
    digests_table,
    err,
    frontier_table,
    jobs_table,
    out,
    print_json,
    print_runs,
    progress_bars,
    reading_list_json,
    reading_table,
    roadmap_tree,
    run_json,
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
from collector.sources import Source
from collector.store import Store
from collector.subscribing import SubscriptionRequest

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


@contextmanager
def opened(settings: Settings, roadmap: Roadmap | None = None) -> Iterator[Engine]:
    """The database's engine, migrated (and in step with `roadmap`: a changed topic query re-matched),
    disposed of when the command is done."""
    engine = db.make_engine(settings.database_url)
    try:
        if roadmap is None:
            db.migrate(engine)
        else:
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
    if request.since and request.until and request.since > request.until:
        raise ConfigError(f"--since {request.since:%Y-%m-%d} is after --until {request.until:%Y-%m-%d}")
    # Under the collection lock: a scheduled job or another `radar collect` may be collecting.
    with opened(settings) as engine:
        with progress_bars(disable=as_json) as bars:
            report = pipeline.collect(settings, roadmap, engine, request, RichProgress(bars))
        feeds = atom.publish_feeds(engine, settings)
    err.print(
        Text(f"Atom feeds ({settings.feeds_dir}): {feeds.error}"), style="red" if feeds.errors else "dim"
    )
    if as_json:
        print_json({"run_id": report.run_id, "runs": [run_json(r) for r in report.runs]})
    else:
        print_runs(report.runs, f"Run {report.run_id}")
    return EXIT_PARTIAL if report.failed else EXIT_OK


# -- radar list -----------------------------------------------------------------------------------------
def show_list(settings: Settings, topic_id: str, limit: int, days: int | None, as_json: bool) -> int:
    if limit < 0:
        raise ConfigError(f"--limit must be 0 (everything) or more, not {limit}")
    if days is not None and days < 1:
        raise ConfigError(f"--days must be 1 or more, not {days}")
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
    if days < 1 or limit < 0:
        raise ConfigError("--days must be 1 or more and --limit 0 (everything) or more")
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
        out.print(f"Nothing trending in the last {days} day(s): run `radar collect --source hf` first.")
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


def run_schedule(settings: Settings) -> int:
    """Run the jobs in the foreground until SIGTERM/Ctrl-C."""
    load_roadmap(settings.roadmap_path)  # a broken roadmap fails now (exit 2), not at the first job
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request would drown the rest
    scheduler.serve(settings)
    return EXIT_OK


# -- radar status ---------------------------------------------------------------------------------------
def show_status(settings: Settings, limit: int, as_json: bool) -> int:
    with opened(settings) as engine, db.session_scope(engine) as session:
        runs = db.last_runs(session, limit=limit)
        papers = db.paper_count(session)
        topics = len(db.list_topics(session))
    where = db.mask_url(settings.database_url)
    if as_json:
        print_json(
            {"database": where, "papers": papers, "topics": topics, "runs": [run_json(r) for r in runs]}
        )
        return EXIT_OK
    out.print(Text.assemble("Database ", (where, "bold"), f": {papers} papers, {topics} topics"))
    print_runs(runs, "Last runs (newest first)")
    return EXIT_OK


# -- radar dashboard / up / demo ------------------------------------------------------------------------
def dashboard(settings: Settings, port: int, address: str) -> int:
    with opened(settings):
        pass  # the dashboard would migrate too; a broken database fails here, with exit 2
    out.print(Text(f"Dashboard on http://{address}:{port} — database {db.mask_url(settings.database_url)}"))
    return serve.serve_dashboard(settings.database_url, port, address)


def up(settings: Settings, port: int, address: str) -> int:
    """The one command: migrate, a first collection into an empty database, the scheduler, the dashboard."""
    with opened(settings, load_roadmap(settings.roadmap_path)) as engine:
        if stored_papers(engine) == 0:
            first_collection(engine, settings)
        started = scheduler.start_scheduler(settings, engine)
        for job in started.get_jobs():
            out.print(Text(f"scheduled {job.id}: next run {job.next_run_time:%Y-%m-%d %H:%M %Z}"))
        try:
            return dashboard(settings, port, address)
        finally:
            started.shutdown(wait=False)


def stored_papers(engine: Engine) -> int:
    with db.session_scope(engine) as session:
        return db.paper_count(session)


def first_collection(engine: Engine, settings: Settings) -> None:
    """Everything once (`radar collect --source all`); failures are said plainly, the dashboard still runs."""
    out.print("The database is empty: a first collection runs now (every source; this takes a few minutes).")
    started = utc_now()
    try:
        collect(settings, Request(tuple(Source)), as_json=False)
    except RadarError as exc:
        err.print(Text(f"The first collection stopped: {exc}"))
    with db.session_scope(engine) as session:
        runs = [r for r in db.last_runs(session, limit=500) if r.started_at >= started]
    problems = serve.unreachable(runs)
    for line in problems:
        err.print(Text(line, style="yellow"))
    if problems:
        held = stored_papers(engine)
        out.print(f"Serving what the database holds ({held} papers); `radar demo` shows a sample.")


def demo_database_url() -> str:
    return default_database_url().replace("radar.sqlite", "demo.sqlite")


def load_demo(settings: Settings, database_url: str | None, serve_it: bool, port: int, address: str) -> int:
    settings = settings.model_copy(update={"database_url": database_url or demo_database_url()})
    roadmap = load_roadmap(settings.roadmap_path)
    with opened(settings, roadmap) as engine:
        runs = demo.load_demo(Store(engine, roadmap, utc_now()))
    print_runs(runs, f"Demo data loaded into {db.mask_url(settings.database_url)}")
    out.print("Recorded papers, dates as recorded (2025-2026): every paper is new for a first-time reader.")
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
