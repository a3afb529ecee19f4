"""README.md's configuration table and the Settings object must list the same variables, with defaults."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import pytest
from pydantic import SecretStr, ValidationError

from collector.config import Settings
from collector.env_example import env_example

README = Path(__file__).resolve().parent.parent / "README.md"


def env_names() -> set[str]:
    return {f"RADAR_{name.upper()}" for name in Settings.model_fields}


def readme_table_rows() -> dict[str, str]:
    """Rows of the configuration table: `| `RADAR_X` | default | help |` keyed by variable."""
    rows = {}
    for line in README.read_text(encoding="utf-8").splitlines():
        match = re.match(r"\|\s*`(RADAR_[A-Z0-9_]+)`\s*\|(.*)\|", line)
        if match:
            rows[match.group(1)] = match.group(2)
    return rows


def test_every_setting_is_documented_in_readme() -> None:
    missing = env_names() - readme_table_rows().keys()
    assert not missing, f"README.md configuration table lacks {sorted(missing)}"


def test_readme_documents_no_unknown_setting() -> None:
    unknown = readme_table_rows().keys() - env_names()
    assert not unknown, f"README.md documents settings that do not exist: {sorted(unknown)}"


def test_every_setting_has_a_help_line() -> None:
    assert all(field.description for field in Settings.model_fields.values())


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_environment_overrides_each_setting(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each documented variable really reaches the settings object."""
    field = Settings.model_fields[name]
    value = sample(name, field.annotation, field.get_default(call_default_factory=True))
    monkeypatch.setenv(f"RADAR_{name.upper()}", value)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    got = getattr(settings, name)
    shown = got.get_secret_value() if isinstance(got, SecretStr) else got
    assert str(shown).lower() == value.lower()


def sample(name: str, annotation: Any, default: Any) -> str:
    """A value different from the default and inside the field's bounds, as the environment gives it."""
    if get_origin(annotation) is Literal:
        return next(str(choice) for choice in get_args(annotation) if choice != default)
    if name.endswith("_url"):
        return "http://127.0.0.1:9/x"
    if name.endswith("_cron"):  # a cron expression that fires (settings refuse one that never does)
        return "15 4 * * tue"
    if name == "smtp_from":
        return "Radar <radar@example.org>"
    samples = {
        str: lambda: "x-value",
        SecretStr: lambda: "x-secret",
        bool: lambda: str(not default).lower(),
        int: lambda: str(default - 1 or 2),
        float: lambda: str(default / 2 or 0.25),
        Path: lambda: "/tmp/roadmap-x.yaml",
    }
    return str(samples[annotation]())


def test_secrets_never_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RADAR_SMTP_PASSWORD", "hunter2-secret")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert "hunter2-secret" not in repr(settings) and "hunter2-secret" not in str(settings.model_dump())


def test_a_from_address_smuggling_a_second_address_or_a_header_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for bad in ("a@example.org, b@example.org", "Radar <a@example.org>\r\nBcc: b@example.org", "radar"):
        monkeypatch.setenv("RADAR_SMTP_FROM", bad)
        with pytest.raises(ValidationError, match="smtp_from"):
            Settings(_env_file=None)  # type: ignore[call-arg]


def test_env_example_lists_every_setting_as_written_from_the_settings() -> None:
    """.env.example is `python -m collector.env_example`'s output: every setting, with help and default."""
    written = (README.parent / ".env.example").read_text(encoding="utf-8")
    assert written == env_example(), "run: python -m collector.env_example > .env.example"
    listed = set(re.findall(r"^# (RADAR_[A-Z0-9_]+)=", written, flags=re.MULTILINE))
    assert listed == env_names()
