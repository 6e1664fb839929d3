"""The seeds' KPIs (issue 12), from the recorded events and the evidence; every figure is
defined in the README (Measurement). Rates are null while nothing they divide by happened."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from agent.usecases.programs import participation
from domain.kpis import (
    CompletedAsk,
    days_bucket,
    eligibility_ready,
    proposed_by_the_agent,
    referral_ready,
    repeat_share,
    retention_share,
    share,
)
from store import kpis as store

APPROVED = ("approved", "edited")
RETENTION_DAYS = 365


def kpis(
    *,
    session: Session,
    data: Callable[[str], list[dict[str, Any]]],
    life_rows: Sequence[Any],
    since: datetime | None,
    until: datetime | None,
    owner_id: str | None,
    now: datetime,
) -> dict[str, Any]:
    """Every KPI of the seeds and the two baseline rates. `data(kind)` reads the period's events
    of one kind; `life_rows` are the period's approved asks (agent/ask_metrics.py)."""
    period: dict[str, Any] = {"since": since, "until": until, "owner_id": owner_id}
    completed = [
        CompletedAsk(str(contact), at)
        for contact, at in store.completed_asks(session=session, owner_id=owner_id)
    ]
    advocates = {ask.contact_id for ask in completed}
    scores = store.latest_nps(session=session, **period)
    return {
        "advocate_pool_size": len(advocates),
        "promoter_rate": share(sum(1 for s in scores if s >= 9), len(scores)),
        "activities_per_advocate": share(len(completed), len(advocates)),
        "program_participation": {
            program_id: figures.model_dump()
            for program_id, figures in sorted(participation(session=session).items())
        },
        "repeat_advocacy_rate": repeat_share(completed),
        "advocate_retention_rate": retention_share(completed, now - timedelta(days=RETENTION_DAYS)),
        **_referrals(session, data, period),
        "asks_per_customer": share(
            store.ask_count(session=session, **period),
            store.account_count(session=session, owner_id=owner_id),
        ),
        "response_rate_by_days_since_trigger": response_by_days(life_rows),
        **baseline_rates(session, period),
    }


def _amount(events: list[dict[str, Any]]) -> float:
    return float(sum(e.get("amount") or 0 for e in events))


def _referrals(
    session: Session, data: Callable[[str], list[dict[str, Any]]], period: dict[str, Any]
) -> dict[str, Any]:
    generated, converted = data("referral_generated"), data("referral_converted")
    imported = store.referral_statuses(session=session, **period)
    # A referral is one review's: generated, converted, or both (a conversion implies it).
    reviews = {
        kind: {e.review_id for e in store.events(session=session, kind=kind, **period)}
        for kind in ("referral_generated", "referral_converted")
    }
    return {
        "referral_conversion_rate": share(
            len(reviews["referral_converted"]) + imported.get("converted", 0),
            len(reviews["referral_generated"] | reviews["referral_converted"])
            + sum(imported.values()),
        ),
        "referral_pipeline_amount": _amount(generated),
        "referral_revenue_amount": _amount(converted),
    }


def response_by_days(rows: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """Per bucket of days between the trigger and the send: asks sent, answered (accepted or
    declined) and the share answered."""
    sent: dict[str, int] = defaultdict(int)
    answered: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.sent_at is None or row.trigger_at is None:
            continue
        bucket = days_bucket((row.sent_at - row.trigger_at).days)
        sent[bucket] += 1
        answered[bucket] += row.response in ("accepted", "declined")
    return {
        bucket: {
            "sent": sent[bucket],
            "responded": answered[bucket],
            "rate": share(answered[bucket], sent[bucket]),
        }
        for bucket in sent
    }


def baseline_rates(session: Session, period: dict[str, Any]) -> dict[str, float | None]:
    """The seeds' two baseline rates over the period's candidates (the referral one over the
    candidates a referral ask was eligible for, counting the owner's approval)."""
    candidates = [
        c
        for c in store.events(session=session, kind="candidate_identified", **period)
        if proposed_by_the_agent(c.data)
    ]
    referral = [
        c
        for c in candidates
        if c.data.get("referral_eligible") or c.data.get("ask_type") == "referral"
    ]
    ready = [c for c in referral if referral_ready(c.data, c.review_status in APPROVED)]
    return {
        "advocate_candidate_eligibility_rate": share(
            sum(1 for c in candidates if eligibility_ready(c.data)), len(candidates)
        ),
        "referral_request_readiness_rate": share(len(ready), len(referral)),
    }
