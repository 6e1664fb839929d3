"""The demo's two programs (issue 12): one for the customer's voice (reviews, testimonials)
with a charity donation, one for references and expansion with a conference pass."""

from __future__ import annotations

from typing import Any

DEMO_PROGRAMS: tuple[dict[str, Any], ...] = (
    {
        "id": "customer-voice",
        "name": "Customer voice",
        "ask_types": ["review", "testimonial", "referral"],
        "activities": ["community"],
        "capacity": [{"max": 40, "per": "month"}],
        "incentives": [
            {
                "id": "donation-25",
                "description": "We will donate 25 dollars to a charity you choose, whatever you "
                "write or decide.",
                "value": 25,
                "currency": "USD",
            }
        ],
        "disclosure": "Disclosure: the donation is the same for everyone who takes part and does "
        "not depend on what you say.",
        "timing": [
            {"segment": "smb", "within_days": 30},
            {"segment": "mid_market", "within_days": 45},
        ],
    },
    {
        "id": "reference-champions",
        "name": "Reference champions",
        "ask_types": ["reference_call", "case_study"],
        "activities": ["advisory_board", "event_speaking", "beta_access"],
        "segments": ["mid_market", "enterprise"],
        "capacity": [
            {"max": 2, "per": "quarter", "ask_type": "reference_call", "per_contact": True},
            {"max": 4, "per": "month", "ask_type": "case_study"},
        ],
        "incentives": [
            {
                "id": "conference-pass",
                "description": "A pass to our annual customer conference.",
                "value": 600,
                "currency": "USD",
            }
        ],
        "disclosure": "Disclosure: every customer who speaks with a prospect is offered the same "
        "pass, whatever they say.",
    },
)
