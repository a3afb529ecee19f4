"""`radar demo` and `radar up`: the bundled sample through the ingest path; `up` with arXiv unreachable."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import db
from collector import cli
from tests.test_dashboard_e2e import free_port, wait_healthy

UNREACHABLE = "http://127.0.0.1:9"  # nothing listens on the discard port


def test_demo_loads_the_bundled_sample_and_matches_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    assert cli.main(["demo", "--database-url", url, "--no-serve"]) == 0
    engine = db.make_engine(url)
    with db.session_scope(engine) as session:
        assert db.paper_count(session) >= 714
        counts = db.topic_paper_counts(session)
        upvoted = db.hf_signals_by_id(session, db.hf_only_ids(session))
    assert len(counts) >= 80  # the sample covers nearly every topic
    assert any(s.upvotes for s in upvoted.values())
    assert "Demo data loaded into" in capsys.readouterr().out


def test_up_says_arxiv_is_unreachable_and_still_serves(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "RADAR_DATABASE_URL": f"sqlite:///{tmp_path / 'radar.sqlite'}",
        "RADAR_ARXIV_API_URL": f"{UNREACHABLE}/api/query",
        "RADAR_ARXIV_LISTING_URL": f"{UNREACHABLE}/atom",
        "RADAR_HF_API_URL": f"{UNREACHABLE}/api",
        "RADAR_HTTP_MAX_RETRIES": "0",
        "RADAR_ARXIV_DELAY_SECONDS": "0",
        "RADAR_HF_DELAY_SECONDS": "0",
        "RADAR_FEED_MAX_POSTS": "0",
        "COLUMNS": "200",
    }
    log = tmp_path / "up.log"
    command = [sys.executable, "-m", "collector.cli", "up", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process, seconds=60)
        time.sleep(0.2)
        said = log.read_text()
    finally:
        process.terminate()
        process.wait(timeout=20)
    # SIGTERM stopped the dashboard too: nothing is left serving on the port.
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2)
    assert "The database is empty: a first collection runs now" in said
    assert "arXiv could not be reached or answered with an error" in said
    assert "Hugging Face could not be reached" in said
    assert "Serving what the database holds (0 papers)" in said
    assert "scheduled daily: next run" in said
