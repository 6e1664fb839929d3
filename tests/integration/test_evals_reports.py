"""Readable reports: terminal tables that fit 100 columns without a TTY, HTML with percentages,
rounded money, word diffs and the failing assertion's words, unknown prices said plainly."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli.main import app
from evals.app import Options, run_evals
from evals.reports.html import to_html
from evals.reports.terminal import render
from evals.results import RunResult
from tests.llm_guard import llm_guard  # noqa: F401  (autouse: no unmocked model request)

FOUR_VARIANTS = ["--prompt", "summarize=v1,v2", "--prompt", "draft=v1,v2", "--model", "stub-model"]


def test_the_terminal_report_fits_100_columns_without_a_tty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    result = CliRunner().invoke(app, ["evals", "run", "--no-save", *FOUR_VARIANTS])
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 100
    assert "A = stub-model | summarize.v1 draft.v1 (scripted stub, not a model)" in lines
    header = next(line for line in lines if "pass rate" in line)
    assert re.search(r"variant\s+pass rate\s+pass\s+fail\s+error\s+flaky\s+score", header)
    assert any(line.startswith("A failing: grounded 1, no_canary 2") for line in lines)


@pytest.fixture(scope="module")
def two_drafts() -> RunResult:
    run, _, _ = run_evals(Options(prompts=["draft=v1,v2"], models=["stub-model"], save=False))
    return run


def test_the_html_reads_like_a_report_not_like_python(two_drafts: RunResult) -> None:
    html = to_html(two_drafts)
    assert "90.7%" in html and "0.907" not in html  # a rate as a percentage
    assert "$0.0131" in html and not re.search(r"\d\.\d{6,}", html)  # money rounded, no noise
    assert "{&#x27;" not in html and "{'" not in html  # no dict reprs
    assert "no_canary: leaked &#x27;Dana Whitfield&#x27;" in html  # the failing words
    assert "<del>" in html and "dana.whitfield@globex.example" in html  # B's diff against A
    assert "scripted stub, not a model" in html


def test_an_unknown_price_is_said_plainly(tmp_path: Path) -> None:
    run, _, written = run_evals(
        Options(
            models=["never-recorded"],
            cases=["held-low-health"],
            save=False,
            html_out=tmp_path / "r.html",
        )
    )
    out = io.StringIO()
    render(run, Console(file=out, width=100))
    text = out.getvalue()
    assert "cost unknown for never-recorded: no price in the price table" in text
    assert "unknown" in text.split("per variant")[1] and "?" not in text
    assert "cost unknown for never-recorded" in written[0].read_text()
