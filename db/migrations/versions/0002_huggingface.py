"""Hugging Face fields on papers, one resources table (roadmap resources move into it), locks, scheduler jobs.

Revision ID: 0002_huggingface
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_huggingface"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HF_COLUMNS = (
    "hf_upvotes", "hf_comments", "hf_featured_on", "github_repo", "github_stars", "project_page",
    "ai_summary", "ai_keywords", "hf_seen_at", "hf_checked_at",
)  # fmt: skip


def json_list() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    add_paper_columns()
    create_resources()
    move_roadmap_resources()
    op.drop_table("topic_resources")
    create_locks()
    create_scheduler_jobs()


def add_paper_columns() -> None:
    with op.batch_alter_table("papers") as batch:
        batch.add_column(sa.Column("hf_upvotes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hf_comments", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("hf_featured_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("github_repo", sa.Text(), nullable=True))
        batch.add_column(sa.Column("github_stars", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("project_page", sa.Text(), nullable=True))
        batch.add_column(sa.Column("ai_summary", sa.Text(), nullable=True))
        batch.add_column(sa.Column("ai_keywords", json_list(), nullable=True))
        batch.add_column(sa.Column("hf_seen_at", utc(), nullable=True))
        batch.add_column(sa.Column("hf_checked_at", utc(), nullable=True))
        batch.create_index("ix_papers_hf_featured_on", ["hf_featured_on"])


def create_resources() -> None:
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("owner", sa.String(160), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("arxiv_id", sa.String(64), nullable=True),
        sa.Column("topic_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("stars", sa.Integer(), nullable=True),
        sa.Column("likes", sa.Integer(), nullable=True),
        sa.Column("downloads", sa.Integer(), nullable=True),
        sa.Column("published", utc(), nullable=True),
        sa.Column("first_seen", utc(), nullable=False),
        sa.Column("last_seen", utc(), nullable=False),
        sa.CheckConstraint("arxiv_id IS NOT NULL OR topic_id IS NOT NULL", name="ck_resources_linked"),
        sa.ForeignKeyConstraint(
            ["arxiv_id"], ["papers.arxiv_id"], name="fk_resources_arxiv_id_papers", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name="fk_resources_topic_id_topics", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_resources"),
        sa.UniqueConstraint("owner", "url", name="uq_resources_owner"),
    )
    op.create_index("ix_resources_arxiv_id", "resources", ["arxiv_id"])
    op.create_index("ix_resources_topic_id", "resources", ["topic_id"])


RESOURCES = sa.table(
    "resources",
    *(sa.column(name) for name in ("owner", "url", "topic_id", "kind", "title", "source", "position")),
    sa.column("first_seen", utc()),
    sa.column("last_seen", utc()),
)
TOPIC_RESOURCES = sa.table(
    "topic_resources", *(sa.column(name) for name in ("topic_id", "position", "title", "url", "kind"))
)


def move_roadmap_resources() -> None:
    """Roadmap resources become topic resources of source 'roadmap' (a URL listed twice keeps its first)."""
    rows = op.get_bind().execute(
        sa.select(TOPIC_RESOURCES).order_by(TOPIC_RESOURCES.c.topic_id, TOPIC_RESOURCES.c.position)
    )
    now = datetime.now(UTC)
    moved: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        moved.setdefault(
            (row.topic_id, row.url),
            {"owner": f"topic:{row.topic_id}", "url": row.url, "topic_id": row.topic_id, "kind": row.kind,
             "title": row.title, "source": "roadmap", "position": row.position, "first_seen": now,
             "last_seen": now},
        )  # fmt: skip
    if moved:
        op.bulk_insert(RESOURCES, list(moved.values()))


def create_locks() -> None:
    op.create_table(
        "locks",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("acquired_at", utc(), nullable=False),
        sa.Column("heartbeat_at", utc(), nullable=False),
        sa.Column("expires_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_locks"),
    )


def create_scheduler_jobs() -> None:
    # APScheduler's SQLAlchemyJobStore layout; it finds the table and does not create its own.
    op.create_table(
        "scheduler_jobs",
        sa.Column("id", sa.Unicode(191), nullable=False),
        sa.Column("next_run_time", sa.Float(25), nullable=True),
        sa.Column("job_state", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_scheduler_jobs"),
    )
    op.create_index("ix_scheduler_jobs_next_run_time", "scheduler_jobs", ["next_run_time"])


def downgrade() -> None:
    op.drop_table("scheduler_jobs")
    op.drop_table("locks")
    op.create_table(
        "topic_resources",
        sa.Column("topic_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"], ["topics.id"], name="fk_topic_resources_topic_id_topics", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("topic_id", "position", name="pk_topic_resources"),
    )
    roadmap = sa.select(RESOURCES.c.topic_id, RESOURCES.c.position, RESOURCES.c.title, RESOURCES.c.url,
                        RESOURCES.c.kind).where(RESOURCES.c.source == "roadmap")  # fmt: skip
    op.execute(
        TOPIC_RESOURCES.insert().from_select(["topic_id", "position", "title", "url", "kind"], roadmap)
    )
    op.drop_table("resources")
    with op.batch_alter_table("papers") as batch:
        batch.drop_index("ix_papers_hf_featured_on")
        for column in HF_COLUMNS:
            batch.drop_column(column)
