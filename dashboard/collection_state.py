"""Which collection the Collector page shows, whose it is, how far it got and how it ended, in words (pure:
the facts and `now` are passed in).

    a collection running now, in this order:
      mine        started by this browser session's "Collect now" (the background job's run id)
      dashboard   started by this dashboard's "Collect now" from another session
      elsewhere   anyone else holding the collection lock (the scheduler, `radar up`, a terminal), or
                  live rows nobody holds the lock for any more (a process that died: "stalled")
    else the last collection this dashboard started, else the last one recorded ("last").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from collector.freshness import last_collection
from dashboard import collector_words as W
from dashboard.run_errors import Problem, explain
from dashboard.text import one_line
from db import LockRow, RunRow

LOCKED_OUT = "another collection is running"  # what `radar collect` prints when the lock is taken


class Whose(StrEnum):
    MINE = "mine"
    DASHBOARD = "dashboard"
    ELSEWHERE = "elsewhere"
    LAST = "last"


@dataclass(frozen=True)
class JobView:
    """The `radar collect` this dashboard started (dashboard/collect_job.py), as the page sees it."""

    run_id: str
    started: datetime
    running: bool
    exit_code: int | None
    mine: bool  # started by this browser session
    output: str = ""


@dataclass(frozen=True)
class Pick:
    """The collection to show: its run id (None while a job has written no row yet) and whose it is."""

    whose: Whose
    run_id: str | None
    started: datetime
    running: bool
    job: JobView | None = None
    process: tuple[str, int] | None = None  # the lock holder's host and pid (elsewhere)
    stalled: bool = False


def pick(
    job: JobView | None, lock: LockRow | None, process: tuple[str, int] | None, recent: Sequence[RunRow]
) -> Pick | None:
    """What to show, given this dashboard's job, the collection lock (None: free or expired), who holds it
    and the newest run rows (newest first); None when nothing was ever collected."""
    if job is not None and job.running:
        return Pick(job_whose(job), job.run_id, job.started, True, job)
    live = [r for r in recent if r.running]
    if lock is not None or live:
        run_id = live[0].run_id if live else None
        started = lock.acquired_at if lock is not None else min(r.started_at for r in live)
        return Pick(Whose.ELSEWHERE, run_id, started, lock is not None, None, process, lock is None)
    rows = last_collection(recent)
    if job is not None and (not rows or rows[0].run_id == job.run_id or job.started >= rows[0].started_at):
        return Pick(job_whose(job), job.run_id, job.started, False, job)  # the newest collection is the job's
    return Pick(Whose.LAST, rows[0].run_id, rows[-1].started_at, False) if rows else None


def job_whose(job: JobView) -> Whose:
    return Whose.MINE if job.mine else Whose.DASHBOARD


@dataclass(frozen=True)
class Shown:
    """The picked collection with its rows (oldest first) and what they say."""

    pick: Pick
    rows: tuple[RunRow, ...]
    problems: tuple[tuple[RunRow, Problem], ...] = field(init=False)

    def __post_init__(self) -> None:
        found = tuple((r, p) for r in self.rows if (p := explain(r)) is not None)
        object.__setattr__(self, "problems", found)

    @property
    def live(self) -> list[RunRow]:
        return [r for r in self.rows if r.running]

    @property
    def done(self) -> list[RunRow]:
        return [r for r in self.rows if not r.running]

    @property
    def ended(self) -> datetime | None:
        return max((r.finished_at for r in self.rows), default=None)

    @property
    def did_not_start(self) -> bool:
        job = self.pick.job
        return job is not None and not job.running and not self.rows

    @property
    def failed(self) -> bool:
        """Nothing of it succeeded (every step failed, was skipped or stopped)."""
        return self.did_not_start or (bool(self.done) and not any(r.ok for r in self.done))

    def offline(self) -> dict[tuple[str, str], list[Problem]]:
        """(upstream, reason) → the problems saying this machine cannot reach it that way (arXiv has two
        hosts, which may fail for different reasons)."""
        found: dict[tuple[str, str], list[Problem]] = {}
        for _, problem in self.problems:
            if problem.offline:
                found.setdefault((problem.upstream, problem.reason), []).append(problem)
        return found


def headline(shown: Shown, now: datetime, this_host: str = "") -> str:
    """Whose collection it is and when it started (running), or when it ended; `this_host` is the
    dashboard's host name (a process elsewhere on it is "on this machine")."""
    pick = shown.pick
    if shown.did_not_start:
        return not_started(pick.job)
    if pick.stalled:
        return W.STALLED.format(ago=ago(shown.ended or pick.started, now))
    if pick.running:
        return running_headline(shown, now, this_host)
    template = {Whose.MINE: W.MINE_FINISHED, Whose.DASHBOARD: W.DASHBOARD_FINISHED}.get(pick.whose)
    ended = shown.ended or pick.started
    return (template or W.LAST_FINISHED).format(ago=ago(ended, now), took=span(ended - pick.started))


