"""Baselines: saved runs, and what changed per case against one of them.

Cells are matched by case and by the role of their variant: the same model with the same
prompt names. A new prompt version is compared with the baseline's version of that prompt.
"""

from __future__ import annotations

from pathlib import Path

from evals.results import BaselineDiff, CaseDiff, CaseResult, RunResult, VariantInfo

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


def _variants(run: RunResult) -> list[VariantInfo]:
    """The run's variants; a saved run without them still has its cells' variant ids."""
    known = {v.id: v for v in run.variants}
    for case in run.cases:
        known.setdefault(case.variant, VariantInfo(id=case.variant, model="", prompts={}))
    return list(known.values())


def _version(value: str) -> int:
    return int(value[1:]) if value[1:].isdigit() else 0


def baseline_variant(variant: VariantInfo, baseline: list[VariantInfo]) -> VariantInfo | None:
    """The baseline variant that plays `variant`'s role: the same id, else the same model and
    prompt names with the fewest versions changed (ties: the newest versions). So
    `--prompt draft=v3` is compared with the baseline's draft.v1 (or v2)."""
    same = [b for b in baseline if b.id == variant.id]
    if same or not variant.model:
        return same[0] if same else None
    pool = [
        b
        for b in baseline
        if b.model == variant.model and b.prompts.keys() == variant.prompts.keys()
    ]

    def distance(b: VariantInfo) -> tuple[int, list[int]]:
        changed = sum(b.prompts[n] != v for n, v in variant.prompts.items())
        return changed, [-_version(b.prompts[n]) for n in variant.prompts]

    return min(pool, key=distance) if pool else None


def diff(run: RunResult, baseline: RunResult) -> BaselineDiff:
    """Per case and variant role: newly failing, newly passing, score deltas; the cells either
    side lacks."""
    pairs = {
        v.id: match.id
        for v in _variants(run)
        if (match := baseline_variant(v, _variants(baseline))) is not None
    }
    before = {(c.variant, c.case_id): c for c in baseline.cases}
    result = BaselineDiff(baseline_run_id=baseline.run_id, variant_pairs=pairs)
    seen = set()
    for case in run.cases:
        key = (pairs.get(case.variant, ""), case.case_id)
        old = before.get(key)
        if old is None:
            result.not_in_baseline.append(f"{case.variant} / {case.case_id}")
            continue
        seen.add(key)
        _classify(result, case, old)
    result.missing_in_run = sorted(f"{v} / {c}" for v, c in set(before) - seen)
    return result


def _classify(result: BaselineDiff, case: CaseResult, old: CaseResult) -> None:
    delta = None if case.score is None or old.score is None else round(case.score - old.score, 4)
    item = CaseDiff(
        case_id=case.case_id,
        variant=case.variant,
        baseline_variant=old.variant,
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
