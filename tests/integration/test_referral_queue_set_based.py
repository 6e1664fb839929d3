"""The referral-ready queue narrows the accounts in one query before the pure gates run: on
real SQLite and PostgreSQL the queue is exactly the one of gating every account."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from agent.settings import Settings
from agent.usecases.referral_queue import referral_queue, referral_rows
from domain.actors import Actor
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.models import Account
from tools.referral_pool import referral_pool

NOW = datetime(2026, 11, 27, tzinfo=UTC)


@pytest.fixture
def demo(engine: Engine, tmp_path: Path) -> Engine:
    path = tmp_path / "demo.json"
    write_demo_bundle(out=path, accounts=400, seed=7, now=NOW)
    import_bundle(engine=engine, source=path)
    return engine


@pytest.mark.parametrize("owner", [None, "u-0003"])
def test_the_queue_is_the_one_of_gating_every_account(demo: Engine, owner: str | None) -> None:
    settings = Settings()
    actor = Actor(id=owner, role="owner") if owner else Actor(id="m", role="marketing")
    with Session(demo) as session:
        query = select(Account.id).order_by(Account.id)
        if owner:
            query = query.where(Account.owner_id == owner)
        every = list(session.scalars(query))
        expected = referral_rows(session=session, settings=settings, account_ids=every, now=NOW)
        found = referral_queue(session=session, settings=settings, actor=actor, now=NOW)
        pool = referral_pool(session=session, policy=settings.policy, now=NOW, owner_id=owner)
    assert found == expected
    assert len(pool) < len(every) / 2  # most accounts are never loaded
    if owner is None:
        assert len(found) >= 10, "the demo has referral-ready accounts"
