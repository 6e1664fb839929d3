"""The owner checkpoint's contract (DESIGN.md section 5): the interrupt payload and the decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from domain.text import NulFree

Action = Literal["approve", "edit", "reject", "defer"]
TEXT_LIMIT = 5_000


class Decision(NulFree):
    """The one resume value of a paused review: what the owner decided."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    action: Action = Field(description="approve the draft, edit then approve, reject, or defer.")
    by: str = Field(min_length=1, max_length=64, description="The deciding user's id.")
    ask_type: str | None = Field(
        None, max_length=32, description="edit: another eligible ask type."
    )
    subject: str | None = Field(None, max_length=300, description="edit: the new subject.")
    body: str | None = Field(
        None, min_length=1, max_length=TEXT_LIMIT, description="edit: the new body."
    )
    reason: str | None = Field(None, max_length=1_000, description="reject: why (required).")
    until: datetime | None = Field(None, description="defer: re-eligible after this time.")
    accept_problems: bool = Field(
        False, description="edit: send the edited text although its checks found problems."
    )
    incentive: str | None = Field(
        None,
        max_length=64,
        description="approve/edit: an incentive id a program the account fits allows; the ask "
        "then carries its description and disclosure, and the rewards ledger gets a row.",
    )

    @model_validator(mode="after")
    def _fields_fit_the_action(self) -> Self:
        edits = {"ask_type": self.ask_type, "subject": self.subject, "body": self.body}
        given = [name for name, value in edits.items() if value is not None]
        if self.action == "edit" and not given:
            raise ValueError("edit needs at least one of ask_type, subject, body")
        if self.action != "edit" and given:
            raise ValueError(f"{', '.join(given)} only go with action 'edit'")
        if self.action == "reject" and not self.reason:
            raise ValueError("reject needs a reason")
        if self.action == "defer" and self.until is None:
            raise ValueError("defer needs until (an ISO 8601 time)")
        if self.action != "defer" and self.until is not None:
            raise ValueError("until only goes with action 'defer'")
        if self.incentive is not None and self.action not in ("approve", "edit"):
            raise ValueError("incentive only goes with action 'approve' or 'edit'")
        return self


# What a paused review's interrupt shows its clients (LangGraph Studio's form): built once.
DECISION_JSON_SCHEMA: dict[str, Any] = TypeAdapter(Decision).json_schema()


class ReviewPayload(BaseModel):
    """Everything the owner needs to decide, as stored in the interrupt and on the review row."""

    model_config = ConfigDict(extra="forbid")

    review_id: str
    account: dict[str, Any]
    owner: dict[str, Any]
    trigger_signals: list[dict[str, Any]]
    evidence: list[dict[str, Any]]
    gate_report: dict[str, Any]
    flags: list[str]
    owner_only: bool
    eligible_ask_types: list[str]
    recommended_ask_type: str
    ask_reasons: list[dict[str, Any]]
    timing: dict[str, Any]
    channel: str
    contact: dict[str, Any] | None
    summary: dict[str, Any]
    draft: dict[str, Any]
    written_by: dict[str, Any]
    # Issue 12: the programs the candidate fits, and the one a program scan targeted.
    programs: list[str] = Field(default_factory=list)
    program_id: str | None = None
