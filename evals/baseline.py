"""Baselines: saved runs, and what changed per case against one of them."""

from __future__ import annotations

from pathlib import Path

from evals.results import BaselineDiff, CaseDiff, CaseResult, RunResult

RUNS_DIR = Path(__file__).parent / "runs"
SCORE_EPSILON = 1e-9


def save_run(run: RunResult, folder: Path = RUNS_DIR, *, name: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name or run.run_id}.json"
    path.write_text(run.model_dump_json(indent=1) + "\n", encoding="utf-8")
    return path


def load_run(ref: str, folder: Path = RUNS_DIR) -> RunResult:
    """A saved run by path, or by run id / file stem inside `folder`."""
    candidates = [Path(ref), folder / ref, folder / f"{ref}.json"]
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        raise ValueError(f"--baseline {ref}: no such run (a path, or a run id in {folder})")
    try:
        return RunResult.model_validate_json(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"--baseline {ref}: not a saved run ({error})") from None


def _passed(case: CaseResult) -> bool | None:
    return None if case.status in ("error", "skipped") else case.status == "pass"


def diff(run: RunResult, baseline: RunResult) -> BaselineDiff:
    """Per (variant, case): newly failing, newly passing, score deltas; cases the run lacks."""
    before = {(c.variant, c.case_id): c for c in baseline.cases}
    result = BaselineDiff(baseline_run_id=baseline.run_id)
    seen = set()
    for case in run.cases:
        key = (case.variant, case.case_id)
        seen.add(key)
        old = before.get(key)
        if old is None:
            continue
        delta = (
            None if case.score is None or old.score is None else round(case.score - old.score, 4)
        )
        item = CaseDiff(
            case_id=case.case_id,
            variant=case.variant,
            before=old.status,
            after=case.status,
            score_before=old.score,
            score_after=case.score,
            score_delta=delta,
        )
        was, now = _passed(old), _passed(case)
        if was is True and now is False:
            result.newly_failing.append(item)
        elif was is False and now is True:
            result.newly_passing.append(item)
        if delta is not None and abs(delta) > SCORE_EPSILON:
            result.changed_scores.append(item)
    result.missing_in_run = sorted(f"{v} / {c}" for v, c in set(before) - seen)
    return result
