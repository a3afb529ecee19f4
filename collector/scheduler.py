"""APScheduler wiring only: `radar schedule` runs the collector's jobs in the foreground.

    job       trigger (UTC)                         sources
    daily     cron RADAR_SCHEDULE_LISTING_CRON      the daily cycle (listing, classics, Hugging Face) + feeds,
                                                    then, if every source succeeded, the due digests (weekly
                                                    ones on RADAR_SCHEDULE_DIGEST_WEEKDAY)
    hf        every RADAR_SCHEDULE_HF_HOURS hours   Hugging Face: featured days, arXiv metadata, paper pages
    backfill  cron RADAR_SCHEDULE_BACKFILL_CRON     topic backfill (arXiv API) + HF paper search per topic

After every collection the Atom feeds are written to RADAR_FEEDS_DIR. Digests are chained to the daily
cycle instead of running on a clock of their own: a failed cycle sends nothing that day (tomorrow's
digest carries its papers), and a digest never goes out while the day's papers are still arriving.

Every job is coalesced, runs one instance at a time and still runs when missed by up to
RADAR_SCHEDULE_MISFIRE_GRACE_SECONDS. The job store is the project's database (table `scheduler_jobs`),
so a restart keeps each job's next run time; a job whose trigger changed in the settings is rescheduled.
Jobs are module-level functions taking only the job id (the store pickles a reference to them, never the
settings, which may hold a token). Each job takes the collection lock: one that finds it held is skipped,
logged and recorded. A job that raises is logged and recorded in the runs table, and the scheduler goes
on. SIGTERM or Ctrl-C stops it after the running job.
"""

from __future__ import annotations

import logging
import signal
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_RUNNING
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

import db
from collector import atom, delivery, pipeline
from collector.clock import utc_now
from collector.config import Settings, load_settings
from collector.errors import ConfigError, DigestRunHeldError, LockHeldError
from collector.roadmap import load_roadmap
from collector.source_runs import Request
from collector.sources import DAILY, Source
from db import RunRow

JOB_TABLE = "scheduler_jobs"
JOB_SOURCES: dict[str, tuple[Source, ...]] = {
    "daily": (*DAILY, Source.FEEDS),
    "hf": (Source.HF,),
    "backfill": (Source.API, Source.HF_SEARCH),
}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: Any  # an APScheduler trigger
    description: str


def cron(expression: str, variable: str) -> CronTrigger:
    """A crontab expression in UTC. Write weekdays as names (mon-fri): APScheduler counts 0 as Monday."""
    try:
        return CronTrigger.from_crontab(expression, timezone=UTC)
    except ValueError as exc:
        raise ConfigError(
            f"{variable}={expression!r} is not a crontab expression (minute hour day month weekday): {exc}"
        ) from None


def job_specs(settings: Settings) -> list[JobSpec]:
    """The jobs `radar schedule` runs, with triggers from the settings."""
    return [
        JobSpec(
            "daily",
            cron(settings.schedule_listing_cron, "RADAR_SCHEDULE_LISTING_CRON"),
            "daily cycle: arXiv listing, classics, Hugging Face, feeds",
        ),
        JobSpec(
            "hf",
            IntervalTrigger(hours=settings.schedule_hf_hours, timezone=UTC),
            "Hugging Face refresh: featured days, arXiv metadata, paper pages",
        ),
        JobSpec(
            "backfill",
            cron(settings.schedule_backfill_cron, "RADAR_SCHEDULE_BACKFILL_CRON"),
            "topic backfill (arXiv API) and Hugging Face paper search",
        ),
    ]


# -- the jobs (module level: the job store keeps a reference to them) -------------------------------------
def run_job(job_id: str) -> None:
    """Run one scheduled job under the collection lock; a held lock skips it (recorded as a note)."""
    settings = load_settings()
    roadmap = load_roadmap(settings.roadmap_path)
    engine = db.make_engine(settings.database_url)
    try:
        request = Request(JOB_SOURCES[job_id], daily=job_id == "daily")
        report = pipeline.collect(settings, roadmap, engine, request)
        failed = [f"{r.source} {r.query}" for r in report.runs if r.errors]
        logger.info(
            "job %s done: %d run(s), %d failed %s", job_id, len(report.runs), len(failed), failed or ""
        )
        atom.publish_feeds(engine, settings)
        if job_id == "daily":
            digests_after_cycle(settings, engine, failed)
    except LockHeldError as exc:
        logger.warning("job %s skipped: %s", job_id, exc)
        record(engine, job_id, f"skipped: {exc}", errors=0)
    finally:
        engine.dispose()


