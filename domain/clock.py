"""Time as the rules see it: aware UTC datetimes, and the clock that callers inject."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""What use-cases and nodes read the time from; tests and evals pass a fixed one."""


def utc_now() -> datetime:
    """The real clock: built into the composition roots, never read inside a rule."""
    return datetime.now(UTC)


def utc(value: datetime) -> datetime:
    """An aware datetime in UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
