"""Where SQLite and PostgreSQL differ in our SQL: INSERT … ON CONFLICT, driver-level bulk INSERTs, FLOOR,
whole-row bulk writes (COPY on PostgreSQL), the UTC day of a moment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, Date, Integer, Table, Text, bindparam, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

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


def insert_driver_rows(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """A plain INSERT of rows whose values are already what the driver takes, in one executemany.

    For bulk writes of rows known to be new: SQLAlchemy's per-row parameter building and per-value
    type processing cost as much as SQLite's own work. The caller converts the values (see
    db.columns.utc_param and dumps_json); the SQL is compiled by the session's dialect, so PostgreSQL
    gets its own placeholders and casts.
    """
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        copy_rows(connection, table.name, columns, rows)
        return
    sql, order = compiled_insert(table, tuple(columns), connection.dialect)
    if order is None:  # named placeholders (psycopg): one dict per row
        params: Sequence[Any] = [dict(zip(columns, row, strict=True)) for row in rows]
    else:
        params = rows if order == tuple(columns) else [tuple_in(order, columns, row) for row in rows]
    connection.exec_driver_sql(sql, params)


@lru_cache(maxsize=32)
def compiled_insert(
    table: Table, columns: tuple[str, ...], dialect: Dialect
) -> tuple[str, tuple[str, ...] | None]:
    """INSERT INTO table (columns) VALUES (…) in the dialect's paramstyle, and the positional order."""
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))
    order = tuple(compiled.positiontup or ()) if compiled.positional else None
    return compiled.string, order


def tuple_in(order: tuple[str, ...], columns: Sequence[str], row: tuple[Any, ...]) -> tuple[Any, ...]:
    values = dict(zip(columns, row, strict=True))
    return tuple(values[name] for name in order)


class floor_int(FunctionElement[int]):  # noqa: N801 - used like a SQL function
    """The integer part of a non-negative number, in SQL: FLOOR on PostgreSQL; on SQLite (whose FLOOR
    needs the math extension) CAST AS INTEGER, which truncates — the same for numbers >= 0. Both compute
    the argument in IEEE doubles, as Python does, so math.floor of the same expression agrees."""

    type = Integer()
    inherit_cache = True


@compiles(floor_int, "sqlite")
def _floor_sqlite(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"


@compiles(floor_int, "postgresql")
def _floor_postgresql(element: floor_int, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(FLOOR({compiler.process(element.clauses, **kw)}) AS INTEGER)"


def write_rows(connection: Connection, table: Table, rows: Sequence[tuple[Any, ...]]) -> None:
    """Whole rows of `table` (every column, in order; JSON columns as JSON text) in one bulk write:
    COPY on PostgreSQL, one executemany elsewhere."""
    if not rows:
        return
    names = [column.name for column in table.columns]
    if connection.dialect.name == "postgresql":
        copy_rows(connection, table.name, names, rows)
        return
    values = {
        c.name: bindparam(c.name, type_=Text() if isinstance(c.type, JSON) else c.type) for c in table.columns
    }
    connection.execute(insert(table).values(values), [dict(zip(names, row, strict=True)) for row in rows])


def copy_rows(
    connection: Connection, table: str, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """PostgreSQL's COPY … FROM STDIN on the connection's own transaction (psycopg dumps each value)."""
    import psycopg  # imported here: SQLite commands would pay for it and never use it
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names))
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    except psycopg.Error as exc:  # as SQLAlchemy raises the driver's errors: IntegrityError and the rest
        raise DBAPIError.instance(statement.as_string(driver), None, exc, psycopg.Error) from exc


class utc_date(FunctionElement[date]):  # noqa: N801 - used like a SQL function
    """The UTC day of a stored moment: SQLite's date() of its UTC text; on PostgreSQL the day at UTC, not in
    the session's time zone (a timestamptz's date() would follow the server's TimeZone setting)."""

    type = Date()
    inherit_cache = True


@compiles(utc_date, "sqlite")
def _utc_date_sqlite(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_date, "postgresql")
def _utc_date_postgresql(element: utc_date, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC' AS DATE)"
