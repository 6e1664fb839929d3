"""The ask after approval as an operator runs it: `advocacy tasks|outcomes|notifications|tick`,
separate processes on one SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_cli import pending, run

TASK_KEYS = {"task_id", "review_id", "account_id", "contact_id", "owner_id", "ask_type"}
TASK_KEYS |= {"channel", "status", "send_by", "sent_at", "subject", "body"}
NOTE_KEYS = {"notification_id", "recipient_id", "kind", "task_id", "review_id", "created_at"}
NOTE_KEYS |= {"delivered"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tasks")
    done = run(folder, "demo", "--accounts", "80")
    assert done.returncode == 0, done.stderr
    return folder


def tasks(folder: Path, *args: str) -> list[dict[str, Any]]:
    done = run(folder, "tasks", "list", "--json", *args)
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout))


@pytest.fixture(scope="module")
def approved(folder: Path) -> tuple[str, str]:
    """(review id, task id) of an approved review, with another still pending."""
    review_id = pending(folder)[0]["review_id"]
    done = run(folder, "reviews", "decide", review_id, "approve")
    assert done.returncode == 0, done.stderr
    return review_id, f"task:{review_id}"


def test_an_approval_shows_up_as_an_open_task(folder: Path, approved: tuple[str, str]) -> None:
    review_id, task_id = approved
    (task,) = [t for t in tasks(folder) if t["task_id"] == task_id]
    assert set(task) >= TASK_KEYS
    assert (task["review_id"], task["status"], task["sent_at"]) == (review_id, "open", None)
    assert task_id in [t["task_id"] for t in tasks(folder, "--status", "open")]
    assert tasks(folder, "--status", "sent") == []


def test_each_step_runs_once_and_says_why_not(folder: Path, approved: tuple[str, str]) -> None:
    review_id, task_id = approved
    not_set = run(folder, "tasks", "send", task_id)
    assert not_set.returncode == 1 and "ADVOCACY_SMTP_URL" in not_set.stderr
    early = run(folder, "tasks", "response", task_id, "accepted")
    assert early.returncode == 1 and "open" in early.stderr
    assert run(folder, "tasks", "sent", task_id).returncode == 0
    again = run(folder, "tasks", "sent", task_id)
    assert again.returncode == 1 and "sent" in again.stderr
    wrong = run(folder, "tasks", "response", task_id, "maybe")
    assert wrong.returncode == 2 and "response" in wrong.stderr
    assert run(folder, "tasks", "response", task_id, "accepted", "--note", "yes").returncode == 0
    done = run(folder, "outcomes", "add", "participation", "--review", review_id)
    assert done.returncode == 0, done.stderr
    (task,) = [t for t in tasks(folder, "--status", "closed") if t["task_id"] == task_id]
    assert task["response"] == "accepted"


def test_an_outcome_on_a_pending_review_exits_1(folder: Path) -> None:
    review_id = pending(folder)[-1]["review_id"]
    done = run(folder, "outcomes", "add", "testimonial_collected", "--review", review_id)
    assert done.returncode == 1 and "approved" in done.stderr
    unknown = run(folder, "outcomes", "add", "party", "--review", review_id)
    assert unknown.returncode == 2 and "KIND" in unknown.stderr


def test_tick_runs_each_due_step_once(folder: Path, approved: tuple[str, str]) -> None:
    first = run(folder, "tick", "--now", "2030-01-01T00:00:00Z", "--json")
    assert first.returncode == 0, first.stderr
    counts = json.loads(first.stdout)
    assert set(counts) == {"reminders", "escalations", "closed_no_response", "woken"}
    assert counts["reminders"] > 0
    again = run(folder, "tick", "--now", "2030-01-01T00:00:00Z", "--json")
    assert json.loads(again.stdout) == dict.fromkeys(counts, 0)
    listed = run(folder, "notifications", "list", "--json")
    notes = json.loads(listed.stdout)
    assert len(notes) == counts["reminders"] and set(notes[0]) >= NOTE_KEYS
    owner = notes[0]["recipient_id"]
    mine = json.loads(run(folder, "notifications", "list", "--owner", owner, "--json").stdout)
    assert mine and {n["recipient_id"] for n in mine} == {owner}
