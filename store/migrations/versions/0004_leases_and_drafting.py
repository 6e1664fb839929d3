"""Leases: decision claims and scan runners; reviews are 'drafting' until their checkpoint exists

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_OPEN = "status IN ('pending', 'deciding')"
NEW_OPEN = "status IN ('drafting', 'pending', 'deciding')"


def _one_open_review_index(where: str) -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_index("uq_reviews_one_open_per_account")
        batch_op.create_index(
            "uq_reviews_one_open_per_account",
            ["account_id"],
            unique=True,
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def upgrade() -> None:
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claimed_at", store.types.UTCDateTime(), nullable=True))
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.add_column(sa.Column("runner", sa.String(length=200), nullable=True))
    _one_open_review_index(NEW_OPEN)


def downgrade() -> None:
    _one_open_review_index(OLD_OPEN)
    with op.batch_alter_table("scans", schema=None) as batch_op:
        batch_op.drop_column("runner")
    with op.batch_alter_table("reviews", schema=None) as batch_op:
        batch_op.drop_column("claimed_at")
