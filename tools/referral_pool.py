"""The referral-ready queue's pre-filter: the accounts that may be in it, in one query.

Every condition here is one the queue requires of each account it lists: value proof in the
trigger window (the referral rung needs it, and it is itself a positive signal, so the account
is triggered); not do-not-contact and a health score unknown or at least `health_min` (the
account's own columns); and none of the rows that hold or stop it whatever else it has, each
of which the evidence loader always reads (tools/evidence.py ranks them first or newest
first): a pending ask, an ask within `recent_ask_days`, `ask_limit_count` asks within
`ask_limit_days` (the evidence limit covers that count: agent/settings.py), a complaint within
`complaint_window_days`, an unresolved reward, a referral with disputed attribution. Only these
accounts' evidence is loaded and gated by the pure rules, which decide the rest: the queue is
the same (tests/integration/test_referral_queue_set_based.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from domain.clock import utc
from domain.rewards import UNRESOLVED_STATES
from domain.settings import PolicySettings
from domain.vocabulary import VALUE_PROOF_KINDS
from store.models import Account, Ask, Referral, Signal
from store.program_models import Reward


def referral_pool(
    *, session: Session, policy: PolicySettings, now: datetime, owner_id: str | None
) -> list[str]:
    """Account ids (of `owner_id`, or all) that may be referral-ready at `now`, by id."""
    a, s = Account.__table__.c, Signal.__table__.c
    now = utc(now)
    since = now - timedelta(days=policy.trigger_window_days)
    value_proof = select(s.account_id).where(
        s.kind.in_(sorted(VALUE_PROOF_KINDS)), s.occurred_at >= since, s.occurred_at <= now
    )
    stmt = (
        select(a.id)
        .where(
            a.id.in_(value_proof),
            a.do_not_contact.is_not(True),
            or_(a.health_score.is_(None), a.health_score >= policy.health_min),
            *(a.id.not_in(held) for held in _held_or_stopped(policy, now)),
        )
        .order_by(a.id)
    )
    if owner_id is not None:
        stmt = stmt.where(a.owner_id == owner_id)
    return list(session.scalars(stmt))


def _held_or_stopped(policy: PolicySettings, now: datetime) -> list[Any]:
    """Accounts a row of which holds or stops them whatever else they have."""
    k, s, r, w = Ask.__table__.c, Signal.__table__.c, Referral.__table__.c, Reward.__table__.c
    asked_since = now - timedelta(days=policy.recent_ask_days)
    complained_since = now - timedelta(days=policy.complaint_window_days)
    limit_since = now - timedelta(days=policy.ask_limit_days)
    return [
        select(k.account_id).where(
            k.asked_at <= now, or_(k.outcome == "pending", k.asked_at >= asked_since)
        ),
        select(k.account_id)
        .where(k.asked_at >= limit_since, k.asked_at <= now)
        .group_by(k.account_id)
        .having(func.count() >= policy.ask_limit_count),
        select(s.account_id).where(
            s.kind == "complaint", s.occurred_at >= complained_since, s.occurred_at <= now
        ),
        select(w.account_id).where(w.status.in_(sorted(UNRESOLVED_STATES)), w.created_at <= now),
        select(r.account_id).where(r.attribution_disputed.is_(True), r.submitted_at <= now),
    ]
