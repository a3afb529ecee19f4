"""Serving the dashboard: the `streamlit run` command, and what `radar up` says about failed sources.

The dashboard runs as a child process (`streamlit run dashboard/server.py`, headless: the app of
dashboard/app.py plus the one-click unsubscribe endpoint) with the database URL in its environment.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from collector.sources import UPSTREAMS
from db import RunRow

UPSTREAM_OF = {str(source): name for source, name in UPSTREAMS.items()}


def app_path() -> Path:
    """dashboard/app.py of the installed package (editable or not)."""
    spec = importlib.util.find_spec("dashboard")
    if spec is None or spec.origin is None:
        raise RuntimeError("the dashboard package is not installed")
    return Path(spec.origin).resolve().parent / "app.py"


def server_path() -> Path:
    """dashboard/server.py: the app and its one HTTP endpoint (RFC 8058 one-click unsubscribe)."""
    return app_path().with_name("server.py")


def streamlit_command(port: int, address: str) -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(server_path()),
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", address,
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip


def serve_dashboard(database_url: str, port: int, address: str) -> int:
    """Run the dashboard until it exits, Ctrl-C or SIGTERM; returns its exit code (0 after a stop).

    SIGTERM (`docker compose stop`, a service manager) is handled like Ctrl-C: without it this process
    would die and leave the Streamlit server running, orphaned, on its port.
    """
    env = {**os.environ, "RADAR_DATABASE_URL": database_url}
    process = subprocess.Popen(streamlit_command(port, address), env=env)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def unreachable(runs: Sequence[RunRow]) -> list[str]:
    """One plain sentence per upstream whose runs failed, e.g. "arXiv could not be reached: …"."""
    failed: dict[str, str] = {}
    for run in runs:
        if run.errors:
            name = UPSTREAM_OF.get(run.source, run.source)
            failed.setdefault(name, (run.error or "unknown error").splitlines()[0][:200])
    return [
        f"{name} could not be reached or answered with an error: {error}" for name, error in failed.items()
    ]
