"""Polite HTTP for upstreams: the process-wide arXiv rate limiter, the retry/backoff policy and `polite_get`.

Every arXiv request of the process (API and listing) goes through one `RateLimiter`
(`shared_arxiv_limiter`). `polite_get` is the one place that sends a GET with a timeout, classifies the
answer and retries it with exponential backoff (Retry-After honoured); when it gives up it raises a
`collector.errors.SourceError` subclass carrying source, url and attempt. Upstreams that announce their
quota (Hugging Face: `RateLimit: "api";r=0;t=55`, or `X-RateLimit-Remaining`/`-Reset`) are obeyed: an
exhausted quota holds the limiter until the reset, and a 429 without Retry-After waits for that reset.

The failure policy, permanent versus transient:

    name does not resolve, connection refused,   UnreachableError at once, not retried; the host is
    TLS failure, no route                         skipped for the rest of the run (collector.reachability)
    connect timeout (RADAR_HTTP_CONNECT_TIMEOUT_  retried at once without backoff; the second in a row
    SECONDS, short)                               makes the host unreachable for the run
    4xx other than 408/429 (and 425)              HTTPStatusError at once, not retried
    429, 408, 5xx, read timeout, reset, broken    retried with doubling backoff (Retry-After honoured),
    or truncated body                             RADAR_HTTP_MAX_RETRIES times
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Self

import httpx

from collector.config import Settings
from collector.errors import (
    EmptyPageError,
    HTTPStatusError,
    MalformedResponseError,
    RequestTimeoutError,
    SourceError,
    TransportError,
)
from collector.http_answers import parse_retry_after, quota_wait, upstream_message
from collector.normalise import collapse
from collector.reachability import Reachability, connect_failure, host_of, unreachable_error

# 408/425/429 and every 5xx are worth another try; any other 4xx will not change by asking again.
RETRYABLE_STATUS = frozenset({408, 425, 429})
# A body that failed validation this way may be a transient upstream hiccup, so it is retried too.
RETRYABLE_BODY_ERRORS: tuple[type[SourceError], ...] = (EmptyPageError, MalformedResponseError)


# Request times a limiter remembers: enough to see its spacing, bounded so `radar schedule` never grows.
HISTORY = 1000


class RateLimiter:
    """Spaces requests at least `delay_seconds` apart, across threads; `history` keeps the times of the last
    HISTORY requests (counting requests is RequestStats' job)."""

    def __init__(
        self,
        delay_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.delay_seconds = delay_seconds
        self.history: deque[float] = deque(maxlen=HISTORY)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._not_before = float("-inf")

    def wait(self) -> float:
        """Block until the next request may go, record it, and return how long we waited."""
        with self._lock:
            start = now = self._clock()
            ready = self._ready_at()
            while now < ready:
                self._sleep(ready - now)
                now = self._clock()
            self.history.append(now)
            return now - start

    def hold(self, seconds: float) -> None:
        """Make every caller wait `seconds` from now (a 429/503 backoff applies to the whole process)."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def min_spacing(self) -> float | None:
        """Smallest gap between two consecutive recorded requests (None with fewer than two)."""
        gaps = [b - a for a, b in pairwise(self.history)]
        return min(gaps) if gaps else None

    def _ready_at(self) -> float:
        last = self.history[-1] + self.delay_seconds if self.history else float("-inf")
        return max(last, self._not_before)


_shared_lock = threading.Lock()
_shared_limiters: dict[str, RateLimiter] = {}


def shared_limiter(upstream: str, delay_seconds: float) -> RateLimiter:
    """The process-wide limiter for every request to one upstream; each call sets its delay."""
    with _shared_lock:
        limiter = _shared_limiters.setdefault(upstream, RateLimiter(delay_seconds))
        limiter.delay_seconds = delay_seconds
        return limiter


def shared_arxiv_limiter(delay_seconds: float) -> RateLimiter:
    """The one limiter for every arXiv request in the process (API and listing alike)."""
    return shared_limiter("arxiv", delay_seconds)


def shared_hf_limiter(delay_seconds: float) -> RateLimiter:
    """The one limiter for every Hugging Face request in the process."""
    return shared_limiter("huggingface", delay_seconds)


@dataclass
class RequestStats:
    """HTTP requests sent by one caller, retries included (what a run reports as `requests`)."""

    requests: int = 0
    retries: int = 0


class UpstreamClient:
    """What every upstream source shares: the settings, its limiter, an httpx client (its own unless the
    caller lends one), the count of requests it sent and the run's record of unreachable hosts.
    `UPSTREAM` is its name in messages for people ("arXiv cannot be reached …")."""

    UPSTREAM = "the upstream"

    def __init__(
        self,
        settings: Settings,
        limiter: RateLimiter,
        client: httpx.Client | None = None,
        limits: httpx.Limits | None = None,
        reachability: Reachability | None = None,
    ) -> None:
        self.settings = settings
        self.limiter = limiter
        self.reachability = reachability or Reachability()
        self._stats = RequestStats()
        self._http = client or httpx.Client(limits=limits or httpx.Limits())
        self._owns_http = client is None

    @property
    def requests(self) -> int:
        return self._stats.requests

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def retry_delay(
    attempt: int, settings: Settings, retry_after_header: str | None = None, now: datetime | None = None
) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): doubling backoff or Retry-After, capped."""
    backoff = settings.http_backoff_seconds * 2.0 ** max(0, attempt - 1)
    retry_after = parse_retry_after(retry_after_header, now)
    wanted = backoff if retry_after is None else max(backoff, retry_after)
    return min(wanted, settings.http_max_backoff_seconds)


Validator = Callable[[httpx.Response, int], None]


def polite_get(
    client: httpx.Client,
    url: str,
    *,
    source: str,
    settings: Settings,
    limiter: RateLimiter | None,
    stats: RequestStats | None = None,
    validate: Validator | None = None,
    headers: dict[str, str] | None = None,
    reachability: Reachability | None = None,
    upstream: str | None = None,
) -> httpx.Response:
    """GET `url` politely: limiter, User-Agent, timeouts, bounded retries with backoff; 2xx or SourceError.

    `validate(response, attempt)` may raise a SourceError for a 2xx body; EmptyPageError and
    MalformedResponseError are retried like a 503, anything else is raised at once. A host that
    `reachability` (the run's) already gave up on is not asked (SkippedError); `upstream` names it.
    """
    call = _Call(
        client, url, source, settings, limiter, stats or RequestStats(), validate, headers or {},
        reachability or Reachability(), upstream or source,
    )  # fmt: skip
    return call.run()


class _Retry(Exception):
    """A failed attempt that deserves another try; `error` is what to raise when none are left. Without
    `backoff` the next try goes as soon as the limiter lets it (a connect timeout never reached anyone)."""

    def __init__(self, error: SourceError, retry_after: str | None = None, backoff: bool = True) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after
        self.backoff = backoff


@dataclass
class _Call:
    """One polite GET and its retries."""

    client: httpx.Client
    url: str
    source: str
    settings: Settings
    limiter: RateLimiter | None
    stats: RequestStats
    validate: Validator | None
    headers: dict[str, str]
    reachability: Reachability
    upstream: str

    def run(self) -> httpx.Response:
        attempts = self.settings.http_max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._attempt(attempt)
            except _Retry as retry:
                if attempt == attempts:
                    raise retry.error from retry.error.__cause__
                self.stats.retries += 1
                if retry.backoff:
                    self._back_off(retry_delay(attempt, self.settings, retry.retry_after))
        raise AssertionError("unreachable: the loop returns or raises")

    def _attempt(self, attempt: int) -> httpx.Response:
        response = self._send(attempt)
        status = response.status_code
        wait = quota_wait(response)
        if wait and status < 400 and self.limiter is not None:
            self.limiter.hold(min(wait, self.settings.http_max_backoff_seconds))
        if status in RETRYABLE_STATUS or status >= 500:
            retry_after = response.headers.get("Retry-After") or (str(math.ceil(wait)) if wait else None)
            raise _Retry(self._status_error(response, attempt), retry_after)
        if not 200 <= status < 300:
            raise self._status_error(response, attempt)
        if self.validate is not None:
            try:
                self.validate(response, attempt)
            except RETRYABLE_BODY_ERRORS as exc:
                raise _Retry(exc) from exc
        return response

    def _send(self, attempt: int) -> httpx.Response:
        self.reachability.check(self.url, self.source, self.upstream)  # a host given up on: not asked
        if self.limiter is not None:
            self.limiter.wait()
        self.stats.requests += 1
        headers = {"User-Agent": self.settings.user_agent(), **self.headers}
        timeout = self.settings.http_timeout_seconds
        connect = min(self.settings.http_connect_timeout_seconds, timeout)
        try:
            limits = httpx.Timeout(timeout, connect=connect)
            response = self.client.get(self.url, headers=headers, timeout=limits)
        except httpx.ConnectTimeout as exc:
            raise self._connect_timeout(attempt, connect, exc) from exc
        except httpx.ConnectError as exc:
            reason = connect_failure(exc, host_of(self.url))
            self.reachability.down(self.url, reason)
            raise unreachable_error(self.source, self.url, self.upstream, reason, attempt) from exc
        except httpx.TimeoutException as exc:
            error: SourceError = RequestTimeoutError(
                self.source, self.url, f"no answer within {timeout:g}s", attempt
            )
            raise _Retry(error) from _cause(error, exc)
        except httpx.TransportError as exc:
            error = TransportError(self.source, self.url, collapse(f"{type(exc).__name__}: {exc}"), attempt)
            raise _Retry(error) from _cause(error, exc)
        self.reachability.answered(self.url)
        return response

    def _connect_timeout(self, attempt: int, seconds: float, exc: Exception) -> Exception:
        """Another try at once, or UnreachableError once the host timed out CONNECT_TIMEOUTS times running."""
        reason = self.reachability.timed_out(self.url, seconds)
        if reason is not None:
            return unreachable_error(self.source, self.url, self.upstream, reason, attempt)
        error = RequestTimeoutError(self.source, self.url, f"no connection within {seconds:g}s", attempt)
        _cause(error, exc)
        return _Retry(error, backoff=False)

    def _status_error(self, response: httpx.Response, attempt: int) -> HTTPStatusError:
        detail = upstream_message(response)
        message = collapse(f"HTTP {response.status_code} {response.reason_phrase}")
        if detail:
            message = f"{message}: {detail}"
        return HTTPStatusError(self.source, self.url, message, attempt, status=response.status_code)

    def _back_off(self, seconds: float) -> None:
        if self.limiter is not None:
            self.limiter.hold(seconds)  # the limiter's next wait() sleeps it off, for every thread
        else:
            time.sleep(seconds)


def _cause(error: SourceError, exc: Exception) -> Exception:
    """Chain the transport exception to the SourceError that will be raised when retries run out."""
    error.__cause__ = exc
    return exc
