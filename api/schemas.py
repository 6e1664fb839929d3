"""Request and response bodies of the HTTP API; their examples feed the OpenAPI page."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from agent.usecases.results import ScanOut, ScanStatus
from checkpoints.schemas import TEXT_LIMIT, Action
from domain.text import NulFree, in_utc
from domain.vocabulary import OutcomeKind, TaskResponse
from store.bundle import PermissionRow, ReferralRow, SignalRow, TicketRow

Id = Annotated[str, Field(min_length=1, max_length=64)]
ReviewId = Annotated[str, Field(min_length=1, max_length=200)]


# A time of the API's own: it must carry a zone, and fit the years 1-9999 in UTC.
ZonedTime = Annotated[AwareDatetime, AfterValidator(in_utc)]


class _Body(NulFree):
    model_config = ConfigDict(extra="forbid")


# --- scans --------------------------------------------------------------------------------------


class ScanRequest(_Body):
    """What to scan: every account by default; narrow it by segment, ids and a maximum count."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"segment": "smb", "limit": 500},
                {"industry": "healthcare", "arr_min": 20000},
                {"account_ids": ["acc-001"]},
            ]
        },
    )
    segment: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="Any case; an unknown one is a 422 listing the known segments."
    )
    industry: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None, description="Any case; an unknown one is a 422 listing the known industries."
    )
    owner: Id | None = Field(None, description="Only this owner's accounts.")
    arr_min: Annotated[int, Field(ge=0)] | None = Field(None, description="ARR at least this.")
    arr_max: Annotated[int, Field(ge=0)] | None = Field(None, description="ARR at most this.")
    account_ids: Annotated[list[Id], Field(max_length=1000)] | None = None
    limit: Annotated[int, Field(ge=1, le=1_000_000)] | None = Field(
        None,
        description="Scan at most this many accounts, the most promising first: the most"
        " recent positive signal in the trigger window first, value proof before none on the"
        " same moment, then by account id; accounts with no recent trigger last.",
    )
    now: ZonedTime | None = Field(
        None, description="Evaluate as of this time (backfills, tests); default: now."
    )
    program: Annotated[str, Field(min_length=1, max_length=64)] | None = Field(
        None,
        description="Only this program's eligible accounts and ask types (unknown: 422).",
    )


class ScanAccepted(BaseModel):
    scan_id: str
    status: ScanStatus
    href: str
    workers: int | None = Field(None, description=ScanOut.model_fields["workers"].description)


class ScanList(BaseModel):
    items: list[ScanOut]


# --- candidates -----------------------------------------------------------------------------------


# --- reviews --------------------------------------------------------------------------------------


