"""The ask policy (DESIGN.md section 4): which ask types fit this account now, and which to make.

A pure function of the evidence snapshot, the policy settings and `now`. It reads kinds, scores,
dates, flags and whether a text is present, never what a text says: customer text may contain
instructions and must change nothing. Evidence dated after `now` is ignored everywhere, and
"in the window" always means the trigger window (`trigger_window_days`, both ends inclusive).

The window and trigger helpers live here too because the gates need the same readings and import
this module (the gates call the policy, never the reverse).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import NamedTuple, Protocol

from domain.journeys import avoided, completed_before
from domain.labels import label_of, scope_words, status_words
from domain.report import AskOption, AskPolicyResult
from domain.settings import PolicySettings
from domain.snapshot import ContactItem, EvidenceSnapshot, SignalItem, scope_status
from domain.timing import CHAMPION_ASKS, contact_for
from domain.vocabulary import ALWAYS_POSITIVE_KINDS, SCOPE_OF_ASK, VALUE_PROOF_KINDS, AskType

# Ladder order, highest proof and relationship first; the recommendation is the first eligible.
LADDER: tuple[AskType, ...] = (
    "case_study",
    "reference_call",
    "testimonial",
    "referral",
    "review",
    "private_feedback",
)
BLOCKING_SCOPE_STATUSES = frozenset({"denied", "revoked"})


def within(moment: datetime, now: datetime, days: int) -> bool:
    """True when `moment` is at most `days` days before `now` and not after it (inclusive)."""
    return now - timedelta(days=days) <= moment <= now


class Scored(Protocol):
    """What the positivity rule reads of a signal: a snapshot item or an incoming bundle row."""

    @property
    def kind(self) -> str: ...
    @property
    def score(self) -> int | None: ...
    @property
    def sentiment(self) -> str | None: ...


def is_positive(signal: Scored, policy: PolicySettings) -> bool:
    """A positive signal: nps >= promoter min, csat/review >= their min, positive feedback,
    or any outcome, renewal, expansion, project_close, support_praise or usage_milestone."""
    if signal.kind in ALWAYS_POSITIVE_KINDS:
        return True
    thresholds = {
        "nps": policy.nps_promoter_min,
        "csat": policy.csat_positive_min,
        "review": policy.review_positive_min,
    }
    if signal.kind in thresholds:
        return signal.score is not None and signal.score >= thresholds[signal.kind]
    return signal.kind == "feedback" and signal.sentiment == "positive"


def trigger_ids(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime
) -> tuple[str, ...]:
    """Ids of the positive signals and the referrals submitted in the trigger window, newest first.

    A referral counts whatever its later status: submitting one is itself an act of advocacy.
    """
    days = policy.trigger_window_days
    dated = [
        (signal.occurred_at, signal.id)
        for signal in snapshot.signals
        if is_positive(signal, policy) and within(signal.occurred_at, now, days)
    ]
    dated += [
        (referral.submitted_at, referral.id)
        for referral in snapshot.referrals
        if within(referral.submitted_at, now, days)
    ]
    return _newest_first(dated)


def value_proof_ids(
    snapshot: EvidenceSnapshot, policy: PolicySettings, now: datetime
) -> tuple[str, ...]:
    """Ids of outcome, renewal, expansion and project_close signals in the window, newest first."""
    return _newest_first(
        (signal.occurred_at, signal.id)
        for signal in snapshot.signals
        if signal.kind in VALUE_PROOF_KINDS
        and within(signal.occurred_at, now, policy.trigger_window_days)
    )


def tenure_days(snapshot: EvidenceSnapshot, now: datetime) -> int | None:
    """Whole days since `customer_since`; None when unknown (unknown is never enough tenure)."""
    since = snapshot.account.customer_since
    return None if since is None else (now.date() - since).days


def _newest_first(dated: Iterable[tuple[datetime, str]]) -> tuple[str, ...]:
    # Ties on time fall back to the id so that the order never depends on input order.
    ordered = sorted(dated, key=lambda pair: (pair[0], pair[1]), reverse=True)
    return tuple(item_id for _, item_id in ordered)


class _Need(NamedTuple):
    """One requirement of an ask type: what it is, whether it is met, with which evidence."""

    text: str
    met: bool


class _Facts(NamedTuple):
    """What the ladder reads, computed once from the snapshot."""

    snapshot: EvidenceSnapshot
    policy: PolicySettings
    now: datetime
    window: tuple[SignalItem, ...]
    trigger_ids: tuple[str, ...]
    value_proof_ids: tuple[str, ...]
    champions: tuple[ContactItem, ...]
    tenure: int | None
    # The contact an ask goes to depends on the ask type only through CHAMPION_ASKS: the two
    # answers, found once rather than once per rung of the ladder.
    champion_contact: ContactItem | None
    contact: ContactItem | None


def _ids(signals: Iterable[SignalItem], keep: Callable[[SignalItem], bool]) -> list[str]:
    return [signal.id for signal in signals if keep(signal)]


def _found(label: str, ids: list[str]) -> _Need:
    return _Need(f"{label} ({', '.join(ids)})" if ids else f"{label} (none)", bool(ids))


def _tenure_need(facts: _Facts, minimum: int) -> _Need:
    shown = "unknown" if facts.tenure is None else f"{facts.tenure} days"
    enough = facts.tenure is not None and facts.tenure >= minimum
    return _Need(f"customer for >= {minimum} days ({shown})", enough)


def _champion_need(facts: _Facts) -> _Need:
    return _found("a champion contact", [contact.id for contact in facts.champions])


def _promoter(facts: _Facts, signal: SignalItem) -> bool:
    score = signal.score
    return signal.kind == "nps" and score is not None and score >= facts.policy.nps_promoter_min


def _good_review(facts: _Facts, signal: SignalItem) -> bool:
    score = signal.score
    minimum = facts.policy.review_positive_min
    return signal.kind == "review" and score is not None and score >= minimum


def _case_study(facts: _Facts) -> list[_Need]:
    """An outcome with metric and value, tenure, a champion, and nps or review praise."""
    nps = facts.policy.nps_promoter_min
    review = facts.policy.review_positive_min
    return [
        _found(
            "an outcome with a metric and a value in the window",
            _ids(facts.window, lambda s: s.kind == "outcome" and bool(s.metric and s.value)),
        ),
        _tenure_need(facts, facts.policy.case_study_tenure_days),
        _champion_need(facts),
        _found(
            f"nps >= {nps} or review >= {review} in the window",
            _ids(facts.window, lambda s: _promoter(facts, s) or _good_review(facts, s)),
        ),
    ]


def _fatigued(facts: _Facts, contact: ContactItem) -> bool:
    calls = [
        ask
        for ask in facts.snapshot.asks
        if ask.ask_type == "reference_call"
        and ask.contact_id == contact.id
        and within(ask.asked_at, facts.now, facts.policy.reference_window_days)
    ]
    return len(calls) >= facts.policy.reference_calls_per_contact


def _reference_call(facts: _Facts) -> list[_Need]:
    """Tenure, a champion, a promoter nps, and a champion not yet tired of reference calls."""
    policy = facts.policy
    rested = [contact.id for contact in facts.champions if not _fatigued(facts, contact)]
    fatigue = (
        f"a champion with fewer than {policy.reference_calls_per_contact} reference calls "
        f"in {policy.reference_window_days} days"
    )
    return [
        _tenure_need(facts, policy.reference_call_tenure_days),
        _champion_need(facts),
        _found(
            f"nps >= {policy.nps_promoter_min} in the window",
            _ids(facts.window, lambda s: _promoter(facts, s)),
        ),
        _found(fatigue, rested),
    ]


def _quotable(facts: _Facts, signal: SignalItem) -> bool:
    if _promoter(facts, signal) or _good_review(facts, signal):
        return True
    praise = signal.kind == "support_praise" or (
        signal.kind == "feedback" and signal.sentiment == "positive"
    )
    # Only the presence of a text matters: its words are never read.
    return praise and bool(signal.text and signal.text.strip())


def _testimonial(facts: _Facts) -> list[_Need]:
    """Quotable praise in the window (promoter nps, good review, praise with text) and a person."""
    named = [contact.id for contact in facts.snapshot.contacts if contact.name.strip()]
    return [
        _found(
            "nps, review, support praise or positive feedback with text in the window",
            _ids(facts.window, lambda s: _quotable(facts, s)),
        ),
        _found("a named contact", named),
    ]


def _referral(facts: _Facts) -> list[_Need]:
    """A positive signal plus value proof, both in the window."""
    return [
        _found("a positive signal in the window", list(facts.trigger_ids)),
        _found("value proof in the window", list(facts.value_proof_ids)),
    ]


def _review(facts: _Facts) -> list[_Need]:
    """Any positive signal in the window."""
    return [_found("a positive signal in the window", list(facts.trigger_ids))]


def _private_feedback(facts: _Facts) -> list[_Need]:
    """Always eligible once the account is triggered."""
    return [_Need("a recent positive signal", bool(facts.trigger_ids))]


_NEEDS: dict[AskType, Callable[[_Facts], list[_Need]]] = {
    "case_study": _case_study,
    "reference_call": _reference_call,
    "testimonial": _testimonial,
    "referral": _referral,
    "review": _review,
    "private_feedback": _private_feedback,
}


def _option(facts: _Facts, ask_type: AskType) -> AskOption:
    scope = SCOPE_OF_ASK[ask_type]
    if scope is not None:
        status = scope_status(facts.snapshot, scope, facts.now)
        if status in BLOCKING_SCOPE_STATUSES:
            why = f"Not eligible: permission for {scope_words(scope)} is {status_words(status)}."
            return AskOption(ask_type=ask_type, eligible=False, why=why)
    contact = facts.champion_contact if ask_type in CHAMPION_ASKS else facts.contact
    if contact is not None and avoided(facts.snapshot, ask_type, contact):
        what = label_of(ask_type).label.lower()
        why = f"Not eligible: the owner recorded that {contact.id} does not want {what} asks."
        return AskOption(ask_type=ask_type, eligible=False, why=why)
    needs = _NEEDS[ask_type](facts)
    missing = [need.text for need in needs if not need.met]
    if missing:
        return AskOption(ask_type=ask_type, eligible=False, why="Missing: " + "; ".join(missing))
    why = "Has " + "; ".join(need.text for need in needs) + "."
    done = completed_before(facts.snapshot, ask_type, contact, facts.now)
    if done is not None and contact is not None:
        why += (
            f" Ranks below the types {contact.id} has not done: they completed a"
            f" {label_of(ask_type).label.lower()}"
            f" on {done.asked_at.date().isoformat()} ({done.id})."
        )
    return AskOption(ask_type=ask_type, eligible=True, why=why, repeat=done is not None)


def choose_ask(
    snapshot: EvidenceSnapshot,
    policy: PolicySettings,
    now: datetime,
    *,
    trigger_ids: tuple[str, ...],
    value_proof_ids: tuple[str, ...],
) -> AskPolicyResult:
    """Walk the ladder (case_study, reference_call, testimonial, referral, review,
    private_feedback) and recommend the highest eligible type the contact to ask has not
    completed within a year (domain/journeys.py); a repeat only when nothing else is eligible.

    A type whose scope's latest status is denied or revoked, or that the contact asked to
    avoid, is never eligible. Every option carries a `why` that names what it has or what it
    is missing, with evidence ids.
    """
    facts = _Facts(
        snapshot=snapshot,
        policy=policy,
        now=now,
        window=tuple(
            s for s in snapshot.signals if within(s.occurred_at, now, policy.trigger_window_days)
        ),
        trigger_ids=trigger_ids,
        value_proof_ids=value_proof_ids,
        champions=tuple(contact for contact in snapshot.contacts if contact.champion),
        tenure=tenure_days(snapshot, now),
        champion_contact=contact_for(snapshot, "case_study", trigger_ids),
        contact=contact_for(snapshot, None, trigger_ids),
    )
    options = tuple(_option(facts, ask_type) for ask_type in LADDER)
    result = AskPolicyResult(options=options, recommended=None, why="No ask type is eligible.")
    if not result.eligible:
        return result
    chosen = next(o for o in options if o.ask_type == result.eligible[0])
    passed = [
        o.ask_type
        for o in options
        if o.repeat and LADDER.index(o.ask_type) < LADDER.index(chosen.ask_type)
    ]
    if chosen.repeat:
        why = (
            f"{chosen.ask_type} is the highest eligible ask type; the contact has done every"
            f" eligible type in the last year: {chosen.why}"
        )
    elif passed:
        why = (
            f"{chosen.ask_type} is the highest eligible ask type the contact has not done in"
            f" the last year ({', '.join(passed)} done already, ranked below): {chosen.why}"
        )
    else:
        why = f"{chosen.ask_type} is the highest eligible ask type: {chosen.why}"
    return AskPolicyResult(options=options, recommended=chosen.ask_type, why=why)
