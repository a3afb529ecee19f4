"""The dashboard's chrome as a reader gets it from `radar dashboard`, started in a directory without
.streamlit/config.toml: no Deploy button, Material icons (no emoji), topic names on the Roadmap neither cut
off nor mistaken for plain text. Debian's chromium through Playwright, as tests/test_dashboard_e2e.py."""

from __future__ import annotations

import os
import sys
import tomllib
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from collector import serve
from collector.config import PROJECT_ROOT
from tests.test_dashboard_e2e import CHROMIUM, FLAGS, served

# Streamlit's script run is over and the page is drawn.
READY = "[data-testid='stApp'][data-test-script-state='notRunning']"


def test_the_config_file_and_the_command_line_ask_for_the_same_toolbar() -> None:
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == serve.TOOLBAR_MODE == "minimal"
    command = serve.streamlit_command(8501, "127.0.0.1")
    assert command[command.index("--client.toolbarMode") + 1] == serve.TOOLBAR_MODE


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def radar_dashboard(dashboard_db: str, tmp_path: Path) -> Iterator[str]:
    """`radar dashboard` as a user starts it, from a directory holding no .streamlit/config.toml."""
    env = {**os.environ, "RADAR_DATABASE_URL": dashboard_db}
    yield from served(
        lambda port: [sys.executable, "-m", "collector.cli", "dashboard", "--port", str(port)],
        env,
        tmp_path / "served.log",
        tmp_path,
    )


def open_roadmap(browser: Any, url: str, width: int = 1440) -> Any:
    """The Roadmap page once Streamlit has drawn it, its header (where the toolbar goes) included."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url)
    expect(page.get_by_role("heading", name="Roadmap Radar")).to_be_visible(timeout=30_000)
    expect(page.locator(READY)).to_be_attached(timeout=30_000)
    expect(page.get_by_test_id("stHeader")).to_be_attached(timeout=15_000)
    return page


def test_readers_get_no_deploy_button_and_material_icons(browser: Any, radar_dashboard: str) -> None:
    page = open_roadmap(browser, radar_dashboard)
    assert page.get_by_role("button", name="Deploy").count() == 0
    assert page.get_by_test_id("stMainMenu").count() == 0  # no developer menu either
    nav = page.get_by_test_id("stSidebarNavLink")
    assert nav.count() == 6
    icons = page.get_by_test_id("stSidebarNav").get_by_test_id("stIconMaterial").all_inner_texts()
    assert icons == ["map", "menu_book", "new_releases", "search", "mail", "settings"]
    labels = "".join(nav.all_inner_texts())
    assert not [ch for ch in labels if unicodedata.category(ch) == "So"]  # no emoji, no symbol boxes


def test_without_the_setting_streamlit_would_show_deploy(
    browser: Any, dashboard_db: str, tmp_path: Path
) -> None:
    """The control: Streamlit as `radar dashboard` runs it but for the toolbar setting shows the button the
    test above looks for."""

    def bare(port: int) -> list[str]:
        command = serve.streamlit_command(port, "127.0.0.1")
        at = command.index("--client.toolbarMode")
        return command[:at] + command[at + 2 :]

    env = {**os.environ, "RADAR_DATABASE_URL": dashboard_db}
    for url in served(bare, env, tmp_path / "served.log", tmp_path):
        page = open_roadmap(browser, url)  # as soon as the test above counts, the button is there
        assert page.get_by_role("button", name="Deploy").count() == 1
        assert page.get_by_test_id("stMainMenu").count() == 1


@pytest.mark.parametrize("width", [1440, 390])
def test_topic_names_are_whole_and_look_like_links(browser: Any, radar_dashboard: str, width: int) -> None:
    from playwright.sync_api import expect

    page = open_roadmap(browser, f"{radar_dashboard}/?level=L3", width)
    # (a link with a tooltip is drawn twice by Streamlit, once hidden)
    links = page.locator(".st-key-roadmap-topics [data-testid='stPageLink-NavLink']:visible")
    expect(links).to_have_count(51, timeout=15_000)
    found = links.evaluate_all(
        """links => links.map(link => {
            const name = link.querySelector('span'), text = link.querySelector('p');
            return [name.scrollWidth - name.clientWidth, getComputedStyle(text).textDecorationLine,
                    link.innerText];
        })"""
    )
    assert all(overflow <= 1 for overflow, _, _ in found), [
        name for overflow, _, name in found if overflow > 1
    ]
    assert {decoration for _, decoration, _ in found} == {"underline"}
    assert any(
        "Sparsity (sparse weights and activations, N:M sparsity, sparse training)" in n for *_, n in found
    )
