"""Output checks on summaries and drafts: pure functions, a list of problems (empty = ok).

Problem strings are sent back to the model on a retry, so they never quote internal data
(ticket subjects, company names): they say what kind of thing was found, not its value.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from domain.grounding import unsupported_names, unsupported_numbers
from domain.lexicon import (
    INCENTIVE_LEXICON,
    INCENTIVE_PHRASES,
    finditer,
    lowered,
    paid_for_time,
    search,
)
from domain.meaning import meaning_problems, sentences
from domain.outputs import (
    CALL_BODY_MAX,
    CALL_BODY_MIN,
    EMAIL_BODY_MAX,
    EMAIL_BODY_MIN,
    HEADLINE_MAX,
    POINT_MAX,
    POINTS_MAX,
    SUBJECT_MAX,
    AdvocacySummary,
    AskDraft,
)
from domain.report import GateReport
from domain.rewards import incentive_text_problems
from domain.snapshot import EvidenceSnapshot
from domain.vocabulary import Channel

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
    r"\b(gift ?cards?|gifts?|discounts?|discounted|credits?|rewards?|bonus(es)?|commissions?|"
    r"free (month|months|year|upgrade|seat|seats|trial|access|of charge)|for free|refund\w*|"
    r"swag|vouchers?|coupons?|cash|cash ?back|paid|compensat\w*|in return|thank-you gift|"
    r"rebates?|reimburs\w*|money back|complimentary|at no (extra )?(cost|charge)|no charge|"
    r"waived?|waiving|promo(tion(al)?)?( codes?)?|(special|exclusive|limited[- ]time) offers?|"
    r"prizes?|raffles?|giveaways?|sweepstakes|perks?|token of (our )?(appreciation|thanks)|"
    r"(buy|treat) you (a |to )?(coffee|lunch|dinner|drinks?))\b|\$|\d+\s*%\s*off\b",
    _I,
)
PRICES = re.compile(
    r"[$€£¥]\s*\d|\b\d[\d,.]*\s*(usd|eur|gbp|dollars?|euros?|pounds?|bucks)\b|"
    r"\b(prices?|pricing|priced|fees?|per (month|year|seat|user|licen[cs]e)|/mo(nth)?|"
    r"subscription (price|cost|plan)s?|plans? (start|from))\b",
    _I,
)
INTERNAL_TERMS = re.compile(
    r"\b(health[ _-]?score|arr|annual recurring revenue|contract value|"
    r"support tickets?|tickets? (number|id|#)|renewal risk|churn risk|account health)\b",
    _I,
)
HTML_TAG = re.compile(r"</?[a-z!][^>]*>|&(nbsp|amp|lt|gt|quot|apos|#\d+|#x[0-9a-f]+);", _I)
EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
URL = re.compile(
    r"\bhttps?://\S+|\bwww\.\S+|"
    r"\b[a-z0-9][\w-]*(\.[\w-]+)*\.(com|net|org|io|co|ai|app|biz|info|us|uk|de|eu|example)\b"
    r"(/\S*)?",
    _I,
)
PHONE = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")
PHONE_MIN_DIGITS = 7
_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$|^\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}$")


def _cited(ids: Iterable[str], snapshot: EvidenceSnapshot) -> list[str]:
    ids = list(ids)
    if not ids:
        return ["no_citation: cites no evidence id: cite at least one id from the evidence block"]
    known = snapshot.evidence_ids()
    return [
        f"unknown_id: cites unknown evidence id '{i}' (not in the evidence)"
        for i in ids
        if i not in known
    ]


def _html(text: str, where: str) -> list[str]:
    return (
        [f"html: {where} contains an HTML tag: write plain text"] if HTML_TAG.search(text) else []
    )


def check_summary(summary: AdvocacySummary, snapshot: EvidenceSnapshot) -> list[str]:
    """Problems with a summary: ids, plain text, sizes, contact details, numbers and names not
    in the evidence."""
    problems = _cited(summary.evidence_ids, snapshot)
    if not summary.points or len(summary.points) > POINTS_MAX:
        problems.append(f"size: needs 1 to {POINTS_MAX} points, got {len(summary.points)}")
    if not summary.headline.strip() or len(summary.headline) > HEADLINE_MAX:
        problems.append(f"size: the headline must be 1 to {HEADLINE_MAX} characters")
    problems += _html(summary.headline, "the headline")
    for n, point in enumerate(summary.points, 1):
        problems += [f"point {n} {p}" for p in _cited(point.evidence_ids, snapshot)]
        problems += _html(point.text, f"point {n}")
        if len(point.text) > POINT_MAX:
            problems.append(f"size: point {n} is longer than {POINT_MAX} characters")
    text = "\n".join([summary.headline, *(point.text for point in summary.points)])
    return problems + _contact_details(text, snapshot) + _ungrounded(text, snapshot)


def check_draft(
    draft: AskDraft, snapshot: EvidenceSnapshot, report: GateReport, *, channel: Channel
) -> list[str]:
    """Problems with a draft: ids, channel and sizes, then what it says (check_text)."""
    return [
        *_cited(draft.evidence_ids, snapshot),
        *_shape(draft, channel),
        *check_text(draft.subject or "", draft.body, snapshot, report),
    ]


def check_text(
    subject: str, body: str, snapshot: EvidenceSnapshot, report: GateReport | None
) -> list[str]:
    """What a draft or an owner's edit says: permission claims, incentives, prices, internal
    data, anyone's contact details, numbers and names not in the evidence, HTML, and the
    semantic checks of domain/meaning.py (placeholders, prompt echoes, commitments, quotes,
    prior consent, instructions followed, other people's names)."""
    text = f"{subject}\n{body}"
    valued = _without_evidence_values(text, snapshot)
    return [
        *_permission_claims(text),
        *_incentives_in(valued),
        *_prices_in(valued),
        *_internal_data(text, snapshot, report),
        *_contact_details(text, None),
        *_ungrounded(text, snapshot),
        *_html(text, "the draft"),
        *meaning_problems(subject, body, snapshot),
    ]


def _shape(draft: AskDraft, channel: Channel) -> list[str]:
    if draft.channel != channel:
        return [f"channel: the channel must be '{channel}', got '{draft.channel}'"]
    body = len(draft.body.strip())
    if channel == "call":
        problems = [] if draft.subject is None else ["shape: a call has no subject: set it to null"]
        if not CALL_BODY_MIN <= body <= CALL_BODY_MAX:
            problems.append(
                f"size: call talking points must be {CALL_BODY_MIN}-{CALL_BODY_MAX} chars"
            )
        return problems
    problems = []
    if not draft.subject or not draft.subject.strip() or len(draft.subject) > SUBJECT_MAX:
        problems.append(f"shape: an email needs a subject of 1 to {SUBJECT_MAX} characters")
    if not EMAIL_BODY_MIN <= body <= EMAIL_BODY_MAX:
        problems.append(
            f"size: the email body must be {EMAIL_BODY_MIN}-{EMAIL_BODY_MAX} characters, got {body}"
        )
    return problems


def _permission_claims(text: str) -> list[str]:
    lower = lowered(text)
    claims = [
        text[m.start() : m.end()]
        for pattern in PERMISSION_CLAIMS
        if (m := search(pattern, text, lower))
    ]
    # A sentence's match is a match in the whole text: most texts need no split.
    if PUBLISH_PROMISE.search(text):
        claims += [
            m.group(0)
            for sentence in sentences(text)
            if (m := PUBLISH_PROMISE.search(sentence)) and not _CONDITIONAL.search(sentence)
        ]
    return [
        f"permission_claim: claims or implies permission was given ('{claim}'): "
        "ask for permission as a question"
        for claim in claims
    ]


def _without_evidence_values(text: str, snapshot: EvidenceSnapshot) -> str:
    """The text minus outcome metrics and values from the evidence ('$12k saved' is a result,
    not a gift; 'hours saved per month' is not a price)."""
    for signal in snapshot.signals:
        for part in (signal.value, signal.metric):
            if part and len(part) >= 2:
                text = re.sub(re.escape(part), " ", text, flags=_I)
    return text


def _incentives(text: str, snapshot: EvidenceSnapshot) -> list[str]:
    return _incentives_in(_without_evidence_values(text, snapshot))


def _incentives_in(valued: str) -> list[str]:
    """`valued`: the text without the evidence's values (`_without_evidence_values`)."""
    return [
        f"incentive: offers or mentions an incentive ('{word}'): offer nothing in return"
        for word in incentive_words(valued)
    ]


def _prices_in(valued: str) -> list[str]:
    found = {m.group(0).lower() for m in PRICES.finditer(valued)}
    return [
        f"price: mentions a price or fee ('{item}'): leave prices and money out"
        for item in sorted(found)
    ]


def _internal_tokens(snapshot: EvidenceSnapshot) -> set[str]:
    """Words and numbers of internal values, which a problem string must never quote back."""
    account = snapshot.account
    parts = [str(account.arr or ""), str(account.health_score or ""), account.sensitive_reason]
    parts += [f"{t.id} {t.subject or ''}" for t in snapshot.tickets]
    parts += [f"{r.referred_company} {r.reward or ''}" for r in snapshot.referrals]
    parts += [c.email for c in snapshot.contacts]
    text = "\n".join(part for part in parts if part).lower()
    return set(re.findall(r"[^\W_]+", text))


def _quoted(items: list[str], internal: set[str]) -> str:
    shown = [f"'{item}'" for item in items[:5] if item.lower().replace(",", "") not in internal]
    return f" ({', '.join(shown)})" if shown else ""


def _ungrounded(text: str, snapshot: EvidenceSnapshot) -> list[str]:
    """Numbers and names the evidence does not hold: a small model invents them fluently."""
    problems = []
    internal = _internal_tokens(snapshot)
    if numbers := unsupported_numbers(text, snapshot):
        problems.append(
            f"invented_number: states numbers not in the evidence{_quoted(numbers, internal)}: "
            "use only numbers from the evidence, or none"
        )
    if names := unsupported_names(text, snapshot):
        problems.append(
            "invented_name: names people, companies or places not in the evidence"
            f"{_quoted(names, internal)}: "
            "use only the contact's, the owner's and the account's names"
        )
    return problems


def _internal_data(text: str, snapshot: EvidenceSnapshot, report: GateReport | None) -> list[str]:
    lowered = text.lower()
    problems = [
        f"internal_data: mentions internal data ('{m.group(0)}')"
        for m in INTERNAL_TERMS.finditer(text)
    ]
    if any(t.id in text and re.search(rf"\b{re.escape(t.id)}\b", text) for t in snapshot.tickets):
        problems.append("internal_data: mentions a support ticket id (internal data)")
    if any(
        t.subject and len(t.subject) >= 4 and t.subject.lower() in lowered for t in snapshot.tickets
    ):
        problems.append("internal_data: mentions a support ticket subject (internal data)")
    if any(r.referred_company.lower() in lowered for r in snapshot.referrals if r.referred_company):
        problems.append("internal_data: names another customer (a referred company)")
    flags = {flag.split(":", 1)[0] for flag in report.flags} if report else set()
    problems += [
        f"internal_data: mentions an internal flag ('{flag}')"
        for flag in sorted(flags)
        if "_" in flag and flag in lowered
    ]
    return problems


def _contact_details(text: str, snapshot: EvidenceSnapshot | None) -> list[str]:
    """Email addresses, URLs and phone numbers. With a snapshot (summaries, for the owner) those
    in the evidence are allowed; without one (drafts) anyone's are a problem: evidence may hold
    another customer's address, and the owner adds their own signature when sending."""
    allowed = "\n".join(s.text for s in snapshot.signals if s.text).lower() if snapshot else ""
    where = " not in the evidence" if snapshot else ""
    problems = []
    emails = [m.group(0).rstrip(".,;:!?)'\"").lower() for m in EMAIL_ADDRESS.finditer(text)]
    if any(item not in allowed for item in emails):
        problems.append(f"contact_details: contains an email address{where}: leave them out")
    urls = (
        m.group(0).rstrip(".,;:!?)'\"").lower() for m in URL.finditer(EMAIL_ADDRESS.sub(" ", text))
    )
    if any(item not in allowed for item in urls):
        problems.append(
            f"contact_details: contains a URL{where}: leave links and web addresses out"
        )
    phones = [
        m.group(0).strip()
        for m in PHONE.finditer(text)
        if sum(c.isdigit() for c in m.group(0)) >= PHONE_MIN_DIGITS
        and not _DATE.match(m.group(0).strip())
    ]
    if any(phone not in allowed for phone in phones):
        problems.append(f"contact_details: contains a phone number{where}: leave them out")
    return problems


def incentive_words(text: str) -> list[str]:
    """Every incentive word or phrase the text checks find in `text`, lowercased and sorted."""
    lower = lowered(text)
    patterns = (INCENTIVES, INCENTIVE_LEXICON, *INCENTIVE_PHRASES)
    found = {m.group(0).lower() for p in patterns for m in finditer(p, text, lower)}
    if paid_for_time(text):
        found.add("for your time")
    return sorted(found)


def ledger_incentive_problems(body: str, ledger_paragraph: str | None) -> list[str]:
    """An approved ask's text and the rewards ledger (issue 12): only the ledger's own incentive
    paragraph may offer anything, and an incentivised ask carries it (with its disclosure) word
    for word. `ledger_paragraph` is None for an ask with no incentive."""
    outside = body.replace(ledger_paragraph, " ") if ledger_paragraph else body
    return incentive_text_problems(body, ledger_paragraph, incentive_words(outside))