def digests_after_cycle(settings: Settings, engine: Engine, failed: list[str]) -> None:
    """The due digests, after a daily cycle in which every source succeeded; otherwise none today."""
    if failed:
        logger.warning("digests not sent: the daily cycle failed (%s)", ", ".join(failed))
        record(engine, "daily", f"digests not sent today: the daily cycle failed ({', '.join(failed)})", 0)
        return
    try:
        report = delivery.send_digests(settings, engine)
    except DigestRunHeldError as exc:  # `radar digest send` by hand is running: it sends what is due
        logger.warning("digests skipped: %s", exc)
        record(engine, "daily", f"digests skipped: {exc}", 0)
        return
    logger.info(
        "digests: %d due, %d sent, %d with nothing new, %d failed%s",
        len(report.outcomes), report.count("sent"), report.count("empty"),
        sum(o.status in ("rejected", "deferred", "unsent") for o in report.outcomes),
        f"; stopped: {report.stopped}" if report.stopped else "",
    )  # fmt: skip


def record(engine: Engine, job_id: str, message: str, errors: int) -> None:
    """One runs-table row for the job itself (source `schedule`): a skip or a failure."""
    now = utc_now()
    run = RunRow(uuid.uuid4().hex[:12], "schedule", job_id, now, now, errors=errors, error=message)
    try:
        with db.session_scope(engine) as session:
            db.record_run(session, run)
    except db.StorageError as exc:  # the database may be why the job failed; the log still says it
        logger.error("could not record job %s in the runs table: %s", job_id, exc)


# -- the scheduler ------------------------------------------------------------------------------------------
class StoppingScheduler(BackgroundScheduler):  # type: ignore[misc]  # APScheduler ships no types
    """A BackgroundScheduler that processes no job once shutdown() has begun.

    APScheduler 3's loop skips processing only while paused: shutdown() sets the state to stopped, shuts
    the executor and wakes the loop, which then processes the due jobs once more before it sees the state.
    Each due job fails to submit ("cannot schedule new futures after shutdown", agronholm/apscheduler#285)
    and its next run time is moved on in the shared job store, so the run is lost for every process. That
    happens at each stop: `radar schedule --list` (a paused scheduler) took the due runs of the scheduler
    that was meant to run them. The state is read under the job stores' lock, which shutdown() takes before
    it shuts the executor down: a round that began before the stop still submits to a live executor."""

    def _process_jobs(self) -> float | None:
        with self._jobstores_lock:
            if self.state != STATE_RUNNING:
                return None
            return super()._process_jobs()  # type: ignore[no-any-return]


def build_scheduler(settings: Settings, engine: Engine) -> BackgroundScheduler:
    """A scheduler on the project's database (not started): coalesce, one instance, misfire grace."""
    scheduler = StoppingScheduler(
        jobstores={"default": SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE)},
        executors={"default": ThreadPoolExecutor(1)},  # one job at a time in this process
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": settings.schedule_misfire_grace_seconds,
        },
        timezone=UTC,
    )
    scheduler.add_listener(lambda event: job_failed(engine, event), EVENT_JOB_ERROR)
    scheduler.add_listener(job_not_run, EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES)
    return scheduler


def job_failed(engine: Engine, event: Any) -> None:
    exception = getattr(event, "exception", None)
    message = f"{type(exception).__name__}: {exception}" if exception else "failed"
    logger.error("job %s failed: %s", event.job_id, message)
    record(engine, event.job_id, message, errors=1)


def job_not_run(event: JobEvent) -> None:
    logger.warning("job %s did not run (missed beyond the grace time, or still running)", event.job_id)


