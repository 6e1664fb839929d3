"""Baseline diffs on two prepared runs, pass rates over repeats, flaky cases, the gate."""

from __future__ import annotations

from pathlib import Path

from evals.app import EXIT_GATE, EXIT_INFRA, EXIT_OK, Options, gate
from evals.assertions import AssertionResult
from evals.baseline import diff, load_run, save_run
from evals.cases import build_case
from evals.results import CaseResult, RepeatResult, RunResult
from evals.runner import aggregate, summarize_variant
from evals.variants import Variant, build_variants, parse_prompt_specs

V = "stub-model | summarize.v1 draft.v1"


def _case(case_id: str, status: str, score: float | None) -> CaseResult:
    return CaseResult(
        case_id=case_id,
        variant=V,
        dataset="d.yaml",
        status=status,  # type: ignore[arg-type]
        pass_rate=1.0 if status == "pass" else 0.0,
        score=score,
        repeats=[],
    )


def _run(run_id: str, *cases: CaseResult) -> RunResult:
    judged = [c for c in cases if c.status in ("pass", "fail")]
    rate = sum(c.status == "pass" for c in judged) / len(judged) if judged else None
    return RunResult(
        run_id=run_id,
        started_at="t",
        mode="replay",
        datasets=[],
        repeat=1,
        concurrency=1,
        variants=[],
        cases=list(cases),
        pass_rate=rate,
    )


BEFORE = _run(
    "before",
    _case("a", "pass", 1.0),
    _case("b", "fail", 0.8),
    _case("c", "pass", 1.0),
    _case("gone", "pass", 1.0),
)
AFTER = _run(
    "after",
    _case("a", "fail", 0.9),
    _case("b", "pass", 1.0),
    _case("c", "pass", 1.0),
    _case("new", "fail", 0.5),
)


def test_diff_lists_newly_failing_newly_passing_and_score_deltas() -> None:
    result = diff(AFTER, BEFORE)
    assert [d.case_id for d in result.newly_failing] == ["a"]
    assert [d.case_id for d in result.newly_passing] == ["b"]
    assert {d.case_id: d.score_delta for d in result.changed_scores} == {"a": -0.1, "b": 0.2}
    assert result.missing_in_run == [f"{V} / gone"]


def test_a_saved_run_loads_back_by_path_or_id(tmp_path: Path) -> None:
    path = save_run(BEFORE, tmp_path)
    assert load_run(str(path)).run_id == "before"
    assert load_run("before", tmp_path).cases == BEFORE.cases


def test_exit_codes_of_the_gate() -> None:
    ok = _run("ok", _case("a", "pass", 1.0))
    assert gate(ok, Options(min_pass_rate=1.0)) == EXIT_OK
    assert gate(AFTER, Options(min_pass_rate=0.9)) == EXIT_GATE
    assert gate(AFTER, Options(min_pass_rate=0.3)) == EXIT_OK
    regressed = AFTER.model_copy(update={"baseline": diff(AFTER, BEFORE)})
    assert gate(regressed, Options(min_pass_rate=0.3, fail_on_regression=True)) == EXIT_GATE
    broken = ok.model_copy(update={"infrastructure_errors": 1})
    assert gate(broken, Options()) == EXIT_INFRA


def _repeat(n: int, passed: bool) -> RepeatResult:
    return RepeatResult(
        repeat=n,
        status="pass" if passed else "fail",
        score=1.0 if passed else 0.5,
        assertions=[AssertionResult(name="tone", passed=passed)],
    )


def test_repeats_give_a_pass_rate_and_mark_flaky_cases() -> None:
    case = build_case(
        {
            "id": "x",
            "now": "2026-12-01T00:00:00Z",
            "account": {"id": "a", "name": "A", "owner_id": "u"},
            "expect": {"status": "not_triggered"},
        },
        defaults={},
        dataset="d.yaml",
    )
    variant = Variant("stub-model", (("summarize", "v1"), ("draft", "v1")))
    flaky = aggregate(case, variant, [_repeat(0, True), _repeat(1, False), _repeat(2, True)])
    assert (flaky.status, flaky.pass_rate, flaky.flaky, flaky.score) == (
        "fail",
        0.6667,
        True,
        0.8333,
    )
    steady = aggregate(case, variant, [_repeat(0, True), _repeat(1, True)])
    assert (steady.status, steady.pass_rate, steady.flaky) == ("pass", 1.0, False)


def test_the_matrix_is_prompts_times_models_with_offline_once() -> None:
    prompts = parse_prompt_specs(["summarize=v1,v2", "draft=v1"])
    variants = build_variants(["m1", "offline-template", "m2"], prompts)
    assert [v.id for v in variants] == [
        "m1 | summarize.v1 draft.v1",
        "m1 | summarize.v2 draft.v1",
        "offline-template",
        "m2 | summarize.v1 draft.v1",
        "m2 | summarize.v2 draft.v1",
    ]


def _errored(n: int) -> RepeatResult:
    return RepeatResult(
        repeat=n,
        status="error",
        errors=["cassette_miss: no cassette"],
        assertions=[AssertionResult(name="schema", passed=False)],
    )


def test_an_error_counts_as_not_passing_in_every_rate() -> None:
    case = build_case(
        {
            "id": "x",
            "now": "2026-12-01T00:00:00Z",
            "account": {"id": "a", "name": "A", "owner_id": "u"},
            "expect": {"status": "not_triggered"},
        },
        defaults={},
        dataset="d.yaml",
    )
    variant = Variant("stub-model", (("summarize", "v1"), ("draft", "v1")))
    half = aggregate(case, variant, [_repeat(0, True), _errored(1)])
    assert (half.status, half.pass_rate) == ("error", 0.5)
    cells = [
        aggregate(case, variant, [_repeat(0, True)]),
        aggregate(case, variant, [_repeat(0, False)]),
        aggregate(case, variant, [_errored(0)]),
    ]
    summary = summarize_variant(variant, cells)
    assert (summary.passed, summary.failed, summary.errors) == (1, 1, 1)
    assert summary.pass_rate == 0.3333
    # the errored cell's "schema" read a missing answer: its cause is reported, not counted
    assert summary.assertion_failures == {"tone": 1}
