"""Live run rows: a run row is written when its source/query starts and updated as pages arrive.

`runs.status` says where the row stands (running, ok, failed, skipped, interrupted) and `runs.pages`
counts the pages (responses, batches) stored so far; existing rows become ok or failed by their error
count. Also clears the JSON text 'null' that HF lookups wrote into `papers.ai_keywords` where SQL NULL
was meant.

Revision ID: 0007_run_progress
Revises: 0006_about_index
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_run_progress"
down_revision: str | None = "0006_about_index"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("status", sa.String(length=16), nullable=False, server_default="ok"))
        batch.add_column(sa.Column("pages", sa.Integer(), nullable=False, server_default="0"))
    op.execute("UPDATE runs SET status = 'failed' WHERE errors > 0")
    json_null = "'null'::jsonb" if op.get_bind().dialect.name == "postgresql" else "'null'"
    op.execute(f"UPDATE papers SET ai_keywords = NULL WHERE ai_keywords = {json_null}")


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("pages")
        batch.drop_column("status")
