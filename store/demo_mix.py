"""The demo's proportions: account profiles (percent), the reasons and ask rungs they draw."""

from __future__ import annotations

from domain.vocabulary import SCOPE_OF_ASK

PROFILES = {"quiet": 58, "held": 21, "stopped": 7, "candidate": 14}
HOLD_REASONS = (
    "open_ticket",
    "billing_or_delivery_ticket",
    "recent_complaint",
    "low_health",
    "pending_ask",
    "recent_ask",
    "ask_limit",
    "recent_decline",
)
STOP_REASONS = (
    "do_not_contact",
    "marketing_contact",
    "attribution_disputed",
    "reward_unresolved",
    "consent_unclear",
    "consent_expired",
)
LADDER = {
    "case_study": 20,
    "reference_call": 18,
    "testimonial": 25,
    "referral": 17,
    "review": 17,
    "private_feedback": 3,
}
# The ask types whose scope a consent record can make unclear or expire (order: the seed's).
SCOPE_OF: dict[str, str] = {
    ask: scope
    for ask in ("case_study", "reference_call", "testimonial", "review")
    if (scope := SCOPE_OF_ASK[ask]) is not None
}
SEGMENTS = {"smb": 56, "mid_market": 32, "enterprise": 12}

POSITIVE_KINDS = (
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
    "referral",
)
