"""Run one account through the workflow now (an event webhook's trigger), without a scan."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from agent.deps import Deps
from agent.graph import AdvocateGraph, thread_config
from agent.records import record_events
from agent.state import AdvocateState
from checkpoints.reviews import blocking_review_ids
from domain.events import gate_event
from domain.gates import evaluate
from domain.report import GateReport
from domain.vocabulary import Status
from store.db import transaction
from tools.evidence import load_snapshot


@dataclass(frozen=True)
class AccountRun:
    """What happened to the account: its gate result and the review it has, if any."""

    account_id: str
    status: Status
    reasons: tuple[str, ...]
    flags: tuple[str, ...]
    ask_type: str | None
    review_id: str | None
    opened: bool


def review_account(
    *, deps: Deps, advocate: AdvocateGraph, account_id: str, now: datetime, cause: str
) -> AccountRun | None:
    """Gate the account; a candidate without an open review gets one. None: unknown account.

    Non-candidates make no LLM call and write no checkpoint, as in a scan. `cause` (an event id)
    keys the held/stopped measurement event, so a replayed event records nothing twice.
    """
    with deps.session_factory() as session:
        snapshot = load_snapshot(
            session=session, account_id=account_id, as_of=now, limit=deps.settings.evidence_limit
        )
        if snapshot is None:
            return None
        blocking = blocking_review_ids(session=session, account_ids=[account_id], now=now)
    report = evaluate(snapshot, deps.settings.policy, now)
    if report.status != "candidate":
        _record_gate_event(deps, report, snapshot.account.owner_id, now, cause)
        return _run(report, review_id=None, opened=False)
    if account_id in blocking:
        return _run(report, review_id=blocking[account_id], opened=False)
    review_id = f"rv-{uuid.uuid4().hex[:10]}-{account_id}"
    inputs: AdvocateState = {
        "account_id": account_id,
        "review_id": review_id,
        "now": now.isoformat(),
    }
    final = advocate.invoke(inputs, thread_config(review_id), context=deps)
    if final.get("result") == "pending":
        return _run(report, review_id=review_id, opened=True)
    with deps.session_factory() as session:
        winner = blocking_review_ids(session=session, account_ids=[account_id], now=now)
    return _run(report, review_id=winner.get(account_id), opened=False)


def _run(report: GateReport, *, review_id: str | None, opened: bool) -> AccountRun:
    return AccountRun(
        account_id=report.account_id,
        status=report.status,
        reasons=report.reasons,
        flags=report.flags,
        ask_type=report.ask_type,
        review_id=review_id,
        opened=opened,
    )


def _record_gate_event(
    deps: Deps, report: GateReport, owner_id: str, now: datetime, cause: str
) -> None:
    row = gate_event(
        report, key=f"{cause}:{report.account_id}", at=now, owner_id=owner_id, cause=cause
    )
    if row is None:
        return
    with transaction(deps.session_factory) as session:
        record_events(session, [row])
