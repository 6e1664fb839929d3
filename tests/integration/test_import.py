"""Bundle import on real SQLite and PostgreSQL: round trip, validation, all or nothing, CLI."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text

from store.bundle import BUNDLE_KEYS, TABLE_OF
from store.importer import BATCH_ROWS, BundleInvalid, import_bundle
from store.models import Base

FIXTURES = Path(__file__).parent.parent / "fixtures"
EXAMPLE = FIXTURES / "design_example.json"
ADVOCACY = Path(sys.executable).parent / "advocacy"


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text())


def write(tmp_path: Path, bundle: dict[str, Any], name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(bundle))
    return path


def table_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every evidence row, sorted: to compare the database before and after."""
    with engine.connect() as connection:
        return {
            key: sorted(
                connection.execute(select(Base.metadata.tables[TABLE_OF.get(key, key)])).all()
            )
            for key in BUNDLE_KEYS
        }


def row(engine: Engine, key: str, row_id: str) -> dict[str, Any]:
    table = Base.metadata.tables[key]
    with engine.connect() as connection:
        found = connection.execute(select(table).where(table.c.id == row_id)).mappings().one()
    return dict(found)


def rejected(engine: Engine, path: Path) -> BundleInvalid:
    with pytest.raises(BundleInvalid) as caught:
        import_bundle(engine=engine, source=path)
    return caught.value


def messages(invalid: BundleInvalid) -> list[str]:
    return [str(error) for error in invalid.errors]


# --- round trip --------------------------------------------------------------------------------


def test_design_example_round_trip(engine: Engine) -> None:
    report = import_bundle(engine=engine, source=EXAMPLE)

    assert report.counts == {
        "owners": 1,
        "accounts": 1,
        "contacts": 1,
        "signals": 2,
        "tickets": 1,
        "permissions": 1,
        "asks": 1,
        "referrals": 1,
        "programs": 0,
        "preferences": 0,
    }
    account = row(engine, "accounts", "acc-001")
    assert account["customer_since"] == date(2023, 4, 1)
    assert account["health_score"] == 82
    assert account["sensitive"] is False
    assert account["preferred_channel"] == "email"
    signal = row(engine, "signals", "s-1")
    assert signal["occurred_at"] == datetime(2026, 11, 10, 15, 4, tzinfo=UTC)
    assert signal["score"] == 10
    assert signal["public"] is False
    assert signal["text"] == "Scheduling is so much easier now."
    outcome = row(engine, "signals", "s-2")
    assert (outcome["metric"], outcome["value"], outcome["contact_id"]) == (
        "no-show rate",
        "-31%",
        None,
    )
    ticket = row(engine, "tickets", "t-9")
    assert ticket["closed_at"] == datetime(2026, 9, 3, 10, tzinfo=UTC)
    permission = row(
        engine,
        "permissions",
        "perm:acc-001:c-1:public_quote:2026-11-12T09:00:00+00:00:granted",
    )
    assert permission["source"] == "signed release form"
    assert permission["expires_at"] is None
    assert row(engine, "asks", "a-1")["outcome"] == "completed"
    referral = row(engine, "referrals", "r-1")
    assert (referral["reward"], referral["reward_status"]) == ("$200 credit", "paid")


def test_reimport_updates_and_counts_the_same(engine: Engine, tmp_path: Path) -> None:
    first = import_bundle(engine=engine, source=EXAMPLE)
    bundle = example()
    bundle["accounts"][0]["health_score"] = 41
    bundle["signals"][0]["text"] = "Changed my mind."
    second = import_bundle(engine=engine, source=write(tmp_path, bundle))

    assert second.counts == first.counts
    assert row(engine, "accounts", "acc-001")["health_score"] == 41
    assert row(engine, "signals", "s-1")["text"] == "Changed my mind."
    assert {key: len(rows) for key, rows in table_rows(engine).items()} == first.counts


def test_naive_times_are_utc(engine: Engine, tmp_path: Path) -> None:
    bundle = example()
    bundle["signals"][0]["occurred_at"] = "2026-11-10T15:04:00"
    bundle["tickets"][0]["opened_at"] = "2026-09-01T12:00:00+02:00"
    import_bundle(engine=engine, source=write(tmp_path, bundle))

    assert row(engine, "signals", "s-1")["occurred_at"] == datetime(2026, 11, 10, 15, 4, tzinfo=UTC)
    assert row(engine, "tickets", "t-9")["opened_at"] == datetime(2026, 9, 1, 10, tzinfo=UTC)


