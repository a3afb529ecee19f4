"""Browser-side ready time of every dashboard page: `streamlit run` as `radar dashboard` runs it, headless
Debian chromium through Playwright.

    .venv/bin/python -m benchmarks.browser [--database-url URL] [--runs 5] [--width 1440]

Without --database-url the recorded demo data is loaded into a fresh SQLite file first (`radar demo
--no-serve`). A page is ready when Streamlit's script run is over (`stApp` says `notRunning`) and the page's
title is on screen. Each page is opened once untimed — the server has imported everything and its caches
are warm —, then --runs times, each a new browser session (a new tab, as a reader opening a link). Prints
the first (cold) and the warm median and max per page, with the ratio to the target (3 s warm): a
benchmark printing figures, not a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from collector import cli
from collector.serve import streamlit_command
from tests.test_dashboard_e2e import CHROMIUM, FLAGS, free_port, wait_healthy

TARGET = 3.0
PAGES = {
    "Roadmap": "",
    "Roadmap, L3": "?level=L3",
    "Topic (LoRA)": "topic?topic=lora",
    "What's new": "whats_new",
    "Search (diffusion)": "search?q=diffusion",
    "Collector": "collector",
    "Subscriptions": "subscriptions",
}
READY = "[data-testid='stApp'][data-test-script-state='notRunning'] [data-testid='stMain'] h1"


@contextmanager
def served(database_url: str) -> Iterator[str]:
    """The dashboard on a free port, on `database_url`; stopped by its pid."""
    port = free_port()
    env = {**os.environ, "RADAR_DATABASE_URL": database_url}
    command = [*streamlit_command(port, "127.0.0.1"), "--server.fileWatcherType", "none"]
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_healthy(f"http://127.0.0.1:{port}", process, seconds=60)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            process.wait(timeout=30)


def ready_time(browser: Any, url: str, width: int) -> float:
    """Seconds from opening `url` in a new tab until the page is ready."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(READY, timeout=120_000)
        return time.perf_counter() - started
    finally:
        page.close()


def measure(base: str, runs: int, width: int) -> dict[str, tuple[float, list[float]]]:
    """Per page: (the first, cold load; `runs` warm loads)."""
    from playwright.sync_api import sync_playwright

    found: dict[str, tuple[float, list[float]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        for name, path in PAGES.items():
            cold = ready_time(browser, f"{base}/{path}", width)
            found[name] = (cold, [ready_time(browser, f"{base}/{path}", width) for _ in range(runs)])
        browser.close()
    return found


def demo_database() -> str:
    url = f"sqlite:///{tempfile.mkdtemp(prefix='radar-browser-')}/demo.sqlite"
    if cli.main(["demo", "--database-url", url, "--no-serve"]) != 0:
        raise SystemExit("radar demo failed")
    return url


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the database to serve (default: the demo data, loaded now)")
    parser.add_argument("--runs", type=int, default=5, help="warm loads per page")
    parser.add_argument("--width", type=int, default=1440, help="the browser window's width in pixels")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (apt-get install chromium)")
    url = args.database_url or demo_database()
    with served(url) as base:
        figures = measure(base, args.runs, args.width)
    print(f"browser ready time, {args.width} px, {args.runs} warm loads a page (target {TARGET:.0f} s warm)")
    for name, (cold, warm) in figures.items():
        median = statistics.median(warm)
        print(
            f"{name:20s} cold {cold:6.2f} s  warm median {median:5.2f} s  max {max(warm):5.2f} s"
            f"  ratio {max(warm) / TARGET:.2f}"
        )
    return 0 if all(max(warm) <= TARGET for _, warm in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
