"""docker-compose.yml's services run as written, against PostgreSQL (no Docker engine runs here).

`migrate` upgrades an empty database (the collector refuses it before); then `collector` and `dashboard`
start and pass their own health checks; two dashboard processes on one database serve the same pages and
see the same reader's marks (nothing lives in a dashboard process that another would miss); and Caddy,
with deploy/Caddyfile, serves a dashboard and sets the sticky-session cookie.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import db
from tests.factories import scratch_database
from tests.test_dashboard_e2e import CHROMIUM, FLAGS, free_port, wait_healthy

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
BIN = Path(sys.executable).parent  # `radar` and `python` of the compose commands, as the image has them
OFFLINE = "http://127.0.0.1:9"  # no upstream is reached: nothing listens on the discard port


def service(name: str) -> dict[str, Any]:
    return COMPOSE["services"][name]  # type: ignore[no-any-return]


def as_written(argv: list[str], port: int | None = None) -> list[str]:
    """A compose command, with the dashboard's port 8501 moved to a free one (this machine is shared)."""
    return [re.sub(r"\b8501\b", str(port), arg) if port else arg for arg in argv]


def environment(name: str, url: str) -> dict[str, str]:
    """The service's environment with RADAR_DATABASE_URL pointed from the compose `db` at `url`."""
    values = {key: interpolated(str(value)) for key, value in service(name).get("environment", {}).items()}
    assert values["RADAR_DATABASE_URL"].startswith("postgresql+psycopg://radar:")
    return {
        **os.environ,
        **values,
        "RADAR_DATABASE_URL": url,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "RADAR_ARXIV_API_URL": OFFLINE,
        "RADAR_ARXIV_LISTING_URL": OFFLINE,
        "RADAR_HF_API_URL": OFFLINE,
        "COLUMNS": "200",
    }


def healthcheck(name: str, port: int | None = None) -> list[list[str]]:
    """The healthcheck's commands: one for `CMD`, each of a `CMD-SHELL` line's `&&` parts (all must pass)."""
    test = service(name)["healthcheck"]["test"]
    if test[0] == "CMD-SHELL":
        return [as_written(part.split(), port) for part in test[1].split("&&")]
    assert test[0] == "CMD"
    return [as_written(test[1:], port)]


def interpolated(value: str) -> str:
    """`${NAME:-default}` as Compose interpolates it: the variable when set and not empty, else default."""
    return re.sub(r"\$\{(\w+):-([^}]*)\}", lambda m: os.environ.get(m[1]) or m[2], value)


def run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)


def stop(process: subprocess.Popen[bytes]) -> int:
    process.terminate()
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait(timeout=10)


def wait_for_line(log: Path, text: str, process: subprocess.Popen[bytes], seconds: float = 60) -> None:
    import time

    deadline = time.monotonic() + seconds
    while text not in log.read_text(errors="replace"):
        assert process.poll() is None, log.read_text(errors="replace")
        assert time.monotonic() < deadline, log.read_text(errors="replace")
        time.sleep(0.1)


@pytest.fixture
def database() -> Iterator[str]:
    with scratch_database("services") as url:
        yield url


def test_migrate_then_the_collector_and_the_dashboard_start_and_answer(database: str, tmp_path: Path) -> None:
    collector_env = environment("collector", database)
    refused = run(service("collector")["command"], collector_env)
    assert refused.returncode == 2 and "radar db upgrade" in " ".join(refused.stderr.split())

    migrated = run(service("migrate")["command"], environment("migrate", database))
    assert migrated.returncode == 0, migrated.stderr
    engine = db.make_engine(database)
    assert db.current_revision(engine) == db.head_revision()
    engine.dispose()

    collector = start(service("collector")["command"], collector_env, tmp_path / "collector.log")
    port = free_port()
    dashboard_env = environment("dashboard", database)
    dashboard = start(as_written(service("dashboard")["command"], port), dashboard_env, tmp_path / "dash.log")
    try:
        wait_for_line(tmp_path / "collector.log", "scheduler started", collector)
        jobs_due, _fresh = healthcheck("collector")  # freshness: see the test below (offline here)
        checked = run(jobs_due, collector_env)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        wait_healthy(f"http://127.0.0.1:{port}", dashboard, seconds=60)
        [answers] = healthcheck("dashboard", port)
        answered = run(answers, dashboard_env)
        assert answered.returncode == 0, answered.stderr
    finally:
        assert stop(collector) == 0, (tmp_path / "collector.log").read_text()
        stop(dashboard)
    assert "scheduler stopped" in (tmp_path / "collector.log").read_text()


