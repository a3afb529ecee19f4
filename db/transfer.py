"""Copying a whole database to another URL (SQLite to PostgreSQL above all), resumably, then verifying it.

    copied_tables    every table of the schema but `locks` (who holds a lock right now is not data),
                     parents before children, so foreign keys hold at every commit; tables that later
                     migrations add to the models come along with no code here
    copy_table       one table in key order, in batches each committed on its own: a copy stopped half
                     way goes on after the last key the target holds; values go as they are (timestamps
                     such as first_seen, the digest ledger's, JSON lists with NULL kept apart from null)
    table_digest     a table's row count and an order-free checksum of its rows, compared on both sides

Keys are ordered byte-wise on both databases (COLLATE "C" on PostgreSQL, whose own collation may sort
"a" and "B" the other way round), so "after the last key" means the same on both. PostgreSQL's
sequences are moved past the copied ids, so the next run or resource gets a fresh one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ColumnElement, MetaData, String, Table, Text, cast, func, select, text, tuple_
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from db.dialect import write_rows
from db.engine import masked, wrap_driver_errors
from db.errors import StorageError
from db.schema import Base

SKIPPED = {"locks"}
MODULUS = 2**64


def copied_tables(metadata: MetaData = Base.metadata) -> list[Table]:
    """The tables a copy moves, parents first."""
    return [t for t in metadata.sorted_tables if t.name not in SKIPPED]


def key_columns(table: Table) -> list[ColumnElement[Any]]:
    columns: list[ColumnElement[Any]] = list(table.primary_key.columns)
    if not columns:
        raise StorageError(f"table {table.name} has no primary key: it cannot be copied in key order")
    return columns


def byte_order(column: ColumnElement[Any], dialect: str) -> ColumnElement[Any]:
    """The column compared byte by byte, as SQLite compares text (PostgreSQL: the "C" collation)."""
    if dialect == "postgresql" and isinstance(column.type, String):
        return column.collate("C")
    return column


def selected(column: ColumnElement[Any]) -> ColumnElement[Any]:
    """JSON columns as their stored text: NULL stays NULL and a JSON null stays 'null' on the way over."""
    return cast(column, Text) if isinstance(column.type, JSON) else column


def row_count(engine: Engine, table: Table) -> int:
    with wrap_driver_errors(engine, f"count {table.name} in"), engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def last_key(connection: Connection, table: Table) -> tuple[Any, ...] | None:
    """The greatest key the target holds, byte-wise: where an interrupted copy of this table goes on."""
    order = [byte_order(c, connection.dialect.name).desc() for c in key_columns(table)]
    row = connection.execute(select(*key_columns(table)).order_by(*order).limit(1)).first()
    return None if row is None else tuple(row)


def source_batches(
    connection: Connection, table: Table, after: tuple[Any, ...] | None, size: int
) -> Iterator[Sequence[Any]]:
    """The source's rows with a key above `after`, in byte-wise key order, `size` at a time."""
    keys = [byte_order(c, connection.dialect.name) for c in key_columns(table)]
    query = select(*(selected(c) for c in table.columns)).order_by(*keys)
    if after is not None:
        query = query.where(tuple_(*keys) > tuple_(*after))
    result = connection.execution_options(yield_per=size).execute(query)
    yield from result.partitions(size)


def copy_table(source: Engine, target: Engine, table: Table, size: int, copied: Callable[[int], None]) -> int:
    """Copy the rows of `table` the target lacks, committing every `size` rows; how many were copied."""
    with wrap_driver_errors(target, f"copy {table.name} into"), target.connect() as writer:
        after = last_key(writer, table)
        writer.rollback()
        total = 0
        with wrap_driver_errors(source, f"read {table.name} from"), source.connect() as reader:
            for batch in source_batches(reader, table, after, size):
                write_batch(writer, table, batch)
                total += len(batch)
                copied(len(batch))
        bump_sequence(writer, table)
    return total


def write_batch(connection: Connection, table: Table, rows: Sequence[Any]) -> None:
    try:
        with connection.begin():
            write_rows(connection, table, [tuple(row) for row in rows])
    except IntegrityError as exc:
        raise StorageError(
            f"the target {masked(connection.engine)} already holds rows of {table.name} that the copy would"
            f" add ({exc.orig}): empty it first (`radar db copy --restart`)"
        ) from exc


def bump_sequence(connection: Connection, table: Table) -> None:
    """On PostgreSQL, the id sequence of `table` moves past the greatest copied id."""
    column = table.autoincrement_column
    if connection.dialect.name != "postgresql" or column is None:
        return
    with connection.begin():
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), coalesce(max({column.name}), 1),"
                f" max({column.name}) IS NOT NULL) FROM {table.name}"
            ),
            {"table": table.name, "column": column.name},
        )


def analyze(engine: Engine, tables: Sequence[Table]) -> None:
    """Statistics for the planner after a bulk load (PostgreSQL: VACUUM ANALYZE, which also marks the new
    rows visible to every reader once, instead of the first queries doing it)."""
    with wrap_driver_errors(engine, "analyze"), engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            connection.exec_driver_sql("ANALYZE")
            return
        connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in tables:
            connection.exec_driver_sql(f"VACUUM (ANALYZE) {table.name}")


def empty_tables(engine: Engine, tables: Sequence[Table]) -> None:
    """Delete every row of `tables` (children first), for a copy that starts over."""
    with wrap_driver_errors(engine, "empty"), engine.begin() as connection:
        for table in reversed(tables):
            connection.execute(table.delete())


@dataclass(frozen=True)
class Digest:
    """A table's row count and the sum of its rows' hashes (mod 2**64): equal tables, equal digests."""

    rows: int
    checksum: int


def table_digest(engine: Engine, table: Table, size: int, read: Callable[[int], None]) -> Digest:
    """Count and checksum `table`, reading it `size` rows at a time."""
    rows = checksum = 0
    query = select(*(selected(c) for c in table.columns))
    json_at = [i for i, c in enumerate(table.columns) if isinstance(c.type, JSON)]
    with wrap_driver_errors(engine, f"read {table.name} from"), engine.connect() as connection:
        for batch in connection.execution_options(yield_per=size).execute(query).partitions(size):
            for row in batch:
                checksum = (checksum + row_hash(row, json_at)) % MODULUS
            rows += len(batch)
            read(len(batch))
    return Digest(rows, checksum)


def row_hash(row: Sequence[Any], json_at: Sequence[int]) -> int:
    """A row's values, JSON re-serialised canonically (each database spaces it its own way), hashed."""
    values = list(row)
    for i in json_at:
        if values[i] is not None:
            values[i] = json.dumps(json.loads(values[i]), sort_keys=True, separators=(",", ":"))
    return int.from_bytes(hashlib.blake2b(repr(values).encode(), digest_size=8).digest(), "big")
