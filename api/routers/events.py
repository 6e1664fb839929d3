"""Events: a CRM or support tool posts one new row for an account (webhook trigger)."""

from __future__ import annotations

from fastapi import APIRouter

from agent.usecases import intake
from agent.usecases.results import EventOut
from api.deps import AnyUser, ServicesDep
from api.schemas import EventBody

router = APIRouter(prefix="/events", tags=["events"])


@router.post("", response_model=EventOut)
def receive_event(event: EventBody, services: ServicesDep, user: AnyUser) -> EventOut:
    """Upsert a signal, ticket, referral or permission (the import's row schemas), then gate.

    A positive signal or a referral may trigger: the account is reviewed now and a candidate
    gets a review (`opened`). Other rows only report the gate result (a new urgent ticket
    holds). Owners may post for their own accounts only; marketing and admin for any.
    """
    return intake.receive_event(services=services, actor=user, kind=event.kind, row=event.row)
