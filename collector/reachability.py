"""Which hosts one collection run could not reach, so that the rest of the run skips them in no time.

    ConnectError (name does not resolve, connection refused, TLS failure, no route)  → down at once
    ConnectTimeout (a firewall dropping packets)      → down after CONNECT_TIMEOUTS in a row
    any answer from the host                          → its count of connect timeouts starts again

A host that is down stays down for the rest of the run: every later request to it is refused with a
SkippedError before anything is sent, naming the upstream ("arXiv") and the reason. The next run (the
scheduler's next job, the next `radar collect`) tries again. Read, write and transfer failures are not
this module's business: they are transient and keep the polite backoff (collector/http.py). A server that
completes the TCP handshake and then stays silent cannot be told from a slow arXiv, so its read timeouts
are transient too; a firewall that drops packets never completes the handshake, and that is what the
connect timeout catches.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import httpx

from collector.errors import SkippedError, UnreachableError
from collector.normalise import collapse

# Connect timeouts in a row after which a host is given up on for the run.
CONNECT_TIMEOUTS = 2


@dataclass
class _Host:
    timeouts: int = 0
    reason: str | None = None  # set when the host is down


def host_of(url: str) -> str:
    """`host[:port]` of a URL: what reachability is kept per (arXiv's API and its listing are two hosts)."""
    try:
        return httpx.URL(url).netloc.decode("ascii", "replace") or url
    except (httpx.InvalidURL, TypeError, ValueError):
        return url


def connect_failure(exc: httpx.ConnectError, host: str) -> str:
    """Why a connection could not be opened, in words a user can act on."""
    detail = collapse(str(exc)) or type(exc).__name__
    lowered = detail.lower()
    if any(word in lowered for word in ("name or service", "name resolution", "nodename", "no address")):
        return f"the name {host} does not resolve ({detail})"
    if "refused" in lowered:
        return f"{host} refused the connection ({detail})"
    if any(word in lowered for word in ("ssl", "tls", "certificate")):
        return f"the TLS handshake with {host} failed ({detail})"
    if "unreachable" in lowered or "no route" in lowered:
        return f"no route to {host} ({detail})"
    return f"cannot connect to {host} ({detail})"


class Reachability:
    """The hosts one run found unreachable; shared by the run's clients (thread-safe)."""

    def __init__(self, connect_timeouts: int = CONNECT_TIMEOUTS) -> None:
        self.connect_timeouts = connect_timeouts
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def check(self, url: str, source: str, upstream: str) -> None:
        """Raise SkippedError when `url`'s host is already known to be unreachable in this run."""
        with self._lock:
            reason = self._hosts.get(host_of(url), _Host()).reason
        if reason is not None:
            message = f"skipped: {upstream} cannot be reached from this machine: {reason}"
            raise SkippedError(source, url, message, 0, upstream, reason)

    def down(self, url: str, reason: str) -> None:
        """`url`'s host is unreachable for the rest of the run."""
        with self._lock:
            self._hosts.setdefault(host_of(url), _Host()).reason = reason

    def timed_out(self, url: str, seconds: float) -> str | None:
        """Count a connect timeout; the reason the host is now down, or None while it gets another try."""
        host = host_of(url)
        with self._lock:
            state = self._hosts.setdefault(host, _Host())
            state.timeouts += 1
            if state.timeouts >= self.connect_timeouts and state.reason is None:
                state.reason = (
                    f"{host} accepted no connection within {seconds:g} s, {state.timeouts} times in a row"
                )
            return state.reason if state.timeouts >= self.connect_timeouts else None

    def answered(self, url: str) -> None:
        """The host answered (whatever it said): its connect timeouts no longer run in a row."""
        with self._lock:
            state = self._hosts.get(host_of(url))
            if state is not None and state.reason is None:
                state.timeouts = 0

    def unreachable(self) -> dict[str, str]:
        """Host → why it is down, for the hosts this run gave up on."""
        with self._lock:
            return {host: s.reason for host, s in self._hosts.items() if s.reason is not None}


def unreachable_error(source: str, url: str, upstream: str, reason: str, attempt: int) -> UnreachableError:
    message = f"{upstream} cannot be reached from this machine: {reason}"
    return UnreachableError(source, url, message, attempt, upstream, reason)
