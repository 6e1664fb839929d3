"""The owner's tasks after an approval: list them, mark one sent, send it, record the answer.

Each step is one conditional update (store/tasks.py), so it happens once; a second attempt is
told the task moved on (Conflict). Every step is audited and measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from agent import rewards
from agent.bootstrap import Services
from agent.records import record_audit, record_events
from agent.usecases.reads import owner_filter
from agent.usecases.results import TaskOut
from domain.actors import Actor
from domain.clock import utc
from domain.errors import Conflict, Invalid, not_found
from domain.events import event_row
from domain.lifecycle import RESPONSE_EFFECTS, RESPONSE_EVENTS
from domain.vocabulary import EventKind, TaskResponse
from store import tasks as store
from store.db import transaction
from store.models import Contact, OwnerTask

TASK_FILTERS = ("open", "sent", "closed", "overdue")


class TaskMovedOn(Conflict):
    def __init__(self, task: OwnerTask, step: str) -> None:
        state = task.status if task.response is None else f"{task.status}, {task.response}"
        super().__init__(
            f"task {task.id} cannot be {step}: it is {state}; nothing changed",
            status=task.status,
            response=task.response,
        )


def list_tasks(
    *,
    session: Session,
    actor: Actor,
    owner_id: str | None,
    status: str | None,
    now: datetime,
    limit: int = 200,
) -> list[TaskOut]:
    """Tasks, most urgent first: an owner's own; marketing's and admins' everyone's."""
    if status is not None and status not in TASK_FILTERS:
        raise Invalid(f"status: expected one of {', '.join(TASK_FILTERS)}, got {status!r}")
    owner_id = owner_filter(actor, owner_id)
    rows = store.task_rows(session=session, owner_id=owner_id, status=status, now=now, limit=limit)
    return tasks_out(session, rows, now)


def tasks_out(session: Session, rows: Sequence[OwnerTask], now: datetime) -> list[TaskOut]:
    contacts = store.contacts_of(session=session, contact_ids=[t.contact_id or "" for t in rows])
    names = store.account_names(session=session, account_ids=[t.account_id for t in rows])
    return [
        task_out(row, contacts.get(row.contact_id or ""), names.get(row.account_id), now)
        for row in rows
    ]


def task_out(
    task: OwnerTask, contact: Contact | None, account_name: str | None, now: datetime
) -> TaskOut:
    overdue = task.status == "open" and task.send_by is not None and task.send_by < now
    email = contact.email if contact else None
    return TaskOut(
        task_id=task.id,
        review_id=task.review_id,
        account_id=task.account_id,
        account_name=account_name,
        contact_id=task.contact_id,
        contact_name=contact.name if contact else None,
        contact_email=email,
        owner_id=task.owner_id,
        ask_type=task.ask_type,
        channel=task.channel,
        status=task.status,
        overdue=overdue,
        send_by=task.send_by,
        sent_at=task.sent_at,
        sent_by=task.sent_by,
        message_id=task.message_id,
        response=task.response,
        responded_at=task.responded_at,
        closed_at=task.closed_at,
        subject=task.subject,
        body=task.body,
        mailto=mailto(email, task.subject, task.body) if task.channel == "email" else None,
    )


def mailto(to: str | None, subject: str | None, body: str) -> str | None:
    if not to:
        return None
    query = f"subject={quote(subject or '')}&body={quote(body)}"
    return f"mailto:{quote(to, safe='@')}?{query}"


def visible_task(*, session: Session, actor: Actor, task_id: str) -> OwnerTask:
    """The task if the caller may see it; another owner's task is simply not found."""
    task = store.get_task(session=session, task_id=task_id)
    if task is None or (actor.is_owner and task.owner_id != actor.id):
        raise not_found(f"task {task_id}")
    return task


def read_task(*, services: Services, actor: Actor, task_id: str) -> TaskOut:
    with services.deps.session_factory() as session:
        task = visible_task(session=session, actor=actor, task_id=task_id)
        return tasks_out(session, [task], services.deps.clock())[0]


