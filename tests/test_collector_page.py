"""The Collector page under AppTest, following real `radar collect` processes: one its "Collect now" started
(against the replay server, and against upstreams this machine cannot reach), one started from a terminal,
one that cannot start; and in headless Chromium, the offline sentence arriving without a reload."""

from __future__ import annotations

import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import db
from collector.config import PROJECT_ROOT
from collector.locking import holder_gone
from collector.serve import streamlit_command
from dashboard import collect_job
from dashboard import collector_words as W
from dashboard.text import md_escape
from tests.conftest import radar_env
from tests.factories import BACKENDS, blank_engine
from tests.replay import API, LISTING, ReplayServer, Reply, load_corpus, render_api_feed
from tests.replay_hf import HFReplay
from tests.test_dashboard_e2e import CHROMIUM, FLAGS, free_port, wait_healthy

APP = str(PROJECT_ROOT / "dashboard" / "app.py")
# RFC 6761: a name under .invalid never resolves, so this host is "offline" without reaching anyone.
UNRESOLVABLE = "http://radar-offline.invalid"
OFFLINE_ARXIV = "arXiv cannot be reached from this machine (the name does not resolve)."
OFFLINE_HF = "Hugging Face cannot be reached from this machine (the connection was refused)."
_fresh = itertools.count()


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty migrated database (SQLite file, or TEST_DATABASE_URL's with a fresh schema) under a URL no
    earlier test used: the dashboard keys its caches and its background job by URL."""
    engine = blank_engine(request.param, tmp_path)
    db.migrate(engine)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    if request.param == "sqlite":
        yield url
    else:
        yield f"{url}{'&' if '?' in url else '?'}application_name=radar-test-{next(_fresh)}"


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    import streamlit as st

    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


@pytest.fixture
def replayed(hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: str) -> dict[str, str]:
    """RADAR_* for the replay server as arXiv and Hugging Face; the classics in batches of 50 ids."""
    return radar_env(hf, tmp_path, monkeypatch, RADAR_DATABASE_URL=database, RADAR_ARXIV_ID_BATCH="50")


def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, url: str) -> None:
    """arXiv's API and listing at a name that does not resolve; Hugging Face at a closed port."""
    hf_port = free_port()  # bound and released: nobody listens there
    for name, value in {"RADAR_DATABASE_URL": url, "RADAR_ARXIV_API_URL": f"{UNRESOLVABLE}/api/query",
                        "RADAR_ARXIV_LISTING_URL": f"{UNRESOLVABLE}/atom",
                        "RADAR_HF_API_URL": f"http://127.0.0.1:{hf_port}/api"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)


def open_collector() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.switch_page("app_pages/collector.py")
    return rerun(at)


def rerun(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(text: str) -> str:
    return text.replace("\\", "")  # Markdown escapes off


def said(at: AppTest, kind: str) -> list[str]:
    """The texts of every element of one kind (info, success, warning, error, caption, markdown)."""
    return [plain(e.value) for e in getattr(at, kind)]


def everything(at: AppTest) -> str:
    return "\n".join(
        t for kind in ("info", "success", "warning", "error", "caption", "markdown") for t in said(at, kind)
    )


def wait_until(at: AppTest, done: Callable[[AppTest], bool], seconds: float) -> float:
    """Run the page again until `done(at)`; the seconds it took."""
    started = time.monotonic()
    while not done(rerun(at)):
        assert time.monotonic() - started < seconds, everything(at)
        time.sleep(0.2)
    return time.monotonic() - started


def wait_rows(url: str, run_id: str, done: Callable[[list[db.RunRow]], bool], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    engine = db.make_engine(url)
    try:
        while True:
            with db.session_scope(engine) as session:
                rows = db.run_rows(session, run_id)
                if done(rows):
                    return
            assert time.monotonic() < deadline, f"rows of {run_id} never got there: {rows}"
            time.sleep(0.1)
    finally:
        engine.dispose()


def press_collect(at: AppTest, url: str) -> collect_job.Job:
    at.button(key="collect").click()
    rerun(at)
    job = collect_job.current(url)
    assert job is not None and job.run_id is not None
    return job


def table_column(at: AppTest, column: str) -> list[str]:
    """A column of the first table that has it (the steps of the collection shown)."""
    frame = next(d.value for d in at.dataframe if column in d.value.columns)
    return list(frame[column])


# -- idle ---------------------------------------------------------------------------------------------------
def test_nothing_collected_yet_says_so_and_offers_collect_now(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RADAR_DATABASE_URL", database)
    at = open_collector()
    assert plain(W.IDLE) in said(at, "info")
    assert not at.button(key="collect").disabled
    assert not at.error and not [
        w for w in said(at, "warning") if "collection" in w.lower() and "succeeded" not in w
    ]


# -- your own collection, live then finished -----------------------------------------------------------------
def test_your_collection_shows_live_progress_then_its_counts(
    replay: ReplayServer, replayed: dict[str, str], database: str
) -> None:
    """The classics' first id batch brings 20 corpus papers, the second is answered after 6 s: meanwhile the
    page shows the live row (pages and papers so far) as the database has it, named as this tab's own
    collection; then how it ended."""
    at = open_collector()
    corpus = load_corpus()
    entries = [corpus.api_entry(paper) for paper in corpus.papers[:20]]
    first = Reply(body=render_api_feed(entries, total=20, start=0, max_results=20))
    replay.script(API, [first, Reply(hang=6)])
    job = press_collect(at, database)
    assert at.button(key="collect").disabled
    wait_rows(database, job.run_id or "", lambda rows: any(r.running and r.pages for r in rows))
    rerun(at)
    assert re.fullmatch(r"Your collection, started \d+ s ago\.", said(at, "info")[0]), said(at, "info")
    now = [m for m in said(at, "markdown") if m.startswith("Now: classics from arXiv")]
    assert now and re.search(r"— 1 page\(s\), 20 papers so far, for \d+ s$", now[0]), now
    assert "arXiv listing" in table_column(at, "step") and at.button(key="collect").disabled
    assert any(c.startswith("Collecting now: classics from arXiv") for c in said(at.sidebar, "caption"))

    wait_until(at, lambda page: not job.running and bool(said(page, "success")), 120)
    assert job.exit_code == 0, job.tail()
    rows = rows_of(database, job.run_id or "")
    assert {r.status for r in rows} == {"ok"} and len(rows) >= 3
    assert re.fullmatch(
        r"Your collection finished (just now|\d+ s ago), after \d+ s\.", said(at, "success")[0]
    )
    counts = (sum(r.fetched for r in rows), sum(r.new for r in rows), sum(r.updated for r in rows))
    outcome = f"{len(rows)} ok: {counts[0]} papers fetched, {counts[1]} new, {counts[2]} updated."
    assert outcome in said(at, "caption") and counts[1] > 0
    assert not at.button(key="collect").disabled


def rows_of(url: str, run_id: str) -> list[db.RunRow]:
    engine = db.make_engine(url)
    with db.session_scope(engine) as session:
        rows = db.run_rows(session, run_id)
    engine.dispose()
    return rows


# -- a collection started elsewhere --------------------------------------------------------------------------
def test_a_collection_from_a_terminal_is_named_by_its_process_and_blocks_collect_now(
    replay: ReplayServer, replayed: dict[str, str], database: str, tmp_path: Path
) -> None:
    """`radar collect` in a terminal, its listing answered after 8 s; the page names its process, then
    says how it ended once SIGTERM stopped it."""
    replay.script(LISTING, [Reply(hang=8)])
    with (tmp_path / "terminal.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "collector.cli", "collect"], stdout=log, stderr=subprocess.STDOUT
        )
    try:
        at = open_collector()
        wait_until(at, lambda page: bool(said(page, "markdown")) and "elsewhere" in everything(page), 60)
        here = f"process {process.pid} on this machine"
        headline = said(at, "info")[0]
        assert headline.startswith("A collection started elsewhere") and here in headline, headline
        assert any(m.startswith("Now: arXiv listing") for m in said(at, "markdown"))
        assert at.button(key="collect").disabled and collect_job.current(database) is None
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 130
    finally:
        if process.poll() is None:
            process.kill()
    wait_until(at, lambda page: not at.button(key="collect").disabled, 30)
    assert said(at, "error")[0].startswith("The last collection finished")  # nothing of it succeeded
    assert W.INTERRUPTED in table_column(at, "what happened")


def test_a_collector_killed_mid_run_shows_as_stopped_at_once(
    replay: ReplayServer, replayed: dict[str, str], database: str, tmp_path: Path
) -> None:
    """kill -9 leaves a live row and a lock that only expires (after RADAR_LOCK_TTL_SECONDS); the page sees
    that the lock's process on this machine is gone and says the collection stopped."""
    replay.script(LISTING, [Reply(hang=8)])
    process = subprocess.Popen([sys.executable, "-m", "collector.cli", "collect"], stderr=subprocess.DEVNULL)
    try:
        at = open_collector()
        wait_until(
            at, lambda page: any(m.startswith("Now: arXiv listing") for m in said(page, "markdown")), 60
        )
        assert not holder_gone(f"{socket.gethostname()}:{process.pid}:abcdef")
        process.kill()
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert holder_gone(f"{socket.gethostname()}:{process.pid}:abcdef") and not holder_gone("other:1:abcdef")
    rerun(at)
    stopped = [w for w in said(at, "warning") if w.startswith("A collection stopped without finishing")]
    assert stopped, everything(at)
    assert any(m.startswith("Left unfinished: arXiv listing") for m in said(at, "markdown"))
    assert not any(c.startswith("Collecting now") for c in said(at.sidebar, "caption"))
    assert not at.button(key="collect").disabled


# -- offline -------------------------------------------------------------------------------------------------
def test_offline_collect_now_says_arxiv_cannot_be_reached_within_seconds(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    offline(monkeypatch, tmp_path, database)
    at = open_collector()
    job = press_collect(at, database)
    took = wait_until(at, lambda page: md_escape(OFFLINE_ARXIV) in [e.value for e in page.error], 30)
    assert took < 15, took  # "within seconds": the process starts, asks once, and the row says why
    detail = next(e for e in at.expander if e.label == W.DETAIL)
    recorded = plain(detail.code[0].value)
    assert "radar-offline.invalid" in recorded and "Errno" in recorded and "attempt 1" in recorded
    wait_until(at, lambda page: not job.running and not page.button(key="collect").disabled, 60)
    errors = said(at, "error")
    assert (
        errors[0].startswith("Your collection finished") and OFFLINE_ARXIV in errors and OFFLINE_HF in errors
    )
    assert plain(W.OFFLINE_HINT) in said(at, "caption")
    assert any(w.startswith("Not asked: arXiv cannot be reached") for w in table_column(at, "what happened"))
    assert job.exit_code == 1


# -- a collection that cannot start --------------------------------------------------------------------------
def test_a_collection_that_cannot_start_says_so_with_its_output(
    database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "roadmap.yaml"
    broken.write_text("levels: [unclosed\n", encoding="utf-8")
    offline(monkeypatch, tmp_path, database)
    monkeypatch.setenv("RADAR_ROADMAP_PATH", str(broken))
    at = open_collector()
    job = press_collect(at, database)
    wait_until(at, lambda page: not job.running and bool(page.error), 60)
    assert said(at, "error")[0] == "Your collection did not start (exit code 2): its output below says why."
    output = next(e for e in at.expander if e.label == W.OUTPUT)
    assert "roadmap.yaml" in output.code[0].value and job.exit_code == 2
    assert not at.button(key="collect").disabled


# -- in a browser: the page follows the run without a reload -------------------------------------------------
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="no /usr/bin/chromium")
def test_in_a_browser_the_offline_sentence_arrives_without_a_reload(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    port, url = free_port(), f"sqlite:///{tmp_path / 'radar.sqlite'}"
    env = {**os.environ, "RADAR_DATABASE_URL": url, "RADAR_ARXIV_API_URL": f"{UNRESOLVABLE}/api/query",
           "RADAR_ARXIV_LISTING_URL": f"{UNRESOLVABLE}/atom",
           "RADAR_HF_API_URL": f"http://127.0.0.1:{free_port()}/api"}  # fmt: skip
    command = [*streamlit_command(port, "127.0.0.1"), "--server.fileWatcherType", "none"]
    with (tmp_path / "streamlit.log").open("wb") as log:
        server = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1600})
            page.goto(f"http://127.0.0.1:{port}/collector")
            page.get_by_role("button", name=W.COLLECT).click()
            expect(page.get_by_text("Your collection, started")).to_be_visible(timeout=15_000)
            expect(page.get_by_text(OFFLINE_ARXIV).first).to_be_visible(timeout=20_000)  # also per query
            expect(page.get_by_role("button", name=W.COLLECT)).to_be_enabled(timeout=30_000)
            page.screenshot(path="/tmp/collector-offline.png", full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
