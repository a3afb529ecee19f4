"""What an upstream's answer says beyond its body: how long to wait (Retry-After, the rate-limit headers
Hugging Face sends) and its own explanation of an error (arXiv's error feed, a JSON `error`). Pure
functions over headers and bodies; collector.http decides what to do with them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from collector.clock import utc_now
from collector.normalise import collapse


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
        return collapse(found.group(1).decode("utf-8", "replace"))[:500]
    if response.headers.get("content-type", "").startswith("application/json"):
        return _json_message(body)
    return None


def _json_message(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict):
        for key in ("error", "message", "detail"):
            if isinstance(data.get(key), str):
                return collapse(str(data[key]))[:500]
    return None
