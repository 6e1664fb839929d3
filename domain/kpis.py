"""The seeds' KPIs and baseline rates as pure rules (issue 12): what a candidate has when it is
identified, which candidates count as eligible or referral-ready, the pilot thresholds, and the
buckets of days since the trigger. The README defines every figure in words."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.advocates import advocate_tier, tier_at_least
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot, scope_status
from domain.timing import ask_contact
from domain.vocabulary import ACTIVITIES, scope_of


def proposed_by_the_agent(data: Mapping[str, Any]) -> bool:
    """Whether an event's review was the agent's proposal, not the owner's invitation to a
    program activity (domain/invitations.py): the baseline rates and the pilot thresholds
    measure the agent's candidates, and an invitation rests on a record, not on new praise."""
    return data.get("ask_type") not in ACTIVITIES


PILOT_CANDIDATE_SHARE = 0.9
PILOT_REFERRAL_SHARE = 1.0
# Days since the trigger signal, as the response-rate table groups them: (upper bound, label).
DAY_BUCKETS: tuple[tuple[int, str], ...] = (
    (3, "0-3"),
    (7, "4-7"),
    (14, "8-14"),
    (30, "15-30"),
    (60, "31-60"),
    (10**6, "61+"),
)
# The seed's criteria of each baseline rate, as the keys of a candidate's readiness.
ELIGIBILITY_CRITERIA = (
    "satisfaction",
    "value_proof",
    "owner",
    "use_case_fit",
    "permission_known",
    "ask_type",
)
REFERRAL_CRITERIA = ("satisfaction", "value_proof", "owner", "timing_ok")


def candidate_readiness(
    snapshot: EvidenceSnapshot, report: GateReport, now: datetime, send_within_days: int
) -> dict[str, Any]:
    """What a candidate has when identified, for the baseline rates and the pilot: satisfaction
    signal, value proof, relationship owner, use-case fit (industry and segment known, what a
    prospect is matched on), a known permission status for the ask's scope, an ask type, the
    timing rule (the trigger within `send_within_days`), referral eligibility, and an open
    relationship risk (a low-priority ticket still open)."""
    scope = scope_of(report.ask_type) if report.ask_type else None
    known = scope is None or scope_status(snapshot, scope, now) in ("granted", "denied", "revoked")
    triggers = [s.occurred_at for s in snapshot.signals if s.id in report.trigger_signal_ids]
    days = (now - max(triggers)).days if triggers else None
    account = snapshot.account
    return {
        "ask_type": report.ask_type,
        "value_proof": bool(report.value_proof_ids),
        "satisfaction": bool(report.trigger_signal_ids),
        "contact": ask_contact(snapshot, report) is not None,
        "owner": bool(account.owner_id),
        "use_case_fit": bool(account.industry and account.segment),
        "permission_known": bool(report.ask_type) and known,
        "referral_eligible": "referral" in report.eligible_ask_types,
        "timing_ok": days is not None and days <= send_within_days,
        "days_since_trigger": days,
        "open_risk": "low_priority_ticket_open" in report.flags,
    }


def eligibility_ready(data: Mapping[str, Any]) -> bool:
    """advocate_candidate_eligibility_rate's numerator: every one of the seed's six criteria."""
    return all(data.get(name) for name in ELIGIBILITY_CRITERIA)


def referral_ready(data: Mapping[str, Any], approved: bool) -> bool:
    """referral_request_readiness_rate's numerator: satisfaction signal, value milestone,
    relationship owner, timing rule, and the owner's approval of the ask."""
    return approved and all(data.get(name) for name in REFERRAL_CRITERIA)


def days_bucket(days: int) -> str:
    """The response-rate bucket of `days` since the trigger (negative counts as 0)."""
    return next(label for bound, label in DAY_BUCKETS if max(days, 0) <= bound)


def share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# --- advocates --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompletedAsk:
    contact_id: str
    at: datetime


def repeat_share(completed: Iterable[CompletedAsk]) -> float | None:
    """Of the advocates (contacts with a completed ask), the share whose tier reaches `repeat`."""
    counts: dict[str, int] = {}
    for ask in completed:
        counts[ask.contact_id] = counts.get(ask.contact_id, 0) + 1
    repeat = sum(1 for n in counts.values() if tier_at_least(advocate_tier(n), "repeat"))
    return share(repeat, len(counts))


def retention_share(completed: Iterable[CompletedAsk], since: datetime) -> float | None:
    """Of the advocates who completed an ask before `since`, the share who completed another
    on or after it."""
    before: set[str] = set()
    after: set[str] = set()
    for ask in completed:
        (before if ask.at < since else after).add(ask.contact_id)
    return share(len(before & after), len(before))


# --- the pilot ----------------------------------------------------------------------------------


def pilot_candidate_problems(data: Mapping[str, Any], decision_status: str | None) -> list[str]:
    """Why a pilot candidate misses threshold 1 (value proof, no open relationship risk, an
    owner-approved ask type); empty when it meets it."""
    problems = []
    if not data.get("value_proof"):
        problems.append("no value proof")
    if data.get("open_risk"):
        problems.append("open relationship risk")
    if decision_status not in ("approved", "edited"):
        problems.append(f"ask type not approved by the owner ({decision_status or 'pending'})")
    return problems


def pilot_referral_problems(
    data: Mapping[str, Any], approved_at: datetime, sent_at: datetime | None
) -> list[str]:
    """Why an approved referral ask misses threshold 2 (value proof, no unresolved issue,
    the owner's approval before the request); empty when it meets it."""
    problems = []
    if not data.get("value_proof"):
        problems.append("no value proof")
    if data.get("open_issue"):
        problems.append("unresolved issue at approval")
    if sent_at is not None and sent_at < approved_at:
        problems.append("requested before the owner's approval")
    return problems
