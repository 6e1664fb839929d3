"""What the pages show, as plain values: the inbox rows, one review, the measurement chart.

Reads only, through the read use-cases; a decision goes through the decision use-case.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy.orm import Session

from agent.metrics import FUNNEL
from agent.usecases.reads import not_proposed_results, review_queue
from domain.evidence_words import describe_evidence, relative, title_of
from domain.labels import label_of
from domain.vocabulary import scope_of
from store.models import Review

NOT_PROPOSED_STATUSES = ("held", "stopped")
LISTED_ACCOUNTS = 100


def reason_words(code: str) -> str:
    """A code's label from the one label table (domain/labels.py)."""
    return label_of(code).label


def explain(code: str) -> str:
    return label_of(code).explanation


def urlpart(value: str) -> str:
    """An id as one path segment or query value: `task:rv-1/x` -> `task%3Arv-1%2Fx`."""
    return quote(value, safe="")


def age_words(then: datetime, now: datetime) -> str:
    return relative(then, now)


# --- inbox -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxRow:
    review_id: str
    account_id: str
    account_name: str
    trigger: str
    trigger_age: str
    ask_type: str
    flags: list[str]
    owner_only: bool
    programs: list[str] = field(default_factory=list)


@dataclass
class NotProposed:
    """The owner's held and stopped accounts in the latest finished scan, and why."""

    scan_id: str | None = None
    as_of: datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)
    reasons: list[tuple[str, int]] = field(default_factory=list)
    accounts: list[tuple[str, str, str, list[str]]] = field(default_factory=list)


def describe_signal(signal: dict[str, Any]) -> str:
    """The trigger signal's title in words ("G2 review, 4 of 5 stars")."""
    return title_of(signal) if signal else "signal"


def _trigger(review: Review) -> dict[str, Any]:
    signals: list[dict[str, Any]] = review.payload.get("trigger_signals", [])
    at = review.trigger_at.isoformat().replace("+00:00", "Z")
    matching = [s for s in signals if s.get("occurred_at") == at]
    return (matching or signals or [{}])[0]


def inbox_rows(*, session: Session, owner_id: str, now: datetime) -> list[InboxRow]:
    """The owner's pending reviews in the API's order (oldest trigger signal first)."""
    return [
        InboxRow(
            review_id=review.id,
            account_id=review.account_id,
            account_name=str(review.payload.get("account", {}).get("name", review.account_id)),
            trigger=describe_signal(_trigger(review)),
            trigger_age=age_words(review.trigger_at, now),
            ask_type=review.ask_type,
            flags=[flag for flag in review.flags if flag != "owner_only"],
            owner_only=review.owner_only,
            programs=list(review.payload.get("programs") or []),
        )
        for review in review_queue(session=session, owner_id=owner_id)
    ]


def not_proposed(*, session: Session, owner_id: str) -> NotProposed:
    latest, rows = not_proposed_results(
        session=session, owner_id=owner_id, statuses=NOT_PROPOSED_STATUSES
    )
    if latest is None:
        return NotProposed()
    counts = Counter(row.status for row in rows)
    reasons = Counter(reason for row in rows for reason in row.reasons)
    return NotProposed(
        scan_id=latest.id,
        as_of=latest.as_of,
        counts={status: counts.get(status, 0) for status in NOT_PROPOSED_STATUSES},
        reasons=sorted(reasons.items(), key=lambda item: (-item[1], item[0])),
        accounts=[
            (row.account_id, row.name, row.status, list(row.reasons))
            for row in rows[:LISTED_ACCOUNTS]
        ],
    )


# --- one review -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Permission:
    scope: str | None
    status: str


def permission_for(review: Review, ask_type: str) -> Permission:
    """The consent status of the scope the ask type relies on, from the review's flags."""
    scope = scope_of(ask_type)
    if scope is None:
        return Permission(scope=None, status="not needed")
    prefix = f"permission:{scope}:"
    status = next((f.removeprefix(prefix) for f in review.flags if f.startswith(prefix)), None)
    return Permission(scope=scope, status=status or "unknown")


def review_context(review: Review, now: datetime) -> dict[str, Any]:
    payload = review.payload
    return {
        "review": review,
        "payload": payload,
        "account": payload.get("account", {}),
        "trigger_age": age_words(review.trigger_at, now),
        "evidence": payload.get("evidence", []),
        "evidence_words": describe_evidence(payload, now),
        "fallback_reasons": fallback_reasons(payload),
        "evidence_ids": {str(item.get("id")) for item in payload.get("evidence", [])},
        "summary": payload.get("summary", {}),
        "checks": payload.get("gate_report", {}).get("checks", []),
        "draft": payload.get("draft", {}),
        "eligible": payload.get("eligible_ask_types", []),
        "permission": permission_for(review, review.ask_type),
        "flags": [flag for flag in review.flags if flag != "owner_only"],
    }


