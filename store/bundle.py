"""Row schemas of the evidence bundle (DESIGN.md section 3), one pydantic model per top-level key.

The enumerations are the domain's (domain/vocabulary.py), shared with the evidence snapshot.
Times are ISO 8601; a naive one is taken as UTC. Unknown fields are an error, like unknown
top-level keys.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import ijson  # type: ignore[import-untyped,unused-ignore]
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from domain.clock import utc
from domain.text import NulFree, in_utc, not_before_1900, not_in_the_future
from domain.vocabulary import (
    SCORE_RANGES,
    AskOutcome,
    AskType,
    Channel,
    PermissionStatus,
    ReferralStatus,
    RewardStatus,
    Scope,
    Sentiment,
    SignalKind,
    TicketCategory,
    TicketPriority,
    TicketStatus,
)

Id = Annotated[str, Field(min_length=1, max_length=64)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Short = Annotated[str, Field(max_length=200)]
Email = Annotated[str, Field(max_length=320)]
Subject = Annotated[str, Field(max_length=500)]
LongText = Annotated[str, Field(max_length=10_000)]
# A time that happened: never before 1900; with `context={"now": ...}`, not after now (+ skew).
UtcTime = Annotated[
    datetime,
    AfterValidator(in_utc),
    AfterValidator(not_before_1900),
    AfterValidator(not_in_the_future),
]
# A time that may lie ahead (an expiry).
UtcDeadline = Annotated[datetime, AfterValidator(in_utc), AfterValidator(not_before_1900)]


class _Row(NulFree):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class OwnerRow(_Row):
    id: Id
    name: Name
    email: Email | None = None
    manager_id: Id | None = Field(
        None, description="Another owner, told when this owner's work is overdue (escalations)."
    )

    @field_validator("manager_id")
    @classmethod
    def _not_own_manager(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and value == info.data.get("id"):
            raise ValueError("an owner cannot be their own manager")
        return value


class AccountRow(_Row):
    id: Id
    name: Name
    owner_id: Id
    segment: Annotated[str, Field(max_length=64)] | None = None
    industry: Annotated[str, Field(max_length=64)] | None = None
    arr: Annotated[int, Field(ge=0, le=2_000_000_000)] | None = None
    customer_since: date | None = None
    renewal_date: date | None = None
    health_score: Annotated[int, Field(ge=0, le=100)] | None = None
    sensitive: bool = False
    sensitive_reason: Subject | None = None
    do_not_contact: bool = False
    preferred_channel: Channel = "email"


class ContactRow(_Row):
    id: Id
    account_id: Id
    name: Name
    email: Email | None = None
    title: Short | None = None
    champion: bool = False


class SignalRow(_Row):
    id: Id
    account_id: Id
    contact_id: Id | None = None
    kind: SignalKind
    occurred_at: UtcTime
    source: Annotated[str, Field(max_length=64)] | None = None
    score: int | None = Field(None, validate_default=True)
    text: LongText | None = None
    public: bool | None = None
    sentiment: Sentiment | None = None
    metric: Short | None = None
    value: Short | None = None

    @field_validator("score")
    @classmethod
    def _score_in_range(cls, score: int | None, info: ValidationInfo) -> int | None:
        kind = info.data.get("kind")
        bounds = SCORE_RANGES.get(kind) if isinstance(kind, str) else None
        if score is None:
            if bounds is not None:
                raise ValueError(f"a {kind} signal needs a score")
            return None
        if bounds is not None and not bounds[0] <= score <= bounds[1]:
            raise ValueError(f"{kind} score must be between {bounds[0]} and {bounds[1]}")
        if not -(2**31) <= score < 2**31:  # the column is a 32-bit integer
            raise ValueError("score is out of range")
        return score


class TicketRow(_Row):
    id: Id
    account_id: Id
    status: TicketStatus
    priority: TicketPriority
    category: TicketCategory
    opened_at: UtcTime
    closed_at: UtcTime | None = None
    subject: Subject | None = None


class PermissionRow(_Row):
    """A consent record; without an explicit `id` a stable one is derived from its fields."""

    id: Annotated[str, Field(min_length=1, max_length=300)] | None = None
    account_id: Id
    contact_id: Id | None = None
    scope: Scope
    status: PermissionStatus
    recorded_at: UtcTime
    source: Short | None = None
    expires_at: UtcDeadline | None = None

    def stable_id(self) -> str:
        """The explicit id, or `perm:{account}:{contact or -}:{scope}:{recorded_at}:{status}`."""
        if self.id is not None:
            return self.id
        return permission_id(
            account_id=self.account_id,
            contact_id=self.contact_id,
            scope=self.scope,
            recorded_at=self.recorded_at,
            status=self.status,
        )


class AskRow(_Row):
    id: Id
    account_id: Id
    contact_id: Id | None = None
    ask_type: AskType
    asked_at: UtcTime
    outcome: AskOutcome
    incentive: Short | None = None


class ReferralRow(_Row):
    id: Id
    account_id: Id
    referred_company: Name
    submitted_at: UtcTime
    status: ReferralStatus
    attribution_disputed: bool = False
    reward: Short | None = None
    reward_status: RewardStatus | None = None


def permission_id(
    *, account_id: str, contact_id: str | None, scope: str, recorded_at: datetime, status: str
) -> str:
    """The stable id of a consent record that came without one."""
    when = utc(recorded_at).isoformat()
    return f"perm:{account_id}:{contact_id or '-'}:{scope}:{when}:{status}"


# Top-level keys in the order an import writes them (parents first, when the file allows).
ROW_MODELS: dict[str, type[_Row]] = {
    "owners": OwnerRow,
    "accounts": AccountRow,
    "contacts": ContactRow,
    "signals": SignalRow,
    "tickets": TicketRow,
    "permissions": PermissionRow,
    "asks": AskRow,
    "referrals": ReferralRow,
}
BUNDLE_KEYS: tuple[str, ...] = tuple(ROW_MODELS)

# Which fields point at which kind: (field, referenced key).
REFERENCES: dict[str, tuple[tuple[str, str], ...]] = {
    "owners": (("manager_id", "owners"),),
    "accounts": (("owner_id", "owners"),),
    "contacts": (("account_id", "accounts"),),
    "signals": (("account_id", "accounts"), ("contact_id", "contacts")),
    "tickets": (("account_id", "accounts"),),
    "permissions": (("account_id", "accounts"), ("contact_id", "contacts")),
    "asks": (("account_id", "accounts"), ("contact_id", "contacts")),
    "referrals": (("account_id", "accounts"),),
}


def to_record(row: BaseModel) -> dict[str, Any]:
    """The database row of a validated bundle row (permissions get their stable id)."""
    record = row.model_dump()
    if isinstance(row, PermissionRow):
        record["id"] = row.stable_id()
    return record


# --- reading: a JSON file or a folder of CSV files, streamed row by row --------------------------


@dataclass(frozen=True, slots=True)
class Problem:
    """A fault of the file's shape rather than of one row's fields."""

    key: str
    index: int | None
    field: str | None
    problem: str


@dataclass(frozen=True)
class BundleError:
    """One fault: its top-level key, row index and field when it has them, and what is wrong."""

    key: str
    index: int | None
    field: str | None
    problem: str

    def __str__(self) -> str:
        where = self.key
        if self.index is not None:
            where += f"[{self.index}]"
        if self.field:
            where += f".{self.field}"
        return f"{where}: {self.problem}" if where else self.problem


RawRow = tuple[str, int, Any]
"""(key, index, the row as read): a dict when the row is an object."""

_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})


def read_source(source: Path) -> Iterator[RawRow | Problem]:
    """The rows of a bundle file, or of a folder of `<key>.csv` files, in file order."""
    if source.is_dir():
        return read_csv_folder(source)
    return read_json(source)


def read_json(path: Path) -> Iterator[RawRow | Problem]:
    """Stream the rows of a JSON bundle: never more than one row in memory."""
    with path.open("rb") as handle:
        yield from _rows_from_events(ijson.basic_parse(handle, use_float=True, buf_size=256 * 1024))


def _nested(first: str, events: Iterator[tuple[str, Any]]) -> Any:
    """The value of a nested container whose opening event was `first`."""
    builder = ijson.ObjectBuilder()
    builder.event(first, None)
    depth = 1
    for event, value in events:
        builder.event(event, value)
        if event in _OPEN:
            depth += 1
        elif event in _CLOSE:
            depth -= 1
            if depth == 0:
                break
    return builder.value


def _rows_from_events(events: Iterable[tuple[str, Any]]) -> Iterator[RawRow | Problem]:
    stream = iter(events)
    first = next(stream, ("end", None))
    if first[0] != "start_map":
        yield Problem("", None, None, "the bundle must be a JSON object of lists")
        return
    key = ""
    for event, value in stream:
        if event == "map_key":
            key = value
        elif event == "start_array":
            yield from _rows_of_array(key, stream)
        elif event == "end_map":
            return
        else:
            if event in _OPEN:
                _nested(event, stream)
            yield Problem(key, None, None, "must be a list of rows")


def _rows_of_array(key: str, stream: Iterator[tuple[str, Any]]) -> Iterator[RawRow]:
    index = 0
    for event, value in stream:
        if event == "start_map":
            yield key, index, _row_of_map(stream)
        elif event == "end_array":
            return
        elif event in _OPEN:
            yield key, index, _nested(event, stream)
        else:
            yield key, index, value
        index += 1  # noqa: SIM113 - the nested readers consume events of the same stream


def _row_of_map(stream: Iterator[tuple[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    field = ""
    for event, value in stream:
        if event == "map_key":
            field = value
        elif event == "end_map":
            return row
        elif event in _OPEN:
            row[field] = _nested(event, stream)
        else:
            row[field] = value
    return row


def read_csv_folder(folder: Path) -> Iterator[RawRow | Problem]:
    """Rows of `<key>.csv` files (each optional); an empty cell is null, an unknown column wrong."""
    files = sorted(folder.glob("*.csv"), key=_csv_order)
    for path in files:
        key = path.stem
        if key not in ROW_MODELS:
            yield Problem(key, None, None, "unknown top-level key")
            continue
        yield from _read_csv(key, path)


def _csv_order(path: Path) -> tuple[int, str]:
    known = path.stem in ROW_MODELS
    return (BUNDLE_KEYS.index(path.stem) if known else len(BUNDLE_KEYS), path.stem)


def _read_csv(key: str, path: Path) -> Iterator[RawRow | Problem]:
    fields = ROW_MODELS[key].model_fields
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or ())
        for column in columns:
            if column not in fields:
                yield Problem(key, None, column, "unknown column")
        known = [column for column in columns if column in fields]
        for index, row in enumerate(reader):
            if None in row:
                yield Problem(key, index, None, "more cells than columns")
            yield key, index, {name: row[name] for name in known if row[name] not in ("", None)}
