"""The advocate's tier and expansion threshold as pure rules."""

from __future__ import annotations

import pytest

from domain.advocates import advocate_tier, expansion_eligible, tier_at_least


@pytest.mark.parametrize(
    ("completed", "tier"),
    [
        (0, "new"),
        (1, "contributor"),
        (2, "repeat"),
        (3, "repeat"),
        (4, "champion"),
        (9, "champion"),
    ],
)
def test_tier_grows_with_completed_asks(completed: int, tier: str) -> None:
    assert advocate_tier(completed) == tier


@pytest.mark.parametrize(
    ("tier", "minimum", "reaches"),
    [
        ("new", "new", True),
        ("new", "contributor", False),
        ("repeat", "contributor", True),
        ("repeat", "champion", False),
        ("champion", "repeat", True),
    ],
)
def test_tier_order(tier: str, minimum: str, reaches: bool) -> None:
    assert tier_at_least(tier, minimum) is reaches  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("completed", "eligible"),
    [
        ([], False),
        (["testimonial"], False),
        (["case_study"], True),
        (["testimonial", "review"], True),
        (["referral", "referral"], True),
    ],
)
def test_expansion_after_a_case_study_or_two_completed_asks(
    completed: list[str], eligible: bool
) -> None:
    assert expansion_eligible(completed) is eligible
