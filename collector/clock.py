"""The clock: the one place Roadmap Radar reads the time. Everything else takes `now` as an argument, so
ranking, planning and matching are pure and tests pass the moment they mean."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
