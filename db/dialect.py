"""The one place where SQLite and PostgreSQL differ in our SQL: INSERT … ON CONFLICT."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from db.errors import StorageError

Upsert = sqlite.Insert | postgresql.Insert


def insert_for(session: Session, table: Table) -> Upsert:
    """The dialect's INSERT, which knows ON CONFLICT (SQLite and PostgreSQL spell it the same way)."""
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise StorageError(f"unsupported database dialect {name!r}: use SQLite or PostgreSQL")


def upsert_statement(session: Session, table: Table, keys: Sequence[str], update: Sequence[str]) -> Upsert:
    """INSERT into `table`; on a `keys` conflict, update the `update` columns, or skip the row if none."""
    statement = insert_for(session, table)
    if not update:
        return statement.on_conflict_do_nothing(index_elements=list(keys))
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={column: statement.excluded[column] for column in update}
    )
