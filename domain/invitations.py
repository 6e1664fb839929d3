"""Invitations to a program's expansion activities (issue 12): whether an owner may invite one
contact to one activity of one program now, and every reason why not.

The scan never proposes an activity (its ladder holds the six ask types); the account owner
invites an expansion-eligible advocate, and the invitation then goes through the same review,
approval and ask history as any ask. The rules reuse the program fit (domain/programs.py), the
approval's capacity check (domain/capacity.py), the gates' hold and stop rules and the contact's
preferences (domain/gates.py, domain/journeys.py): an invitation is held or stopped by whatever
holds or stops any ask. Pure: no database, no clock. Only ids, kinds, dates, outcomes and
statuses are read, never what a text says, so customer text cannot change the answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from domain.advocates import advocate_tier, expansion_eligible
from domain.capacity import approval_problems
from domain.flags import account_flags, permission_flag
from domain.gates import HOLD_RULES, STOP_RULES
from domain.journeys import advocate_ask_limit, advocate_unavailable, avoided
from domain.labels import label_of, scope_words, status_words
from domain.policy import trigger_ids, value_proof_ids, within
from domain.programs import AccountFacts, CountedAsk, Program, program_fit
from domain.report import GateReport
from domain.settings import PolicySettings
from domain.snapshot import AskItem, ContactItem, EvidenceSnapshot, scope_status
from domain.vocabulary import Activity, scope_of

# Why an invitation may not be opened, beyond the gates' reason codes and the capacity refusals
# (each labelled in domain/labels.py).
InvitationBlock = Literal[
    "activity_not_in_program",
    "not_expansion_eligible",
    "outside_program",
    "activity_avoided",
    "invitation_pending",
    "review_open",
    "activity_done_recently",
    "public_permission_needed",
]
PRAISE = "private_praise_only"
# An activity done within this many days is not offered again (as the ladder ranks a repeat).
REPEAT_AFTER_DAYS = 365


@dataclass(frozen=True)
class Blocker:
    """One reason an invitation is refused: its code (labelled) and why, with the facts."""

    code: str
    why: str


def invitation_blockers(
    *,
    program: Program,
    activity: Activity,
    contact: ContactItem,
    snapshot: EvidenceSnapshot,
    policy: PolicySettings,
    now: datetime,
    program_asks: Sequence[CountedAsk] = (),
    open_reviews: Sequence[str] = (),
) -> tuple[Blocker, ...]:
    """Every reason the owner may not invite `contact` to `activity` of `program` now (empty:
    they may). `program_asks` are the asks approved against the program this quarter (its
    capacity); `open_reviews` the ask types or activities of the account's undecided reviews."""
    return (
        *_program_blockers(program, activity, contact, snapshot, policy, now),
        *_capacity_blockers(program, activity, contact, program_asks, now),
        *_gate_blockers(snapshot, policy, now),
        *_preference_blockers(activity, contact, snapshot, now),
        *_history_blockers(activity, contact, snapshot, open_reviews, now),
        *_permission_blockers(activity, snapshot, now),
    )


def completed_asks(snapshot: EvidenceSnapshot, contact_id: str, now: datetime) -> list[AskItem]:
    """The contact's completed asks (and activities) up to `now`."""
    return [
        ask
        for ask in snapshot.asks
        if ask.contact_id == contact_id and ask.outcome == "completed" and ask.asked_at <= now
    ]


def _program_blockers(
    program: Program,
    activity: Activity,
    contact: ContactItem,
    snapshot: EvidenceSnapshot,
    policy: PolicySettings,
    now: datetime,
) -> list[Blocker]:
    words = label_of(activity).label
    if activity not in program.activities:
        runs = ", ".join(program.activities) or "none"
        why = f"{program.id} does not run {words} (its activities: {runs})."
        return [Blocker("activity_not_in_program", why)]
    done = [ask.ask_type for ask in completed_asks(snapshot, contact.id, now)]
    found: list[Blocker] = []
    if not expansion_eligible(done):
        why = f"{contact.id} has {len(done)} completed asks and no completed case study."
        found.append(Blocker("not_expansion_eligible", why))
    fit = program_fit(program, _facts(snapshot, policy, now, done))
    if not fit.fits:
        found.append(Blocker("outside_program", f"{program.id}: {'; '.join(fit.why_not)}."))
    return found


def _facts(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime, done: Sequence[str]
) -> AccountFacts:
    """The account's facts as program fit reads them, for this contact: the activities are what
    the program would run (expansion is its own blocker), the ladder's ask types play no part."""
    by_id = {signal.id: signal for signal in snapshot.signals}
    triggers = [by_id[i].occurred_at for i in trigger_ids(snapshot, policy, now) if i in by_id]
    return AccountFacts(
        segment=snapshot.account.segment,
        industry=snapshot.account.industry,
        tier=advocate_tier(len(done)),
        expansion_eligible=True,
        eligible_ask_types=(),
        days_since_trigger=(now - max(triggers)).days if triggers else None,
    )


