"""The bookkeeping of a collection run: each source/query is one row of the runs table, written when it
starts and updated as its pages arrive (a live row any process can read: the dashboard, `radar status`),
then closed with its counts and how it ended:

    ok            the work finished
    failed        a SourceError (recorded with its message), or a bug (recorded, then raised)
    skipped       its upstream was found unreachable earlier in the run: nothing was asked
    interrupted   Ctrl-C or SIGTERM stopped it (recorded, then raised)

The row is closed in a `finally`, whatever happens. Progress is reported to a `Progress` as it goes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from collector.clock import utc_now
from collector.errors import SkippedError, SourceError, UnreachableError
from db import RunRow, UpsertResult


class Progress:
    """Where a run reports progress; the CLI draws it, tests and the scheduler ignore it."""

    def start(self, label: str, total: int | None) -> None:
        """A source/query begins; `total` is known for id batches, not for searches."""

    def advance(self, label: str, fetched: int, total: int | None = None) -> None:
        """`fetched` more papers arrived for `label`; `total` once the upstream has told it."""

    def finish(self, label: str, run: RunRow) -> None:
        """The source/query is done (or failed, or skipped): its recorded row."""


class RunLog(Protocol):
    """Where run rows are kept (collector.store.Store: the runs table)."""

    def start_run(self, run: RunRow) -> int: ...

    def update_run(self, row_id: int, run: RunRow) -> None: ...


@dataclass
class RunTally:
    """Counts of one source/query while it runs."""

    fetched: int = 0
    new: int = 0
    updated: int = 0
    pages: int = 0
    skipped: int = 0  # items that were no paper
    dropped: int = 0  # items kept without some unusable value
    notes: list[str] = field(default_factory=list)

    def add(self, fetched: int, result: UpsertResult) -> None:
        self.fetched += fetched
        self.new += len(result.new_ids)
        self.updated += len(result.updated_ids)


@dataclass(frozen=True)
class Unreachable:
    """An upstream this run could not reach: why, and how many source/query rows it skipped."""

    upstream: str
    reason: str
    skipped: int

    def sentence(self) -> str:
        """E.g. "arXiv cannot be reached from this machine: <reason>; skipped 11 queries" (the count is left
        out when nothing was left to skip)."""
        said = f"{self.upstream} cannot be reached from this machine: {self.reason}"
        if not self.skipped:
            return said
        return f"{said}; skipped {self.skipped} {'query' if self.skipped == 1 else 'queries'}"


@dataclass(frozen=True)
class CollectReport:
    """What one collection run did: one row per source/query, and the upstreams it could not reach."""

    run_id: str
    runs: tuple[RunRow, ...]
    unreachable: tuple[Unreachable, ...] = ()

    @property
    def failed(self) -> bool:
        return any(r.errors for r in self.runs)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)


Work = Callable[[RunTally], None]


@dataclass
class _Live:
    """The row of the source/query running now, and what it had when it started."""

    row: RunRow
    row_id: int
    requests_before: int
    tally: RunTally = field(default_factory=RunTally)


class RunRecorder:
    """Runs each source/query's work as one live row of the runs table (kept by `log`)."""

    def __init__(
        self,
        log: RunLog,
        requests: Callable[[], int],
        progress: Progress | None = None,
        clock: Callable[[], datetime] = utc_now,
        run_id: str | None = None,
    ) -> None:
        self.log, self.requests, self.clock = log, requests, clock
        self.progress = progress or Progress()
        self.run_id = run_id or uuid.uuid4().hex[:12]  # named by the caller: the dashboard follows its own
        self.rows: list[RunRow] = []
        self._live: _Live | None = None
        self._unreachable: dict[tuple[str, str], Unreachable] = {}

    def run(
        self, source: str, label: str, work: Work, topic_ids: Sequence[str] = (), total: int | None = None
    ) -> RunRow:
        """Run `work` as one row: written now as "running", closed with its counts and how it ended."""
        started = self.clock()
        row = RunRow(
            self.run_id, source, label, started, started, topic_ids=tuple(topic_ids), status="running"
        )
        live = self._live = _Live(row, self.log.start_run(row), self.requests())
        self.progress.start(label, total)
        status, error = "interrupted", "interrupted (Ctrl-C or SIGTERM)"
        try:
            work(live.tally)
            status, error = "ok", ""
        except SourceError as exc:
            status, error = ("skipped" if isinstance(exc, SkippedError) else "failed"), str(exc)
            self._note_unreachable(exc)
        except BaseException as exc:  # a bug, Ctrl-C or SIGTERM: recorded, then raised
            if not isinstance(exc, KeyboardInterrupt):
                status, error = "failed", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            closed = self._close(live, status, error)
        return closed

    def advance(self, label: str, fetched: int, pages: int = 1) -> None:
        """`fetched` more papers (in `pages` pages) of the running source/query were stored: the live row
        is written again (one small UPDATE per page, next to the page's own upsert)."""
        self.progress.advance(label, fetched)
        live = self._live
        if live is None:
            return
        live.tally.pages += pages
        self.log.update_run(live.row_id, self._snapshot(live, "running", ""))

    def report(self) -> CollectReport:
        return CollectReport(self.run_id, tuple(self.rows), tuple(self._unreachable.values()))

    def _snapshot(self, live: _Live, status: str, error: str) -> RunRow:
        tally = live.tally
        notes = "; ".join([*tally.notes, error] if error else tally.notes) or None
        return replace(
            live.row, finished_at=self.clock(), fetched=tally.fetched, new=tally.new, updated=tally.updated,
            errors=0 if status in ("ok", "running") else 1, error=notes,
            requests=self.requests() - live.requests_before, status=status, pages=tally.pages,
        )  # fmt: skip

    def _close(self, live: _Live, status: str, error: str) -> RunRow:
        run = self._snapshot(live, status, error)
        self._live = None
        self.log.update_run(live.row_id, run)
        self.rows.append(run)
        self.progress.finish(run.query, run)
        return run

    def _note_unreachable(self, exc: SourceError) -> None:
        if isinstance(exc, UnreachableError):  # one line per upstream and reason (arXiv has two hosts)
            key = (exc.upstream, exc.reason)
            known = self._unreachable.get(key) or Unreachable(exc.upstream, exc.reason, 0)
            self._unreachable[key] = replace(known, skipped=known.skipped + isinstance(exc, SkippedError))


def finish_batch(failures: Sequence[SourceError], total: int, what: str, tally: RunTally) -> None:
    """Notes for skipped items and failed requests of a many-request source; the first failure is raised
    (so the source/query is recorded as failed) after everything else was stored. When every failure was
    a skip (the upstream was already known unreachable), the row is a skip too."""
    if tally.skipped:
        tally.notes.append(f"{tally.skipped} malformed item(s) skipped")
    if tally.dropped:
        tally.notes.append(f"{tally.dropped} item(s) with unusable values (dropped)")
    if failures:
        if not all(isinstance(f, SkippedError) for f in failures):
            tally.notes.append(f"{len(failures)} of {total} {what} failed")
        raise next((f for f in failures if not isinstance(f, SkippedError)), failures[0])
