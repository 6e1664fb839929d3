"""The evidence tools as LangChain tools, for a model that gathers evidence itself.

Built by `make_evidence_tools` from the composition root; nothing is built at import time. Each
tool opens its own short read-only session, so tools may run concurrently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from langchain_core.tools import BaseTool, StructuredTool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session, sessionmaker

from tools import evidence


class AccountInput(BaseModel):
    """The one input every evidence tool takes."""

    account_id: str = Field(description="The account's id, e.g. 'acc-001'.")


Tool = Callable[..., Any]

# name -> (plain tool, what it returns and how it is ordered and bounded; {k} is the limit)
TOOLS: dict[str, tuple[Tool, str]] = {
    "account_profile": (
        evidence.account_profile,
        "The account's profile: name, owner and owner name, segment, ARR, tenure, renewal date, "
        "health score, sensitive and do-not-contact flags, preferred channel. A list of one "
        "item, or empty when there is no such account.",
    ),
    "contacts": (
        evidence.contacts,
        "The account's contacts, champions first, then by name; at most {k}.",
    ),
    "signals": (
        evidence.signals,
        "Satisfaction and value signals (nps, csat, review, feedback, outcome, renewal, "
        "expansion, project_close, support_praise, usage_milestone, complaint) up to {as_of}, "
        "newest first; at most {k} of each kind.",
    ),
    "tickets": (
        evidence.tickets,
        "Support tickets opened up to {as_of}: open and pending first, then newest; at most {k}.",
    ),
    "permissions": (
        evidence.permissions,
        "Consent records: per scope, the latest records up to {as_of} (several when they were "
        "recorded at the same time and may disagree); older ones are superseded; at most {k} "
        "per scope. Private praise is never a permission.",
    ),
    "ask_history": (
        evidence.ask_history,
        "Previous advocacy asks made up to {as_of}: pending first, then newest; at most {k}.",
    ),
    "referrals": (
        evidence.referrals,
        "Referrals submitted up to {as_of}: unresolved first (attribution disputed, reward "
        "pending or disputed), then newest; at most {k}.",
    ),
}


def _as_dicts(result: Any) -> list[dict[str, Any]]:
    if result is None:
        return []
    items = result if isinstance(result, tuple) else (result,)
    return [item.model_dump(mode="json") for item in items]


def _make_tool(
    *,
    name: str,
    plain: Tool,
    description: str,
    session_factory: sessionmaker[Session],
    as_of: datetime,
    limit: int,
) -> BaseTool:
    def run(account_id: str) -> list[dict[str, Any]]:
        with session_factory() as session:
            result = plain(session=session, account_id=account_id, as_of=as_of, limit=limit)
        return _as_dicts(result)

    return StructuredTool.from_function(
        func=run,
        name=name,
        description=description.format(k=limit, as_of=as_of.isoformat()),
        args_schema=AccountInput,
    )


def make_evidence_tools(
    *, session_factory: sessionmaker[Session], as_of: datetime, limit: int
) -> list[BaseTool]:
    """One LangChain tool per evidence kind, reading as of `as_of` with at most `limit` items.

    Each takes `account_id` and returns a list of JSON-able dicts (the snapshot item models).
    """
    return [
        _make_tool(
            name=name,
            plain=plain,
            description=description,
            session_factory=session_factory,
            as_of=as_of,
            limit=limit,
        )
        for name, (plain, description) in TOOLS.items()
    ]
