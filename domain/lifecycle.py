"""The ask after approval (DESIGN.md section 5): the task's steps and the timers' schedule.

Owner task `open -> sent -> closed`; ask `pending -> completed | declined | no_response`. Pure
functions of the task's state, the policy and `now`: the use-cases apply them with conditional
updates so each step happens once, whoever runs it and however often.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from domain.clock import utc
from domain.gates import HOLD_RULES, STOP_RULES
from domain.settings import PolicySettings
from domain.snapshot import EvidenceSnapshot, scope_status
from domain.vocabulary import (
    COMPLETING_OUTCOMES,
    AskKind,
    AskOutcome,
    EventKind,
    NotificationKind,
    TaskResponse,
    TaskStatus,
    scope_of,
)

# What a response does: the ask's new outcome (None: still pending), the task's new status.
RESPONSE_EFFECTS: dict[TaskResponse, tuple[AskOutcome | None, TaskStatus]] = {
    # Accepted: the customer said yes; the ask completes when its outcome is recorded.
    "accepted": (None, "sent"),
    "declined": ("declined", "closed"),
    "no_response": ("no_response", "closed"),
}
RESPONSE_EVENTS: dict[TaskResponse, EventKind] = {
    "accepted": "ask_accepted",
    "declined": "ask_declined",
    "no_response": "ask_no_response",
}
# The recipient of an escalation whose owner has no manager: every admin (one shared inbox).
ADMINS = "admins"
# A review may take outcomes only once its ask was approved (with or without an edit).
APPROVED_REVIEW_STATUSES = frozenset({"approved", "edited"})


def completes_ask(kind: str) -> bool:
    """Whether an outcome of this kind completes the ask it belongs to."""
    return kind in COMPLETING_OUTCOMES


def task_send_by(recommended: str | None, approved_at: datetime) -> datetime:
    """When the task falls overdue: the end of the review's recommended send-by day, and never
    sooner than a day after the approval (an owner who approves late still gets a day)."""
    floor = utc(approved_at) + timedelta(days=1)
    if recommended is None:
        return floor
    end_of_day = datetime.combine(date.fromisoformat(recommended), time.max).replace(microsecond=0)
    return max(utc(end_of_day), floor)


def no_response_at(sent_at: datetime, policy: PolicySettings) -> datetime:
    """When a sent ask with no answer closes as `no_response`."""
    return utc(sent_at) + timedelta(days=policy.no_response_after_days)


def no_response_due(sent_at: datetime, now: datetime, policy: PolicySettings) -> bool:
    return now >= no_response_at(sent_at, policy)


def review_overdue_from(created_at: datetime, policy: PolicySettings) -> datetime:
    """When an undecided review starts to be chased."""
    return utc(created_at) + timedelta(days=policy.review_reminder_days)


@dataclass(frozen=True)
class ChaseStep:
    """The next notification chasing one overdue task or review: its number and kind."""

    number: int
    kind: NotificationKind


def next_chase_step(
    *,
    overdue_from: datetime,
    taken: Sequence[datetime],
    now: datetime,
    policy: PolicySettings,
) -> ChaseStep | None:
    """The step due at `now`, given when the earlier steps were taken (oldest first); None when
    nothing is due or the escalation was already sent.

    Step 1 is due when the task or review falls overdue; each later step is due
    `reminder_every_days` after the one before it was actually sent, so a timer that ran late
    never sends two steps at once. After `reminders_before_escalation` reminders, the next step
    is the escalation, and the chase ends there.
    """
    count = len(taken)
    if count > policy.reminders_before_escalation:
        return None
    due = utc(overdue_from)
    if taken:
        due = utc(taken[-1]) + timedelta(days=policy.reminder_every_days)
    if now < due:
        return None
    kind: NotificationKind = (
        "reminder" if count < policy.reminders_before_escalation else "escalation"
    )
    return ChaseStep(number=count + 1, kind=kind)


# The ask's own frequency holds: the approved ask itself raises them, so they never block it.
OWN_ASK_HOLDS = frozenset({"pending_ask", "recent_ask", "ask_limit"})
BLOCKING_SCOPE_STATUSES = frozenset({"denied", "revoked"})


def send_blockers(
    snapshot: EvidenceSnapshot,
    policy: PolicySettings,
    now: datetime,
    ask_type: AskKind,
    own_reward_id: str | None = None,
) -> list[str]:
    """Why an approved ask may not be sent now (empty: it may): every stop rule, every hold
    that is not the ask's own frequency rule, and a denied or revoked consent for its scope.
    The ask's own reward (`own_reward_id`, proposed at its approval) never blocks it: it is
    the incentive the ask offers, unresolved until the customer answers.

    Read at the moment of sending, whatever the trigger's age: evidence may have changed since
    the approval (a do-not-contact, a revoked permission, a ticket opened).
    """
    others = tuple(r for r in snapshot.rewards if r.id != own_reward_id)
    snapshot = snapshot.model_copy(update={"rewards": others})
    checks = [rule(snapshot, policy, now) for rule in (*HOLD_RULES, *STOP_RULES)]
    reasons: list[str] = [
        c.reason for c in checks if c.reason is not None and c.reason not in OWN_ASK_HOLDS
    ]
    scope = scope_of(ask_type)
    if scope is not None:
        status = scope_status(snapshot, scope, now)
        if status in BLOCKING_SCOPE_STATUSES:
            reasons.append(f"permission:{scope}:{status}")
    return reasons
