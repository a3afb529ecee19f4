"""dashboard.collection_state: which collection the Collector page shows, whose it is, its words (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from dashboard import collection_state as cs
from dashboard.collection_state import JobView, Shown, Whose, pick
from db import LockRow, RunRow

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
REFUSED = (
    "arxiv_listing: arXiv cannot be reached from this machine: 127.0.0.1:9 refused the connection "
    "([Errno 111] Connection refused) (http://127.0.0.1:9/atom/cs.AI, attempt 1)"
)
SKIPPED = (
    "arxiv_api: skipped: arXiv cannot be reached from this machine: 127.0.0.1:9 refused the connection "
    "([Errno 111] Connection refused)"
)


def at(seconds: float) -> datetime:
    return NOW - timedelta(seconds=seconds)


def step(run_id: str, source: str, status: str, started: float, pages: int = 0, fetched: int = 0) -> RunRow:
    """A row `started` seconds ago whose latest progress (or end) came a second later."""
    return RunRow(
        run_id, source, f"{source} query", at(started), at(started - 1), fetched, status=status, pages=pages
    )


def job(running: bool = True, mine: bool = True, exit_code: int | None = None, output: str = "") -> JobView:
    return JobView("dash-1", at(12), running, exit_code, mine, output)


LOCK = LockRow("collect", "other-host:4242:abc123", at(180), at(5), at(-295))


def test_your_running_collection_comes_first_and_is_named_yours() -> None:
    rows = [step("dash-1", "listing", "running", 10, pages=3, fetched=250)]
    picked = pick(job(), None, None, rows)
    assert picked == cs.Pick(Whose.MINE, "dash-1", at(12), True, job())
    shown = Shown(picked, tuple(rows))
    assert cs.headline(shown, NOW) == "Your collection, started 12 s ago."
    assert (
        cs.now_line(rows[0], NOW)
        == "Now: arXiv listing · listing query — 3 page(s), 250 papers so far, for 10 s"
    )
    assert cs.headline(Shown(picked, ()), NOW).startswith("Your collection, started 12 s ago: starting")


def test_a_job_of_this_dashboard_from_another_tab_is_not_yours() -> None:
    picked = pick(job(mine=False), None, None, [])
    assert picked is not None and picked.whose is Whose.DASHBOARD
    assert cs.headline(Shown(picked, ()), NOW).startswith("A collection started from this dashboard")


def test_a_collection_elsewhere_is_named_by_its_process() -> None:
    live = [step("sched", "api", "running", 60, pages=1, fetched=100), step("sched", "listing", "ok", 170)]
    picked = pick(None, LOCK, ("other-host", 4242), live)
    assert picked is not None and (picked.whose, picked.run_id, picked.started) == (
        Whose.ELSEWHERE,
        "sched",
        at(180),
    )
    shown = Shown(picked, tuple(reversed(live)))
    assert cs.headline(shown, NOW, "other-host") == (
        "A collection started elsewhere (the scheduler, radar up or a terminal: process 4242 on this "
        "machine), 3 min ago."
    )
    assert "process 4242 on other-host" in cs.headline(shown, NOW, "dashboard-host")
    assert cs.progress(shown) == "1 of its steps done so far (1 ok)."


def test_live_rows_nobody_holds_the_lock_for_are_a_stalled_collection() -> None:
    rows = [step("dead", "api", "running", 900, pages=2)]
    picked = pick(None, None, None, rows)
    assert picked is not None and picked.stalled and not picked.running
    assert cs.headline(Shown(picked, tuple(rows)), NOW).startswith("A collection stopped without finishing")
    assert (
        cs.now_line(rows[0], NOW, stalled=True)
        == "Left unfinished: arXiv search · api query — 2 page(s), 0 papers"
    )


def test_your_finished_collection_says_how_it_went_and_what_cannot_be_reached() -> None:
    rows = (
        RunRow("dash-1", "listing", "cs.AI", at(11), at(10), errors=1, error=REFUSED, status="failed"),
        RunRow("dash-1", "seminal", "ids", at(10), at(10), errors=1, error=SKIPPED, status="skipped"),
        RunRow("dash-1", "hf", "days", at(10), at(4), fetched=20, new=5, updated=2),
    )
    picked = pick(job(running=False, exit_code=1), None, None, list(reversed(rows)))
    assert picked is not None and picked.whose is Whose.MINE and not picked.running
    shown = Shown(picked, rows)
    assert cs.headline(shown, NOW) == "Your collection finished 4 s ago, after 8 s."
    assert cs.outcome(shown) == "1 ok, 1 failed, 1 skipped: 20 papers fetched, 5 new, 2 updated."
    assert not shown.failed  # Hugging Face brought papers
    assert list(shown.offline()) == [("arXiv", "the connection was refused")]
    assert [p.detail for p in shown.offline()["arXiv", "the connection was refused"]] == [REFUSED, SKIPPED]


def test_a_collection_that_never_started_says_why() -> None:
    locked = job(running=False, exit_code=1, output="radar: another collection is running (h:1:a, since …)")
    picked = pick(locked, None, None, [])
    assert picked is not None
    shown = Shown(picked, ())
    assert shown.did_not_start and shown.failed
    assert cs.headline(shown, NOW) == "Your collection did not start: another collection was already running."
    broken = Shown(pick(job(running=False, exit_code=2), None, None, []) or picked, ())
    assert (
        cs.headline(broken, NOW) == "Your collection did not start (exit code 2): its output below says why."
    )


def test_a_newer_collection_than_yours_is_shown_instead() -> None:
    newer = [step("sched", "listing", "ok", 5)]
    picked = pick(job(running=False, exit_code=0), None, None, newer)
    assert picked is not None and (picked.whose, picked.run_id) == (Whose.LAST, "sched")
    assert pick(None, None, None, []) is None


def test_spans_and_ages_are_short_and_exact_where_it_matters() -> None:
    assert [cs.span(timedelta(seconds=s)) for s in (0, 12, 60, 192, 725, 3600, 3900, 86400 * 3)] == [
        "0 s", "12 s", "1 min", "3 min 12 s", "12 min", "1 h", "1 h 5 min", "3 d",
    ]  # fmt: skip
    assert cs.ago(NOW, NOW) == "just now" and cs.ago(at(12), NOW) == "12 s ago"
