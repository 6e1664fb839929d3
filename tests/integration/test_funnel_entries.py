"""`ask_held` and `ask_stopped` count accounts entering the state, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import sessionmaker

from domain.events import event_row
from store.funnel import state_entries
from store.migrate import upgrade
from store.models import MeasurementEvent
from store.writes import insert_or_ignore

START = datetime(2026, 11, 1, tzinfo=UTC)
HISTORIES = [
    # (each account's gate events in time order, the entries expected)
    pytest.param({"a": ["ask_held"] * 3}, {"ask_held": 1}, id="held_in_three_scans"),
    pytest.param(
        {"a": ["ask_held", "candidate_identified", "ask_held"]},
        {"ask_held": 2},
        id="held_again_after_a_candidate",
    ),
    pytest.param(
        {"a": ["ask_held", "ask_stopped", "ask_stopped", "ask_held"]},
        {"ask_held": 2, "ask_stopped": 1},
        id="held_stopped_held",
    ),
    pytest.param(
        {"a": ["ask_held", "ask_held"], "b": ["ask_held"], "c": ["candidate_identified"]},
        {"ask_held": 2},
        id="per_account",
    ),
]


@pytest.mark.parametrize(("history", "expected"), HISTORIES)
def test_state_entries(engine: Engine, history: dict[str, list[str]], expected: dict) -> None:
    upgrade(engine)
    rows = [
        event_row(kind=kind, key=f"{account}:{step}", at=START + timedelta(days=step),
                  account_id=account, owner_id="u-1")  # type: ignore[arg-type]
        for account, kinds in history.items()
        for step, kind in enumerate(kinds)
    ]  # fmt: skip
    factory = sessionmaker(engine)
    with factory.begin() as session:
        insert_or_ignore(session, MeasurementEvent, rows)
    with factory() as session:
        assert state_entries(session=session, since=None, until=None, owner_id=None) == expected
        later = START + timedelta(days=1)
        if history.get("a", [])[:2] == ["ask_held", "ask_held"]:
            # still held at the period's start: not an entry within it
            assert state_entries(session=session, since=later, until=None, owner_id=None) == {}
