"""What went wrong in one run row, as one plain sentence a reader can act on, with the error as recorded
kept as the technical detail (pure). It reads the texts collector/ writes into `runs.error`:

    [notes; ]<error source>: <message> (<url>, attempt <n>)      a SourceError (collector/errors.py)
    [notes; ]<error source>: skipped: <Upstream> cannot be reached from this machine: <reason>
    [notes; ]interrupted (Ctrl-C or SIGTERM)  ·  [...; ]interrupted: its process stopped before the end
    [notes; ]<ExceptionName>: <message>                          a bug, recorded before it was raised

where an unreachable host's <message> is "<Upstream> cannot be reached from this machine: <reason>" and
<reason> is one of collector/reachability.py's ("the name X does not resolve (…)", "X refused the
connection (…)", …). A row of another kind (digests, feeds written, the scheduler's notes) is said as it
was written: those are sentences already.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dashboard import collector_words as W
from db import RunRow


@dataclass(frozen=True)
class Problem:
    """One row's failure: the sentence, the recorded error, whom it concerns, and whether that is an
    upstream this machine cannot reach (`reason` then says why, in a few plain words)."""

    sentence: str
    detail: str
    upstream: str
    reason: str = ""

    @property
    def offline(self) -> bool:
        return bool(self.reason)


_SOURCE_ERROR = re.compile(
    r"(?:^|; )(?P<module>[a-z][a-z_]*): (?P<message>.+?)(?: \((?P<url>\S+), attempt \d+\))?$", re.DOTALL
)
_UNREACHABLE = re.compile(r"^(?P<skipped>skipped: )?(?P<upstream>[^:;()]+?) cannot be reached from this "
                          r"machine: (?P<reason>.+)$", re.DOTALL)  # fmt: skip
_BUG = re.compile(r"(?:^|; )(?P<name>[A-Z]\w*(?:Error|Exception|Warning)): ")
_HTTP = re.compile(r"^HTTP (?P<status>\d{3})\b")
_SECONDS = re.compile(r"within (?P<seconds>\d+(?:\.\d+)?) ?s\b")
_REASONS = (
    (re.compile(r"^the name \S+ does not resolve"), "REASON_NAME"),  # words looked up on use (the language)
    (re.compile(r"^\S+ refused the connection"), "REASON_REFUSED"),
    (re.compile(r"^the TLS handshake with \S+ failed"), "REASON_TLS"),
    (re.compile(r"^no route to "), "REASON_ROUTE"),
    (re.compile(r"^\S+ accepted no connection within"), "REASON_CONNECT_TIMEOUT"),
)
_MALFORMED = ("truncated", "malformed", "not a feed", "not an atom", "json", "no object")
_COLLECTING = frozenset(W.table("upstream_of_source"))


def explain(run: RunRow) -> Problem | None:
    """The row's problem; None for a row that is running or went fine (its notes are no error)."""
    if run.ok or run.running:
        return None
    text = (run.error or "").strip()
    if run.status == "interrupted":
        return Problem(W.DIED if "process stopped" in text else W.INTERRUPTED, text, "")
    if run.source not in _COLLECTING:
        return Problem(own_words(run.source, text), text, "")
    return from_source_error(run.source, text) or from_bug(run.source, text)


def own_words(source: str, text: str) -> str:
    """A row written by Roadmap Radar itself (digests, the scheduler): already a sentence."""
    if source == "atom":
        return W.FEEDS_NOT_WRITTEN
    said = text.splitlines()[0][:300] if text else W.FAILED
    return sentence_case(said.rstrip(".") + ".")


def from_source_error(source: str, text: str) -> Problem | None:
    found = _SOURCE_ERROR.search(text)
    if found is None:
        return None
    upstream = W.table("upstream_of_error").get(found["module"]) or W.table("upstream_of_source")[source]
    message = found["message"]
    away = _UNREACHABLE.match(message)
    if away is not None:
        reason = plain_reason(away["reason"])
        template = W.SKIPPED if away["skipped"] else W.OFFLINE
        return Problem(
            sentence_case(template.format(upstream=upstream, reason=reason)), text, upstream, reason
        )
    return Problem(sentence_case(said_of(message, upstream)), text, upstream)


def from_bug(source: str, text: str) -> Problem:
    upstream = W.table("upstream_of_source")[source]
    bug = _BUG.search(text)
    return Problem(W.BUG.format(name=bug["name"]) if bug else W.FAILED, text, upstream)


def said_of(message: str, upstream: str) -> str:
    """The sentence for a SourceError's message (anything but an unreachable host)."""
    http = _HTTP.match(message)
    if http is not None:
        return http_sentence(int(http["status"]), upstream)
    seconds = _SECONDS.search(message)
    lowered = message.lower()
    if lowered.startswith("no answer within") and seconds:
        return W.READ_TIMEOUT.format(upstream=upstream, seconds=seconds["seconds"])
    if lowered.startswith("no connection within") and seconds:
        return W.CONNECT_TIMEOUT.format(upstream=upstream, seconds=seconds["seconds"])
    if lowered.startswith("arxiv api error"):
        return W.QUERY_REFUSED.format(upstream=upstream)
    if "empty page" in lowered:
        return W.EMPTY_PAGE.format(upstream=upstream)
    if any(word in lowered for word in _MALFORMED):
        return W.MALFORMED.format(upstream=upstream)
    if re.match(r"^[A-Z]\w+: ", message):  # httpx's transport errors: a reset, a broken transfer
        return W.BROKEN.format(upstream=upstream)
    return W.FAILED


def http_sentence(status: int, upstream: str) -> str:
    if status == 429:
        return W.HTTP_SLOW_DOWN.format(upstream=upstream)
    if status >= 500:
        return W.HTTP_SERVER.format(upstream=upstream, status=status)
    if status == 404:
        return W.HTTP_NOT_FOUND.format(upstream=upstream)
    return W.HTTP_REFUSED.format(upstream=upstream, status=status)


def plain_reason(reason: str) -> str:
    """collector/reachability.py's reason ("the name export.arxiv.org does not resolve ([Errno -2] …)")
    in a few plain words ("the name does not resolve")."""
    for pattern, said in _REASONS:
        if pattern.search(reason):
            seconds = _SECONDS.search(reason)
            return str(getattr(W, said)).format(seconds=seconds["seconds"] if seconds else "?")
    return W.REASON_OTHER


def sentence_case(text: str) -> str:
    """The first letter up, unless the sentence starts with a name spelled in lower case ("arXiv")."""
    if text.startswith("arXiv"):
        return text
    return text[:1].upper() + text[1:]


def offline_sentence(problem: Problem) -> str:
    """ "arXiv cannot be reached from this machine (the name does not resolve)." for an offline problem."""
    return sentence_case(W.OFFLINE.format(upstream=problem.upstream, reason=problem.reason))
