"""The run result: what `advocacy evals run` saves as JSON (schema in evals/README.md).

Plain pydantic models, so a saved run loads back for `--baseline` and every report reads one
shape. `SCHEMA_VERSION` changes only when a field changes meaning or disappears.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from evals.assertions import AssertionResult

# 2: every pass_rate counts errors as not passing (1 left errored cells out).
SCHEMA_VERSION = 2
RepeatStatus = Literal["pass", "fail", "error", "skipped"]
CaseStatus = Literal["pass", "fail", "error", "skipped"]


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
        )


class JudgeResult(BaseModel):
    model: str
    scores: dict[str, float] = Field(default_factory=dict)
    mean: float | None = None
    threshold: float
    passed: bool | None = None
    rationale: str = ""
    error: str | None = None  # HTTP or connection: an infrastructure error of the cell
    failure: str | None = None  # a bad answer twice: a judge failure, the cell fails
    attempts: int = 0
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = 0.0  # at the judge model's price


class RepeatResult(BaseModel):
    repeat: int
    status: RepeatStatus
    assertions: list[AssertionResult] = Field(default_factory=list)
    judge: JudgeResult | None = None
    score: float | None = None
    errors: list[str] = Field(default_factory=list)
    gate: dict[str, Any] = Field(default_factory=dict)
    output: dict[str, Any] | None = None
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = 0.0
    cache_hits: int = 0
    network_calls: int = 0
    duration_s: float = 0.0
    delivered_failures: list[str] = Field(default_factory=list)  # assertions the delivered fails
    latency_s: float | None = 0.0  # the model calls' own time, recorded in the cassettes

    @property
    def failed_assertions(self) -> list[str]:
        failed = [a.name for a in self.assertions if not a.passed]
        return failed + (["judge"] if self.judge is not None and self.judge.passed is False else [])


class CaseResult(BaseModel):
    case_id: str
    variant: str
    dataset: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    status: CaseStatus
    pass_rate: float | None
    score: float | None
    flaky: bool = False
    repeats: list[RepeatResult]


class VariantInfo(BaseModel):
    id: str
    model: str
    prompts: dict[str, str]


class VariantSummary(BaseModel):
    variant: str
    cases: int = 0
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    flaky: int = 0
    pass_rate: float | None = None
    score: float | None = None
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = 0.0
    assertion_failures: dict[str, int] = Field(default_factory=dict)


class JudgeInfo(BaseModel):
    model: str | None = None
    threshold: float | None = None
    note: str = ""
    prompt: str | None = None  # the rubric, e.g. judge.v1
    base_url: str | None = None  # its own provider; null: the models' server (or replay)


class CaseDiff(BaseModel):
    case_id: str
    variant: str
    baseline_variant: str | None = None  # the baseline's variant in the same role
    before: str | None
    after: str | None
    score_before: float | None
    score_after: float | None
    score_delta: float | None


class BaselineDiff(BaseModel):
    baseline_run_id: str
    newly_failing: list[CaseDiff] = Field(default_factory=list)
    newly_passing: list[CaseDiff] = Field(default_factory=list)
    changed_scores: list[CaseDiff] = Field(default_factory=list)
    missing_in_run: list[str] = Field(default_factory=list)
    variant_pairs: dict[str, str] = Field(default_factory=dict)  # run variant -> baseline's
    not_in_baseline: list[str] = Field(default_factory=list)  # run cells without a match


class CorpusRate(BaseModel):
    """One corpus measured against the output checks: `hits` of `total` met the expectation
    (a bad draft caught with its finding, a good draft passed); `misses` names the others."""

    name: str
    total: int
    hits: int
    rate: float | None
    required: float
    misses: list[str] = Field(default_factory=list)

    @property
    def met(self) -> bool:
        return self.rate is None or self.rate >= self.required


class Corpora(BaseModel):
    """The output checks on corpora: red-team drafts, good drafts, the adversarial cases' bad
    first answers of this run (caught when the delivered output passes every assertion), and
    the recorded raw answers of a live model (evals/live_answers.py)."""

    bad_drafts: CorpusRate
    good_drafts: CorpusRate
    adversarial: CorpusRate
    live_answers: CorpusRate | None = None

    @property
    def rates(self) -> list[CorpusRate]:
        rates = [self.bad_drafts, self.good_drafts, self.adversarial]
        return rates + ([self.live_answers] if self.live_answers else [])


class ErrorGroup(BaseModel):
    """Infrastructure errors of one cause: how many cells and requests, one example, the fix."""

    cause: str
    cells: int = 0
    errors: int = 0
    example: str
    hint: str | None = None


class AssertionDelta(BaseModel):
    """One assertion whose share of passing repeats changed from A to B (+1: B fixed it)."""

    name: str
    a: float | None
    b: float | None
    delta: float
    detail_a: str = ""
    detail_b: str = ""


class CaseComparison(BaseModel):
    """B against A on one case: who wins, what changed, and the drafts' word diff."""

    case_id: str
    verdict: Literal["win", "loss", "tie", "error"]
    status_a: str
    status_b: str
    score_a: float | None = None
    score_b: float | None = None
    readable_a: float | None = None  # share of repeats whose first draft could be read
    readable_b: float | None = None
    assertions: list[AssertionDelta] = Field(default_factory=list)
    words_a: float | None = None
    words_b: float | None = None
    chars_a: float | None = None
    chars_b: float | None = None
    reading_grade_a: float | None = None
    reading_grade_b: float | None = None
    judge_a: float | None = None
    judge_b: float | None = None
    cost_a: float | None = None
    cost_b: float | None = None
    latency_a: float | None = None
    latency_b: float | None = None
    diff: list[tuple[str, str]] = Field(default_factory=list)  # ("=" | "-" | "+", text)


