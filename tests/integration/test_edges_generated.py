"""The next window edge against the real gates, over generated demo data and several clocks:
before its edge, every account's gate result is the one at the scan's time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.edges import next_edge
from domain.gates import evaluate
from domain.settings import PolicySettings
from store.db import make_engine, make_session_factory
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.migrate import upgrade
from store.models import Account
from tools.batch import load_snapshots

NOW = datetime(2026, 11, 27, tzinfo=UTC)
LATER = [timedelta(hours=1), timedelta(days=3), timedelta(days=20), timedelta(days=60)]
LATER += [timedelta(days=120), timedelta(days=400)]


def _outcome(report: object) -> tuple[object, ...]:
    fields = ("status", "reasons", "flags", "ask_type", "eligible_ask_types")
    return tuple(getattr(report, name) for name in fields)


def test_before_its_edge_no_account_changes_and_after_some_do(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'edges.db'}")
    upgrade(engine)
    bundle = tmp_path / "bundle.json"
    write_demo_bundle(out=bundle, accounts=400, seed=11, now=NOW)
    import_bundle(engine=engine, source=bundle)
    policy = PolicySettings()
    with make_session_factory(engine)() as session:
        ids = list(session.scalars(Account.__table__.select().with_only_columns(Account.id)))
        snapshots = load_snapshots(session=session, account_ids=ids, as_of=NOW, limit=10)
    engine.dispose()
    held, flipped = 0, 0
    for snapshot in snapshots.values():
        edge = next_edge(snapshot, policy, NOW)
        first = _outcome(evaluate(snapshot, policy, NOW))
        for step in LATER:
            moment = NOW + step
            later = _outcome(evaluate(snapshot, policy, moment))
            if edge is None or moment < edge:
                assert later == first, (snapshot.account.id, moment, edge)
                held += 1
            elif later != first:
                flipped += 1
    assert held > 100, "many accounts keep their result for a while"
    assert flipped > 10, "and past their edge some do change: the edges are not vacuous"