def sync_jobs(scheduler: BackgroundScheduler, specs: Sequence[JobSpec]) -> None:
    """Stored jobs keep their next run time; new ones are added, changed ones rescheduled, stale ones go."""
    stored = {job.id: job for job in scheduler.get_jobs()}
    for spec in specs:
        job = stored.get(spec.id)
        if job is None or str(job.trigger) != str(spec.trigger) or tuple(job.args) != (spec.id,):
            scheduler.add_job(
                run_job,
                spec.trigger,
                args=[spec.id],
                id=spec.id,
                name=spec.description,
                replace_existing=True,
            )
    for job_id in sorted(set(stored) - {spec.id for spec in specs}):
        scheduler.remove_job(job_id)


def start_scheduler(settings: Settings, engine: Engine, paused: bool = False) -> BackgroundScheduler:
    """Start the scheduler on the database (its schema current: db.ensure_schema) and bring its jobs in
    line with the settings."""
    specs = job_specs(settings)  # a bad crontab fails here, before anything starts
    db.ensure_schema(engine)
    scheduler = build_scheduler(settings, engine)
    scheduler.start(paused=True)
    sync_jobs(scheduler, specs)
    if not paused:
        scheduler.resume()
    return scheduler


@dataclass(frozen=True)
class JobView:
    id: str
    description: str
    trigger: str
    next_run_time: datetime | None


def list_jobs(settings: Settings) -> list[JobView]:
    """The jobs and their next run times, as `radar schedule` would run them (nothing is run)."""
    engine = db.make_engine(settings.database_url)
    try:
        scheduler = start_scheduler(settings, engine, paused=True)
        try:
            return [JobView(j.id, j.name, str(j.trigger), j.next_run_time) for j in scheduler.get_jobs()]
        finally:
            scheduler.shutdown(wait=False)
    finally:
        engine.dispose()


def overdue_jobs(settings: Settings, now: datetime) -> list[tuple[str, datetime | None]]:
    """Stored jobs whose next run is further in the past than the misfire grace: no scheduler is running
    them. Every job, when none is stored at all (no scheduler ever started). The schema is not touched."""
    engine = db.make_engine(settings.database_url)
    try:
        db.require_current_schema(engine)
        with db.session_scope(engine) as session:
            jobs = db.scheduled_jobs(session)
    finally:
        engine.dispose()
    late = now - timedelta(seconds=settings.schedule_misfire_grace_seconds)
    if not jobs:
        return [(spec.id, None) for spec in job_specs(settings)]
    return [(job_id, when) for job_id, when in jobs if when is not None and when < late]


# What fills an empty database: the daily cycle (listing, classics, Hugging Face), then the topic backfill.
FIRST_FILL = ("daily", "backfill")


def fresh_deployment(engine: Engine) -> bool:
    """No paper stored and no job ever scheduled on this database: the first start of a new deployment
    (asked before the scheduler stores its jobs; a restart, or jobs stored by another process, is not)."""
    with db.session_scope(engine) as session:
        return db.paper_count(session) == 0 and not db.scheduled_jobs(session)


def run_now(scheduler: BackgroundScheduler, now: datetime) -> list[str]:
    """A fresh deployment fills at once instead of at the jobs' first scheduled time, which may be a day
    away; the jobs run one after the other (one executor thread) and keep their triggers afterwards."""
    for job_id in FIRST_FILL:
        scheduler.modify_job(job_id, next_run_time=now)
    return list(FIRST_FILL)


def serve(settings: Settings, stop: threading.Event | None = None) -> None:
    """Run the scheduler until SIGTERM/SIGINT (or `stop`), then stop after the running job."""
    stop = stop or threading.Event()
    engine = db.make_engine(settings.database_url)
    try:
        db.ensure_schema(engine)
        fill = fresh_deployment(engine)
        scheduler = start_scheduler(settings, engine)
    except BaseException:
        engine.dispose()
        raise
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for job_id in run_now(scheduler, utc_now()) if fill else []:
            logger.info("a new deployment with no paper: %s runs now", job_id)
        for job in scheduler.get_jobs():
            logger.info("scheduled %s (%s): next run %s", job.id, job.trigger, job.next_run_time)
        logger.info("scheduler started")
        stop.wait()
    finally:
        logger.info("stopping: waiting for the running job to finish")
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        engine.dispose()
        logger.info("scheduler stopped")
