"""Aboutness: whether a matched paper is about its topic or only uses it, with the probability, the reasons
and its kind (a survey or an analysis, which basics topics favour).

Existing matches get 0 / false / [] here; the collector re-assesses every match the next time it prepares
the store, because the topics' query hashes include the matching and aboutness version.

Revision ID: 0005_aboutness
Revises: 0004_levels
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005_aboutness"
down_revision: str | None = "0004_levels"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def json_list() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("paper_topics") as table:
        table.add_column(sa.Column("aboutness", sa.Float(), server_default="0", nullable=False))
        table.add_column(sa.Column("about", sa.Boolean(), server_default=sa.false(), nullable=False))
        table.add_column(sa.Column("about_reasons", json_list(), server_default="[]", nullable=False))
        table.add_column(sa.Column("kind", sa.String(length=16), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("paper_topics") as table:
        table.drop_column("kind")
        table.drop_column("about_reasons")
        table.drop_column("about")
        table.drop_column("aboutness")
