"""The bookkeeping of a collection run: each source/query is counted while it runs (`RunTally`) and
recorded as one row of the runs table, with its SourceError if it failed; progress is reported as it
goes. An expected failure (a SourceError) is recorded and the run goes on; anything else propagates.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from collector.clock import utc_now
from collector.errors import SourceError
from db import RunRow, UpsertResult


class Progress:
    """Where a run reports progress; the CLI draws it, tests and the scheduler ignore it."""

    def start(self, label: str, total: int | None) -> None:
        """A source/query begins; `total` is known for id batches, not for searches."""

    def advance(self, label: str, fetched: int, total: int | None = None) -> None:
        """`fetched` more papers arrived for `label`; `total` once the upstream has told it."""

    def finish(self, label: str, run: RunRow) -> None:
        """The source/query is done (or failed): its recorded row."""


@dataclass
class RunTally:
    """Counts of one source/query while it runs."""

    fetched: int = 0
    new: int = 0
    updated: int = 0
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    def add(self, fetched: int, result: UpsertResult) -> None:
        self.fetched += fetched
        self.new += len(result.new_ids)
        self.updated += len(result.updated_ids)


@dataclass(frozen=True)
class CollectReport:
    """What one collection run did: one row per source/query."""

    run_id: str
    runs: tuple[RunRow, ...]

    @property
    def failed(self) -> bool:
        return any(r.errors for r in self.runs)

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)


Work = Callable[[RunTally], None]


class RunRecorder:
    """Runs each source/query's work and records its row with `record` (the store's runs table)."""

    def __init__(
        self,
        record: Callable[[RunRow], None],
        requests: Callable[[], int],
        progress: Progress | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.record, self.requests, self.clock = record, requests, clock
        self.progress = progress or Progress()
        self.run_id = uuid.uuid4().hex[:12]
        self.rows: list[RunRow] = []

    def run(
        self, source: str, label: str, work: Work, topic_ids: Sequence[str] = (), total: int | None = None
    ) -> RunRow:
        """Run `work`, record its counts (and its SourceError, if any) as one row of the runs table."""
        started, requests_before = self.clock(), self.requests()
        tally, error = RunTally(), None
        self.progress.start(label, total)
        try:
            work(tally)
        except SourceError as exc:
            error = str(exc)
        run = RunRow(
            run_id=self.run_id,
            source=source,
            query=label,
            started_at=started,
            finished_at=self.clock(),
            fetched=tally.fetched,
            new=tally.new,
            updated=tally.updated,
            errors=1 if error else 0,
            error="; ".join([*tally.notes, error] if error else tally.notes) or None,
            requests=self.requests() - requests_before,
            topic_ids=tuple(topic_ids),
        )
        self.record(run)
        self.rows.append(run)
        self.progress.finish(label, run)
        return run

    def report(self) -> CollectReport:
        return CollectReport(self.run_id, tuple(self.rows))


def finish_batch(failures: Sequence[SourceError], total: int, what: str, tally: RunTally) -> None:
    """Notes for skipped items and failed requests of a many-request source; the first failure is raised
    (so the source/query is recorded as failed) after everything else was stored."""
    if tally.skipped:
        tally.notes.append(f"{tally.skipped} malformed item(s) skipped")
    if failures:
        tally.notes.append(f"{len(failures)} of {total} {what} failed")
        raise failures[0]
