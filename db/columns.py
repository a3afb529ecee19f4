"""Column types shared by the models: UTC datetimes that come back tz-aware, JSON lists."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.sqlite import DATETIME as SQLITE_DATETIME
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

# JSONB on PostgreSQL so later issues can index or query inside the lists; plain JSON text elsewhere.
# None is SQL NULL (not the JSON text 'null'), so "HF gave no keywords" reads as NULL everywhere.
JSONList: TypeEngine[Any] = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


@lru_cache(maxsize=4096)
def sqlite_text(value: datetime) -> str:
    """UTC text with fixed microseconds, which sorts and compares correctly as a string.

    Cached because a batch repeats the same few instants (`now` as first_seen and last_seen on every row).
    """
    return value.astimezone(UTC).isoformat(" ", "microseconds")[:26]


def utc_param(value: datetime, dialect_name: str) -> datetime | str:
    """An aware datetime as the driver takes it: SQLite's sortable UTC text, the datetime elsewhere."""
    if value.utcoffset() is None:
        raise ValueError(f"naive datetime {value!r}: the database stores timezone-aware UTC only")
    return sqlite_text(value) if dialect_name == "sqlite" else value


def dumps_json(value: Any) -> str:
    """json.dumps, with a quicker identical path for the lists or tuples of strings our JSON columns hold."""
    if type(value) is list or type(value) is tuple:
        try:
            return "[" + ", ".join(map(encode_basestring_ascii, value)) + "]"
        except TypeError:  # an item that is not a string
            pass
    return json.dumps(value)


# The decoder's C scanner (public attribute of JSONDecoder, missing from typeshed).
_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def loads_json(text: str | bytes) -> Any:
    """json.loads without its whitespace handling, which our compact stored values never need."""
    if not isinstance(text, str):  # psycopg hands JSONB over as bytes
        return json.loads(text)
    try:
        value, end = _scan_json(text, 0)
    except StopIteration:
        return json.loads(text)  # leading whitespace, or invalid: let json.loads say why
    return value if end == len(text) else json.loads(text)


class SQLiteUTCText(SQLITE_DATETIME):
    """SQLite DATETIME whose text UTCDateTime writes and parses itself, in SQLAlchemy's own format.

    SQLAlchemy's per-value formatting and regex parsing cost more than the rest of a bulk upsert;
    isoformat/fromisoformat are C and give the same `YYYY-MM-DD HH:MM:SS.ffffff` text.
    """

    def bind_processor(self, dialect: Dialect) -> None:
        return None

    def result_processor(self, dialect: Dialect, coltype: object) -> None:
        return None


SQLITE_UTC_TEXT = SQLiteUTCText()  # type: ignore[no-untyped-call]  # sqlalchemy's DATETIME.__init__ is untyped


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always returns an aware UTC datetime (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        return SQLITE_UTC_TEXT if dialect.name == "sqlite" else dialect.type_descriptor(self.impl)

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        return None if value is None else utc_param(value, dialect.name)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
