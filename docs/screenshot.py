"""Re-takes the README's dashboard screenshots: `radar demo` data, `streamlit run`, Debian's chromium.

PYTHONPATH=. .venv/bin/python docs/screenshot.py
    # docs/dashboard-topic.png, docs/dashboard-roadmap.png (1440 x 900), dashboard-roadmap-390.png (a phone)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

from collector import cli
from collector.serve import streamlit_command
from tests.test_dashboard_e2e import CHROMIUM, FLAGS, free_port, wait_healthy

DOCS = Path(__file__).resolve().parent


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
            for name, size in (("dashboard-roadmap", (1440, 900)), ("dashboard-roadmap-390", (390, 844))):
                shot = browser.new_page(viewport={"width": size[0], "height": size[1]})
                shot.goto(f"{base}/?level=L3")  # the level with the most groups
                expect(shot.get_by_role("heading", name="Roadmap Radar")).to_be_visible(timeout=30_000)
                expect(shot.get_by_role("link", name=re.compile("LoRA"))).to_be_visible(timeout=30_000)
                shot.wait_for_timeout(1500)
                shot.screenshot(path=str(DOCS / f"{name}.png"))
                shot.close()
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            page.goto(f"{base}/topic?topic=diffusion")
            expect(page.get_by_role("tab", name=re.compile(r"^New"))).to_be_visible(timeout=30_000)
            page.get_by_role("tab", name=re.compile(r"^New")).click()
            page.wait_for_timeout(1500)
            page.screenshot(path=str(DOCS / "dashboard-topic.png"))
            browser.close()
    finally:
        process.terminate()
        process.wait(timeout=15)
    return 0


if __name__ == "__main__":
    sys.exit(main())
