"""Generated hostile bundles on real SQLite and PostgreSQL: the import either succeeds, or it is
refused with errors that name the key, row and field and the database is exactly as before.
Never any other exception (no DataError, no traceback).

Each bundle is the design example plus a second owner's accounts, with one to three of its fields
made hostile: NUL characters, wrong types, out-of-range scores, times with and without a zone,
before 1900 or after `now`, unknown keys and fields, missing references, duplicate ids."""

from __future__ import annotations

import copy
import json
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from store.bundle import BUNDLE_KEYS, REFERENCES, TABLE_OF
from store.db import make_engine
from store.importer import BundleInvalid, import_bundle
from store.migrate import upgrade
from store.models import Base

EXAMPLE = Path(__file__).parent.parent / "fixtures" / "design_example.json"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)

SECOND_OWNER: dict[str, list[dict[str, Any]]] = {
    "owners": [{"id": "u-bob", "name": "Bob Stone", "email": "bob@example.com"}],
    "accounts": [
        {"id": "acc-002", "name": "Harbor Vets", "owner_id": "u-bob", "segment": "smb",
         "customer_since": "2022-01-10", "health_score": 90},
    ],
    "contacts": [{"id": "c-2", "account_id": "acc-002", "name": "Ola Berg", "champion": True}],
    "signals": [
        {"id": "s-20", "account_id": "acc-002", "contact_id": "c-2", "kind": "csat",
         "occurred_at": "2026-11-01T10:00:00Z", "score": 5, "text": "Great support"},
    ],
    "tickets": [
        {"id": "t-20", "account_id": "acc-002", "status": "open", "priority": "low",
         "category": "support", "opened_at": "2026-11-20T08:00:00+01:00"},
    ],
    "permissions": [
        {"account_id": "acc-002", "contact_id": "c-2", "scope": "logo", "status": "granted",
         "recorded_at": "2026-10-01T00:00:00Z", "expires_at": "2027-10-01T00:00:00Z"},
    ],
}  # fmt: skip

TEXT_FIELDS = {
    "owners": ("name", "email"),
    "accounts": ("name", "segment", "industry", "sensitive_reason"),
    "contacts": ("name", "email", "title"),
    "signals": ("text", "source", "metric", "value"),
    "tickets": ("subject",),
    "permissions": ("source",),
    "asks": ("incentive",),
    "referrals": ("referred_company", "reward"),
}
TIME_FIELDS = {
    "signals": ("occurred_at",),
    "tickets": ("opened_at", "closed_at"),
    "permissions": ("recorded_at", "expires_at"),
    "asks": ("asked_at",),
    "referrals": ("submitted_at",),
}
SCORED = {"signals": "score", "accounts": "health_score"}
# Fields whose problems are found by the whole bundle, not by the row's own schema.
SCHEMA_FREE_PROBLEMS = ("a row must be an object",)


def base_bundle() -> dict[str, list[dict[str, Any]]]:
    bundle: dict[str, list[dict[str, Any]]] = json.loads(EXAMPLE.read_text())
    for key, rows in SECOND_OWNER.items():
        bundle[key] = bundle.get(key, []) + copy.deepcopy(rows)
    return bundle


# --- hostile values -----------------------------------------------------------------------------

ZONES = st.sampled_from(["", "Z", "+00:00", "+02:00", "-05:30", "+14:00"])


@st.composite
def times(draw: st.DrawFn) -> str:
    """ISO 8601 times with and without a zone: plausible, before 1900, after `now`."""
    moment = draw(
        st.one_of(
            st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2026, 11, 26)),
            st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(1899, 12, 31)),
            st.datetimes(min_value=datetime(2026, 11, 29), max_value=datetime(2999, 12, 31)),
        )
    )
    return moment.isoformat() + draw(ZONES)


