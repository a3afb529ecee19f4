"""Re-takes the README's dashboard screenshots: `radar demo` data, `streamlit run`, Debian's chromium.

PYTHONPATH=. .venv/bin/python docs/screenshot.py
    # docs/dashboard-*.png: Roadmap, Topic (New), What's new, Search, Collector at 1440 x 900, the Topic page
    # on a phone (390 x 844) and the Roadmap in Chinese (?lang=zh). The e2e walk's own screenshots (on the
    # test seed) go to RADAR_SHOTS_DIR when set: tests/test_dashboard_e2e.py.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, expect, sync_playwright

from collector import cli
from collector.serve import streamlit_command
from tests.test_dashboard_e2e import CHROMIUM, FLAGS, free_port, wait_healthy

DOCS = Path(__file__).resolve().parent
WIDE = (1440, 900)
PHONE = (390, 844)
DIFFUSION = "扩散模型 Diffusion"  # the Topic page's heading
# name, size, path, a heading the page shows, a text that shows once its content is drawn
SHOTS: list[tuple[str, tuple[int, int], str, str, re.Pattern[str]]] = [
    ("dashboard-roadmap", WIDE, "/?level=L3", "Roadmap Radar", re.compile("LoRA")),
    ("dashboard-topic", WIDE, "/topic?topic=diffusion&tab=new", DIFFUSION, re.compile(r"^New \(")),
    ("dashboard-whats-new", WIDE, "/whats_new", "What's new", re.compile("Read")),
    ("dashboard-search", WIDE, "/search?q=diffusion", "Search", re.compile("most relevant first")),
    ("dashboard-collector", WIDE, "/collector", "Collector", re.compile("Collect now")),
    ("dashboard-topic-390", PHONE, "/topic?topic=diffusion&tab=new", DIFFUSION, re.compile("Hide")),
    ("dashboard-zh", WIDE, "/?level=L2&lang=zh", "路线图雷达", re.compile("L2")),
]


def shoot(browser: Browser, base: str, shot: tuple[str, tuple[int, int], str, str, re.Pattern[str]]) -> None:
    """One page loaded, drawn to the end (no script running, no widget still loading), then photographed."""
    name, size, path, heading, content = shot
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    page.goto(base + path)
    expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stMain").get_by_text(content).first).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)  # the script has finished
    # widgets whose code is still loading are drawn as grey skeletons: wait for them all
    expect(page.locator("[data-testid^='stSkeleton']")).to_have_count(0, timeout=60_000)
    page.screenshot(path=str(DOCS / f"{name}.png"))
    page.close()


def main() -> int:
    url = f"sqlite:///{tempfile.mkdtemp()}/demo.sqlite"
    cli.main(["demo", "--database-url", url, "--no-serve"])
    port = free_port()
    env = {**os.environ, "RADAR_DATABASE_URL": url}
    command = [*streamlit_command(port, "127.0.0.1"), "--server.fileWatcherType", "none"]
    process = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base, process)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            for shot in SHOTS:
                shoot(browser, base, shot)
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
