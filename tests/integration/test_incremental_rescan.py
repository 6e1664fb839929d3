"""Incremental re-scans against full ones, over generated data, evidence changes and clocks:
the results must be identical, on SQLite and PostgreSQL (the evidence versions come from the
database's own triggers, migration 0010)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import Engine, insert, inspect, select, update
from sqlalchemy.orm import Session

from agent.bootstrap import open_services
from agent.scan import ScanDeps, new_scan_id
from agent.scan_batches import finish_scan_batch, gated_batches, plan_scan
from agent.scan_gating import SKIPPED, Base, gated_again_estimate, gated_with
from agent.settings import Settings
from agent.usecases.scans import run_scan
from store.db import make_engine, transaction
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.migrate import _config as alembic_config
from store.migrate import upgrade
from store.models import (
    Account,
    MeasurementEvent,
    Owner,
    Review,
    Scan,
    ScanResult,
    Signal,
    Ticket,
)
from store.scan_reuse import base_scan
from store.scans import add_queued_scan

NOW = datetime(2026, 11, 27, tzinfo=UTC)
CLOCKS = [timedelta(hours=2), timedelta(days=1), timedelta(days=35), timedelta(days=200)]
GATE_FIELDS = ("status", "reasons", "flags", "eligible_ask_types", "ask_type")
# What the candidate list shows, copied with a reused result. Not `programs`: a reused
# candidate keeps the programs it fitted, while a full scan reads their capacity again.
LISTED_FIELDS = ("contact_id", "trigger_signal_id", "permission_status", "granted_scopes")


@pytest.fixture
def database(db_url: str, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    engine = make_engine(db_url)
    upgrade(engine)
    bundle = tmp_path / "bundle.json"
    write_demo_bundle(out=bundle, accounts=300, seed=5, now=NOW)
    import_bundle(engine=engine, source=bundle)
    yield db_url, engine
    engine.dispose()


def _scan(url: str, now: datetime, *, incremental: bool, batch_size: int = 1000) -> str:
    settings = Settings(
        database_url=url,
        scan_incremental=incremental,
        llm_concurrency=2,
        scan_batch_size=batch_size,
    )
    with open_services(settings, clock=lambda: now) as services:
        return run_scan(services=services, now=now)


def _gate_only_scan(url: str, now: datetime) -> str:
    """A scan that gates every account and opens no review (as bench/scan_run.py gates)."""
    with open_services(Settings(database_url=url), clock=lambda: now) as services:
        context = ScanDeps(deps=services.deps, advocate=services.advocate)
        scan_id = new_scan_id()
        with transaction(services.deps.session_factory) as session:
            add_queued_scan(session, scan_id=scan_id, now=now, started_at=now)
        for work in gated_batches(context, scan_id, plan_scan(services.deps, scan_id)):
            finish_scan_batch(services.deps, work, Counter())
    return scan_id


def _results(engine: Engine, scan_id: str) -> dict[str, tuple[Any, ...]]:
    c = ScanResult.__table__.c
    fields = (*GATE_FIELDS, *LISTED_FIELDS)
    with engine.connect() as connection:
        rows = connection.execute(
            select(c.account_id, *(c[name] for name in fields)).where(c.scan_id == scan_id)
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def _gate_events(engine: Engine, scan_id: str) -> dict[str, tuple[Any, ...]]:
    """The scan's held and stopped events: account -> (id without the scan, kind, data, time)."""
    e = MeasurementEvent.__table__.c
    with engine.connect() as connection:
        rows = connection.execute(
            select(e.account_id, e.id, e.kind, e.data, e.occurred_at, e.scan_id).where(
                e.scan_id == scan_id, e.kind.in_(("ask_held", "ask_stopped"))
            )
        )
        return {
            row.account_id: (row.id.replace(scan_id, "<scan>"), row.kind, row.data, row.occurred_at)
            for row in rows
        }


def _counts(engine: Engine, scan_id: str) -> dict[str, int]:
    with engine.connect() as connection:
        return dict(connection.scalar(select(Scan.counts).where(Scan.id == scan_id)) or {})


def _estimate(url: str, engine: Engine, now: datetime) -> set[str]:
    """What the plan of a re-scan at `now` expects to gate again (agent/scan_batches.packed)."""
    with Session(engine) as session:
        found = base_scan(
            session=session, now=now, gated_with=gated_with(Settings(database_url=url))
        )
        assert found is not None
        return gated_again_estimate(session, Base(*found), now) or set()


def _change_evidence(engine: Engine, now: datetime, step: int) -> None:
    """A few changes of every sort: new signals, a ticket opened, a health drop, a rejection."""
    accounts = Account.__table__.c
    with engine.begin() as connection:
        ids = list(connection.scalars(select(accounts.id).order_by(accounts.id)))
        picked = ids[step * 7 : step * 7 + 7]
        connection.execute(
            insert(Signal.__table__),
            [
                {
                    "id": f"new-s-{step}-{i}",
                    "account_id": a,
                    "kind": "nps",
                    "score": 10,
                    "occurred_at": now - timedelta(hours=1),
                    "source": "survey",
                }
                for i, a in enumerate(picked[:3])
            ]
            + [
                # dated ahead of the clock: it starts counting later, with no further change
                {
                    "id": f"later-s-{step}",
                    "account_id": picked[3],
                    "kind": "complaint",
                    "occurred_at": now + timedelta(days=2),
                    "source": "crm",
                    "score": None,
                }
            ],
        )
        connection.execute(
            insert(Ticket.__table__),
            [
                {
                    "id": f"new-t-{step}",
                    "account_id": picked[4],
                    "status": "open",
                    "priority": "urgent",
                    "category": "support",
                    "opened_at": now - timedelta(hours=1),
                    "subject": "Down",
                }
            ],
        )
        connection.execute(
            update(Account.__table__).where(accounts.id == picked[5]).values(health_score=20)
        )
        connection.execute(
            update(Review.__table__)
            .where(Review.__table__.c.status == "pending")
            .where(Review.__table__.c.account_id.in_(ids[step::9]))
            .values(status="rejected", decided_at=now - timedelta(hours=1))
        )


