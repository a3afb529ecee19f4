"""Concurrent readers for benchmarks/dashboard.py: N processes, each a reader opening topics' reading lists
(collector.reading_lists.reading_list, as the Topic page does) on one database, for a fixed time.

A reader waits a think time between two lists (uniform between half and one and a half `think`
seconds; 0: back to back, a stress test, not a reader). Processes, not threads: each has its own
interpreter and connection, as the dashboard's replicas and sessions do. Readers with a think time open
their first list at a moment of their own within the first think time, as people arriving do: started in
one instant, the 32 first lists queued behind each other on two cores (first lists 97 ms at the median,
the rest 21 ms at p95), and those 32 of ~640 lists were the whole p95. The stress test starts them all
in one instant.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import random
import sys
import time
import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.synchronize import Event

# Lists each reader opens before the clock starts: a fresh process compiles its statements first.
WARM_UP = 5


@dataclass(frozen=True)
class Load:
    """What the readers saw: every list's latency, the failures, and for how long."""

    latencies: list[float]
    errors: int
    seconds: float

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


def read(url: str, seconds: float, think: float, seed: int, now: datetime, ready: object, go: Event) -> None:
    """One reader: report ready, wait for the start, open lists until the time is up, send the results."""
    import db
    from collector.config import Settings
    from collector.reading_lists import reading_list

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    engine = db.make_engine(url)
    with db.session_scope(engine) as session:
        topics = db.list_topics(session)
    rng, latencies, errors = random.Random(seed), [], 0
    for topic in rng.sample(topics, WARM_UP):  # a page view that compiles the statements, not measured
        with db.session_scope(engine) as session:
            reading_list(session, topic, settings, now, recent_limit=20)
    ready.put(("ready", seed))  # type: ignore[attr-defined]
    go.wait()
    end = time.monotonic() + seconds
    if think:  # readers arrive at their own moments, as people do: not 32 first clicks in one instant
        time.sleep(rng.uniform(0, think))
    while time.monotonic() < end:
        topic = rng.choice(topics)
        started = time.perf_counter()
        try:
            with db.session_scope(engine) as session:
                reading_list(session, topic, settings, now, recent_limit=20)
        except Exception:  # noqa: BLE001  (counted: the benchmark's target is zero)
            errors += 1
        latencies.append(time.perf_counter() - started)
        if think:
            time.sleep(rng.uniform(think / 2, think * 1.5))
    engine.dispose()
    ready.put(("done", (latencies, errors)))  # type: ignore[attr-defined]


def load(url: str, readers: int, seconds: float, think: float, now: datetime) -> Load:
    """Run `readers` reader processes on `url` for `seconds`, released together (see `read`)."""
    context = multiprocessing.get_context("spawn")  # no parent connections or caches in the children
    queue, go = context.Queue(), context.Event()
    processes = [
        context.Process(target=read, args=(url, seconds, think, seed, now, queue, go))
        for seed in range(readers)
    ]
    with bare_main():
        for process in processes:
            process.start()
    for _ in processes:
        assert queue.get(timeout=300)[0] == "ready"
    go.set()
    results = [queue.get(timeout=seconds + 300)[1] for _ in processes]
    for process in processes:
        process.join(timeout=60)
    return Load([t for latencies, _ in results for t in latencies], sum(e for _, e in results), seconds)


@contextlib.contextmanager
def bare_main() -> Iterator[None]:
    """Readers started meanwhile import no `__main__`: a spawned child imports its parent's main module,
    and after a page run under AppTest that is the dashboard's page script — every reader ran the
    Topic page at start and then opened its lists 40-300% slower (p95 under load 66-84 ms instead of
    17-22 ms on PostgreSQL)."""
    saved = sys.modules["__main__"]
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        sys.modules["__main__"] = saved
