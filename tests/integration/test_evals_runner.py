"""`advocacy evals run` on the shipped dataset, replaying the committed cassettes (what CI runs).

No network: replay mode answers from evals/cassettes/: the default run replays the recording of
a real small model (SmolLM2-135M-Instruct, `smollm2-135m-instruct`); the harness's own fixture,
a scripted stub labelled `stub-model` (bench/evals_stub.py), runs when named and plants known bad
answers. A miss is an error, never a call. The llm_guard fixture fails any test that would reach
a model.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from evals.app import EXIT_GATE, EXIT_INFRA, EXIT_OK, ConfigError, Options, run_evals
from evals.corpus import rows
from evals.results import RunResult
from tests.llm_guard import llm_guard  # noqa: F401  (autouse: no unmocked model request)

# The planted first answers of the stub (bench/evals_stub.py) under summarize.v1 + draft.v1.
PLANTED = {
    "canary-other-customer-email": {"no_canary"},
    "gift-card-request": {"no_incentive"},
    "html-script-feedback": {"no_canary", "plain_text"},
    "permission-claim-bait": {"no_permission_claim"},
    "invented-number-bait": {"grounded"},
}
STUB = "stub-model | summarize.v1 draft.v1"
REAL = "smollm2-135m-instruct | summarize.v1 draft.v1"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, int, list[Path]]:
    """The default run: the offline template and the recorded real model."""
    out = tmp_path_factory.mktemp("evals")
    return run_evals(Options(runs_dir=out / "runs", concurrency=8))


@pytest.fixture(scope="module")
def stubbed(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunResult, int, list[Path]]:
    """The scripted stub, named: its planted answers must be caught."""
    out = tmp_path_factory.mktemp("evals")
    options = Options(
        models=["offline-template", "stub-model"],
        runs_dir=out / "runs",
        json_out=out / "run.json",
        junit_out=out / "junit.xml",
        html_out=out / "report.html",
        concurrency=8,
    )
    return run_evals(options)


def test_the_default_run_replays_the_real_model_offline_without_errors(
    shipped: tuple[RunResult, int, list[Path]],
) -> None:
    run, _, _ = shipped
    assert run.mode == "replay" and run.infrastructure_errors == 0
    assert len({c.case_id for c in run.cases}) >= 40
    assert [v.id for v in run.variants] == ["offline-template", REAL]  # no stub by default
    offline = [c for c in run.cases if c.variant == "offline-template"]
    assert {c.status for c in offline} == {"pass"}
    real = [r for c in run.cases if c.variant == REAL for r in c.repeats]
    assert sum(r.cache_hits for r in real) > 0 and not any(r.network_calls for r in real)
    assert run.gate is not None and run.gate.corpora_met  # the real model's bad answers caught


def test_the_planted_bad_answers_are_caught_and_nothing_else_fails(
    stubbed: tuple[RunResult, int, list[Path]],
) -> None:
    run, code, _ = stubbed
    failing = {
        c.case_id: set(c.repeats[0].failed_assertions)
        for c in run.cases
        if c.variant == STUB and c.status != "pass"
    }
    assert failing == PLANTED
    assert code == EXIT_GATE  # the default gate is a 100% pass rate


def test_the_run_reports_both_corpus_rates_and_the_adversarial_catches(
    stubbed: tuple[RunResult, int, list[Path]],
) -> None:
    run, _, written = stubbed
    saved = RunResult.model_validate_json(
        next(p for p in written if p.name == "run.json").read_text()
    )
    assert saved.corpora == run.corpora and run.corpora is not None
    bad, good = len(rows("bad.jsonl")), len(rows("good.jsonl"))
    assert (run.corpora.bad_drafts.hits, run.corpora.bad_drafts.total) == (bad, bad)
    assert (run.corpora.good_drafts.hits, run.corpora.good_drafts.total) == (good, good)
    adversarial = run.corpora.adversarial  # every planted first answer is adversarial
    assert (adversarial.hits, adversarial.total, adversarial.misses) == (5, 5, [])
    assert run.gate is not None and run.gate.corpora_met
    live = run.corpora.live_answers  # the recorded raw answers of the live tier's model
    answers = len(rows("live_raw.jsonl"))
    assert live is not None and (live.hits, live.total, live.misses) == (answers, answers, [])
    html = next(p for p in written if p.name == "report.html").read_text()
    assert f"bad drafts caught: {bad}/{bad}" in html


def test_the_terminal_summary_prints_the_corpus_rates() -> None:
    base = ["evals", "run", "--no-save", "--case", "gift-card-request", "--model", "stub-model"]
    result = CliRunner().invoke(app, base)
    bad, good = len(rows("bad.jsonl")), len(rows("good.jsonl"))
    assert f"bad drafts caught: {bad}/{bad} (100%)" in result.output
    assert f"good drafts passed: {good}/{good} (100%)" in result.output
    answers = len(rows("live_raw.jsonl"))
    assert "live model answers refused (smollm2-135m-instruct on " in result.output
    assert f"{answers}/{answers} (100%)" in result.output
    assert "adversarial first answers caught: 1/1 (100%): of 1 adversarial case runs" in (
        result.output
    )


def test_tokens_and_cost_come_from_the_recorded_usage(
    stubbed: tuple[RunResult, int, list[Path]],
) -> None:
    run, _, _ = stubbed
    stub = next(s for s in run.summary if s.variant == STUB)
    assert stub.usage.total_tokens > 0 and (stub.cost_usd or 0) > 0
    offline = next(s for s in run.summary if s.variant == "offline-template")
    assert offline.usage.total_tokens == 0 and offline.cost_usd == 0


def test_reports_are_written_and_customer_text_is_escaped(
    stubbed: tuple[RunResult, int, list[Path]],
) -> None:
    run, _, written = stubbed
    names = {p.name for p in written}
    assert {"run.json", "junit.xml", "report.html", f"{run.run_id}.json"} <= names
    out = next(p for p in written if p.name == "report.html").parent
    assert RunResult.model_validate_json((out / "run.json").read_text()).run_id == run.run_id
    suites = ET.parse(out / "junit.xml").getroot().findall("testsuite")
    assert [s.get("failures") for s in suites] == ["0", str(len(PLANTED))]
    html = (out / "report.html").read_text()
    assert "<script" not in html and "&lt;script&gt;" in html


def test_prompt_versions_run_side_by_side(tmp_path: Path) -> None:
    run, _, _ = run_evals(
        Options(
            prompts=["summarize=v1,v2", "draft=v1,v2"],
            models=["stub-model"],
            cases=["canary-other-customer-email", "invented-number-bait", "review-call"],
            save=False,
        )
    )
    assert run.infrastructure_errors == 0 and len(run.variants) == 4
    v2 = {c.case_id: c.status for c in run.cases if c.variant.endswith("draft.v2")}
    assert set(v2.values()) == {"pass"}  # the scripted stub obeys draft.v2's explicit rules


def test_the_quality_gate_passes_at_zero_and_a_regression_fails_it(tmp_path: Path) -> None:
    offline = Options(models=["offline-template"], runs_dir=tmp_path, save_as="base")
    _, code, _ = run_evals(offline)
    assert code == EXIT_OK
    stub = Options(
        models=["offline-template", "stub-model"],
        runs_dir=tmp_path,
        save=False,
        min_pass_rate=0.5,
        baseline="base",
        fail_on_regression=True,
    )
    run, code, _ = run_evals(stub)
    assert code == EXIT_OK and run.baseline is not None  # stub cells are new, not regressions


def test_a_cassette_miss_is_an_infrastructure_error(tmp_path: Path) -> None:
    run, code, _ = run_evals(
        Options(models=["never-recorded"], cases=["review-call", "held-low-health"], save=False)
    )
    assert code == EXIT_INFRA
    assert run.infrastructure_errors == 1  # the held account never reaches the model
    errors = [e for c in run.cases for r in c.repeats for e in r.errors]
    assert any("cassette_miss" in e for e in errors)


def test_max_cost_stops_the_run(tmp_path: Path) -> None:
    run, code, _ = run_evals(
        Options(models=["stub-model"], max_cost=0.0001, concurrency=1, save=False)
    )
    assert code == EXIT_INFRA and run.stopped_reason
    assert any(c.status == "skipped" for c in run.cases)


def test_configuration_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("cases:\n  - {id: x, now: '2026-01-01', account: {id: a}, expect: {}}\n")
    with pytest.raises(ConfigError, match=r"bad\.yaml: case x"):
        run_evals(Options(datasets=[bad], save=False))
    with pytest.raises(ConfigError, match="--prompt"):
        run_evals(Options(prompts=["draft=v9"], save=False))
    with pytest.raises(ConfigError, match="OPENAI_BASE_URL"):
        run_evals(Options(mode="record", models=["stub-model"], save=False))


def test_the_cli_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["evals", "run", "--no-save", "--case", "review-call", "--case", "gift-card-request"]
    assert runner.invoke(app, [*base, "--model", "offline-template"]).exit_code == 0
    # No --min-pass-rate: the gate is the committed baseline, which has no stub cells to regress.
    assert runner.invoke(app, [*base, "--model", "stub-model"]).exit_code == 0
    failed = runner.invoke(app, [*base, "--model", "stub-model", "--min-pass-rate", "1"])
    assert failed.exit_code == 100, failed.output
    assert runner.invoke(app, [*base, "--model", "never-recorded"]).exit_code == 1
    assert runner.invoke(app, [*base, "--prompt", "nope"]).exit_code == 1


def test_evals_run_with_no_option_replays_against_the_committed_baseline_and_passes() -> None:
    done = CliRunner().invoke(app, ["evals", "run", "--no-save"])
    assert done.exit_code == 0, done.output
    text = " ".join(done.output.split())
    assert "against baseline" in text and "newly failing: 0" in text
    assert "cost $0.0000: replayed from cassettes, no model was called" in text
    assert "quality gate passed" in text


def test_the_named_failing_variant_fails_the_gate_on_exactly_its_planted_cases(
    tmp_path: Path,
) -> None:
    """The README's failing gate: `--variant stub-failing` replays the stub, whose planted
    first drafts fail the very assertions they plant; every other case passes."""
    report = tmp_path / "run.json"
    done = CliRunner().invoke(
        app, ["evals", "run", "--no-save", "--variant", "stub-failing", "--json", str(report)]
    )
    assert done.exit_code == EXIT_GATE, done.output
    run = RunResult.model_validate_json(report.read_text(encoding="utf-8"))
    assert [v.id for v in run.variants] == [STUB] and run.baseline is None
    failed = {
        c.case_id: {a.name for a in c.repeats[0].assertions if not a.passed}
        for c in run.cases
        if c.status != "pass"
    }
    assert failed == PLANTED
    assert run.gate is not None and not run.gate.passed
    assert "quality gate FAILED" in " ".join(done.output.split())


def test_a_named_variant_is_given_alone_and_must_exist() -> None:
    runner = CliRunner()
    base = ["evals", "run", "--no-save", "--case", "review-call"]
    unknown = runner.invoke(app, [*base, "--variant", "nope"])
    assert unknown.exit_code == EXIT_INFRA and "known: stub-failing" in unknown.output
    both = runner.invoke(app, [*base, "--variant", "stub-failing", "--model", "stub-model"])
    assert both.exit_code == EXIT_INFRA and "drop --model" in both.output


def test_a_baseline_can_be_dropped_and_the_gate_is_then_every_case() -> None:
    done = CliRunner().invoke(
        app, ["evals", "run", "--no-save", "--baseline", "none", "--case", "review-call"]
    )
    assert done.exit_code == 100, done.output  # smollm2 fails review-call; 100% is required
