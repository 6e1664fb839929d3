"""The offline template drafter: deterministic summaries and drafts when no model is configured
(or when the model's answers failed their checks).

The summary may quote customer text back to the owner, as plain text. The draft never pastes
customer text: it could hold instructions or markup meant for someone else.
"""

from __future__ import annotations

import re
from datetime import datetime

from agent.prompt_evidence import clip, first_name, select_prompt_evidence
from domain.checks import check_draft
from domain.outputs import POINTS_MAX, AdvocacySummary, AskDraft, SummaryPoint
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot, SignalItem
from domain.timing import ask_contact
from domain.vocabulary import AskKind, Channel, is_ask_type, scope_of

OFFLINE_AUTHOR = "offline-template"
OFFLINE_VERSION = "offline-template.v1"
QUOTE_LIMIT = 200
_TAG = re.compile(r"<[^>]*>")

_KIND_LABELS = {
    "nps": "NPS",
    "csat": "CSAT",
    "review": "Review",
    "feedback": "Feedback",
    "outcome": "Outcome",
    "renewal": "Renewal",
    "expansion": "Expansion",
    "project_close": "Project closed",
    "support_praise": "Praise for support",
    "usage_milestone": "Usage milestone",
    "complaint": "Complaint",
}
_ASK_LABELS: dict[AskKind, str] = {
    "private_feedback": "private feedback",
    "review": "review",
    "referral": "referral",
    "testimonial": "testimonial",
    "reference_call": "reference call",
    "case_study": "case study",
    "advisory_board": "advisory board",
    "beta_access": "beta access",
    "event_speaking": "event speaking",
    "community": "community",
}
_SUBJECTS: dict[AskKind, str] = {
    "private_feedback": "could we hear your thoughts?",
    "review": "would you share your experience?",
    "referral": "a quick question",
    "testimonial": "may we quote you?",
    "reference_call": "would you talk to a peer?",
    "case_study": "would you tell your story with us?",
    "advisory_board": "an invitation to our customer advisory board",
    "beta_access": "an invitation to try new features early",
    "event_speaking": "would you speak at one of our events?",
    "community": "an invitation to our customer community",
}
# Invitations (domain/invitations.py) read as an offer the advocate is free to decline, never as
# a favour owed, and carry no incentive: the ledger's paragraph is the only one an ask may carry.
_EMAIL_ASKS: dict[AskKind, str] = {
    "private_feedback": "Would you have 20 minutes in the coming weeks for a quick conversation "
    "about what is working for you and what we could do better? It would stay between us.",
    "review": "If you are open to it, would you consider writing a short review of your "
    "experience on a review site of your choice, in your own words? Only if you are comfortable "
    "with it being public, and it is completely fine to say no.",
    "referral": "Do you know a peer at another organisation who might benefit from what your "
    "team has achieved? If someone comes to mind, would you be open to introducing us?",
    "testimonial": "Would you be willing to let us share a short quote from you about your "
    "experience? We would write it with you and use it only if you tell us explicitly that we "
    "may. May we have your permission to quote you?",
    "reference_call": "Would you be open to a short call with a team that is considering us and "
    "would value hearing about your experience? We would only pass on your name if you say yes. "
    "Would that be okay with you?",
    "case_study": "Would you be interested in working with us on a short case study about the "
    "results your team has achieved? You would review every word, and nothing would go out "
    "without your explicit permission. Would you be open to it?",
    "advisory_board": "We are forming a small customer advisory board that meets a few times a "
    "year to shape what we build next, and we would value your perspective on it. Would you be "
    "interested in joining? It is completely fine to say no.",
    "beta_access": "We are opening early access to some features before they are released, and "
    "we would value your team's honest feedback on them. Would you like to take part? It is "
    "completely fine to say no.",
    "event_speaking": "Would you be open to speaking at one of our upcoming customer events or "
    "webinars about your team's experience? You would decide what to share and review anything "
    "we publish about it, and it is completely fine to say no.",
    "community": "We run a customer community where teams like yours exchange ideas and "
    "practices. Would you like to join it? It is completely fine to say no.",
}
_CALL_ASKS: dict[AskKind, str] = {
    "private_feedback": "ask for 20 minutes of candid, private feedback on what works and what "
    "could be better",
    "review": "ask whether they would consider writing a public review in their own words",
    "referral": "ask whether a peer at another organisation comes to mind, and whether they "
    "would introduce us",
    "testimonial": "ask whether they would be willing to give a short quote we could share",
    "reference_call": "ask whether they would take a short call with a prospective customer",
    "case_study": "ask whether they would work with us on a short case study of their results",
    "advisory_board": "invite them to join the customer advisory board, a few meetings a year",
    "beta_access": "invite them to try new features early and give feedback",
    "event_speaking": "ask whether they would speak at one of our events or webinars",
    "community": "invite them to join the customer community",
}
_PERMISSIONS: dict[str, str] = {
    "public_quote": "quoting them publicly",
    "case_study": "publishing a case study with them",
    "reference_call": "passing their name to a prospective customer",
    "review": "a public review",
}


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def plain_quote(text: str) -> str:
    """Customer text shown back to the owner: tags and angle brackets removed, one short line."""
    stripped = _TAG.sub(" ", text).replace("<", " ").replace(">", " ")
    return clip(stripped, QUOTE_LIMIT) or ""


