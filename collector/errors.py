"""The collector's one exception tree.

    RadarError                      anything Roadmap Radar raises on purpose
    ├── ConfigError                 bad settings or CLI input (exit code 2)
    │   └── RoadmapError            roadmap.yaml failed validation; carries every problem found
    ├── LockHeldError               another collector holds the database's collection lock (exit code 1)
    │   └── DigestRunHeldError      another digest run holds the digest lock (exit code 1)
    ├── MalformedItemError          one item of an answer is no paper (also a ValueError): skipped, counted
    ├── MailError                   a message was not delivered (the recipient, the server's answer)
    │   ├── MailRejected            a 5xx answer: recorded on the digest's subscriptions, the run goes on
    │   ├── MailDeferred            4xx answers until the retries ran out: recorded, sent again next run
    │   └── MailUnavailable         no usable server (connection, TLS, login): the run stops (exit code 1)
    └── SourceError                 an upstream request failed after its retries (source, url, attempt)
        ├── HTTPStatusError         a non-2xx answer (status, and the upstream's own message if any)
        ├── RequestTimeoutError     no answer within RADAR_HTTP_TIMEOUT_SECONDS
        ├── TransportError          connection reset, broken transfer (transient: retried with backoff)
        │   └── UnreachableError    the host cannot be reached from this machine (name does not resolve,
        │       │                   connection refused, TLS failure, connect timeouts in a row): not
        │       │                   retried, and the rest of the run skips the host
        │       └── SkippedError    not asked at all: an earlier request of this run found the host
        │                           unreachable (names the upstream and the reason)
        ├── MalformedResponseError  a body that is not the format promised (truncated XML, bad JSON)
        └── EmptyPageError          an empty page in the middle of a paginated result

Expected failures of a source are SourceErrors: the pipeline records them per source and query and
goes on; a digest run records a MailRejected or MailDeferred per digest and goes on. Anything else is a
bug and propagates (after its source/query row is recorded as failed).
"""

from __future__ import annotations


class RadarError(Exception):
    """Base of every error Roadmap Radar raises on purpose."""


class ConfigError(RadarError):
    """Bad configuration or usage; the CLI exits with code 2."""


class RoadmapError(ConfigError):
    """roadmap.yaml is invalid. `problems` holds one readable line per problem, each naming the field."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: {len(problems)} problem(s)\n" + "\n".join(problems))


class LockHeldError(RadarError):
    """Another process is collecting into the same database; says who and until when the lock counts."""

    def __init__(self, holder: str, since: str, expires: str) -> None:
        self.holder, self.since, self.expires = holder, since, expires
        super().__init__(
            f"another collection is running ({holder}, since {since}); its lock expires {expires} "
            "unless renewed: try again later"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (self.__class__, (self.holder, self.since, self.expires))


class MalformedItemError(RadarError, ValueError):
    """One item of an upstream answer (an entry, an HF paper) that is no usable paper; the parser that
    meets it skips and counts it. A ValueError too, so validators and older callers treat it as one."""


# Longest URL a message quotes (a grouped arXiv query is thousands of characters; `url` keeps it whole).
URL_SHOWN = 120


def shown_url(url: str) -> str:
    return url if len(url) <= URL_SHOWN else url[: URL_SHOWN - 1] + "…"


class DigestRunHeldError(LockHeldError):
    """Another `radar digest send` (or the scheduler's) is running: it would send the same digests."""

    def __init__(self, holder: str, since: str, expires: str) -> None:
        super().__init__(holder, since, expires)
        self.args = (
            f"another digest run is sending ({holder}, since {since}); its lock expires {expires} "
            "unless renewed: try again later",
        )


class MailError(RadarError):
    """A message was not delivered: to whom, and what the server answered (code 0: no answer)."""

    def __init__(self, recipient: str, message: str, code: int = 0) -> None:
        self.recipient, self.message, self.code = recipient, message, code
        super().__init__(f"{code} {message}" if code else message)

    def __reduce__(self) -> tuple[object, ...]:
        return (self.__class__, (self.recipient, self.message, self.code))


class MailRejected(MailError):
    """A 5xx answer: this message will not be accepted as it is."""


class MailDeferred(MailError):
    """4xx answers (or a dropped connection) until RADAR_SMTP_MAX_RETRIES ran out."""


class MailUnavailable(MailError):
    """No usable SMTP server: it cannot be reached, TLS failed, or it refused our login."""


class SourceError(RadarError):
    """An upstream request failed for good. Pickles, and says where and on which attempt."""

    def __init__(self, source: str, url: str, message: str, attempt: int = 1) -> None:
        self.source = source
        self.url = url
        self.message = message
        self.attempt = attempt
        super().__init__(f"{source}: {message} ({shown_url(url)}, attempt {attempt})")

    def __reduce__(self) -> tuple[object, ...]:
        return (self.__class__, (self.source, self.url, self.message, self.attempt))


class HTTPStatusError(SourceError):
    def __init__(self, source: str, url: str, message: str, attempt: int = 1, status: int = 0) -> None:
        self.status = status
        super().__init__(source, url, message, attempt)

    def __reduce__(self) -> tuple[object, ...]:
        return (self.__class__, (self.source, self.url, self.message, self.attempt, self.status))


class RequestTimeoutError(SourceError):
    pass


class TransportError(SourceError):
    pass


class UnreachableError(TransportError):
    """The host cannot be reached from this machine; `upstream` is its name for people ("arXiv") and
    `reason` says why in a few words. Pickles like every SourceError."""

    def __init__(
        self, source: str, url: str, message: str, attempt: int = 1, upstream: str = "", reason: str = ""
    ) -> None:
        self.upstream, self.reason = upstream or source, reason or message
        super().__init__(source, url, message, attempt)

    def __reduce__(self) -> tuple[object, ...]:
        args = (self.source, self.url, self.message, self.attempt, self.upstream, self.reason)
        return (self.__class__, args)


class SkippedError(UnreachableError):
    """Not asked: an earlier request of this run found the host unreachable (no request was sent, so its
    message names no URL or attempt)."""

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


class MalformedResponseError(SourceError):
    pass


class EmptyPageError(SourceError):
    pass
