"""Text and time every input must satisfy before it reaches the rules or the database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationInfo, field_validator

from domain.clock import utc

NUL = "\x00"
# For string parameters of routes: anything but a NUL character.
NO_NUL_PATTERN = r"^[^\x00]*$"
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
FUTURE_SKEW = timedelta(days=1)


def without_nul(value: Any) -> Any:
    """The value, when no string inside it holds a NUL character (PostgreSQL refuses them)."""
    if isinstance(value, str):
        if NUL in value:
            raise ValueError("must not contain a NUL character")
    elif isinstance(value, list | tuple | set):
        for item in value:
            without_nul(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            without_nul(key)
            without_nul(item)
    return value


class NulFree(BaseModel):
    """A model whose every string field, however nested, is free of NUL characters."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        return without_nul(value)


def in_utc(moment: datetime) -> datetime:
    """The moment in UTC (naive: taken as UTC); one UTC cannot hold is a validation error."""
    try:
        return utc(moment)
    except OverflowError:
        raise ValueError("is outside the years 1 to 9999 once in UTC") from None


def not_before_1900(moment: datetime) -> datetime:
    if moment < EARLIEST:
        raise ValueError("is before 1900: not a plausible time")
    return moment


def not_in_the_future(moment: datetime, info: ValidationInfo) -> datetime:
    """When the caller passes `context={"now": ...}`: at most a day after it (clock skew)."""
    now = (info.context or {}).get("now") if isinstance(info.context, dict) else None
    if isinstance(now, datetime) and moment > now + FUTURE_SKEW:
        raise ValueError(f"is in the future (after {now.date().isoformat()}): not yet happened")
    return moment
