"""What the use-cases answer: plain, JSON-able read models (the API serves them as they are)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

from domain.vocabulary import NotificationKind, OutcomeKind, TaskResponse, TaskStatus
from domain.vocabulary import Status as GateStatus

ScanStatus = Literal["queued", "running", "done", "failed", "interrupted"]
ScanPhase = Literal["gating", "drafting", "done"]


class CodeLabel(BaseModel):
    label: str
    explanation: str


class Labelled(BaseModel):
    """An answer that may carry `labels` (asked with `?labels=true`); absent otherwise."""

    labels: dict[str, CodeLabel] | None = Field(
        default=None,
        description="Only with ?labels=true: each code in this answer (reason, flag, status, "
        "ask type) -> its label and a one-line explanation, as the page shows them.",
    )

    @model_serializer(mode="wrap")
    def _labels_only_when_asked(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        if isinstance(data, dict) and data.get("labels") is None:
            data.pop("labels", None)
        return data


class ScanOut(BaseModel):
    scan_id: str
    status: ScanStatus
    as_of: datetime
    started_at: datetime
    finished_at: datetime | None
    filters: dict[str, Any]
    counts: dict[str, int] = Field(
        description="Per gate status, and for the candidates: reviews_opened,"
        " reviews_already_open (before or by an overlapping scan) and reviews_not_opened"
        " (changed before their draft); the three add up to `candidate`."
    )
    phase: ScanPhase | None = Field(None, description="gating, then drafting, then done.")
    progress: dict[str, int] = Field(
        description="{processed, total}: accounts gated so far; {drafted, to_draft}: candidates"
        " drafted so far (drafting starts once gating is done)."
    )
    error: str | None
    workers: int | None = Field(
        None,
        description="On the PostgreSQL job queue: the `advocacy worker` processes heard from within"
        " ADVOCACY_STALLED_JOB_SECONDS; a queued scan waits while it is 0. null where scans run"
        " in the process that starts them (SQLite).",
    )


class CandidateOut(BaseModel):
    """One account's latest gate result, with what a campaign needs to act on it."""

    scan_id: str
    account_id: str
    owner_id: str
    status: GateStatus
    reasons: list[str]
    flags: list[str]
    eligible_ask_types: list[str]
    ask_type: str | None = Field(description="The recommended ask type.")
    review_id: str | None
    scanned_at: datetime | None = Field(None, description="The scan's as-of time.")
    account_name: str | None = None
    segment: str | None = None
    industry: str | None = None
    arr: int | None = None
    owner_name: str | None = None
    contact_id: str | None = Field(None, description="Whom the ask would go to.")
    contact_name: str | None = None
    contact_title: str | None = None
    contact_email: str | None = Field(
        None, description="Only for the account's owner and admins; null for marketing."
    )
    trigger_kind: str | None = None
    trigger_at: datetime | None = None
    trigger: str | None = Field(None, description="The trigger in words, with its date.")
    permission_status: str | None = Field(
        None,
        description="Consent for the recommended type's scope: granted, denied, revoked,"
        " expired, unknown, unclear, or not_needed (referral, private feedback).",
    )
    granted_scopes: list[str] = Field(
        default_factory=list, description="Every scope granted and unexpired at the scan."
    )
    review_status: str | None = None
    review_age_days: int | None = Field(None, description="Days since the review opened.")
    programs: list[str] = Field(default_factory=list, description="The programs it fits.")


class CandidatePage(Labelled):
    scan_id: str | None
    items: list[CandidateOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null: done.")


class ReviewSummary(BaseModel):
    review_id: str
    account_id: str
    owner_id: str
    ask_type: str
    flags: list[str]
    trigger_at: datetime
    created_at: datetime


class ReviewPage(Labelled):
    items: list[ReviewSummary]
    next_cursor: str | None


class ReviewOut(Labelled):
    """The whole checkpoint payload (DESIGN.md section 5) plus status, decision and refusal."""

    model_config = ConfigDict(extra="allow")
    review_id: str
    status: str
    decision: dict[str, Any] | None
    refusal: dict[str, Any] | None


class DecisionOut(BaseModel):
    review_id: str
    status: str
    decided_by: str | None
    decided_at: datetime | None
    decision: dict[str, Any] | None


class GateResult(BaseModel):
    account_id: str
    status: GateStatus
    reasons: list[str]
    flags: list[str]
    ask_type: str | None


class EventOut(BaseModel):
    kind: str
    id: str
    triggered: bool = Field(description="The row could trigger, so the account was reviewed now.")
    gate: GateResult
    review_id: str | None
    opened: bool
    queued: bool = Field(
        False,
        description="The account's run was queued for a worker (PostgreSQL job queue): its "
        "review, if any, comes shortly; `opened` is then false.",
    )


class OutcomeOut(BaseModel):
    event_id: str
    kind: OutcomeKind
    review_id: str
    recorded: bool = Field(description="False when this outcome was recorded before (a replay).")


class TaskOut(BaseModel):
    """An owner's task after an approval: send the ask, then record the customer's answer."""

    task_id: str
    review_id: str
    account_id: str
    account_name: str | None = None
    contact_id: str | None
    contact_name: str | None = None
    contact_email: str | None = None
    owner_id: str
    ask_type: str
    channel: str
    status: TaskStatus
    overdue: bool = Field(description="Open and past its send-by.")
    send_by: datetime | None
    sent_at: datetime | None
    sent_by: str | None = None
    message_id: str | None = Field(None, description="Set when the product sent it over SMTP.")
    response: TaskResponse | None = None
    responded_at: datetime | None = None
    closed_at: datetime | None = None
    subject: str | None
    body: str
    mailto: str | None = Field(None, description="Opens the ask in the owner's mail client.")


class NotificationOut(BaseModel):
    notification_id: str
    recipient_id: str
    kind: NotificationKind
    task_id: str | None
    review_id: str | None
    owner_id: str = Field(description="The owner whose work is overdue.")
    account_id: str
    number: int = Field(description="Which step of the chase: 1, 2, ... (the last: escalation).")
    text: str
    created_at: datetime
    delivered: bool
    delivered_at: datetime | None
    channels: list[str] = Field(description="Where it was delivered: email, webhook.")
    attempts: int
    last_error: str | None
    read: bool


class TickOut(BaseModel):
    """What one run of the timers did (each due step once, however many run at once)."""

    reminders: int
    escalations: int
    closed_no_response: int
    woken: int
    delivered: int = Field(0, description="Notifications delivered by email or webhook now.")
    delivery_failures: int = Field(0, description="Deliveries that failed; retried later.")
    drafts_published: int = Field(
        0, description="Drafted reviews whose thread had paused, joining the queue now."
    )