class Comparison(BaseModel):
    """Variant B against variant A (one prompt, two versions, one model), case by case."""

    model: str
    prompt: str
    a: str
    b: str
    version_a: str
    version_b: str
    compared: int = 0
    wins: int = 0
    losses: int = 0
    ties: int = 0
    errors: int = 0
    win_rate: float | None = None  # (wins + ties / 2) / compared; an error is never a win
    not_compared: list[str] = Field(default_factory=list)  # held by the gates: no draft
    pass_rate_a: float | None = None
    pass_rate_b: float | None = None
    score_a: float | None = None
    score_b: float | None = None
    words_a: float | None = None
    words_b: float | None = None
    reading_grade_a: float | None = None
    reading_grade_b: float | None = None
    cost_a: float | None = None
    cost_b: float | None = None
    latency_a: float | None = None
    latency_b: float | None = None
    cases: list[CaseComparison] = Field(default_factory=list)


class GateOutcome(BaseModel):
    min_pass_rate: float | None
    pass_rate: float | None
    passed: bool
    regressions: int = 0
    fail_on_regression: bool = False
    corpora_met: bool = True
    failures: list[str] = Field(default_factory=list)
    min_win_rate: float | None = None  # compare: B against A
    fail_if_worse: bool = False


class RunResult(BaseModel):
    schema_version: int = SCHEMA_VERSION
    run_id: str
    started_at: str
    finished_at: str | None = None
    mode: str
    datasets: list[str]
    repeat: int
    concurrency: int
    variants: list[VariantInfo]
    judge: JudgeInfo = Field(default_factory=JudgeInfo)
    prices: dict[str, dict[str, float]] = Field(default_factory=dict)
    max_cost_usd: float | None = None
    stopped_reason: str | None = None
    cases: list[CaseResult] = Field(default_factory=list)
    summary: list[VariantSummary] = Field(default_factory=list)
    pass_rate: float | None = None
    infrastructure_errors: int = 0
    error_causes: list[ErrorGroup] = Field(default_factory=list)
    cost_usd: float | None = 0.0
    # What this run paid: the cost of the answers that came from a server. A replay from the
    # cassettes calls no model and spends 0, whatever `cost_usd` (the recorded calls) says.
    spent_usd: float = 0.0
    usage: Usage = Field(default_factory=Usage)
    baseline: BaselineDiff | None = None
    comparisons: list[Comparison] = Field(default_factory=list)
    gate: GateOutcome | None = None
    corpora: Corpora | None = None
