"""The `.env.example` file, written from the one settings object: every setting with its help and default,
and the two variables docker-compose.yml reads itself. `tests/test_settings_docs.py` keeps the file and
the settings in step; after changing a setting:

    python -m collector.env_example > .env.example
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from pydantic.fields import FieldInfo

from collector.config import Settings

WIDTH = 110
HEADER = """\
Roadmap Radar's settings (collector/config.py and README's configuration table), each commented out at its
default: copy this file to .env and set what you need. `radar` reads .env from its working directory;
docker-compose.yml hands it to every radar service (and sets RADAR_DATABASE_URL itself, to its `db`).
Written by `python -m collector.env_example > .env.example`; a test keeps the two in step."""
# Read by docker-compose.yml, not by radar: (name, default, help).
COMPOSE_VARIABLES = (
    ("POSTGRES_PASSWORD", "radar", "Password of the PostgreSQL user `radar` of the compose `db` service."),
    ("PUBLIC_PORT", "8501", "Host port on which the compose `proxy` serves the dashboard."),
    (
        "POSTGRES_SHARED_BUFFERS",
        "1GB",
        "Shared buffers of the compose `db` service: towards a quarter of the"
        " host's memory for a large database (a million papers is about 6 GB).",
    ),
    (
        "POSTGRES_EFFECTIVE_CACHE_SIZE",
        "3GB",
        "What the `db` service's planner assumes the OS caches: about three quarters of the host's memory.",
    ),
)


def comment(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH - 2, initial_indent="# ", subsequent_indent="# ")


def default_text(field: FieldInfo) -> str:
    """The default as the environment would spell it; empty where it depends on the machine (a path, the
    XDG data directory), which the help line then describes."""
    if field.default_factory is not None or isinstance(field.default, Path):
        return ""
    return str(field.default)


def setting_lines(name: str, field: FieldInfo) -> list[str]:
    return [*comment(field.description or ""), f"# RADAR_{name.upper()}={default_text(field)}", ""]


def env_example() -> str:
    lines = [*comment(HEADER.replace("\n", " ")), "", "# -- docker-compose.yml " + "-" * 86, ""]
    for name, default, help_ in COMPOSE_VARIABLES:
        lines += [*comment(help_), f"# {name}={default}", ""]
    lines += ["# -- Roadmap Radar " + "-" * 91, ""]
    for name, field in Settings.model_fields.items():
        lines += setting_lines(name, field)
    return "\n".join(lines).rstrip("\n") + "\n"


if __name__ == "__main__":
    print(env_example(), end="")