def running_headline(shown: Shown, now: datetime, this_host: str) -> str:
    pick, since = shown.pick, ago(shown.pick.started, now)
    if pick.whose is Whose.MINE:
        return (W.MINE_RUNNING if shown.rows else W.MINE_STARTING).format(ago=since)
    if pick.whose is Whose.DASHBOARD:
        return W.DASHBOARD_RUNNING.format(ago=since)
    return W.ELSEWHERE_RUNNING.format(process=process_words(pick.process, this_host), ago=since)


def process_words(process: tuple[str, int] | None, this_host: str) -> str:
    if process is None:
        return W.ELSEWHERE_PROCESS_UNKNOWN
    host, pid = process
    if host == this_host:
        return W.ELSEWHERE_PROCESS_HERE.format(pid=pid)
    return W.ELSEWHERE_PROCESS_THERE.format(pid=pid, host=host)


def not_started(job: JobView | None) -> str:
    code = job.exit_code if job is not None else None
    if job is not None and LOCKED_OUT in job.output:
        return W.NOT_STARTED_LOCKED
    if code is not None and code < 0:  # killed by a signal before it wrote a row
        return W.NOT_STARTED_STOPPED.format(code=code)
    return W.NOT_STARTED.format(code=code)


def progress(shown: Shown) -> str:
    """While it runs: how many steps are done and how they went."""
    return W.DONE_SO_FAR.format(done=len(shown.done), statuses=statuses(shown.done))


def outcome(shown: Shown) -> str:
    """Once it ended: its steps by status, and the papers it brought."""
    rows = shown.done
    return W.OUTCOME.format(
        statuses=statuses(rows), fetched=sum(r.fetched for r in rows), new=sum(r.new for r in rows),
        updated=sum(r.updated for r in rows),
    )  # fmt: skip


def statuses(rows: Sequence[RunRow]) -> str:
    """ "3 ok, 1 failed, 11 skipped" (in the order of the catalogue's status_count)."""
    counts = Counter(r.status for r in rows)
    words = W.table("status_count")
    said = [words[s].format(count=counts[s]) for s in words if counts[s]]
    return ", ".join(said) or words["ok"].format(count=0)


def now_line(row: RunRow, now: datetime, stalled: bool = False) -> str:
    """A step running now: "Now: arXiv listing · cs.AI+… — 3 page(s), 250 papers so far, for 12 s"; or one
    a dead process left unfinished."""
    took = span(now - row.started_at)
    source, query = source_name(row.source), one_line(row.query, 80)
    if stalled:
        return W.LEFT_UNFINISHED.format(source=source, query=query, pages=row.pages, papers=row.fetched)
    if not row.pages:
        return W.NOW_WAITING.format(source=source, query=query, took=took)
    return W.NOW_LINE.format(source=source, query=query, pages=row.pages, papers=row.fetched, took=took)


def source_name(source: str) -> str:
    return W.table("source_names").get(source, source)


def ago(moment: datetime, now: datetime) -> str:
    """ "12 s ago", "3 min ago", "2 h ago"; "just now" under a second."""
    elapsed = now - moment
    return W.JUST_NOW if elapsed < timedelta(seconds=1) else W.AGO.format(span=span(elapsed))


def span(length: timedelta) -> str:
    """ "7 s", "3 min 12 s", "1 h 5 min", "3 d": two units at most, the larger one first."""
    seconds = max(int(length.total_seconds()), 0)
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if days >= 2:
        return W.DAYS.format(d=days)
    if hours:
        return (W.HOURS_MINUTES if minutes % 60 else W.HOURS).format(h=hours, m=minutes % 60)
    if minutes:
        exact = seconds % 60 and minutes < 10  # seconds matter in the first minutes only
        return (W.MINUTES_SECONDS if exact else W.MINUTES).format(m=minutes, s=seconds % 60)
    return W.SECONDS.format(s=seconds)
