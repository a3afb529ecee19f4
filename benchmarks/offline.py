"""How long `radar collect` and `radar up` take on a machine that cannot reach arXiv or Hugging Face.

    python benchmarks/offline.py [--cap 900]

Real processes with the default politeness settings (arXiv delay, retries, backoff, timeouts) on a
fresh SQLite file, against two kinds of "offline": arXiv's API at an unresolvable host name
(`*.invalid`, RFC 2606), its listing feed and Hugging Face at a closed local port. Blog feeds are off
(roadmap.yaml's feeds are real blogs). It prints:

- `radar collect` (the daily cycle): wall time until it exits, and its exit code;
- `radar up`: seconds until the dashboard answers `/_stcore/health`, and until the first collection
  has ended (its runs are recorded and the collection lock is free);
- the runs recorded, failed and skipped.

Each measurement stops at `--cap` seconds (then it prints "> cap"). Targets (issue 9): collect ≤ 30 s,
dashboard ≤ 10 s, first collection ≤ 30 s; each figure is printed with its ratio to its target.

Measured on the development machine (2 cores shared with other work), same script:

    before (aaf996d)   radar collect 685.8 s, exit 1; radar up: no dashboard and no end of the first
                       collection within 900 s (11 run rows, every query retried with 5→40 s backoff)
    after              radar collect 5.8 s, exit 1; radar up: dashboard 5.4 s, first collection over
                       in 10.3 s (15 run rows: each host tried once, 13 source/queries skipped)
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNRESOLVABLE = "http://export.arxiv.invalid"


def closed_port() -> int:
    """A local port nobody listens on (bound and released: connections to it are refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def offline_env(workdir: Path) -> dict[str, str]:
    port = closed_port()
    return {
        **os.environ,
        "RADAR_DATABASE_URL": f"sqlite:///{workdir / 'radar.sqlite'}",
        "RADAR_ARXIV_API_URL": f"{UNRESOLVABLE}/api/query",
        "RADAR_ARXIV_LISTING_URL": f"http://127.0.0.1:{port}/atom",
        "RADAR_HF_API_URL": f"http://127.0.0.1:{port}/api",
        "RADAR_FEED_MAX_POSTS": "0",
        "COLUMNS": "160",
        "PYTHONPATH": str(ROOT),
    }


def radar(*argv: str) -> list[str]:
    return [sys.executable, "-m", "collector.cli", *argv]


def time_collect(workdir: Path, cap: float) -> tuple[float, int | None]:
    started = time.monotonic()
    with (workdir / "collect.log").open("wb") as log:
        process = subprocess.Popen(radar("collect"), env=offline_env(workdir), cwd=workdir, stdout=log,
                                   stderr=subprocess.STDOUT)  # fmt: skip
        try:
            code: int | None = process.wait(timeout=cap)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = None
    return time.monotonic() - started, code


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1) as answer:
            return bool(answer.read() == b"ok")
    except OSError:
        return False


def collection_over(database: Path) -> bool:
    """The first collection has ended: it recorded runs and nobody holds the collection lock."""
    import sqlite3

    if not database.exists():
        return False
    try:
        with sqlite3.connect(database, timeout=1) as connection:
            runs = connection.execute("SELECT count(*) FROM runs").fetchone()[0]
            locks = connection.execute("SELECT count(*) FROM locks").fetchone()[0]
    except sqlite3.Error:
        return False
    return bool(runs) and not locks


def time_up(workdir: Path, cap: float) -> tuple[float | None, float | None]:
    port = closed_port()
    served = over = None
    started = time.monotonic()
    with (workdir / "up.log").open("wb") as log:
        process = subprocess.Popen(radar("up", "--port", str(port)), env=offline_env(workdir), cwd=workdir,
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            while time.monotonic() - started < cap and (served is None or over is None):
                if served is None and healthy(port):
                    served = time.monotonic() - started
                if over is None and collection_over(workdir / "radar.sqlite"):
                    over = time.monotonic() - started
                time.sleep(0.1)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return served, over


def runs_summary(database: Path) -> str:
    import sqlite3

    if not database.exists():
        return "no database"
    with sqlite3.connect(database) as connection:
        total, failed = connection.execute("SELECT count(*), coalesce(sum(errors), 0) FROM runs").fetchone()
        skipped = connection.execute("SELECT count(*) FROM runs WHERE error LIKE '%skipped%'").fetchone()[0]
    return f"{total} run rows, {failed} failed, {skipped} naming a skip"


def seconds(value: float | None, cap: float, target: float) -> str:
    """The figure and its ratio to the target (below 1: within it)."""
    if value is None:
        return f"> {cap:.0f} s (stopped; > {cap / target:.0f}× the {target:.0f} s target)"
    return f"{value:.1f} s ({value / target:.2f} of the {target:.0f} s target)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=900.0, help="stop each measurement after this long")
    cap = parser.parse_args().cap
    with tempfile.TemporaryDirectory(prefix="radar-offline-") as tmp:
        collect_dir, up_dir = Path(tmp, "collect"), Path(tmp, "up")
        collect_dir.mkdir(), up_dir.mkdir()
        took, code = time_collect(collect_dir, cap)
        print(f"radar collect offline   {seconds(took if code is not None else None, cap, 30)}, exit {code}")
        print(f"{'':24}{runs_summary(collect_dir / 'radar.sqlite')}")
        served, over = time_up(up_dir, cap)
        print(f"radar up: dashboard     {seconds(served, cap, 10)}")
        print(f"radar up: collection    {seconds(over, cap, 30)}")
        print(f"{'':24}{runs_summary(up_dir / 'radar.sqlite')}")


if __name__ == "__main__":
    main()
