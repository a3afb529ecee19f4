""" "Collect now" and "Load the demo data": `radar collect` (or `radar demo` into this database) in a
background process, at most one per dashboard server and database.

The server keeps the running process; the collection lock in the database (taken by both commands)
also stops a run while `radar collect` or the scheduler is collecting from another process. A `radar
collect` started here records its rows under a run id chosen here (`--run-id`), so the Collector page
follows its own run in the runs table and tells it from one started elsewhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from collector.clock import utc_now

LOG_TAIL_LINES = 15
COLLECT = ("collect",)


def demo_into(database_url: str) -> tuple[str, ...]:
    """`radar demo` loading the recorded sample into this database, without serving it again."""
    return ("demo", "--database-url", database_url, "--no-serve")


def classics_of(topic_id: str) -> tuple[str, ...]:
    """`radar collect --source seminal --topic ID`: the metadata of the topic's classics not stored yet."""
    return ("collect", "--source", "seminal", "--topic", topic_id)


@dataclass
class Job:
    """A `radar collect` (or `radar demo`) started from the dashboard."""

    process: subprocess.Popen[bytes]
    log: Path
    started: datetime
    command: tuple[str, ...] = COLLECT
    run_id: str | None = None  # the rows of a `radar collect` started here

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    @property
    def exit_code(self) -> int | None:
        return self.process.poll()

    def tail(self, lines: int = LOG_TAIL_LINES) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


_jobs: dict[str, Job] = {}
_guard = threading.Lock()


def current(database_url: str) -> Job | None:
    """The last run started from this server for this database (running or finished), if any."""
    return _jobs.get(database_url)


def start(database_url: str, now: datetime | None = None, command: tuple[str, ...] = COLLECT) -> Job | None:
    """Start `radar <command>` (the daily cycle by default) unless a job is already running here for this
    database; None if one is."""
    with _guard:
        job = _jobs.get(database_url)
        if job is not None and job.running:
            return None
        log = Path(tempfile.mkstemp(prefix="radar-collect-", suffix=".log")[1])
        env = {**os.environ, "RADAR_DATABASE_URL": database_url, "NO_COLOR": "1", "COLUMNS": "120"}
        run_id = new_run_id() if command[:1] == COLLECT else None
        named = ("--run-id", run_id) if run_id else ()
        with log.open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "collector.cli", *command, *named],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )
        _jobs[database_url] = job = Job(process, log, now or utc_now(), command, run_id)
        return job


def new_run_id() -> str:
    """A run id no collection has used: "dash-" and 12 random hex digits."""
    return f"dash-{uuid.uuid4().hex[:12]}"
