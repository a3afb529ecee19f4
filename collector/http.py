"""Polite HTTP for upstreams: the process-wide arXiv rate limiter, the retry/backoff policy and `polite_get`.

Every arXiv request of the process (API and listing) goes through one `RateLimiter`
(`shared_arxiv_limiter`). `polite_get` is the one place that sends a GET with a timeout, classifies the
answer and retries it with exponential backoff (Retry-After honoured); when it gives up it raises a
`collector.errors.SourceError` subclass carrying source, url and attempt. Upstreams that announce their
quota (Hugging Face: `RateLimit: "api";r=0;t=55`, or `X-RateLimit-Remaining`/`-Reset`) are obeyed: an
exhausted quota holds the limiter until the reset, and a 429 without Retry-After waits for that reset.
"""

from __future__ import annotations

import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from itertools import pairwise
from typing import Self

import httpx

from collector.clock import utc_now
from collector.config import Settings
from collector.errors import (
    EmptyPageError,
    HTTPStatusError,
    MalformedResponseError,
    RequestTimeoutError,
    SourceError,
    TransportError,
)

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
    caller lends one) and the count of requests it sent."""

    def __init__(
        self,
        settings: Settings,
        limiter: RateLimiter,
        client: httpx.Client | None = None,
        limits: httpx.Limits | None = None,
    ) -> None:
        self.settings = settings
        self.limiter = limiter
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


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None when absent/unreadable."""
    if not value or not value.strip():
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or utc_now())).total_seconds())


def retry_delay(
    attempt: int, settings: Settings, retry_after_header: str | None = None, now: datetime | None = None
) -> float:
    """Seconds to wait after failed attempt `attempt` (1-based): doubling backoff or Retry-After, capped."""
    backoff = settings.http_backoff_seconds * 2.0 ** max(0, attempt - 1)
    retry_after = parse_retry_after(retry_after_header, now)
    wanted = backoff if retry_after is None else max(backoff, retry_after)
    return min(wanted, settings.http_max_backoff_seconds)


_RATELIMIT_PARAM = re.compile(r";\s*([a-z]+)\s*=\s*(\d+)")
# An X-RateLimit-Reset this large is a Unix time, not a number of seconds.
_EPOCH_THRESHOLD = 1_000_000_000


def parse_ratelimit(headers: Mapping[str, str], now: float | None = None) -> tuple[int | None, float | None]:
    """(requests remaining, seconds until the quota resets) from the rate-limit headers; None where absent.

    Reads the IETF draft's `RateLimit: "policy";r=REMAINING;t=SECONDS` (as Hugging Face sends it), its
    older `RateLimit-Remaining`/`RateLimit-Reset` form, and `X-RateLimit-Remaining`/`X-RateLimit-Reset`
    (seconds, or a Unix time).
    """
    lowered = {name.lower(): value for name, value in headers.items()}
    params = dict(_RATELIMIT_PARAM.findall(lowered.get("ratelimit", "")))
    remaining = _first_number({**lowered, **params}, "r", "ratelimit-remaining", "x-ratelimit-remaining")
    reset = _first_number({**lowered, **params}, "t", "ratelimit-reset", "x-ratelimit-reset")
    if reset is not None and reset > _EPOCH_THRESHOLD:
        reset = max(0.0, reset - (time.time() if now is None else now))
    return (None if remaining is None else int(remaining)), reset


def _number(text: str | None) -> float | None:
    try:
        return None if text is None else float(text.strip())
    except ValueError:
        return None


def _first_number(headers: Mapping[str, str], *names: str) -> float | None:
    for name in names:
        if (value := _number(headers.get(name))) is not None:
            return value
    return None


def quota_wait(response: httpx.Response) -> float | None:
    """Seconds to wait before the next request when the upstream says its quota is used up, else None."""
    remaining, reset = parse_ratelimit(response.headers)
    if response.status_code == 429 or remaining == 0:
        return reset
    return None


_ERROR_FEED = re.compile(rb"/api/errors#.*?<summary>(.*?)</summary>", re.DOTALL)


def upstream_message(response: httpx.Response) -> str | None:
    """The upstream's own explanation of an error: arXiv's error-feed entry, or a JSON `error`/`message`."""
    body = response.content[:20000]
    found = _ERROR_FEED.search(body)
    if found:
        return " ".join(found.group(1).decode("utf-8", "replace").split())
    if response.headers.get("content-type", "").startswith("application/json"):
        return _json_message(body)
    return None


def _json_message(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            if isinstance(data.get(key), str):
                return str(data[key])
    return None


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
) -> httpx.Response:
    """GET `url` politely: limiter, User-Agent, timeout, bounded retries with backoff; 2xx or SourceError.

    `validate(response, attempt)` may raise a SourceError for a 2xx body; EmptyPageError and
    MalformedResponseError are retried like a 503, anything else is raised at once.
    """
    call = _Call(client, url, source, settings, limiter, stats or RequestStats(), validate, headers or {})
    return call.run()


class _Retry(Exception):
    """A failed attempt that deserves another try; `error` is what to raise when none are left."""

    def __init__(self, error: SourceError, retry_after: str | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after = retry_after


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

    def run(self) -> httpx.Response:
        attempts = self.settings.http_max_retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._attempt(attempt)
            except _Retry as retry:
                if attempt == attempts:
                    raise retry.error from retry.error.__cause__
                self.stats.retries += 1
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
        if self.limiter is not None:
            self.limiter.wait()
        self.stats.requests += 1
        headers = {"User-Agent": self.settings.user_agent(), **self.headers}
        timeout = self.settings.http_timeout_seconds
        try:
            return self.client.get(self.url, headers=headers, timeout=httpx.Timeout(timeout))
        except httpx.TimeoutException as exc:
            error: SourceError = RequestTimeoutError(
                self.source, self.url, f"no answer within {timeout}s", attempt
            )
            raise _Retry(error) from _cause(error, exc)
        except httpx.TransportError as exc:
            error = TransportError(self.source, self.url, f"{type(exc).__name__}: {exc}", attempt)
            raise _Retry(error) from _cause(error, exc)

    def _status_error(self, response: httpx.Response, attempt: int) -> HTTPStatusError:
        detail = upstream_message(response)
        message = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
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
