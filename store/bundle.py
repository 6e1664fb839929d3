"""Row schemas of the evidence bundle (DESIGN.md section 3), one pydantic model per top-level key.

The enumerations are the domain's (domain/vocabulary.py), shared with the evidence snapshot.
Times are ISO 8601; a naive one is taken as UTC. Unknown fields are an error, like unknown
top-level keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from domain.clock import utc
from domain.programs import Program
from domain.text import NulFree, in_utc, not_before_1900, not_in_the_future
from domain.vocabulary import (
    SCORE_RANGES,
    AskKind,
    AskOutcome,
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
    ask_type: AskKind
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


class PreferenceRow(_Row):
    """The owner's record of how a contact wants to be asked (the gates read it); importing
    one replaces the contact's preferences, audited like an edit (actor `import`)."""

    contact_id: Id
    avoid_ask_types: list[AskKind] = Field(
        default_factory=list, description="Never proposed for this contact (CSV: `a;b`)."
    )
    max_asks_per_year: int | None = Field(None, ge=0, le=52)
    unavailable_until: UtcDeadline | None = None
    preferred_channel: Channel | None = None

    @field_validator("avoid_ask_types", mode="before")
    @classmethod
    def _csv_cell(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.replace(",", ";").split(";") if part.strip()]
        return value

    @field_validator("avoid_ask_types")
    @classmethod
    def _once_each(cls, value: list[AskKind]) -> list[AskKind]:
        return sorted(set(value))


class ProgramRow(Program, _Row):
    """A program (domain/programs.py); stored whole as its `spec`, with its id and name."""


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
    "programs": ProgramRow,
    "preferences": PreferenceRow,
}
BUNDLE_KEYS: tuple[str, ...] = tuple(ROW_MODELS)

# The table of each key whose table is named otherwise.
TABLE_OF: dict[str, str] = {"preferences": "advocate_preferences"}

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
    "programs": (),
    "preferences": (("contact_id", "contacts"),),
}


def to_record(row: BaseModel) -> dict[str, Any]:
    """The database row of a validated bundle row (permissions get their stable id; a program
    is kept whole as its `spec`)."""
    if isinstance(row, Program):
        return {"id": row.id, "name": row.name, "spec": row.model_dump(mode="json")}
    record = row.model_dump()
    if isinstance(row, PermissionRow):
        record["id"] = row.stable_id()
    if isinstance(row, PreferenceRow):
        record["id"] = row.contact_id  # one row per contact: a second one is a duplicate
    return record


def record_columns(key: str) -> list[str]:
    """The table columns `to_record` fills for a bundle key."""
    if key == "programs":
        return ["id", "name", "spec"]
    return list(ROW_MODELS[key].model_fields)


# --- faults: of the file's shape, or of one row (store/bundle_read.py reads the rows) -------


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
