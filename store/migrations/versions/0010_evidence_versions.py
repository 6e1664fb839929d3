"""Evidence versions: each account's counter, bumped by the database on every evidence change,
and, per scan result, the version it read and the moment a time rule can flip it (re-scans)

Revision ID: 0010
Revises: 0008
Create Date: 2026-11-30 07:15:00

Triggers keep `accounts.evidence_version` honest whatever writes the evidence (the import, the
events webhook, decisions, outcomes, a person with psql): on SQLite one per row and event; on
PostgreSQL statement-level ones over the transition tables (one UPDATE per account per
statement, not per row), and a BEFORE UPDATE on accounts for the account's own columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import store.types

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVIDENCE_TABLES = ("contacts", "signals", "tickets", "permissions", "asks", "referrals")
# The account's own columns the gates read (a change of any bumps its version).
ACCOUNT_COLUMNS = (
    "name, owner_id, segment, industry, arr, customer_since, renewal_date, health_score, "
    "sensitive, sensitive_reason, do_not_contact, preferred_channel"
)
BUMP = "UPDATE accounts SET evidence_version = evidence_version + 1"
# A rejected review is evidence (the rejection cool-down); other review changes are not.
REJECTION = "'rejected'"


def _sqlite_triggers() -> list[str]:
    statements = []
    for table in EVIDENCE_TABLES:
        statements += [
            f"CREATE TRIGGER evidence_version_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {BUMP} WHERE id = NEW.account_id; END",
            f"CREATE TRIGGER evidence_version_{table}_update AFTER UPDATE ON {table} "
            f"BEGIN {BUMP} WHERE id IN (NEW.account_id, OLD.account_id); END",
            f"CREATE TRIGGER evidence_version_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {BUMP} WHERE id = OLD.account_id; END",
        ]
    statements += [
        f"CREATE TRIGGER evidence_version_accounts AFTER UPDATE OF {ACCOUNT_COLUMNS} ON accounts "
        f"BEGIN {BUMP} WHERE id = NEW.id; END",
        "CREATE TRIGGER evidence_version_reviews_update AFTER UPDATE OF status ON reviews "
        f"WHEN OLD.status IS NOT NEW.status AND {REJECTION} IN (OLD.status, NEW.status) "
        f"BEGIN {BUMP} WHERE id = NEW.account_id; END",
        "CREATE TRIGGER evidence_version_reviews_insert AFTER INSERT ON reviews "
        f"WHEN NEW.status = {REJECTION} BEGIN {BUMP} WHERE id = NEW.account_id; END",
        "CREATE TRIGGER evidence_version_reviews_delete AFTER DELETE ON reviews "
        f"WHEN OLD.status = {REJECTION} BEGIN {BUMP} WHERE id = OLD.account_id; END",
    ]
    return statements


def _sqlite_trigger_names() -> list[str]:
    names = [
        f"evidence_version_{t}_{e}" for t in EVIDENCE_TABLES for e in ("insert", "update", "delete")
    ]
    return [*names, "evidence_version_accounts"] + [
        f"evidence_version_reviews_{e}" for e in ("update", "insert", "delete")
    ]


PG_FUNCTIONS = [
    f"""
CREATE FUNCTION evidence_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {BUMP} WHERE id IN (SELECT account_id FROM new_rows);
  ELSIF TG_OP = 'DELETE' THEN
    {BUMP} WHERE id IN (SELECT account_id FROM old_rows);
  ELSE
    -- Rows whose text differs: an upsert that rewrote the same values changes nothing.
    {BUMP} WHERE id IN (
      SELECT n.account_id FROM new_rows n WHERE n::text NOT IN (SELECT o::text FROM old_rows o)
      UNION
      SELECT o.account_id FROM old_rows o WHERE o::text NOT IN (SELECT n::text FROM new_rows n)
    );
  END IF;
  RETURN NULL;
END $$""",
    """
CREATE FUNCTION evidence_version_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.evidence_version = OLD.evidence_version AND NEW::text IS DISTINCT FROM OLD::text THEN
    NEW.evidence_version := OLD.evidence_version + 1;
  END IF;
  RETURN NEW;
END $$""",
    f"""
CREATE FUNCTION evidence_version_review() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    {BUMP} WHERE id = OLD.account_id;
  ELSE
    {BUMP} WHERE id = NEW.account_id;
  END IF;
  RETURN NULL;
END $$""",
]


def _pg_triggers() -> list[str]:
    statements = []
    for table in EVIDENCE_TABLES:
        statements += [
            f"CREATE TRIGGER evidence_version_{table}_insert AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION evidence_version_bump()",
            f"CREATE TRIGGER evidence_version_{table}_update AFTER UPDATE ON {table} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION evidence_version_bump()",
            f"CREATE TRIGGER evidence_version_{table}_delete AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            "EXECUTE FUNCTION evidence_version_bump()",
        ]
    statements += [
        "CREATE TRIGGER evidence_version_accounts BEFORE UPDATE ON accounts "
        "FOR EACH ROW EXECUTE FUNCTION evidence_version_account()",
        "CREATE TRIGGER evidence_version_reviews_update AFTER UPDATE OF status ON reviews "
        "FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status "
        f"AND {REJECTION} IN (OLD.status, NEW.status)) "
        "EXECUTE FUNCTION evidence_version_review()",
        "CREATE TRIGGER evidence_version_reviews_insert AFTER INSERT ON reviews "
        f"FOR EACH ROW WHEN (NEW.status = {REJECTION}) EXECUTE FUNCTION evidence_version_review()",
        "CREATE TRIGGER evidence_version_reviews_delete AFTER DELETE ON reviews "
        f"FOR EACH ROW WHEN (OLD.status = {REJECTION}) EXECUTE FUNCTION evidence_version_review()",
    ]
    return statements


def upgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("evidence_version", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column("scans", sa.Column("gated_with", sa.String(length=64), nullable=True))
    op.add_column("scan_results", sa.Column("evidence_version", sa.Integer(), nullable=True))
    op.add_column("scan_results", sa.Column("recheck_at", store.types.UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for statement in [*PG_FUNCTIONS, *_pg_triggers()]:
            op.execute(statement)
    else:
        for statement in _sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in EVIDENCE_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER evidence_version_{table}_{event} ON {table}")
        op.execute("DROP TRIGGER evidence_version_accounts ON accounts")
        for event in ("update", "insert", "delete"):
            op.execute(f"DROP TRIGGER evidence_version_reviews_{event} ON reviews")
        for function in ("bump", "account", "review"):
            op.execute(f"DROP FUNCTION evidence_version_{function}()")
    else:
        for name in _sqlite_trigger_names():
            op.execute(f"DROP TRIGGER {name}")
    with op.batch_alter_table("scan_results") as batch:
        batch.drop_column("recheck_at")
        batch.drop_column("evidence_version")
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("gated_with")
    with op.batch_alter_table("accounts") as batch:
        batch.drop_column("evidence_version")
