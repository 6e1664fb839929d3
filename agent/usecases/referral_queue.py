"""The referral-ready queue (seed 002's first version, issue 12): every account eligible for a
referral ask now, not only those whose recommended ask type is referral, with its timing.

Each account goes through the same gates as a scan at `now` (nothing is recorded): it is in the
queue when it is a candidate, `referral` is among its eligible ask types, and the contact a
referral ask would go to is available and under the yearly limit their owner recorded.
Freshest trigger first: the moment to ask passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from agent.settings import Settings
from checkpoints.reviews import blocking_review_ids
from domain.actors import Actor
from domain.gates import evaluate
from domain.journeys import advocate_ask_limit, advocate_unavailable
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from domain.timing import contact_for, timing
from domain.vocabulary import AskType
from tools.batch import load_snapshots
from tools.referral_pool import referral_pool


class ReferralReady(BaseModel):
    account_id: str
    account_name: str
    owner_id: str
    segment: str | None
    recommended_ask_type: AskType | None = Field(
        description="What the ladder would ask first; referral is eligible either way."
    )
    eligible_ask_types: list[AskType]
    contact_id: str | None = Field(description="Whom a referral ask would go to.")
    contact_name: str | None
    channel: str = Field(description="The contact's preferred channel, else the account's.")
    trigger_signal_ids: list[str]
    value_proof_ids: list[str]
    latest_trigger_at: datetime | None
    why: str = Field(description="Why referral is eligible, with evidence ids.")
    timing: dict[str, Any] = Field(description="`send_by` and why, as on a review.")
    open_review_id: str | None = Field(
        description="The account's open review or unexpired deferral, if any."
    )


def referral_queue(
    *, session: Session, settings: Settings, actor: Actor, now: datetime
) -> list[ReferralReady]:
    """Accounts a referral may be asked of now, freshest trigger first (an owner: their own).

    Set-based: one query narrows the accounts to those that may be ready (tools/referral_pool.py);
    their evidence is loaded a batch at a time and the pure gates decide."""
    owner_id = actor.id if actor.is_owner else None
    pool = referral_pool(session=session, policy=settings.policy, now=now, owner_id=owner_id)
    return referral_rows(session=session, settings=settings, account_ids=pool, now=now)


def referral_rows(
    *, session: Session, settings: Settings, account_ids: Sequence[str], now: datetime
) -> list[ReferralReady]:
    """Of `account_ids`, those a referral may be asked of now, freshest trigger first."""
    size = settings.scan_batch_size
    rows: list[ReferralReady] = []
    for start in range(0, len(account_ids), size):
        snapshots = load_snapshots(
            session=session,
            account_ids=list(account_ids[start : start + size]),
            as_of=now,
            limit=settings.evidence_limit,
        )
        reports = {a: evaluate(s, settings.policy, now) for a, s in snapshots.items()}
        ready = [a for a, r in reports.items() if _referral_ready(snapshots[a], r, now)]
        blocking = blocking_review_ids(session=session, account_ids=ready, now=now)
        rows += [
            _row(snapshots[a], reports[a], blocking.get(a), now, settings.policy.send_within_days)
            for a in ready
        ]
    oldest = datetime.min.replace(tzinfo=now.tzinfo)
    return sorted(rows, key=lambda r: (-(r.latest_trigger_at or oldest).timestamp(), r.account_id))


def _referral_ready(snapshot: EvidenceSnapshot, report: GateReport, now: datetime) -> bool:
    """A candidate with referral eligible, whose referral contact (who may not be the one the
    recommended ask goes to) is available and under their yearly limit."""
    if report.status != "candidate" or "referral" not in report.eligible_ask_types:
        return False
    contact = contact_for(snapshot, "referral", report.trigger_signal_ids)
    checks = (
        advocate_unavailable(snapshot, contact, now),
        advocate_ask_limit(snapshot, contact, now),
    )
    return all(check.passed for check in checks)


def _row(
    snapshot: EvidenceSnapshot,
    report: GateReport,
    review_id: str | None,
    now: datetime,
    send_within_days: int,
) -> ReferralReady:
    contact = contact_for(snapshot, "referral", report.trigger_signal_ids)
    options = report.ask_policy.options if report.ask_policy else ()
    why = next(o.why for o in options if o.ask_type == "referral")
    triggers = set(report.trigger_signal_ids)
    dates = [s.occurred_at for s in snapshot.signals if s.id in triggers]
    dates += [r.submitted_at for r in snapshot.referrals if r.id in triggers]
    account = snapshot.account
    preference = snapshot.preference_of(contact.id if contact else None)
    return ReferralReady(
        account_id=account.id,
        account_name=account.name,
        owner_id=account.owner_id,
        segment=account.segment,
        recommended_ask_type=report.ask_type,
        eligible_ask_types=list(report.eligible_ask_types),
        contact_id=contact.id if contact else None,
        contact_name=contact.name if contact else None,
        channel=(preference.preferred_channel if preference else None) or account.preferred_channel,
        trigger_signal_ids=list(report.trigger_signal_ids),
        value_proof_ids=list(report.value_proof_ids),
        latest_trigger_at=max(dates, default=None),
        why=why,
        timing=timing(report, snapshot, now=now, send_within_days=send_within_days),
        open_review_id=review_id,
    )
