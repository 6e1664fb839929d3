"""The domain's words: the bundle's enumerations, gate statuses, reason and event codes.

One definition for the import schemas, the evidence snapshot, the gates, the API and the CLI
(DESIGN.md sections 3, 6 and 7).
"""

from __future__ import annotations

from typing import Literal, TypeAlias, TypeGuard, get_args

SignalKind = Literal[
    "nps",
    "csat",
    "review",
    "feedback",
    "outcome",
    "renewal",
    "expansion",
    "project_close",
    "support_praise",
    "usage_milestone",
    "complaint",
]
Sentiment = Literal["positive", "neutral", "negative"]
TicketStatus = Literal["open", "pending", "closed"]
TicketPriority = Literal["low", "normal", "high", "urgent"]
TicketCategory = Literal["support", "billing", "delivery", "other"]
Scope = Literal[
    "public_quote", "logo", "case_study", "reference_call", "review", "marketing_contact"
]
PermissionStatus = Literal["granted", "denied", "revoked"]
AskType = Literal[
    "private_feedback", "review", "referral", "testimonial", "reference_call", "case_study"
]
# The program activities beyond the ask types (DESIGN.md section 3): the owner invites an
# expansion-eligible advocate to one (domain/invitations.py); the scan's ladder never proposes one.
Activity = Literal["advisory_board", "beta_access", "event_speaking", "community"]
# What a review, an ask or an owner task asks for: an ask type of the ladder, or an activity.
AskKind: TypeAlias = AskType | Activity
AskOutcome = Literal["pending", "completed", "declined", "no_response"]
ReferralStatus = Literal["submitted", "qualified", "converted", "lost"]
RewardStatus = Literal["none", "pending", "paid", "disputed"]
Channel = Literal["email", "call"]

SIGNAL_KINDS: tuple[SignalKind, ...] = get_args(SignalKind)
SCOPES: tuple[Scope, ...] = get_args(Scope)
ASK_TYPES: tuple[AskType, ...] = get_args(AskType)
CHANNELS: tuple[Channel, ...] = get_args(Channel)
ACTIVITIES: tuple[Activity, ...] = get_args(Activity)

# The consent scope an ask type relies on (DESIGN.md section 3); None needs no scope.
SCOPE_OF_ASK: dict[AskType, Scope | None] = {
    "testimonial": "public_quote",
    "case_study": "case_study",
    "reference_call": "reference_call",
    "review": "review",
    "referral": None,
    "private_feedback": None,
}

# The consent scope an activity relies on. Speaking at an event puts the advocate's name and
# words in public, attributed to them, which is what a `public_quote` grant allows (a logo or a
# case study grant covers other uses); the other activities are private and need none.
SCOPE_OF_ACTIVITY: dict[Activity, Scope | None] = {
    "advisory_board": None,
    "beta_access": None,
    "event_speaking": "public_quote",
    "community": None,
}


def is_ask_type(kind: str | None) -> TypeGuard[AskType]:
    """Whether `kind` is one of the ladder's ask types (not an activity)."""
    return kind in ASK_TYPES


_SCOPE_OF_KIND: dict[str, Scope | None] = {
    kind: scope for table in (SCOPE_OF_ASK, SCOPE_OF_ACTIVITY) for kind, scope in table.items()
}


def scope_of(kind: str) -> Scope | None:
    """The consent scope an ask type or an activity relies on; None when it needs none."""
    return _SCOPE_OF_KIND.get(kind)


# The score range of the signal kinds that carry one.
SCORE_RANGES: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5), "review": (1, 5)}

# Signal kinds that prove value, and those positive by nature whatever their score or text
# (DESIGN.md section 4). The scan's SQL pre-filter and the pure positivity rule both read these.
VALUE_PROOF_KINDS: frozenset[SignalKind] = frozenset(
    {"outcome", "renewal", "expansion", "project_close"}
)
ALWAYS_POSITIVE_KINDS: frozenset[SignalKind] = VALUE_PROOF_KINDS | {
    "support_praise",
    "usage_milestone",
}

# --- the gates' answer (DESIGN.md section 6) -----------------------------------------------------

Status = Literal["not_triggered", "held", "stopped", "candidate"]

ReasonCode = Literal[
    "no_positive_signal",
    "open_ticket",
    "billing_or_delivery_ticket",
    "recent_complaint",
    "low_health",
    "pending_ask",
    "recent_ask",
    "ask_limit",
    "recent_decline",
    "recently_rejected",
    "advocate_unavailable",
    "advocate_ask_limit",
    "do_not_contact",
    "attribution_disputed",
    "reward_unresolved",
    "consent_unclear",
    "not_in_program",
]
HOLD_REASONS: frozenset[str] = frozenset(
    {
        "open_ticket",
        "billing_or_delivery_ticket",
        "recent_complaint",
        "low_health",
        "pending_ask",
        "recent_ask",
        "ask_limit",
        "recent_decline",
        "recently_rejected",
        "advocate_unavailable",
        "advocate_ask_limit",
        "not_in_program",
    }
)
STOP_REASONS: frozenset[str] = frozenset(
    {"do_not_contact", "attribution_disputed", "reward_unresolved", "consent_unclear"}
)

# --- measurement (DESIGN.md section 7) ------------------------------------------------------------

# Outcomes of an ask, reported after the owner sent it (POST /v1/outcomes).
OutcomeKind = Literal[
    "participation",
    "permission_granted",
    "reference_used",
    "referral_generated",
    "referral_converted",
    "testimonial_collected",
    "complaint",
]
OUTCOME_KINDS: tuple[OutcomeKind, ...] = get_args(OutcomeKind)
# The outcomes that complete the ask they belong to (a complaint does not: the gates read it).
COMPLETING_OUTCOMES: frozenset[str] = frozenset(
    {
        "participation",
        "testimonial_collected",
        "reference_used",
        "referral_generated",
        "referral_converted",
    }
)
# Every measurement event, in funnel order: the workflow's own steps, the ask's life after the
# owner's approval, then the outcomes.
EventKind = Literal[
    "candidate_identified",
    "ask_held",
    "ask_stopped",
    "ask_approved",
    "ask_edited",
    "ask_rejected",
    "ask_deferred",
    "ask_sent",
    "ask_accepted",
    "ask_declined",
    "ask_no_response",
    "reminder_sent",
    "escalated",
    OutcomeKind,
    "reward_proposed",
    "reward_fulfilled",
]

# --- the ask after approval (DESIGN.md section 5) ---------------------------------------------

TaskStatus = Literal["open", "sent", "closed"]
TASK_STATUSES: tuple[TaskStatus, ...] = get_args(TaskStatus)
# The customer's answer to a sent ask; `no_response` is also what the timer records.
TaskResponse = Literal["accepted", "declined", "no_response"]
TASK_RESPONSES: tuple[TaskResponse, ...] = get_args(TaskResponse)
NotificationKind = Literal["reminder", "escalation"]
