"""An owner's advocate preferences and the rewards ledger are gate evidence (issue 12): writing
either bumps the account's evidence version (migration 0011), so an incremental re-scan gates
the account again instead of reusing a result they changed — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, insert, select, update

from store.db import make_engine
from store.migrate import upgrade
from store.models import Account, AdvocatePreference, Contact, Owner, Reward

NOW = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    built = make_engine(db_url)
    upgrade(built)
    with built.begin() as connection:
        connection.execute(insert(Owner), [{"id": "u-1", "name": "Ana"}])
        connection.execute(insert(Account), [{"id": "a-1", "name": "A", "owner_id": "u-1"}])
        connection.execute(insert(Contact), [{"id": "c-1", "account_id": "a-1", "name": "Lee"}])
    yield built
    built.dispose()


def version(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(Account.evidence_version)) or 0)


PREFERENCE = {"contact_id": "c-1", "account_id": "a-1", "avoid_ask_types": [],
              "updated_at": NOW, "updated_by": "u-1"}  # fmt: skip
REWARD = {"id": "reward:1", "account_id": "a-1", "incentive_id": "gift", "kind": "review",
          "description": "A gift card", "disclosure": "Incentivised.", "value": 50.0,
          "currency": "USD", "status": "proposed", "created_at": NOW}  # fmt: skip


@pytest.mark.parametrize(
    ("table", "row", "change"),
    [
        (AdvocatePreference, PREFERENCE, {"unavailable_until": NOW + timedelta(days=30)}),
        (Reward, REWARD, {"status": "fulfilled"}),
    ],
)
def test_every_write_bumps_the_version(
    engine: Engine, table: type, row: dict[str, object], change: dict[str, object]
) -> None:
    before = version(engine)
    with engine.begin() as connection:
        connection.execute(insert(table), [row])
    inserted = version(engine)
    with engine.begin() as connection:
        connection.execute(update(table).values(**change))
    updated = version(engine)
    with engine.begin() as connection:
        connection.execute(delete(table))
    assert before < inserted < updated < version(engine)
