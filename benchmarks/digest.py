"""Digest speed: 10,000 subscriptions (1–5 topics each) over a 120,000-paper SQLite database.

    .venv/bin/python -m benchmarks.digest [--papers 120000] [--subscriptions 10000] [--path FILE]

The database is built as benchmarks/dashboard.py builds its own (the real corpus replicated with new ids
over three years, the real matcher's matches, each recorded a day after its paper's publication). Every
subscription is a different address, made a week before now, so each (first) digest carries the last
week's papers of its topics. Measured in one run, against the same database:

    reading list   one topic's list as every surface reads it (collector.reading_lists.reading_list, 20 shown)
    digest build   collector.digests.build_digest for every subscription, with the run's shared reads (as a
                   digest run builds them); also cold builds (fresh reads for each digest, nothing shared)
    delivery       `send_digests` end to end: plan, build, tokens, render (Jinja2, text + HTML), SMTP to a
                   local aiosmtpd (in its own process) over one connection, the ledger commit per digest

Targets: digest build p95 <= 3 x the reading-list query's p95 (the cold builds, timed interleaved with
the reading lists, are printed against it too), and all digests built and delivered in <= 120 s.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import db
from benchmarks.dashboard import build, p95
from collector.config import Settings
from collector.delivery import DigestOutcome, DigestProgress, send_digests
from collector.digest_reads import DigestReads
from collector.digests import build_digest, plan_digests
from collector.reading_lists import reading_list
from collector.subscribing import SubscriptionRequest
from db.columns import sqlite_text

TARGET_RATIO, TARGET_SECONDS = 3.0, 120.0


def add_subscriptions(path: Path, engine: Any, count: int, now: datetime, seed: int = 10) -> None:
    """`count` addresses, each following 1–5 random topics (with a query), daily, made a week ago; the
    roadmap's resources, synced by `build` just now, are dated a month back (they are not news)."""
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE resources SET first_seen = ?", (sqlite_text(now - timedelta(days=30)),))
    rng = random.Random(seed)
    with db.session_scope(engine) as session:
        topics = [t.id for t in db.list_topics(session) if t.query]
        made = now - timedelta(days=7)
        for n in range(count):
            chosen = tuple(rng.sample(topics, rng.randint(1, 5)))
            request = SubscriptionRequest(f"reader{n:05d}@bench.example", chosen)
            db.save_subscriber(session, request.email, "zh" if n % 3 == 0 else "en", None, made)
            db.add_subscription(session, request.email, chosen, (), "daily", "cli", made, confirmed=True)


def plans_of(engine: Any, settings: Settings, now: datetime) -> tuple[list[Any], list[Any], list[Any]]:
    """The run's digest plans, topics and levels, as a digest run makes them."""
    with db.session_scope(engine) as session:
        subs = db.list_subscriptions(session, confirmed_only=True)
        subscribers = db.subscribers_by_email(session, {s.email for s in subs})
        topics, levels = db.list_topics(session), db.list_levels(session)
    return plan_digests(subs, subscribers, topics, now, settings.schedule_digest_weekday), topics, levels


def shared_builds(engine: Any, settings: Settings, now: datetime) -> tuple[list[float], int]:
    """Every subscription's build time with the run's shared reads (as a digest run builds them); papers."""
    plans, topics, levels = plans_of(engine, settings, now)
    floor = min(since for plan in plans for since in plan.topic_since.values())
    reads, times, papers = DigestReads(engine, settings, now, floor), [], 0
    for plan in plans:
        started = time.perf_counter()
        digest = build_digest(reads, plan, topics, levels, settings, now)
        times.append(time.perf_counter() - started)
        papers += len(digest.entries)
    return times, papers


def paired(engine: Any, settings: Settings, now: datetime, count: int) -> tuple[list[float], list[float]]:
    """`count` reading-list queries (a random topic, 20 shown) and as many cold digest builds (fresh reads,
    nothing shared), interleaved so that whatever else runs on the machine weighs on both alike."""
    plans, topics, levels = plans_of(engine, settings, now)
    floor = min(since for plan in plans for since in plan.topic_since.values())
    rng, lists, builds = random.Random(1), [], []
    queried = [t for t in topics if t.query]
    for plan in rng.sample(plans, count):
        topic = rng.choice(queried)
        with db.session_scope(engine) as session:
            started = time.perf_counter()
            reading_list(session, topic, settings, now, recent_limit=20)
            lists.append(time.perf_counter() - started)
        started = time.perf_counter()
        build_digest(DigestReads(engine, settings, now, floor), plan, topics, levels, settings, now)
        builds.append(time.perf_counter() - started)
    return lists, builds


