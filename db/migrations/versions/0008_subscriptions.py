"""Topic digests: subscribers, their subscriptions and link tokens (hashed), the digests sent and the
ledger of papers each address has been sent, and when each match was first recorded (a re-match rewrites
paper_topics.matched_at; match_first_seen keeps the first time).

Existing matches need no backfill: a match absent from match_first_seen was first recorded at its
matched_at, which no re-match has rewritten yet.

Revision ID: 0008_subscriptions
Revises: 0007_run_progress
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008_subscriptions"
down_revision: str | None = "0007_run_progress"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EMAIL = 320


def json_list() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def email_of_subscriber(table: str) -> list[Any]:
    """An `email` column referencing subscribers (deleting an address deletes its rows)."""
    return [
        sa.Column("email", sa.String(EMAIL), nullable=False),
        sa.ForeignKeyConstraint(
            ["email"], ["subscribers.email"], name=f"fk_{table}_email_subscribers", ondelete="CASCADE"
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "match_first_seen",
        sa.Column("arxiv_id", sa.String(64), nullable=False),
        sa.Column("topic_id", sa.String(64), nullable=False),
        sa.Column("first_matched_at", utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["arxiv_id"], ["papers.arxiv_id"], name="fk_match_first_seen_arxiv_id_papers", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("arxiv_id", "topic_id", name="pk_match_first_seen"),
    )
    op.create_table(
        "subscribers",
        sa.Column("email", sa.String(EMAIL), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("reader", sa.String(64), nullable=True),
        sa.Column("created_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("email", name="pk_subscribers"),
    )
    create_subscriptions()
    create_tokens()
    create_digests()


def create_subscriptions() -> None:
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        *email_of_subscriber("subscriptions"),
        sa.Column("topic_ids", json_list(), nullable=False),
        sa.Column("levels", json_list(), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("confirmed_at", utc(), nullable=True),
        sa.Column("checked_at", utc(), nullable=True),
        sa.Column("sent_at", utc(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_at", utc(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_subscriptions"),
    )
    op.create_index("ix_subscriptions_email", "subscriptions", ["email"])


def create_tokens() -> None:
    op.create_table(
        "subscription_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        *email_of_subscriber("subscription_tokens"),
        sa.Column("subscription_ids", json_list(), nullable=False),
        sa.Column("created_at", utc(), nullable=False),
        sa.Column("expires_at", utc(), nullable=False),
        sa.PrimaryKeyConstraint("token_hash", name="pk_subscription_tokens"),
    )
    op.create_index("ix_subscription_tokens_email", "subscription_tokens", ["email"])
    op.create_index("ix_subscription_tokens_expires_at", "subscription_tokens", ["expires_at"])


def create_digests() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.String(32), nullable=False),
        *email_of_subscriber("digests"),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("sent_at", utc(), nullable=False),
        sa.Column("listed", sa.Integer(), nullable=False),
        sa.Column("counted", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_digests"),
    )
    op.create_index("ix_digests_email", "digests", ["email"])
    op.create_table(
        "digest_ledger",
        *email_of_subscriber("digest_ledger"),
        sa.Column("arxiv_id", sa.String(64), nullable=False),
        sa.Column("digest_id", sa.String(32), nullable=False),
        sa.Column("topic_id", sa.String(64), nullable=False),
        sa.Column("listed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["digest_id"], ["digests.id"], name="fk_digest_ledger_digest_id_digests", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("email", "arxiv_id", name="pk_digest_ledger"),
    )
    op.create_index("ix_digest_ledger_digest_id", "digest_ledger", ["digest_id"])


def downgrade() -> None:
    for index, table in (
        ("ix_digest_ledger_digest_id", "digest_ledger"),
        ("ix_digests_email", "digests"),
        ("ix_subscription_tokens_expires_at", "subscription_tokens"),
        ("ix_subscription_tokens_email", "subscription_tokens"),
        ("ix_subscriptions_email", "subscriptions"),
    ):
        op.drop_index(index, table_name=table)
    for table in (
        "digest_ledger", "digests", "subscription_tokens", "subscriptions", "subscribers", "match_first_seen",
    ):  # fmt: skip
        op.drop_table(table)
