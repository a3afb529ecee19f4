"""Engines, sessions and migrations: the only place a database connection is opened."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session

from db.columns import dumps_json, loads_json
from db.errors import SchemaOutOfDate, StorageError, mask_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_PRAGMAS = ("journal_mode=WAL", "foreign_keys=ON", "busy_timeout=30000", "synchronous=NORMAL")


def make_engine(url: str) -> Engine:
    """An engine for `url`; for SQLite the file's directory is created and the pragmas set on connect."""
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            create_parent_dir(parsed)
        engine = create_engine(
            parsed,
            json_serializer=dumps_json,
            json_deserializer=loads_json,
            connect_args=driver_options(parsed),
        )
    except (ArgumentError, NoSuchModuleError, ImportError, OSError) as exc:
        raise StorageError(f"cannot use database {mask_url(url)}: {exc}") from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", set_sqlite_pragmas)
    return engine


def driver_options(url: URL) -> dict[str, Any]:
    """psycopg prepares a statement run five times, and PostgreSQL then plans it once for any values: a
    search for a word in 40% of the papers got the plan of a rare word (14.8 s instead of 55 ms at 1M
    papers). Every statement is planned for its own values instead (planning takes about a millisecond)."""
    return {"prepare_threshold": None} if url.get_backend_name() == "postgresql" else {}


def create_parent_dir(url: URL) -> None:
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def set_sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(f"PRAGMA {pragma}")
    cursor.close()


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration without an alembic.ini: the script location, and the connection to use."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest migration; a no-op when it is already there."""
    try:
        upgrade_to_head(engine)
    except CommandError as exc:  # e.g. a database migrated by a newer Roadmap Radar
        raise StorageError(f"cannot migrate database {masked(engine)}: {exc}") from exc


def upgrade_to_head(engine: Engine) -> None:
    with wrap_driver_errors(engine, "migrate"), engine.connect() as connection:
        # Batch migrations on SQLite copy and drop tables; with foreign keys on, a drop would cascade.
        toggle_sqlite_foreign_keys(connection, on=False)
        try:
            with connection.begin():
                command.upgrade(alembic_config(connection), "head")
        finally:
            toggle_sqlite_foreign_keys(connection, on=True)


def toggle_sqlite_foreign_keys(connection: Connection, on: bool) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql(f"PRAGMA foreign_keys={'ON' if on else 'OFF'}")
        connection.commit()


def head_revision() -> str:
    """The newest migration's revision: the schema this code reads and writes."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "db/migrations holds no migration"
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def require_current_schema(engine: Engine) -> None:
    """Raise SchemaOutOfDate unless the schema is at the newest migration."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        raise SchemaOutOfDate(masked(engine), current, head, known=current in known_revisions())


def ensure_schema(engine: Engine, upgrade: bool = False) -> None:
    """The schema at the newest migration before anything reads or writes.

    Migrated when `upgrade` is asked for, or when the database is SQLite (one person on one machine: every
    command has always brought it up to date). Anywhere else (PostgreSQL, shared by services on several
    hosts) it is only checked: the schema changes when the operator runs `radar db upgrade`, never as the
    side effect of a dashboard replica or a scheduler starting next to older ones.
    """
    if upgrade or engine.dialect.name == "sqlite":
        migrate(engine)
    else:
        require_current_schema(engine)


def current_revision(engine: Engine) -> str | None:
    """The schema's migration revision, None for an empty database."""
    with wrap_driver_errors(engine, "read the schema revision of"), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    with wrap_driver_errors(engine, "query"), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


@contextmanager
def wrap_driver_errors(engine: Engine, doing: str) -> Iterator[None]:
    """Driver errors leave `db` once, as StorageError naming the database (password masked)."""
    try:
        yield
    except DBAPIError as exc:
        raise StorageError(f"cannot {doing} database {masked(engine)}: {exc.orig}") from exc


def masked(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=True)
