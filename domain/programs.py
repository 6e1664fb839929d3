"""Programs (issue 12): a program runs some ask types or expansion activities for the accounts
that fit it, within a capacity per period, with the incentives it allows.

Programs are data (the bundle's `programs` key, or `PUT /v1/programs`); these are the pure rules
over them: whether an account fits, which of its eligible ask types a program runs for it, and how
much capacity a period has left. No database, no clock.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AliasChoices, ConfigDict, Field, model_validator

from domain.advocates import Tier, advocate_tier, expansion_eligible, tier_at_least
from domain.flags import permission_flag
from domain.gates import consent_unclear
from domain.report import GateReport, RuleCheck
from domain.snapshot import EvidenceSnapshot
from domain.text import NulFree
from domain.timing import ask_contact
from domain.vocabulary import ACTIVITIES, Activity, AskKind, AskType, is_ask_type

__all__ = ["ACTIVITIES", "Activity"]  # their home is domain/vocabulary.py; imported from here too
Period = Literal["month", "quarter"]

ProgramId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")]
Words = Annotated[str, Field(min_length=1, max_length=1_000)]

# A review incentive that depends on what the review says is not allowed (the FTC's 2024 rule on
# consumer reviews; G2 and Capterra): any of these in an incentive's words refuses it.
CONDITIONAL_ON_PRAISE = re.compile(
    r"\b(positive|good|great|glowing|favou?rable|5[- ]?star|five[- ]?star|4[- ]?star|"
    r"four[- ]?star|top)\s+(review|rating|feedback|score)s?\b"
    r"|\b(if|when|once|provided|as long as)\b[^.]{0,40}\b(rate|rating|recommend|"
    r"stars?|positive|praise|like)\b"
    r"|\bonly for (positive|good|5|five)\b",
    re.IGNORECASE,
)


class _Data(NulFree):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Incentive(_Data):
    """An incentive the program allows an owner to attach to an approved ask."""

    id: ProgramId
    description: Words = Field(
        description="What the advocate receives, as the customer reads it (DESIGN.md: `text`).",
        validation_alias=AliasChoices("description", "text"),
    )
    value: float = Field(ge=0, le=1_000_000)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. USD.")
    disclosure: Words | None = Field(
        None, description="Overrides the program's disclosure text for this incentive."
    )


class CapacityLimit(_Data):
    """At most `max` asks per `per` (calendar month or quarter, UTC), of `ask_type` (or of every
    ask type the program runs), per contact when `per_contact`."""

    max: int = Field(ge=0, le=100_000)
    per: Period
    ask_type: AskType | Activity | None = None
    per_contact: bool = False


class TimingWindow(_Data):
    """For accounts of `segment`: ask within `within_days` of the trigger signal."""

    segment: Annotated[str, Field(min_length=1, max_length=64)]
    within_days: int = Field(ge=0, le=365)


class Program(_Data):
    """One program, as the bundle's `programs` rows and `PUT /v1/programs` spell it."""

    id: ProgramId
    name: Annotated[str, Field(min_length=1, max_length=200)]
    ask_types: tuple[AskType, ...] = ()
    activities: tuple[Activity, ...] = ()
    segments: tuple[Annotated[str, Field(max_length=64)], ...] = Field(
        (), description="Only accounts of these segments (none: any)."
    )
    industries: tuple[Annotated[str, Field(max_length=64)], ...] = Field(
        (), description="Only accounts of these industries (none: any)."
    )
    min_tier: Tier | None = Field(None, description="The contact's tier must reach this one.")
    capacity: tuple[CapacityLimit, ...] = ()
    incentives: tuple[Incentive, ...] = ()
    disclosure: Words | None = Field(
        None, description="Disclosure text every incentivised ask of the program carries."
    )
    timing: tuple[TimingWindow, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _one_capacity_is_a_list(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("capacity"), dict):
            return {**data, "capacity": [data["capacity"]]}
        return data

    @model_validator(mode="after")
    def _coherent(self) -> Self:
        if not self.ask_types and not self.activities:
            raise ValueError("a program runs at least one ask type or activity")
        ids = [i.id for i in self.incentives]
        if len(ids) != len(set(ids)):
            raise ValueError("incentive ids must be unique within a program")
        for incentive in self.incentives:
            if not (incentive.disclosure or self.disclosure):
                raise ValueError(f"incentive {incentive.id!r} needs a disclosure text")
            problem = incentive_problem(incentive, self.disclosure)
            if problem:
                raise ValueError(problem)
        runs = set(self.ask_types) | set(self.activities)
        for limit in self.capacity:
            if limit.ask_type is not None and limit.ask_type not in runs:
                raise ValueError(f"capacity for {limit.ask_type!r}, which the program does not run")
        return self

    def incentive(self, incentive_id: str) -> Incentive | None:
        return next((i for i in self.incentives if i.id == incentive_id), None)

    def disclosure_of(self, incentive: Incentive) -> str:
        """The disclosure an ask with this incentive carries (the incentive's own, else the
        program's)."""
        text = incentive.disclosure or self.disclosure
        assert text is not None, "validated: every incentive has a disclosure"
        return text


def incentive_problem(incentive: Incentive, program_disclosure: str | None = None) -> str | None:
    """Why an incentive may not be offered: its words make it depend on praise. None: fine."""
    for text in (incentive.description, incentive.disclosure or program_disclosure or ""):
        match = CONDITIONAL_ON_PRAISE.search(text)
        if match:
            return (
                f"incentive {incentive.id!r} depends on praise ({match.group(0)!r}): an incentive "
                "may never depend on the review being positive"
            )
    return None


# --- fit -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountFacts:
    """What program fit reads of one account (and its best contact) at one time."""

    segment: str | None
    industry: str | None
    tier: Tier
    expansion_eligible: bool
    eligible_ask_types: tuple[str, ...]
    days_since_trigger: int | None = None


@dataclass(frozen=True)
class ProgramFit:
    """Whether the account fits a program, what the program would run for it, and why not."""

    program_id: str
    fits: bool
    runs: tuple[str, ...]
    why_not: tuple[str, ...]


def account_facts(snapshot: EvidenceSnapshot, report: GateReport, now: datetime) -> AccountFacts:
    """The facts program fit reads: the account's segment and industry, and the tier and
    expansion standing of the contact the ask would go to (their completed asks)."""
    contact = ask_contact(snapshot, report)
    completed = [
        a.ask_type
        for a in snapshot.asks
        if a.outcome == "completed" and (contact is None or a.contact_id == contact.id)
    ]
    triggers = [s.occurred_at for s in snapshot.signals if s.id in report.trigger_signal_ids]
    return AccountFacts(
        segment=snapshot.account.segment,
        industry=snapshot.account.industry,
        tier=advocate_tier(len(completed)),
        expansion_eligible=expansion_eligible(completed),
        eligible_ask_types=tuple(report.eligible_ask_types),
        days_since_trigger=(now - max(triggers)).days if triggers else None,
    )


def fitting_programs(
    programs: Iterable[Program],
    facts: AccountFacts,
    full: Mapping[str, frozenset[str]] | None = None,
) -> list[ProgramFit]:
    """The programs the account fits now (capacity left), by program id."""
    fits = [program_fit(p, facts, (full or {}).get(p.id, frozenset())) for p in programs]
    return sorted((f for f in fits if f.fits), key=lambda f: f.program_id)


def within_program(
    report: GateReport, fit: ProgramFit, snapshot: EvidenceSnapshot, now: datetime
) -> GateReport:
    """A candidate's report as a program scan sees it: only the ask types the program runs for
    the account, the highest first (a program of expansion activities alone leaves them as
    they are), with the consent check and permission flag of that ask type; an account the
    program does not fit is held with `not_in_program`, and why."""
    if report.status != "candidate":
        return report
    kept = restrict_ask_types(report.eligible_ask_types, fit)
    if fit.fits and not kept:
        # Only expansion activities: an invitation the owner makes; the ask types stay.
        return report
    if kept:
        ask_type = next((t for t in kept if t == report.ask_type), kept[0])
        narrowed = report.model_copy(update={"eligible_ask_types": kept})
        return (
            narrowed
            if ask_type == report.ask_type
            else _recommend(narrowed, ask_type, snapshot, now)
        )
    why = "; ".join(fit.why_not) or "the program runs none of its eligible ask types"
    check = RuleCheck(
        rule="program_fit", passed=False, reason="not_in_program", why=f"{fit.program_id}: {why}"
    )
    return report.model_copy(
        update={
            "status": "held",
            "reasons": (*report.reasons, "not_in_program"),
            "checks": (*report.checks, check),
            "eligible_ask_types": (),
            "ask_type": None,
        }
    )


def _recommend(
    report: GateReport, ask_type: AskType, snapshot: EvidenceSnapshot, now: datetime
) -> GateReport:
    """The report recommending `ask_type` instead: its scope's permission flag and consent
    check replace the first recommendation's (an unclear scope stops it, as in the gates)."""
    flags = [f for f in report.flags if not f.startswith("permission:")]
    permission = permission_flag(snapshot, now, ask_type)
    consent = consent_unclear(snapshot, now, ask_type)
    checks = (*(c for c in report.checks if c.rule != "consent_unclear"), consent)
    stopped = consent.reason is not None
    return report.model_copy(
        update={
            "ask_type": ask_type,
            "flags": (*flags, *((permission,) if permission else ())),
            "checks": checks,
            "status": "stopped" if stopped else report.status,
            "reasons": (*report.reasons, consent.reason) if consent.reason else report.reasons,
        }
    )


def _same(value: str | None, allowed: Sequence[str]) -> bool:
    return not allowed or (
        value is not None and value.casefold() in {a.casefold() for a in allowed}
    )


def timing_window(program: Program, segment: str | None) -> int | None:
    """The days after the trigger within which the program asks accounts of `segment`."""
    for window in program.timing:
        if segment is not None and window.segment.casefold() == segment.casefold():
            return window.within_days
    return None


def program_fit(program: Program, facts: AccountFacts, full: Iterable[str] = ()) -> ProgramFit:
    """The program's fit for one account: its segment, industry, tier and timing window, and
    the ask types (and, once expansion-eligible, the activities) it would run among those the
    account is eligible for now; `full` names the ask types whose capacity is used up."""
    why: list[str] = []
    if not _same(facts.segment, program.segments):
        why.append(f"segment {facts.segment or 'none'} is not {', '.join(program.segments)}")
    if not _same(facts.industry, program.industries):
        why.append(f"industry {facts.industry or 'none'} is not {', '.join(program.industries)}")
    if program.min_tier is not None and not tier_at_least(facts.tier, program.min_tier):
        why.append(f"tier {facts.tier} is below {program.min_tier}")
    window = timing_window(program, facts.segment)
    if window is not None and (
        facts.days_since_trigger is None or facts.days_since_trigger > window
    ):
        why.append(f"the trigger is older than the {window}-day window for {facts.segment}")
    used_up = set(full)
    runs: list[str] = [
        t for t in program.ask_types if t in facts.eligible_ask_types and t not in used_up
    ]
    if facts.expansion_eligible:
        runs += [a for a in program.activities if a not in used_up]
    if not runs:
        why.append("runs none of the account's eligible ask types" + _full_note(used_up))
    return ProgramFit(program.id, fits=not why, runs=tuple(runs), why_not=tuple(why))


def _full_note(full: set[str]) -> str:
    return f" (capacity used up: {', '.join(sorted(full))})" if full else ""


def restrict_ask_types(eligible: Sequence[AskKind], fit: ProgramFit) -> tuple[AskType, ...]:
    """The account's eligible ask types that a program it fits runs, in the ladder's order."""
    if not fit.fits:
        return ()
    return tuple(t for t in eligible if is_ask_type(t) and t in fit.runs)


# --- capacity --------------------------------------------------------------------------------


def period_start(per: Period, now: datetime) -> datetime:
    """The start (UTC) of the calendar month or quarter holding `now`."""
    now = now.astimezone(UTC)
    month = now.month if per == "month" else 3 * ((now.month - 1) // 3) + 1
    return datetime(now.year, month, 1, tzinfo=UTC)


@dataclass(frozen=True)
class CapacityUse:
    """One limit in the current period: used (the busiest contact's count for a per-contact
    limit), what is left, and the contacts at the limit."""

    limit: CapacityLimit
    since: datetime
    used: int
    left: int
    contacts_at_limit: tuple[str, ...]


@dataclass(frozen=True)
class CountedAsk:
    """An ask counted against a program: its type, contact and approval time."""

    ask_type: str
    contact_id: str | None
    at: datetime


def limit_applies(limit: CapacityLimit, ask_type: str) -> bool:
    """Whether asks of `ask_type` count against this limit (one with no ask type counts all)."""
    return limit.ask_type is None or limit.ask_type == ask_type


def counted_this_period(
    limit: CapacityLimit, asks: Iterable[CountedAsk], now: datetime
) -> list[CountedAsk]:
    """The asks that count against `limit` in its period holding `now` (every contact's)."""
    since = period_start(limit.per, now)
    return [a for a in asks if since <= a.at <= now and limit_applies(limit, a.ask_type)]


def capacity_use(program: Program, asks: Iterable[CountedAsk], now: datetime) -> list[CapacityUse]:
    """Each capacity limit of the program against the asks it approved, in the current period."""
    asks = list(asks)
    uses = []
    for limit in program.capacity:
        since = period_start(limit.per, now)
        counted = counted_this_period(limit, asks, now)
        if limit.per_contact:
            per = Counter(ask.contact_id or "-" for ask in counted)
            used = max(per.values(), default=0)
            at_limit = tuple(sorted(c for c, n in per.items() if n >= limit.max))
        else:
            used, at_limit = len(counted), ()
        uses.append(CapacityUse(limit, since, used, max(limit.max - used, 0), at_limit))
    return uses


def full_ask_types(program: Program, uses: Sequence[CapacityUse]) -> frozenset[str]:
    """The ask types (or activities) a program-wide limit has used up this period."""
    runs = (*program.ask_types, *program.activities)
    full: set[str] = set()
    for use in uses:
        if use.left == 0 and not use.limit.per_contact:
            full |= set(runs) if use.limit.ask_type is None else {use.limit.ask_type}
    return frozenset(full)
