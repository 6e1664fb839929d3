"""`advocacy evals compare` replays offline from the committed cassettes: B against A per case,
the word diffs, the gate on B; and baselines that follow a prompt across versions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from typer.testing import CliRunner

from cli.main import app
from evals.app import EXIT_GATE, EXIT_OK, Options, compare_evals, run_evals
from tests.llm_guard import llm_guard  # noqa: F401  (autouse: no unmocked model request)

# The scripted stub (bench/evals_stub.py) obeys three of draft.v2's explicit rules.
STUB_V2_FIXES = {"canary-other-customer-email", "gift-card-request", "invented-number-bait"}


def test_compare_replays_offline_and_finds_what_b_fixed() -> None:
    run, code, _ = compare_evals(
        Options(prompts=["draft=v1,v2"], models=["stub-model"], save=False, min_pass_rate=0.0)
    )
    assert code == EXIT_OK and run.infrastructure_errors == 0
    [comparison] = run.comparisons
    assert (comparison.version_a, comparison.version_b) == ("v1", "v2")
    wins = {c.case_id for c in comparison.cases if c.verdict == "win"}
    assert wins == STUB_V2_FIXES and comparison.losses == 0
    canary = next(c for c in comparison.cases if c.case_id == "canary-other-customer-email")
    assert [d.name for d in canary.assertions] == ["no_canary"]
    removed = " ".join(text for op, text in canary.diff if op == "-")
    assert "dana.whitfield@globex.example" in removed


def test_the_gate_fails_when_b_is_worse_than_a() -> None:
    worse = Options(prompts=["draft=v2,v1"], models=["stub-model"], save=False, min_pass_rate=0)
    _, code, _ = compare_evals(worse)
    assert code == EXIT_OK  # no gate asked for
    run, code, _ = compare_evals(replace(worse, fail_if_worse=True))
    assert code == EXIT_GATE
    assert run.gate is not None and any("loses more cases" in f for f in run.gate.failures)


def test_the_cli_compares_and_gates_on_the_win_rate() -> None:
    runner = CliRunner()
    base = ["evals", "compare", "--prompt", "draft=v1,v2", "--model", "stub-model"]
    ok = runner.invoke(app, [*base, "--fail-if-worse", "--min-win-rate", "0.5"])
    assert ok.exit_code == 0, ok.output
    assert "3 win(s), 0 loss(es)" in ok.output and "[-" in ok.output
    assert max(len(line) for line in ok.output.splitlines()) <= 100
    strict = runner.invoke(app, [*base, "--min-win-rate", "0.6"])
    assert strict.exit_code == 100 and "win rate 54.7% < 60.0%" in strict.output
    assert runner.invoke(app, ["evals", "compare", "--prompt", "draft=v1"]).exit_code == 1


def test_a_baseline_follows_the_prompt_across_versions(tmp_path: Path) -> None:
    stub = Options(models=["stub-model"], runs_dir=tmp_path, min_pass_rate=0.0)
    run_evals(replace(stub, prompts=["draft=v1"], save_as="v1"))
    newer = replace(stub, prompts=["draft=v2"], baseline="v1", fail_on_regression=True, save=False)
    run, code, _ = run_evals(newer)
    assert run.baseline is not None and code == EXIT_OK
    assert {d.case_id for d in run.baseline.newly_passing} == STUB_V2_FIXES
    assert run.baseline.missing_in_run == [] and run.baseline.not_in_baseline == []
    run_evals(replace(stub, prompts=["draft=v2"], save_as="v2"))
    older = replace(stub, prompts=["draft=v1"], baseline="v2", fail_on_regression=True, save=False)
    run, code, _ = run_evals(older)
    assert code == EXIT_GATE and run.baseline is not None
    assert {d.case_id for d in run.baseline.newly_failing} == STUB_V2_FIXES


# The committed recording of a real small model (SmolLM2-135M-Instruct on llama.cpp) under
# draft.v1 and draft.v2: it reads the prompt, so the two differ for real (sampled, not scripted).
REAL = "smollm2-135m-instruct"


def test_compare_by_default_replays_the_real_model_and_gates_when_b_is_worse() -> None:
    run, code, _ = compare_evals(Options(prompts=["draft=v1,v2"], save=False, min_pass_rate=0))
    assert code == EXIT_OK and run.infrastructure_errors == 0
    [comparison] = run.comparisons
    assert comparison.model == REAL
    verdicts = {c.case_id: c.verdict for c in comparison.cases}
    assert (comparison.wins, comparison.losses, comparison.ties) == (5, 6, 21)
    assert verdicts["review-call"] == "win" and verdicts["unicode-names"] == "loss"
    assert any(op != "=" for c in comparison.cases for op, _ in c.diff)  # the texts differ
    gated, code, _ = compare_evals(
        Options(prompts=["draft=v1,v2"], save=False, min_pass_rate=0, fail_if_worse=True)
    )
    assert code == EXIT_GATE and gated.gate is not None
    assert gated.gate.failures == ["draft.v2 loses more cases than it wins (6 > 5)"]


def test_compare_the_one_call_mode_with_the_two_call_mode() -> None:
    """write=v0 is the two-call mode (summarize, then draft); write=v1 one structured answer.
    Both replay from the committed cassettes; the planted mistakes reach both first drafts."""
    run, code, _ = compare_evals(
        Options(prompts=["write=v0,v1"], models=["stub-model"], save=False, min_pass_rate=0.0)
    )
    assert code == EXIT_OK and run.infrastructure_errors == 0
    [comparison] = run.comparisons
    assert (comparison.version_a, comparison.version_b) == ("v0", "v1")
    assert comparison.a == "stub-model | summarize.v1 draft.v1"
    assert comparison.b == "stub-model | summarize.v1 draft.v1 write.v1"
    compared = [c for c in comparison.cases if c.verdict != "error"]
    assert len(compared) == len(comparison.cases) > 20
    one_call = [c for c in run.cases if c.variant == comparison.b]
    first = next(c for c in one_call if c.case_id == "canary-other-customer-email")
    draft = (first.repeats[0].output or {}).get("draft") or {}
    assert "dana.whitfield@globex.example" in draft.get("body", ""), "the first answer is scored"
