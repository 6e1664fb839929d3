"""`advocacy advocates ...` and `advocacy queue referral` as a user runs them, after the demo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_cli import run


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-advocates")
    done = run(folder, "demo", "--accounts", "150")
    assert done.returncode == 0, done.stderr
    assert "owners' notes on 3 advocate(s)" in done.stdout
    return folder


def as_json(folder: Path, *args: str) -> Any:
    done = run(folder, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize(
    "command",
    [
        ("advocates", "search"),
        ("advocates", "show"),
        ("advocates", "account"),
        ("advocates", "prefs"),
        ("queue", "referral"),
    ],
)
def test_help_has_examples(tmp_path: Path, command: tuple[str, ...]) -> None:
    done = run(tmp_path, *command, "--help")
    assert done.returncode == 0 and "Examples" in done.stdout


def test_search_show_and_account(demo_folder: Path) -> None:
    found = as_json(demo_folder, "advocates", "search", "--ask-type", "reference_call")
    assert found, "the demo grants reference_call consent to some champions"
    assert set(found[0]) == {"contact_id", "account_id", "score", "why", "profile"}
    assert [m["score"] for m in found] == sorted((m["score"] for m in found), reverse=True)
    contact_id = found[0]["contact_id"]
    profile = as_json(demo_folder, "advocates", "show", contact_id)
    assert profile["contact_id"] == contact_id
    assert any(p["scope"] == "reference_call" and p["active"] for p in profile["permissions"])
    roll = as_json(demo_folder, "advocates", "account", profile["account_id"])
    assert contact_id in [c["contact_id"] for c in roll["contacts"]]


def test_bad_input_exits_2_naming_the_option(demo_folder: Path) -> None:
    contact_id = as_json(demo_folder, "advocates", "search")[0]["contact_id"]
    before = as_json(demo_folder, "advocates", "show", contact_id)["preference_history"]
    for args, named in (
        (("--avoid", "podcast"), "--avoid"),
        (("--max-asks-per-year", "-1"), "--max-asks-per-year"),
        (("--preferred-channel", "fax"), "--preferred-channel"),
        (("--unavailable-until", "soon"), "--unavailable-until"),
    ):
        done = run(demo_folder, "advocates", "prefs", contact_id, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert named in done.stderr
    assert as_json(demo_folder, "advocates", "show", contact_id)["preference_history"] == before
    missing = run(demo_folder, "advocates", "show", "c-nobody")
    assert missing.returncode == 2 and "no contact c-nobody" in missing.stderr
    bad = run(demo_folder, "advocates", "search", "--permission", "everything")
    assert bad.returncode == 2 and "--permission" in bad.stderr


def test_prefs_are_recorded_audited_and_gate_the_queue(demo_folder: Path) -> None:
    queue = as_json(demo_folder, "queue", "referral")
    assert queue and {"account_id", "timing", "why", "contact_id", "channel"} <= set(queue[0])
    ready = next(r for r in queue if r["contact_id"])
    saved = as_json(
        demo_folder,
        "advocates",
        "prefs",
        ready["contact_id"],
        "--unavailable-until",
        "2099-01-01",
        "--by",
        "u-cli-test",
    )
    assert saved["preferences"]["unavailable_until"].startswith("2099-01-01")
    assert saved["preference_history"][0]["actor"] == "u-cli-test"
    # Kept fields stay: a second edit changes only what it names.
    again = as_json(
        demo_folder, "advocates", "prefs", ready["contact_id"], "--preferred-channel", "call"
    )
    assert again["preferences"]["unavailable_until"].startswith("2099-01-01")
    after = [r["account_id"] for r in as_json(demo_folder, "queue", "referral")]
    assert ready["account_id"] not in after
