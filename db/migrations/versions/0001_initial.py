"""Initial schema: papers, topics (with seminal papers and resources), matches, runs.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def json_list() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    create_papers()
    create_topics()
    create_topic_children()
    create_paper_topics()
    create_runs()


def create_papers() -> None:
    op.create_table(
        "papers",
        sa.Column("arxiv_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("authors", json_list(), nullable=False),
        sa.Column("categories", json_list(), nullable=False),
        sa.Column("primary_category", sa.String(32), nullable=False),
        sa.Column("published", utc(), nullable=False),
        sa.Column("updated", utc(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("journal_ref", sa.Text(), nullable=True),
        sa.Column("doi", sa.Text(), nullable=True),
        sa.Column("first_seen", utc(), nullable=False),
        sa.Column("last_seen", utc(), nullable=False),
        sa.PrimaryKeyConstraint("arxiv_id", name="pk_papers"),
    )
    op.create_index("ix_papers_primary_category", "papers", ["primary_category"])
    op.create_index("ix_papers_published", "papers", ["published"])


def create_topics() -> None:
    op.create_table(
        "topics",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("group_name", sa.Text(), nullable=True),
        sa.Column("aliases", json_list(), nullable=False),
        sa.Column("query", sa.Text(), nullable=True),
        sa.Column("query_hash", sa.String(64), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("backfilled_until", utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_topics"),
    )


def topic_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["topic_id"], ["topics.id"], name=f"fk_{table}_topic_id_topics", ondelete="CASCADE"
    )


def create_topic_children() -> None:
    op.create_table(
        "topic_seminal",
        sa.Column("topic_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("arxiv_id", sa.String(64), nullable=True),
        sa.Column("doi", sa.Text(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        topic_fk("topic_seminal"),
        sa.PrimaryKeyConstraint("topic_id", "position", name="pk_topic_seminal"),
    )
    op.create_index("ix_topic_seminal_arxiv_id", "topic_seminal", ["arxiv_id"])
    op.create_table(
        "topic_resources",
        sa.Column("topic_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        topic_fk("topic_resources"),
        sa.PrimaryKeyConstraint("topic_id", "position", name="pk_topic_resources"),
    )


def create_paper_topics() -> None:
    op.create_table(
        "paper_topics",
        sa.Column("arxiv_id", sa.String(64), nullable=False),
        sa.Column("topic_id", sa.String(64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reasons", json_list(), nullable=False),
        sa.Column("matched_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["arxiv_id"], ["papers.arxiv_id"], name="fk_paper_topics_arxiv_id_papers", ondelete="CASCADE"
        ),
        topic_fk("paper_topics"),
        sa.PrimaryKeyConstraint("arxiv_id", "topic_id", name="pk_paper_topics"),
    )
    op.create_index("ix_paper_topics_topic_id_score", "paper_topics", ["topic_id", "score"])


def create_runs() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(32), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("topic_ids", json_list(), nullable=False),
        sa.Column("started_at", utc(), nullable=False),
        sa.Column("finished_at", utc(), nullable=False),
        sa.Column("fetched", sa.Integer(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_runs"),
    )
    op.create_index("ix_runs_run_id", "runs", ["run_id"])
    op.create_index("ix_runs_started_at", "runs", ["started_at"])


def downgrade() -> None:
    for table in ("runs", "paper_topics", "topic_resources", "topic_seminal", "topics", "papers"):
        op.drop_table(table)
