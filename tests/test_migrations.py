"""Migrations: they build the schema the models describe, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

import db
from db.schema import Base
from db.search import autogenerate_includes
from tests.factories import BACKENDS, blank_engine

# Every model's table; SQLite also has the full-text index (papers_fts and its shadow tables).
TABLES = set(Base.metadata.tables) | {"alembic_version"}


def schema_tables(engine: Engine) -> set[str]:
    return {name for name in inspect(engine).get_table_names() if autogenerate_includes(name, "table", {})}


@pytest.fixture(params=BACKENDS)
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    engine = blank_engine(request.param, tmp_path)
    yield engine
    engine.dispose()


def head() -> str | None:
    return ScriptDirectory.from_config(db.alembic_config()).get_current_head()


def test_migrate_builds_the_schema_from_nothing(empty: Engine) -> None:
    assert db.current_revision(empty) is None
    db.migrate(empty)
    assert db.current_revision(empty) == head() is not None
    assert schema_tables(empty) == TABLES


def test_the_migrations_match_the_models(empty: Engine) -> None:
    db.migrate(empty)
    with empty.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": autogenerate_includes})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_nothing_and_back(empty: Engine) -> None:
    db.migrate(empty)
    with empty.begin() as connection:
        command.downgrade(db.alembic_config(connection), "base")
    assert set(inspect(empty).get_table_names()) == {"alembic_version"}  # the full-text tables too
    db.migrate(empty)
    assert db.current_revision(empty) == head()


def test_a_database_from_a_newer_release_is_refused(empty: Engine) -> None:
    db.migrate(empty)
    with empty.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(db.StorageError, match="cannot migrate database .*'9999'"):
        db.migrate(empty)
