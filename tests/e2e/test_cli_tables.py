"""What an owner copies from a terminal is whole: review and account ids never wrap in the
tables at 80 or 120 columns (the other columns fold first), and codes read as labels."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def advocacy(folder: Path, *args: str, columns: int = 120) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ADVOCACY_", "OPENAI_"))}
    done = subprocess.run(
        [str(BIN / "advocacy"), *args],
        cwd=folder,
        env={**env, "COLUMNS": str(columns)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("demo")
    advocacy(folder, "demo", "--accounts", "60")
    yield folder


@pytest.mark.parametrize("columns", [80, 120])
def test_review_ids_never_wrap_in_the_list(demo: Path, columns: int) -> None:
    ids = [row["review_id"] for row in json.loads(advocacy(demo, "reviews", "list", "--json"))]
    table = advocacy(demo, "reviews", "list", columns=columns)
    assert ids
    for review_id in ids:
        assert review_id in table, f"{review_id} wrapped at {columns} columns"
    assert max(len(line) for line in table.splitlines()) <= columns
    assert not re.search(r"permission:[a-z_]+:|\b[a-z]+_[a-z_]+\b", table), "codes, not labels"


@pytest.mark.parametrize("columns", [80, 120])
def test_account_ids_never_wrap_in_the_scan_table(demo: Path, columns: int) -> None:
    scan = json.loads(advocacy(demo, "scan", "--json"))
    shown = {r["account_id"] for r in scan["results"] if r["status"] != "not_triggered"}
    table = advocacy(demo, "scan", "--per-status", "100", columns=columns)
    for account_id in shown:
        assert account_id in table, f"{account_id} wrapped at {columns} columns"
    assert "attribution_disputed" not in table and "low_priority_ticket_open" not in table


def test_metrics_read_as_a_table_of_words(demo: Path) -> None:
    text = advocacy(demo, "metrics")
    assert "Candidates found" in text and "Candidates fully ready" in text
    assert "None" not in text and "candidate_identified" not in text
    assert "no data yet" in text


def test_owner_ids_never_wrap_in_the_metrics_per_owner_at_80_columns(demo: Path) -> None:
    review_id = json.loads(advocacy(demo, "reviews", "list", "--json"))[0]["review_id"]
    advocacy(demo, "reviews", "decide", review_id, "approve")  # an owner with figures
    figures = json.loads(advocacy(demo, "metrics", "--json"))
    text = advocacy(demo, "metrics", columns=80)
    per_owner = text[text.index("per owner (hours") :]
    assert figures["by_owner"]
    for owner_id in figures["by_owner"]:
        assert owner_id in per_owner, f"{owner_id} wrapped or cut at 80 columns"
    assert "…" not in per_owner and max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("columns", [80, 120])
def test_reward_and_program_ids_never_wrap(demo: Path, columns: int) -> None:
    rewards = json.loads(advocacy(demo, "rewards", "list", "--json"))
    programs = json.loads(advocacy(demo, "programs", "list", "--json"))
    ids = {r["reward_id"] for r in rewards} | {r["account_id"] for r in rewards}
    ids |= {r["incentive_id"] for r in rewards} | {p["program"]["id"] for p in programs}
    assert rewards and programs, "the demo leaves a reward and two programs"
    shown = advocacy(demo, "rewards", "list", columns=columns)
    shown += advocacy(demo, "programs", "list", columns=columns)
    for an_id in ids:
        assert an_id in shown, f"{an_id} wrapped at {columns} columns"


def test_a_reward_with_no_contact_and_no_program_is_listed(demo: Path, tmp_path: Path) -> None:
    # Both columns are nullable (a reward of an account with no named contact, a ledger row
    # without a program): the table shows "-" where the JSON shows null. It raised TypeError.
    with (
        sqlite3.connect(demo / "advocacy.db") as source,
        sqlite3.connect(tmp_path / "advocacy.db") as copy,
    ):
        source.backup(copy)
        copy.execute("UPDATE rewards SET contact_id = NULL, program_id = NULL")
    rewards = json.loads(advocacy(tmp_path, "rewards", "list", "--json"))
    assert rewards and all(r["contact_id"] is None and r["program_id"] is None for r in rewards)
    shown = advocacy(tmp_path, "rewards", "list", columns=80)
    for reward in rewards:
        for an_id in (reward["reward_id"], reward["account_id"], reward["incentive_id"]):
            assert an_id in shown, f"{an_id} missing or wrapped"
    assert "None" not in shown
    cells = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in shown.splitlines()
        if line.startswith("│")
    ]
    for reward in rewards:
        first = next(i for i, row in enumerate(cells) if row[0] == reward["reward_id"])
        assert cells[first][1:3] == [reward["account_id"], "-"]  # account, program
        assert cells[first + 1][1:3] == ["-", reward["incentive_id"]]  # contact, incentive
