"""Shared pytest fixtures. Each fixture is small and says what it gives; helpers live in their own modules."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

import db
from tests.factories import BACKENDS, blank_engine, scratch_database
from tests.replay import ReplayServer
from tests.replay_hf import HFReplay, install_hf
from tests.smtp_server import Inbox, smtp_server

WORKER_DATABASES = ExitStack()


def pytest_configure(config: pytest.Config) -> None:
    """With pytest-xdist each worker runs its PostgreSQL tests in a database of its own (TEST_DATABASE_URL's
    name plus the worker's, dropped at the end): the tests empty and fill their database freely."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker and os.environ.get("TEST_DATABASE_URL"):
        os.environ["TEST_DATABASE_URL"] = WORKER_DATABASES.enter_context(scratch_database(worker))


def pytest_unconfigure(config: pytest.Config) -> None:
    WORKER_DATABASES.close()


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


@pytest.fixture(scope="session")
def seeded_postgres() -> Iterator[str]:
    """The seeded dashboard database (tests/seed.py) in a PostgreSQL database of its own, for the session;
    its URL. Tests read it, or write only rows of their own (a reader profile named for the test)."""
    from tests.seed import seed_engine

    with scratch_database("seeded") as url:
        seed_engine(db.make_engine(url)).dispose()
        yield url


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


@pytest.fixture(autouse=True)
def private_feeds_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Feeds written after a collection go to a fresh directory, never to the real one in ~/.local/share."""
    monkeypatch.setenv("RADAR_FEEDS_DIR", str(tmp_path_factory.mktemp("feeds")))


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A real SMTP server (aiosmtpd) on a free loopback port; `inbox.env()` gives RADAR_SMTP_* for it."""
    with smtp_server() as server:
        yield server


@pytest.fixture(params=BACKENDS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: a SQLite file, and PostgreSQL when TEST_DATABASE_URL is set."""
    engine = blank_engine(request.param, tmp_path)
    db.migrate(engine)
    yield engine
    engine.dispose()


def radar_env(
    hf: HFReplay, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **overrides: str
) -> dict[str, str]:
    """Set RADAR_* so a CLI run or a child process uses the replay server (arXiv and HF), no delays and a
    fresh SQLite file; `overrides` (e.g. RADAR_HTTP_MAX_RETRIES="1") add to or replace them."""
    values = {
        "RADAR_DATABASE_URL": f"sqlite:///{tmp_path / 'radar.sqlite'}",
        "RADAR_ARXIV_API_URL": hf.server.api_url,
        "RADAR_ARXIV_LISTING_URL": hf.server.listing_url,
        "RADAR_ARXIV_DELAY_SECONDS": "0",
        "RADAR_HF_API_URL": hf.api_url,
        "RADAR_HF_DELAY_SECONDS": "0",
        "RADAR_HTTP_BACKOFF_SECONDS": "0.01",
        "RADAR_FEED_MAX_POSTS": "0",  # roadmap.yaml's feeds are real blogs, never fetched in tests
        **overrides,
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)  # no stray .env
    return values
