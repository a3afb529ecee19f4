"""Reader state and search: reader profiles, per-paper marks, dashboard indexes, SQLite full-text search.

The full-text index (`papers_fts`, FTS5 over title and abstract) exists on SQLite only. New papers are
indexed in batches by `db.search.sync_search_index` (everything above the highest indexed rowid), so
ingest does not pay for tokenising; triggers keep already indexed rows in step when an upsert changes
their title or abstract, or when they are deleted. The index points at `papers.rowid`, so a later
migration that rebuilds `papers` (batch mode copy-and-move) must run `INSERT INTO papers_fts(papers_fts)
VALUES ('rebuild')` and re-create the triggers (see FTS_SQL). PostgreSQL searches without an index for now.

Revision ID: 0003_reader_state
Revises: 0002_huggingface
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_reader_state"
down_revision: str | None = "0002_huggingface"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The row was indexed: rowids only grow, and sync_search_index indexes every rowid up to the highest.
INDEXED = "old.rowid <= (SELECT coalesce(max(id), 0) FROM papers_fts_docsize)"
# Porter stemming so "networks" finds "network"; diacritics folded so "Schrodinger" finds "Schrödinger".
FTS_SQL = (
    "CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, content='papers', content_rowid='rowid',"
    " tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER papers_fts_delete AFTER DELETE ON papers WHEN {INDEXED} BEGIN"
    " INSERT INTO papers_fts(papers_fts, rowid, title, abstract)"
    " VALUES ('delete', old.rowid, old.title, old.abstract); END",
    f"CREATE TRIGGER papers_fts_update AFTER UPDATE OF title, abstract ON papers WHEN {INDEXED} BEGIN"
    " INSERT INTO papers_fts(papers_fts, rowid, title, abstract)"
    " VALUES ('delete', old.rowid, old.title, old.abstract);"
    " INSERT INTO papers_fts(rowid, title, abstract) VALUES (new.rowid, new.title, new.abstract); END",
    "INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')",
)
FTS_DROP_SQL = (
    "DROP TRIGGER IF EXISTS papers_fts_update",
    "DROP TRIGGER IF EXISTS papers_fts_delete",
    "DROP TABLE IF EXISTS papers_fts",
)


def utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    # No query filters on the primary category alone; the index only cost every ingest an extra B-tree.
    op.drop_index("ix_papers_primary_category", table_name="papers")
    op.create_index("ix_papers_first_seen", "papers", ["first_seen"])
    op.create_index("ix_papers_arxiv_id_published", "papers", ["arxiv_id", "published"])
    op.create_index("ix_paper_topics_topic_id_arxiv_id", "paper_topics", ["topic_id", "arxiv_id"])
    create_readers()
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_SQL:
            op.execute(statement)


def create_readers() -> None:
    op.create_table(
        "readers",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("new_since", utc(), nullable=False),
        sa.Column("last_seen_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_readers"),
    )
    op.create_table(
        "reader_papers",
        sa.Column("reader", sa.String(64), nullable=False),
        sa.Column("arxiv_id", sa.String(64), nullable=False),
        sa.Column("read", sa.Boolean(), nullable=False),
        sa.Column("bookmarked", sa.Boolean(), nullable=False),
        sa.Column("hidden", sa.Boolean(), nullable=False),
        sa.Column("updated_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reader"], ["readers.name"], name="fk_reader_papers_reader_readers", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["arxiv_id"], ["papers.arxiv_id"], name="fk_reader_papers_arxiv_id_papers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("reader", "arxiv_id", name="pk_reader_papers"),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in FTS_DROP_SQL:
            op.execute(statement)
    op.drop_table("reader_papers")
    op.drop_table("readers")
    op.drop_index("ix_paper_topics_topic_id_arxiv_id", table_name="paper_topics")
    op.drop_index("ix_papers_arxiv_id_published", table_name="papers")
    op.drop_index("ix_papers_first_seen", table_name="papers")
    op.create_index("ix_papers_primary_category", "papers", ["primary_category"])
