"""`advocacy tick`: every due timer once — paused drafts joining the queue, no-response closing,
deferrals waking, reminders and escalations to owners (never customers), then the deliveries of
notifications.

Safe to run twice or at once: each step is a conditional update or an insert keyed by the step
(a task's reminder number), so a step due once happens once, whoever runs it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from agent.bootstrap import Services
from agent.deps import Deps
from agent.notify import deliver_due
from agent.records import record_events
from agent.usecases.intake import review_account
from agent.usecases.recovery import publish_paused_drafts
from agent.usecases.results import TickOut
from agent.usecases.tasks import TaskMovedOn, apply_response
from checkpoints.reviews import ended_deferrals, mark_woken, undecided_reviews
from domain.events import event_row
from domain.lifecycle import (
    ADMINS,
    ChaseStep,
    next_chase_step,
    no_response_at,
    no_response_due,
    review_overdue_from,
)
from domain.settings import PolicySettings
from domain.vocabulary import EventKind
from store import notifications as notes
from store import tasks as store
from store.db import transaction
from store.models import Owner, OwnerTask, Review

TIMER = "timer"
log = logging.getLogger("advocacy.timers")


def tick(*, services: Services, now: datetime) -> TickOut:
    """Run every timer due at `now` once; see the module docstring."""
    deps = services.deps
    published = publish_paused_drafts(deps, lambda: services.advocate)
    closed = close_unanswered(deps, now)
    woken = wake_deferrals(services, now)
    reminders, escalations = chase_overdue(deps, now)
    delivery = deliver_due(deps, now)
    return TickOut(
        reminders=reminders,
        escalations=escalations,
        closed_no_response=closed,
        woken=woken,
        delivered=delivery.delivered,
        delivery_failures=delivery.failed,
        drafts_published=published,
    )


def close_unanswered(deps: Deps, now: datetime) -> int:
    """Sent asks with no answer after `no_response_after_days` close as no_response."""
    policy = deps.settings.policy
    wait = timedelta(days=policy.no_response_after_days)
    with deps.session_factory() as session:
        unanswered = store.unanswered_sent_tasks(session=session, sent_before=now - wait)
    closed = 0
    for task in unanswered:
        if task.sent_at is None or not no_response_due(task.sent_at, now, policy):
            continue
        at = no_response_at(task.sent_at, policy)
        try:
            with transaction(deps.session_factory) as session:
                apply_response(session, task, "no_response", at, TIMER, None)
            closed += 1
        except TaskMovedOn:
            continue  # answered meanwhile, or closed by another timer
    return closed


def wake_deferrals(services: Services, now: datetime) -> int:
    """Deferrals whose date has come: the account goes through the gates again, and back to
    its owner as a new review if it is still a candidate."""
    deps = services.deps
    with deps.session_factory() as session:
        ended = ended_deferrals(session=session, now=now)
    woken = 0
    for review_id, account_id in ended:
        with transaction(deps.session_factory) as session:
            if not mark_woken(session=session, review_id=review_id, now=now):
                continue
        woken += 1
        try:
            review_account(
                deps=deps,
                advocate=services.advocate,
                account_id=account_id,
                now=now,
                cause=f"wake:{review_id}",
            )
        except Exception:
            # One account's failed run (its model, its data) must not stop the other timers;
            # the account is gated again by the next scan or event.
            log.exception("waking %s for %s failed; the next scan gates it", review_id, account_id)
    return woken


@dataclass(frozen=True)
class Overdue:
    """A task or review that chases its owner: what, whose, since when, in words."""

    subject_id: str
    task_id: str | None
    review_id: str
    owner_id: str
    account_id: str
    overdue_from: datetime
    what: str


def chase_overdue(deps: Deps, now: datetime) -> tuple[int, int]:
    """One notification per due chase step: (reminders, escalations) written by this call."""
    overdue = _overdue_tasks(deps, now) + _overdue_reviews(deps, now)
    with deps.session_factory() as session:
        history = notes.chase_history(
            session=session, subject_ids=[item.subject_id for item in overdue]
        )
    counts = {"reminder": 0, "escalation": 0}
    for item in overdue:
        step = next_chase_step(
            overdue_from=item.overdue_from,
            taken=history.get(item.subject_id, []),
            now=now,
            policy=deps.settings.policy,
        )
        if step is not None and _notify(deps, item, step, now):
            counts[step.kind] += 1
    return counts["reminder"], counts["escalation"]


def _overdue_tasks(deps: Deps, now: datetime) -> list[Overdue]:
    with deps.session_factory() as session:
        tasks = store.overdue_open_tasks(session=session, now=now)
        names = store.account_names(session=session, account_ids=[t.account_id for t in tasks])
    return [_task_overdue(task, names.get(task.account_id, task.account_id)) for task in tasks]


def _task_overdue(task: OwnerTask, account: str) -> Overdue:
    due = task.send_by or task.created_at
    ask = task.ask_type.replace("_", " ")
    return Overdue(
        subject_id=task.id,
        task_id=task.id,
        review_id=task.review_id,
        owner_id=task.owner_id,
        account_id=task.account_id,
        overdue_from=due,
        what=f"approved {ask} ask to {account}, due to be sent by {due:%Y-%m-%d}, is not sent",
    )


def _overdue_reviews(deps: Deps, now: datetime) -> list[Overdue]:
    policy = deps.settings.policy
    waited = now - timedelta(days=policy.review_reminder_days)
    with deps.session_factory() as session:
        reviews = undecided_reviews(session=session, created_before=waited)
        names = store.account_names(session=session, account_ids=[r.account_id for r in reviews])
    return [_review_overdue(r, names.get(r.account_id, r.account_id), policy) for r in reviews]


def _review_overdue(review: Review, account: str, policy: PolicySettings) -> Overdue:
    ask = review.ask_type.replace("_", " ")
    return Overdue(
        subject_id=review.id,
        task_id=None,
        review_id=review.id,
        owner_id=review.owner_id,
        account_id=review.account_id,
        overdue_from=review_overdue_from(review.created_at, policy),
        what=f"{ask} ask for {account} has waited for a decision since "
        f"{review.created_at:%Y-%m-%d}",
    )


def _notify(deps: Deps, item: Overdue, step: ChaseStep, now: datetime) -> bool:
    """Store the step's notification and its event; False when another timer took this step."""
    with transaction(deps.session_factory) as session:
        owner = session.get(Owner, item.owner_id)
        recipient = item.owner_id
        if step.kind == "escalation":
            recipient = (owner.manager_id if owner else None) or ADMINS
        row = _notification_row(deps, item, step, recipient, owner, now)
        if not notes.add_notification(session, row):
            return False
        kind: EventKind = "reminder_sent" if step.kind == "reminder" else "escalated"
        data = {"recipient_id": recipient, "number": step.number, "task_id": item.task_id}
        event = event_row(
            kind=kind,
            key=str(row["id"]),
            at=now,
            account_id=item.account_id,
            owner_id=item.owner_id,
            review_id=item.review_id,
            data=data,
        )
        record_events(session, [event])
    return True


def _notification_row(
    deps: Deps, item: Overdue, step: ChaseStep, recipient: str, owner: Owner | None, now: datetime
) -> dict[str, object]:
    return {
        "id": notes.step_id(item.subject_id, step.number),
        "recipient_id": recipient,
        "kind": step.kind,
        "subject_id": item.subject_id,
        "task_id": item.task_id,
        "review_id": item.review_id,
        "owner_id": item.owner_id,
        "account_id": item.account_id,
        "number": step.number,
        "created_at": now,
        "text": _text(deps, item, step, owner),
        "delivered": False,
        "channels": [],
        "attempts": 0,
    }


def _text(deps: Deps, item: Overdue, step: ChaseStep, owner: Owner | None) -> str:
    base = deps.settings.public_url.rstrip("/")
    link = f"{base}/tasks" if item.task_id else f"{base}/reviews/{item.review_id}"
    if step.kind == "reminder":
        return f"Reminder {step.number}: your {item.what}.\n{link}"
    name = owner.name if owner else item.owner_id
    reminders = step.number - 1
    # No link: the task and the review are the owner's, and open only to them.
    return (
        f"Escalation: {name}'s {item.what}, after {reminders} reminder(s) to {name}. "
        f"Please follow up with {name}."
    )
