"""What an assertion looks at: the case, its gate report, the first answers, the cell's measures.

An assertion is a function of a Subject answering an AssertionResult, or None when it does not
apply (content assertions on a case the gates hold, a budget the case does not declare).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from domain.outputs import AdvocacySummary, AskDraft
from domain.report import GateReport
from evals.cases import Case


class AssertionResult(BaseModel):
    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Outputs:
    """What was written for one case: the first answers scored, and why one failed to parse."""

    summary: AdvocacySummary | None = None
    draft: AskDraft | None = None
    summary_error: str | None = None
    draft_error: str | None = None


@dataclass(frozen=True)
class Measures:
    """What the model's calls of one cell cost and took (None: unknown)."""

    cost_usd: float | None = 0.0
    latency_s: float | None = 0.0


@dataclass(frozen=True)
class Subject:
    case: Case
    report: GateReport
    outputs: Outputs
    measures: Measures = field(default_factory=Measures)

    @property
    def candidate(self) -> bool:
        return self.report.status == "candidate"

    @property
    def written(self) -> bool:
        """Content assertions apply to candidates whose draft could be read."""
        return self.candidate and self.outputs.draft is not None

    @property
    def draft_text(self) -> str:
        draft = self.outputs.draft
        return f"{draft.subject or ''}\n{draft.body}" if draft else ""

    @property
    def summary_text(self) -> str:
        summary = self.outputs.summary
        if summary is None:
            return ""
        return "\n".join([summary.headline, *(point.text for point in summary.points)])


Check = Callable[[Subject], AssertionResult | None]


def result(name: str, problems: list[str]) -> AssertionResult:
    return AssertionResult(name=name, passed=not problems, detail="; ".join(problems))
