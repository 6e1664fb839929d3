"""The measurement funnel of DESIGN.md section 7, computed from recorded events only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

from sqlalchemy.orm import Session

from agent.ask_metrics import ask_life_by_owner
from agent.kpis import kpis
from agent.usecases.backlog import backlog_rows
from domain.clock import utc_now
from domain.kpis import proposed_by_the_agent
from domain.vocabulary import EventKind
from store.funnel import ask_life_rows, escalations_by_owner, state_entries
from store.queries import event_counts, event_data

FUNNEL: tuple[EventKind, ...] = get_args(EventKind)
PILOT_VALUE_PROOF_SHARE = 0.9


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def funnel(
    *,
    session: Session,
    since: datetime | None = None,
    until: datetime | None = None,
    owner_id: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Counts per event kind, the two readiness rates, the pilot thresholds (pass or fail) and
    the ask's life after approval (overall and `by_owner`).

    Optional filters: events in [since, until), and one owner's events (by the event's owner or
    its account's owner). Without them, every recorded event counts. `ask_held` and
    `ask_stopped` count accounts entering the state, not every scan that finds them in it.
    `now` dates the overdue tasks.
    """
    scope: dict[str, Any] = {"since": since, "until": until, "owner_id": owner_id}

    def data(kind: str) -> list[dict[str, Any]]:
        return event_data(session=session, kind=kind, since=since, until=until, owner_id=owner_id)

    counts = dict.fromkeys(FUNNEL, 0) | event_counts(session=session, **scope)
    counts |= dict.fromkeys(("ask_held", "ask_stopped"), 0) | state_entries(
        session=session, **scope
    )
    approved = [a for a in data("ask_approved") if proposed_by_the_agent(a)]
    approved_with_proof = [a for a in approved if a.get("value_proof")]
    approved_referrals = [a for a in approved if a.get("ask_type") == "referral"]
    referral_share = _rate(
        sum(1 for a in approved_referrals if a.get("value_proof")), len(approved_referrals)
    )
    proof_share = _rate(len(approved_with_proof), len(approved))
    life_rows = ask_life_rows(session=session, **scope)
    return {
        **counts,
        **kpis(session=session, data=data, life_rows=life_rows, now=now or utc_now(), **scope),
        "pilot_approved_with_value_proof_share": proof_share,
        "pilot_approved_with_value_proof_pass": None
        if proof_share is None
        else proof_share >= PILOT_VALUE_PROOF_SHARE,
        "pilot_referral_asks_with_value_proof_share": referral_share,
        "pilot_referral_asks_with_value_proof_pass": None
        if referral_share is None
        else referral_share == 1.0,
        "backlog": [
            row.model_dump(mode="json")
            for row in backlog_rows(session=session, now=now or utc_now(), owner_id=owner_id)
        ],
        **ask_life_by_owner(
            life_rows,
            escalations_by_owner(session=session, **scope),
            now or utc_now(),
        ),
    }
