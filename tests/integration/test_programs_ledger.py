"""Programs and the rewards ledger on real SQLite and PostgreSQL: the bundle's `programs` key,
the ledger's once-only moves, unresolved rewards in the evidence, and the schema of 0007."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, func, select

from domain.gates import evaluate
from domain.programs import Program
from domain.settings import PolicySettings
from store import programs as store
from store.db import make_session_factory, transaction
from store.importer import BundleInvalid, import_bundle
from store.models import Base
from store.program_models import Program as ProgramRow
from tools.batch import load_snapshots
from tools.evidence import load_snapshot

EXAMPLE = Path(__file__).parent.parent / "fixtures" / "design_example.json"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
PROGRAM: dict[str, Any] = {
    "id": "voice",
    "name": "Customer voice",
    "ask_types": ["review", "testimonial"],
    "activities": ["community"],
    "segments": ["smb"],
    "min_tier": "contributor",
    "capacity": {"max": 10, "per": "month"},
    "incentives": [
        {"id": "gc", "description": "A $25 gift card, whatever you write.", "value": 25,
         "currency": "USD"}
    ],
    "disclosure": "Everyone who takes part gets the same card.",
    "timing": [{"segment": "smb", "within_days": 30}],
}  # fmt: skip


def bundle(tmp_path: Path, *programs: dict[str, Any]) -> Path:
    data = json.loads(EXAMPLE.read_text())
    data["programs"] = list(programs)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data))
    return path


def test_programs_import_whole_and_update_by_id(engine: Engine, tmp_path: Path) -> None:
    report = import_bundle(engine=engine, source=bundle(tmp_path, PROGRAM))
    assert report.counts["programs"] == 1
    factory = make_session_factory(engine)
    with factory() as session:
        (found,) = store.programs(session=session)
    assert found == Program.model_validate(PROGRAM)
    assert found.capacity[0].max == 10
    import_bundle(engine=engine, source=bundle(tmp_path, {**PROGRAM, "name": "Voice of customers"}))
    with factory() as session:
        (again,) = store.programs(session=session)
        assert again.name == "Voice of customers"
        assert session.scalar(select(func.count()).select_from(ProgramRow)) == 1


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        ({"currency": "dollars"}, "programs[1].incentives.0.currency"),
        ({"description": "A card for every 5-star review"}, "programs[1]: Value error"),
    ],
)
def test_a_bad_program_rejects_the_whole_bundle(
    engine: Engine, tmp_path: Path, bad: dict[str, Any], where: str
) -> None:
    wrong = {**PROGRAM, "id": "other", "incentives": [{**PROGRAM["incentives"][0], **bad}]}
    with pytest.raises(BundleInvalid) as caught:
        import_bundle(engine=engine, source=bundle(tmp_path, PROGRAM, wrong))
    assert any(str(e).startswith(where.split(":")[0]) for e in caught.value.errors), [
        str(e) for e in caught.value.errors
    ]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(ProgramRow)) == 0
        assert (
            connection.scalar(select(func.count()).select_from(Base.metadata.tables["accounts"]))
            == 0
        )


def test_replacing_programs_removes_those_not_listed(engine: Engine, tmp_path: Path) -> None:
    import_bundle(engine=engine, source=bundle(tmp_path, PROGRAM, {**PROGRAM, "id": "second"}))
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        store.replace_programs(
            session=session, specs=[Program.model_validate(PROGRAM)], by="adm", at=NOW
        )
    with factory() as session:
        assert [p.id for p in store.programs(session=session)] == ["voice"]


def reward_row(**changes: Any) -> dict[str, Any]:
    row = {
        "id": "reward:rv-1",
        "account_id": "acc-001",
        "contact_id": "c-1",
        "review_id": None,
        "program_id": "voice",
        "incentive_id": "gc",
        "kind": "review",
        "description": "A $25 gift card, whatever you write.",
        "disclosure": "Everyone who takes part gets the same card.",
        "value": 25.0,
        "currency": "USD",
        "status": "proposed",
        "created_at": datetime(2026, 11, 20, tzinfo=UTC),
    }
    return {**row, **changes}


def test_the_ledger_writes_and_moves_each_row_once(engine: Engine) -> None:
    import_bundle(engine=engine, source=EXAMPLE)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        assert store.add_reward(session=session, row=reward_row())
        assert not store.add_reward(session=session, row=reward_row(status="approved"))
    moves = []
    for _ in range(2):
        with transaction(factory) as session:
            moves.append(
                store.move_reward(
                    session=session,
                    reward_id="reward:rv-1",
                    before="proposed",
                    after="cancelled",
                    values={"resolved_at": NOW, "resolved_by": "u-ana"},
                )
            )
    assert moves == [True, False]
    with factory() as session:
        (row,) = store.rewards(session=session, contact_id="c-1")
        assert (row.status, row.resolved_by, row.value) == ("cancelled", "u-ana", 25.0)
        assert store.rewards(session=session, contact_id="c-9") == []


def test_an_unresolved_reward_stops_the_account_in_both_loaders(engine: Engine) -> None:
    import_bundle(engine=engine, source=EXAMPLE)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        store.add_reward(session=session, row=reward_row())
        store.add_reward(session=session, row=reward_row(id="reward:rv-0", status="fulfilled"))
    with factory() as session:
        one = load_snapshot(session=session, account_id="acc-001", as_of=NOW, limit=10)
        many = load_snapshots(session=session, account_ids=["acc-001"], as_of=NOW, limit=10)
    assert one is not None
    assert [r.id for r in one.rewards] == ["reward:rv-1"]
    assert many["acc-001"] == one
    report = evaluate(one, PolicySettings(), NOW)
    assert report.status == "stopped"
    assert "reward_unresolved" in report.reasons


def test_migration_0007_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    ours = [d for d in diff if any(n in str(d) for n in ("programs", "rewards", "pilots"))]
    assert ours == []
