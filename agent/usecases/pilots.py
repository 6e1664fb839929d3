"""Pilots (issue 12): a cohort of accounts over a period, reported against the seeds' two
thresholds with pass or fail and the accounts that fail each."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.usecases.known import spelled_in_data
from domain.actors import Actor
from domain.errors import Forbidden, Invalid, not_found
from domain.kpis import (
    PILOT_CANDIDATE_SHARE,
    PILOT_REFERRAL_SHARE,
    pilot_candidate_problems,
    pilot_referral_problems,
    proposed_by_the_agent,
    share,
)
from store import kpis
from store import programs as store
from store.db import transaction
from store.models import Account, Pilot

MAX_DAYS = 365
MAX_TOP = 100_000


class PilotOut(BaseModel):
    pilot_id: str
    name: str
    segment: str | None
    top_healthy: int | None
    days: int
    started_at: datetime
    ends_at: datetime
    cohort: list[str]


class FailingAccount(BaseModel):
    account_id: str
    review_id: str | None
    problems: list[str]


class ThresholdOut(BaseModel):
    name: str
    rule: str = Field(description="The seed's threshold in words.")
    required_share: float
    share: float | None = Field(description="null while nothing it divides by happened.")
    counted: int
    passing: int
    passed: bool | None
    failing: list[FailingAccount]


class PilotReport(BaseModel):
    pilot: PilotOut
    period: dict[str, datetime] = Field(description="{from, to}: the pilot's days so far.")
    thresholds: list[ThresholdOut]


def pilot_view(pilot: Pilot) -> PilotOut:
    return PilotOut(
        pilot_id=pilot.id,
        name=pilot.name,
        segment=pilot.segment,
        top_healthy=pilot.top_healthy,
        days=pilot.days,
        started_at=pilot.started_at,
        ends_at=pilot.ends_at,
        cohort=list(pilot.cohort),
    )


def _check_start(session: Session, segment: str | None, top: int | None, days: int) -> str | None:
    if (segment is None) == (top is None):
        raise Invalid("give exactly one of segment or top_healthy")
    if not 1 <= days <= MAX_DAYS:
        raise Invalid(f"days: must be 1 to {MAX_DAYS}")
    if top is not None and not 1 <= top <= MAX_TOP:
        raise Invalid(f"top_healthy: must be 1 to {MAX_TOP}")
    return spelled_in_data(session, "segment", Account.segment, segment, known_as="")


def start_pilot(
    *,
    services: Services,
    actor: Actor,
    name: str,
    segment: str | None,
    top_healthy: int | None,
    days: int,
    now: datetime | None = None,
) -> PilotOut:
    """Record a pilot: its cohort now (a segment's accounts, or the N healthiest), its period."""
    if actor.role == "owner":
        raise Forbidden("pilots are started by marketing or admins")
    if not name.strip():
        raise Invalid("name: must not be empty")
    deps = services.deps
    started = now or deps.clock()
    with transaction(deps.session_factory) as session:
        segment = _check_start(session, segment, top_healthy, days)
        cohort = kpis.cohort_ids(session=session, segment=segment, top_healthy=top_healthy)
        if not cohort:
            raise Invalid("the pilot selects no account")
        pilot = store.add_pilot(
            session=session,
            row={
                "id": f"pl-{uuid.uuid4().hex[:10]}",
                "name": name.strip(),
                "segment": segment,
                "top_healthy": top_healthy,
                "days": days,
                "started_at": started,
                "ends_at": started + timedelta(days=days),
                "cohort": cohort,
                "created_by": actor.id,
            },
        )
        return pilot_view(pilot)


def pilot_report(*, session: Session, pilot_id: str | None, now: datetime) -> PilotReport:
    """The pilot (the latest when no id) against both thresholds, over its days so far."""
    pilot = store.pilot(session=session, pilot_id=pilot_id)
    if pilot is None:
        raise not_found(f"pilot {pilot_id}" if pilot_id else "pilot: start one first")
    until = min(now, pilot.ends_at)
    period: dict[str, Any] = {
        "since": pilot.started_at,
        "until": until + timedelta(microseconds=1),
        "owner_id": None,
        "account_ids": list(pilot.cohort),
    }
    return PilotReport(
        pilot=pilot_view(pilot),
        period={"from": pilot.started_at, "to": until},
        thresholds=[_candidates(session, period), _referrals(session, period)],
    )


def _threshold(
    name: str, rule: str, required: float, checked: list[FailingAccount]
) -> ThresholdOut:
    failing = [c for c in checked if c.problems]
    passing = len(checked) - len(failing)
    rate = share(passing, len(checked))
    return ThresholdOut(
        name=name,
        rule=rule,
        required_share=required,
        share=rate,
        counted=len(checked),
        passing=passing,
        passed=None if rate is None else rate >= required,
        failing=failing,
    )


def _candidates(session: Session, period: dict[str, Any]) -> ThresholdOut:
    rows = [
        row
        for row in kpis.events(session=session, kind="candidate_identified", **period)
        if proposed_by_the_agent(row.data)
    ]
    checked = [
        FailingAccount(
            account_id=row.account_id,
            review_id=row.review_id,
            problems=pilot_candidate_problems(row.data, row.review_status),
        )
        for row in rows
    ]
    return _threshold(
        "candidates_ready",
        "at least 90% of candidates with value proof, no open relationship risk and an "
        "owner-approved ask type",
        PILOT_CANDIDATE_SHARE,
        checked,
    )


def _referrals(session: Session, period: dict[str, Any]) -> ThresholdOut:
    rows = [
        r
        for r in kpis.events(session=session, kind="ask_approved", **period)
        if r.data.get("ask_type") == "referral"
    ]
    sent = kpis.task_sent_times(session=session, review_ids=[r.review_id for r in rows])
    checked = [
        FailingAccount(
            account_id=row.account_id,
            review_id=row.review_id,
            problems=pilot_referral_problems(row.data, row.occurred_at, sent.get(row.review_id)),
        )
        for row in rows
    ]
    return _threshold(
        "referral_asks_ready",
        "100% of referral asks with value proof, no unresolved issue and the owner's approval "
        "before the request",
        PILOT_REFERRAL_SHARE,
        checked,
    )


def list_pilots(*, session: Session) -> list[PilotOut]:
    return [pilot_view(p) for p in store.pilots(session=session)]
