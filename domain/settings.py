"""The policy's numbers (DESIGN.md section 4) as plain values; loading them is the caller's job."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PolicySettings(BaseModel):
    """Every number of DESIGN.md section 4. Env: ADVOCACY_POLICY__<NAME>."""

    trigger_window_days: int = Field(
        90, ge=1, description="A positive signal this recent triggers."
    )
    nps_promoter_min: int = Field(9, ge=0, le=10)
    csat_positive_min: int = Field(4, ge=1, le=5)
    review_positive_min: int = Field(4, ge=1, le=5)
    complaint_window_days: int = Field(30, ge=1)
    nps_detractor_max: int = Field(6, ge=0, le=10)
    health_min: int = Field(60, ge=0, le=100, description="Below this health score: held.")
    recent_ask_days: int = Field(90, ge=0)
    ask_limit_count: int = Field(3, ge=1, description="This many asks in ask_limit_days: held.")
    ask_limit_days: int = Field(365, ge=1)
    decline_window_days: int = Field(180, ge=0)
    reference_calls_per_contact: int = Field(2, ge=1)
    reference_window_days: int = Field(90, ge=1)
    high_value_arr: int = Field(100_000, ge=0)
    case_study_tenure_days: int = Field(180, ge=0)
    reference_call_tenure_days: int = Field(90, ge=0)
    send_within_days: int = Field(
        7, ge=1, description="The recommended timing: ask within this many days of the review."
    )
    rejection_cooldown_days: int = Field(
        90, ge=0, description="After the owner rejects a review, its account is held this long."
    )
    no_response_after_days: int = Field(
        14, ge=1, description="A sent ask with no answer this long after sending: no_response."
    )
    reminder_every_days: int = Field(
        5, ge=1, description="Remind the owner of an overdue task or undecided review this often."
    )
    reminders_before_escalation: int = Field(
        2, ge=0, description="After this many reminders, escalate to the owner's manager."
    )
    review_reminder_days: int = Field(
        3, ge=1, description="A review undecided this long is overdue: reminders start."
    )
