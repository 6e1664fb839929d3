"""Outcomes: what came of an approved ask, recorded as measurement events."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from agent.usecases.outcomes import Outcome, record_outcome
from agent.usecases.results import OutcomeOut
from agent.usecases.tasks import read_task
from api.deps import AnyUser, ServicesDep
from api.schemas import OutcomeBody

router = APIRouter(prefix="/outcomes", tags=["outcomes"])


@router.post(
    "",
    status_code=201,
    response_model=OutcomeOut,
    responses={200: {"model": OutcomeOut, "description": "Recorded before: a replay."}},
)
def post_outcome(
    body: OutcomeBody,
    services: ServicesDep,
    user: AnyUser,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Record participation, a permission granted (also stored as a consent record), a
    reference used, a referral generated or converted, a testimonial collected or a complaint,
    for an approved ask named by `review_id` or `task_id` (not approved: 409).

    A completing outcome completes the ask and closes its task; a complaint holds the account.

    Keyed by `outcome_id` (or the Idempotency-Key): a replay counts once (200 instead of 201).
    """
    review_id = body.review_id
    if review_id is None:
        assert body.task_id is not None
        review_id = read_task(services=services, actor=user, task_id=body.task_id).review_id
    outcome = Outcome(
        kind=body.kind,
        review_id=review_id,
        key=body.outcome_id or idempotency_key,
        occurred_at=body.occurred_at,
        note=body.note,
        amount=body.amount,
        permission=body.permission,
    )
    out = record_outcome(services=services, actor=user, outcome=outcome)
    return JSONResponse(out.model_dump(mode="json"), status_code=201 if out.recorded else 200)
