"""Runs and locks: one row per source/query of a collection run (written when it starts, updated as it
goes: live rows any process can read), when each topic was last collected and the last successful
collection, the scheduler's next run times, and named locks (the collection lock) held by heartbeat."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from db.convert import RecordMap
from db.dialect import insert_for
from db.records import LockRow, RunRow
from db.schema import JOBS, LOCKS, RUNS

RUN = RecordMap(RunRow, RUNS)
LOCK = RecordMap(LockRow, LOCKS)
# The lock every collector takes before fetching (collector/locking.py); the dashboard reads who holds it.
COLLECTION_LOCK = "collect"
# Runs scanned for "last collected" (a few per day: years of history).
RUNS_SCANNED = 5000


# -- runs -----------------------------------------------------------------------------------------------
def record_run(session: Session, run: RunRow) -> int:
    """Store a run row (finished, or live with status "running"); returns its id for update_run."""
    return int(session.execute(insert(RUNS).values(RUN.values(run)).returning(RUNS.c.id)).scalar_one())


def update_run(session: Session, row_id: int, run: RunRow) -> None:
    """Overwrite row `row_id` with `run`: its progress so far, or how it ended."""
    session.execute(update(RUNS).where(RUNS.c.id == row_id).values(RUN.values(run)))


def interrupt_running(session: Session, now: datetime, why: str) -> int:
    """Rows still "running" become "interrupted" (their process died: call this under the collection lock,
    when no other collector can be running); returns how many there were."""
    note = func.coalesce(RUNS.c.error + "; ", "") + why
    result = session.execute(
        update(RUNS)
        .where(RUNS.c.status == "running")
        .values(status="interrupted", errors=1, error=note, finished_at=now)
    )
    return int(getattr(result, "rowcount", 0))


def last_runs(session: Session, limit: int = 50, source: str | None = None) -> list[RunRow]:
    """The newest recorded source/query runs first."""
    query = select(*RUN.columns).order_by(RUNS.c.started_at.desc(), RUNS.c.id.desc()).limit(limit)
    if source is not None:
        query = query.where(RUNS.c.source == source)
    return [RUN.record(row) for row in session.execute(query)]


def run_rows(session: Session, run_id: str) -> list[RunRow]:
    """Every source/query row of run `run_id`, in the order they started (live ones included)."""
    query = select(*RUN.columns).where(RUNS.c.run_id == run_id).order_by(RUNS.c.started_at, RUNS.c.id)
    return [RUN.record(row) for row in session.execute(query)]


def last_success(session: Session, not_sources: Collection[str] = ()) -> datetime | None:
    """When the newest successful run row (of a source not in `not_sources`) finished; None if none did."""
    query = select(func.max(RUNS.c.finished_at)).where(RUNS.c.status == "ok")
    if not_sources:
        query = query.where(RUNS.c.source.not_in(list(not_sources)))
    found: datetime | None = session.execute(query).scalar()  # max() keeps the column's UTC type
    return found


def topic_last_collected(session: Session, not_sources: Collection[str] = ()) -> dict[str, datetime]:
    """When each topic last had a successful run (of a source not in `not_sources`); key "" is the latest
    run that covered every topic.

    Runs without topic ids (the daily listing, the classics) cover the whole roadmap.
    """
    query = (
        select(RUNS.c.topic_ids, RUNS.c.finished_at)
        .where(RUNS.c.status == "ok", RUNS.c.source.not_in(list(not_sources)))
        .order_by(RUNS.c.finished_at.desc())
        .limit(RUNS_SCANNED)
    )
    latest: dict[str, datetime] = {}
    for topic_ids, finished in session.execute(query):
        for key in topic_ids or [""]:
            latest.setdefault(key, finished)
    return latest


def scheduled_jobs(session: Session) -> list[tuple[str, datetime | None]]:
    """(job id, next run time) from the scheduler's job store, soonest first; paused jobs (no time) last."""
    query = select(JOBS.c.id, JOBS.c.next_run_time).order_by(
        JOBS.c.next_run_time.is_(None), JOBS.c.next_run_time
    )
    return [(job_id, from_epoch(when)) for job_id, when in session.execute(query)]


def from_epoch(seconds: float | None) -> datetime | None:
    """APScheduler stores next_run_time as a UTC epoch timestamp."""
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


# -- locks ----------------------------------------------------------------------------------------------
def lock_holder(session: Session, name: str) -> LockRow | None:
    """Who holds lock `name` (possibly expired: compare expires_at with the clock), or None."""
    row = session.execute(select(*LOCK.columns).where(LOCKS.c.name == name)).first()
    return None if row is None else LOCK.record(row)


def acquire_lock(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take lock `name` for `holder` unless someone else holds it and has not let it expire.

    One INSERT … ON CONFLICT DO UPDATE … WHERE, so two processes racing for it cannot both win; the
    holder re-acquiring its own lock just renews it.
    """
    statement = insert_for(session, LOCKS).values(
        name=name, holder=holder, acquired_at=now, heartbeat_at=now, expires_at=now + ttl
    )
    taken = {c: statement.excluded[c] for c in ("holder", "acquired_at", "heartbeat_at", "expires_at")}
    stale_or_mine = or_(LOCKS.c.expires_at < now, LOCKS.c.holder == holder)
    session.execute(statement.on_conflict_do_update(index_elements=["name"], set_=taken, where=stale_or_mine))
    current = lock_holder(session, name)
    return current is not None and current.holder == holder


def renew_lock(session: Session, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Extend `holder`'s lock from `now` (the heartbeat); False when it is no longer theirs."""
    result = session.execute(
        update(LOCKS)
        .where(LOCKS.c.name == name, LOCKS.c.holder == holder)
        .values(heartbeat_at=now, expires_at=now + ttl)
    )
    return bool(getattr(result, "rowcount", 0))


def release_lock(session: Session, name: str, holder: str) -> bool:
    """Give the lock up; False when `holder` did not hold it (it expired and was taken over)."""
    result = session.execute(delete(LOCKS).where(LOCKS.c.name == name, LOCKS.c.holder == holder))
    return bool(getattr(result, "rowcount", 0))
