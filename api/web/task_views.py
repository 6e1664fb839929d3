"""What the Tasks and Notifications pages show, as plain values: the tasks in groups, one line
saying what a step just did.

Reads only, through the task use-cases; each step goes through its own use-case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from agent.usecases.results import TaskOut
from agent.usecases.tasks import list_tasks
from domain.actors import Actor


@dataclass(frozen=True)
class TaskCard:
    """One task, with `key`: a prefix for its form fields' ids, unique on the page."""

    key: str
    task: TaskOut
    due: str


@dataclass(frozen=True)
class TaskGroup:
    key: str
    title: str
    hint: str
    cards: list[TaskCard]


GROUPS: tuple[tuple[str, str, str], ...] = (
    ("overdue", "Overdue", "Open and past their send-by: send these first, or mark them sent "
     "if you already did."),
    ("open", "To send", "Approved asks waiting for you to send them."),
    ("awaiting", "Sent, awaiting a response", "Record the customer's answer when it comes; "
     "without one the ask closes as no response after a while."),
    ("accepted", "Accepted, awaiting the outcome", "The customer said yes: when the outcome "
     "happens (they took part, gave the quote, took the call, referred someone), record it "
     "here; that completes the ask."),
)  # fmt: skip


def group_of(task: TaskOut) -> str | None:
    """Which group a task belongs in; None for a closed one (not shown)."""
    if task.status == "open":
        return "overdue" if task.overdue else "open"
    if task.status == "sent":
        return "awaiting" if task.response is None else "accepted"
    return None


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count} days"


def due_words(task: TaskOut, now: datetime) -> str:
    """Under *Send by*: `2026-12-04 (in 7 days)` or `2026-12-04: overdue by 3 days`; under
    *Sent*: when."""
    if task.sent_at is not None:
        return f"{task.sent_at:%Y-%m-%d %H:%M} UTC"
    if task.send_by is None:
        return "no date set"
    day = f"{task.send_by:%Y-%m-%d}"
    if task.overdue:
        late = (now - task.send_by).days
        return f"{day}: overdue by {_days(late)}" if late else f"{day}: overdue"
    left = (task.send_by - now).days
    return f"{day} (in {_days(left)})" if left else f"{day} (today)"


def task_groups(*, session: Session, actor: Actor, now: datetime) -> list[TaskGroup]:
    """The visitor's open and sent tasks (everyone's for marketing and admins), grouped, the
    earliest send-by first."""
    tasks = [
        *list_tasks(session=session, actor=actor, owner_id=None, status="open", now=now),
        *list_tasks(session=session, actor=actor, owner_id=None, status="sent", now=now),
    ]
    cards = [
        (group_of(task), TaskCard(key=f"t{index}", task=task, due=due_words(task, now)))
        for index, task in enumerate(tasks, start=1)
    ]
    return [
        TaskGroup(key, title, hint, [card for group, card in cards if group == key])
        for key, title, hint in GROUPS
    ]


RESPONSE_WORDS = {
    "accepted": "accepted: record the outcome when it happens",
    "declined": "declined: the ask is closed",
    "no_response": "no response: the ask is closed",
}


def moved_words(task: TaskOut) -> str | None:
    """What the task's last step did, read from the task itself (never from the address)."""
    name = task.account_name or task.account_id
    if task.status == "closed" and task.response == "accepted":
        return f"{name}: outcome recorded; the ask is complete and the task closed."
    if task.response is not None:
        return f"{name}: response recorded, {RESPONSE_WORDS[task.response]}."
    if task.status == "sent" and task.sent_at is not None:
        how = f"sent by email (Message-ID {task.message_id})" if task.message_id else "marked sent"
        return f"{name}: {how} at {task.sent_at:%Y-%m-%d %H:%M} UTC."
    if task.status == "closed":
        return f"{name}: the task is closed."
    return None


# The outcomes an owner records on an accepted ask: the completing ones, and a complaint.
OUTCOME_CHOICES: tuple[tuple[str, str], ...] = (
    ("participation", "Took part"),
    ("testimonial_collected", "Gave a testimonial"),
    ("reference_used", "A reference call took place"),
    ("referral_generated", "Referred someone"),
    ("referral_converted", "Their referral became a customer"),
    ("complaint", "Complained (the account is held)"),
)
