"""The optional LLM-as-judge: relevance, warmth and specificity, 1-5, with a pinned model.

Skipped, with a visible note, when no judge model is configured (`--judge-model` or
ADVOCACY_EVALS_JUDGE_MODEL). The judge goes through the same caching transport as the models
under test, so judged runs replay offline too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from agent.llm import make_chat_model, structured
from agent.prompt_evidence import evidence_block, fenced_json
from agent.settings import Settings
from domain.outputs import AskDraft
from domain.report import GateReport
from domain.snapshot import EvidenceSnapshot
from evals.results import JudgeResult, Usage
from prompts.loader import Prompt, _parse

JUDGE_VERSION = "v1"
CRITERIA = ("relevance", "warmth", "specificity")
SKIPPED_NOTE = (
    "LLM judge skipped: no judge model configured (--judge-model or ADVOCACY_EVALS_JUDGE_MODEL)"
)


class JudgeScores(BaseModel):
    """Scores from 1 to 5 for one draft, and why."""

    relevance: int = Field(ge=1, le=5, description="1-5: about this customer, makes the ask.")
    warmth: int = Field(ge=1, le=5, description="1-5: sincere thanks, easy to decline.")
    specificity: int = Field(ge=1, le=5, description="1-5: concrete, nothing invented.")
    rationale: str = Field(description="One sentence.")


def load_rubric() -> Prompt:
    path = Path(__file__).parent / f"judge.{JUDGE_VERSION}.md"
    return _parse("judge", JUDGE_VERSION, path.read_text(encoding="utf-8"))


class Judge:
    """Scores drafts with `model` over an injected HTTP client (the caching transport)."""

    def __init__(self, model: str, *, threshold: float, settings: Settings) -> None:
        self.model, self.threshold = model, threshold
        self._settings = settings.model_copy(update={"model": model, "llm_max_retries": 0})
        self.rubric = load_rubric()

    def score(
        self,
        draft: AskDraft,
        snapshot: EvidenceSnapshot,
        report: GateReport,
        *,
        http_client: Any,
    ) -> tuple[JudgeResult, Usage]:
        chat = make_chat_model(self._settings, http_client=http_client)
        result = JudgeResult(model=self.model, threshold=self.threshold)
        if chat is None:
            return result.model_copy(update={"error": "no judge server configured"}), Usage()
        user = self.rubric.render(
            ask_type=report.ask_type or "",
            channel=draft.channel,
            evidence_block=evidence_block(snapshot, report, limit=12),
            draft_block=fenced_json("draft", draft.model_dump(mode="json")),
        )
        try:
            answer = structured(chat, JudgeScores, self._settings).invoke(
                [("system", self.rubric.system), ("human", user)]
            )
        except Exception as error:  # the judge never breaks a run: its error is reported
            return result.model_copy(update={"error": f"{type(error).__name__}: {error}"}), Usage()
        meta = getattr(answer.get("raw"), "usage_metadata", None) or {}
        usage = Usage(
            input_tokens=int(meta.get("input_tokens", 0)),
            output_tokens=int(meta.get("output_tokens", 0)),
            total_tokens=int(meta.get("total_tokens", 0)),
        )
        parsed = answer.get("parsed")
        if not isinstance(parsed, JudgeScores):
            why = str(answer.get("parsing_error") or "no scores in the answer")
            return result.model_copy(update={"error": why}), usage
        scores = {name: float(getattr(parsed, name)) for name in CRITERIA}
        mean = sum(scores.values()) / len(scores)
        update = {
            "scores": scores,
            "mean": round(mean, 3),
            "passed": mean >= self.threshold,
            "rationale": parsed.rationale,
        }
        return result.model_copy(update=update), usage
