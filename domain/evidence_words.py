"""Evidence as a person would write it: "G2 review, 2 of 5 stars", "from Lee Park",
"3 weeks ago (10 Nov 2026)", instead of the row's raw fields.

Pure: an evidence item (a dict of the review payload), the names of the account's contacts and
`now` in, words out. The review page and `advocacy reviews show` both read these.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.labels import ASK_TYPES, SCOPES, label_of

SOURCES = {
    "g2": "G2",
    "capterra": "Capterra",
    "trustpilot": "Trustpilot",
    "helpdesk": "help desk",
    "survey_tool": "survey",
    "crm": "CRM",
    "tickets": "support desk",
    "referrals": "referral program",
    "contacts": "CRM contacts",
    "asks": "ask history",
}
SIGNAL_TITLES = {
    "renewal": "Renewed",
    "expansion": "Expanded the contract",
    "project_close": "Project closed",
    "support_praise": "Praised our support",
    "usage_milestone": "Reached a usage milestone",
    "complaint": "Complaint",
}
WHEN_FIELDS = ("occurred_at", "opened_at", "recorded_at", "asked_at", "submitted_at")


@dataclass(frozen=True)
class EvidenceWords:
    id: str
    title: str
    when: str  # "3 weeks ago (10 Nov 2026)", or "" for a row without a date
    who: str  # "from Lee Park", or ""
    quote: str  # the customer's or the ticket's own words, or ""
    source: str  # "G2", "help desk"
    show_id: bool  # a short id worth showing; a derived permission id is not


def source_words(source: str | None) -> str:
    return SOURCES.get(source or "", (source or "unknown source").replace("_", " "))


def day(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def relative(moment: datetime, now: datetime) -> str:
    """'today', 'yesterday', '5 days ago', '3 weeks ago', '4 months ago', '2 years ago', or the
    same forward ('in 3 days')."""
    ahead = moment > now
    days = ((moment - now) if ahead else (now - moment)).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow" if ahead else "yesterday"
    if days < 14:
        amount = f"{days} days"
    elif days < 60:
        amount = f"{days // 7} weeks"
    elif days < 730:
        amount = f"{days // 30} months"
    else:
        amount = f"{days // 365} years"
    return f"in {amount}" if ahead else f"{amount} ago"


def when_words(moment: datetime, now: datetime) -> str:
    return f"{relative(moment, now)} ({day(moment)})"


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def describe_item(item: dict[str, Any], names: dict[str, str], now: datetime) -> EvidenceWords:
    """One evidence row in words; `names` maps contact ids to names."""
    source = str(item.get("source") or "")
    moment = next((t for f in WHEN_FIELDS if (t := parse_time(item.get(f))) is not None), None)
    contact = names.get(str(item.get("contact_id") or ""), "")
    title, quote = _title(source, item, names)
    return EvidenceWords(
        id=str(item.get("id", "")),
        title=title,
        when=when_words(moment, now) if moment else "",
        who=f"from {contact}" if contact and _says_from(source, item) else "",
        quote=quote,
        source=source_words(source),
        show_id=_shows_id(source, item),
    )


def _says_from(source: str, item: dict[str, Any]) -> bool:
    """A permission's title already names its contact ("Lee Park: permission for ...")."""
    return source not in ("crm", "contacts") and "scope" not in item


def _shows_id(source: str, item: dict[str, Any]) -> bool:
    """A permission's id is derived (`perm:<account>:<contact>:<scope>:<time>:<status>`), so
    never shown, whatever its source; CRM rows other than signals have no id of their own."""
    return "scope" not in item and (source != "crm" or "kind" in item)


def title_of(item: dict[str, Any]) -> str:
    """An evidence row's title alone ("G2 review, 4 of 5 stars")."""
    return _title(str(item.get("source") or ""), item, {})[0]


def _title(source: str, item: dict[str, Any], names: dict[str, str]) -> tuple[str, str]:
    if "kind" in item:
        return _signal(source, item), str(item.get("text") or "")
    if "priority" in item:
        return _ticket(item), str(item.get("subject") or "")
    if "scope" in item:
        return _permission(item, names), ""
    if "ask_type" in item:
        ask = ASK_TYPES.get(str(item["ask_type"]))
        outcome = str(item.get("outcome") or "").replace("_", " ")
        return f"{ask.label if ask else item['ask_type']} ask: {outcome}", ""
    if "referred_company" in item:
        return _referral(item), ""
    if "name" in item:
        champion = ", champion" if item.get("champion") else ""
        return (
            f"{item['name']}{', ' + str(item['title']) if item.get('title') else ''}{champion}",
            "",
        )
    return label_of(str(item.get("id", ""))).label, ""


def _signal(source: str, item: dict[str, Any]) -> str:
    kind, score = str(item.get("kind")), item.get("score")
    if kind == "review":
        stars = f", {score} of 5 stars" if score is not None else ""
        return f"{source_words(source)} review{stars}"
    if kind == "nps":
        return f"NPS survey: {score} of 10" if score is not None else "NPS survey"
    if kind == "csat":
        return f"Satisfaction (CSAT): {score} of 5" if score is not None else "Satisfaction (CSAT)"
    if kind == "feedback":
        sentiment = item.get("sentiment")
        return f"Feedback ({sentiment})" if sentiment else "Feedback"
    if kind == "outcome":
        result = " ".join(str(item.get(f)) for f in ("metric", "value") if item.get(f))
        return f"Result: {result}" if result else "Result"
    return SIGNAL_TITLES.get(kind, kind.replace("_", " ").capitalize())


def _ticket(item: dict[str, Any]) -> str:
    priority = str(item.get("priority") or "")
    category = str(item.get("category") or "support")
    status = str(item.get("status") or "")
    return f"{priority.capitalize()}-priority {category} ticket, {status}"


def _permission(item: dict[str, Any], names: dict[str, str]) -> str:
    who = names.get(str(item.get("contact_id") or ""), "The account")
    scope = SCOPES.get(str(item.get("scope")), str(item.get("scope")))
    text = f"{who}: permission for {scope} {item.get('status')}"
    expires = parse_time(item.get("expires_at"))
    return text + (f", until {day(expires)}" if expires else "")


def _referral(item: dict[str, Any]) -> str:
    text = f"Referred {item['referred_company']} ({item.get('status')})"
    if item.get("attribution_disputed"):
        text += ", credit disputed"
    reward, status = item.get("reward"), item.get("reward_status")
    if reward:
        text += f", reward {reward} {status or ''}".rstrip()
    return text


def contact_names(payload: dict[str, Any]) -> dict[str, str]:
    """Contact id -> name, from the payload's contact and the evidence's contact rows."""
    names = {
        str(item["id"]): str(item["name"])
        for item in payload.get("evidence", [])
        if item.get("source") == "contacts" and item.get("name")
    }
    contact = payload.get("contact") or {}
    if contact.get("id") and contact.get("name"):
        names[str(contact["id"])] = str(contact["name"])
    return names


def describe_evidence(payload: dict[str, Any], now: datetime) -> list[EvidenceWords]:
    names = contact_names(payload)
    return [describe_item(item, names, now) for item in payload.get("evidence", [])]
