"""The `advocacy` command as a user runs it: separate processes on one SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ADVOCACY = str(Path(sys.executable).parent / "advocacy")
RESULT_KEYS = {
    "account_id",
    "status",
    "reasons",
    "flags",
    "eligible_ask_types",
    "ask_type",
    "review_id",
}


def clean_env() -> dict[str, str]:
    """The user's environment without our settings or a model key: the offline default."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("ADVOCACY_", "OPENAI_"))
    }


def run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ADVOCACY, *args],
        cwd=folder,
        env={**clean_env(), "COLUMNS": "120"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    done = run(folder, "demo", "--accounts", "80")
    assert done.returncode == 0, done.stderr
    assert "offline-template" in done.stdout
    assert (folder / "advocacy.db").exists()
    return folder


def pending(folder: Path) -> list[dict[str, Any]]:
    listed = run(folder, "reviews", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    reviews: list[dict[str, Any]] = json.loads(listed.stdout)
    return reviews


def test_the_demo_leaves_reviews_waiting(demo_folder: Path) -> None:
    assert pending(demo_folder)


def test_scan_json_has_the_documented_shape(demo_folder: Path) -> None:
    done = run(demo_folder, "scan", "--json")
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert set(printed) == {"scan_id", "now", "results"}
    assert len(printed["results"]) == 80
    keys = {
        "account_id",
        "status",
        "reasons",
        "flags",
        "eligible_ask_types",
        "ask_type",
        "review_id",
    }
    assert all(set(result) == keys for result in printed["results"])
    statuses = {result["status"] for result in printed["results"]}
    assert statuses == {"not_triggered", "held", "stopped", "candidate"}
    candidates = [r for r in printed["results"] if r["status"] == "candidate"]
    assert all(r["review_id"] and r["ask_type"] for r in candidates)
    waiting = {r["review_id"] for r in pending(demo_folder)}
    assert {r["review_id"] for r in candidates} == waiting, "a re-scan opens no second review"


def test_a_new_process_decides_a_paused_review_once(demo_folder: Path) -> None:
    review_id = pending(demo_folder)[0]["review_id"]
    approved = run(demo_folder, "reviews", "decide", review_id, "approve")
    assert approved.returncode == 0, approved.stderr
    assert "approved" in approved.stdout
    again = run(
        demo_folder, "reviews", "decide", review_id, "reject", "--reason", "changed my mind"
    )
    assert again.returncode == 1
    assert "already decided" in again.stderr
    shown = json.loads(run(demo_folder, "reviews", "show", review_id, "--json").stdout)
    assert shown["status"] == "approved"
    assert review_id not in {r["review_id"] for r in pending(demo_folder)}
    metrics = json.loads(run(demo_folder, "metrics", "--json").stdout)
    assert metrics["ask_approved"] == 1
    assert metrics["ask_rejected"] == 0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["defer", "--until", "next tuesday"], "--until"),
        (["reject"], "reason"),
        (["approve", "--subject", "x"], "only go with action 'edit'"),
        (["edit", "--ask-type", "billboard"], "not eligible"),
        (["shout"], "action"),
    ],
    ids=[
        "bad-date",
        "reject-without-reason",
        "edit-field-on-approve",
        "ineligible-type",
        "bad-action",
    ],
)
def test_bad_decisions_exit_2_and_change_nothing(
    demo_folder: Path, args: list[str], says: str
) -> None:
    review_id = pending(demo_folder)[-1]["review_id"]
    done = run(demo_folder, "reviews", "decide", review_id, *args)
    assert done.returncode == 2
    assert says in done.stderr
    assert review_id in {r["review_id"] for r in pending(demo_folder)}


def test_unknown_review_and_bad_time_exit_2(demo_folder: Path) -> None:
    assert run(demo_folder, "reviews", "show", "rv-nope").returncode == 2
    bad = run(demo_folder, "scan", "--now", "yesterday")
    assert bad.returncode == 2
    assert "--now" in bad.stderr
