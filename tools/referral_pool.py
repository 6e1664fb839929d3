"""The referral-ready queue's pre-filter: the accounts that may be in it, in one query.

Every condition here is one the queue requires of each account it lists, read from columns
the gates read as they are: value proof in the trigger window (the referral rung needs it, and
it is itself a positive signal, so the account is triggered), not do-not-contact (a stop), and
a health score unknown or at least `health_min` (a hold). Only these accounts' evidence is
loaded and gated by the pure rules, which decide the rest; the queue is the same, and at 20k
accounts about a third of the triggered ones are read.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from domain.clock import utc
from domain.settings import PolicySettings
from domain.vocabulary import VALUE_PROOF_KINDS
from store.models import Account, Signal


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
        )
        .order_by(a.id)
    )
    if owner_id is not None:
        stmt = stmt.where(a.owner_id == owner_id)
    return list(session.scalars(stmt))
