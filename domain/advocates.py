"""An advocate's standing from their history: the tier and the expansion threshold (issue 12).

One definition for the advocate profile, the programs' eligibility and the KPIs, so they never
disagree about who is a repeat advocate.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal, get_args

Tier = Literal["new", "contributor", "repeat", "champion"]
TIERS: tuple[Tier, ...] = get_args(Tier)

# Completed asks needed to reach each tier, lowest first.
_TIER_FLOORS: tuple[tuple[int, Tier], ...] = (
    (4, "champion"),
    (2, "repeat"),
    (1, "contributor"),
    (0, "new"),
)
# A case study is the deepest proof; otherwise two completed asks show the habit.
EXPANSION_AFTER_COMPLETED = 2


def advocate_tier(completed_asks: int) -> Tier:
    """The tier earned by repeat advocacy: how many asks this contact has completed."""
    return next(tier for floor, tier in _TIER_FLOORS if completed_asks >= floor)


def tier_at_least(tier: Tier, minimum: Tier) -> bool:
    """Whether `tier` reaches `minimum` in the order new < contributor < repeat < champion."""
    return TIERS.index(tier) >= TIERS.index(minimum)


def expansion_eligible(completed_ask_types: Iterable[str]) -> bool:
    """Eligible for the expansion programs after a completed case study or two completed asks."""
    completed = list(completed_ask_types)
    return "case_study" in completed or len(completed) >= EXPANSION_AFTER_COMPLETED
