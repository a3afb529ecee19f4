"""What each `radar` command does, with typed arguments: load, open the store, call the pipeline, the
reading lists or the scheduler, and hand the result to collector.output. Each returns its exit code:
0 ok, 1 a source failed (what was fetched is kept) or another collection holds the lock, 2 usage or
configuration error (raised as ConfigError, StorageError or RoadmapError and turned into 2 by the CLI).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from rich.text import Text
from sqlalchemy.engine import Engine

import db
from collector import demo, pipeline, scheduler, serve
from collector.clock import utc_now
from collector.config import Settings, default_database_url
from collector.errors import ConfigError, RadarError
from collector.output import (
    RichProgress,
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
    topic_json,
    week_json,
)
from collector.ranking import frontier
from collector.reading_lists import reading_list
from collector.roadmap import Roadmap, load_roadmap
from collector.source_runs import Request
from collector.sources import Source
from collector.store import Store

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


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
    if request.since and request.until and request.since > request.until:
        raise ConfigError(f"--since {request.since:%Y-%m-%d} is after --until {request.until:%Y-%m-%d}")
    # Under the collection lock: a scheduled job or another `radar collect` may be collecting.
    with opened(settings) as engine, progress_bars(disable=as_json) as bars:
        report = pipeline.collect(settings, roadmap, engine, request, RichProgress(bars))
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
        pass  # a broken database, or an old schema on PostgreSQL, fails here with exit 2
    out.print(Text(f"Dashboard on http://{address}:{port} — database {db.mask_url(settings.database_url)}"))
    return serve.serve_dashboard(settings.database_url, port, address)


def up(settings: Settings, port: int, address: str) -> int:
    """The one command: migrate, a first collection into an empty database, the scheduler, the dashboard."""
    with opened(settings, load_roadmap(settings.roadmap_path), upgrade=True) as engine:
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
    with opened(settings, roadmap, upgrade=True) as engine:
        runs = demo.load_demo(Store(engine, roadmap, utc_now()))
    print_runs(runs, f"Demo data loaded into {db.mask_url(settings.database_url)}")
    out.print("Recorded papers, dates as recorded (2025-2026): every paper is new for a first-time reader.")
    return dashboard(settings, port, address) if serve_it else EXIT_OK
