"""The deterministic gates (DESIGN.md section 4): not_triggered, held, stopped or candidate.

`evaluate` is a pure function of an evidence snapshot, the policy settings and `now`: no database,
no clock, no LLM. It reads ids, kinds, scores, dates, statuses and flags, never what a free text
says, so customer text carrying instructions changes nothing. Evidence dated after `now` is
ignored. Every window is inclusive: "within 90 days" holds at exactly 90 days, not at 91.

Precedence: without a positive signal in the trigger window the account is `not_triggered` and
nothing else is evaluated. Otherwise every hold and stop rule runs; any stop reason makes it
`stopped`, else any hold reason `held`, else it is a candidate: the ask policy picks the ask type
and the consent check on that type's scope may still stop it, and the owner's preferences for
the contact that ask goes to may still hold it (`advocate_unavailable`, `advocate_ask_limit`:
domain/journeys.py). Each rule is a small function
returning a RuleCheck (passed or not), so the owner's page can list every rule with its why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from domain.flags import account_flags, live_tickets, permission_flag
from domain.journeys import advocate_ask_limit, advocate_unavailable, skipped
from domain.labels import label_of, scope_words, status_words
from domain.policy import choose_ask, trigger_ids, value_proof_ids, within
from domain.report import AskPolicyResult, GateReport, RuleCheck
from domain.settings import PolicySettings
from domain.snapshot import (
    AskItem,
    EvidenceSnapshot,
    SignalItem,
    scope_status,
)
from domain.timing import contact_for
from domain.vocabulary import SCOPE_OF_ASK, STOP_REASONS, AskType, ReasonCode, Status

Rule = Callable[[EvidenceSnapshot, PolicySettings, datetime], RuleCheck]

# Reasons are reported in the order DESIGN.md section 6 lists them, whatever the rule order.
REASON_ORDER: tuple[ReasonCode, ...] = ReasonCode.__args__  # type: ignore[attr-defined]
UNRESOLVED_REWARDS = frozenset({"pending", "disputed"})
CONTACT_BLOCKING = frozenset({"denied", "revoked"})


def _check(code: ReasonCode, hits: Sequence[str], raised: str, clear: str) -> RuleCheck:
    """A RuleCheck that failed when `hits` (the offending evidence ids) is not empty."""
    if not hits:
        return RuleCheck(rule=code, passed=True, why=clear)
    why = f"{raised}: {', '.join(hits)}."
    return RuleCheck(rule=code, passed=False, reason=code, why=why, evidence_ids=tuple(hits))


def _asks(snapshot: EvidenceSnapshot, now: datetime) -> list[AskItem]:
    return [ask for ask in snapshot.asks if ask.asked_at <= now]


def _asks_within(snapshot: EvidenceSnapshot, now: datetime, days: int) -> list[AskItem]:
    return [ask for ask in snapshot.asks if within(ask.asked_at, now, days)]


# --- hold rules -----------------------------------------------------------------------------


def open_ticket(snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime) -> RuleCheck:
    """Held while any ticket is open or pending with priority normal, high or urgent.

    An open low-priority ticket does not hold (it only raises `low_priority_ticket_open`).
    """
    hits = [t.id for t in live_tickets(snapshot, now) if t.priority != "low"]
    return _check(
        "open_ticket",
        hits,
        "Open or pending ticket with priority normal or above",
        "No open or pending ticket with priority normal or above.",
    )


def billing_or_delivery_ticket(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime
) -> RuleCheck:
    """Held while a billing or delivery ticket is open or pending, at any priority.

    A high-priority billing ticket raises this and `open_ticket`: every reason is reported.
    """
    hits = [t.id for t in live_tickets(snapshot, now) if t.category in ("billing", "delivery")]
    return _check(
        "billing_or_delivery_ticket",
        hits,
        "Open or pending billing or delivery ticket",
        "No open or pending billing or delivery ticket.",
    )


def _is_complaint(signal: SignalItem, policy: PolicySettings) -> bool:
    if signal.kind == "complaint":
        return True
    if signal.kind == "feedback":
        return signal.sentiment == "negative"
    score = signal.score
    return signal.kind == "nps" and score is not None and score <= policy.nps_detractor_max


def recent_complaint(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime
) -> RuleCheck:
    """Held after a complaint, a negative feedback or a detractor nps (<= nps_detractor_max)
    within complaint_window_days."""
    days, detractor = policy.complaint_window_days, policy.nps_detractor_max
    hits = [
        s.id
        for s in snapshot.signals
        if _is_complaint(s, policy) and within(s.occurred_at, now, days)
    ]
    return _check(
        "recent_complaint",
        hits,
        f"Complaint, negative feedback or nps <= {detractor} in the last {days} days",
        f"No complaint, negative feedback or detractor nps in the last {days} days.",
    )


def low_health(snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime) -> RuleCheck:
    """Held while the health score is below health_min. An unknown score does not hold."""
    score = snapshot.account.health_score
    if score is None:
        return RuleCheck(rule="low_health", passed=True, why="Health score unknown: not held.")
    if score >= policy.health_min:
        why = f"Health score {score} is at least {policy.health_min}."
        return RuleCheck(rule="low_health", passed=True, why=why)
    why = f"Health score {score} is below {policy.health_min}."
    return RuleCheck(rule="low_health", passed=False, reason="low_health", why=why)


def pending_ask(snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime) -> RuleCheck:
    """Held while a previous ask is still pending, however old it is."""
    hits = [ask.id for ask in _asks(snapshot, now) if ask.outcome == "pending"]
    return _check("pending_ask", hits, "A previous ask is still pending", "No ask is pending.")


def recent_ask(snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime) -> RuleCheck:
    """Held after any ask to the account within recent_ask_days, whatever its outcome."""
    days = policy.recent_ask_days
    hits = [ask.id for ask in _asks_within(snapshot, now, days)]
    return _check(
        "recent_ask", hits, f"Asked in the last {days} days", f"No ask in the last {days} days."
    )


def ask_limit(snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime) -> RuleCheck:
    """Held when ask_limit_count or more asks were made within ask_limit_days."""
    days, limit = policy.ask_limit_days, policy.ask_limit_count
    asks = [ask.id for ask in _asks_within(snapshot, now, days)]
    hits = asks if len(asks) >= limit else []
    return _check(
        "ask_limit",
        hits,
        f"{len(asks)} asks in the last {days} days (limit {limit})",
        f"{len(asks)} asks in the last {days} days, fewer than {limit}.",
    )


def recent_decline(snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime) -> RuleCheck:
    """Held after a declined ask within decline_window_days (dated by when it was asked)."""
    days = policy.decline_window_days
    asks = _asks_within(snapshot, now, days)
    hits = [ask.id for ask in asks if ask.outcome == "declined"]
    return _check(
        "recent_decline",
        hits,
        f"An ask was declined in the last {days} days",
        f"No declined ask in the last {days} days.",
    )


def recently_rejected(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime
) -> RuleCheck:
    """Held within rejection_cooldown_days of the owner rejecting a review of the account."""
    days = policy.rejection_cooldown_days
    hits = [r.id for r in snapshot.rejections if within(r.decided_at, now, days)]
    return _check(
        "recently_rejected",
        hits,
        f"The owner rejected an ask for this account in the last {days} days",
        f"No ask rejected by the owner in the last {days} days.",
    )


# --- stop rules -----------------------------------------------------------------------------


def do_not_contact(snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime) -> RuleCheck:
    """Stopped when the account is do_not_contact or its latest marketing_contact record is
    denied or revoked.

    A tie of latest records where one says denied or revoked also stops: a refusal to be
    contacted is honoured even when another record of the same moment disagrees.
    """
    latest = [p for p in snapshot.permissions if p.scope == "marketing_contact"]
    refusals = [p.id for p in latest if p.status in CONTACT_BLOCKING]
    if not (snapshot.account.do_not_contact or refusals):
        return RuleCheck(rule="do_not_contact", passed=True, why="Contact is allowed.")
    why = "The account is marked do_not_contact." if snapshot.account.do_not_contact else ""
    if refusals:
        why = f"{why} marketing_contact denied or revoked: {', '.join(refusals)}.".strip()
    return RuleCheck(
        rule="do_not_contact",
        passed=False,
        reason="do_not_contact",
        why=why,
        evidence_ids=tuple(refusals),
    )


def attribution_disputed(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime
) -> RuleCheck:
    """Stopped when the attribution of any referral of the account is disputed."""
    hits = [r.id for r in snapshot.referrals if r.attribution_disputed and r.submitted_at <= now]
    return _check(
        "attribution_disputed",
        hits,
        "Referral attribution is disputed",
        "No referral attribution is disputed.",
    )


def reward_unresolved(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime
) -> RuleCheck:
    """Stopped while a reward or commission is unresolved: a referral whose reward_status is
    pending or disputed, a pending ask that carries an incentive, or a row of the rewards
    ledger neither fulfilled nor cancelled."""
    referrals = [
        r.id
        for r in snapshot.referrals
        if r.reward_status in UNRESOLVED_REWARDS and r.submitted_at <= now
    ]
    # Only the presence of an incentive matters, never its wording.
    asks = [
        ask.id
        for ask in _asks(snapshot, now)
        if ask.outcome == "pending" and ask.incentive and ask.incentive.strip()
    ]
    # The rewards ledger: a proposed or approved reward not yet fulfilled or cancelled.
    ledger = [reward.id for reward in snapshot.rewards if reward.created_at <= now]
    return _check(
        "reward_unresolved",
        referrals + asks + ledger,
        "A reward or incentive is unresolved",
        "No reward or incentive is unresolved.",
    )


def consent_unclear(snapshot: EvidenceSnapshot, now: datetime, ask_type: AskType) -> RuleCheck:
    """Stopped when the scope of the recommended ask type is unclear: its latest records
    disagree (recorded at the same time), or its latest grant has expired.

    Ask types that need no scope (referral, private_feedback) always pass.
    """
    scope = SCOPE_OF_ASK[ask_type]
    if scope is None:
        why = f"{label_of(ask_type).label} needs no permission."
        return RuleCheck(rule="consent_unclear", passed=True, why=why)
    status = scope_status(snapshot, scope, now)
    ids = tuple(p.id for p in snapshot.permissions if p.scope == scope)
    if status not in ("unclear", "expired"):
        # Passing this rule only means the records agree: say what they say, not "unclear".
        why = f"Permission for {scope_words(scope)} is {status_words(status)}; no records disagree."
        return RuleCheck(rule="consent_unclear", passed=True, why=why, evidence_ids=ids)
    detail = "latest records disagree" if status == "unclear" else "latest grant has expired"
    return RuleCheck(
        rule="consent_unclear",
        passed=False,
        reason="consent_unclear",
        why=f"Permission for {scope_words(scope)} is unclear: its {detail}.",
        evidence_ids=ids,
    )


HOLD_RULES: tuple[Rule, ...] = (
    open_ticket,
    billing_or_delivery_ticket,
    recent_complaint,
    low_health,
    pending_ask,
    recent_ask,
    ask_limit,
    recent_decline,
    recently_rejected,
)
STOP_RULES: tuple[Rule, ...] = (do_not_contact, attribution_disputed, reward_unresolved)


# --- evaluation -----------------------------------------------------------------------------


def _trigger_check(triggers: Sequence[str], policy: PolicySettings) -> RuleCheck:
    days = policy.trigger_window_days
    if triggers:
        why = f"Positive signal in the last {days} days: {', '.join(triggers)}."
        return RuleCheck(rule="positive_signal", passed=True, why=why, evidence_ids=tuple(triggers))
    return RuleCheck(
        rule="positive_signal",
        passed=False,
        reason="no_positive_signal",
        why=f"No positive signal or submitted referral in the last {days} days.",
    )


def _reasons(checks: Sequence[RuleCheck]) -> tuple[ReasonCode, ...]:
    raised = {check.reason for check in checks if check.reason is not None}
    return tuple(code for code in REASON_ORDER if code in raised)


def _status_of(reasons: Sequence[ReasonCode]) -> Status:
    if any(code in STOP_REASONS for code in reasons):
        return "stopped"
    return "held" if reasons else "candidate"


def _skipped_consent() -> RuleCheck:
    why = "Not evaluated: the account is already held or stopped, so no ask type was chosen."
    return RuleCheck(rule="consent_unclear", passed=True, why=why, evaluated=False)


def evaluate(snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime) -> GateReport:
    """Gate one account at `now` (DESIGN.md section 4 precedence); see the module docstring."""
    account_id = snapshot.account.id
    triggers = trigger_ids(snapshot, policy, now)
    trigger = _trigger_check(triggers, policy)
    if not triggers:
        return GateReport(
            account_id=account_id,
            status="not_triggered",
            reasons=("no_positive_signal",),
            checks=(trigger,),
        )
    proof = value_proof_ids(snapshot, policy, now)
    checks = [trigger, *(rule(snapshot, policy, now) for rule in (*HOLD_RULES, *STOP_RULES))]
    flags = account_flags(snapshot, now, policy, triggers)
    ask: AskPolicyResult | None = None
    if _reasons(checks):
        checks += [
            _skipped_consent(),
            skipped("advocate_unavailable"),
            skipped("advocate_ask_limit"),
        ]
    else:
        ask = choose_ask(snapshot, policy, now, trigger_ids=triggers, value_proof_ids=proof)
        flags, consent = _consent(snapshot, now, ask, flags)
        contact = contact_for(snapshot, ask.recommended, triggers)
        checks += [
            consent,
            advocate_unavailable(snapshot, contact, now),
            advocate_ask_limit(snapshot, contact, now),
        ]
    reasons = _reasons(checks)
    return GateReport(
        account_id=account_id,
        status=_status_of(reasons),
        reasons=reasons,
        flags=flags,
        checks=tuple(checks),
        trigger_signal_ids=triggers,
        value_proof_ids=proof,
        eligible_ask_types=ask.eligible if ask else (),
        ask_type=ask.recommended if ask else None,
        ask_policy=ask,
    )


def _consent(
    snapshot: EvidenceSnapshot, now: datetime, ask: AskPolicyResult, flags: tuple[str, ...]
) -> tuple[tuple[str, ...], RuleCheck]:
    """The consent check on the recommended type's scope, and the flags with its permission."""
    if ask.recommended is None:
        # Unreachable once triggered (private_feedback is always eligible); kept total.
        return flags, RuleCheck(rule="consent_unclear", passed=True, why="No ask type chosen.")
    permission = permission_flag(snapshot, now, ask.recommended)
    extra = (permission,) if permission else ()
    return (*flags, *extra), consent_unclear(snapshot, now, ask.recommended)
