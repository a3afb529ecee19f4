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
from db.models import Base
from tests.factories import BACKENDS, blank_engine

TABLES = {"alembic_version", "papers", "paper_topics", "runs", "topic_resources", "topic_seminal", "topics"}


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
    assert set(inspect(empty).get_table_names()) == TABLES


def test_the_migrations_match_the_models(empty: Engine) -> None:
    db.migrate(empty)
    with empty.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_downgrade_to_nothing_and_back(empty: Engine) -> None:
    db.migrate(empty)
    with empty.begin() as connection:
        command.downgrade(db.alembic_config(connection), "base")
    assert set(inspect(empty).get_table_names()) == {"alembic_version"}
    db.migrate(empty)
    assert db.current_revision(empty) == head()


def test_a_database_from_a_newer_release_is_refused(empty: Engine) -> None:
    db.migrate(empty)
    with empty.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(db.StorageError, match="cannot migrate database .*'9999'"):
        db.migrate(empty)
