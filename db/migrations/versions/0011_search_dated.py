"""PostgreSQL search reads a word's papers of a recent window from one GIN index over the publication date
(in UTC) and the stored tsvector (the btree_gin extension lets a GIN index hold the date); it replaces the
GIN index of the vector alone. Nothing happens on SQLite.

A search looks for the newest hits first, in a window of recent papers (db.search_postgres.newest_hits).
With the vector's index and the date's apart, PostgreSQL built the bitmap of every paper holding the words
before intersecting it with the window's: `"large language model"` read the 210,000 papers holding all
three words of every year to keep the 5,800 of the last 30 days (130 ms of a 175 ms query at 1M papers).
In one index the window's date entries lead and the words' posting lists are skipped through to them
(the same query: 23 ms). A search without a date is served by the same index.

btree_gin ships with PostgreSQL (contrib: the official images and Debian's packages have it). Creating it
needs the CREATE privilege on the database; without it the migration stops with PostgreSQL's message
naming the extension, and nothing of it is applied.

Revision ID: 0011_search_dated
Revises: 0010_match_published
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011_search_dated"
down_revision: str | None = "0010_match_published"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UPGRADE_SQL = (
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    # The default 64 MB builds the index in many passes (1M papers: 95 s with 1 GB); for this transaction.
    "SET LOCAL maintenance_work_mem = '256MB'",
    # The date as UTC without a zone, an expression: only a condition written on it (a search window's
    # start) reads the index's date entries. A reader's "published before" on `published` itself goes to
    # the date index: here it would read every older entry (`GAN` before a date: 53 ms to 330-530 ms).
    "CREATE INDEX ix_papers_search_dated ON papers USING gin ((published AT TIME ZONE 'UTC'), search_vector)",
    "DROP INDEX ix_papers_search_vector",
)
DOWNGRADE_SQL = (
    "CREATE INDEX ix_papers_search_vector ON papers USING gin (search_vector)",
    "DROP INDEX ix_papers_search_dated",  # the extension stays: other indexes may use it
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in UPGRADE_SQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in DOWNGRADE_SQL:
        op.execute(statement)
