"""The optional LLM-as-judge: relevance, warmth and specificity, 1-5, by a pinned model on a
provider of its own (evals/judge_settings.py).

Skipped, with a visible note, when no judge model is configured. The rubric is a versioned prompt
(`prompts/judge.<version>.md`). The judge talks through its own caching transport, so judged runs
replay offline too. An answer that does not parse, or scores out of range, is sent back once with
the problem; a second bad answer is a judge failure of that cell (the cell fails), never an
infrastructure error of the run. HTTP and connection errors after the bounded retries are
infrastructure errors of the cell, like the model's.
"""

from __future__ import annotations

from typing import Any

import openai
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from agent.llm import make_chat_model, structured
from agent.prompt_evidence import evidence_block, fenced_json
from agent.settings import Settings
from agent.writing import api_failure_reason, parse_failure_reason
from domain.outputs import AskDraft
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from evals.results import JudgeResult, Usage
from prompts.loader import Prompt

CRITERIA = ("relevance", "warmth", "specificity")
MAX_ATTEMPTS = 2  # the answer and ONE retry with its problem
SKIPPED_NOTE = (
    "LLM judge skipped: no judge model configured (--judge-model or ADVOCACY_EVALS_JUDGE_MODEL)"
)


class JudgeScores(BaseModel):
    """Scores from 1 to 5 for one draft, and why."""

    relevance: int = Field(ge=1, le=5, description="1-5: about this customer, makes the ask.")
    warmth: int = Field(ge=1, le=5, description="1-5: sincere thanks, easy to decline.")
    specificity: int = Field(ge=1, le=5, description="1-5: concrete, nothing invented.")
    rationale: str = Field(description="One sentence.")


def _usage(answer: dict[str, Any]) -> Usage:
    meta = getattr(answer.get("raw"), "usage_metadata", None) or {}
    return Usage(
        input_tokens=int(meta.get("input_tokens", 0)),
        output_tokens=int(meta.get("output_tokens", 0)),
        total_tokens=int(meta.get("total_tokens", 0)),
    )


def _retry(problem: str) -> HumanMessage:
    return HumanMessage(
        f"Your previous answer was rejected: {problem}\n"
        "Answer again: relevance, warmth and specificity as whole numbers from 1 to 5, and a "
        "one-sentence rationale."
    )


class Judge:
    """Scores drafts with the judge's settings (its model and server) over an injected client."""

    def __init__(self, settings: Settings, *, threshold: float, rubric: Prompt) -> None:
        self.model, self.threshold, self.settings = settings.model, threshold, settings
        self.rubric = rubric

    @property
    def prompt_version(self) -> str:
        return self.rubric.version

    def score(
        self, draft: AskDraft, snapshot: EvidenceSnapshot, report: GateReport, *, http_client: Any
    ) -> JudgeResult:
        """The judge's scores; a failure or an error is recorded in the result, never raised."""
        result = JudgeResult(model=self.model, threshold=self.threshold)
        chat = make_chat_model(self.settings, http_client=http_client)
        if chat is None:
            return result.model_copy(update={"error": "no judge server configured"})
        user = self.rubric.render(
            ask_type=report.ask_type or "",
            channel=draft.channel,
            evidence_block=evidence_block(snapshot, report, limit=12),
            draft_block=fenced_json("draft", draft.model_dump(mode="json")),
        )
        messages: list[BaseMessage] = [SystemMessage(self.rubric.system), HumanMessage(user)]
        return self._ask(structured(chat, JudgeScores, self.settings), messages, result)

    def _ask(self, runnable: Any, messages: list[BaseMessage], result: JudgeResult) -> JudgeResult:
        usage, problems = Usage(), []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                answer = runnable.invoke(messages)
            except openai.APIError as error:  # after the bounded retries: infrastructure
                reason = api_failure_reason(error, self.settings)
                return result.model_copy(update={"error": reason, "usage": usage})
            except (ValueError, openai.OpenAIError) as error:  # json_schema parses and raises
                problem = parse_failure_reason(error)
            else:
                usage = usage + _usage(answer)
                parsed, wrong = answer.get("parsed"), answer.get("parsing_error")
                if isinstance(parsed, JudgeScores):
                    return self._scored(result, parsed, usage, attempt)
                problem = parse_failure_reason(wrong) if wrong else "no scores in the answer"
            problems.append(f"attempt {attempt}: {problem}")
            messages = [*messages, _retry(problem)]
        update = {"passed": False, "failure": "; ".join(problems), "usage": usage}
        return result.model_copy(update=update | {"attempts": MAX_ATTEMPTS})

    def _scored(
        self, result: JudgeResult, parsed: JudgeScores, usage: Usage, attempts: int
    ) -> JudgeResult:
        scores = {name: float(getattr(parsed, name)) for name in CRITERIA}
        mean = sum(scores.values()) / len(scores)
        update = {
            "scores": scores,
            "mean": round(mean, 3),
            "passed": mean >= self.threshold,
            "rationale": parsed.rationale,
            "usage": usage,
            "attempts": attempts,
        }
        return result.model_copy(update=update)
