"""Every code a person sees, in words: a short label and a one-line explanation.

One table for the review page, the CLI and the API's optional `labels` (`?labels=true`);
machines keep the codes. A code with no entry reads as itself, so nothing is ever hidden.

To add a code: one line in the right table below (its label first, then what it means or
why it matters); tests/unit/test_labels.py checks that every code of domain/vocabulary.py
has one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from domain.vocabulary import scope_of


@dataclass(frozen=True)
class Label:
    label: str
    explanation: str


def _table(rows: dict[str, tuple[str, str]]) -> dict[str, Label]:
    return {code: Label(label, explanation) for code, (label, explanation) in rows.items()}


# Why an account is not proposed (gate reasons): held = later, stopped = a person decides.
REASONS = _table(
    {
        "no_positive_signal": ("No recent praise", "No positive signal in the trigger window."),
        "open_ticket": ("Open support ticket", "A ticket of normal priority or above is open."),
        "billing_or_delivery_ticket": (
            "Billing or delivery ticket open",
            "A billing or delivery ticket is open, whatever its priority.",
        ),
        "recent_complaint": (
            "Recent complaint",
            "A complaint, negative feedback or a detractor score in the last 30 days.",
        ),
        "low_health": ("Low health score", "The account's health score is below the threshold."),
        "pending_ask": ("An ask is in flight", "A previous ask still waits for an answer."),
        "recent_ask": ("Asked recently", "The account was asked within the cool-down period."),
        "ask_limit": ("Asked often this year", "Already asked the yearly maximum of times."),
        "recent_decline": ("Declined recently", "The customer declined an ask recently."),
        "recently_rejected": (
            "Rejected by the owner recently",
            "The owner rejected a review of this account within the cool-down.",
        ),
        "advocate_unavailable": (
            "Contact unavailable",
            "The contact asked not to be approached until a later date.",
        ),
        "advocate_ask_limit": (
            "Contact's yearly limit reached",
            "The contact was asked as often this year as the owner's note allows.",
        ),
        "do_not_contact": ("Do not contact", "The account or its marketing consent says no."),
        "attribution_disputed": (
            "Referral credit disputed",
            "Who gets credit for a referral is disputed; a person settles it first.",
        ),
        "reward_unresolved": (
            "Reward unresolved",
            "A referral reward or an incentive is pending or disputed.",
        ),
        "consent_unclear": (
            "Consent unclear",
            "The consent records for the ask's scope disagree, or the grant expired.",
        ),
        "account_missing": ("Account gone", "The account no longer exists."),
        "not_in_program": (
            "Not in this program",
            "A program scan: the account does not fit the program, or the program runs none"
            " of its eligible ask types.",
        ),
    }
)

# What the gate report checked, phrased so that "passed" reads true.
RULES = _table(
    {
        "positive_signal": ("Recent praise", "A positive signal within the trigger window."),
        "open_ticket": ("No open support ticket", "No ticket of normal priority or above open."),
        "billing_or_delivery_ticket": (
            "No billing or delivery ticket",
            "No billing or delivery ticket open, whatever its priority.",
        ),
        "recent_complaint": ("No recent complaint", "No complaint or detractor in 30 days."),
        "low_health": ("Healthy account", "The health score is at or above the threshold."),
        "pending_ask": ("No ask in flight", "No previous ask still waits for an answer."),
        "recent_ask": ("Not asked recently", "No ask within the cool-down period."),
        "ask_limit": ("Not asked too often", "Fewer asks this year than the maximum."),
        "recent_decline": ("No recent decline", "No declined ask within the cool-down."),
        "recently_rejected": ("Not rejected recently", "The owner has not rejected one lately."),
        "advocate_unavailable": ("Contact available", "The contact has not asked for a pause."),
        "advocate_ask_limit": (
            "Within the contact's limit",
            "Fewer asks this year than the contact's own maximum.",
        ),
        "not_in_program": (
            "In the program",
            "A program scan: the account fits the program, which runs one of its ask types.",
        ),
        "do_not_contact": ("Contact allowed", "Not marked do-not-contact; marketing consent ok."),
        "attribution_disputed": ("No disputed referral", "No referral's credit is disputed."),
        "reward_unresolved": ("No unresolved reward", "No reward or incentive is pending."),
        "consent_unclear": (
            "Consent is not contradictory",
            "The ask's consent records agree and no grant has expired (unknown is allowed: "
            "the draft then asks for permission).",
        ),
    }
)

# What an advocate profile's `fatigue` lists besides the hold reasons (not a gate rule).
FATIGUE = _table(
    {
        "reference_fatigue": (
            "Reference calls rested",
            "Gave the most reference calls allowed in 90 days.",
        ),
    }
)

# Why an approval was refused although the gates pass (domain/capacity.py).
REFUSALS = _table(
    {
        "program_full": (
            "Program full this period",
            "The program's approved asks reached its limit for this month or quarter.",
        ),
        "contact_at_program_limit": (
            "Contact at the program's limit",
            "The program's limit of asks to this contact this period is reached.",
        ),
    }
)

# Why an owner may not invite an advocate to a program activity now (domain/invitations.py),
# besides the gates' reasons and the capacity refusals above.
INVITATIONS = _table(
    {
        "activity_not_in_program": (
            "Program does not run it",
            "The program does not run this activity.",
        ),
        "not_expansion_eligible": (
            "Not yet eligible for activities",
            "Activities open after a completed case study or two completed asks.",
        ),
        "outside_program": (
            "Account outside the program",
            "The account's segment, industry, the contact's tier or the timing do not fit.",
        ),
        "activity_avoided": (
            "Contact avoids this activity",
            "The owner recorded that the contact does not want this activity.",
        ),
        "invitation_pending": (
            "Invitation already pending",
            "An invitation to this activity waits for the owner or the customer.",
        ),
        "review_open": ("A review is open", "A review of this account waits for the owner."),
        "activity_done_recently": (
            "Took part this year",
            "The contact took part in this activity within the last 365 days.",
        ),
        "public_permission_needed": (
            "Public permission needed",
            "A public activity needs a granted, unexpired permission to quote them first.",
        ),
    }
)

# Shown beside a review; they never block it.
FLAGS = _table(
    {
        "sensitive": ("Sensitive account", "Marked sensitive: handle with extra care."),
        "high_value": ("High-value account", "Annual revenue at or above the high-value mark."),
        "owner_only": ("Owner only", "Only the owner may decide it, in their own words."),
        "private_praise_only": (
            "Praise was private",
            "The praise is not public and no quote permission exists: ask before quoting.",
        ),
        "low_priority_ticket_open": (
            "Low-priority ticket open",
            "A low-priority support ticket is open: mention it if it comes up.",
        ),
        "llm_fallback": (
            "Written by the template",
            "The model's text failed our checks (or the model failed), so the offline "
            "template wrote it.",
        ),
    }
)

STATUSES = _table(
    {
        "candidate": ("Ready to ask", "Every gate passed: a review waits for the owner."),
        "held": ("Held", "Not now: a temporary reason; it is checked again on the next scan."),
        "stopped": ("Stopped", "A person must resolve something first; no draft is written."),
        "not_triggered": ("No trigger", "No recent positive signal."),
    }
)

ASK_TYPES = _table(
    {
        "private_feedback": ("Private feedback", "A private conversation about what works."),
        "review": ("Public review", "A review on a review site, in the customer's words."),
        "referral": ("Referral", "An introduction to a peer who could benefit."),
        "testimonial": ("Testimonial", "A short quote we may share, with permission."),
        "reference_call": ("Reference call", "A call with a prospective customer."),
        "case_study": ("Case study", "A published story of the customer's results."),
    }
)

# The program activities beyond the ask types (DESIGN.md section 3).
ACTIVITIES = _table(
    {
        "advisory_board": ("Advisory board", "A seat on the customer advisory board."),
        "beta_access": ("Beta access", "Early access to new features, with feedback."),
        "event_speaking": ("Event speaking", "Speaking at one of our events or webinars."),
        "community": ("Community", "Taking part in the customer community."),
    }
)

SCOPES = {
    "public_quote": "quoting them",
    "logo": "using their logo",
    "case_study": "a case study",
    "reference_call": "reference calls",
    "review": "a public review",
    "marketing_contact": "marketing contact",
}
SCOPE_LABELS = {
    "public_quote": "Quote",
    "logo": "Logo",
    "case_study": "Case study",
    "reference_call": "Reference call",
    "review": "Review",
    "marketing_contact": "Marketing",
}
PERMISSION_STATUSES = {
    "granted": ("granted", "Recorded as granted: it may be used as agreed."),
    "denied": ("denied", "They said no: this ask type is not eligible."),
    "revoked": ("revoked", "They withdrew it: this ask type is not eligible."),
    "expired": ("expired", "The grant has expired: ask again."),
    "unknown": ("not recorded", "No record either way: the draft asks for it."),
}

EVENTS = _table(
    {
        "candidate_identified": ("Candidates found", "Accounts that passed every gate."),
        "ask_held": ("Held", "Accounts entering the held state."),
        "ask_stopped": ("Stopped", "Accounts entering the stopped state."),
        "ask_approved": ("Approved", "Drafts the owner approved as written or edited."),
        "ask_edited": ("Edited", "Approvals with the owner's own changes."),
        "ask_rejected": ("Rejected", "Reviews the owner turned down."),
        "ask_deferred": ("Deferred", "Reviews put off to a later date."),
        "ask_sent": ("Sent", "Approved asks the owner sent."),
        "ask_accepted": ("Accepted", "Customers who said yes."),
        "ask_declined": ("Declined", "Customers who said no."),
        "ask_no_response": ("No response", "Sent asks that got no answer in time."),
        "reminder_sent": ("Reminders", "Reminders sent to owners about overdue work."),
        "escalated": ("Escalations", "Overdue work escalated to a manager."),
        "participation": ("Took part", "The customer took part in what was asked."),
        "permission_granted": ("Permission granted", "A consent recorded after an ask."),
        "reference_used": ("Reference used", "A reference call took place."),
        "referral_generated": ("Referrals made", "Introductions the customer made."),
        "referral_converted": ("Referrals won", "Introductions that became customers."),
        "testimonial_collected": ("Testimonials", "Quotes collected with permission."),
        "complaint": ("Complaints", "Complaints that followed an ask."),
        "reward_proposed": ("Rewards proposed", "Rewards offered for advocacy."),
        "reward_fulfilled": ("Rewards given", "Rewards delivered."),
    }
)

METRICS = _table(
    {
        "advocate_candidate_eligibility_rate": (
            "Candidates fully ready",
            "Share of candidates with praise, proof of value, a contact and an ask type.",
        ),
        "referral_request_readiness_rate": (
            "Referral candidates with proof",
            "Share of referral candidates whose value is proven (outcome, renewal...).",
        ),
        "pilot_approved_with_value_proof_share": (
            "Pilot: approvals with proof",
            "Share of approved asks whose candidate had value proof; passes at 90%.",
        ),
        "pilot_referral_asks_with_value_proof_share": (
            "Pilot: referral approvals with proof",
            "Share of approved referral asks with value proof; passes only at 100%.",
        ),
        "asks_sent": ("Asks sent", "Approved asks the owner sent."),
        "asks_responded": ("Answered", "Sent asks the customer accepted or declined."),
        "asks_accepted": ("Accepted", "Sent asks the customer accepted."),
        "asks_completed": ("Completed", "Accepted asks with a completing outcome."),
        "overdue_tasks": ("Overdue tasks", "Approved asks not sent by their send-by date."),
        "escalations": ("Escalations", "Overdue work escalated to a manager."),
        "hours_trigger_to_approval": ("Trigger to approval", "Hours from praise to approval."),
        "hours_approval_to_send": ("Approval to send", "Hours from approval to sending."),
        "hours_send_to_response": ("Send to answer", "Hours from sending to the answer."),
        "promoter_rate": ("Promoters", "Respondents whose latest NPS is 9 or 10."),
        "repeat_advocacy_rate": ("Repeat advocates", "Advocates who completed 2 asks or more."),
        "advocate_retention_rate": (
            "Advocates retained",
            "Advocates from before the last 365 days who advocated again within them.",
        ),
        "referral_conversion_rate": ("Referrals converted", "Of the referrals generated."),
        "advocate_pool_size": ("Advocates", "Contacts with a completed ask."),
        "activities_per_advocate": ("Activities per advocate", "Completed asks per advocate."),
        "asks_per_customer": ("Asks per customer", "Asks in the period per account."),
        "referral_pipeline_amount": ("Referral pipeline", "Amount of generated referrals."),
        "referral_revenue_amount": ("Referral revenue", "Amount of converted referrals."),
    }
)

TABLES: tuple[dict[str, Label], ...] = (
    REASONS,
    REFUSALS,
    INVITATIONS,
    FLAGS,
    STATUSES,
    ASK_TYPES,
    ACTIVITIES,
    EVENTS,
    METRICS,
    FATIGUE,
)


def label_of(code: str) -> Label:
    """The label of any code shown to a person; an unknown code reads as itself."""
    if code.startswith("permission:"):
        return _permission(code)
    if code.startswith("ask_type_no_longer_eligible:"):
        ask = code.split(":", 1)[1]
        return Label(
            f"{label_of(ask).label} no longer eligible",
            "The ask type the draft was written for is not eligible any more.",
        )
    for table in TABLES:
        if code in table:
            return table[code]
    return Label(code, "")


def rule_label(rule: str) -> Label:
    """A gate report row, phrased so that its result (passed / failed) reads true."""
    return RULES.get(rule) or label_of(rule)


def _permission(code: str) -> Label:
    """`permission:<scope>:<status>` -> "Case study permission: not recorded"."""
    _, scope, status = [*code.split(":"), "", ""][:3]
    words, why = PERMISSION_STATUSES.get(status, (status, ""))
    scope_words = SCOPES.get(scope, scope)
    return Label(
        f"{SCOPE_LABELS.get(scope, scope)} permission: {words}", f"For {scope_words}: {why}"
    )


def scope_words(scope: str) -> str:
    """A consent scope as a sentence says it: "reference calls", "using their logo"."""
    return SCOPES.get(scope, scope)


def status_words(status: str) -> str:
    """A permission status as a sentence says it ("unknown" reads "not recorded")."""
    return PERMISSION_STATUSES.get("unknown" if status == "unclear" else status, (status, ""))[0]


def permission_needed(ask_type: str) -> str | None:
    """The words for the consent scope an ask type relies on; None when it needs none."""
    scope = scope_of(ask_type)
    return None if scope is None else SCOPES[scope]


def labels_for(codes: Iterable[str]) -> dict[str, dict[str, str]]:
    """`{code: {"label", "explanation"}}` for the API's `labels`, each code once."""
    return {code: asdict(label_of(code)) for code in dict.fromkeys(codes)}