def test_rows_may_come_before_their_parents(engine: Engine, tmp_path: Path) -> None:
    bundle = example()
    reordered = {key: bundle[key] for key in reversed(list(bundle))}
    report = import_bundle(engine=engine, source=write(tmp_path, reordered))
    assert report.total == 9


def test_references_to_rows_already_in_the_database(engine: Engine, tmp_path: Path) -> None:
    import_bundle(engine=engine, source=EXAMPLE)
    later = {
        "signals": [
            {
                "id": "s-3",
                "account_id": "acc-001",
                "contact_id": "c-1",
                "kind": "csat",
                "occurred_at": "2026-11-20T00:00:00Z",
                "score": 5,
            }
        ]
    }
    assert import_bundle(engine=engine, source=write(tmp_path, later)).counts["signals"] == 1


def test_csv_folder(engine: Engine) -> None:
    report = import_bundle(engine=engine, source=FIXTURES / "csv_bundle")

    assert report.counts["accounts"] == 2
    assert report.counts["permissions"] == 1
    other = row(engine, "accounts", "acc-002")
    assert other["sensitive"] is True
    assert other["arr"] is None
    assert other["renewal_date"] is None
    assert row(engine, "signals", "s-2")["occurred_at"] == datetime(2026, 10, 30, tzinfo=UTC)
    assert row(engine, "signals", "s-1")["text"] == "Scheduling is so much easier, really."


def test_csv_unknown_column_and_file(sqlite_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "owners.csv").write_text("id,name,nickname\nu-1,Ana,Annie\n")
    (folder / "deals.csv").write_text("id\nd-1\n")
    engine = _sqlite(sqlite_url)

    found = messages(rejected(engine, folder))

    assert "owners.nickname: unknown column" in found
    assert any(message.startswith("deals: unknown top-level key") for message in found)


# --- validation --------------------------------------------------------------------------------


def _sqlite(url: str) -> Engine:
    from store.db import make_engine
    from store.migrate import upgrade

    engine = make_engine(url)
    upgrade(engine)
    return engine


@pytest.fixture
def lite(sqlite_url: str) -> Engine:
    return _sqlite(sqlite_url)


def test_unknown_top_level_key(lite: Engine, tmp_path: Path) -> None:
    bundle = example() | {"deals": [{"id": "d-1"}]}
    found = messages(rejected(lite, write(tmp_path, bundle)))
    assert len(found) == 1
    assert found[0].startswith("deals: unknown top-level key")


def test_unknown_field(lite: Engine, tmp_path: Path) -> None:
    bundle = example()
    bundle["contacts"][0]["nickname"] = "Lee"
    assert messages(rejected(lite, write(tmp_path, bundle))) == [
        "contacts[0].nickname: unknown field"
    ]


def test_bad_enum(lite: Engine, tmp_path: Path) -> None:
    bundle = example()
    bundle["tickets"][0]["status"] = "opn"
    [message] = messages(rejected(lite, write(tmp_path, bundle)))
    assert message.startswith("tickets[0].status: Input should be 'open', 'pending' or 'closed'")
    assert "'opn'" in message


def test_bad_date_and_time(lite: Engine, tmp_path: Path) -> None:
    bundle = example()
    bundle["accounts"][0]["customer_since"] = "2023-13-01"
    bundle["signals"][1]["occurred_at"] = "yesterday"
    found = messages(rejected(lite, write(tmp_path, bundle)))
    assert [message.split(":")[0] for message in found] == [
        "accounts[0].customer_since",
        "signals[1].occurred_at",
    ]


def test_missing_reference(lite: Engine, tmp_path: Path) -> None:
    bundle = example()
    bundle["asks"][0]["contact_id"] = "c-404"
    bundle["accounts"][0]["owner_id"] = "u-nobody"
    found = messages(rejected(lite, write(tmp_path, bundle)))
    assert found == [
        "accounts[0].owner_id: owner 'u-nobody' is in neither the bundle nor the database",
        "asks[0].contact_id: contact 'c-404' is in neither the bundle nor the database",
    ]


