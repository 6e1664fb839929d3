"""What the gates and the ask policy return: plain values, JSON-able, shown to the owner."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.vocabulary import AskKind, AskType, ReasonCode, Status


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RuleCheck(_Value):
    """One rule as evaluated: `passed` is false when it raised its reason code.

    `evaluated` is false for a rule that precedence skipped (the consent check of an account
    already held or stopped); such a rule raised nothing, so it also counts as passed.
    """

    rule: str
    passed: bool
    reason: ReasonCode | None = None
    why: str
    evidence_ids: tuple[str, ...] = ()
    evaluated: bool = True


class AskOption(_Value):
    """One ask type as the ladder judged it. `repeat`: eligible, but the contact to ask
    completed it within a year, so it ranks below the eligible types they have not done."""

    ask_type: AskType
    eligible: bool
    why: str
    repeat: bool = False


class AskPolicyResult(_Value):
    """The ladder, highest first; `recommended` is the first of `eligible`, if any."""

    options: tuple[AskOption, ...]
    recommended: AskType | None
    why: str

    @property
    def eligible(self) -> tuple[AskType, ...]:
        """The eligible types, best first: those the contact has not done, then the repeats."""
        fresh = [
            option.ask_type for option in self.options if option.eligible and not option.repeat
        ]
        again = [option.ask_type for option in self.options if option.eligible and option.repeat]
        return (*fresh, *again)


class GateReport(_Value):
    account_id: str
    status: Status
    reasons: tuple[ReasonCode, ...] = ()
    flags: tuple[str, ...] = ()
    checks: tuple[RuleCheck, ...] = ()
    trigger_signal_ids: tuple[str, ...] = ()
    value_proof_ids: tuple[str, ...] = ()
    # An invitation's report (domain/invitations.py) names the activity; the ladder never does.
    eligible_ask_types: tuple[AskKind, ...] = ()
    ask_type: AskKind | None = None
    ask_policy: AskPolicyResult | None = None

    @property
    def owner_only(self) -> bool:
        return "owner_only" in self.flags
