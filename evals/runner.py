"""The run: every case for every variant and repeat, concurrently, within a cost budget.

Cells run on a thread pool (`concurrency`); each starts only while the budget holds, so
`--max-cost` stops the run between cells (cells already running finish and are counted).
Infrastructure errors (cassette misses, HTTP and connection errors after bounded retries) are
reported apart from assertion failures, but never drop out of a pass rate: every rate is
passed / (passed + failed + errored). Only cells that `--max-cost` stopped are left out.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from domain.clock import utc_now
from evals.cases import Case
from evals.errors import group_errors
from evals.execute import Cell, Environment
from evals.results import (
    CaseResult,
    JudgeInfo,
    RepeatResult,
    RunResult,
    Usage,
    VariantInfo,
    VariantSummary,
)
from evals.variants import Variant


@dataclass
class Budget:
    """Money spent so far, and whether the run must stop starting cells."""

    limit: float | None
    spent: float = 0.0
    stopped: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def allows(self) -> bool:
        with self._lock:
            return not self.stopped

    def add(self, cost: float | None) -> None:
        with self._lock:
            self.spent += cost or 0.0
            if self.limit is not None and self.spent >= self.limit:
                self.stopped = True


@dataclass(frozen=True)
class RunSpec:
    cases: Sequence[Case]
    variants: Sequence[Variant]
    repeat: int = 1
    concurrency: int = 4
    max_cost: float | None = None
    datasets: Sequence[str] = ()
    judge: JudgeInfo = field(default_factory=JudgeInfo)


def _cell(
    env: Environment, budget: Budget, variant: Variant, case: Case, repeat: int
) -> RepeatResult:
    if not budget.allows():
        return RepeatResult(repeat=repeat, status="skipped", errors=[], cost_usd=None)
    result = Cell(env, variant, case, repeat).run()
    budget.add(result.cost_usd)
    return result


def pass_rate(statuses: Iterable[str]) -> float | None:
    """passed / (passed + failed + errored): an error is never a pass and never drops out."""
    counted = [s for s in statuses if s in ("pass", "fail", "error")]
    return round(counted.count("pass") / len(counted), 4) if counted else None


def aggregate(case: Case, variant: Variant, repeats: list[RepeatResult]) -> CaseResult:
    """One case's repeats: its pass rate counts errored repeats as not passing."""
    ran = [r for r in repeats if r.status in ("pass", "fail")]
    passed = sum(r.status == "pass" for r in ran)
    scores = [r.score for r in ran if r.score is not None]
    if any(r.status == "error" for r in repeats):
        status = "error"
    elif not ran:
        status = "skipped"
    else:
        status = "pass" if passed == len(ran) else "fail"
    return CaseResult(
        case_id=case.id,
        variant=variant.id,
        dataset=case.dataset,
        description=case.description,
        tags=list(case.tags),
        status=status,
        pass_rate=pass_rate(r.status for r in repeats),
        score=round(sum(scores) / len(scores), 4) if scores else None,
        flaky=0 < passed < len(ran),
        repeats=repeats,
    )


def summarize_variant(variant: Variant, cases: list[CaseResult]) -> VariantSummary:
    mine = [c for c in cases if c.variant == variant.id]
    counts = Counter(c.status for c in mine)
    repeats = [r for c in mine for r in c.repeats]
    costs = [r.cost_usd for r in repeats if r.status != "skipped"]
    # An errored cell's assertions read a missing answer: its cause is reported instead.
    failures = Counter(name for r in repeats if r.status != "error" for name in r.failed_assertions)
    scores = [c.score for c in mine if c.score is not None]
    usage = Usage()
    for r in repeats:
        usage = usage + r.usage
    return VariantSummary(
        variant=variant.id,
        cases=len(mine),
        passed=counts["pass"],
        failed=counts["fail"],
        errors=counts["error"],
        skipped=counts["skipped"],
        flaky=sum(c.flaky for c in mine),
        pass_rate=pass_rate(c.status for c in mine),
        score=round(sum(scores) / len(scores), 4) if scores else None,
        usage=usage,
        cost_usd=None if any(c is None for c in costs) else round(sum(c or 0 for c in costs), 6),
        assertion_failures=dict(sorted(failures.items())),
    )


def run(spec: RunSpec, env: Environment, *, mode_label: str | None = None) -> RunResult:
    """Every cell of the matrix, then the per-case and per-variant aggregates."""
    started = utc_now()
    budget = Budget(spec.max_cost)
    cells = [
        (variant, case, repeat)
        for variant in spec.variants
        for case in spec.cases
        for repeat in range(spec.repeat)
    ]
    with ThreadPoolExecutor(max_workers=max(1, spec.concurrency)) as pool:
        futures = [pool.submit(_cell, env, budget, *cell) for cell in cells]
        results = [future.result() for future in futures]
    by_cell: dict[tuple[str, str], list[RepeatResult]] = {}
    for (variant, case, _), result in zip(cells, results, strict=True):
        by_cell.setdefault((variant.id, case.id), []).append(result)
    cases = [
        aggregate(case, variant, by_cell[(variant.id, case.id)])
        for case in spec.cases
        for variant in spec.variants
    ]
    summary = [summarize_variant(variant, cases) for variant in spec.variants]
    usage = Usage()
    for item in summary:
        usage = usage + item.usage
    costs = [s.cost_usd for s in summary]
    return RunResult(
        run_id=f"{started:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}",
        started_at=started.isoformat(),
        finished_at=utc_now().isoformat(),
        mode=mode_label or env.mode,
        datasets=list(spec.datasets),
        repeat=spec.repeat,
        concurrency=spec.concurrency,
        variants=[
            VariantInfo(id=v.id, model=v.model, prompts=v.prompt_versions) for v in spec.variants
        ],
        judge=spec.judge,
        prices=env.prices.as_dict(),
        max_cost_usd=spec.max_cost,
        stopped_reason=(
            f"--max-cost {spec.max_cost} reached (spent {budget.spent:.6f} USD)"
            if budget.stopped and any(r.status == "skipped" for r in results)
            else None
        ),
        cases=cases,
        summary=summary,
        pass_rate=pass_rate(c.status for c in cases),
        infrastructure_errors=sum(r.status == "error" for r in results),
        error_causes=group_errors(cases),
        cost_usd=None if any(c is None for c in costs) else round(sum(c or 0 for c in costs), 6),
        spent_usd=round(sum(r.cost_usd or 0 for r in results if r.network_calls), 6),
        usage=usage,
    )
