"""collector.freshness: when collection is fresh, starting or stale, in words (pure, `now` passed in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from collector.freshness import Freshness, ago, last_collection, unreachable
from db import RunRow

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
DAY = timedelta(hours=24)


@pytest.mark.parametrize(
    ("last", "collecting", "state"),
    [
        (NOW - timedelta(hours=3), False, "fresh"),
        (NOW - timedelta(hours=25), False, "stale"),
        (NOW - timedelta(hours=25), True, "stale"),  # a run in progress does not excuse a day of failures
        (None, True, "starting"),  # the very first collection is running
        (None, False, "stale"),
    ],
)
def test_states(last: datetime | None, collecting: bool, state: str) -> None:
    assert Freshness(last, collecting, NOW, DAY).state == state


def test_sentences() -> None:
    assert Freshness(NOW - timedelta(minutes=5), False, NOW, DAY).sentence() == (
        "last successful collection 5 minutes ago"
    )
    stale = Freshness(NOW - timedelta(days=3, hours=2), False, NOW, DAY).sentence()
    assert stale.startswith("last successful collection 3 days ago (more than 24 hours")
    assert (
        Freshness(None, True, NOW, DAY).sentence()
        == "no collection has succeeded yet; the first one is running now"
    )
    assert [ago(NOW - d, NOW) for d in (timedelta(seconds=5), timedelta(hours=1), timedelta(days=1))] == [
        "just now", "1 hour ago", "1 day ago",
    ]  # fmt: skip


def test_the_last_collection_names_the_upstreams_it_could_not_reach() -> None:
    def row(run_id: str, source: str, error: str | None, status: str) -> RunRow:
        return RunRow(run_id, source, "q", NOW, NOW, errors=int(status != "ok"), error=error, status=status)

    rows = [
        row(
            "new",
            "hf",
            "skipped: Hugging Face cannot be reached from this machine: 127.0.0.1:9 refused",
            "skipped",
        ),
        row(
            "new",
            "api",
            "arxiv_api: arXiv cannot be reached from this machine: the name x.invalid does not "
            "resolve ([Errno -2] Name or service not known) (http://x.invalid/api, attempt 1)",
            "failed",
        ),  # fmt: skip
        row("new", "listing", None, "ok"),
        row("old", "api", "arxiv_api: HTTP 503", "failed"),
        row("demo", "demo", None, "ok"),
    ]
    newest = last_collection(rows)
    assert {r.run_id for r in newest} == {"new"}
    assert unreachable(newest) == {
        "Hugging Face": "127.0.0.1:9 refused",
        "arXiv": "the name x.invalid does not resolve ([Errno -2] Name or service not known)",
    }
