"""Programs, the rewards ledger and pilots (issue 12)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 07:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("scan_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("programs", sa.JSON(), nullable=True))
    op.create_table(
        "programs",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("updated_at", store.types.UTCDateTime(), nullable=True),
        sa.Column("updated_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
    )
    op.create_table(
        "rewards",
        sa.Column("id", sa.String(length=220), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.String(length=64), nullable=True),
        sa.Column("review_id", sa.String(length=200), nullable=True),
        sa.Column("program_id", sa.String(length=64), nullable=True),
        sa.Column("incentive_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("disclosure", sa.Text(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("approved_at", store.types.UTCDateTime(), nullable=True),
        sa.Column("resolved_at", store.types.UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_rewards_account_id_accounts"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.create_index("ix_rewards_account_status", ["account_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_rewards_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rewards_review_id"), ["review_id"], unique=False)
    op.create_table(
        "pilots",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("segment", sa.String(length=64), nullable=True),
        sa.Column("top_healthy", sa.Integer(), nullable=True),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("started_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("ends_at", store.types.UTCDateTime(), nullable=False),
        sa.Column("cohort", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pilots")),
    )


def downgrade() -> None:
    op.drop_table("pilots")
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rewards_review_id"))
        batch_op.drop_index(batch_op.f("ix_rewards_contact_id"))
        batch_op.drop_index("ix_rewards_account_status")
    op.drop_table("rewards")
    op.drop_table("programs")
    with op.batch_alter_table("scan_results", schema=None) as batch_op:
        batch_op.drop_column("programs")
