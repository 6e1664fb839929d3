"""Honest accounting: an errored cell is never a pass and never drops out of a rate; its cause
and its fix reach the terminal; repeats the cassettes lack are refused before any cell runs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli.main import app
from evals.app import EXIT_INFRA, ConfigError, Options, run_evals
from evals.reports.terminal import render
from tests.llm_guard import llm_guard  # noqa: F401  (autouse: no unmocked model request)

# review-call reaches the model; held-low-health is held by the gates and never does.
CASES = ["review-call", "held-low-health"]


def test_an_unrecorded_model_errors_and_the_error_counts_against_the_pass_rate() -> None:
    run, code, _ = run_evals(Options(models=["never-recorded"], cases=CASES, save=False))
    assert code == EXIT_INFRA
    assert [s.pass_rate for s in run.summary] == [0.5]  # 1 pass / (1 pass + 1 error)
    assert run.pass_rate == 0.5
    assert run.gate is not None and not run.gate.passed


def test_the_terminal_names_the_missing_cassette_and_how_to_record_it() -> None:
    run, _, _ = run_evals(Options(models=["never-recorded"], cases=CASES, save=False))
    [group] = run.error_causes
    assert (group.cause, group.cells) == ("cassette_miss", 1)
    assert group.hint is not None and "--record --model never-recorded" in group.hint
    out = io.StringIO()
    render(run, Console(file=out, width=100))
    text = out.getvalue()
    assert "1 cell(s) errored, counted as not passing" in text
    assert "cassette_miss in 1 cell(s)" in text and "case review-call" in text
    assert "record them: OPENAI_BASE_URL=<server> advocacy evals run --record" in text
    assert "pass rate 50.0%" in text and "quality gate FAILED" in text


def test_repeats_without_cassettes_are_refused_before_any_cell_runs(tmp_path: Path) -> None:
    options = Options(models=["stub-model"], cases=CASES, repeat=3, runs_dir=tmp_path)
    with pytest.raises(ConfigError, match=r"--repeat 3 in replay mode") as refused:
        run_evals(options)
    assert "repeat 2: 1 cell(s), repeat 3: 1 cell(s)" in str(refused.value)
    assert "--record --model stub-model --repeat 3" in str(refused.value)
    assert not list(tmp_path.iterdir())  # nothing ran, nothing was saved


def test_the_cli_refuses_unrecorded_repeats_with_exit_1() -> None:
    result = CliRunner().invoke(
        app, ["evals", "run", "--no-save", "--model", "stub-model", "--repeat", "2"]
    )
    assert result.exit_code == 1
    assert "--repeat 2 in replay mode" in result.output


def test_repeats_of_the_offline_template_need_no_cassette() -> None:
    run, _, _ = run_evals(Options(models=["offline-template"], cases=CASES, repeat=2, save=False))
    assert run.infrastructure_errors == 0 and run.pass_rate == 1.0
