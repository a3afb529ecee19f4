"""Shared pytest fixtures. Each fixture is small and says what it gives; helpers live in their own modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.replay import ReplayServer


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    """A started replay server (recorded arXiv responses + corpus-backed search/listings) on a free port.

    `replay.settings(...)` gives Settings pointed at it; `replay.script(route, [Reply(...)])` queues faults;
    `replay.requests` records every request. See tests/replay.py.
    """
    with ReplayServer() as server:
        yield server
