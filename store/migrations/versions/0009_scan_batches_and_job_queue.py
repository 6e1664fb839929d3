"""Scan batches, and procrastinate's job queue schema (PostgreSQL only)

Revision ID: 0009
Revises: 0007
Create Date: 2026-11-30 07:00:00

On PostgreSQL, scans run as batch jobs on procrastinate, whose own schema (4 `procrastinate_*`
tables, types and functions) is applied here, once: applying it twice fails, so it is skipped
when its jobs table exists. SQLite has no queue; only the batches table is created there.
A scan records the scan whose unchanged results it reuses (chosen once, when it is planned), so
that every batch, whichever worker runs it, reuses the same one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "scan_batches",
        sa.Column("scan_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("account_ids", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("to_draft", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("drafted", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("finished_at", store.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["scan_id"],
            ["scans.id"],
            name=op.f("fk_scan_batches_scan_id_scans"),
            initially="DEFERRED",
            deferrable=True,
        ),
        sa.PrimaryKeyConstraint("scan_id", "number", name=op.f("pk_scan_batches")),
    )
    op.add_column("scans", sa.Column("base_scan_id", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _apply_queue_schema(bind)


def _apply_queue_schema(bind: sa.Connection) -> None:
    """procrastinate's schema, through the driver: its SQL holds `%`, which SQLAlchemy's
    `exec_driver_sql` would read as parameters."""
    if bind.execute(sa.text("SELECT to_regclass('procrastinate_jobs')")).scalar() is not None:
        return
    from procrastinate.schema import SchemaManager

    bind.connection.driver_connection.execute(SchemaManager.get_schema())  # type: ignore[union-attr]


def downgrade() -> None:
    # procrastinate's schema stays: it may hold jobs, and dropping it is its own decision.
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("base_scan_id")
    op.drop_table("scan_batches")
