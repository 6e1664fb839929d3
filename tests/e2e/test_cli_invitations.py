"""`advocacy advocates invite` as an owner runs it on the demo (issue 12): the demo's
expansion-eligible advocate c-150 (two completed asks) is invited to the reference program's
advisory board; the review waits, the owner approves it, a task and a pending ask follow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_cli import run

INVITE = ("advocates", "invite", "c-150", "--program", "reference-champions")


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo-invitations")
    done = run(folder, "demo")
    assert done.returncode == 0, done.stderr
    # The demo points at an advocate with an activity open to them.
    assert "advocacy advocates invite c-150 --program customer-voice" in done.stdout
    return folder


def test_invite_then_approve(demo_folder: Path) -> None:
    done = run(demo_folder, *INVITE, "--activity", "advisory_board", "--json")
    assert done.returncode == 0, done.stderr
    opened = json.loads(done.stdout)
    assert opened["activity"] == "advisory_board" and opened["status"] == "pending"
    again = run(demo_folder, *INVITE, "--activity", "advisory_board")
    assert again.returncode == 1
    assert "Invitation already pending" in again.stderr
    decided = run(demo_folder, "reviews", "decide", opened["review_id"], "approve")
    assert decided.returncode == 0, decided.stderr
    tasks = json.loads(run(demo_folder, "tasks", "list", "--json").stdout)
    mine = [t for t in tasks if t["review_id"] == opened["review_id"]]
    assert [t["ask_type"] for t in mine] == ["advisory_board"]
    profile = json.loads(run(demo_folder, "advocates", "show", "c-150", "--json").stdout)
    assert profile["asks_by_type"]["advisory_board"] == {"pending": 1}


@pytest.mark.parametrize(
    "args",
    [
        (*INVITE, "--activity", "golf"),
        ("advocates", "invite", "c-150", "--program", "no-such-program"),
        ("advocates", "invite", "c-150", "--program", "bad id!"),
        ("advocates", "invite", "c-nobody", "--program", "reference-champions"),
    ],
)
def test_bad_input_exits_2(demo_folder: Path, args: tuple[str, ...]) -> None:
    done = run(demo_folder, *args)
    assert done.returncode == 2, done.stdout + done.stderr


def test_a_contact_not_yet_eligible_is_refused_in_words(demo_folder: Path) -> None:
    done = run(demo_folder, "advocates", "invite", "c-1", "--program", "customer-voice")
    assert done.returncode == 1
    assert "refused" in done.stderr
