"""The arXiv rate limiter, the retry policy and polite_get, against the replay server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from collector.errors import HTTPStatusError, TransportError
from collector.http import (
    HISTORY,
    RateLimiter,
    RequestStats,
    parse_retry_after,
    polite_get,
    retry_delay,
    shared_arxiv_limiter,
)
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
    settings = replay.settings(arxiv_delay_seconds=0.2, arxiv_page_size=10)
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
    assert min(b - a for a, b in zip(mine, mine[1:], strict=False)) >= 0.2
    assert min(spacings(replay.requests)) >= 0.19  # as the server saw them (network jitter aside)
    for request in replay.requests:
        assert "RoadmapRadar" in request.user_agent and "radar-tests@example.org" in request.user_agent
