"""Digests chained to the daily cycle (collector.scheduler.run_job, against the replay server and a real
SMTP server): sent after a successful cycle, none after a failed one, weekly ones on their weekday; the
Atom feeds written after the collection."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import db
from collector import scheduler
from collector.digests import WEEKDAYS
from collector.subscribing import SubscriptionRequest, subscribe
from tests.conftest import radar_env
from tests.replay import LISTING, Reply
from tests.replay_hf import HFReplay
from tests.smtp_server import Inbox

EVERY_LEVEL = ("L1", "L2", "L3", "L4")


@pytest.fixture
def env(hf: HFReplay, inbox: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The replay server, the SMTP server, a SQLite file; the recorded listing is of 2025: any age is news."""
    extra = {**inbox.env(), "RADAR_DIGEST_DAYS": "3650", "RADAR_FEEDS_DIR": str(tmp_path / "feeds")}
    return radar_env(
        hf, tmp_path, monkeypatch, RADAR_HTTP_MAX_RETRIES="1", RADAR_HF_PAPER_LOOKUPS="0", **extra
    )


@pytest.fixture
def engine(env: dict[str, str]) -> Engine:
    engine = db.make_engine(env["RADAR_DATABASE_URL"])
    db.migrate(engine)
    return engine


def follow(engine: Engine, email: str, every: str = "daily") -> None:
    with db.session_scope(engine) as session:
        request = SubscriptionRequest(email, levels=EVERY_LEVEL, frequency=every)
        subscribe(session, request, datetime.now(UTC), "cli", confirmed=True)


def schedule_notes(engine: Engine) -> list[str]:
    with db.session_scope(engine) as session:
        return [r.error or "" for r in db.last_runs(session, source="schedule")]


def test_a_successful_daily_cycle_sends_the_digests_and_writes_the_feeds(
    engine: Engine, env: dict[str, str], inbox: Inbox
) -> None:
    follow(engine, "alice@example.org")
    scheduler.run_job("daily")
    assert [r.recipients for r in inbox.received] == [["alice@example.org"]]
    with db.session_scope(engine) as session:
        assert db.digest_count(session, "alice@example.org") == 1
        assert db.last_runs(session, source="digest")[0].new == 1
        told = {arxiv_id for arxiv_id, _, _ in db.ledger(session, "alice@example.org")}
        stored = {s.arxiv_id for s in db.match_summaries(session)}  # every level is followed: every match
    assert told == stored and told  # the cycle's papers, not only the roadmap's resources
    assert len(list(Path(env["RADAR_FEEDS_DIR"]).rglob("*.atom"))) > 90


def test_a_failed_daily_cycle_sends_nothing_that_day(
    engine: Engine, env: dict[str, str], inbox: Inbox, hf: HFReplay
) -> None:
    follow(engine, "alice@example.org")
    hf.server.script(LISTING, [Reply(status=503)] * 2)  # the listing and its one retry
    scheduler.run_job("daily")
    assert inbox.received == []
    assert any("digests not sent today: the daily cycle failed" in note for note in schedule_notes(engine))
    with db.session_scope(engine) as session:
        assert db.last_runs(session, source="digest") == []
    assert list(Path(env["RADAR_FEEDS_DIR"]).rglob("*.atom"))  # what was stored is still published


@pytest.mark.parametrize("on_the_day", [True, False])
def test_weekly_digests_go_on_their_weekday(
    engine: Engine, inbox: Inbox, monkeypatch: pytest.MonkeyPatch, on_the_day: bool
) -> None:
    today = WEEKDAYS[datetime.now(UTC).weekday()]
    other = WEEKDAYS[(datetime.now(UTC).weekday() + 3) % 7]
    monkeypatch.setenv("RADAR_SCHEDULE_DIGEST_WEEKDAY", today if on_the_day else other)
    follow(engine, "weekly@example.org", "weekly")
    follow(engine, "daily@example.org", "daily")
    scheduler.run_job("daily")
    expected = [["daily@example.org"], ["weekly@example.org"]] if on_the_day else [["daily@example.org"]]
    assert sorted(r.recipients for r in inbox.received) == expected
