"""Serving: the dashboard as a child process (`streamlit run dashboard/server.py`, headless: the app of
dashboard/app.py plus the one-click unsubscribe endpoint; the database URL in its environment), the first
collection of `radar up` as a second child beside it, and SIGTERM handled like Ctrl-C so that children and
locks are never left behind.

    radar up ──▶ streamlit run …            serves at once, whatever the collection does
             └─▶ radar collect --source all  in the background; its lines echoed, prefixed, as they come
                                             (one per source/query: it sees a pipe, not a terminal)
"""

from __future__ import annotations

import contextlib
import importlib.util
import ipaddress
import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from collector.errors import ConfigError

# How long a stopped child may take to record its runs and release the collection lock.
STOP_GRACE_SECONDS = 15
# Readers get no developer toolbar (Deploy, rerun, clear cache): "minimal" shows only the app's own menu
# items, and it sets none. Given on the command line because .streamlit/config.toml is only read from the
# directory `radar up` starts in.
TOOLBAR_MODE = "minimal"


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
        "--client.toolbarMode", TOOLBAR_MODE,
    ]  # fmt: skip


def check_listen(address: str, port: int) -> None:
    """ConfigError (exit 2) unless the dashboard could listen on address:port now: a real port, an
    address of this machine, nobody else listening there."""
    if not 1 <= port <= 65535:
        raise ConfigError(f"--port {port} is not a TCP port (1-65535)")
    if re.fullmatch(r"[\d.]+", address):  # looks like IPv4: check it here rather than ask a resolver
        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            raise ConfigError(f"--address {address!r} is not an IPv4 address") from None
    try:
        family, kind, proto, _, where = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError, ValueError) as exc:
        raise ConfigError(f"--address {address!r} is not an address of this machine ({exc})") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the dashboard's server does
        try:
            probe.bind(where)
        except OSError as exc:
            reason = exc.strerror or str(exc)
            raise ConfigError(
                f"cannot serve on {address}:{port}: {reason} (is another dashboard running? try --port)"
            ) from None


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM (`docker stop`, a service manager, `radar up` stopping its child) raises
    KeyboardInterrupt like Ctrl-C, so `finally` blocks record the runs and release the lock."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


@dataclass
class Background:
    """A command running beside the dashboard, its output echoed line by line by a thread."""

    process: subprocess.Popen[bytes]
    echo: threading.Thread


def start_background(
    argv: Sequence[str], env: dict[str, str], on_line: Callable[[str], None], on_exit: Callable[[int], None]
) -> Background:
    """Start `radar <argv>` with stdout and stderr piped; each line goes to `on_line`, the exit code to
    `on_exit` once the output has ended."""
    command = [sys.executable, "-m", "collector.cli", *argv]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
    )
    echo = threading.Thread(target=_echo, args=(process, on_line, on_exit), name="radar-echo", daemon=True)
    echo.start()
    return Background(process, echo)


def _echo(
    process: subprocess.Popen[bytes], on_line: Callable[[str], None], on_exit: Callable[[int], None]
) -> None:
    assert process.stdout is not None
    for raw in process.stdout:
        on_line(raw.decode("utf-8", "replace").rstrip("\n"))
    on_exit(process.wait())


def serve_dashboard(database_url: str, port: int, address: str, beside: Background | None = None) -> int:
    """Run the dashboard until it exits, Ctrl-C or SIGTERM; returns its exit code (0 after a stop).

    SIGTERM (`docker compose stop`, a service manager) is handled like Ctrl-C: without it this process
    would die and leave the Streamlit server running, orphaned, on its port. A command running `beside`
    it is stopped too (SIGTERM: it records its runs as interrupted and releases the collection lock).
    """
    env = {**os.environ, "RADAR_DATABASE_URL": database_url}
    process = subprocess.Popen(streamlit_command(port, address), env=env)
    try:
        with sigterm_as_interrupt():
            return process.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(process)
        if beside is not None:
            stop(beside.process)
            beside.echo.join(timeout=STOP_GRACE_SECONDS)


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then SIGKILL if it is still there after STOP_GRACE_SECONDS."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