# -- the SMTP server, in its own process so it does not share the GIL with the sender ----------------------
def serve_smtp(port: int, done: Connection) -> None:
    from aiosmtpd.controller import Controller

    class Counter:
        received = 0

        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            Counter.received += 1
            return "250 OK"

    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    done.send("ready")
    done.recv()  # until asked how many arrived
    done.send(Counter.received)
    controller.stop()


class Every(DigestProgress):
    def __init__(self) -> None:
        self.count, self.started = 0, time.perf_counter()

    def done(self, outcome: DigestOutcome) -> None:
        self.count += 1
        if self.count % 2000 == 0:
            print(f"  … {self.count:,} digests in {time.perf_counter() - self.started:.0f} s", flush=True)


def deliver(engine: Any, settings: Settings, now: datetime) -> tuple[float, int, dict[str, int]]:
    """Seconds for the whole run, messages the server accepted, outcomes by status."""
    from tests.smtp_server import free_port

    port = free_port()
    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve_smtp, args=(port, theirs), daemon=True)
    server.start()
    assert ours.recv() == "ready"
    smtp = settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_security": "none"})
    started = time.perf_counter()
    report = send_digests(smtp, engine, now, progress=Every())
    seconds = time.perf_counter() - started
    ours.send("count")
    received = int(ours.recv())
    server.join(timeout=10)
    statuses = {s: report.count(s) for s in ("sent", "empty", "rejected", "deferred", "unsent")}
    return seconds, received, statuses


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=120_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--cold", type=int, default=500, help="reading lists and cold builds to time")
    parser.add_argument("--path", type=Path, default=Path("/tmp/radar-bench-digest.sqlite"))
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    started = time.perf_counter()
    build(args.path, args.papers, now)
    engine = db.make_engine(f"sqlite:///{args.path}")
    add_subscriptions(args.path, engine, args.subscriptions, now)
    with db.session_scope(engine) as session:
        matches = sum(db.topic_paper_counts(session).values())
        print(f"{db.paper_count(session):,} papers, {matches:,} matches, {args.subscriptions:,} subscriptions"
              f" (built in {time.perf_counter() - started:.0f} s)")  # fmt: skip
    settings = Settings(_env_file=None, database_url=f"sqlite:///{args.path}")  # type: ignore[call-arg]
    lists, fresh = paired(engine, settings, now, args.cold)
    shared, papers = shared_builds(engine, settings, now)
    seconds, received, statuses = deliver(engine, settings, now)
    return report(lists, shared, fresh, papers, seconds, received, statuses)


def report(
    lists: list[float], shared: list[float], fresh: list[float], papers: int, seconds: float, received: int,
    statuses: dict[str, int],
) -> int:  # fmt: skip
    def ms(samples: list[float]) -> str:
        return f"p50 {statistics.median(samples) * 1000:6.2f} ms  p95 {p95(samples) * 1000:6.2f} ms"

    print(f"reading list (one query)   {ms(lists)}  (n={len(lists)})")
    print(
        f"digest build, shared reads {ms(shared)}  (n={len(shared)}, {papers / len(shared):.1f} papers each)"
    )
    print(f"digest build, cold reads   {ms(fresh)}  (n={len(fresh)}, interleaved with the reading lists)")
    ratio, cold_ratio = p95(shared) / p95(lists), p95(fresh) / p95(lists)
    median_ratio = p95(shared) / statistics.median(lists)
    print(f"build p95 / reading-list p95: {ratio:.2f} (cold builds {cold_ratio:.2f}); target <= 3")
    print(f"build p95 / reading-list median: {median_ratio:.2f}")
    sent, rate, share = statuses["sent"], received / seconds, seconds / TARGET_SECONDS
    print(f"delivery: {sent:,} digests sent {statuses}, {received:,} accepted by aiosmtpd")
    print(
        f"  all built and delivered in {seconds:.1f} s ({rate:.0f} messages/s);"
        f" target <= 120 s, ratio {share:.2f}"
    )
    return 0 if ratio <= TARGET_RATIO and seconds <= TARGET_SECONDS and received == sent else 1


if __name__ == "__main__":
    sys.exit(main())
