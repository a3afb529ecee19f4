"""Two `radar schedule` processes on one PostgreSQL database: exactly one collects; killed with SIGKILL in
the middle of its run, the other takes over once the dead one's lock has expired; and the database then
holds what one clean run stores — no paper lost, none twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import Engine

import db
from collector import scheduler
from collector.cli import main
from collector.config import Settings
from db.schema import MATCHES, PAPERS, RESOURCES
from tests.conftest import radar_env
from tests.factories import scratch_database
from tests.replay import LISTING
from tests.replay_hf import HFReplay

ROOT = Path(__file__).resolve().parent.parent
EVERY_MINUTE = "* * * * *"
TTL = "10"
CONTENT = {
    "papers": select(PAPERS.c.arxiv_id, PAPERS.c.version, PAPERS.c.title, PAPERS.c.published),
    "matches": select(MATCHES.c.arxiv_id, MATCHES.c.topic_id, MATCHES.c.score),
    "resources": select(RESOURCES.c.owner, RESOURCES.c.url, RESOURCES.c.kind),
}


def wait_for(condition: Callable[[], object], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture
def postgres() -> Iterator[Engine]:
    with scratch_database("schedule") as url:
        engine = db.make_engine(url)
        db.migrate(engine)
        yield engine
        engine.dispose()


@pytest.fixture
def env(hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, postgres: Engine) -> dict[str, str]:
    """The replay server, arXiv requests 2 s apart (a run lasts several seconds), the daily job every
    minute, a 10 s lock; the database is PostgreSQL."""
    values = radar_env(
        hf, tmp_path, monkeypatch,
        RADAR_ARXIV_DELAY_SECONDS="2", RADAR_SCHEDULE_LISTING_CRON=EVERY_MINUTE, RADAR_LOCK_TTL_SECONDS=TTL,
        RADAR_HF_PAPER_LOOKUPS="0", RADAR_HTTP_MAX_RETRIES="1",
    )  # fmt: skip
    url = postgres.url.render_as_string(hide_password=False)
    monkeypatch.setenv("RADAR_DATABASE_URL", url)
    return {**values, "RADAR_DATABASE_URL": url}


def due_now(engine: Engine) -> None:
    """Store the jobs with the daily one due now, so both processes find it due as they start (the
    scheduler here stays paused: it only writes the job store)."""
    started = scheduler.start_scheduler(Settings(schedule_listing_cron=EVERY_MINUTE, _env_file=None), engine,  # type: ignore[call-arg]
                                        paused=True)  # fmt: skip
    started.modify_job("daily", next_run_time=datetime.now(UTC))
    started.shutdown(wait=False)


def schedule_process(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "collector.cli", "schedule"],
            env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def holder(engine: Engine) -> str | None:
    with db.session_scope(engine) as session:
        held = db.lock_holder(session, db.COLLECTION_LOCK)
    return None if held is None else held.holder


def scalar(engine: Engine, sql: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar_one())


def content(engine: Engine) -> dict[str, set[tuple[object, ...]]]:
    with engine.connect() as connection:
        return {name: {tuple(row) for row in connection.execute(query)} for name, query in CONTENT.items()}


def test_one_collects_and_the_other_takes_over_after_a_kill(
    postgres: Engine, env: dict[str, str], hf: HFReplay, tmp_path: Path
) -> None:
    hf.server.serve_corpus_listing(hf.server.corpus.busiest_days(["cs.LG"])[0])  # hundreds of papers
    due_now(postgres)
    processes = {}
    for name in ("a", "b"):
        process = schedule_process(env, tmp_path / f"{name}.log")
        processes[process.pid] = process
    try:
        wait_for(lambda: holder(postgres), 60, "a process to take the lock")
        first = holder(postgres)
        assert first is not None
        collecting = next(p for pid, p in processes.items() if f":{pid}:" in first)
        other = next(p for p in processes.values() if p is not collecting)
        wait_for(lambda: scalar(postgres, "SELECT count(*) FROM papers") > 0, 60, "the first papers")
        assert holder(postgres) == first  # mid-run: classics still to fetch, 2 s apart
        collecting.send_signal(signal.SIGKILL)
        collecting.wait(timeout=10)
        killed_at = time.monotonic()
        listings = len(hf.server.requests_to(LISTING))
        assert listings == 1  # exactly one process fetched: the other never did

        # The dead holder's lock outlives it until its TTL; the survivor's next run (each minute) takes over.
        wait_for(lambda: (holder(postgres) or first) != first, 150, "the other process to take the lock")
        assert time.monotonic() - killed_at >= int(TTL) - 1
        assert f":{other.pid}:" in (holder(postgres) or "")
        wait_for(lambda: holder(postgres) is None, 120, "the other process to finish its run")
        assert len(hf.server.requests_to(LISTING)) == listings + 1
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=60) for p in processes.values()]
    assert sorted(codes) == [-signal.SIGKILL, 0]
    collected = content(postgres)
    reference = clean_run(env, tmp_path)
    assert collected == reference and len(collected["papers"]) > 100


def clean_run(env: dict[str, str], tmp_path: Path) -> dict[str, set[tuple[object, ...]]]:
    """What one uninterrupted daily cycle stores, against the same replay server, in a fresh SQLite file."""
    url = f"sqlite:///{tmp_path / 'reference.sqlite'}"
    os.environ["RADAR_DATABASE_URL"] = url  # monkeypatched by the env fixture: restored after the test
    os.environ["RADAR_ARXIV_DELAY_SECONDS"] = "0"
    assert main(["collect", "--json"]) == 0
    engine = db.make_engine(url)
    try:
        return content(engine)
    finally:
        engine.dispose()
