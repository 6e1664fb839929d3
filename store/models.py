"""Typed SQLAlchemy 2 models: the evidence (DESIGN.md section 3) and the workflow records.

Foreign keys are DEFERRABLE INITIALLY DEFERRED so that one import transaction may write rows in
the order the bundle lists them; references are checked when it commits (and by the import first,
to name the offending row).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.base import Base as Base
from store.base import Json as Json
from store.base import _fk
from store.types import UTCDateTime


class Owner(Base):
    __tablename__ = "owners"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    # Another owner who is told when this owner's work is overdue (escalations); none: admins.
    manager_id: Mapped[str | None] = mapped_column(_fk("owners.id"))


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[str] = mapped_column(_fk("owners.id"), index=True)
    segment: Mapped[str | None] = mapped_column(String(64), index=True)
    industry: Mapped[str | None] = mapped_column(String(64))
    arr: Mapped[int | None] = mapped_column(Integer)
    customer_since: Mapped[date | None] = mapped_column(Date)
    renewal_date: Mapped[date | None] = mapped_column(Date)
    health_score: Mapped[int | None] = mapped_column(Integer)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    sensitive_reason: Mapped[str | None] = mapped_column(String(500))
    do_not_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    preferred_channel: Mapped[str] = mapped_column(String(16), default="email")
    # Bumped by database triggers on every change of the account's evidence (migration 0010).
    evidence_version: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class Contact(Base):
    __tablename__ = "contacts"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    title: Mapped[str | None] = mapped_column(String(200))
    champion: Mapped[bool] = mapped_column(Boolean, default=False)


class Signal(Base):
    __tablename__ = "signals"
    __table_args__ = (
        Index("ix_signals_account_time", "account_id", "occurred_at"),
        Index("ix_signals_time", "occurred_at"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"))
    contact_id: Mapped[str | None] = mapped_column(_fk("contacts.id"))
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool | None] = mapped_column(Boolean)
    sentiment: Mapped[str | None] = mapped_column(String(16))
    metric: Mapped[str | None] = mapped_column(String(200))
    value: Mapped[str | None] = mapped_column(String(200))


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_account_time", "account_id", "opened_at"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"))
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(16))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    subject: Mapped[str | None] = mapped_column(String(500))


class Permission(Base):
    """A consent record. The bundle gives no id: a stable one is derived from its fields."""

    __tablename__ = "permissions"
    __table_args__ = (
        Index("ix_permissions_account_scope_time", "account_id", "scope", "recorded_at"),
    )
    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"))
    contact_id: Mapped[str | None] = mapped_column(_fk("contacts.id"))
    scope: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Ask(Base):
    __tablename__ = "asks"
    __table_args__ = (
        Index("ix_asks_account_time", "account_id", "asked_at"),
        # A person's history: the advocate profile and the reference finder (issue 12).
        Index("ix_asks_contact_time", "contact_id", "asked_at"),
    )
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"))
    contact_id: Mapped[str | None] = mapped_column(_fk("contacts.id"))
    ask_type: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(16))
    incentive: Mapped[str | None] = mapped_column(String(200))
    review_id: Mapped[str | None] = mapped_column(String(200))


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (Index("ix_referrals_account_time", "account_id", "submitted_at"),)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"))
    referred_company: Mapped[str] = mapped_column(String(200))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))
    attribution_disputed: Mapped[bool] = mapped_column(Boolean, default=False)
    reward: Mapped[str | None] = mapped_column(String(200))
    reward_status: Mapped[str | None] = mapped_column(String(16))


class AdvocatePreference(Base):
    """How a contact wants to be asked, as their account owner recorded it (issue 12): the
    gates read it (domain/journeys.py). One row per contact; edits are kept in
    `advocate_preference_changes`."""

    __tablename__ = "advocate_preferences"
    contact_id: Mapped[str] = mapped_column(_fk("contacts.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"), index=True)
    avoid_ask_types: Mapped[list[str]] = mapped_column(Json, default=list)
    max_asks_per_year: Mapped[int | None] = mapped_column(Integer)
    unavailable_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))


class PreferenceChange(Base):
    """The audit of an edit to a contact's preferences: who, when, each field's old and new."""

    __tablename__ = "advocate_preference_changes"
    __table_args__ = (Index("ix_preference_changes_contact_time", "contact_id", "at"),)
    # `<contact id>:<number>`: the contact's edits in order, and two at once cannot both land.
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    contact_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    changes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


# --- workflow records -------------------------------------------------------------------------


class Scan(Base):
    __tablename__ = "scans"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))  # queued|running|done|failed|interrupted
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    filters: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    counts: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    error: Mapped[str | None] = mapped_column(Text)
    # gating -> drafting -> done; `drafted` of `to_draft` candidates while drafting (issue 17).
    phase: Mapped[str | None] = mapped_column(String(16))
    to_draft: Mapped[int] = mapped_column(Integer, default=0)
    drafted: Mapped[int] = mapped_column(Integer, default=0)
    # The process running it (host:pid:start), so a restart can tell a dead run from a live one.
    runner: Mapped[str | None] = mapped_column(String(200))
    # What the gates ran with (policy and evidence limit, hashed): a re-scan reuses only the
    # results of a scan gated the same way (migration 0010).
    gated_with: Mapped[str | None] = mapped_column(String(64))
    # The scan whose unchanged results this one reuses, chosen once when it is planned, so that
    # every batch reuses the same one (migration 0009); None: every account is gated.
    base_scan_id: Mapped[str | None] = mapped_column(String(64))


class ScanResult(Base):
    __tablename__ = "scan_results"
    __table_args__ = (Index("ix_scan_results_scan_status", "scan_id", "status"),)
    scan_id: Mapped[str] = mapped_column(_fk("scans.id"), primary_key=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(Json, default=list)
    flags: Mapped[list[str]] = mapped_column(Json, default=list)
    eligible_ask_types: Mapped[list[str]] = mapped_column(Json, default=list)
    ask_type: Mapped[str | None] = mapped_column(String(32))
    review_id: Mapped[str | None] = mapped_column(String(200))
    # What the candidate list shows, as the gates read it at the scan's time (issue 17).
    contact_id: Mapped[str | None] = mapped_column(String(64))
    trigger_signal_id: Mapped[str | None] = mapped_column(String(64))
    permission_status: Mapped[str | None] = mapped_column(String(16))
    granted_scopes: Mapped[list[str] | None] = mapped_column(Json)
    # The account's evidence version this result read, and the moment a time rule can flip it.
    evidence_version: Mapped[int | None] = mapped_column(Integer)
    recheck_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Issue 12: the programs a candidate fits.
    programs: Mapped[list[str] | None] = mapped_column(Json)


class LatestResult(Base):
    """Per account, the latest finished scan that covered it: a narrow scan never hides the
    rest of the accounts from "the latest results"."""

    __tablename__ = "latest_results"
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"), primary_key=True)
    # No index: nothing reads it by scan, and each finishing scan rewrote it (migration 0012).
    scan_id: Mapped[str] = mapped_column(_fk("scans.id"))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CandidateList(Base):
    """A saved filter over the candidate list, re-evaluated on each read."""

    __tablename__ = "candidate_lists"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    filters: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


OPEN_REVIEW = "status IN ('drafting', 'pending', 'deciding')"


class Review(Base):
    """One paused advocate-graph thread; its id is the thread id."""

    __tablename__ = "reviews"
    __table_args__ = (
        # At most one open review per account, whatever process or worker opens it.
        Index(
            "uq_reviews_one_open_per_account",
            "account_id",
            unique=True,
            sqlite_where=text(OPEN_REVIEW),
            postgresql_where=text(OPEN_REVIEW),
        ),
        Index("ix_reviews_owner_status", "owner_id", "status", "trigger_at"),
        Index("ix_reviews_account_status", "account_id", "status"),
    )
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"))
    owner_id: Mapped[str] = mapped_column(_fk("owners.id"))
    scan_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    trigger_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ask_type: Mapped[str] = mapped_column(String(32))
    owner_only: Mapped[bool] = mapped_column(Boolean, default=False)
    flags: Mapped[list[str]] = mapped_column(Json, default=list)
    payload: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    decision: Mapped[dict[str, Any] | None] = mapped_column(Json)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(64))
    deferred_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    refusal: Mapped[dict[str, Any] | None] = mapped_column(Json)
    # When the decision being applied was claimed: a claim older than the lease was lost.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the timer saw a deferral end and put the account back through the gates.
    woken_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OwnerTask(Base):
    """The owner's to-do after an approval: send the ask, record the answer (open/sent/closed)."""

    __tablename__ = "owner_tasks"
    __table_args__ = (Index("ix_owner_tasks_status_send_by", "status", "send_by"),)
    id: Mapped[str] = mapped_column(String(220), primary_key=True)
    review_id: Mapped[str] = mapped_column(_fk("reviews.id"), unique=True)
    owner_id: Mapped[str] = mapped_column(_fk("owners.id"), index=True)
    account_id: Mapped[str] = mapped_column(_fk("accounts.id"))
    contact_id: Mapped[str | None] = mapped_column(String(64))
    ask_type: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="open")
    send_by: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_by: Mapped[str | None] = mapped_column(String(64))
    # Set when the product sent it over SMTP on the owner's click.
    message_id: Mapped[str | None] = mapped_column(String(300))
    response: Mapped[str | None] = mapped_column(String(16))
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    response_note: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # While an SMTP send is in flight: a claim older than the lease was lost with its process.
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    """A reminder or escalation to an owner (never a customer). The id names the chase step,
    so two timers running at once write one row per step."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_recipient_time", "recipient_id", "created_at"),
        Index("ix_notifications_subject", "subject_id", "number"),
        Index("ix_notifications_undelivered", "delivered", "next_attempt_at"),
    )
    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    recipient_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # reminder | escalation
    # What it chases: a task, or a review waiting for its decision.
    subject_id: Mapped[str] = mapped_column(String(220))
    task_id: Mapped[str | None] = mapped_column(String(220))
    review_id: Mapped[str | None] = mapped_column(String(200))
    owner_id: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    text: Mapped[str] = mapped_column(Text)
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where it went (email, webhook) and every failed attempt's error, newest last.
    channels: Mapped[list[str]] = mapped_column(Json, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When its recipient saw it in the list: the page's badge counts the unread ones.
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AuditEntry(Base):
    __tablename__ = "audit_log"
    id: Mapped[str] = mapped_column(String(220), primary_key=True)
    review_id: Mapped[str] = mapped_column(_fk("reviews.id"), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    changes: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class MeasurementEvent(Base):
    """A section 7 event. The id is an idempotency key, so replays write nothing twice."""

    __tablename__ = "measurement_events"
    __table_args__ = (
        Index("ix_events_kind_time", "kind", "occurred_at"),
        Index("ix_events_owner_time", "owner_id", "occurred_at"),
    )
    id: Mapped[str] = mapped_column(String(300), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[str | None] = mapped_column(String(64), index=True)
    owner_id: Mapped[str | None] = mapped_column(String(64))
    review_id: Mapped[str | None] = mapped_column(String(200), index=True)
    scan_id: Mapped[str | None] = mapped_column(String(64))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


# Tables of their own modules; importing them here registers them on `Base`.
from store.auth_models import IdempotencyRecord as IdempotencyRecord  # noqa: E402
from store.auth_models import User as User  # noqa: E402
from store.auth_models import WebSession as WebSession  # noqa: E402
from store.program_models import Pilot as Pilot  # noqa: E402
from store.program_models import Program as Program  # noqa: E402
from store.program_models import Reward as Reward  # noqa: E402
