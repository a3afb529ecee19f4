"""Is the collected data fresh? When the last collection succeeded, said in words, and whether that is too
long ago (pure: `now` and the facts are passed in). `radar status --check` and the dashboard both ask
this one function, so a healthcheck and the page agree.

    fresh     a collection succeeded within RADAR_STALE_AFTER_HOURS
    starting  none ever succeeded, and the first one is running now (the lock is held)
    stale     anything else: none within the window, or none at all and none running
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from db import RunRow

# Run rows that are no collection from an upstream: the demo sample, the scheduler's own notes, the feeds
# written after a collection, digest runs.
NOT_COLLECTIONS = ("demo", "schedule", "atom", "digest")
# How collector.reachability words an upstream it gave up on, in a run row's error.
_UNREACHABLE = re.compile(
    r"(?:^|: )(?P<upstream>[^:;()]+?) cannot be reached from this machine: (?P<reason>.+?)(?: \(https?://|$)"
)


def ago(moment: datetime, now: datetime) -> str:
    """ "5 minutes ago", "3 hours ago", "2 days ago" ("just now" under a minute)."""
    seconds = max((now - moment).total_seconds(), 0.0)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


@dataclass(frozen=True)
class Freshness:
    """The last successful collection (None: never), whether one runs now, and the staleness window."""

    last_success: datetime | None
    collecting: bool
    now: datetime
    stale_after: timedelta

    @property
    def state(self) -> str:
        if self.last_success is not None and self.now - self.last_success <= self.stale_after:
            return "fresh"
        return "starting" if self.last_success is None and self.collecting else "stale"

    @property
    def stale(self) -> bool:
        return self.state == "stale"

    def sentence(self) -> str:
        """What a person reads: "last successful collection 3 hours ago", and why that is stale."""
        if self.last_success is None:
            running = "; the first one is running now" if self.collecting else ""
            return f"no collection has succeeded yet{running}"
        said = f"last successful collection {ago(self.last_success, self.now)}"
        if self.stale:
            hours = self.stale_after.total_seconds() / 3600
            window = f"{hours:g} hour{'' if hours == 1 else 's'}"
            said += f" (more than {window}: the scheduled collection is not succeeding)"
        return said


def unreachable(runs: Iterable[RunRow]) -> dict[str, str]:
    """Upstream → why this machine could not reach it, from run rows that failed or were skipped that
    way (the newest rows first: each upstream keeps the first reason found)."""
    found: dict[str, str] = {}
    for run in runs:
        hit = _UNREACHABLE.search(run.error or "") if not run.ok else None
        if hit is not None:
            found.setdefault(hit["upstream"], hit["reason"])
    return found


def last_collection(runs: Iterable[RunRow]) -> list[RunRow]:
    """The rows of the newest collection run (one run id; demo and scheduler notes left out)."""
    rows = [r for r in runs if r.source not in NOT_COLLECTIONS]
    return [r for r in rows if r.run_id == rows[0].run_id] if rows else []
