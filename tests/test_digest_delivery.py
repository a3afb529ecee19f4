"""Delivery, exactly once: a crash between the server's acceptance and the commit, 4xx answers retried,
5xx answers recorded, an unreachable server, the dry run, one connection per batch — each on a real SMTP
server (aiosmtpd), and a real `radar digest send` process killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

import db
from collector.cli import main
from collector.delivery import DIGEST_LOCK, send_digests
from tests.digest_seed import NOW, Seeded, seed_digests
from tests.smtp_server import Inbox, Received, free_port
from tests.test_digests import add, bodies, listed_ids, mail_settings, sent_to

READERS = {
    "reader0@example.org": ("agent", "rag"),
    "reader1@example.org": ("multimodal", "lora"),
    "reader2@example.org": ("diffusion", "agent"),
    "reader3@example.org": ("rag", "lora", "vit"),
}


@pytest.fixture
def seeded(engine: Engine) -> Seeded:
    found = seed_digests(engine)
    for email, topics in READERS.items():
        add(engine, email, topics)
    return found


def digests_recorded(engine: Engine) -> Counter[str]:
    with db.session_scope(engine) as session:
        return Counter({email: db.digest_count(session, email) for email in READERS})


def test_a_crash_between_acceptance_and_commit_resends_one_digest_and_loses_no_paper(
    engine: Engine, seeded: Seeded, inbox: Inbox
) -> None:
    """`radar digest send` runs as a real process; when the server has accepted the second digest, the
    process is killed (SIGKILL) before it reads the server's 250 and so before it can commit."""
    url = engine.url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        **inbox.env(),
        "RADAR_DATABASE_URL": url,
        "RADAR_PUBLIC_URL": "https://radar.example",
    }
    command = [sys.executable, "-m", "collector.cli", "digest", "send"]
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)

    def crash_after_second(got: Received) -> None:
        if len(inbox.received) == 2:
            os.kill(child.pid, signal.SIGKILL)

    inbox.on_accept = crash_after_second
    output = child.communicate(timeout=120)[0].decode()
    assert child.returncode == -signal.SIGKILL, output
    assert len(inbox.received) == 2
    crashed = inbox.received[1].recipients[0]
    assert digests_recorded(engine)[crashed] == 0  # accepted by the server, never committed

    with db.session_scope(engine) as session:  # the dead run's lock would expire; take it over now
        holder = db.lock_holder(session, DIGEST_LOCK)
        assert holder is not None
        db.release_lock(session, DIGEST_LOCK, holder.holder)
    inbox.on_accept = None
    report = send_digests(mail_settings(inbox), engine)

    assert [o.email for o in report.outcomes if o.status == "sent"] == sorted(set(READERS) - {
        inbox.received[0].recipients[0]})  # fmt: skip
    per_address = Counter(r.recipients[0] for r in inbox.received)
    assert per_address == {email: 2 if email == crashed else 1 for email in READERS}  # one duplicate
    copies = [r for r in inbox.received if r.recipients == [crashed]]
    assert listed_ids(bodies(copies[0])[0]) == listed_ids(bodies(copies[1])[0])
    for email, topics in READERS.items():  # no paper lost
        assert set(sent_to(engine, email)) == seeded.news(set(topics)), email
    assert digests_recorded(engine) == dict.fromkeys(READERS, 1)


def test_421_and_451_are_retried_then_the_digest_goes_through(
    engine: Engine, seeded: Seeded, inbox: Inbox
) -> None:
    inbox.script.extend(["451 4.7.1 Greylisted, try again later", "421 4.3.2 Service shutting down"])
    report = send_digests(mail_settings(inbox, smtp_max_retries=3), engine, NOW)
    assert [o.status for o in report.outcomes] == ["sent"] * 4
    assert [a[:3] for a in inbox.answered] == ["451", "421", "250", "250", "250", "250"]
    assert inbox.ehlos == 2  # the 421 closed the connection: one reconnection, then reused
    for email, topics in READERS.items():
        assert set(sent_to(engine, email)) == seeded.news(set(topics))


def test_550_is_recorded_on_the_subscription_and_nothing_is_lost(
    engine: Engine, seeded: Seeded, inbox: Inbox
) -> None:
    inbox.script.append("550 5.1.1 <reader0@example.org>: no such mailbox")
    report = send_digests(mail_settings(inbox), engine, NOW)
    assert [o.status for o in report.outcomes] == ["rejected", "sent", "sent", "sent"] and report.failed
    assert inbox.answered[0].startswith("550") and len(inbox.received) == 3
    with db.session_scope(engine) as session:
        [failing] = db.list_subscriptions(session, "reader0@example.org")
        assert failing.error is not None and "550" in failing.error and "no such mailbox" in failing.error
        assert db.last_runs(session, source="digest")[0].errors == 1
    assert sent_to(engine, "reader0@example.org") == {}
    # The mailbox is fixed: the next run delivers everything, and the error is cleared.
    send_digests(mail_settings(inbox), engine, NOW + timedelta(hours=1))
    assert set(sent_to(engine, "reader0@example.org")) == seeded.news(set(READERS["reader0@example.org"]))
    with db.session_scope(engine) as session:
        assert db.list_subscriptions(session, "reader0@example.org")[0].error is None


def test_4xx_until_the_retries_run_out_is_deferred_and_recorded(
    engine: Engine, seeded: Seeded, inbox: Inbox
) -> None:
    inbox.script.extend(["452 4.2.2 Mailbox full"] * 3)
    report = send_digests(mail_settings(inbox, smtp_max_retries=2), engine, NOW)
    assert [o.status for o in report.outcomes] == ["deferred", "sent", "sent", "sent"]
    with db.session_scope(engine) as session:
        error = db.list_subscriptions(session, "reader0@example.org")[0].error
    assert error is not None and error.startswith("deferred: 452")


def test_an_unreachable_server_stops_the_run_and_sends_nothing(
    engine: Engine, seeded: Seeded, inbox: Inbox, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = mail_settings(inbox, smtp_port=free_port(), smtp_max_retries=1)
    report = send_digests(settings, engine, NOW)
    assert report.stopped and "cannot connect" in report.stopped
    assert [o.status for o in report.outcomes] == ["unsent"]
    assert all(sent_to(engine, email) == {} for email in READERS)


def test_dry_run_builds_every_digest_and_sends_and_stores_nothing(
    engine: Engine,
    seeded: Seeded,
    inbox: Inbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in {**inbox.env(), "RADAR_DATABASE_URL": engine.url.render_as_string(False)}.items():
        monkeypatch.setenv(name, value)
    assert main(["digest", "send", "--dry-run", "--to", "reader1@example.org"]) == 0
    printed = capsys.readouterr().out
    assert "reader1@example.org" in printed and "dry-run" in printed and "DRY-RUN" in printed
    assert "Roadmap Radar · daily digest" in printed  # the text body is printed for --to
    assert inbox.received == [] and all(sent_to(engine, email) == {} for email in READERS)
    with db.session_scope(engine) as session:
        assert all(s.checked_at is None for s in db.list_subscriptions(session))


def test_one_connection_carries_the_whole_batch(engine: Engine, seeded: Seeded, inbox: Inbox) -> None:
    send_digests(mail_settings(inbox), engine, NOW)
    assert len(inbox.received) == 4 and inbox.ehlos == 1
