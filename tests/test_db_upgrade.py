"""`radar db upgrade`, and who may change the schema: on PostgreSQL only `radar db upgrade` (and the
one-machine `radar up` and `radar demo`); every other command and the dashboard refuse an old schema,
naming the command. On SQLite every command brings the schema up to date, as it always has."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import make_url, text
from sqlalchemy.engine import Engine
from streamlit.testing.v1 import AppTest

import db
from collector.cli import main
from collector.config import PROJECT_ROOT
from tests.factories import blank_engine, postgres_url, scratch_database

OLD = "0004_levels"


def at_revision(engine: Engine, revision: str) -> Engine:
    with engine.begin() as connection:
        command.upgrade(db.alembic_config(connection), revision)
    return engine


@pytest.fixture
def old_postgres(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """PostgreSQL at an older schema revision, as RADAR_DATABASE_URL."""
    engine = at_revision(blank_engine("postgresql", tmp_path), OLD)
    monkeypatch.setenv("RADAR_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["list", "--topic", "lora"],
        ["collect"],
        ["schedule"],
        ["schedule", "--list"],
        ["dashboard"],
    ],
)
def test_postgresql_commands_refuse_an_old_schema_naming_the_upgrade(
    old_postgres: Engine, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 2
    said = " ".join(capsys.readouterr().err.split())  # rich wraps long lines
    assert f"has schema {OLD}, this Roadmap Radar needs {db.head_revision()}: run `radar db upgrade`" in said
    assert db.current_revision(old_postgres) == OLD  # nothing was changed


def test_the_dashboard_says_so_too(old_postgres: Engine) -> None:
    at = AppTest.from_file(str(PROJECT_ROOT / "dashboard" / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert "run `radar db upgrade`" in at.error[0].value


def test_db_upgrade_migrates_and_says_from_what_to_what(
    old_postgres: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0
    said = " ".join(capsys.readouterr().out.split())
    assert f"schema upgraded from {OLD} to {db.head_revision()}" in said
    assert main(["status", "--json"]) == 0
    capsys.readouterr()
    assert main(["db", "upgrade"]) == 0
    assert "already the newest" in capsys.readouterr().out


def test_an_empty_postgresql_database_needs_the_upgrade_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = blank_engine("postgresql", tmp_path)
    monkeypatch.setenv("RADAR_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    engine.dispose()
    assert main(["status"]) == 2
    assert "has no schema yet" in " ".join(capsys.readouterr().err.split())
    assert main(["demo", "--no-serve", "--database-url", str(engine.url.render_as_string(False))]) == 0


def test_a_schema_newer_than_the_code_asks_for_a_newer_radar(
    old_postgres: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    with old_postgres.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    assert main(["status"]) == 2
    assert "newer than this Roadmap Radar" in " ".join(capsys.readouterr().err.split())


def test_sqlite_is_brought_up_to_date_by_any_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = at_revision(blank_engine("sqlite", tmp_path), OLD)
    monkeypatch.setenv("RADAR_DATABASE_URL", str(engine.url))
    assert main(["status"]) == 0
    assert db.current_revision(engine) == db.head_revision()
    engine.dispose()


def test_without_the_right_to_create_btree_gin_the_upgrade_names_it_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Migration 0011's dated search index needs the btree_gin extension: a database user without the
    CREATE privilege on the database gets PostgreSQL's message naming it (exit 2) and an unchanged
    database; once an administrator has created the extension, the same user's upgrade goes through."""
    role = f"radar_no_create_{os.getpid()}"  # roles are the server's: one per test process
    server = db.make_engine(postgres_url())
    try:
        with scratch_database("no_create") as url:
            admin = db.make_engine(url)  # the superuser, on the database the role owns
            name = admin.url.database
            try:
                with admin.begin() as connection:
                    connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
                    connection.execute(text(f'ALTER DATABASE "{name}" OWNER TO "{role}"'))
                    connection.execute(text(f'REVOKE CREATE ON DATABASE "{name}" FROM "{role}"'))
                as_user = make_url(url).set(username=role).render_as_string(hide_password=False)
                monkeypatch.setenv("RADAR_DATABASE_URL", as_user)
                assert main(["db", "upgrade"]) == 2
                err = " ".join(capsys.readouterr().err.split())
                assert 'permission denied to create extension "btree_gin"' in err and "Traceback" not in err
                assert db.current_revision(admin) is None  # nothing applied, not even 0001
                with admin.begin() as connection:
                    connection.execute(text("CREATE EXTENSION btree_gin"))
                assert main(["db", "upgrade"]) == 0
                assert db.current_revision(admin) == db.head_revision()
                with admin.connect() as connection:
                    indexes = connection.execute(text("SELECT indexname FROM pg_indexes")).scalars()
                    assert "ix_papers_search_dated" in set(indexes)
            finally:
                admin.dispose()
    finally:
        with server.begin() as connection:  # its database is dropped: nothing of the role is left
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        server.dispose()
