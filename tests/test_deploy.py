"""docker-compose.yml, deploy/Caddyfile and the Dockerfile: valid against the Compose specification (and
Caddy's own check), split into the documented services, and their commands are commands `radar` really has
(no Docker engine runs here: tests/test_services.py runs each command against PostgreSQL instead)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from collector.cli import build_parser
from collector.config import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_file_follows_the_compose_specification() -> None:
    validator = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if validator is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[test]')")
    done = subprocess.run(
        [validator, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


RADAR_SERVICES = {"migrate": ["radar", "db", "upgrade"], "collector": ["radar", "schedule"],
                  "dashboard": ["radar", "dashboard"]}  # fmt: skip


def services() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]  # type: ignore[no-any-return]


def radar_args(argv: list[str]) -> Any:
    assert argv[0] == "radar"
    return build_parser().parse_args(argv[1:])


def test_the_services_are_split_as_documented() -> None:
    found = services()
    assert set(found) >= {"db", "migrate", "collector", "dashboard", "proxy"}
    assert found["db"]["volumes"] == ["pgdata:/var/lib/postgresql/data"] and "healthcheck" in found["db"]
    assert found["migrate"]["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert found["migrate"]["restart"] == "no"  # one-shot
    for name in ("collector", "dashboard"):
        assert found[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert "healthcheck" in found[name]
    assert "ports" not in found["dashboard"]  # replicas share no host port: the proxy has it
    assert found["proxy"]["ports"] == ["${PUBLIC_PORT:-8501}:8501"]
    assert found["proxy"]["volumes"] == ["./deploy/Caddyfile:/etc/caddy/Caddyfile:ro"]


def test_compose_commands_and_settings_are_ones_radar_knows() -> None:
    found, known = services(), {f"RADAR_{name.upper()}" for name in Settings.model_fields}
    for name, command in RADAR_SERVICES.items():
        radar_args(found[name]["command"])  # parses: a command radar has, with flags it knows
        assert found[name]["command"][: len(command)] == command
        assert set(found[name]["environment"]) <= known
        assert found[name]["environment"]["RADAR_DATABASE_URL"].startswith("postgresql+psycopg://radar:")
    assert radar_args(found["dashboard"]["command"]).address == "0.0.0.0"
    checks = health_commands(found["collector"])
    assert [c[:2] for c in checks] == [["radar", "schedule"], ["radar", "status"]]
    assert all(radar_args(check).check for check in checks)


def test_the_caddyfile_is_valid() -> None:
    caddy = shutil.which("caddy")
    if caddy is None:
        if os.environ.get("CI"):
            pytest.fail("caddy is missing: .ci/run installs Debian's caddy")
        pytest.skip("caddy is missing (apt-get install caddy)")
    done = subprocess.run(
        [caddy, "validate", "--config", str(ROOT / "deploy" / "Caddyfile"), "--adapter", "caddyfile"],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and "Valid configuration" in done.stdout + done.stderr, done.stderr


def test_dockerfile_copies_what_the_package_needs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for needed in ("collector", "db", "dashboard", "roadmap.yaml", "pyproject.toml"):
        assert f"COPY {needed}" in dockerfile or f" {needed} " in dockerfile, needed
    assert "RADAR_ROADMAP_PATH=/app/roadmap.yaml" in dockerfile


def health_commands(service: dict[str, Any]) -> list[list[str]]:
    """The commands of a `CMD-SHELL` healthcheck joined by `&&` (healthy when every one exits 0)."""
    kind, line = service["healthcheck"]["test"]
    assert kind == "CMD-SHELL"
    return [part.split() for part in line.split("&&")]


def test_the_collector_is_healthy_only_while_collection_is_fresh() -> None:
    """Beside `radar schedule --check` (jobs not overdue), `radar status --check` (exit 1 when no collection
    has succeeded for RADAR_STALE_AFTER_HOURS), a command radar really has."""
    args = radar_args(health_commands(services()["collector"])[1])
    assert args.command == "status" and args.check and args.limit == 0
