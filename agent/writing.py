"""Summaries and drafts: structured output models and the writer that gets them from the LLM.

`Writer.write` gets both in ONE model call (`write_mode` one_call, the default: one structured
answer holding the summary and the draft, checked part by part), or in two (two_calls: the
summary, then the draft written from it). Each structured call goes the same way: the writer
calls the model once; on a parse failure, a schema error or a failed output check it
retries ONCE with the problems appended; then it falls back to the offline template (with the
reasons kept). API errors fall back at once: the openai client has already retried them.
Nothing raises out of the writer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import openai
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel

from agent.ask_words import ASK_DESCRIPTIONS, CHANNEL_CONTRACTS, permission_instruction
from agent.llm import StructuredCall, make_chat_model, model_label, structured
from agent.llm_failures import api_failure_reason as api_failure_reason  # re-exported
from agent.llm_failures import parse_failure_reason as parse_failure_reason
from agent.offline import OFFLINE_AUTHOR, OFFLINE_VERSION, offline_draft, offline_summary
from agent.prompt_evidence import clip, evidence_block, fenced_json, first_name
from agent.settings import Settings
from agent.slots import FairSlots
from domain.checks import check_draft, check_summary
from domain.outputs import (
    AdvocacySummary,
    AskDraft,
    SummaryAndDraft,
)
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from domain.timing import ask_contact
from domain.vocabulary import AskKind, Channel, is_ask_type
from prompts.loader import Prompt, load_prompt

SUMMARIZE_VERSION = "v1"
DRAFT_VERSION = "v1"
WRITE_VERSION = "v1"
INVITE_VERSION = "v1"


T = TypeVar("T", bound=BaseModel)


class TokenUsage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0


@dataclass(frozen=True)
class Written(Generic[T]):
    """A text and how it was written: by whom, with which prompt, after which failures."""

    value: T
    author: str
    prompt_version: str
    fallback: bool = False
    failures: list[str] = field(default_factory=list)
    llm_calls: int = 0
    usage: TokenUsage | None = None

    def model_dump(self, *, mode: str = "json") -> dict[str, Any]:
        """Plain JSON-able values for graph state and the interrupt payload (pydantic-like)."""
        return {
            "value": self.value.model_dump(mode="json"),
            "author": self.author,
            "prompt_version": self.prompt_version,
            "fallback": self.fallback,
            "failures": list(self.failures),
            "llm_calls": self.llm_calls,
            "usage": self.usage.model_dump() if self.usage else None,
        }


def _retry_message(problems: list[str]) -> HumanMessage:
    listed = "\n".join(f"- {problem}" for problem in problems)
    return HumanMessage(
        "Your previous answer was rejected for these reasons:\n"
        f"{listed}\n"
        "Write it again, fixing every problem and following the same output contract."
    )


class _Attempts(Generic[T]):
    """The bookkeeping of one write: calls, failures, usage, and what each answer means."""

    def __init__(self, schema: type[T], check: Callable[[T], list[str]]) -> None:
        self.schema, self.check = schema, check
        self.failures: list[str] = []
        self.calls = 0
        self.usage: TokenUsage | None = None

    def judge(self, result: Any) -> tuple[T | None, list[str]]:
        """The parsed value if it passes the checks, else the problems to send back."""
        raw, parsed, error = result["raw"], result["parsed"], result["parsing_error"]
        self._add_usage(getattr(raw, "usage_metadata", None))
        if error is not None:
            return None, [parse_failure_reason(error)]
        if not isinstance(parsed, self.schema):
            return None, ["the answer held no structured output"]
        problems = self.check(parsed)
        return (None, problems) if problems else (parsed, [])

    def _add_usage(self, metadata: Any) -> None:
        if not metadata:
            return
        usage = self.usage or TokenUsage()
        self.usage = TokenUsage(
            input_tokens=usage.input_tokens + int(metadata.get("input_tokens", 0)),
            output_tokens=usage.output_tokens + int(metadata.get("output_tokens", 0)),
            total_tokens=usage.total_tokens + int(metadata.get("total_tokens", 0)),
        )


class Writer:
    """Writes the summary and the draft with the chat model, or the offline template without one.

    Build it once (composition root) and pass it to the graph; it never raises for model errors.
    """

    MAX_ATTEMPTS = 2  # the first answer and ONE retry with its problems

    def __init__(
        self,
        chat_model: BaseChatModel | None,
        *,
        settings: Settings,
        prompt_versions: Mapping[str, str] | None = None,
    ) -> None:
        """`prompt_versions` picks prompt files by name, e.g. {"summarize": "v2"} (evals);
        names it leaves out use SUMMARIZE_VERSION / DRAFT_VERSION / WRITE_VERSION."""
        self._chat_model = chat_model
        self._settings = settings
        self._versions = {
            "summarize": SUMMARIZE_VERSION,
            "draft": DRAFT_VERSION,
            "write": WRITE_VERSION,
        }
        self._versions.update(prompt_versions or {})
        # Building the structured-output chain costs a few ms of CPU; drafting threads share it.
        self._runnables: dict[type[BaseModel], StructuredCall] = {}
        self._slots: AbstractContextManager[Any] = nullcontext()  # see with_slots

    def with_slots(self, slots: int) -> Writer:
        """This writer with at most `slots` model calls at once: a scan's drafting pool runs
        more threads than that, so a slot never waits while a thread checks an answer."""
        limited = copy.copy(self)
        limited._slots = FairSlots(slots)
        return limited

    @property
    def author(self) -> str:
        """Who writes when nothing fails: the model name or the offline template's label."""

        if self._chat_model is None:
            return OFFLINE_AUTHOR
        return model_label(self._chat_model, self._settings)

    @property
    def calls_per_candidate(self) -> int:
        """Model calls per candidate when nothing is retried: 1 (one_call), 2, or 0 offline."""
        if self._chat_model is None:
            return 0
        return 1 if self._settings.write_mode == "one_call" else 2

    def write(
        self,
        snapshot: EvidenceSnapshot,
        report: GateReport,
        *,
        ask_type: AskKind,
        channel: Channel,
    ) -> tuple[Written[AdvocacySummary], Written[AskDraft]]:
        """The summary and the draft of the ask the code chose, in the configured write mode."""
        # An invitation to an activity has its own draft prompt (prompts/invite.v1.md): two calls.
        one_call = self._settings.write_mode == "one_call" and is_ask_type(ask_type)
        if self._chat_model is not None and one_call:
            both = self._write_both(snapshot, report, ask_type=ask_type, channel=channel)
            return _split(both)
        summary = self.summarize(snapshot, report)
        draft = self.draft(snapshot, report, summary.value, ask_type=ask_type, channel=channel)
        return summary, draft

    def _write_both(
        self,
        snapshot: EvidenceSnapshot,
        report: GateReport,
        *,
        ask_type: AskKind,
        channel: Channel,
    ) -> Written[SummaryAndDraft]:
        """One call: the summary and the draft in one answer; the checks of both apply, and a
        failure of either part retries (then falls back for) the whole answer."""
        prompt = load_prompt("write", self._versions["write"])
        user = prompt.render(
            account_name=fenced_json("account", {"name": clip(snapshot.account.name, 80) or ""}),
            **self._ask_values(snapshot, report, ask_type=ask_type, channel=channel),
            evidence_block=self._evidence(snapshot, report),
        )

        def check(both: SummaryAndDraft) -> list[str]:
            summary = [f"summary: {p}" for p in check_summary(both.summary, snapshot)]
            draft = check_draft(both.draft, snapshot, report, channel=channel)
            return summary + [f"draft: {p}" for p in draft]

        return self._write(
            SummaryAndDraft,
            prompt,
            [SystemMessage(prompt.system), HumanMessage(user)],
            check=check,
            offline=lambda: SummaryAndDraft(
                summary=offline_summary(snapshot, report),
                draft=offline_draft(snapshot, report, ask_type=ask_type, channel=channel),
            ),
        )

    @staticmethod
    def _ask_values(
        snapshot: EvidenceSnapshot, report: GateReport, *, ask_type: AskKind, channel: Channel
    ) -> dict[str, str]:
        """What the draft's prompt says about the ask: decided by the code, not by the model."""
        return {
            "ask_type": ask_type,
            "ask_description": ASK_DESCRIPTIONS[ask_type],
            "permission_instruction": permission_instruction(ask_type),
            "channel": channel,
            "channel_contract": CHANNEL_CONTRACTS[channel],
            "contact_name": first_name(ask_contact(snapshot, report)) or "(no name: greet warmly)",
        }

    def summarize(self, snapshot: EvidenceSnapshot, report: GateReport) -> Written[AdvocacySummary]:
        """The owner-facing summary of why this account may advocate."""

        prompt = load_prompt("summarize", self._versions["summarize"])
        user = prompt.render(
            # The account name is customer data: it reaches the model inside the fence only.
            account_name=fenced_json("account", {"name": clip(snapshot.account.name, 80) or ""}),
            ask_type=report.ask_type or "none chosen",
            evidence_block=self._evidence(snapshot, report),
        )
        return self._write(
            AdvocacySummary,
            prompt,
            [SystemMessage(prompt.system), HumanMessage(user)],
            check=lambda summary: check_summary(summary, snapshot),
            offline=lambda: offline_summary(snapshot, report),
        )

    def draft(
        self,
        snapshot: EvidenceSnapshot,
        report: GateReport,
        summary: AdvocacySummary,
        *,
        ask_type: AskKind,
        channel: Channel,
    ) -> Written[AskDraft]:
        """The ask of `ask_type` (chosen by the policy) for `channel`, for the owner to review."""

        prompt = (
            load_prompt("draft", self._versions["draft"])
            if is_ask_type(ask_type)
            else load_prompt("invite", INVITE_VERSION)
        )
        user = prompt.render(
            **self._ask_values(snapshot, report, ask_type=ask_type, channel=channel),
            summary_block=fenced_json("summary", summary.model_dump(mode="json")),
            evidence_block=self._evidence(snapshot, report),
        )
        return self._write(
            AskDraft,
            prompt,
            [SystemMessage(prompt.system), HumanMessage(user)],
            check=lambda draft: check_draft(draft, snapshot, report, channel=channel),
            offline=lambda: offline_draft(snapshot, report, ask_type=ask_type, channel=channel),
        )

    def _evidence(self, snapshot: EvidenceSnapshot, report: GateReport) -> str:
        return evidence_block(snapshot, report, limit=self._settings.prompt_evidence_limit)

    def _write(
        self,
        schema: type[T],
        prompt: Prompt,
        messages: list[BaseMessage],
        *,
        check: Callable[[T], list[str]],
        offline: Callable[[], T],
    ) -> Written[T]:
        if self._chat_model is None:
            return self._offline(offline(), _Attempts(schema, check), fallback=False)
        runnable = self._runnable(schema)
        attempts = _Attempts(schema, check)
        for attempt in range(1, self.MAX_ATTEMPTS + 1):
            attempts.calls += 1
            try:
                with self._slots:
                    answer = runnable.invoke(messages)
                value, problems = attempts.judge(answer)
            except openai.APIError as error:
                attempts.failures.append(api_failure_reason(error, self._settings))
                break
            except (ValueError, openai.OpenAIError) as error:
                # json_schema parsing happens inside the openai client and raises.
                value, problems = None, [parse_failure_reason(error)]
            except Exception as error:  # never let a model failure escape the writer
                attempts.failures.append(
                    f"unexpected {type(error).__name__}: {clip(str(error), 200)}"
                )
                break
            if value is not None:
                return self._written(value, prompt, attempts)
            attempts.failures.append(f"attempt {attempt}: " + "; ".join(problems))
            messages = [*messages, _retry_message(problems)]
        return self._offline(offline(), attempts, fallback=True)

    def _runnable(self, schema: type[BaseModel]) -> StructuredCall:
        assert self._chat_model is not None
        if schema not in self._runnables:
            self._runnables[schema] = structured(self._chat_model, schema, self._settings)
        return self._runnables[schema]

    def _written(self, value: T, prompt: Prompt, attempts: _Attempts[T]) -> Written[T]:
        return Written(
            value=value,
            author=self.author,
            prompt_version=prompt.label,
            failures=attempts.failures,
            llm_calls=attempts.calls,
            usage=attempts.usage,
        )

    @staticmethod
    def _offline(value: T, attempts: _Attempts[T], *, fallback: bool) -> Written[T]:

        return Written(
            value=value,
            author=OFFLINE_AUTHOR,
            prompt_version=OFFLINE_VERSION,
            fallback=fallback,
            failures=attempts.failures,
            llm_calls=attempts.calls,
            usage=attempts.usage,
        )


def _split(both: Written[SummaryAndDraft]) -> tuple[Written[AdvocacySummary], Written[AskDraft]]:
    """The one answer as the two texts the review records; its calls and usage are counted once
    (on the summary), its failures and fallback are both parts'."""
    summary = Written(
        value=both.value.summary,
        author=both.author,
        prompt_version=both.prompt_version,
        fallback=both.fallback,
        failures=list(both.failures),
        llm_calls=both.llm_calls,
        usage=both.usage,
    )
    draft = Written(
        value=both.value.draft,
        author=both.author,
        prompt_version=both.prompt_version,
        fallback=both.fallback,
        failures=list(both.failures),
    )
    return summary, draft


def make_writer(settings: Settings, *, http_client: Any | None = None) -> Writer:
    """The drafts' writer: the configured chat model's, or the offline template's without one
    (agent/bootstrap.py builds it on first use; a scan's draft helper, agent/draft_helper.py,
    in its own process)."""
    return Writer(make_chat_model(settings, http_client=http_client), settings=settings)
