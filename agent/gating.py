"""Gate one account now: its evidence, its gate report and the review that blocks a new one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from agent.settings import Settings
from checkpoints.reviews import blocking_review_ids
from domain.gates import evaluate
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from tools.evidence import load_snapshot


@dataclass(frozen=True)
class GateNow:
    """The account as the gates see it at `now`."""

    snapshot: EvidenceSnapshot
    report: GateReport
    blocking_review_id: str | None


def gate_now(
    *, session: Session, settings: Settings, account_id: str, now: datetime
) -> GateNow | None:
    """Load the account's bounded evidence, evaluate the gates; None for an unknown account."""
    snapshot = load_snapshot(
        session=session, account_id=account_id, as_of=now, limit=settings.evidence_limit
    )
    if snapshot is None:
        return None
    blocking = blocking_review_ids(session=session, account_ids=[account_id], now=now)
    return GateNow(
        snapshot=snapshot,
        report=evaluate(snapshot, settings.policy, now),
        blocking_review_id=blocking.get(account_id),
    )
