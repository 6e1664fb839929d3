"""Intake: one row arrives for an account (the event webhook); gate it now, maybe open a review.

`review_account` runs one account through the workflow without a scan: non-candidates make no
LLM call and write no checkpoint, as in a scan.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session

from agent.bootstrap import Services
from agent.deps import Deps
from agent.gating import gate_now
from agent.records import record_events
from agent.state import AdvocateState, thread_config
from agent.usecases.recovery import recover_draft
from agent.usecases.results import EventOut, GateResult
from checkpoints.reviews import blocking_review_ids, publish_reviews
from domain.actors import Actor
from domain.errors import Conflict, Invalid, not_found
from domain.events import gate_event
from domain.policy import is_positive
from domain.report import GateReport
from domain.vocabulary import Status
from store.bundle import SignalRow, to_record
from store.db import transaction
from store.models import Account, Contact, Review
from store.queries import account_of_row
from store.writes import upsert_bundle_rows

if TYPE_CHECKING:  # langgraph: only when an account's run opens a review
    from agent.graph import AdvocateGraph

# The bundle key each event kind writes to.
EVENT_TABLES = {
    "signal": "signals",
    "ticket": "tickets",
    "referral": "referrals",
    "permission": "permissions",
}


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


def receive_event(*, services: Services, actor: Actor, kind: str, row: BaseModel) -> EventOut:
    """Upsert one row like the import, then gate the account; a trigger may open a review.

    With the job queue (PostgreSQL) a trigger's run is a job enqueued with the row: the answer
    has the gate result now, `queued` true, and the review comes from a worker.
    """
    deps = services.deps
    _check_happened(row, deps.clock())
    record = to_record(row)
    now = deps.clock()
    triggered = kind == "referral" or (
        isinstance(row, SignalRow) and is_positive(row, deps.settings.policy)
    )
    cause = f"event:{kind}:{record['id']}"
    queue = services.queue if triggered else None
    with transaction(deps.session_factory) as session:
        check_writable_row(session, actor, EVENT_TABLES[kind], record)
        upsert_bundle_rows(session, EVENT_TABLES[kind], [record])
        if queue is not None:
            queue.enqueue_review(session, account_id=record["account_id"], now=now, cause=cause)
    if triggered and queue is None:
        run = review_account(
            deps=deps,
            advocate=services.advocate,
            account_id=record["account_id"],
            now=now,
            cause=cause,
        )
    else:
        run = _gate_only(deps, record["account_id"], now)
    assert run is not None, "the account exists: it was checked in the transaction"
    return EventOut(
        kind=kind,
        id=record["id"],
        triggered=triggered,
        gate=GateResult(
            account_id=run.account_id,
            status=run.status,
            reasons=list(run.reasons),
            flags=list(run.flags),
            ask_type=run.ask_type,
        ),
        review_id=run.review_id,
        opened=run.opened,
        queued=queue is not None,
    )


def _check_happened(row: BaseModel, now: datetime) -> None:
    """The row's times, read against the clock: nothing dated more than a day ahead."""
    try:
        type(row).model_validate(row.model_dump(), context={"now": now})
    except ValidationError as error:
        problems = [
            f"row.{'.'.join(str(part) for part in item['loc'])}: "
            + str(item["msg"]).removeprefix("Value error, ")
            for item in error.errors()
        ]
        raise Invalid("; ".join(problems)) from None


def check_writable_row(session: Session, actor: Actor, key: str, record: dict[str, Any]) -> None:
    """The caller may write this row of bundle key `key`: its references, and its account."""
    _check_references(session, actor, record)
    _check_row_stays(session, key, record)


def _check_references(session: Session, actor: Actor, record: dict[str, Any]) -> None:
    """The row's account must be one the caller may write for, its contact one of that account."""
    account = session.get(Account, record["account_id"])
    if account is None or (actor.is_owner and account.owner_id != actor.id):
        raise not_found(f"account {record['account_id']}")
    contact_id = record.get("contact_id")
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None or contact.account_id != account.id:
            raise Invalid(
                f"row.contact_id: contact {contact_id!r} is not a contact of this account"
            )


def _check_row_stays(session: Session, key: str, record: dict[str, Any]) -> None:
    """A row id already stored for another account is refused: a row never changes account.

    Otherwise anyone who knows a row id could move another account's ticket, signal or disputed
    referral away, and lift a hold or a stop they may not touch.
    """
    stored_for = account_of_row(session=session, key=key, row_id=record["id"])
    if stored_for is not None and stored_for != record["account_id"]:
        raise Conflict(
            f"row.id: {record['id']!r} is already used by another account; "
            "a row cannot move between accounts (use a new id)"
        )


def _gate_only(deps: Deps, account_id: str, now: datetime) -> AccountRun | None:
    """The account's gate result now, opening nothing (a ticket or a permission arrived)."""
    with deps.session_factory() as session:
        gated = gate_now(session=session, settings=deps.settings, account_id=account_id, now=now)
    if gated is None:
        return None
    return _run(gated.report, review_id=gated.blocking_review_id, opened=False)


def review_account(
    *,
    deps: Deps,
    advocate: AdvocateGraph,
    account_id: str,
    now: datetime,
    cause: str,
    review_id: str | None = None,
) -> AccountRun | None:
    """Gate the account; a candidate without an open review gets one. None: unknown account.

    `cause` (an event id) keys the held/stopped measurement event, so a replayed event records
    nothing twice.
    """
    with deps.session_factory() as session:
        gated = gate_now(session=session, settings=deps.settings, account_id=account_id, now=now)
    if gated is None:
        return None
    report = gated.report
    if report.status != "candidate":
        _record_gate_event(deps, report, gated.snapshot.account.owner_id, now, cause)
        return _run(report, review_id=None, opened=False)
    if gated.blocking_review_id is not None:
        return _run(report, review_id=gated.blocking_review_id, opened=False)
    return _open_review(deps, advocate, report, now, review_id)


def run_queued_review(
    *, deps: Deps, advocate: AdvocateGraph, account_id: str, now: datetime, cause: str
) -> AccountRun | None:
    """An event's run as a queue job. Its review id comes from the job's arguments, so a run
    again after its worker died finds the draft that worker left: published if it paused, else
    discarded and drafted again, never left `drafting`."""
    digest = hashlib.sha256(f"{cause}|{now.isoformat()}".encode()).hexdigest()[:10]
    review_id = f"rv-{digest}-{account_id}"
    with deps.session_factory() as session:
        left = session.get(Review, review_id)
    if left is not None and left.status == "drafting":
        recover_draft(deps, advocate, left, lost=True)
    return review_account(
        deps=deps,
        advocate=advocate,
        account_id=account_id,
        now=now,
        cause=cause,
        review_id=review_id,
    )


def _open_review(
    deps: Deps,
    advocate: AdvocateGraph,
    report: GateReport,
    now: datetime,
    review_id: str | None = None,
) -> AccountRun:
    account_id = report.account_id
    review_id = review_id or f"rv-{uuid.uuid4().hex[:10]}-{account_id}"
    inputs: AdvocateState = {
        "account_id": account_id,
        "review_id": review_id,
        "now": now.isoformat(),
    }
    final = advocate.invoke(inputs, thread_config(review_id), context=deps)
    if final.get("result") == "pending":
        with transaction(deps.session_factory) as session:
            publish_reviews(session=session, review_ids=[review_id])
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