def describe(signal: SignalItem, *, quote: bool) -> str:
    """'NPS 10 on 10 Nov 2026' (+ the customer's words when `quote`)."""
    label = _KIND_LABELS[signal.kind]
    if signal.kind in ("nps", "csat", "review") and signal.score is not None:
        scale = "" if signal.kind == "nps" else "/5"
        label = f"{label} {signal.score}{scale}"
    if signal.kind == "outcome" and signal.metric and signal.value:
        label = f"{label}: {plain_quote(signal.metric)} {plain_quote(signal.value)}"
    text = f"{label} on {_day(signal.occurred_at)}"
    if quote and signal.text:
        text += f': "{plain_quote(signal.text)}"'
    return text


def key_signals(snapshot: EvidenceSnapshot, report: GateReport) -> list[SignalItem]:
    """The trigger signals (up to 3) then the value proof (up to 2); else the best-ranked few."""
    by_id = {signal.id: signal for signal in snapshot.signals}
    triggers = [by_id[i] for i in report.trigger_signal_ids if i in by_id][:3]
    proof = [by_id[i] for i in report.value_proof_ids if i in by_id and by_id[i] not in triggers]
    chosen = triggers + proof[:2]
    return chosen or select_prompt_evidence(snapshot, report, limit=3)


def _cited_ids(snapshot: EvidenceSnapshot, report: GateReport) -> list[str]:
    ids = [signal.id for signal in key_signals(snapshot, report)]
    return ids or [contact.id for contact in snapshot.contacts[:1]]


def _outcome(snapshot: EvidenceSnapshot, report: GateReport) -> SignalItem | None:
    outcomes = [s for s in key_signals(snapshot, report) if s.kind == "outcome"]
    outcomes += [s for s in snapshot.signals if s.kind == "outcome"]
    return next((s for s in outcomes if s.metric and s.value), None)


def offline_summary(snapshot: EvidenceSnapshot, report: GateReport) -> AdvocacySummary:
    """A headline and one point per key signal, each citing its id and quoting its text."""
    signals = key_signals(snapshot, report)
    points = [
        SummaryPoint(text=clip(describe(s, quote=True), 300) or s.id, evidence_ids=[s.id])
        for s in signals
    ]
    kind = report.ask_type
    history = _completed_point(snapshot) if kind and not is_ask_type(kind) else None
    lead = describe(signals[0], quote=False) if signals else "no signal on record"
    if history and not report.trigger_signal_ids:
        lead = "their record of completed asks"  # not praise: the invitation rests on it
    ask = _ASK_LABELS[kind] if kind else "an"
    ready = f"ready for a {ask} ask" if kind is None or is_ask_type(kind) else f"invited to {ask}"
    headline = f"{plain_quote(snapshot.account.name)}: {lead}; {ready}"
    points = [history, *points] if history else points
    cited = _cited_ids(snapshot, report) + (history.evidence_ids if history else [])
    return AdvocacySummary(
        headline=clip(headline, 160) or lead,
        points=points[:POINTS_MAX],
        evidence_ids=list(dict.fromkeys(cited)),
    )


def _completed_point(snapshot: EvidenceSnapshot) -> SummaryPoint | None:
    """An invitation rests on the advocate's record: their completed asks, each cited (the
    invitation's snapshot holds the invited contact alone)."""
    contacts = {contact.id for contact in snapshot.contacts}
    done = sorted(
        (a for a in snapshot.asks if a.outcome == "completed" and a.contact_id in contacts),
        key=lambda a: a.asked_at,
    )[-4:]
    if not done:
        return None
    # No dates or counts in the words: the summary's checks allow no number the evidence's
    # texts do not hold; the cited asks carry their dates on the review page.
    listed = ", ".join(dict.fromkeys(_ASK_LABELS[a.ask_type] for a in done))
    return SummaryPoint(
        text=clip(f"Completed before: {listed}", 300) or listed, evidence_ids=[a.id for a in done]
    )


