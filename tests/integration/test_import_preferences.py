"""The bundle's `preferences` key on real SQLite and PostgreSQL: imported like an owner's edit
(audited, old and new), validated like the other keys (a bad row names its index and field,
nothing is written), from JSON and CSV, and `advocacy import` exits 2 on a bad row."""

from __future__ import annotations

import csv
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from store import advocates as store
from store.db import make_session_factory
from store.importer import BundleInvalid, import_bundle
from store.models import AdvocatePreference, PreferenceChange
from tests.e2e.test_cli import ADVOCACY, clean_env

EXAMPLE = Path(__file__).parent.parent / "fixtures" / "design_example.json"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NOTE = {
    "contact_id": "c-1",
    "avoid_ask_types": ["reference_call", "case_study", "case_study"],
    "max_asks_per_year": 2,
    "unavailable_until": "2027-01-15T00:00:00Z",
    "preferred_channel": "call",
}


def bundle(tmp_path: Path, *preferences: dict[str, Any], first: bool = False) -> Path:
    data = json.loads(EXAMPLE.read_text())
    if first:  # the preferences before the contacts they name
        data = {"preferences": list(preferences), **data}
    else:
        data["preferences"] = list(preferences)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data))
    return path


def stored(engine: Engine) -> tuple[list[AdvocatePreference], list[PreferenceChange]]:
    with make_session_factory(engine)() as session:
        rows = list(session.scalars(select(AdvocatePreference)))
        changes = list(session.scalars(select(PreferenceChange).order_by(PreferenceChange.id)))
    return rows, changes


def test_preferences_import_like_an_owners_edit(engine: Engine, tmp_path: Path) -> None:
    report = import_bundle(engine=engine, source=bundle(tmp_path, NOTE, first=True), now=NOW)
    assert report.counts["preferences"] == 1
    (row,), (change,) = stored(engine)
    assert (row.account_id, row.avoid_ask_types) == ("acc-001", ["case_study", "reference_call"])
    assert (row.max_asks_per_year, row.preferred_channel) == (2, "call")
    assert row.unavailable_until == datetime(2027, 1, 15, tzinfo=UTC)
    assert (change.actor, change.changes["max_asks_per_year"]) == ("import", [None, 2])
    import_bundle(engine=engine, source=bundle(tmp_path, NOTE), now=NOW)
    assert len(stored(engine)[1]) == 1  # the same again: nothing changed, nothing audited
    import_bundle(engine=engine, source=bundle(tmp_path, {"contact_id": "c-1"}), now=NOW)
    (row,), changes = stored(engine)
    assert (row.avoid_ask_types, row.unavailable_until) == ([], None)  # replaced whole
    assert changes[-1].changes["preferred_channel"] == ["call", None]
    with make_session_factory(engine)() as session:
        assert len(store.preference_changes(session=session, contact_id="c-1")) == 2


@pytest.mark.parametrize(
    ("bad", "where"),
    [
        ({"avoid_ask_types": ["nope"]}, "preferences[1].avoid_ask_types.0"),
        ({"max_asks_per_year": 99}, "preferences[1].max_asks_per_year"),
        ({"preferred_channel": "fax"}, "preferences[1].preferred_channel"),
        ({"unavailable_until": "soon"}, "preferences[1].unavailable_until"),
        ({"colour": "blue"}, "preferences[1].colour"),
        ({"contact_id": "c-404"}, "preferences[1].contact_id"),
        ({"contact_id": "c-1"}, "preferences[1].contact_id: duplicate of preferences[0]"),
    ],
)
def test_a_bad_preference_rejects_the_whole_bundle(
    engine: Engine, tmp_path: Path, bad: dict[str, Any], where: str
) -> None:
    other = {"contact_id": "c-2", **bad}
    source = bundle(tmp_path, NOTE, other)
    data = json.loads(source.read_text())
    data["contacts"].append({"id": "c-2", "account_id": "acc-001", "name": "Kim Vo"})
    source.write_text(json.dumps(data))
    with pytest.raises(BundleInvalid) as caught:
        import_bundle(engine=engine, source=source, now=NOW)
    assert str(caught.value.errors[0]).startswith(where), caught.value.errors
    assert stored(engine) == ([], [])
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(AdvocatePreference)) == 0


def test_preferences_come_from_csv_too(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    source = Path(__file__).parent.parent / "fixtures" / "csv_bundle"
    for path in source.glob("*.csv"):
        (folder / path.name).write_text(path.read_text())
    with (folder / "preferences.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["contact_id", "avoid_ask_types", "max_asks_per_year"])
        writer.writerow(["c-1", "case_study;review", "1"])
    import_bundle(engine=engine, source=folder, now=NOW)
    (row,), _ = stored(engine)
    assert (row.avoid_ask_types, row.max_asks_per_year) == (["case_study", "review"], 1)


def test_the_import_command_names_the_bad_row_and_exits_2(sqlite_url: str, tmp_path: Path) -> None:
    source = bundle(tmp_path, NOTE, {"contact_id": "c-1", "max_asks_per_year": -1})
    env = {**clean_env(), "ADVOCACY_DATABASE_URL": sqlite_url, "COLUMNS": "200"}
    done = subprocess.run(
        [ADVOCACY, "import", str(source)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "preferences[1].max_asks_per_year" in done.stdout + done.stderr
