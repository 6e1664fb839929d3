"""The Tasks and Notifications pages: the ask after approval, and the reminders about it.

Thin like the review routes: a step reads the form, calls its task use-case (the one the API and
the CLI call), then redirects back to /tasks; a refusal re-renders the list with the reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from agent.bootstrap import Services
from agent.usecases.backlog import BacklogSort, owners_backlog
from agent.usecases.notices import list_notifications, unread
from agent.usecases.outcomes import Outcome, record_outcome
from agent.usecases.results import TaskOut
from agent.usecases.sending import send_task
from agent.usecases.tasks import mark_task_sent, read_task, record_response
from api.deps import ApiUser
from api.errors import ApiError, error_body, status_of
from api.schemas import TaskResponseBody, TaskSentBody
from api.web.deps import (
    CheckedForm,
    OwnerVisitor,
    PageServices,
    Visitor,
    api_user,
    parsed,
    render,
)
from api.web.deps import text_field as field
from api.web.task_views import OUTCOME_CHOICES, moved_words, task_groups
from api.web.views import urlpart
from domain.clock import utc
from domain.errors import DomainError, NotFound
from domain.text import NO_NUL_PATTERN

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)
# A task id has a colon (`task:rv-...`) and may have a slash: forms send it percent-encoded.
TaskIdPath = Annotated[str, Path(max_length=220, pattern=NO_NUL_PATTERN)]
KEPT_FIELDS = ("at", "response", "note", "kind", "amount")


@router.get("/tasks")
def tasks_page(
    request: Request,
    services: PageServices,
    visitor: Visitor,
    moved: Annotated[str | None, Query(max_length=220, pattern=NO_NUL_PATTERN)] = None,
) -> Response:
    """An owner's open, overdue and sent tasks with their actions; everyone's, read-only, for
    marketing and admins."""
    user = api_user(visitor)
    return _tasks(request, services, user, notice=_moved(services, user, moved))


def _moved(services: Services, user: ApiUser, task_id: str | None) -> str | None:
    if task_id is None:
        return None
    try:
        return moved_words(read_task(services=services, actor=user, task_id=task_id))
    except NotFound:
        return None


def _tasks(
    request: Request,
    services: Services,
    user: ApiUser,
    *,
    notice: str | None = None,
    problem: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    with services.deps.session_factory() as session:
        groups = task_groups(session=session, actor=user, now=services.deps.clock())
    context = {
        "title": "Tasks",
        "groups": groups,
        "acts": user.is_owner,
        "can_send": bool(services.deps.settings.smtp_url),
        "notice": notice,
        "problem": problem,
        "outcome_choices": OUTCOME_CHOICES,
        # One per page view: submitting the same form twice records its outcome once.
        "outcome_nonce": uuid.uuid4().hex[:12],
    }
    return render(request, "tasks.html", context, status_code=status_code)


# --- the steps ------------------------------------------------------------------------------------


@router.post("/tasks/{task_id:path}/sent")
def post_sent(
    task_id: TaskIdPath,
    request: Request,
    services: PageServices,
    visitor: OwnerVisitor,
    form: CheckedForm,
) -> Response:
    """The owner sent the ask themselves (mail client, phone): open -> sent, once; `at`
    (UTC, optional) when they did."""
    user = api_user(visitor)

    def work(_task: TaskOut) -> object:
        at = parsed(TaskSentBody, {"at": moment(field(form, "at"))}).at
        return mark_task_sent(services=services, actor=user, task_id=task_id, at=at)

    return _step(request, services, user, task_id, form, work)


@router.post("/tasks/{task_id:path}/send")
def post_send(
    task_id: TaskIdPath,
    request: Request,
    services: PageServices,
    visitor: OwnerVisitor,
    form: CheckedForm,
) -> Response:
    """Send the approved email over SMTP from the owner's address, once, after the gates are
    read again; refused (nothing sent) for a held or stopped account."""
    user = api_user(visitor)

    def work(_task: TaskOut) -> object:
        return send_task(services=services, actor=user, task_id=task_id)

    return _step(request, services, user, task_id, form, work)


@router.post("/tasks/{task_id:path}/response")
def post_response(
    task_id: TaskIdPath,
    request: Request,
    services: PageServices,
    visitor: OwnerVisitor,
    form: CheckedForm,
) -> Response:
    """The customer's answer to a sent ask, once: accepted, declined or no_response, with an
    optional note and time."""
    user = api_user(visitor)

    def work(_task: TaskOut) -> object:
        body = response_body(form)
        return record_response(
            services=services,
            actor=user,
            task_id=task_id,
            response=body.response,
            at=body.at,
            note=body.note,
        )

    return _step(request, services, user, task_id, form, work)


@router.post("/tasks/{task_id:path}/outcome")
def post_outcome(
    task_id: TaskIdPath,
    request: Request,
    services: PageServices,
    visitor: OwnerVisitor,
    form: CheckedForm,
) -> Response:
    """What came of an accepted ask: a completing outcome completes it and closes the task; a
    complaint holds the account. The form's `outcome_id` counts a double submit once."""
    user = api_user(visitor)

    def work(task: TaskOut) -> object:
        return record_outcome(services=services, actor=user, outcome=outcome_of(form, task))

    return _step(request, services, user, task_id, form, work)


