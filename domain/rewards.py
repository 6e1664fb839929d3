"""The rewards ledger's rules (issue 12): a reward's states, what moves it, and what an
incentivised ask's text must hold.

`proposed -> approved -> fulfilled | cancelled`. A review's incentive is proposed when the owner
approves the ask and becomes due (approved) when the ask completes; a referral's reward follows
the referral: proposed on `referral_generated`, approved on `referral_converted`. The owner then
fulfils or cancels it, once. An ask that ends without participation (declined, or closed with
no response) cancels its proposed reward at once: otherwise `reward_unresolved` would stop the
account for ever. A late completion of an ask closed with no response makes that reward due.
"""

from __future__ import annotations

from typing import Literal, get_args

RewardState = Literal["proposed", "approved", "fulfilled", "cancelled"]
REWARD_STATES: tuple[RewardState, ...] = get_args(RewardState)
UNRESOLVED_STATES: frozenset[str] = frozenset({"proposed", "approved"})
RewardAction = Literal["approve", "fulfil", "cancel"]

# (from, action) -> to. Anything else is refused.
TRANSITIONS: dict[tuple[str, str], RewardState] = {
    ("proposed", "approve"): "approved",
    ("proposed", "cancel"): "cancelled",
    ("approved", "fulfil"): "fulfilled",
    ("approved", "cancel"): "cancelled",
}


def next_state(current: str, action: RewardAction) -> RewardState | None:
    """The reward's state after `action`, or None when the action does not apply to it."""
    return TRANSITIONS.get((current, action))


def outcome_moves(kind: str, ask_type: str) -> Literal["propose", "approve"] | None:
    """What an outcome of an ask does to its reward. A referral's reward is proposed when the
    referral is generated and due when it converts; any other ask's reward (proposed at the
    approval) is due when the ask completes."""
    if ask_type == "referral":
        return {"referral_generated": "propose", "referral_converted": "approve"}.get(kind)  # type: ignore[return-value]
    if kind in ("participation", "testimonial_collected", "reference_used"):
        return "approve"
    return None


# How an ask ended without participation: its proposed reward is cancelled, marked so.
ENDS_WITHOUT_PARTICIPATION: frozenset[str] = frozenset({"declined", "no_response"})
# Only a reward cancelled because its ask closed with no response comes back on a late yes.
REVIVABLE_END = "no_response"


def cancelled_by(ask_outcome: str) -> str | None:
    """Who cancels a proposed reward when its ask takes `ask_outcome`: the ask's end itself
    (`ask:declined`, `ask:no_response`); None when the ask did not end without participation.
    A due (approved) reward is never cancelled so: its ask completed."""
    return f"ask:{ask_outcome}" if ask_outcome in ENDS_WITHOUT_PARTICIPATION else None


def revived_on_completion(status: str, resolved_by: str | None) -> bool:
    """Whether a late completion makes this reward due again: only one cancelled because its
    ask closed with no response (the customer took part after all); never one a person
    cancelled, nor one whose ask was declined."""
    return status == "cancelled" and resolved_by == f"ask:{REVIVABLE_END}"


def proposed_at_approval(ask_type: str) -> bool:
    """A review's incentive enters the ledger at the approval, except a referral's, which
    waits for the referral itself."""
    return ask_type != "referral"


def incentive_paragraph(description: str, disclosure: str) -> str:
    """The words an incentivised ask carries: the ledger's description and the disclosure."""
    return f"{description.strip()}\n\n{disclosure.strip()}"


def incentive_text_problems(body: str, ledger_paragraph: str | None, found: list[str]) -> list[str]:
    """A draft never invents an incentive: `found` holds the incentive words found in `body`
    outside the ledger's own paragraph, each a problem; an incentivised ask must carry that
    paragraph (the ledger's description and its disclosure) word for word."""
    if ledger_paragraph is None:
        return [f"invented_incentive: {word!r} is not an incentive of the ledger" for word in found]
    problems = []
    if ledger_paragraph not in body:
        problems.append("missing_disclosure: the incentive's disclosure text is not in the ask")
    problems += [
        f"invented_incentive: {word!r} is not an incentive of the ledger" for word in found
    ]
    return problems
