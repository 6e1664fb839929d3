"""Tasks: the owner's work after an approval — send the ask, then record the customer's answer.

Each step happens once: a second attempt answers 409 with the task's status; the same request
sent again with the same Idempotency-Key gets its first answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.responses import JSONResponse

from agent.bootstrap import Services
from agent.usecases.results import TaskOut
from agent.usecases.sending import send_task
from agent.usecases.tasks import list_tasks, mark_task_sent, read_task, record_response
from api.deps import AnyUser, ApiUser, OwnerUser, ServicesDep, SessionDep
from api.errors import answer_of
from api.idempotency import answered_once
from api.schemas import TaskResponseBody, TaskSentBody
from domain.text import NO_NUL_PATTERN

router = APIRouter(prefix="/tasks", tags=["tasks"])

TaskIdPath = Annotated[str, Path(max_length=220, pattern=NO_NUL_PATTERN)]
KeyHeader = Annotated[
    str | None,
    Header(max_length=200, description="Same key and body: the first answer is replayed."),
]
TaskFilter = Literal["open", "sent", "closed", "overdue"]


@router.get("", response_model=list[TaskOut])
def get_tasks(
    session: SessionDep,
    services: ServicesDep,
    user: AnyUser,
    owner: Annotated[str | None, Query(max_length=64, pattern=NO_NUL_PATTERN)] = None,
    status: TaskFilter | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[TaskOut]:
    """Tasks, the most urgent first (earliest send-by). `overdue`: open and past send-by.

    An owner gets their own (another owner's: 404); marketing and admins read everyone's, or
    one owner's with `owner`.
    """
    now = services.deps.clock()
    return list_tasks(
        session=session, actor=user, owner_id=owner, status=status, now=now, limit=limit
    )


@router.get("/{task_id}", response_model=TaskOut)
def get_task(task_id: TaskIdPath, services: ServicesDep, user: AnyUser) -> TaskOut:
    """One task, with its contact and a `mailto:` link for email asks."""
    return read_task(services=services, actor=user, task_id=task_id)


def _once(
    services: Services,
    user: ApiUser,
    key: str | None,
    path: str,
    body: dict[str, object],
    work: Callable[[], TaskOut],
) -> JSONResponse:
    return answered_once(
        services=services,
        user_id=user.id,
        key=key,
        path=path,
        body=body,
        work=lambda _replay: answer_of(work),
    )


@router.post("/{task_id}/sent", response_model=TaskOut)
def post_sent(
    task_id: TaskIdPath,
    body: TaskSentBody,
    services: ServicesDep,
    user: OwnerUser,
    idempotency_key: KeyHeader = None,
) -> JSONResponse:
    """The owner sent the ask themselves (their mail client, a call): open -> sent, once.

    `at` must not be in the future nor before the approval (422). Not open: 409.
    """
    fields = body.model_dump(mode="json", exclude_none=True)
    return _once(
        services,
        user,
        idempotency_key,
        f"/v1/tasks/{task_id}/sent",
        fields,
        lambda: mark_task_sent(services=services, actor=user, task_id=task_id, at=body.at),
    )


@router.post("/{task_id}/send", response_model=TaskOut)
def post_send(
    task_id: TaskIdPath, services: ServicesDep, user: OwnerUser, idempotency_key: KeyHeader = None
) -> JSONResponse:
    """Send the approved email over SMTP from the owner's address (Reply-To the owner), once.

    The gates are read again first: a do-not-contact account, a denied or revoked permission,
    a new ticket or complaint refuse it (409 with `reasons`). 409 when sending is not set up
    (ADVOCACY_SMTP_URL), the task is not open or the mail server fails (nothing was sent).
    """
    return _once(
        services,
        user,
        idempotency_key,
        f"/v1/tasks/{task_id}/send",
        {},
        lambda: send_task(services=services, actor=user, task_id=task_id),
    )


@router.post("/{task_id}/response", response_model=TaskOut)
def post_response(
    task_id: TaskIdPath,
    body: TaskResponseBody,
    services: ServicesDep,
    user: OwnerUser,
    idempotency_key: KeyHeader = None,
) -> JSONResponse:
    """The customer's answer to a sent ask, once: `accepted` (the ask completes with its
    outcome), `declined` or `no_response` (the ask and the task close). Not sent: 409."""
    fields = body.model_dump(mode="json", exclude_none=True)
    return _once(
        services,
        user,
        idempotency_key,
        f"/v1/tasks/{task_id}/response",
        fields,
        lambda: record_response(
            services=services,
            actor=user,
            task_id=task_id,
            response=body.response,
            at=body.at,
            note=body.note,
        ),
    )
