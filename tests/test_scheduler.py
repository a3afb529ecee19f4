"""The schedule and the collection lock: real schedulers on a real SQLite file, and real processes."""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.engine import Engine

import db
from collector import scheduler
from collector.cli import main
from collector.config import Settings
from collector.errors import LockHeldError
from collector.locking import CollectionLock
from tests.conftest import radar_env
from tests.factories import papers
from tests.replay import Reply
from tests.replay_hf import HF, HFReplay

ROOT_DIR = Path(__file__).resolve().parent.parent


def wait_for(condition: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture
def env(hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """RADAR_* for a scheduler or collector process: the replay server (arXiv, HF) and a SQLite file."""
    return radar_env(hf, tmp_path, monkeypatch, RADAR_HTTP_MAX_RETRIES="1", RADAR_HF_PAPER_LOOKUPS="0")


@pytest.fixture
def engine(env: dict[str, str]) -> Iterator[Engine]:
    engine = db.make_engine(env["RADAR_DATABASE_URL"])
    db.migrate(engine)
    yield engine
    engine.dispose()


def settings(**overrides: object) -> Settings:
    return Settings(_env_file=None, **overrides)  # type: ignore[call-arg]


def runs(engine: Engine, source: str | None = None) -> list[db.RunRow]:
    with db.session_scope(engine) as session:
        return db.last_runs(session, limit=500, source=source)


# -- jobs and triggers ---------------------------------------------------------------------------------
def test_jobs_are_registered_with_their_triggers_and_policies(engine: Engine) -> None:
    started = scheduler.start_scheduler(settings(), engine, paused=True)
    try:
        jobs = {job.id: job for job in started.get_jobs()}
    finally:
        started.shutdown(wait=False)
    assert set(jobs) == {"daily", "hf", "backfill"}
    daily, hf, backfill = jobs["daily"], jobs["hf"], jobs["backfill"]
    assert isinstance(daily.trigger, CronTrigger) and isinstance(backfill.trigger, CronTrigger)
    assert str(daily.trigger) == "cron[month='*', day='*', day_of_week='mon-fri', hour='5', minute='30']"
    assert str(backfill.trigger) == "cron[month='*', day='*', day_of_week='sun', hour='3', minute='0']"
    assert isinstance(hf.trigger, IntervalTrigger) and hf.trigger.interval == timedelta(hours=4)
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
        assert job.func_ref == "collector.scheduler:run_job" and job.args == (job.id,)
    next_daily = daily.next_run_time.astimezone(UTC)
    assert (next_daily.hour, next_daily.minute, next_daily.weekday() < 5) == (5, 30, True)
    assert scheduler.JOB_SOURCES["daily"] == ("listing", "seminal", "hf", "feeds")


def test_a_restart_keeps_the_stored_jobs_and_a_changed_trigger_reschedules(engine: Engine) -> None:
    first = scheduler.start_scheduler(settings(), engine, paused=True)
    first.add_job(scheduler.run_job, "interval", hours=1, args=["gone"], id="gone")
    before = {job.id: job.next_run_time for job in first.get_jobs()}
    first.shutdown(wait=False)
    time.sleep(0.2)  # an interval job added now would be due 0.2 s later than the stored one

    second = scheduler.start_scheduler(settings(), engine, paused=True)
    after = {job.id: job.next_run_time for job in second.get_jobs()}
    second.shutdown(wait=False)
    assert after == {k: v for k, v in before.items() if k != "gone"}  # kept as stored; stale job dropped

    third = scheduler.start_scheduler(settings(schedule_hf_hours=2), engine, paused=True)
    changed = {job.id: job for job in third.get_jobs()}
    third.shutdown(wait=False)
    assert (
        changed["hf"].trigger.interval == timedelta(hours=2) and changed["hf"].next_run_time != before["hf"]
    )
    assert changed["daily"].next_run_time == before["daily"]


def test_a_new_deployment_is_filled_at_once_and_a_restart_waits(engine: Engine) -> None:
    assert scheduler.fresh_deployment(engine)  # no paper, no job stored yet
    started = scheduler.start_scheduler(settings(), engine, paused=True)
    now = datetime.now(UTC).replace(microsecond=0)
    try:
        assert not scheduler.fresh_deployment(engine)  # its jobs are stored now: a restart would wait
        planned = {job.id: job.next_run_time for job in started.get_jobs()}
        assert scheduler.run_now(started, now) == ["daily", "backfill"]
        moved = {job.id: job.next_run_time for job in started.get_jobs()}
        assert moved["daily"] == moved["backfill"] == now and moved["hf"] == planned["hf"]
        assert planned["daily"] > now  # the cron's own time is later: the fill did not wait for it
    finally:
        started.shutdown(wait=False)
    with db.session_scope(engine) as session:
        db.upsert_papers(session, papers(1), now)
    assert not scheduler.fresh_deployment(engine)  # papers stored (and no job): not empty either


def test_a_bad_crontab_is_a_configuration_error(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RADAR_SCHEDULE_LISTING_CRON", "every morning")
    assert main(["schedule", "--list"]) == 2
    assert "RADAR_SCHEDULE_LISTING_CRON" in capsys.readouterr().err


def test_schedule_list_shows_jobs_and_next_runs(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["schedule", "--list", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)["jobs"]
    assert {j["id"] for j in first} == {"daily", "hf", "backfill"}
    assert all(datetime.fromisoformat(j["next_run_time"]) > datetime.now(UTC) for j in first)
    assert main(["schedule", "--list", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["jobs"] == first  # persisted, not recomputed
    assert main(["schedule", "--list"]) == 0
    assert "hf" in capsys.readouterr().out


def test_a_due_run_outlives_a_paused_scheduler_and_schedule_list(
    engine: Engine, env: dict[str, str], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """Stopping a scheduler that is not running jobs (`radar schedule --list`, or the scheduler a test
    writes the store with) leaves a due run due for the scheduler that will run it: APScheduler 3 would
    process the due jobs once more after shutdown, fail to submit them and move their next run on."""
    started = scheduler.start_scheduler(settings(), engine, paused=True)
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    started.modify_job("daily", next_run_time=due)
    started.shutdown(wait=False)
    for _ in range(3):
        assert main(["schedule", "--list", "--json"]) == 0
        listed = {j["id"]: j["next_run_time"] for j in json.loads(capsys.readouterr().out)["jobs"]}
        assert datetime.fromisoformat(listed["daily"]) == due
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    assert [job_id for job_id, _ in scheduler.overdue_jobs(settings(schedule_misfire_grace_seconds=1),
                                                           datetime.now(UTC))] == ["daily"]  # fmt: skip


# -- a failing job, a working job -------------------------------------------------------------------------
def test_a_job_that_raises_is_recorded_and_the_scheduler_goes_on(
    engine: Engine, env: dict[str, str], hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nlevels: {}\ntopics: []\n", encoding="utf-8")
    monkeypatch.setenv("RADAR_ROADMAP_PATH", str(broken))
    running = scheduler.build_scheduler(settings(), engine)
    running.start()
    try:
        running.add_job(scheduler.run_job, DateTrigger(datetime.now(UTC)), args=["hf"], id="first")
        wait_for(lambda: runs(engine, "schedule"))
        (failure,) = runs(engine, "schedule")
        assert (failure.query, failure.errors) == ("first", 1) and "RoadmapError" in (failure.error or "")

        monkeypatch.delenv("RADAR_ROADMAP_PATH")
        running.add_job(scheduler.run_job, DateTrigger(datetime.now(UTC)), args=["hf"], id="second")
        wait_for(lambda: runs(engine, "hf"))
        assert running.running and not running.get_jobs()  # both date jobs ran and are gone
    finally:
        running.shutdown(wait=True)
    assert runs(engine, "hf")[0].errors == 0 and hf.requests()  # the second job really collected


# -- the lock -----------------------------------------------------------------------------------------
def test_a_stale_lock_is_taken_over_and_a_live_one_is_renewed(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        long_ago = datetime.now(UTC) - timedelta(hours=1)
        db.acquire_lock(session, "collect", "crashed:1:abc", long_ago, timedelta(minutes=5))
    with CollectionLock(engine, ttl_seconds=0.3) as lock:
        time.sleep(0.5)  # longer than the TTL: only the heartbeat keeps it ours
        with pytest.raises(LockHeldError, match=lock.holder):
            CollectionLock(engine, ttl_seconds=0.3).__enter__()
        assert not lock.lost
    with db.session_scope(engine) as session:
        assert db.lock_holder(session, "collect") is None  # released on exit


def collector_process(env: dict[str, str], *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "collector.cli", *argv],
        env={**os.environ, **env},
        cwd=ROOT_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_never_collect_at_once(engine: Engine, env: dict[str, str], hf: HFReplay) -> None:
    # The first process's first HF request hangs long enough for a second process to start and be refused
    # and a scheduled job to be skipped, even on a loaded machine (at 3 s it sometimes finished first).
    hf.server.script(HF, [Reply(hang=10.0)])
    day = ["--since", "2025-05-28", "--until", "2025-05-28", "--json"]
    first = collector_process(env, "collect", "--source", "hf", *day)
    try:
        wait_for(lambda: hf.requests())  # it holds the lock and waits on HF
        with db.session_scope(engine) as session:
            holder = db.lock_holder(session, "collect")
        assert holder is not None and f":{first.pid}:" in holder.holder

        second = collector_process(env, "collect", "--source", "hf", *day)
        out, err = second.communicate(timeout=60)
        assert second.returncode == 1 and "another collection is running" in err and out == ""
        scheduler.run_job("hf")  # a scheduled job meanwhile: skipped, and said so
        (skipped,) = runs(engine, "schedule")
        assert skipped.errors == 0 and (skipped.error or "").startswith("skipped: another collection")
        assert len(hf.requests()) == 1  # neither of them sent a request

        out, err = first.communicate(timeout=60)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert json.loads(out)["runs"][0]["fetched"] == 39
    with db.session_scope(engine) as session:
        assert db.lock_holder(session, "collect") is None


def test_sigterm_stops_the_scheduler_cleanly(engine: Engine, env: dict[str, str]) -> None:
    # A database with a paper is no fresh deployment, so no job runs at start: on an empty one the first
    # fill (daily, then backfill) may be running when SIGTERM comes, and SIGTERM lets it finish.
    with db.session_scope(engine) as session:
        db.upsert_papers(session, papers(1), datetime.now(UTC))
    process = collector_process(env, "schedule")
    try:
        assert process.stderr is not None
        lines: list[str] = []
        while "scheduler started" not in "".join(lines):
            line = process.stderr.readline()
            assert line, "".join(lines)
            lines.append(line)
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0 and "scheduler stopped" in err
    with db.session_scope(engine) as session:
        assert db.lock_holder(session, "collect") is None
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM scheduler_jobs").scalar_one() == 3
