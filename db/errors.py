"""The one exception `db` raises on purpose: a database that cannot be opened, migrated or written."""

from __future__ import annotations

import re

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError


class StorageError(Exception):
    """A driver or configuration error, wrapped once with the (password-masked) database URL."""


def mask_url(url: str) -> str:
    """The URL with its password replaced by ***, even when SQLAlchemy cannot parse it."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)