def fallback_reasons(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(part, the checks' own words) for each text the offline template wrote instead of the
    model: why the model's text was not used."""
    written = payload.get("written_by", {})
    return [
        (part, [str(reason) for reason in written[part].get("failures", [])])
        for part in ("summary", "draft")
        if written.get(part, {}).get("fallback")
    ]


# --- measurements ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    code: str
    label: str
    count: int
    y: int
    width: int


CHART_WIDTH = 420
ROW_HEIGHT = 26


def funnel_bars(figures: dict[str, Any]) -> list[Bar]:
    """One horizontal bar per event kind, scaled to the largest count."""
    counts = [int(figures.get(kind, 0)) for kind in FUNNEL]
    largest = max([*counts, 1])
    return [
        Bar(
            code=kind,
            label=label_of(kind).label,
            count=count,
            y=index * ROW_HEIGHT,
            width=max(round(CHART_WIDTH * count / largest), 1 if count else 0),
        )
        for index, (kind, count) in enumerate(zip(FUNNEL, counts, strict=True))
    ]


RATES: tuple[str, ...] = (
    "advocate_candidate_eligibility_rate",
    "referral_request_readiness_rate",
    "promoter_rate",
    "repeat_advocacy_rate",
    "advocate_retention_rate",
    "referral_conversion_rate",
    "pilot_approved_with_value_proof_share",
    "pilot_referral_asks_with_value_proof_share",
)
PASSES = {
    "pilot_approved_with_value_proof_share": "pilot_approved_with_value_proof_pass",
    "pilot_referral_asks_with_value_proof_share": "pilot_referral_asks_with_value_proof_pass",
}


def percent(value: float | None) -> str:
    return "no data yet" if value is None else f"{value * 100:.1f}%"


# The seeds' KPIs that are counts or amounts, not rates: (key, words).
KPI_FIGURES: tuple[tuple[str, str], ...] = (
    ("advocate_pool_size", "contacts with a completed ask"),
    ("activities_per_advocate", "completed asks per advocate"),
    ("asks_per_customer", "asks in the period per account (touches)"),
    ("referral_pipeline_amount", "amount of generated referrals"),
    ("referral_revenue_amount", "amount of converted referrals"),
)


def kpi_rows(figures: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(KPI, what it counts, value) for the figures that are not rates."""
    return [
        (name, words, "no data yet" if figures.get(name) is None else str(figures[name]))
        for name, words in KPI_FIGURES
    ]


def day_rows(figures: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    """(days since the trigger, sent, responded, rate) for the response-rate table."""
    table = figures.get("response_rate_by_days_since_trigger") or {}
    return [
        (bucket, row["sent"], row["responded"], percent(row["rate"]))
        for bucket, row in sorted(
            table.items(), key=lambda item: int(item[0].split("-")[0].rstrip("+"))
        )
    ]


def rate_rows(figures: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(metric, what it measures, value, pilot verdict) for the rates table, in words."""
    rows = []
    for name in RATES:
        verdict = "not a pilot threshold"
        if name in PASSES:
            passed = figures.get(PASSES[name])
            verdict = "not measured yet" if passed is None else ("pass" if passed else "fail")
        label = label_of(name)
        rows.append((label.label, label.explanation, percent(figures.get(name)), verdict))
    return rows


LIFE_COUNTS: tuple[str, ...] = ("asks_sent", "asks_responded", "asks_accepted")
LIFE_COUNTS += ("asks_completed", "overdue_tasks", "escalations")
LIFE_HOURS = ("hours_trigger_to_approval", "hours_approval_to_send", "hours_send_to_response")


def _spread_text(spread: dict[str, Any]) -> str:
    if not spread or spread.get("median") is None:
        return "no data yet"
    return f"{spread['median']:.1f} h / {spread['p90']:.1f} h"


def life_rows(figures: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(who, cells) for the ask-after-approval table: everyone's first, then each owner's."""
    groups = [("All owners", figures), *sorted(figures.get("by_owner", {}).items())]
    rows = []
    for who, group in groups:
        cells = [str(group.get(key, 0)) for key in LIFE_COUNTS]
        cells += [_spread_text(group.get(key, {})) for key in LIFE_HOURS]
        rows.append((who, cells))
    return rows
