"""Levels: the roadmap's level names (L1 基础级 / Basics …), synced from roadmap.yaml like the topics, so
every surface reads them from the database instead of a copy in code.

Revision ID: 0004_levels
Revises: 0003_reader_state
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_levels"
down_revision: str | None = "0003_reader_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "levels",
        sa.Column("id", sa.String(length=8), nullable=False),
        sa.Column("name_zh", sa.Text(), nullable=False),
        sa.Column("name_en", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_levels")),
    )


def downgrade() -> None:
    op.drop_table("levels")
