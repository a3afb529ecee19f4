"""dashboard.run_errors: a run row's error as one plain sentence, the recorded text kept as its detail.

RECORDED holds verbatim what the collector wrote into `runs.error` on 2026-11-30 (a real `radar collect`
offline: arXiv at a `.invalid` name and a closed port; the real collector against the replay server's
scripted faults; port numbers vary from run to run). SHAPED holds failures this machine cannot provoke (a
firewall dropping packets, a TLS failure, a batch with a note, a bug, a killed process), built from the
collector's own format strings. `test_the_sentences_of_errors_the_collector_writes_now` makes the collector
write the provokable ones again, so a change of its wording fails here instead of silently falling back to
"This step failed"."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

import db
from collector.config import PROJECT_ROOT
from collector.http import RateLimiter
from collector.pipeline import Collection, Request, Source
from collector.roadmap import load_roadmap
from collector.store import Store
from collector.upstreams import Limiters
from dashboard import collector_words as W
from dashboard.run_errors import explain, offline_sentence, plain_reason
from db import RunRow
from tests.replay import API, LISTING, ReplayServer, Reply

NOW = datetime(2026, 7, 1, 12, tzinfo=UTC)
ROADMAP = load_roadmap(PROJECT_ROOT / "roadmap.yaml")
LISTING_URL = (
    "http://127.0.0.1:38923/atom/cs.AI+cs.AR+cs.CL+cs.CV+cs.DC+cs.IR+cs.LG+cs.MA+cs.NE+cs.PL+cs.RO+cs.SE+eess"
    ".IV+math.OC+sta…"
)

# (source, status, error as recorded) → the sentence
RECORDED = [
    (
        "listing", "failed",
        "arxiv_listing: arXiv cannot be reached from this machine: 127.0.0.1:9 refused the connection "
        "([Errno 111] Connection refused) (http://127.0.0.1:9/atom/cs.AI+cs.AR+cs.CL+cs.CV+cs.DC+cs.IR+cs.LG+cs.MA+cs.NE"
        "+cs.PL+cs.RO+cs.SE+eess.IV+math.OC+stat.ML, attempt 1)",
        "arXiv cannot be reached from this machine (the connection was refused).",
    ),
    (
        "seminal", "failed",
        "arxiv_api: arXiv cannot be reached from this machine: the name radar-offline.invalid does not "
        "resolve ([Errno -2] Name or service not known) (http://radar-offline.invalid/api/query?search_query=&id_list="
        "2105.01601%2C2404.19756%2C2212.13345%2C1802.01528%2C2105.0…, attempt 1)",
        "arXiv cannot be reached from this machine (the name does not resolve).",
    ),
    (
        "hf", "skipped",
        "huggingface: skipped: Hugging Face cannot be reached from this machine: 127.0.0.1:9 refused the "
        "connection ([Errno 111] Connection refused)",
        "Not asked: Hugging Face cannot be reached from this machine (the connection was refused).",
    ),
    (
        "listing", "failed", f"arxiv_listing: HTTP 503 Service Unavailable ({LISTING_URL}, attempt 1)",
        "arXiv had a server error (HTTP 503), even after the retries.",
    ),
    (
        "listing", "failed", f"arxiv_listing: HTTP 429 Too Many Requests ({LISTING_URL}, attempt 1)",
        "arXiv asked us to slow down (HTTP 429) and still did after the retries.",
    ),
    (
        "listing", "failed", f"arxiv_listing: HTTP 403 Forbidden ({LISTING_URL}, attempt 1)",
        "arXiv refused the request (HTTP 403).",
    ),
    (
        "listing", "failed", f"arxiv_listing: no answer within 0.5s ({LISTING_URL}, attempt 1)",
        "arXiv did not answer within 0.5 s, even after the retries.",
    ),
    (
        "listing", "failed",
        "arxiv_listing: RemoteProtocolError: peer closed connection without sending complete message body "
        f"(received 100 bytes, expected 11623) ({LISTING_URL}, attempt 1)",
        "The connection to arXiv broke off, even after the retries.",
    ),
    (
        "listing", "failed",
        f"arxiv_listing: malformed listing feed: not an Atom/RSS feed ({LISTING_URL}, attempt 1)",
        "arXiv sent an answer that could not be read (cut off, or not in the expected format).",
    ),
]  # fmt: skip

SHAPED = [
    (
        "api", "failed",
        "arxiv_api: arXiv cannot be reached from this machine: export.arxiv.org:443 accepted no connection "
        "within 5 s, 2 times in a row (https://export.arxiv.org/api/query?search_query=cat, attempt 2)",
        "arXiv cannot be reached from this machine (it accepted no connection within 5 s, several times in a "
        "row).",
    ),
    (
        "feeds", "failed",
        "feed: A blog feed cannot be reached from this machine: the TLS handshake with blog.example:443 "
        "failed ([SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed) "
        "(https://blog.example/feed.xml, attempt 1)",
        "The blog feed cannot be reached from this machine (the secure (TLS) connection failed).",
    ),
    (
        "hf", "failed",
        "1 of 7 featured day(s) failed; huggingface: malformed JSON (12 bytes): Expecting value: line 1 "
        "column 1 (char 0) (http://127.0.0.1:8008/api/daily_papers?date=2026-06-30, attempt 1)",
        "Hugging Face sent an answer that could not be read (cut off, or not in the expected format).",
    ),
    (
        "hf-search", "failed",
        "huggingface: HTTP 404 Not Found (http://127.0.0.1:8008/api/papers/search?q=lora&limit=20, "
        "attempt 1)",
        "Hugging Face has no such page (HTTP 404).",
    ),
    (
        "hf", "failed",
        "2 of 5 paper page(s) failed; huggingface: HTTP 502 Bad Gateway (http://127.0.0.1:8008/api/papers/"
        "2401.00001, attempt 4)",
        "Hugging Face had a server error (HTTP 502), even after the retries.",
    ),
    ("listing", "interrupted", "interrupted (Ctrl-C or SIGTERM)", W.INTERRUPTED),
    (
        "api", "interrupted", "2 malformed item(s) skipped; interrupted: its process stopped before the end",
        W.DIED,
    ),
    (
        "listing", "failed", "ZeroDivisionError: a bug",
        "The collector hit an internal error (ZeroDivisionError): a bug, worth reporting with the detail.",
    ),
    ("atom", "failed", "feeds not written: [Errno 13] Permission denied: '/srv/feeds'", W.FEEDS_NOT_WRITTEN),
    (
        "schedule", "failed", "digests not sent today: the daily cycle failed (listing)",
        "Digests not sent today: the daily cycle failed (listing).",
    ),
]  # fmt: skip


def row(source: str, status: str, error: str | None) -> RunRow:
    return RunRow("r1", source, "q", NOW, NOW, errors=0 if status == "ok" else 1, error=error, status=status)


@pytest.mark.parametrize(("source", "status", "error", "sentence"), RECORDED + SHAPED)
def test_every_recorded_error_is_one_plain_sentence_with_the_detail_kept(
    source: str, status: str, error: str, sentence: str
) -> None:
    problem = explain(row(source, status, error))
    assert problem is not None
    assert problem.sentence == sentence
    assert problem.detail == error  # the URL, the exception, the attempt: all behind the expander
    assert "http" not in problem.sentence and "Errno" not in problem.sentence


def test_unreachable_upstreams_are_marked_offline_with_their_reason() -> None:
    problem = explain(row(*RECORDED[1][:3]))
    assert problem is not None and problem.offline and problem.upstream == "arXiv"
    assert (
        offline_sentence(problem) == "arXiv cannot be reached from this machine (the name does not resolve)."
    )
    http = explain(row(*RECORDED[5][:3]))
    assert http is not None and not http.offline and http.upstream == "arXiv"


def test_rows_that_went_fine_or_still_run_have_no_problem_whatever_their_notes() -> None:
    assert explain(row("listing", "ok", "empty feed: no announcement today (weekend or holiday)")) is None
    assert explain(row("hf", "ok", None)) is None
    assert (
        explain(RunRow("r", "api", "q", NOW, NOW, status="running", error="1 malformed entr(y/ies)")) is None
    )


def test_an_error_of_a_shape_never_seen_still_gets_a_sentence() -> None:
    problem = explain(row("api", "failed", "something odd"))
    assert problem is not None and problem.sentence == W.FAILED and problem.detail == "something odd"
    assert plain_reason("a reason nobody wrote yet") == W.REASON_OTHER


# -- the same sentences from errors the collector writes now -------------------------------------------------
FAULTS = [
    (LISTING, Reply(status=503), {}, "arXiv had a server error (HTTP 503), even after the retries."),
    (LISTING, Reply(status=429), {}, W.HTTP_SLOW_DOWN.format(upstream="arXiv")),
    (LISTING, Reply(hang=2), {"http_timeout_seconds": 0.5}, "arXiv did not answer within 0.5 s, even after "
     "the retries."),
    (LISTING, Reply(cut=100), {}, "The connection to arXiv broke off, even after the retries."),
    (LISTING, Reply(drop=True), {}, "The connection to arXiv broke off, even after the retries."),
    (LISTING, Reply(body=b"<html>no feed</html>"), {}, W.MALFORMED.format(upstream="arXiv")),
    (API, Reply(body=b"<feed"), {}, W.MALFORMED.format(upstream="arXiv")),
    (API, Reply(status=403), {}, "arXiv refused the request (HTTP 403)."),
]  # fmt: skip


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with the roadmap stored (Store.prepare), built once: each test copies it."""
    path = tmp_path_factory.mktemp("prepared") / "radar.sqlite"
    engine = db.make_engine(f"sqlite:///{path}")
    db.migrate(engine)  # Store.prepare syncs the roadmap into a schema that exists (issue 12)
    Store(engine, ROADMAP, NOW).prepare(ROADMAP)
    engine.dispose()
    return path


@pytest.mark.parametrize(("route", "reply", "overrides", "sentence"), FAULTS)
def test_the_sentences_of_errors_the_collector_writes_now(
    replay: ReplayServer,
    prepared: Path,
    tmp_path: Path,
    route: str,
    reply: Reply,
    overrides: dict[str, float],
    sentence: str,
) -> None:
    shutil.copyfile(prepared, tmp_path / "radar.sqlite")
    engine = db.make_engine(f"sqlite:///{tmp_path / 'radar.sqlite'}")
    settings = replay.settings(arxiv_delay_seconds=0, http_max_retries=0, **overrides)
    replay.script(route, [reply])
    source = Source.LISTING if route == LISTING else Source.SEMINAL
    limiters = Limiters(RateLimiter(0), RateLimiter(0))
    with Collection.open(settings, ROADMAP, engine, NOW, limiters=limiters) as collection:
        (run,) = collection.run(Request((source,))).runs
    engine.dispose()
    problem = explain(run)
    assert problem is not None and problem.sentence == sentence, run.error
    assert problem.detail == run.error and replay.url in problem.detail
