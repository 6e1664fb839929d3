"""Evidence versions for the tables issue 12 added: an owner's advocate preferences and the
rewards ledger are gate evidence too (advocate_unavailable, advocate_ask_limit, avoided ask
types; reward_unresolved), so a change to either makes a re-scan gate the account again

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-30 08:30:00

The same triggers as 0010's evidence tables (on PostgreSQL its statement-level
`evidence_version_bump()`); without them an incremental re-scan reused a result that a new
"unavailable until" or a new unresolved reward had already changed.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("advocate_preferences", "rewards")
BUMP = "UPDATE accounts SET evidence_version = evidence_version + 1"
EVENTS = ("insert", "update", "delete")


def _sqlite(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER evidence_version_{table}_insert AFTER INSERT ON {table} "
        f"BEGIN {BUMP} WHERE id = NEW.account_id; END",
        f"CREATE TRIGGER evidence_version_{table}_update AFTER UPDATE ON {table} "
        f"BEGIN {BUMP} WHERE id IN (NEW.account_id, OLD.account_id); END",
        f"CREATE TRIGGER evidence_version_{table}_delete AFTER DELETE ON {table} "
        f"BEGIN {BUMP} WHERE id = OLD.account_id; END",
    ]


def _postgres(table: str) -> list[str]:
    transitions = {
        "insert": "REFERENCING NEW TABLE AS new_rows",
        "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "REFERENCING OLD TABLE AS old_rows",
    }
    return [
        f"CREATE TRIGGER evidence_version_{table}_{event} AFTER {event.upper()} ON {table} "
        f"{transitions[event]} FOR EACH STATEMENT EXECUTE FUNCTION evidence_version_bump()"
        for event in EVENTS
    ]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for statement in _postgres(table) if postgres else _sqlite(table):
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for event in EVENTS:
            on = f" ON {table}" if postgres else ""
            op.execute(f"DROP TRIGGER evidence_version_{table}_{event}{on}")