def offline_draft(
    snapshot: EvidenceSnapshot, report: GateReport, *, ask_type: AskKind, channel: Channel
) -> AskDraft:
    """The ask for `ask_type` on `channel`; the outcome line is dropped if it fails the checks."""
    draft = _compose(snapshot, report, ask_type, channel, with_outcome=True)
    if check_draft(draft, snapshot, report, channel=channel):
        draft = _compose(snapshot, report, ask_type, channel, with_outcome=False)
    return draft


def _compose(
    snapshot: EvidenceSnapshot,
    report: GateReport,
    ask_type: AskKind,
    channel: Channel,
    *,
    with_outcome: bool,
) -> AskDraft:
    name = first_name(ask_contact(snapshot, report))
    outcome = _outcome(snapshot, report) if with_outcome else None
    result = (
        f"{plain_quote(outcome.metric or '')} ({plain_quote(outcome.value or '')})"
        if outcome
        else None
    )
    ids = _cited_ids(snapshot, report)
    if channel == "call":
        body = _call_points(snapshot, report, ask_type, name, result)
        return AskDraft(channel="call", subject=None, body=body, evidence_ids=ids)
    subject = (
        f"Thank you, {name}: {_SUBJECTS[ask_type]}"
        if name
        else (f"Thank you: {_SUBJECTS[ask_type]}")
    )
    body = _email_body(snapshot, ask_type, name, result, thanks=_thanks(snapshot, report))
    return AskDraft(channel="email", subject=subject, body=body, evidence_ids=ids)


# What the opening thanks them for, by the kind of the signal that triggered the ask: "kind
# words" only when they wrote some.
_THANKS: dict[str, str] = {
    "nps": "Thank you for the great score you gave us recently.",
    "csat": "Thank you for the great rating you gave our team recently.",
    "review": "Thank you for taking the time to review us recently.",
    "renewal": "Thank you for renewing with us and for the trust it shows.",
    "expansion": "Thank you for growing your work with us.",
    "project_close": "Thank you for the work your team put into the project we just wrapped up.",
    "usage_milestone": "Congratulations on the milestone your team just reached with us.",
    "outcome": "Thank you for the time your team has shared with us recently.",
}
_KIND_WORDS = "Thank you for the kind words and the time your team has shared with us recently."
_NEUTRAL_THANKS = "Thank you for the time your team has shared with us recently."


def _thanks(snapshot: EvidenceSnapshot, report: GateReport) -> str:
    """The opening thanks, true to the trigger: kind words only when they wrote some."""
    by_id = {signal.id: signal for signal in snapshot.signals}
    triggers = [by_id[i] for i in report.trigger_signal_ids if i in by_id]
    if any(signal.text and signal.text.strip() for signal in triggers):
        return _KIND_WORDS
    if triggers:
        return _THANKS.get(triggers[0].kind, _NEUTRAL_THANKS)
    return _NEUTRAL_THANKS


def _email_body(
    snapshot: EvidenceSnapshot,
    ask_type: AskKind,
    name: str | None,
    result: str | None,
    *,
    thanks: str = _NEUTRAL_THANKS,
) -> str:
    paragraphs = [
        f"Hi {name}," if name else "Hello,",
        f"{thanks} It means a lot to everyone here.",
    ]
    if result:
        paragraphs.append(f"Seeing your results on {result} has been a highlight for us too.")
    paragraphs += [
        _EMAIL_ASKS[ask_type],
        "Either way, thank you for being such a great partner.",
        "Best regards,\n" + (plain_quote(snapshot.account.owner_name or "") or "Your account team"),
    ]
    return "\n\n".join(paragraphs)


def _call_points(
    snapshot: EvidenceSnapshot,
    report: GateReport,
    ask_type: AskKind,
    name: str | None,
    result: str | None,
) -> str:
    signals = key_signals(snapshot, report)
    recent = f" ({describe(signals[0], quote=False)})" if signals else ""
    lines = [f"- Thank {name or 'them'} for their recent feedback{recent}."]
    if result:
        lines.append(f"- Mention the results on {result}.")
    lines.append(f"- The ask: {_CALL_ASKS[ask_type]}.")
    scope = scope_of(ask_type)
    if scope is not None:
        lines.append(
            f"- Permission: ask explicitly whether they agree to {_PERMISSIONS[scope]}; do not "
            "assume it, and record their answer."
        )
    lines.append("- Make it easy to say no, and thank them either way.")
    return "\n".join(lines)
