"""End to end in a real browser: `streamlit run` on a free port, Debian's chromium driven by Playwright.

Skipped locally when /usr/bin/chromium is missing; under CI (env CI set) a missing browser fails.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from collector.serve import streamlit_command
from tests.seed import HOSTILE_TITLE

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "streamlit exited"
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("streamlit did not become healthy")


@pytest.fixture
def dashboard_url(dashboard_db: str, tmp_path: Path) -> Iterator[str]:
    """The dashboard served by `streamlit run` (headless) on the seeded database; stopped by its pid."""
    port = free_port()
    env = {**os.environ, "RADAR_DATABASE_URL": dashboard_db}
    command = [*streamlit_command(port, "127.0.0.1"), "--server.fileWatcherType", "none"]
    with (tmp_path / "streamlit.log").open("wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def test_open_a_topic_and_find_a_paper_title(dashboard_url: str, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(dashboard_url)
        page.get_by_role("tab", name="L3").click()  # the Roadmap shows one level at a time
        link = page.get_by_role("link", name="LoRA · LoRA (low-rank adaptation)")
        expect(link).to_be_visible(timeout=30_000)
        link.click()
        expect(page.get_by_role("heading", name="LoRA", exact=True)).to_be_visible(timeout=30_000)
        page.get_by_role("tab", name=re.compile(r"^New")).click()
        title = page.get_by_role("link", name=HOSTILE_TITLE, exact=True)
        expect(title).to_be_visible(timeout=15_000)  # the hostile title, shown literally as the link text
        assert title.get_attribute("href") == "https://arxiv.org/abs/2607.99999"
        assert page.locator("img[src='x']").count() == 0
        page.screenshot(path=str(tmp_path / "topic.png"), full_page=False)
        browser.close()
    assert (tmp_path / "topic.png").stat().st_size > 10_000
