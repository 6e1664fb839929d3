"""`advocacy programs|rewards|pilot` and `reviews decide --incentive` as a user runs them:
separate processes on the demo's SQLite file (two programs, one reward)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_api_programs import KPIS
from tests.e2e.test_cli import run


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("programs")
    done = run(folder, "demo")  # the size `make demo` runs: its reward must be in the ledger
    assert done.returncode == 0, done.stderr
    assert "a program ask with an incentive" in done.stdout
    assert "Ledger: reward:" in done.stdout
    return folder


def json_of(folder: Path, *args: str) -> Any:
    done = run(folder, *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_programs_list_and_show(demo: Path) -> None:
    listed = json_of(demo, "programs", "list", "--json")
    assert [p["program"]["id"] for p in listed] == ["customer-voice", "reference-champions"]
    shown = json_of(demo, "programs", "show", "customer-voice", "--json")
    assert shown["program"]["incentives"][0]["id"] == "donation-25"
    missing = run(demo, "programs", "show", "nope")
    assert missing.returncode == 2
    assert "no program nope" in missing.stderr


def test_the_demo_leaves_one_reward_in_the_ledger(demo: Path) -> None:
    (reward,) = json_of(demo, "rewards", "list", "--json")
    assert reward["status"] == "proposed"
    mine = json_of(demo, "rewards", "list", "--contact", reward["contact_id"], "--json")
    assert [r["reward_id"] for r in mine] == [reward["reward_id"]]
    assert json_of(demo, "rewards", "list", "--contact", "c-nobody", "--json") == []
    early = run(demo, "rewards", "fulfil", reward["reward_id"])
    assert (early.returncode, "is proposed" in early.stderr) == (1, True)


def test_a_scan_of_one_program(demo: Path) -> None:
    unknown = run(demo, "scan", "--program", "nope")
    assert unknown.returncode == 2
    assert "no program 'nope'" in unknown.stderr
    printed = json_of(demo, "scan", "--program", "reference-champions", "--json")
    candidates = [r for r in printed["results"] if r["status"] == "candidate"]
    assert all("reference-champions" in r["programs"] for r in candidates)
    held = [r for r in printed["results"] if "not_in_program" in r["reasons"]]
    assert held, "smb accounts are outside the program"


def a_pending_review(folder: Path, program: str, ask_types: tuple[str, ...]) -> str:
    """A pending review of one of `ask_types` that `program` fits, read from the demo's file in
    one query (a `reviews show` process per review took a minute and a half)."""
    with sqlite3.connect(folder / "advocacy.db") as db:
        rows = db.execute("SELECT id, ask_type, payload FROM reviews WHERE status = 'pending'")
        return next(
            review_id
            for review_id, ask_type, payload in sorted(rows)
            if ask_type in ask_types and program in json.loads(payload).get("programs", [])
        )


def test_an_incentive_on_a_decision(demo: Path) -> None:
    # A referral's incentive waits for the referral: only these enter the ledger at approval.
    review_id = a_pending_review(demo, "customer-voice", ("review", "testimonial"))
    shown = json_of(demo, "reviews", "show", review_id, "--json")
    assert "customer-voice" in shown["programs"]
    assert shown["recommended_ask_type"] in ("review", "testimonial")
    wrong = run(demo, "reviews", "decide", review_id, "reject", "--reason", "x", "--incentive", "d")
    assert wrong.returncode == 2
    assert "incentive only goes with action" in wrong.stderr
    unknown = run(demo, "reviews", "decide", review_id, "approve", "--incentive", "free-hoodie")
    assert unknown.returncode == 2
    assert "not allowed" in unknown.stderr
    approved = run(demo, "reviews", "decide", review_id, "approve", "--incentive", "donation-25")
    assert approved.returncode == 0, approved.stderr
    task = json_of(demo, "tasks", "show", f"task:{review_id}", "--json")
    assert "does not depend on what you say" in task["body"]
    rewards = {r["review_id"]: r for r in json_of(demo, "rewards", "list", "--json")}
    reward_id = rewards[review_id]["reward_id"]
    assert run(demo, "rewards", "cancel", reward_id).returncode == 0
    again = run(demo, "rewards", "cancel", reward_id)
    assert (again.returncode, "is cancelled" in again.stderr) == (1, True)


def test_a_pilot_and_its_report(demo: Path) -> None:
    none = run(demo, "pilot", "start", "--name", "x", "--days", "60")
    assert none.returncode == 2
    started = run(demo, "pilot", "start", "--name", "Q1", "--top-healthy", "50", "--days", "60")
    assert started.returncode == 0, started.stderr
    report = json_of(demo, "pilot", "report", "--json")
    assert len(report["pilot"]["cohort"]) == 50
    names = [t["name"] for t in report["thresholds"]]
    assert names == ["candidates_ready", "referral_asks_ready"]
    text = run(demo, "pilot", "report")
    assert text.returncode == 0 and "candidates_ready" in text.stdout


def test_metrics_json_has_the_kpis(demo: Path) -> None:
    figures = json_of(demo, "metrics", "--json")
    assert set(figures) >= set(KPIS)
    assert figures["program_participation"]


@pytest.mark.parametrize(
    "command",
    [("programs", "list"), ("programs", "show"), ("rewards", "list"), ("rewards", "fulfil"),
     ("rewards", "cancel"), ("pilot", "start"), ("pilot", "report")],
)  # fmt: skip
def test_every_new_command_has_help_with_an_example(demo: Path, command: tuple[str, ...]) -> None:
    done = run(demo, *command, "--help")
    assert done.returncode == 0
    assert "advocacy " + " ".join(command) in done.stdout
