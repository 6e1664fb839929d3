"""B against A: verdicts per case, the win rate, when B is worse, which variants pair up, and
baselines matched by the role of a variant across prompt versions (tables over prepared runs)."""

from __future__ import annotations

import pytest

from evals.assertions import AssertionResult
from evals.baseline import baseline_variant, diff
from evals.compare import compare, pairs_to_compare, verdict, worse_reasons
from evals.results import CaseResult, RepeatResult, RunResult, VariantInfo

A = VariantInfo(id="m | draft.v1", model="m", prompts={"summarize": "v1", "draft": "v1"})
B = VariantInfo(id="m | draft.v2", model="m", prompts={"summarize": "v1", "draft": "v2"})


def _cell(
    variant: str, case_id: str, status: str, score: float, body: str = "Hi Lee"
) -> CaseResult:
    repeat = RepeatResult(
        repeat=0,
        status=status,  # type: ignore[arg-type]
        score=score,
        assertions=[AssertionResult(name="tone", passed=status == "pass", detail="3 '!'")],
        gate={"status": "candidate"},
        output={"draft": {"channel": "email", "subject": "Thanks", "body": body}},
    )
    return CaseResult(
        case_id=case_id,
        variant=variant,
        dataset="d.yaml",
        status=status,  # type: ignore[arg-type]
        pass_rate={"pass": 1.0, "fail": 0.0}.get(status, 0.0),
        score=score,
        repeats=[repeat],
    )


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("fail", 0.9), ("pass", 1.0), "win"),
        (("pass", 1.0), ("fail", 0.9), "loss"),
        (("fail", 0.8), ("fail", 0.9), "win"),
        (("fail", 0.9), ("fail", 0.9), "tie"),
        (("pass", 1.0), ("error", 1.0), "error"),
        (("error", 1.0), ("pass", 1.0), "error"),
    ],
    ids=["fixed", "broken", "higher score", "equal", "B errored", "A errored"],
)
def test_the_verdict_of_b_against_a(
    a: tuple[str, float], b: tuple[str, float], expected: str
) -> None:
    assert verdict(_cell(A.id, "c", *a), _cell(B.id, "c", *b)) == expected


def _run(*cases: CaseResult, variants: list[VariantInfo] | None = None) -> RunResult:
    return RunResult(
        run_id="r",
        started_at="t",
        mode="replay",
        datasets=[],
        repeat=1,
        concurrency=1,
        variants=[A, B] if variants is None else variants,
        cases=list(cases),
    )


def test_win_rate_counts_ties_as_half_and_errors_as_nothing() -> None:
    run = _run(
        _cell(A.id, "won", "fail", 0.9, "Hi Lee, I copied Dana."),
        _cell(B.id, "won", "pass", 1.0, "Hi Lee."),
        _cell(A.id, "tied", "pass", 1.0),
        _cell(B.id, "tied", "pass", 1.0),
        _cell(A.id, "erred", "pass", 1.0),
        _cell(B.id, "erred", "error", 1.0),
    )
    result = compare(run, A, B, "draft")
    assert (result.wins, result.losses, result.ties, result.errors) == (1, 0, 1, 1)
    assert result.win_rate == 0.5  # (1 + 1/2) / 3
    won = result.cases[0]
    assert [(d.name, d.delta) for d in won.assertions] == [("tone", 1.0)]
    assert any(op == "-" and "copied Dana" in text for op, text in won.diff)
    assert (result.pass_rate_a, result.pass_rate_b) == (0.6667, 0.6667)  # the error counts
    assert worse_reasons(result) == []


def test_b_is_worse_when_it_loses_more_cases_than_it_wins_or_passes_fewer() -> None:
    run = _run(
        _cell(A.id, "x", "fail", 0.9),
        _cell(B.id, "x", "fail", 0.8),
        _cell(A.id, "y", "pass", 1.0),
        _cell(B.id, "y", "pass", 1.0),
    )
    result = compare(run, A, B, "draft")
    assert worse_reasons(result) == ["draft.v2 loses more cases than it wins (1 > 0)"]
    broken = _run(_cell(A.id, "x", "pass", 1.0), _cell(B.id, "x", "fail", 0.9))
    assert worse_reasons(compare(broken, A, B, "draft")) == [
        "draft.v2 passes fewer cases (0.0% < 100.0%)",
        "draft.v2 loses more cases than it wins (1 > 0)",
    ]


def test_cases_the_gates_hold_are_not_compared() -> None:
    held = _cell(A.id, "held", "pass", 1.0)
    held.repeats[0].gate = {"status": "held"}
    other = held.model_copy(update={"variant": B.id})
    result = compare(_run(held, other), A, B, "draft")
    assert result.compared == 0 and result.not_compared == ["held"]


def test_pairs_differ_only_in_the_compared_prompt() -> None:
    other_model = VariantInfo(id="n | draft.v2", model="n", prompts=B.prompts)
    summary_v2 = VariantInfo(id="m | s2 d2", model="m", prompts={"summarize": "v2", "draft": "v2"})
    pairs = pairs_to_compare([A, B, other_model, summary_v2], "draft", "v1", "v2")
    assert pairs == [(A, B)]


V3 = VariantInfo(id="m | draft.v3", model="m", prompts={"summarize": "v1", "draft": "v3"})


@pytest.mark.parametrize(
    ("variant", "baseline", "expected"),
    [
        (B, [A, B], B.id),
        (V3, [A, B], B.id),
        (V3, [A], A.id),
        (VariantInfo(id="n | draft.v1", model="n", prompts=A.prompts), [A, B], None),
    ],
    ids=["same variant", "newest version of the role", "old version", "another model"],
)
def test_a_baseline_cell_is_matched_by_role(
    variant: VariantInfo, baseline: list[VariantInfo], expected: str | None
) -> None:
    found = baseline_variant(variant, baseline)
    assert (found.id if found else None) == expected


def test_a_new_prompt_version_is_compared_with_the_baseline_version() -> None:
    before = _run(_cell(A.id, "c", "fail", 0.9), _cell(A.id, "d", "pass", 1.0), variants=[A])
    after = _run(_cell(V3.id, "c", "pass", 1.0), _cell(V3.id, "d", "fail", 0.9), variants=[V3])
    result = diff(after, before)
    assert result.variant_pairs == {V3.id: A.id}
    assert [(d.case_id, d.baseline_variant) for d in result.newly_passing] == [("c", A.id)]
    assert [d.case_id for d in result.newly_failing] == ["d"]
    assert result.missing_in_run == [] and result.not_in_baseline == []


def test_a_readable_draft_beats_an_unreadable_one_whatever_the_score() -> None:
    read = _cell(A.id, "c", "fail", 0.54)  # its draft was read, and failed content checks
    unread = _cell(B.id, "c", "fail", 0.75)  # fewer assertions apply to no draft at all
    unread.repeats[0].output = {"draft": None}
    assert verdict(read, unread) == "loss"
    assert verdict(unread.model_copy(update={"variant": A.id}), read) == "win"
    row = compare(_run(read, unread), A, B, "draft").cases[0]
    assert (row.readable_a, row.readable_b) == (1.0, 0.0)