def outcome_of(form: FormData, task: TaskOut) -> Outcome:
    kind = field(form, "kind")
    if kind not in dict(OUTCOME_CHOICES):
        raise ApiError(422, "kind: choose what came of the ask")
    amount = field(form, "amount")
    if amount and not amount.isdigit():
        raise ApiError(422, f"amount: {amount!r} is not a whole number")
    return Outcome(
        kind=kind,  # type: ignore[arg-type]
        review_id=task.review_id,
        key=field(form, "outcome_id") or None,
        note=field(form, "note") or None,
        amount=int(amount) if amount else None,
    )


def _step(
    request: Request,
    services: Services,
    user: ApiUser,
    task_id: str,
    form: FormData,
    work: Callable[[TaskOut], object],
) -> Response:
    """Run one step on the visible task; back to /tasks when it was applied, else the list with
    the reason."""
    task = read_task(services=services, actor=user, task_id=task_id)  # another owner's: 404
    try:
        work(task)
    except ApiError as refused:
        code, answer = refused.status_code, refused.body()
    except DomainError as refused:
        code, answer = status_of(refused), error_body(refused)
    else:
        return RedirectResponse(f"/tasks?moved={urlpart(task_id)}", status_code=303)
    problem = {
        **answer,
        "task_id": task_id,
        "account": task.account_name or task.account_id,
        "values": {name: field(form, name) for name in KEPT_FIELDS},
    }
    return _tasks(request, services, user, problem=problem, status_code=code)


# --- reading the forms ----------------------------------------------------------------------------


def moment(value: str) -> datetime | None:
    """A `datetime-local` field's value, taken as UTC; None when empty."""
    if not value:
        return None
    try:
        return utc(datetime.fromisoformat(value))
    except ValueError:
        raise ApiError(422, f"at: {value!r} is not a date and time (YYYY-MM-DDTHH:MM)") from None


def response_body(form: FormData) -> TaskResponseBody:
    response = field(form, "response")
    if not response:
        raise ApiError(422, "response: choose accepted, declined or no response")
    data = {"response": response, "at": moment(field(form, "at")), "note": field(form, "note")}
    return parsed(TaskResponseBody, {k: v for k, v in data.items() if v})


# --- notifications --------------------------------------------------------------------------------


@router.get("/notifications")
def notifications_page(request: Request, services: PageServices, visitor: Visitor) -> Response:
    """The visitor's reminders and escalations, newest first; reading them marks an owner's
    read. Marketing and admins read everyone's."""
    user = api_user(visitor)
    deps = services.deps
    notes = list_notifications(
        session_factory=deps.session_factory, actor=user, owner_id=None, now=deps.clock()
    )
    with deps.session_factory() as session:
        request.state.unread = unread(session=session, actor=user)
    context = {"title": "Notifications", "notes": notes, "own": user.is_owner}
    return render(request, "notifications.html", context)


# --- the owners' backlog --------------------------------------------------------------------------

SORT_WORDS: tuple[tuple[BacklogSort, str], ...] = (
    ("pending", "most pending reviews"),
    ("oldest", "oldest review"),
    ("tasks", "most open tasks"),
    ("overdue", "most overdue tasks"),
    ("owner", "owner"),
)


@router.get("/backlog")
def backlog_page(
    request: Request, services: PageServices, visitor: Visitor, sort: BacklogSort = "pending"
) -> Response:
    """Per owner, pending reviews and open tasks with the oldest age; an owner sees their own."""
    user = api_user(visitor)
    with services.deps.session_factory() as session:
        rows = owners_backlog(session=session, actor=user, now=services.deps.clock(), sort=sort)
    context = {
        "title": "Backlog",
        "rows": rows,
        "sort": sort,
        "sorts": SORT_WORDS,
        "own": user.is_owner,
    }
    return render(request, "backlog.html", context)
