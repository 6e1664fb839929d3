"""A program's capacity at the owner's approval: lock the programs the ask may count against,
count what they approved this period, and find the one with room (domain/capacity.py).

Runs inside the approval's own transaction (agent/apply.py), so the check and the approved
ask's event commit together: two approvals racing for the last slot take turns on the
program's row, and the second counts the first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from agent.programs import counted_asks
from domain.capacity import ApprovalCapacity, approval_capacity, counting_candidates
from store import programs as store
from store.models import Review


def capacity_at_approval(
    session: Session, review: Review, ask: dict[str, Any], now: datetime
) -> ApprovalCapacity:
    """The program the approved `ask` counts against, or why none it may count against has
    room this period (a named program that no longer exists counts as before: no check)."""
    payload = review.payload
    chosen = ask.get("program_id") or payload.get("program_id")
    wanted = [chosen] if chosen else list(payload.get("programs") or [])
    store.lock_programs(session=session, program_ids=wanted)
    programs = {p.id: p for p in store.programs(session=session) if p.id in wanted}
    ids = counting_candidates(programs, wanted, ask["ask_type"], chosen)
    if chosen and chosen not in programs:
        return ApprovalCapacity(chosen)
    candidates = [programs[i] for i in ids]
    counted = counted_asks(session=session, now=now) if candidates else {}
    contact = (payload.get("contact") or {}).get("id")
    return approval_capacity(
        candidates, counted, ask_type=ask["ask_type"], contact_id=contact, now=now
    )