def test_the_collector_health_check_fails_when_no_scheduler_runs_the_jobs(database: str) -> None:
    env = environment("collector", database)
    assert run(service("migrate")["command"], environment("migrate", database)).returncode == 0
    jobs_due, fresh = healthcheck("collector")
    failed = run(jobs_due, env)  # no scheduler ever stored its jobs
    assert failed.returncode == 1 and "job daily: not stored" in failed.stderr
    stale = run(fresh, env)  # and no collection ever succeeded
    assert stale.returncode == 1 and "Collection is" in stale.stderr, stale.stderr
    engine = db.make_engine(database)
    with engine.begin() as connection:  # a stored job a day overdue: the scheduler is stuck or gone
        connection.exec_driver_sql(
            "INSERT INTO scheduler_jobs VALUES ('daily', extract(epoch FROM now()) - 86400, '\\x00')"
        )
    engine.dispose()
    failed = run(jobs_due, env)
    assert failed.returncode == 1 and "job daily: overdue since" in failed.stderr


# -- two dashboards, one database ----------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_dashboards(seeded_postgres: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[str]]:
    """`radar dashboard` twice, as the compose service runs it, on the seeded PostgreSQL database."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    env = environment("dashboard", seeded_postgres)
    ports, tmp_path = [free_port(), free_port()], tmp_path_factory.mktemp("dashboards")
    processes = [
        start(as_written(service("dashboard")["command"], port), env, tmp_path / f"dash-{port}.log")
        for port in ports
    ]
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        for url, process in zip(urls, processes, strict=True):
            wait_healthy(url, process, seconds=90)
        yield urls
    finally:
        for process in processes:
            stop(process)


def paper_links(page: Any, url: str) -> list[str]:
    """The arXiv links a page shows once it has drawn them all (the script finished, the count settled)."""
    from playwright.sync_api import expect

    page.goto(url)
    links = page.locator("[data-testid=stMain] a[href^='https://arxiv.org/abs/']")
    expect(links.first).to_be_visible(timeout=60_000)
    counts = [-1]
    while counts[-3:] != [counts[-1]] * 3 or page.locator("[data-testid=stStatusWidget]").count():
        page.wait_for_timeout(300)
        counts.append(links.count())
    return [links.nth(i).get_attribute("href") for i in range(links.count())]


def test_two_dashboards_on_one_database_serve_the_same_pages_and_marks(two_dashboards: list[str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    first, second = two_dashboards
    reader = "reader=replicas"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1200})
        for path in (f"/topic?topic=lora&{reader}", f"/search?q=low-rank&{reader}"):
            shown = [paper_links(page, base + path) for base in (first, second)]
            assert shown[0] == shown[1] and len(shown[0]) >= 3, path

        links = paper_links(page, f"{first}/search?q=low-rank&{reader}")
        page.get_by_text("Bookmark", exact=True).first.click()  # the first hit, on the first replica
        expect(page.get_by_role("checkbox", name="Bookmark").first).to_be_checked()

        page.goto(f"{second}/whats_new?{reader}")
        page.get_by_text("My bookmarks").click()
        expect(page.get_by_text("1 paper bookmarked by replicas.")).to_be_visible(timeout=30_000)
        marked = page.locator("[data-testid=stMain] a[href^='https://arxiv.org/abs/']").first
        assert marked.get_attribute("href") in links
        browser.close()


# -- the proxy -----------------------------------------------------------------------------------------
def test_caddy_serves_a_dashboard_with_the_sticky_cookie(two_dashboards: list[str], tmp_path: Path) -> None:
    """deploy/Caddyfile as written, its replica lookup pointed at one local dashboard."""
    caddy = shutil.which("caddy")
    if caddy is None:
        if os.environ.get("CI"):
            pytest.fail("caddy is missing: .ci/run installs Debian's caddy")
        pytest.skip("caddy is missing (apt-get install caddy)")
    proxy_port, dashboard_port = free_port(), two_dashboards[0].rsplit(":", 1)[1]
    env = {**os.environ, "PROXY_PORT": str(proxy_port), "DASHBOARD_HOST": "127.0.0.1",
           "DASHBOARD_PORT": dashboard_port, "HOME": str(tmp_path)}  # fmt: skip
    command = [caddy, "run", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"]
    proxy = start(command, env, tmp_path / "caddy.log")
    try:
        wait_healthy(f"http://127.0.0.1:{proxy_port}", proxy, seconds=30)
        with urllib.request.urlopen(f"http://127.0.0.1:{proxy_port}/", timeout=10) as answer:
            assert answer.status == 200 and "radar_replica=" in (answer.headers.get("Set-Cookie") or "")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:  # the page draws: its websocket goes through the proxy
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
            page = browser.new_page()
            assert paper_links(page, f"http://127.0.0.1:{proxy_port}/topic?topic=lora")
            browser.close()
    finally:
        stop(proxy)
