"""docker-compose.yml and the Dockerfile: valid against the Compose specification, and their commands
are commands `radar` really has (no Docker engine runs here, so nothing is started)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

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


def test_compose_command_and_settings_are_ones_radar_knows() -> None:
    service = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["radar"]
    assert service["command"][0] == "radar"
    args = build_parser().parse_args(service["command"][1:])
    assert args.command == "up" and args.address == "0.0.0.0"
    known = {f"RADAR_{name.upper()}" for name in Settings.model_fields}
    assert set(service["environment"]) <= known
    assert service["environment"]["RADAR_DATABASE_URL"].startswith("postgresql+psycopg://")


def test_dockerfile_copies_what_the_package_needs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    for needed in ("collector", "db", "dashboard", "roadmap.yaml", "pyproject.toml"):
        assert f"COPY {needed}" in dockerfile or f" {needed} " in dockerfile, needed
    assert "RADAR_ROADMAP_PATH=/app/roadmap.yaml" in dockerfile


def test_the_radar_service_is_healthy_only_while_collection_is_fresh() -> None:
    """Its healthcheck is `radar status --check` (exit 1 when stale), a command radar really has."""
    service = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]["radar"]
    test = service["healthcheck"]["test"]
    assert test[:2] == ["CMD", "radar"]
    args = build_parser().parse_args(test[2:])
    assert args.command == "status" and args.check and args.limit == 0
