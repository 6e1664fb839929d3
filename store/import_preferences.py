"""The bundle's `preferences` rows, written last in the import's transaction: a preference's
account is its contact's, and the contact may come later in the file than the preference."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from store.advocates import save_preference
from store.models import Contact

FIELDS = ("avoid_ask_types", "max_asks_per_year", "unavailable_until", "preferred_channel")
ACTOR = "import"
CHUNK = 1000


def write_preferences(
    connection: Connection, rows: Sequence[dict[str, Any]], *, at: datetime
) -> None:
    """Each contact's preferences through the owner's edit (store/advocates.py): replaced
    whole, audited with the old and new values, as written by `import`; nothing when equal."""
    ids = [row["contact_id"] for row in rows]
    accounts: dict[str, str] = {}
    for start in range(0, len(ids), CHUNK):
        query = select(Contact.id, Contact.account_id).where(
            Contact.id.in_(ids[start : start + CHUNK])
        )
        accounts.update(dict(connection.execute(query).all()))
    # The session joins the import's transaction: it commits or rolls back with the import.
    with Session(bind=connection) as session:
        for row in rows:
            save_preference(
                session=session,
                contact_id=row["contact_id"],
                account_id=accounts[row["contact_id"]],
                values={name: row[name] for name in FIELDS},
                actor=ACTOR,
                at=at,
            )
            session.flush()