# 40: many batches, which a re-scan packs (agent/scan_batches.packed) around its changes.
@pytest.mark.parametrize("batch_size", [1000, 40])
def test_incremental_rescans_match_full_ones(database: tuple[str, Engine], batch_size: int) -> None:
    url, engine = database
    _scan(url, NOW, incremental=False, batch_size=batch_size)
    skipped_total = 0
    for step, offset in enumerate(CLOCKS):
        now = NOW + offset
        _change_evidence(engine, now, step)
        expected = _estimate(url, engine, now)
        incremental = _scan(url, now, incremental=True, batch_size=batch_size)
        full = _scan(url, now, incremental=False, batch_size=batch_size)
        assert _results(engine, incremental) == _results(engine, full), f"clock {now}"
        events = _gate_events(engine, incremental)
        assert events == _gate_events(engine, full), f"clock {now}"
        assert events, "held and stopped accounts have their events"
        skipped = _counts(engine, incremental).get(SKIPPED, 0)
        assert _counts(engine, full).get(SKIPPED, 0) == 0
        assert skipped < 300, "changed accounts and passed edges are gated again"
        # Nothing changed between the plan and the batches: its estimate is exact.
        assert len(expected) == 300 - skipped, f"clock {now}"
        skipped_total += skipped
    assert skipped_total > 300, "most accounts were reused across the clocks"


def test_an_unchanged_rescan_skips_every_account_and_links_open_reviews(
    database: tuple[str, Engine],
) -> None:
    url, engine = database
    first = _scan(url, NOW, incremental=True)
    again = _scan(url, NOW + timedelta(minutes=5), incremental=True)
    assert _counts(engine, again)[SKIPPED] == 300
    assert _results(engine, again) == _results(engine, first)
    c = ScanResult.__table__.c
    with engine.connect() as connection:
        linked = connection.execute(
            select(c.account_id, c.review_id).where(c.scan_id == again, c.status == "candidate")
        ).all()
    assert linked and all(review_id for _, review_id in linked), "each points at its review"
    assert _counts(engine, again)["reviews_already_open"] == len(linked)


def test_the_plan_expects_every_candidate_without_a_review_to_be_gated_again(
    database: tuple[str, Engine],
) -> None:
    url, engine = database
    first = _gate_only_scan(url, NOW)
    now = NOW + timedelta(hours=1)
    _change_evidence(engine, now, 0)
    accounts = Account.__table__
    with engine.begin() as connection:  # an account the first scan never saw
        row = dict(connection.execute(select(accounts).limit(1)).mappings().one())
        connection.execute(insert(accounts), [row | {"id": "acc-new", "name": "New Co"}])
    expected = _estimate(url, engine, now)
    again = _scan(url, now, incremental=True)
    candidates = {a for a, result in _results(engine, first).items() if result[0] == "candidate"}
    assert candidates and candidates <= expected, "no review: gated again for one"
    assert "acc-new" in expected
    assert len(expected) == 301 - _counts(engine, again).get(SKIPPED, 0)
    assert len(expected) < 301, "the others are reused"


def test_the_triggers_bump_only_the_changed_account(database: tuple[str, Engine]) -> None:
    _, engine = database
    accounts = Account.__table__.c
    with engine.connect() as connection:
        before = dict(connection.execute(select(accounts.id, accounts.evidence_version)).all())
    _change_evidence(engine, NOW, 0)
    with engine.connect() as connection:
        after = dict(connection.execute(select(accounts.id, accounts.evidence_version)).all())
    changed = {a for a in after if after[a] != before[a]}
    ids = sorted(after)
    assert set(ids[:6]) <= changed, "signals, a future-dated one, a ticket, the health score"
    assert len(changed) <= 6 + len(ids[0::9]), "nobody else (rejections aside)"


def test_migration_0010_goes_down_and_up_again(engine: Engine) -> None:
    command.downgrade(alembic_config(engine), "0005")
    assert "evidence_version" not in {c["name"] for c in inspect(engine).get_columns("accounts")}
    upgrade(engine)
    with engine.begin() as connection:
        connection.execute(insert(Owner.__table__).values(id="u-1", name="Ana"))
        connection.execute(insert(Account.__table__).values(id="a-1", name="A", owner_id="u-1"))
        connection.execute(
            insert(Signal.__table__).values(
                id="s-1", account_id="a-1", kind="renewal", occurred_at=NOW, score=None
            )
        )
        version = connection.scalar(select(Account.__table__.c.evidence_version))
    assert version == 1, "the triggers are back"
