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
        page.get_by_role("radiogroup", name="Section").get_by_role(
            "radio", name=re.compile(r"^New \(")
        ).click()
        title = page.get_by_role("link", name=HOSTILE_TITLE, exact=True)
        expect(title).to_be_visible(timeout=15_000)  # the hostile title, shown literally as the link text
        assert title.get_attribute("href") == "https://arxiv.org/abs/2607.99999"
        assert page.locator("img[src='x']").count() == 0
        page.screenshot(path=str(tmp_path / "topic.png"), full_page=False)
        browser.close()
    assert (tmp_path / "topic.png").stat().st_size > 10_000


def test_hide_keeps_the_section_a_shared_link_restores_it_and_the_export_reads_cleanly(
    dashboard_url: str, tmp_path: Path
) -> None:
    """Topic → New → Hide (still on New, with an undo) → the shared URL reloaded (still New) → the Markdown
    export of the whole list, read as a file. Screenshots of each step in tmp_path."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900}, accept_downloads=True)
        page.goto(f"{dashboard_url}/topic?topic=lora")
        new = page.get_by_role("radiogroup", name="Section").get_by_role("radio", name=re.compile(r"^New \("))
        new.click()
        expect(page).to_have_url(re.compile(r"[?&]tab=new"), timeout=30_000)
        title = page.get_by_role("link", name=HOSTILE_TITLE, exact=True)
        expect(title).to_be_visible(timeout=30_000)
        page.screenshot(path=str(tmp_path / "1-new.png"))

        page.get_by_test_id("stCheckbox").filter(has_text="Hide").first.click()
        expect(page.get_by_role("button", name="Undo")).to_be_visible(timeout=30_000)
        expect(page).to_have_url(re.compile(r"[?&]tab=new"))
        expect(new).to_have_attribute("aria-checked", "true")  # the New section is still the one shown
        page.screenshot(path=str(tmp_path / "2-hidden.png"))

        shared = page.url
        page.goto(shared)
        expect(page.get_by_role("heading", name="LoRA", exact=True)).to_be_visible(timeout=30_000)
        expect(title).to_be_visible(timeout=30_000)
        expect(new).to_have_attribute("aria-checked", "true")
        page.screenshot(path=str(tmp_path / "3-shared-link.png"))

        with page.expect_download(timeout=30_000) as download:
            page.get_by_test_id("stDownloadButton").filter(has_text="Markdown").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        page.screenshot(path=str(tmp_path / "4-exported.png"), full_page=True)
        browser.close()
    (tmp_path / "lora-reading-list.md").write_text(text, encoding="utf-8")
    assert text.startswith("# LoRA (low-rank adaptation) reading list\n")
    assert "\n## Classics, in reading order\n" in text and "\n## New: papers about the topic\n" in text
    assert "[LoRA: Low-Rank Adaptation of Large Language Models](https://arxiv.org/abs/2106.09685)" in text
    assert not re.search(r"\\[:\-,.()]", text) and "seminal paper named in roadmap.yaml" not in text
    assert "\\<img src=x onerror=alert(1)> \\[x\\](javascript:alert(1))" in text  # no tag, no link
    assert all(
        (tmp_path / f"{n}.png").stat().st_size > 10_000 for n in ("1-new", "2-hidden", "3-shared-link")
    )