WRONG_TYPES = st.one_of(
    st.booleans(),
    st.integers(),
    st.sampled_from([2**63, -(2**63) - 1, 10**30]),  # beyond 64 bits: ijson's C parser refuses
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.text(max_size=5),
    st.lists(st.integers(0, 9), max_size=2),
    st.dictionaries(st.sampled_from(["a", "id"]), st.integers(0, 9), max_size=1),
    st.none(),
)
NUL_TEXT = st.tuples(st.text(max_size=5), st.text(max_size=5)).map(lambda p: f"{p[0]}\x00{p[1]}")
SCORES = st.one_of(
    st.integers(-1000, 1000),
    st.integers(-(2**40), 2**40),
    st.sampled_from([2**31, -(2**31) - 1, 2**63, -(2**63) - 1, 10**30]),
)

Mutation = Callable[[dict[str, Any], st.DrawFn], None]


def _row(bundle: dict[str, Any], draw: st.DrawFn, keys: tuple[str, ...] | None = None) -> Any:
    choices = [key for key in (keys or tuple(bundle)) if isinstance(bundle.get(key), list)]
    choices = [key for key in choices if bundle[key]]
    key = draw(st.sampled_from(sorted(choices)))
    index = draw(st.integers(0, len(bundle[key]) - 1))
    return key, bundle[key][index]


def nul_character(bundle: dict[str, Any], draw: st.DrawFn) -> None:
    key, row = _row(bundle, draw, tuple(TEXT_FIELDS))
    if isinstance(row, dict):
        row[draw(st.sampled_from(TEXT_FIELDS[key]))] = draw(NUL_TEXT)


def wrong_type(bundle: dict[str, Any], draw: st.DrawFn) -> None:
    _, row = _row(bundle, draw)
    if isinstance(row, dict) and row:
        row[draw(st.sampled_from(sorted(row)))] = draw(WRONG_TYPES)


def out_of_range_score(bundle: dict[str, Any], draw: st.DrawFn) -> None:
    key, row = _row(bundle, draw, tuple(SCORED))
    if isinstance(row, dict):
        row[SCORED[key]] = draw(SCORES)


def a_time(bundle: dict[str, Any], draw: st.DrawFn) -> None:
    key, row = _row(bundle, draw, tuple(TIME_FIELDS))
    if isinstance(row, dict):
        row[draw(st.sampled_from(TIME_FIELDS[key]))] = draw(times())


def unknown_key(bundle: dict[str, Any], draw: st.DrawFn) -> None:
    bundle[draw(st.sampled_from(["deals", "Owners", "signal"]))] = [{"id": "x-1"}]


def unknown_field(bundle: dict[str, Any], draw: st.DrawFn) -> None:
    _, row = _row(bundle, draw)
    if isinstance(row, dict):
        row[draw(st.sampled_from(["nickname", "ID", "owner"]))] = draw(WRONG_TYPES)


def missing_reference(bundle: dict[str, Any], draw: st.DrawFn) -> None:
    key, row = _row(bundle, draw, tuple(key for key, refs in REFERENCES.items() if refs))
    if isinstance(row, dict):
        name, target = draw(st.sampled_from(REFERENCES[key]))
        row[name] = f"{target[:3]}-404"


def duplicate_id(bundle: dict[str, Any], draw: st.DrawFn) -> None:
    key, row = _row(bundle, draw)
    if isinstance(row, dict):
        twin = copy.deepcopy(row)
        if draw(st.booleans()) and "name" in twin:
            twin["name"] = "Another Name"
        bundle[key].append(twin)


def not_an_object(bundle: dict[str, Any], draw: st.DrawFn) -> None:
    key, _ = _row(bundle, draw)
    bundle[key].append(draw(st.one_of(st.integers(0, 9), st.text(max_size=3), st.none())))


MUTATIONS: tuple[Mutation, ...] = (
    nul_character,
    wrong_type,
    out_of_range_score,
    a_time,
    unknown_key,
    unknown_field,
    missing_reference,
    duplicate_id,
    not_an_object,
)


@st.composite
def hostile_bundles(draw: st.DrawFn) -> dict[str, Any]:
    bundle = base_bundle()
    if draw(st.booleans()):
        del bundle[draw(st.sampled_from(["owners", "accounts", "contacts", "referrals"]))]
    for mutate in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=3)):
        mutate(bundle, draw)
    return bundle


