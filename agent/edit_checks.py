"""The owner's edit gets the draft's text checks (domain/checks.check_text), and a new ask type
needs the owner's own text (the draft's words were written for the recommended type).

The review payload keeps the evidence the draft was written from as a list of dicts; the snapshot
is rebuilt from it, so every check runs, the evidence-dependent ones included (quotes, numbers,
names, ticket subjects). A payload that no longer parses (an older shape) is checked against the
account alone: the evidence-dependent checks then treat every quote, number and name as unknown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError

from checkpoints.schemas import Decision
from domain.checks import check_text
from domain.report import GateReport
from domain.snapshot import (
    AccountProfile,
    AskItem,
    ContactItem,
    EvidenceSnapshot,
    PermissionItem,
    ReferralItem,
    SignalItem,
    TicketItem,
)

# Which group an evidence dict belongs to, by a field only that item type has: its "source" key
# is not reliable (signals and permissions have a `source` field of their own that replaces it).
_GROUPS: tuple[tuple[str, str, type[Any]], ...] = (
    ("kind", "signals", SignalItem),
    ("priority", "tickets", TicketItem),
    ("scope", "permissions", PermissionItem),
    ("asked_at", "asks", AskItem),
    ("referred_company", "referrals", ReferralItem),
    ("name", "contacts", ContactItem),
)


def _item(data: dict[str, Any]) -> tuple[str, Any]:
    _, group, model = next(row for row in _GROUPS if row[0] in data)
    fields = {key: value for key, value in data.items() if key in model.model_fields}
    return group, model.model_validate(fields)


def snapshot_of(payload: dict[str, Any], *, as_of: datetime) -> EvidenceSnapshot:
    """The evidence snapshot of a review payload (see agent/payload.py evidence_list)."""
    account = payload.get("account") or {}
    try:
        groups: dict[str, list[Any]] = {row[1]: [] for row in _GROUPS}
        for data in payload.get("evidence", []):
            group, item = _item(data)
            groups[group].append(item)
        return EvidenceSnapshot(
            as_of=as_of,
            account=AccountProfile.model_validate(account),
            **{group: tuple(items) for group, items in groups.items()},
        )
    except (ValidationError, StopIteration, TypeError, AttributeError):
        name, owner = str(account.get("name", "")), str(account.get("owner_id", ""))
        profile = AccountProfile(id=str(account.get("id", "")), name=name, owner_id=owner)
        return EvidenceSnapshot(as_of=as_of, account=profile)


def _report(payload: dict[str, Any]) -> GateReport | None:
    try:
        return GateReport.model_validate(payload.get("gate_report") or {})
    except ValidationError:
        return None


def edit_problems(payload: dict[str, Any], decision: Decision, *, as_of: datetime) -> list[str]:
    """Problems with the text an `edit` would send (edited subject and body over the draft's);
    none for other actions or for an edit of the ask type alone."""
    if decision.action != "edit" or (decision.subject is None and decision.body is None):
        return []
    draft = payload.get("draft") or {}
    subject = decision.subject if decision.subject is not None else draft.get("subject")
    body = decision.body if decision.body is not None else draft.get("body")
    snapshot = snapshot_of(payload, as_of=as_of)
    return check_text(subject or "", body or "", snapshot, _report(payload))


def new_text_needed(payload: dict[str, Any], decision: Decision) -> str | None:
    """Why an edit to another ask type cannot go out yet, or None: without a new body (or with
    the draft's body again) the ask would keep the old type's wording."""
    recommended = payload.get("recommended_ask_type")
    if decision.action != "edit" or decision.ask_type in (None, recommended):
        return None
    drafted = str((payload.get("draft") or {}).get("body") or "")
    if decision.body is not None and decision.body.split() != drafted.split():
        return None
    return (
        f"ask_type: the draft was written for a {recommended} ask; changing it to"
        f" {decision.ask_type} needs your new text for a {decision.ask_type} ask: give a new"
        f" body (and subject), or keep {recommended}"
    )
