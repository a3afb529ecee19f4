"""A digest run, wired: every due digest built, sent once, recorded once.

    db: confirmed subscriptions, subscribers, topics, levels ──plan_digests──▶ DigestPlan per
        (address, frequency), due today (or every digest of one address: `--to`)
    for each plan, over one SMTP connection (collector.mailer):
        DigestReads ──build_digest──▶ Digest              nothing new: its period closes, nothing sent
        link tokens ──db.add_tokens──▶ committed          (the mail's links work before it exists)
        Digest + links ──digest_message──▶ EmailMessage ──Mailer.send──▶ accepted by the server
        accepted ──db.record_sent──▶ the digest, its ledger rows, its subscriptions' next period, in ONE
                                      transaction
        MailRejected (5xx), MailDeferred (4xx after retries) ──▶ recorded on its subscriptions; next plan
        MailUnavailable (no server, TLS, login) ──▶ the run stops
    the run ──▶ one runs-table row (source "digest"), under the database's digest lock

Exactly once: a paper's ledger row is written in the transaction that records its digest, after the server
accepted the message, and the next digest leaves out every paper in the ledger. A crash between the
server's acceptance and that commit leaves nothing recorded, so the next run sends that one digest again
(the one duplicate the design allows) and no paper is lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

import db
from collector.clock import utc_now
from collector.config import Settings
from collector.digest_mail import digest_message, links
from collector.digest_reads import DigestReads
from collector.digests import Digest, DigestPlan, build_digest, plan_digests
from collector.errors import DigestRunHeldError, LockHeldError, MailDeferred, MailRejected, MailUnavailable
from collector.locking import CollectionLock
from collector.mailer import Mailer
from collector.subscribing import new_token
from db import RunRow, SentDigest, TokenRow

DIGEST_LOCK = "digest"
DRY_RUN_TOKEN = "DRY-RUN"


@dataclass(frozen=True)
class DigestOutcome:
    """What happened to one digest: sent, empty (nothing new), rejected, deferred, unsent, dry-run."""

    email: str
    frequency: str
    status: str
    listed: int = 0
    counted: int = 0
    detail: str = ""
    message: EmailMessage | None = field(default=None, compare=False)  # kept by dry runs, to print


@dataclass(frozen=True)
class DigestRunReport:
    outcomes: tuple[DigestOutcome, ...] = ()
    stopped: str | None = None  # why the run stopped before the end (no usable SMTP server)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> bool:
        return self.stopped is not None or any(o.status in ("rejected", "deferred") for o in self.outcomes)


class DigestProgress:
    """Where a run reports progress; the CLI draws a bar, the scheduler logs."""

    def start(self, total: int) -> None:
        """`total` digests are due."""

    def done(self, outcome: DigestOutcome) -> None:
        """One digest is done."""


def send_digests(
    settings: Settings,
    engine: Engine,
    now: datetime | None = None,
    only: str | None = None,
    dry_run: bool = False,
    progress: DigestProgress | None = None,
) -> DigestRunReport:
    """Send every due digest (or all of `only`'s), under the digest lock; `dry_run` builds and renders
    them without storing, sending or locking anything."""
    now = now or utc_now()
    db.migrate(engine)
    if dry_run:
        return run(settings, engine, now, only, True, progress or DigestProgress())
    try:
        with CollectionLock(engine, settings.lock_ttl_seconds, name=DIGEST_LOCK):
            report = run(settings, engine, now, only, False, progress or DigestProgress())
    except DigestRunHeldError:
        raise
    except LockHeldError as exc:
        raise DigestRunHeldError(exc.holder, exc.since, exc.expires) from None
    record_run(engine, report, now, only)
    return report


def run(
    settings: Settings,
    engine: Engine,
    now: datetime,
    only: str | None,
    dry_run: bool,
    progress: DigestProgress,
) -> DigestRunReport:
    with db.session_scope(engine) as session:
        if not dry_run:
            tidy(session, settings, now)
        subscriptions = db.list_subscriptions(session, only, confirmed_only=True)
        subscribers = db.subscribers_by_email(session, {s.email for s in subscriptions})
        topics, levels = db.list_topics(session), db.list_levels(session)
    plans = plan_digests(subscriptions, subscribers, topics, now, settings.schedule_digest_weekday, only)
    progress.start(len(plans))
    if not plans:
        return DigestRunReport()
    reads = DigestReads(engine, settings, now, floor(plans, now))
    outcomes: list[DigestOutcome] = []
    with Mailer(settings) as mailer:
        for plan in plans:
            digest = build_digest(reads, plan, topics, levels, settings, now)
            try:
                outcome = deliver(engine, mailer, digest, settings, now, dry_run)
            except MailUnavailable as exc:
                outcomes.append(DigestOutcome(plan.email, plan.frequency, "unsent", detail=str(exc)))
                return DigestRunReport(tuple(outcomes), stopped=f"no usable SMTP server: {exc}")
            outcomes.append(outcome)
            progress.done(outcome)
    return DigestRunReport(tuple(outcomes))


def floor(plans: Sequence[DigestPlan], now: datetime) -> datetime:
    """The earliest period start of the run: its reads cover every plan."""
    return min((since for plan in plans for since in plan.topic_since.values()), default=now)


def tidy(session: Session, settings: Settings, now: datetime) -> None:
    """Expired links stop existing; opt-ins never confirmed are forgotten after the same time."""
    db.delete_expired_tokens(session, now)
    db.delete_unconfirmed(session, now - timedelta(days=settings.digest_link_days))


def deliver(
    engine: Engine, mailer: Mailer, digest: Digest, settings: Settings, now: datetime, dry_run: bool
) -> DigestOutcome:
    """Build the mail of one digest, send it, and record it once accepted (or its failure)."""
    plan, ids = digest.plan, [s.id for s in digest.plan.subscriptions]
    if digest.empty and not settings.digest_send_empty:
        if not dry_run:
            with db.session_scope(engine) as session:
                db.mark_checked(session, ids, now)
        return outcome(digest, "empty")
    digest_id = uuid.uuid4().hex
    tokens = (DRY_RUN_TOKEN, DRY_RUN_TOKEN) if dry_run else store_links(engine, plan, settings, now)
    mail = digest_message(digest, links(settings.public_url, *tokens), settings, now, digest_id)
    if dry_run:
        return outcome(digest, "dry-run", message=mail)
    try:
        mailer.send(mail)
    except (MailRejected, MailDeferred) as exc:
        status = "rejected" if isinstance(exc, MailRejected) else "deferred"
        with db.session_scope(engine) as session:
            db.record_delivery_error(session, ids, f"{status}: {exc}", now)
        return outcome(digest, status, detail=str(exc))
    message_id = str(mail["Message-ID"])
    sent = SentDigest(digest_id, plan.email, plan.frequency, message_id, now, tuple(ids), digest.entries)
    with db.session_scope(engine) as session:
        db.record_sent(session, sent)
    return outcome(digest, "sent")


def outcome(
    digest: Digest, status: str, detail: str = "", message: EmailMessage | None = None
) -> DigestOutcome:
    plan = digest.plan
    return DigestOutcome(plan.email, plan.frequency, status, digest.listed, digest.counted, detail, message)


def store_links(engine: Engine, plan: DigestPlan, settings: Settings, now: datetime) -> tuple[str, str]:
    """This digest's unsubscribe token (its subscriptions) and manage token (the address's own), stored
    hashed and committed before the mail leaves."""
    unsubscribe, manage = new_token(), new_token()
    expires = now + timedelta(days=settings.digest_link_days)
    ids = tuple(s.id for s in plan.subscriptions)
    rows = [
        (unsubscribe, TokenRow("unsubscribe", plan.email, ids, now, expires)),
        (manage, TokenRow("manage", plan.email, ids, now, expires)),
    ]
    with db.session_scope(engine) as session:
        db.add_tokens(session, rows)
    return unsubscribe, manage


def record_run(engine: Engine, report: DigestRunReport, now: datetime, only: str | None) -> None:
    """One runs-table row per digest run (the Collector page and `radar status` show it): digests due
    (`fetched`), sent (`new`), failed (`errors`), and a note counting each outcome."""
    statuses = ("sent", "empty", "rejected", "deferred", "unsent")
    counts = ", ".join(f"{report.count(s)} {s}" for s in statuses if report.count(s))
    failures = [f"{o.status} {o.frequency} digest: {o.detail}" for o in report.outcomes if o.detail]
    notes = [counts or "nothing due", *([report.stopped] if report.stopped else []), *failures[:5]]
    failed = sum(o.status in ("rejected", "deferred", "unsent") for o in report.outcomes)
    run = RunRow(
        run_id=uuid.uuid4().hex[:12], source="digest", query="one address (--to)" if only else "due digests",
        started_at=now, finished_at=utc_now(), fetched=len(report.outcomes), new=report.count("sent"),
        errors=failed, error="; ".join(notes),
    )  # fmt: skip
    with db.session_scope(engine) as session:
        db.record_run(session, run)
