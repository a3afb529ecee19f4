"""The arXiv rate limiter, the retry policy and polite_get, against the replay server."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from collector.errors import (
    HTTPStatusError,
    RequestTimeoutError,
    SkippedError,
    TransportError,
    UnreachableError,
)
from collector.http import (
    HISTORY,
    RateLimiter,
    RequestStats,
    parse_retry_after,
    polite_get,
    retry_delay,
    shared_arxiv_limiter,
)
from collector.reachability import Reachability
from collector.sources.arxiv_api import ArxivAPI
from collector.sources.arxiv_listing import fetch_listing
from tests.replay import API, LISTING, ReplayServer, Reply, spacings


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_limiter_spaces_requests_and_records_them() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    limiter.wait()
    clock.now += 1.0
    waited = limiter.wait()
    assert waited == pytest.approx(2.0)
    assert list(limiter.history) == [100.0, 103.0]
    assert limiter.min_spacing() == pytest.approx(3.0)


def test_limiter_delay_is_settable_and_hold_delays_everyone() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3.0, clock=clock, sleep=clock.sleep)
    limiter.wait()
    limiter.delay_seconds = 0.5
    clock.now += 1.0
    assert limiter.wait() == 0.0
    limiter.hold(10.0)  # e.g. a 429 with Retry-After: 10
    assert limiter.wait() == pytest.approx(10.0)


def test_limiter_is_thread_safe() -> None:
    limiter = RateLimiter(0.02)
    threads = [threading.Thread(target=lambda: [limiter.wait() for _ in range(4)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(limiter.history) == 16
    assert limiter.min_spacing() is not None and limiter.min_spacing() >= 0.02


def test_the_history_is_bounded() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)
    for _ in range(HISTORY + 50):
        limiter.wait()
    assert len(limiter.history) == HISTORY and limiter.history[-1] == 100.0 + HISTORY + 49
    assert limiter.min_spacing() == pytest.approx(1.0)


def test_shared_limiter_is_one_instance_whose_delay_follows_the_settings() -> None:
    first = shared_arxiv_limiter(3.0)
    second = shared_arxiv_limiter(0.25)
    assert first is second and second.delay_seconds == 0.25


def test_parse_retry_after_reads_seconds_and_http_dates() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_retry_delay_doubles_honours_retry_after_and_is_capped(replay: ReplayServer) -> None:
    settings = replay.settings(http_backoff_seconds=2.0, http_max_backoff_seconds=60.0)
    assert [retry_delay(n, settings) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert retry_delay(1, settings, "20") == 20.0  # Retry-After says more
    assert retry_delay(3, settings, "1") == 8.0  # the backoff says more
    assert retry_delay(1, settings, "3600") == 60.0
    assert retry_delay(10, settings) == 60.0


def test_polite_get_retries_a_503_and_counts_requests(replay: ReplayServer) -> None:
    replay.script(API, [Reply(status=503), Reply(status=502)])
    stats = RequestStats()
    with httpx.Client() as client:
        response = polite_get(
            client, replay.api_url + "?id_list=1605.08386", source="t", settings=replay.settings(),
            limiter=None, stats=stats,
        )  # fmt: skip
    assert response.status_code == 200 and b"Heat-bath random walks" in response.content
    assert (stats.requests, stats.retries) == (3, 2)


def test_polite_get_does_not_retry_a_404(replay: ReplayServer) -> None:
    stats = RequestStats()
    with httpx.Client() as client, pytest.raises(HTTPStatusError) as caught:
        polite_get(
            client, replay.url + "/nowhere", source="t", settings=replay.settings(), limiter=None, stats=stats
        )
    assert (caught.value.status, caught.value.attempt, stats.requests) == (404, 1, 1)
    assert caught.value.url.endswith("/nowhere") and caught.value.source == "t"


@pytest.mark.parametrize("fault", [Reply(drop=True), Reply(cut=100)], ids=["dropped", "cut-short"])
def test_polite_get_gives_up_on_a_broken_connection_with_transport_error(
    replay: ReplayServer, fault: Reply
) -> None:
    settings = replay.settings(http_max_retries=1)
    replay.script(API, [fault, fault])
    with httpx.Client() as client, pytest.raises(TransportError) as caught:
        polite_get(
            client, replay.api_url + "?id_list=1605.08386", source="t", settings=settings, limiter=None
        )
    assert caught.value.attempt == 2
    assert isinstance(caught.value.__cause__, httpx.TransportError)


def test_arxiv_api_and_listing_share_one_limiter(replay: ReplayServer) -> None:
    settings = replay.settings(arxiv_delay_seconds=0.4, arxiv_page_size=10)
    limiter = shared_arxiv_limiter(settings.arxiv_delay_seconds)
    before = len(limiter.history)
    with ArxivAPI(settings, limiter) as api:
        since, until = datetime(2025, 7, 1, tzinfo=UTC), datetime(2025, 7, 2, tzinfo=UTC)
        pages = api.search("cat:cs.LG", since, until, 20)
        next(pages)
        fetch_listing(settings, limiter, ["cs.AI"])
        next(pages)
        fetch_listing(settings, limiter, ["cs.LG"])
    mine = list(limiter.history)[before:]
    assert len(mine) == len(replay.requests) == 4
    assert [r.route for r in replay.requests] == [API, LISTING, API, LISTING]
    assert min(b - a for a, b in zip(mine, mine[1:], strict=False)) >= 0.4
    # As the server saw them: an arrival can be late by a loaded machine's scheduling jitter, which
    # shortens the next gap, so allow 0.1 s of it (a second connection would show gaps near zero).
    assert min(spacings(replay.requests)) >= 0.3
    for request in replay.requests:
        assert "RoadmapRadar" in request.user_agent and "radar-tests@example.org" in request.user_agent


# -- permanent and transient failures (collector.reachability) ----------------------------------------------
class BlackHole:
    """A local port that drops connection attempts, as a firewall does: it listens with a backlog of one
    that is already taken and never accepts, so the kernel drops every further SYN and a client's connect
    times out (no network namespace needed)."""

    def __init__(self) -> None:
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(0)
        self.port = self.server.getsockname()[1]
        self.fillers = []
        for _ in range(2):  # Linux admits backlog + 1 connections before it starts dropping
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", self.port))
            self.fillers.append(filler)
        time.sleep(0.05)

    def close(self) -> None:
        for s in (*self.fillers, self.server):
            s.close()


@pytest.fixture
def black_hole() -> Iterator[BlackHole]:
    hole = BlackHole()
    yield hole
    hole.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


SLOW_BACKOFF = {"http_max_retries": 4, "http_backoff_seconds": 30.0}  # what a retry would cost


def get(url: str, settings: Any, reachability: Reachability, stats: RequestStats | None = None) -> None:
    with httpx.Client() as client:
        polite_get(client, url, source="t", settings=settings, limiter=None, stats=stats,
                   reachability=reachability, upstream="arXiv")  # fmt: skip


def test_a_refused_connection_is_unreachable_at_once_and_the_host_skipped_after(replay: ReplayServer) -> None:
    settings, reachability, stats = replay.settings(**SLOW_BACKOFF), Reachability(), RequestStats()
    url = f"http://127.0.0.1:{closed_port()}/api/query"
    started = time.monotonic()
    with pytest.raises(UnreachableError) as caught:
        get(url + "?a", settings, reachability, stats)
    assert "refused the connection" in str(caught.value) and caught.value.upstream == "arXiv"
    with pytest.raises(SkippedError) as skipped:
        get(url + "?b", settings, reachability, stats)
    assert time.monotonic() - started < 5  # no 30 s backoff anywhere
    assert stats.requests == 1 and stats.retries == 0  # the skip sent nothing
    assert "skipped: arXiv cannot be reached from this machine" in str(skipped.value)
    assert skipped.value.reason == caught.value.reason


def test_a_name_that_does_not_resolve_is_unreachable_at_once(replay: ReplayServer) -> None:
    reachability = Reachability()
    with pytest.raises(UnreachableError) as caught:
        get("http://radar-offline.invalid/api/query", replay.settings(**SLOW_BACKOFF), reachability)
    assert "radar-offline.invalid does not resolve" in caught.value.reason
    assert reachability.unreachable() == {"radar-offline.invalid": caught.value.reason}


def test_two_connect_timeouts_in_a_row_give_the_host_up_in_seconds(
    replay: ReplayServer, black_hole: BlackHole
) -> None:
    settings = replay.settings(http_connect_timeout_seconds=0.3, **SLOW_BACKOFF)
    reachability, stats = Reachability(), RequestStats()
    started = time.monotonic()
    with pytest.raises(UnreachableError) as caught:
        get(f"http://127.0.0.1:{black_hole.port}/api/query", settings, reachability, stats)
    took = time.monotonic() - started
    assert (stats.requests, stats.retries) == (2, 1) and 0.5 < took < 3  # two short tries, no backoff
    assert "accepted no connection within 0.3 s, 2 times" in caught.value.reason


def test_an_answer_between_connect_timeouts_keeps_the_host(replay: ReplayServer) -> None:
    reachability = Reachability()
    url = replay.api_url
    assert reachability.timed_out(url, 1.0) is None
    reachability.answered(url)
    assert reachability.timed_out(url, 1.0) is None  # not two in a row
    assert reachability.timed_out(url, 1.0) is not None


def test_a_read_timeout_keeps_the_polite_backoff_and_the_host(replay: ReplayServer) -> None:
    settings = replay.settings(http_timeout_seconds=0.2, http_max_retries=1, http_backoff_seconds=0.5)
    replay.script(API, [Reply(hang=1), Reply(hang=1)])
    reachability, stats = Reachability(), RequestStats()
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError):
        get(replay.api_url + "?id_list=1605.08386", settings, reachability, stats)
    assert time.monotonic() - started >= 0.5 + 2 * 0.2  # the backoff was waited
    assert stats.requests == 2 and not reachability.unreachable()  # a slow server is no unreachable one


NETEM = shutil.which("tc") and shutil.which("unshare") and shutil.which("ip")


def test_a_network_namespace_that_drops_packets_costs_seconds(tmp_path: Path) -> None:
    """Where the kernel lets the test build one: a fresh network namespace whose loopback drops every
    packet (tc netem loss 100%); `radar collect` in it is given up on after two connect timeouts."""
    if not NETEM:
        pytest.skip("tc, ip or unshare is missing")
    probe = subprocess.run(
        ["unshare", "--net", "sh", "-c", "ip link set lo up && tc qdisc add dev lo root netem loss 100%"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"cannot build a packet-dropping namespace here: {probe.stderr.strip()}")
    env = {**os.environ, "RADAR_DATABASE_URL": f"sqlite:///{tmp_path / 'radar.sqlite'}",
           "RADAR_ARXIV_LISTING_URL": "http://127.0.0.1:8/atom", "RADAR_ARXIV_API_URL": "http://127.0.0.1:8/api",
           "RADAR_HF_API_URL": "http://127.0.0.1:8/hf", "RADAR_HTTP_CONNECT_TIMEOUT_SECONDS": "1",
           "RADAR_ARXIV_DELAY_SECONDS": "0"}  # fmt: skip
    script = 'ip link set lo up && tc qdisc add dev lo root netem loss 100% && exec "$@"'
    command = ["unshare", "--net", "sh", "-c", script, "sh", sys.executable, "-m", "collector.cli", "collect"]
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1 and time.monotonic() - started < 20
    assert "accepted no connection within 1 s, 2 times" in done.stderr
