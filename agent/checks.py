"""Output checks on summaries and drafts: pure functions, a list of problems (empty = ok).

Problem strings are sent back to the model on a retry, so they never quote internal data
(ticket subjects, company names): they say what kind of thing was found, not its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from agent.report import GateReport
from tools.snapshot import Channel, EvidenceSnapshot

if TYPE_CHECKING:  # writing.py imports this module at run time
    from agent.writing import AdvocacySummary, AskDraft

SUBJECT_MAX = 120
EMAIL_BODY_MIN = 200
EMAIL_BODY_MAX = 2000
CALL_BODY_MIN = 40
CALL_BODY_MAX = 1500
HEADLINE_MAX = 160
POINT_MAX = 300
POINTS_MAX = 5

_I = re.IGNORECASE
PERMISSION_CLAIMS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, _I)
    for pattern in (
        r"\bthanks?( you)? (so much )?for (agreeing|approving|allowing|consenting|signing)",
        r"\bthanks?( you)? (so much )?for (giving |granting )?(us )?(your |the )?"
        r"(permission|consent|approval|go-ahead|ok)\b",
        r"\bas (you )?(approved|agreed|allowed|permitted|consented|discussed and agreed)\b",
        r"\byou('ve| have)? (already )?(approved|agreed to|consented|signed off|okayed)\b",
        r"\byou('ve| have)? (already )?(given|granted) (us )?(your |the )?"
        r"(permission|consent|approval|ok)\b",
        r"\bwith your (permission|approval|consent),? we('ve| have| already)\b",
        r"\b(permission|consent|approval|release) (was|is|has been|had been) "
        r"(granted|given|confirmed|received|signed)\b",
        r"\bpermission granted\b",
        r"\bnow that you('ve| have) (agreed|approved|consented)\b",
        r"\b(already )?(approved|cleared) (for|to be) (publication|published|featured)\b",
        r"\byour (signed )?release form\b",
    )
)
# "We'll publish your quote" claims permission unless the sentence is conditional or a question.
PUBLISH_PROMISE = re.compile(
    r"\bwe('ll| will| are going to|'re going to| plan to) (now )?(publish|feature|share|post|"
    r"use|print|showcase) your (quote|story|review|words|logo|testimonial|feedback|case study)",
    _I,
)
_CONDITIONAL = re.compile(r"\?|\b(if|would|could|may we|once you|only with|whether)\b", _I)
INCENTIVES = re.compile(
    r"\b(gift ?cards?|gifts?|discounts?|credits?|rewards?|bonus(es)?|commissions?|"
    r"free (month|months|year|upgrade|seat|seats|trial)|refunds?|swag|vouchers?|coupons?|"
    r"cash|paid|compensat\w*|in return|thank-you gift)\b|\$|\d+\s*%\s*off\b",
    _I,
)
INTERNAL_TERMS = re.compile(
    r"\b(health[ _-]?score|arr|annual recurring revenue|contract value|"
    r"support tickets?|tickets? (number|id|#)|renewal risk|churn risk|account health)\b",
    _I,
)
HTML_TAG = re.compile(r"</?[a-z!][^>]*>", _I)
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", _I)
PHONE = re.compile(r"\+?\(?\d[\d\s().-]{7,}\d")


def _cited(ids: Iterable[str], snapshot: EvidenceSnapshot) -> list[str]:
    ids = list(ids)
    if not ids:
        return ["cites no evidence id: cite at least one id from the evidence block"]
    known = snapshot.evidence_ids()
    return [f"cites unknown evidence id '{i}' (not in the evidence)" for i in ids if i not in known]


def _html(text: str, where: str) -> list[str]:
    return [f"{where} contains an HTML tag: write plain text"] if HTML_TAG.search(text) else []


def check_summary(summary: AdvocacySummary, snapshot: EvidenceSnapshot) -> list[str]:
    """Problems with a summary: ids, plain text, sizes."""
    problems = _cited(summary.evidence_ids, snapshot)
    if not summary.points or len(summary.points) > POINTS_MAX:
        problems.append(f"needs 1 to {POINTS_MAX} points, got {len(summary.points)}")
    if not summary.headline.strip() or len(summary.headline) > HEADLINE_MAX:
        problems.append(f"the headline must be 1 to {HEADLINE_MAX} characters")
    problems += _html(summary.headline, "the headline")
    for n, point in enumerate(summary.points, 1):
        problems += [f"point {n} {p}" for p in _cited(point.evidence_ids, snapshot)]
        problems += _html(point.text, f"point {n}")
        if len(point.text) > POINT_MAX:
            problems.append(f"point {n} is longer than {POINT_MAX} characters")
    return problems


def check_draft(
    draft: AskDraft, snapshot: EvidenceSnapshot, report: GateReport, *, channel: Channel
) -> list[str]:
    """Problems with a draft: ids, channel and sizes, permission claims, incentives, internal
    data, contact details not in the evidence, HTML."""
    text = f"{draft.subject or ''}\n{draft.body}"
    return [
        *_cited(draft.evidence_ids, snapshot),
        *_shape(draft, channel),
        *_permission_claims(text),
        *_incentives(text, snapshot),
        *_internal_data(text, snapshot, report),
        *_contact_details(text, snapshot),
        *_html(text, "the draft"),
    ]


def _shape(draft: AskDraft, channel: Channel) -> list[str]:
    if draft.channel != channel:
        return [f"the channel must be '{channel}', got '{draft.channel}'"]
    body = len(draft.body.strip())
    if channel == "call":
        problems = [] if draft.subject is None else ["a call has no subject: set it to null"]
        if not CALL_BODY_MIN <= body <= CALL_BODY_MAX:
            problems.append(f"call talking points must be {CALL_BODY_MIN}-{CALL_BODY_MAX} chars")
        return problems
    problems = []
    if not draft.subject or not draft.subject.strip() or len(draft.subject) > SUBJECT_MAX:
        problems.append(f"an email needs a subject of 1 to {SUBJECT_MAX} characters")
    if not EMAIL_BODY_MIN <= body <= EMAIL_BODY_MAX:
        problems.append(
            f"the email body must be {EMAIL_BODY_MIN}-{EMAIL_BODY_MAX} characters, got {body}"
        )
    return problems


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def _permission_claims(text: str) -> list[str]:
    claims = [m.group(0) for pattern in PERMISSION_CLAIMS if (m := pattern.search(text))]
    claims += [
        m.group(0)
        for sentence in _sentences(text)
        if (m := PUBLISH_PROMISE.search(sentence)) and not _CONDITIONAL.search(sentence)
    ]
    return [
        f"claims or implies permission was given ('{claim}'): ask for permission as a question"
        for claim in claims
    ]


def _without_evidence_values(text: str, snapshot: EvidenceSnapshot) -> str:
    """The text minus outcome values from the evidence ('$12k saved' is a result, not a gift)."""
    for signal in snapshot.signals:
        if signal.value:
            text = text.replace(signal.value, " ")
    return text


def _incentives(text: str, snapshot: EvidenceSnapshot) -> list[str]:
    found = {
        m.group(0).lower() for m in INCENTIVES.finditer(_without_evidence_values(text, snapshot))
    }
    return [
        f"offers or mentions an incentive ('{word}'): offer nothing in return"
        for word in sorted(found)
    ]


def _internal_data(text: str, snapshot: EvidenceSnapshot, report: GateReport) -> list[str]:
    lowered = text.lower()
    problems = [f"mentions internal data ('{m.group(0)}')" for m in INTERNAL_TERMS.finditer(text)]
    if any(re.search(rf"\b{re.escape(t.id)}\b", text) for t in snapshot.tickets):
        problems.append("mentions a support ticket id (internal data)")
    if any(
        t.subject and len(t.subject) >= 4 and t.subject.lower() in lowered for t in snapshot.tickets
    ):
        problems.append("mentions a support ticket subject (internal data)")
    if any(r.referred_company.lower() in lowered for r in snapshot.referrals if r.referred_company):
        problems.append("names another customer (a referred company): internal data")
    flags = {flag.split(":", 1)[0] for flag in report.flags}
    problems += [
        f"mentions an internal flag ('{flag}')"
        for flag in sorted(flags)
        if "_" in flag and flag in lowered
    ]
    return problems


def _contact_details(text: str, snapshot: EvidenceSnapshot) -> list[str]:
    allowed = "\n".join(s.text for s in snapshot.signals if s.text).lower()
    problems = []
    for kind, pattern in (("an email address", EMAIL_ADDRESS), ("a URL", URL)):
        found = (m.group(0).rstrip(".,;:!?)'\"").lower() for m in pattern.finditer(text))
        if any(item not in allowed for item in found):
            problems.append(f"contains {kind} not in the evidence: leave contact details out")
    phones = [m.group(0) for m in PHONE.finditer(text) if sum(c.isdigit() for c in m.group(0)) >= 9]
    if any(phone not in allowed for phone in phones):
        problems.append("contains a phone number not in the evidence: leave contact details out")
    return problems