def step_time(at: datetime | None, *, now: datetime, not_before: datetime, field: str) -> datetime:
    """When a step happened: now by default; never in the future, never before the task."""
    when = utc(at) if at is not None else now
    if when > now:
        raise Invalid(f"{field}: must not be in the future")
    if when < not_before:
        raise Invalid(f"{field}: must not be before {not_before.isoformat()}")
    return when


def mark_task_sent(
    *, services: Services, actor: Actor, task_id: str, at: datetime | None = None
) -> TaskOut:
    """The owner sent the ask themselves (mail client, phone): open -> sent, once."""
    now = services.deps.clock()
    with transaction(services.deps.session_factory) as session:
        task = visible_task(session=session, actor=actor, task_id=task_id)
        when = step_time(at, now=now, not_before=task.created_at, field="at")
        if not store.mark_sent(
            session=session, task_id=task.id, at=when, by=actor.id, message_id=None
        ):
            raise TaskMovedOn(task, "marked sent")
        record_sent(session, task, when, actor.id, {"how": "owner"})
    return read_task(services=services, actor=actor, task_id=task_id)


def record_sent(
    session: Session, task: OwnerTask, at: datetime, by: str, data: dict[str, Any]
) -> None:
    """The customer was asked at `at`: date the ask, audit and measure the step."""
    store.date_ask(session=session, review_id=task.review_id, at=at)
    record_step(session, task, "ask_sent", at, by, data)


def record_step(
    session: Session,
    task: OwnerTask,
    kind: EventKind,
    at: datetime,
    by: str,
    data: dict[str, Any],
) -> None:
    details = {"task_id": task.id, "ask_type": task.ask_type, "by": by, **data}
    row = event_row(
        kind=kind,
        key=task.id,
        at=at,
        account_id=task.account_id,
        owner_id=task.owner_id,
        review_id=task.review_id,
        data=details,
    )
    record_events(session, [row])
    record_audit(
        session,
        entry_id=f"audit:{task.id}:{kind}",
        review_id=task.review_id,
        actor=by,
        action=kind.removeprefix("ask_")[:16],
        at=at,
        changes=details,
    )


def record_response(
    *,
    services: Services,
    actor: Actor,
    task_id: str,
    response: TaskResponse,
    at: datetime | None = None,
    note: str | None = None,
) -> TaskOut:
    """The customer's answer to a sent ask, once: accepted (the ask waits for its outcome),
    declined or no_response (the ask and the task close)."""
    now = services.deps.clock()
    with transaction(services.deps.session_factory) as session:
        task = visible_task(session=session, actor=actor, task_id=task_id)
        if task.status != "sent" or task.sent_at is None:
            raise TaskMovedOn(task, f"answered ({response})")
        when = step_time(at, now=now, not_before=task.sent_at, field="at")
        apply_response(session, task, response, when, actor.id, note)
    return read_task(services=services, actor=actor, task_id=task_id)


def apply_response(
    session: Session,
    task: OwnerTask,
    response: TaskResponse,
    at: datetime,
    by: str,
    note: str | None,
) -> None:
    """Record a response on a sent task (the owner's, or the no-response timer's). An ask that
    ends without participation cancels its proposed reward in the same transaction."""
    outcome, status = RESPONSE_EFFECTS[response]
    moved = store.mark_response(
        session=session, task_id=task.id, response=response, at=at, note=note, status=status
    )
    if not moved:
        raise TaskMovedOn(task, f"answered ({response})")
    if outcome is not None:
        store.set_ask_outcome(session=session, review_id=task.review_id, outcome=outcome)
        rewards.at_ask_end(session, task.review_id, outcome, at, by)
    data: dict[str, Any] = {"note": note} if note else {}
    if task.sent_at is not None:
        data["hours_to_response"] = round((at - task.sent_at) / timedelta(hours=1), 2)
    record_step(session, task, RESPONSE_EVENTS[response], at, by, data)