class DecisionBody(_Body):
    """The owner's decision (DESIGN.md section 5) without `by`: the caller decides."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [
                {"action": "approve"},
                {"action": "approve", "incentive": "donation-25"},
                {"action": "edit", "subject": "A quick favour?", "body": "Hi Lee, ..."},
                {"action": "reject", "reason": "mid-renewal negotiation"},
                {"action": "defer", "until": "2027-01-15T00:00:00Z"},
            ]
        },
    )
    action: Action
    ask_type: Annotated[str, Field(max_length=32)] | None = None
    subject: Annotated[str, Field(max_length=300)] | None = None
    body: Annotated[str, Field(min_length=1, max_length=TEXT_LIMIT)] | None = None
    reason: Annotated[str, Field(max_length=1_000)] | None = None
    until: ZonedTime | None = None
    accept_problems: bool | None = Field(
        None, description="edit: apply it although the checks found problems in the text."
    )
    incentive: Annotated[str, Field(max_length=64)] | None = Field(
        None,
        description="approve/edit: an incentive a program the account fits allows (its id); "
        "the ask carries its description and disclosure, and the rewards ledger gets a row.",
    )


# --- events ---------------------------------------------------------------------------------------


class SignalEvent(_Body):
    kind: Literal["signal"]
    row: SignalRow


class TicketEvent(_Body):
    kind: Literal["ticket"]
    row: TicketRow


class ReferralEvent(_Body):
    kind: Literal["referral"]
    row: ReferralRow


class PermissionEvent(_Body):
    kind: Literal["permission"]
    row: PermissionRow


EVENT_EXAMPLES = [
    {
        "kind": "signal",
        "row": {
            "id": "s-77",
            "account_id": "acc-001",
            "contact_id": "c-1",
            "kind": "nps",
            "occurred_at": "2026-11-26T10:00:00Z",
            "score": 10,
            "text": "Love it",
        },
    },
    {
        "kind": "ticket",
        "row": {
            "id": "t-77",
            "account_id": "acc-001",
            "status": "open",
            "priority": "urgent",
            "category": "support",
            "opened_at": "2026-11-26T10:00:00Z",
            "subject": "Outage",
        },
    },
]
EventBody = Annotated[
    SignalEvent | TicketEvent | ReferralEvent | PermissionEvent,
    Field(discriminator="kind", json_schema_extra={"examples": EVENT_EXAMPLES}),
]


# --- outcomes -------------------------------------------------------------------------------------


class OutcomeBody(_Body):
    """A measured outcome of a review's ask; replays with the same outcome id count once."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"kind": "participation", "review_id": "rv-3f2a-acc-001", "outcome_id": "o-1"},
                {
                    "kind": "permission_granted",
                    "review_id": "rv-3f2a-acc-001",
                    "permission": {
                        "account_id": "acc-001",
                        "contact_id": "c-1",
                        "scope": "case_study",
                        "status": "granted",
                        "recorded_at": "2026-11-28T09:00:00Z",
                        "source": "signed release",
                    },
                },
            ]
        },
    )
    kind: OutcomeKind
    review_id: ReviewId | None = Field(
        None, description="The approved review the outcome belongs to (or give its `task_id`)."
    )
    task_id: Annotated[str, Field(min_length=1, max_length=220)] | None = Field(
        None, description="The task of the approved ask, instead of `review_id`."
    )
    outcome_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="Your id for this outcome (else the Idempotency-Key header is used)."
    )
    occurred_at: ZonedTime | None = None
    note: Annotated[str, Field(max_length=2_000)] | None = None
    amount: Annotated[int, Field(ge=0, le=10**12)] | None = Field(
        None, description="referral_converted only: the pipeline or revenue it brought."
    )
    permission: PermissionRow | None = Field(
        None, description="permission_granted: the consent record, as in the import."
    )

    @model_validator(mode="after")
    def _names_one_ask(self) -> OutcomeBody:
        if (self.review_id is None) == (self.task_id is None):
            raise ValueError("give exactly one of review_id and task_id")
        return self


# --- users ----------------------------------------------------------------------------------------


class UserBody(_Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"id": "u-ana", "role": "owner"}]}
    )
    id: Id
    role: Literal["owner", "marketing", "admin"]


class UserOut(BaseModel):
    id: str
    role: str
    created_at: datetime
    revoked_at: datetime | None


class NewUserOut(UserOut):
    token: str = Field(description="The bearer token, shown this once; only its hash is kept.")


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: bool


class ErrorOut(BaseModel):
    """Every error: a readable `detail`; 422 adds `errors` (field paths), a refusal `reasons`."""

    model_config = ConfigDict(extra="allow")
    detail: str


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Missing, unknown or revoked bearer token."},
    403: {"model": ErrorOut, "description": "The caller's role may not use this route."},
    404: {"model": ErrorOut, "description": "No such object, or another owner's."},
    409: {"model": ErrorOut, "description": "Conflict: already decided, or gates now failing."},
    413: {"model": ErrorOut, "description": "Request body over 256 KiB."},
    422: {"model": ErrorOut, "description": "Invalid input; `errors` lists the field paths."},
    500: {"model": ErrorOut, "description": "Internal error; `request_id` finds it in the log."},
}


# --- tasks ----------------------------------------------------------------------------------------


class TaskSentBody(_Body):
    """The owner sent the ask themselves (mail client, phone)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})
    at: ZonedTime | None = Field(None, description="When it was sent; default: now.")


class TaskResponseBody(_Body):
    """The customer's answer to the sent ask."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"response": "accepted", "note": "Happy to talk to a prospect in January."},
                {"response": "declined"},
            ]
        },
    )
    response: TaskResponse
    at: ZonedTime | None = Field(None, description="When they answered; default: now.")
    note: Annotated[str, Field(max_length=2_000)] | None = None
