"""Helpers to build OpenAI chat.completion bodies for respx, and a small sample account.

Answers are shaped for the structured output method in use: JSON in `message.content` for
json_schema / json_mode, a tool call named after the schema for function_calling.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import httpx

from domain.report import GateReport
from domain.snapshot import (
    AccountProfile,
    ContactItem,
    EvidenceSnapshot,
    ReferralItem,
    SignalItem,
    TicketItem,
)
from domain.vocabulary import AskType

BASE_URL = "http://llm.test/v1"
COMPLETIONS_URL = f"{BASE_URL}/chat/completions"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# Makes the openai client's backoff near zero, so retry tests stay fast.
FAST_RETRY_HEADERS = {"retry-after-ms": "1", "retry-after": "0"}


def completion_body(
    content: str | None = None,
    *,
    tool_call: tuple[str, str] | None = None,
    usage: tuple[int, int] = (50, 20),
) -> dict[str, Any]:
    """A minimal chat.completion that the openai client and langchain parse."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_call is not None:
        name, arguments = tool_call
        message["tool_calls"] = [
            {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
        ]
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-test",
        "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
        "usage": {
            "prompt_tokens": usage[0],
            "completion_tokens": usage[1],
            "total_tokens": sum(usage),
        },
    }


def answer(payload: dict[str, Any] | str, *, schema: str, method: str) -> httpx.Response:
    """A 200 answer carrying `payload` (a dict, or raw text for malformed answers)."""
    text = payload if isinstance(payload, str) else json.dumps(payload)
    if method == "function_calling":
        return httpx.Response(200, json=completion_body(tool_call=(schema, text)))
    return httpx.Response(200, json=completion_body(text))


def error(status: int, message: str = "error") -> httpx.Response:
    """An OpenAI-style error answer with instant retry hints."""
    return httpx.Response(
        status, headers=FAST_RETRY_HEADERS, json={"error": {"message": message, "type": "x"}}
    )


def request_json(route_call: Any) -> dict[str, Any]:
    """The JSON body of one recorded respx call."""
    body: dict[str, Any] = json.loads(route_call.request.content)
    return body


def sample_snapshot(*, signal_text: str = "Scheduling is so much easier now.") -> EvidenceSnapshot:
    """The DESIGN.md example account, with a ticket and a referral that must stay internal."""
    return EvidenceSnapshot(
        as_of=NOW,
        account=AccountProfile(
            id="acc-001",
            name="Northwind Dental",
            owner_id="u-ana",
            owner_name="Ana Ruiz",
            arr=24000,
            health_score=82,
            customer_since=date(2023, 4, 1),
        ),
        contacts=(
            ContactItem(id="c-2", name="Sam Other", email="sam@northwind.example"),
            ContactItem(id="c-1", name="Lee Park", email="lee@northwind.example", champion=True),
        ),
        signals=(
            SignalItem(
                id="s-1",
                kind="nps",
                occurred_at=datetime(2026, 11, 10, 15, 4, tzinfo=UTC),
                contact_id="c-1",
                score=10,
                text=signal_text,
                public=False,
            ),
            SignalItem(
                id="s-2",
                kind="outcome",
                occurred_at=datetime(2026, 10, 30, tzinfo=UTC),
                metric="no-show rate",
                value="-31%",
                text="No-shows down 31% in Q3",
            ),
        ),
        tickets=(
            TicketItem(
                id="t-9",
                status="closed",
                priority="high",
                category="billing",
                opened_at=datetime(2026, 9, 1, tzinfo=UTC),
                subject="Double charge",
            ),
        ),
        referrals=(
            ReferralItem(
                id="r-1",
                referred_company="Bayside Ortho",
                submitted_at=datetime(2026, 6, 1, tzinfo=UTC),
                status="converted",
                reward="$200 credit",
                reward_status="paid",
            ),
        ),
    )


def sample_report(ask_type: AskType = "testimonial", **fields: Any) -> GateReport:
    """A candidate report built by hand (the gates are tested elsewhere)."""
    fields.setdefault("trigger_signal_ids", ("s-1",))
    fields.setdefault("value_proof_ids", ("s-2",))
    return GateReport(
        account_id="acc-001",
        status="candidate",
        ask_type=ask_type,
        eligible_ask_types=(ask_type,),
        **fields,
    )


def good_summary() -> dict[str, Any]:
    return {
        "headline": "Northwind Dental: NPS 10 and no-shows down 31%",
        "points": [
            {"text": "Lee gave an NPS of 10 on 10 Nov.", "evidence_ids": ["s-1"]},
            {"text": "No-show rate fell 31% in Q3.", "evidence_ids": ["s-2"]},
        ],
        "evidence_ids": ["s-1", "s-2"],
    }


GOOD_EMAIL_BODY = (
    "Hi Lee,\n\nThank you for the lovely feedback you gave us this month; it made our week. "
    "Seeing your no-show rate drop the way it has is wonderful.\n\nWould you be willing to let "
    "us share a short quote from you about your experience? We would write it together, and "
    "it would only be used if you say yes. May we have your permission?\n\nBest,\nAna"
)


def good_draft(channel: str = "email", **changes: Any) -> dict[str, Any]:
    draft: dict[str, Any] = {
        "channel": channel,
        "subject": "Thank you, Lee: may we quote you?" if channel == "email" else None,
        "body": GOOD_EMAIL_BODY
        if channel == "email"
        else "- Thank Lee for the NPS 10.\n- Ask whether they would give a short quote; ask "
        "explicitly for permission.",
        "evidence_ids": ["s-1", "s-2"],
    }
    return draft | changes