# --- the property -------------------------------------------------------------------------------


def all_rows(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, sorted (as text: a None sorts with the rest)."""
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


def check_import(engine: Engine, bundle: dict[str, Any]) -> None:
    before = all_rows(engine)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bundle.json"
        path.write_text(json.dumps(bundle))
        try:
            import_bundle(engine=engine, source=path, now=NOW)
        except BundleInvalid as invalid:
            assert invalid.errors, "a refusal lists its errors"
            for error in invalid.errors:
                assert error.key, error
                if error.key in BUNDLE_KEYS:
                    assert error.index is not None, error
                    assert error.field is not None or error.problem in SCHEMA_FREE_PROBLEMS, error
                    assert str(error).startswith(f"{error.key}[{error.index}]"), error
                else:
                    assert error.problem.startswith("unknown top-level key"), error
            assert all_rows(engine) == before
            return
    for key in BUNDLE_KEYS:  # imported: every row of the bundle is there
        table = Base.metadata.tables[TABLE_OF.get(key, key)]
        column = "contact_id" if key == "preferences" else "id"  # one row per contact
        with engine.connect() as connection:
            stored = set(connection.scalars(select(table.c[column])))
        ids = {row[column] for row in bundle.get(key, []) if column in row}
        assert ids <= stored


def migrated(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    upgrade(engine)
    import_bundle(engine=engine, source=EXAMPLE, now=NOW)  # rows that the bundle may update
    yield engine
    engine.dispose()


@pytest.fixture
def lite_engine(sqlite_url: str) -> Iterator[Engine]:
    yield from migrated(sqlite_url)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    yield from migrated(pg_url)


def bounded(examples: int) -> settings:
    return settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def test_the_unmutated_bundle_imports(lite_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(base_bundle()))
    assert import_bundle(engine=lite_engine, source=path, now=NOW).total == 15


@bounded(40)
@given(bundle=hostile_bundles())
def test_hostile_bundles_on_sqlite(lite_engine: Engine, bundle: dict[str, Any]) -> None:
    check_import(lite_engine, bundle)


@pytest.mark.postgres
@bounded(20)
@given(bundle=hostile_bundles())
def test_hostile_bundles_on_postgres(pg_engine: Engine, bundle: dict[str, Any]) -> None:
    check_import(pg_engine, bundle)


# --- what the property found outside the importer, fixed --------------------------------------


def _import_mutated(
    engine: Engine, tmp_path: Path, mutate: Callable[[dict[str, Any]], None]
) -> None:
    bundle = base_bundle()
    mutate(bundle)
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    import_bundle(engine=engine, source=path, now=NOW)


@pytest.mark.parametrize(
    ("key", "field", "value"),
    [
        ("signals", "occurred_at", "9999-12-31T23:00:00-05:00"),
        ("permissions", "expires_at", "0001-01-01T00:30:00+01:00"),
    ],
)
def test_a_time_outside_the_years_1_to_9999_in_utc_is_refused(
    lite_engine: Engine, tmp_path: Path, key: str, field: str, value: str
) -> None:
    with pytest.raises(BundleInvalid):
        _import_mutated(lite_engine, tmp_path, lambda bundle: bundle[key][0].update({field: value}))


@pytest.mark.postgres
def test_a_score_beyond_the_database_integer_is_refused(pg_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(BundleInvalid):  # signals[1] is an outcome: no score range of its own
        _import_mutated(
            pg_engine, tmp_path, lambda bundle: bundle["signals"][1].update(score=2**31)
        )


def test_a_huge_integer_is_refused_naming_its_row(lite_engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(BundleInvalid) as caught:
        _import_mutated(
            lite_engine, tmp_path, lambda bundle: bundle["accounts"][0].update(health_score=2**63)
        )
    assert str(caught.value.errors[0]).startswith("accounts[0].health_score:")
