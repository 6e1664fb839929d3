"""The ask's life in figures (issue: the funnel after approval): sent, responded, accepted,
completed, overdue tasks, escalations, and the hours between trigger, approval, send and
response (median and p90), overall and per owner."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

ANSWERS = ("accepted", "declined")


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (share 0.5: the median); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(math.ceil(share * len(ordered)), 1)
    return round(ordered[rank - 1], 2)


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start) / timedelta(hours=1)


def _spread(values: list[float | None]) -> dict[str, Any]:
    present = [v for v in values if v is not None]
    return {"median": percentile(present, 0.5), "p90": percentile(present, 0.9), "n": len(present)}


def ask_life(rows: Sequence[Any], escalations: int, now: datetime) -> dict[str, Any]:
    """The figures of one group of approved asks (one owner's, or everyone's)."""
    return {
        "asks_sent": sum(1 for r in rows if r.sent_at is not None),
        "asks_responded": sum(1 for r in rows if r.response in ANSWERS),
        "asks_accepted": sum(1 for r in rows if r.response == "accepted"),
        "asks_completed": sum(1 for r in rows if r.outcome == "completed"),
        "overdue_tasks": sum(
            1 for r in rows if r.status == "open" and r.send_by is not None and r.send_by < now
        ),
        "escalations": escalations,
        "hours_trigger_to_approval": _spread([_hours(r.trigger_at, r.approved_at) for r in rows]),
        "hours_approval_to_send": _spread([_hours(r.approved_at, r.sent_at) for r in rows]),
        "hours_send_to_response": _spread(
            [_hours(r.sent_at, r.responded_at) for r in rows if r.response in ANSWERS]
        ),
    }


def ask_life_by_owner(
    rows: Sequence[Any], escalations: dict[str, int], now: datetime
) -> dict[str, Any]:
    """`ask_life` overall, plus `by_owner`: the same figures per owner."""
    groups: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        groups[row.owner_id].append(row)
    owners = sorted(set(groups) | set(escalations))
    return {
        **ask_life(rows, sum(escalations.values()), now),
        "by_owner": {
            owner: ask_life(groups.get(owner, []), escalations.get(owner, 0), now)
            for owner in owners
        },
    }