def _capacity_blockers(
    program: Program,
    activity: Activity,
    contact: ContactItem,
    program_asks: Sequence[CountedAsk],
    now: datetime,
) -> list[Blocker]:
    if activity not in program.activities:
        return []
    problems = approval_problems(
        program, program_asks, ask_type=activity, contact_id=contact.id, now=now
    )
    return [Blocker(problem.code, problem.why) for problem in problems]


def _gate_blockers(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime
) -> list[Blocker]:
    """The gates' hold and stop rules, as for any ask (a recent positive signal is not needed:
    the owner invites on the advocate's record, not on a new trigger)."""
    checks = [rule(snapshot, policy, now) for rule in (*HOLD_RULES, *STOP_RULES)]
    return [Blocker(check.reason, check.why) for check in checks if check.reason is not None]


def _preference_blockers(
    activity: Activity, contact: ContactItem, snapshot: EvidenceSnapshot, now: datetime
) -> list[Blocker]:
    checks = (
        advocate_unavailable(snapshot, contact, now),
        advocate_ask_limit(snapshot, contact, now),
    )
    found = [Blocker(check.reason, check.why) for check in checks if check.reason is not None]
    if avoided(snapshot, activity, contact):
        why = f"The owner recorded that {contact.id} does not want {label_of(activity).label}."
        found.append(Blocker("activity_avoided", why))
    return found


def _history_blockers(
    activity: Activity,
    contact: ContactItem,
    snapshot: EvidenceSnapshot,
    open_reviews: Sequence[str],
    now: datetime,
) -> list[Blocker]:
    words = label_of(activity).label
    mine = [
        ask for ask in snapshot.asks if ask.contact_id == contact.id and ask.ask_type == activity
    ]
    found: list[Blocker] = []
    pending = [ask.id for ask in mine if ask.outcome == "pending"]
    if activity in open_reviews or pending:
        where = f" ({', '.join(pending)})" if pending else " (a review waits for the owner)"
        found.append(Blocker("invitation_pending", f"An invitation to {words} is pending{where}."))
    elif open_reviews:
        why = f"A review of this account waits for the owner ({', '.join(open_reviews)})."
        found.append(Blocker("review_open", why))
    done = [
        ask.id
        for ask in mine
        if ask.outcome == "completed" and within(ask.asked_at, now, REPEAT_AFTER_DAYS)
    ]
    if done:
        why = (
            f"{contact.id} took part in {words} within {REPEAT_AFTER_DAYS} days: {', '.join(done)}."
        )
        found.append(Blocker("activity_done_recently", why))
    return found


def _permission_blockers(
    activity: Activity, snapshot: EvidenceSnapshot, now: datetime
) -> list[Blocker]:
    """A public activity needs its scope granted and unexpired before the invitation, not
    asked for inside it: the advocate's name and words would be public at the event."""
    scope = scope_of(activity)
    if scope is None:
        return []
    status = scope_status(snapshot, scope, now)
    if status == "granted":
        return []
    why = (
        f"{label_of(activity).label} is public: it needs a granted, unexpired permission for "
        f"{scope_words(scope)} (now {status_words(status)})."
    )
    return [Blocker("public_permission_needed", why)]


def invitation_report(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime, activity: Activity
) -> GateReport:
    """The report an invitation's review carries: a candidate for `activity` alone, with the
    account's flags and the permission flag of the activity's scope, and the positive signals
    and value proof the drafter may cite (none needed: the record is the reason)."""
    triggers = trigger_ids(snapshot, policy, now)
    checks = tuple(rule(snapshot, policy, now) for rule in (*HOLD_RULES, *STOP_RULES))
    permission = permission_flag(snapshot, now, activity)
    # No praise behind an invitation (its reason is the record): no praise flag to show.
    flags = [f for f in account_flags(snapshot, now, policy, triggers) if triggers or f != PRAISE]
    return GateReport(
        account_id=snapshot.account.id,
        status="candidate",
        flags=(*flags, *((permission,) if permission else ())),
        checks=checks,
        trigger_signal_ids=triggers,
        value_proof_ids=value_proof_ids(snapshot, policy, now),
        eligible_ask_types=(activity,),
        ask_type=activity,
    )


def first_open_activity(
    program: Program, blockers_of: Mapping[Activity, tuple[Blocker, ...]]
) -> Activity | None:
    """The program's first activity (in its own order) with no blocker, if any."""
    return next((a for a in program.activities if not blockers_of.get(a)), None)
