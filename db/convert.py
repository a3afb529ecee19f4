"""Rows ↔ records: each record type's columns and conversions, derived once from its dataclass fields.

A `RecordMap` says which column holds each field of a record (same name unless renamed); from that it
selects the columns, builds records from rows selected with them (positional: the fastest row access),
and turns records into column values for writes. Tuple fields are JSON lists in the database.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import fields
from operator import attrgetter
from typing import Any, Generic, TypeVar

from sqlalchemy import Column, Table

from db.columns import dumps_json, utc_param

T = TypeVar("T")
S = TypeVar("S")
# Enough ids per IN (...) for speed, few enough for any driver's parameter limit.
CHUNK = 900


def chunks(items: Sequence[S], size: int = CHUNK) -> Iterator[Sequence[S]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class RecordMap(Generic[T]):
    """The columns of record type `cls` in `table` (fields without a column are left to their defaults)."""

    def __init__(self, cls: type[T], table: Table, renames: Mapping[str, str] | None = None) -> None:
        renames = renames or {}
        every = fields(cls)  # type: ignore[arg-type]  # mypy cannot tell a type var is a dataclass
        self.cls = cls
        self.fields = tuple(f.name for f in every if renames.get(f.name, f.name) in table.c)
        self.columns: tuple[Column[Any], ...] = tuple(
            table.c[renames.get(name, name)] for name in self.fields
        )
        self.names = tuple(column.name for column in self.columns)
        types = {f.name: str(f.type) for f in every}  # annotations are strings (`from __future__`)
        self._tuples = tuple(i for i, name in enumerate(self.fields) if types[name].startswith("tuple"))
        self._times = tuple(i for i, name in enumerate(self.fields) if types[name].startswith("datetime"))
        self._getter = attrgetter(*self.fields)
        # The mapped fields lead the dataclass: build it positionally (half the cost of keywords).
        self._positional = self.fields == tuple(f.name for f in every[: len(self.fields)])

    def record(self, row: Sequence[Any]) -> T:
        """The record from a row whose first values are `self.columns`, in order (more may follow)."""
        values = list(row[: len(self.fields)])
        for i in self._tuples:  # JSON lists (or NULL) → tuples
            values[i] = tuple(values[i] or ())
        if self._positional:
            return self.cls(*values)
        return self.cls(**dict(zip(self.fields, values, strict=True)))

    def values(self, record: T) -> dict[str, Any]:
        """Column name → value of `record` (tuples as lists, for the JSON columns)."""
        found = {name: getattr(record, field) for name, field in zip(self.names, self.fields, strict=True)}
        return {name: list(v) if isinstance(v, tuple) else v for name, v in found.items()}

    def driver_values(self, record: T, dialect_name: str) -> list[Any]:
        """`record`'s column values as the driver takes them (see db.dialect.insert_driver_rows): JSON
        text for tuples, db.columns.utc_param for datetimes; in `self.names` order. For bulk inserts."""
        got = self._getter(record)
        values: list[Any] = list(got) if len(self.fields) > 1 else [got]
        for i in self._tuples:
            if values[i] is not None:
                values[i] = dumps_json(values[i])
        for i in self._times:
            if values[i] is not None:
                values[i] = utc_param(values[i], dialect_name)
        return values
