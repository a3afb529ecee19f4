"""Shared pytest fixtures. Each fixture is small and says what it gives; helpers live in their own modules."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.replay import ReplayServer
from tests.replay_hf import HFReplay, install_hf


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """A started replay server (recorded arXiv responses + corpus-backed search/listings) on a free port.

    `replay.settings(...)` gives Settings pointed at it; `replay.script(route, [Reply(...)])` queues faults;
    `replay.requests` records every request. See tests/replay.py.
    """
    with ReplayServer() as server:
        yield server


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A dashboard database built once per test session (tests/seed.py); copy it before writing to it."""
    from tests.seed import seed_database

    path = tmp_path_factory.mktemp("seeded") / "radar.sqlite"
    seed_database(path).dispose()
    return path


@pytest.fixture
def dashboard_db(seeded_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private copy of the seeded database, set as RADAR_DATABASE_URL for the dashboard; its URL."""
    path = tmp_path / "radar.sqlite"
    shutil.copyfile(seeded_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("RADAR_DATABASE_URL", url)
    return url


@pytest.fixture
def hf(replay: ReplayServer) -> HFReplay:
    """The replay server also answering as Hugging Face and as a blog (tests/replay_hf.py).

    `hf.settings(...)` gives Settings pointed at both; scripted faults go to the HF route
    (`replay.script(HF, [...])`); `hf.requests()` lists the HF requests.
    """
    return install_hf(replay)


@pytest.fixture(autouse=True)
def offline_hf_and_feeds(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reaches the real Hugging Face or a real blog: unless a test points them elsewhere (the `hf`
    fixture), HF requests go to a closed local port and feed reading is off (roadmap.yaml's feeds are
    real blogs)."""
    monkeypatch.setenv("RADAR_HF_API_URL", "http://127.0.0.1:9/hf-offline")
    monkeypatch.setenv("RADAR_FEED_MAX_POSTS", "0")
