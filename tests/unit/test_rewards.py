"""The rewards ledger's rules as tables: its states, what outcomes do, and the ledger check of
an incentivised ask's text."""

from __future__ import annotations

import pytest

from domain.checks import ledger_incentive_problems
from domain.rewards import (
    cancelled_by,
    incentive_paragraph,
    next_state,
    outcome_moves,
    proposed_at_approval,
    revived_on_completion,
)

TRANSITIONS = [
    ("proposed", "approve", "approved"),
    ("proposed", "cancel", "cancelled"),
    ("proposed", "fulfil", None),
    ("approved", "fulfil", "fulfilled"),
    ("approved", "cancel", "cancelled"),
    ("approved", "approve", None),
    ("fulfilled", "cancel", None),
    ("fulfilled", "fulfil", None),
    ("cancelled", "fulfil", None),
    ("cancelled", "cancel", None),
]


@pytest.mark.parametrize(("before", "action", "after"), TRANSITIONS)
def test_reward_transitions(before: str, action: str, after: str | None) -> None:
    assert next_state(before, action) == after  # type: ignore[arg-type]


OUTCOMES = [
    ("referral_generated", "referral", "propose"),
    ("referral_converted", "referral", "approve"),
    ("participation", "referral", None),
    ("participation", "review", "approve"),
    ("testimonial_collected", "testimonial", "approve"),
    ("reference_used", "reference_call", "approve"),
    ("complaint", "review", None),
    ("permission_granted", "case_study", None),
    ("referral_generated", "review", None),
]


@pytest.mark.parametrize(("kind", "ask_type", "move"), OUTCOMES)
def test_what_an_outcome_does_to_the_reward(kind: str, ask_type: str, move: str | None) -> None:
    assert outcome_moves(kind, ask_type) == move


def test_a_referral_reward_waits_for_the_referral() -> None:
    assert not proposed_at_approval("referral")
    assert proposed_at_approval("review")


ASK_ENDS = [
    ("declined", "ask:declined"),
    ("no_response", "ask:no_response"),
    ("completed", None),
    ("pending", None),
]


@pytest.mark.parametrize(("ask_outcome", "by"), ASK_ENDS)
def test_an_ask_ending_without_participation_cancels_its_reward(
    ask_outcome: str, by: str | None
) -> None:
    assert cancelled_by(ask_outcome) == by


REVIVALS = [
    ("cancelled", "ask:no_response", True),
    ("cancelled", "ask:declined", False),
    ("cancelled", "u-bob", False),
    ("proposed", None, False),
    ("fulfilled", "ask:no_response", False),
]


@pytest.mark.parametrize(("status", "resolved_by", "revived"), REVIVALS)
def test_only_a_no_response_cancellation_comes_back_on_a_late_yes(
    status: str, resolved_by: str | None, revived: bool
) -> None:
    assert revived_on_completion(status, resolved_by) is revived


PARAGRAPH = incentive_paragraph(
    "A $25 gift card, whatever you write.", "Everyone who takes part gets the same card."
)
BODY = "Hi Lee, would you share your experience in a short review?"
LEDGER = [
    pytest.param(BODY, None, [], id="no_incentive_no_words"),
    pytest.param(f"{BODY}\n\n{PARAGRAPH}", PARAGRAPH, [], id="ledger_paragraph_only"),
    pytest.param(BODY, PARAGRAPH, ["missing_disclosure"], id="incentive_without_its_words"),
    pytest.param(
        f"{BODY} Plus a free month!\n\n{PARAGRAPH}",
        PARAGRAPH,
        ["invented_incentive"],
        id="invented_next_to_the_ledger",
    ),
    pytest.param(f"{BODY} We'll send a gift card.", None, ["invented_incentive"], id="invented"),
    pytest.param(
        f"{BODY}\n\nA $25 gift card, whatever you write.",
        PARAGRAPH,
        ["missing_disclosure", "invented_incentive"],
        id="description_without_disclosure",
    ),
]


@pytest.mark.parametrize(("body", "paragraph", "codes"), LEDGER)
def test_only_the_ledgers_incentive_appears(
    body: str, paragraph: str | None, codes: list[str]
) -> None:
    found = [problem.split(":")[0] for problem in ledger_incentive_problems(body, paragraph)]
    assert sorted(set(found)) == sorted(codes)
