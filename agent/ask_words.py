"""What the draft's prompt says about the ask, decided by the code: what each ask type or
activity means, what each channel's output must look like, and what to say about permission."""

from __future__ import annotations

from domain.outputs import CALL_BODY_MAX, EMAIL_BODY_MAX, EMAIL_BODY_MIN, SUBJECT_MAX
from domain.vocabulary import AskKind, Channel, scope_of

ASK_DESCRIPTIONS: dict[AskKind, str] = {
    "private_feedback": "a short private conversation about what works and what could be better",
    "review": "a public review on a review site, written by the customer in their own words",
    "referral": "an introduction to a peer who could benefit from what they achieved",
    "testimonial": "a short quote we could use publicly, in their words",
    "reference_call": "a short call with a prospective customer who wants to hear their story",
    "case_study": "a published story of the results they achieved, written with them",
    "advisory_board": "an invitation to a seat on the customer advisory board, which meets a "
    "few times a year to shape what we build",
    "beta_access": "an invitation to try new features before release and give honest feedback",
    "event_speaking": "an invitation to speak at one of our customer events or webinars about "
    "their experience",
    "community": "an invitation to join the customer community where customers exchange ideas",
}
CHANNEL_CONTRACTS: dict[Channel, str] = {
    "email": f"Write an email: a subject of at most {SUBJECT_MAX} characters and a body of "
    f"{EMAIL_BODY_MIN} to {EMAIL_BODY_MAX} characters.",
    "call": f"Write talking points for the owner's phone call, at most {CALL_BODY_MAX} "
    "characters; the subject must be null.",
}


def permission_instruction(ask_type: AskKind) -> str:
    """What the draft must say about permission: decided here, in code, not by the model."""
    scope = scope_of(ask_type)
    if scope is None:
        return "Nothing will be made public; do not mention publishing or permission."
    return (
        f"This ask needs the customer's explicit permission ({scope}). Ask for it as a "
        "question; never say or imply that it was given."
    )
