"""docker-compose.yml's digest parts: radar mails the `mail` service (mailpit) on its SMTP port, and the
`feeds` static server publishes exactly the volume radar writes its Atom feeds to, read-only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

COMPOSE = Path(__file__).resolve().parent.parent / "docker-compose.yml"
MAILPIT_SMTP_PORT = "1025"  # mailpit's documented SMTP port (its web UI is 8025)


def services() -> dict[str, Any]:
    found: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    return found


def test_radar_mails_the_local_smtp_catcher() -> None:
    """The collector sends the digests (chained to its daily job); `radar digest send` runs there too."""
    radar, mail = services()["collector"], services()["mail"]
    assert mail["image"].startswith("axllent/mailpit:")
    assert radar["environment"]["RADAR_SMTP_HOST"] == "mail"
    assert radar["environment"]["RADAR_SMTP_PORT"] == MAILPIT_SMTP_PORT


def test_the_feeds_server_publishes_the_feeds_volume_read_only() -> None:
    radar, feeds = services()["collector"], services()["feeds"]  # the collector writes the feeds
    feeds_dir = radar["environment"]["RADAR_FEEDS_DIR"]
    [written] = [v for v in radar["volumes"] if v.endswith(f":{feeds_dir}")]
    [served] = feeds["volumes"]
    volume, path, mode = served.split(":")
    assert written.split(":")[0] == volume and path == "/usr/share/nginx/html" and mode == "ro"
    assert radar["environment"]["RADAR_FEEDS_BASE_URL"].endswith(":-http://localhost:8080}")
    assert feeds["ports"] == ["8080:80"]


def test_every_mail_template_ships_in_the_package() -> None:
    """The Docker image installs the package (not editable): templates must be package data."""
    import fnmatch
    import tomllib

    root = COMPOSE.parent
    globs = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["collector"]
    templates = [
        p.relative_to(root / "collector").as_posix() for p in (root / "collector" / "templates").rglob("*")
    ]
    files = [t for t in templates if "." in t.rsplit("/", 1)[-1]]
    assert len(files) >= 14
    assert all(any(fnmatch.fnmatch(f, g) and f.count("/") == g.count("/") for g in globs) for f in files), (
        files
    )