@pytest.mark.parametrize(
    ("kind", "score"), [("nps", 11), ("nps", -1), ("csat", 0), ("csat", 6), ("review", 6)]
)
def test_score_out_of_range(lite: Engine, tmp_path: Path, kind: str, score: int) -> None:
    bundle = example()
    bundle["signals"][0] |= {"kind": kind, "score": score}
    [message] = messages(rejected(lite, write(tmp_path, bundle)))
    assert message.startswith(f"signals[0].score: {kind} score must be between")


def test_bounded_text_and_health(lite: Engine, tmp_path: Path) -> None:
    bundle = example()
    bundle["signals"][0]["text"] = "x" * 10_001
    bundle["accounts"][0]["health_score"] = 140
    found = [message.split(":")[0] for message in messages(rejected(lite, write(tmp_path, bundle)))]
    assert found == ["accounts[0].health_score", "signals[0].text"]


def test_not_json(lite: Engine, tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"owners": [{"id": "u-1",')
    [message] = messages(rejected(lite, path))
    assert message.startswith("not valid JSON")


def test_at_most_fifty_errors_listed(lite: Engine, tmp_path: Path) -> None:
    bundle = {"owners": [{"id": f"u-{n}", "name": "x", "age": n} for n in range(120)]}
    invalid = rejected(lite, write(tmp_path, bundle))
    assert len(invalid.errors) == 50
    assert invalid.total == 120
    assert invalid.unlisted == 70
    assert str(invalid.errors[49]) == "owners[49].age: unknown field"


# --- all or nothing ----------------------------------------------------------------------------


def test_bad_last_row_leaves_database_as_before(engine: Engine, tmp_path: Path) -> None:
    import_bundle(engine=engine, source=EXAMPLE)
    before = table_rows(engine)
    bundle = example()
    bundle["accounts"][0]["health_score"] = 12
    bundle["owners"].append({"id": "u-new", "name": "New Owner"})
    bundle["signals"] += [
        {
            "id": f"s-new-{n}",
            "account_id": "acc-001",
            "kind": "renewal",
            "occurred_at": "2026-11-01T00:00:00Z",
        }
        for n in range(6000)  # more than one batch on both databases
    ]
    last = copy.deepcopy(bundle["referrals"][0]) | {"id": "r-2", "reward_status": "maybe"}
    bundle["referrals"].append(last)

    [message] = messages(rejected(engine, write(tmp_path, bundle)))

    assert message.startswith("referrals[1].reward_status:")
    assert table_rows(engine) == before


def test_missing_file(lite: Engine, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        import_bundle(engine=lite, source=tmp_path / "nope.json")


def test_progress_reports_counts(lite: Engine, tmp_path: Path) -> None:
    bundle = {"owners": [{"id": f"u-{n}", "name": "x"} for n in range(20_000)]}
    seen: list[tuple[str, int]] = []
    import_bundle(
        engine=lite, source=write(tmp_path, bundle), progress=lambda k, n: seen.append((k, n))
    )
    assert seen == [("owners", 10_000), ("owners", 20_000)]


# --- CLI ---------------------------------------------------------------------------------------


def run_cli(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVOCACY_", "OPENAI_"))}
    env["ADVOCACY_DATABASE_URL"] = f"sqlite:///{database}"
    env["COLUMNS"] = "200"
    return subprocess.run(
        [str(ADVOCACY), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_cli_import_prints_counts(tmp_path: Path) -> None:
    result = run_cli("import", str(EXAMPLE), database=tmp_path / "cli.db")
    assert result.returncode == 0, result.stderr
    assert "signals" in result.stdout
    assert "total" in result.stdout
    with _sqlite(f"sqlite:///{tmp_path / 'cli.db'}").connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM signals")).scalar_one() == 2


def test_cli_import_rejects_with_exit_2(tmp_path: Path) -> None:
    bundle = example()
    bundle["accounts"][0]["health_score"] = "high"
    result = run_cli("import", str(write(tmp_path, bundle)), database=tmp_path / "cli.db")
    assert result.returncode == 2
    assert "accounts[0].health_score:" in result.stderr


def test_cli_missing_file_exit_2(tmp_path: Path) -> None:
    result = run_cli("import", str(tmp_path / "nope.json"), database=tmp_path / "cli.db")
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_cli_demo_data_then_import(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    made = run_cli(
        "demo-data",
        "--accounts",
        "40",
        "--seed",
        "3",
        "--now",
        "2026-11-27",
        "--out",
        str(out),
        database=tmp_path / "cli.db",
    )
    assert made.returncode == 0, made.stderr
    imported = run_cli("import", str(out), database=tmp_path / "cli.db")
    assert imported.returncode == 0, imported.stderr
    assert "40" in imported.stdout


# --- hostile and implausible rows (issue 13) ----------------------------------------------------


def test_a_nul_character_rejects_the_bundle_on_both_databases(
    engine: Engine, tmp_path: Path
) -> None:
    import_bundle(engine=engine, source=EXAMPLE)
    before = table_rows(engine)
    bundle = example()
    bundle["signals"][0]["text"] = "great\x00product"

    [message] = messages(rejected(engine, write(tmp_path, bundle)))

    assert message.startswith("signals[0].text:")
    assert "NUL" in message
    assert table_rows(engine) == before


def test_times_before_1900_are_rejected(lite: Engine, tmp_path: Path) -> None:
    bundle = example()
    bundle["tickets"][0]["opened_at"] = "1850-01-01T00:00:00Z"
    [message] = messages(rejected(lite, write(tmp_path, bundle)))
    assert message.startswith("tickets[0].opened_at:")


def test_times_after_now_are_rejected_when_now_is_given(lite: Engine, tmp_path: Path) -> None:
    bundle = example()
    bundle["signals"][0]["occurred_at"] = "3000-01-01T00:00:00Z"
    bundle["permissions"][0]["expires_at"] = "3000-01-01T00:00:00Z"  # an expiry may lie ahead
    path = write(tmp_path, bundle)
    with pytest.raises(BundleInvalid) as caught:
        import_bundle(engine=lite, source=path, now=datetime(2026, 11, 27, tzinfo=UTC))
    [message] = messages(caught.value)
    assert message.startswith("signals[0].occurred_at:")
    assert "future" in message


def test_cli_import_refuses_a_future_row_and_a_nul_with_exit_2(tmp_path: Path) -> None:
    bundle = example()
    bundle["signals"][0]["occurred_at"] = "3000-01-01T00:00:00Z"
    bundle["signals"][1]["text"] = "a\x00b"
    result = run_cli("import", str(write(tmp_path, bundle)), database=tmp_path / "cli.db")
    assert result.returncode == 2, result.stderr
    assert "signals[0].occurred_at:" in result.stderr
    assert "signals[1].text:" in result.stderr
    assert "Traceback" not in result.stderr


# --- integers beyond 64 bits, which ijson's C parser refuses (issue 13) ---------------------------


def test_a_huge_integer_after_written_batches_names_its_row_alone(
    engine: Engine, tmp_path: Path
) -> None:
    import_bundle(engine=engine, source=EXAMPLE)
    before = table_rows(engine)
    bundle = example()
    bundle["signals"] += [_signal(n) for n in range(BATCH_ROWS * 6)]  # flushed on both databases
    last = len(bundle["signals"])
    bundle["signals"].append(_signal(-1) | {"score": 2**64})
    bundle["referrals"][0]["attribution_disputed"] = -(10**30)  # read after the fallback

    found = messages(rejected(engine, write(tmp_path, bundle)))

    where = [message.split(":")[0] for message in found]
    assert where == [f"signals[{last}].score", "referrals[0].attribution_disputed"]
    assert table_rows(engine) == before


def test_cli_import_refuses_a_huge_integer_naming_its_row_with_exit_2(tmp_path: Path) -> None:
    bundle = example()
    bundle["accounts"][0]["health_score"] = 2**63
    database = tmp_path / "cli.db"
    result = run_cli("import", str(write(tmp_path, bundle)), database=database)
    assert result.returncode == 2, result.stderr
    assert "accounts[0].health_score:" in result.stderr
    assert "not valid JSON" not in result.stderr and "Traceback" not in result.stderr
    assert table_rows(_sqlite(f"sqlite:///{database}")) == {key: [] for key in BUNDLE_KEYS}


# --- duplicate ids within one bundle (issue 13) -------------------------------------------------


def _signal(n: int) -> dict[str, Any]:
    return {
        "id": f"s-dup-{n}",
        "account_id": "acc-001",
        "kind": "renewal",
        "occurred_at": "2026-11-01T00:00:00Z",
    }


def test_a_duplicate_id_in_one_batch_rejects_the_bundle(engine: Engine, tmp_path: Path) -> None:
    import_bundle(engine=engine, source=EXAMPLE)
    before = table_rows(engine)
    bundle = example()
    bundle["signals"] += [_signal(n) for n in range(5)]
    bundle["signals"].append(_signal(1) | {"kind": "csat", "score": 5})  # signals[7]

    [message] = messages(rejected(engine, write(tmp_path, bundle)))

    assert message == "signals[7].id: duplicate of signals[3]"
    assert table_rows(engine) == before


def test_a_duplicate_id_across_batches_rejects_the_bundle(engine: Engine, tmp_path: Path) -> None:
    import_bundle(engine=engine, source=EXAMPLE)
    before = table_rows(engine)
    bundle = example()
    bundle["signals"] += [_signal(n) for n in range(12_000)]  # more than two batches on both
    bundle["signals"] += [_signal(7), _signal(11_000)]  # in the first and in the last batch
    bundle["owners"].append(bundle["owners"][0] | {"name": "Ana Again"})  # owners[1]

    invalid = rejected(engine, write(tmp_path, bundle))

    assert sorted(messages(invalid)) == [
        "owners[1].id: duplicate of owners[0]",
        "signals[12002].id: duplicate of signals[9]",
        "signals[12003].id: duplicate of signals[11002]",
    ]
    assert table_rows(engine) == before


def test_a_repeated_id_of_a_row_already_in_the_database_is_an_update(
    engine: Engine, tmp_path: Path
) -> None:
    import_bundle(engine=engine, source=EXAMPLE)
    bundle = {"signals": [_signal(n) for n in range(6000)] + [example()["signals"][0]]}
    assert import_bundle(engine=engine, source=write(tmp_path, bundle)).counts["signals"] == 6001
    bundle = {"signals": [_signal(n) for n in range(6000)]}  # again: updates, no duplicates
    assert import_bundle(engine=engine, source=write(tmp_path, bundle)).counts["signals"] == 6000


def test_two_identical_permission_rows_are_a_duplicate(engine: Engine, tmp_path: Path) -> None:
    bundle = example()
    bundle["permissions"].append(bundle["permissions"][0] | {"source": "another form"})

    [error] = rejected(engine, write(tmp_path, bundle)).errors

    assert (error.key, error.index, error.field) == ("permissions", 1, "recorded_at")
    assert error.problem.startswith("duplicate of permissions[0]: the same account_id")
    assert table_rows(engine) == {key: [] for key in BUNDLE_KEYS}


def test_permissions_that_differ_in_a_derived_field_are_not_duplicates(
    lite: Engine, tmp_path: Path
) -> None:
    bundle = example()
    bundle["permissions"].append(bundle["permissions"][0] | {"status": "revoked"})
    bundle["permissions"].append(bundle["permissions"][0] | {"id": "perm-explicit"})
    assert import_bundle(engine=lite, source=write(tmp_path, bundle)).counts["permissions"] == 3


def test_a_duplicate_is_found_after_another_error_too(lite: Engine, tmp_path: Path) -> None:
    bundle = example()
    bundle["accounts"][0]["health_score"] = 140
    bundle["signals"] += [_signal(n) for n in range(1500)] + [_signal(3)]

    found = messages(rejected(lite, write(tmp_path, bundle)))

    assert found[0].startswith("accounts[0].health_score:")
    assert found[1:] == ["signals[1502].id: duplicate of signals[5]"]


def test_a_csv_folder_with_a_duplicate_id(lite: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "owners.csv").write_text("id,name\nu-1,Ana\nu-2,Bo\nu-1,Ana B\n")
    assert messages(rejected(lite, folder)) == ["owners[2].id: duplicate of owners[0]"]


def test_cli_import_of_a_duplicate_id_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    bundle = example()
    bundle["signals"].append(bundle["signals"][0])
    database = tmp_path / "cli.db"
    result = run_cli("import", str(write(tmp_path, bundle)), database=database)
    assert result.returncode == 2, result.stderr
    assert "signals[2].id: duplicate of signals[0]" in result.stderr
    assert "Traceback" not in result.stderr
    with _sqlite(f"sqlite:///{database}").connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM owners")).scalar_one() == 0
