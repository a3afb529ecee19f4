"""Indexes that answer a reading list's window by themselves: a topic's matches about it (or not) with what
ranking needs (aboutness, kind, score), and a paper's dates beside its id — so that reading a topic's
window touches no table row, and a widening window reads only the papers about the topic.

Revision ID: 0006_about_index
Revises: 0005_aboutness
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006_about_index"
down_revision: str | None = "0005_aboutness"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ABOUT_COLUMNS = ["topic_id", "about", "arxiv_id", "aboutness", "kind", "score"]


def upgrade() -> None:
    op.create_index("ix_paper_topics_topic_id_about", "paper_topics", ABOUT_COLUMNS)
    op.drop_index("ix_papers_arxiv_id_published", table_name="papers")
    op.create_index("ix_papers_arxiv_id_dates", "papers", ["arxiv_id", "published", "first_seen"])


def downgrade() -> None:
    op.drop_index("ix_papers_arxiv_id_dates", table_name="papers")
    op.create_index("ix_papers_arxiv_id_published", "papers", ["arxiv_id", "published"])
    op.drop_index("ix_paper_topics_topic_id_about", table_name="paper_topics")
