"""The exceptions `db` raises on purpose: a database that cannot be opened, migrated or written, and one
whose schema is not the one this code needs."""

from __future__ import annotations

import re

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class StorageError(Exception):
    """A driver or configuration error, wrapped once with the (password-masked) database URL."""


class SchemaOutOfDate(StorageError):
    """The database's schema revision is not the newest migration (None: no schema at all)."""

    def __init__(self, url: str, current: str | None, head: str, known: bool) -> None:
        self.url, self.current, self.head = url, current, head
        if current is None:
            what = f"database {url} has no schema yet (this Roadmap Radar needs {head})"
        elif known:
            what = f"database {url} has schema {current}, this Roadmap Radar needs {head}"
        else:
            what = f"database {url} has schema {current}, newer than this Roadmap Radar ({head}) knows"
        then = "upgrade Roadmap Radar" if current is not None and not known else "run `radar db upgrade`"
        super().__init__(f"{what}: {then}")


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, even when SQLAlchemy cannot parse it."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)
