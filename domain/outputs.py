"""What the LLM (or the offline drafter) returns: the summary and the draft, with their limits.

The field descriptions are the model's instructions (structured output); the limits are the ones
the output checks enforce (domain/checks.py).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.vocabulary import Channel

SUBJECT_MAX = 120
EMAIL_BODY_MIN = 200
EMAIL_BODY_MAX = 2000
CALL_BODY_MIN = 40
CALL_BODY_MAX = 1500
HEADLINE_MAX = 160
POINT_MAX = 300
POINTS_MAX = 5


class SummaryPoint(BaseModel):
    """One reason this customer may be ready to advocate, resting on cited evidence."""

    text: str = Field(
        description="One plain-text sentence for the account owner, at most 300 characters."
    )
    evidence_ids: list[str] = Field(
        description="The ids of the evidence items this point rests on (at least one)."
    )


class AdvocacySummary(BaseModel):
    """Why this account may be ready for the ask, for its owner; every point cites evidence."""

    headline: str = Field(description="One plain-text line, at most 160 characters.")
    points: list[SummaryPoint] = Field(
        description="One to five points, strongest first, each citing evidence ids."
    )
    evidence_ids: list[str] = Field(
        description="Every evidence id the summary rests on; only ids from the evidence block."
    )


class AskDraft(BaseModel):
    """The ask, written for the owner to review and send (email) or say (call)."""

    channel: Channel = Field(description="The channel you were asked to write for.")
    subject: str | None = Field(
        description=f"Email only: a plain subject line of at most {SUBJECT_MAX} characters. "
        "null for a call."
    )
    body: str = Field(
        description=f"Email: the plain-text message ({EMAIL_BODY_MIN}-{EMAIL_BODY_MAX} "
        "characters) greeting the contact by first name. Call: short talking points for the "
        f"owner, one per line (at most {CALL_BODY_MAX} characters). No HTML, no links, no "
        "contact details, nothing offered in return, never a claim that permission was given."
    )
    evidence_ids: list[str] = Field(
        description="The ids of the evidence items the message rests on (at least one)."
    )


class SummaryAndDraft(BaseModel):
    """The summary and the draft written in one answer (one model call per candidate)."""

    summary: AdvocacySummary = Field(
        description="Why this customer may be ready for the ask, for the account owner."
    )
    draft: AskDraft = Field(
        description="The ask itself, for the owner to review and send (email) or say (call)."
    )
