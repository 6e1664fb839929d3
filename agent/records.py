"""Measurement events, owner tasks, ask history and audit rows: every write keyed for replays.

Nodes after an interrupt may run again; each row's id is derived from the review (or scan) and
the step, so a replay writes nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from store.models import Ask, AuditEntry, MeasurementEvent, OwnerTask
from store.writes import insert_or_ignore


def record_events(session: Session, rows: list[dict[str, Any]]) -> None:
    insert_or_ignore(session, MeasurementEvent, rows)


def record_owner_task(
    session: Session,
    *,
    review_id: str,
    owner_id: str,
    account_id: str,
    contact_id: str | None,
    ask_type: str,
    channel: str,
    subject: str | None,
    body: str,
    at: datetime,
    send_by: datetime,
) -> None:
    """The owner's to-do: send the approved ask. Nothing reaches the customer without their
    click (they send it themselves, or click Send)."""
    row = {
        "id": f"task:{review_id}",
        "review_id": review_id,
        "owner_id": owner_id,
        "account_id": account_id,
        "contact_id": contact_id,
        "send_by": send_by,
        "ask_type": ask_type,
        "channel": channel,
        "subject": subject,
        "body": body,
        "created_at": at,
        "status": "open",
    }
    insert_or_ignore(session, OwnerTask, [row])


def record_pending_ask(
    session: Session,
    *,
    review_id: str,
    account_id: str,
    contact_id: str | None,
    ask_type: str,
    at: datetime,
) -> None:
    """The ask enters the history as pending, so the frequency rules see it from now on."""
    row = {
        "id": f"ask:{review_id}",
        "account_id": account_id,
        "contact_id": contact_id,
        "ask_type": ask_type,
        "asked_at": at,
        "outcome": "pending",
        "incentive": None,
        "review_id": review_id,
    }
    insert_or_ignore(session, Ask, [row])


def record_audit(
    session: Session,
    *,
    entry_id: str,
    review_id: str,
    actor: str,
    action: str,
    at: datetime,
    changes: dict[str, Any],
) -> None:
    row = {
        "id": entry_id,
        "review_id": review_id,
        "actor": actor,
        "action": action,
        "at": at,
        "changes": changes,
    }
    insert_or_ignore(session, AuditEntry, [row])


def record_refusal(
    session: Session,
    *,
    review_id: str,
    actor: str,
    action: str,
    at: datetime,
    changes: dict[str, Any],
) -> None:
    """An audit row for a decision the gates or a program's capacity refused: one per attempt
    (a refused decision may be tried again), so its id carries a random part."""
    record_audit(
        session,
        entry_id=f"audit:{review_id}:refused:{uuid.uuid4().hex[:8]}",
        review_id=review_id,
        actor=actor,
        action=f"{action}_refused",
        at=at,
        changes=changes,
    )
