"""latest_results without its scan_id index: no query reads it by scan, and every scan's
finishing paid for it

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 03:00:00

Reads join latest_results by account (its primary key) and then the scan's result by
(scan_id, account_id); scans are never deleted, so the foreign key never looks a scan up from
this side either. A finishing scan moves every account it covered to itself, and each move
rewrote the row's entry in this index too: at 100,000 accounts that was ~50 ms of the ~130 ms
`mark_latest` took on SQLite, in every full scan and every incremental re-scan.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("ix_latest_results_scan_id"), table_name="latest_results")


def downgrade() -> None:
    op.create_index(op.f("ix_latest_results_scan_id"), "latest_results", ["scan_id"], unique=False)
