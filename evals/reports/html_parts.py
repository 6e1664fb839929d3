"""Pieces of the HTML report: numbers for reading, word diffs, the gate, the errors' causes,
and the comparisons of `advocacy evals compare`. Every string passes through `e` (escape)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from evals.reports.compare_terminal import changes
from evals.reports.terminal import money, unknown_cost_note
from evals.results import Comparison, RunResult
from evals.text_metrics import word_diff

__all__ = ["money"]


def e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def percent(value: float | None, *, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}%}"


def _parts_html(parts: Sequence[tuple[str, str]]) -> str:
    tags = {"-": "del", "+": "ins"}
    return "".join(
        e(text) if op == "=" else f"<{tags[op]}>{e(text)}</{tags[op]}>" for op, text in parts
    )


def diff_html(before: str, after: str) -> str:
    """`after` against `before`, word by word: removed words struck, added ones marked."""
    return _parts_html(word_diff(before, after))


def gate_html(run: RunResult) -> str:
    if run.gate is None:
        return ""
    if run.gate.passed:
        return "<p class='pass'>quality gate passed</p>"
    items = "".join(f"<li>{e(why)}</li>" for why in run.gate.failures)
    return f"<p class='fail'>quality gate FAILED:</p><ul class='fail'>{items}</ul>"


def error_causes_html(run: RunResult) -> str:
    if not run.error_causes:
        return ""
    items = "".join(
        f"<li>{e(g.cause)} in {g.cells} cell(s), e.g. {e(g.example)}</li>" for g in run.error_causes
    )
    return (
        f"<p class='error'>{run.infrastructure_errors} cell(s) errored, counted as not "
        f"passing:</p><ul class='error'>{items}</ul>"
    )


def unknown_costs_html(run: RunResult) -> str:
    note = unknown_cost_note(run)
    return f"<p class='note'>{e(note)}</p>" if note else ""


def _comparison(c: Comparison) -> str:
    rows = "".join(
        f"<tr><td>{e(row.case_id)}</td><td class='{e(row.status_a)} nowrap'>{e(row.status_a)} "
        f"{percent(row.score_a, digits=0)}</td><td class='{e(row.status_b)} nowrap'>"
        f"{e(row.status_b)} "
        f"{percent(row.score_b, digits=0)}</td><td>{e(row.verdict)}</td><td>{e(changes(row))}"
        + "".join(
            f"<br>{e(d.name)}: {e(d.detail_b if d.delta < 0 else d.detail_a)}"
            for d in row.assertions
        )
        + (
            f"<details><summary>draft diff</summary><pre>{_parts_html(row.diff)}</pre></details>"
            if row.diff
            else ""
        )
        + "</td></tr>"
        for row in c.cases
    )
    summary = (
        f"{c.wins} win(s), {c.losses} loss(es), {c.ties} tie(s), {c.errors} error(s) of "
        f"{c.compared} case(s); win rate {percent(c.win_rate)}. Pass rate "
        f"{percent(c.pass_rate_a)} &rarr; {percent(c.pass_rate_b)}, words "
        f"{_number(c.words_a)} &rarr; {_number(c.words_b)}, reading grade "
        f"{_number(c.reading_grade_a, 1)} &rarr; {_number(c.reading_grade_b, 1)}, cost "
        f"{money(c.cost_a)} &rarr; {money(c.cost_b)}, model latency {_seconds(c.latency_a)} "
        f"&rarr; {_seconds(c.latency_b)} per cell"
    )
    title = f"{c.prompt}.{c.version_b} (B) against {c.prompt}.{c.version_a} (A) on {c.model}"
    return (
        f"<h2>{e(title)}</h2><p>{summary}</p>"
        "<table><tr><th>case</th><th>A</th><th>B</th><th>B vs A</th><th>what changed</th></tr>"
        f"{rows}</table>"
    )


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} s"


def _number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def comparisons_html(run: RunResult) -> str:
    return "".join(_comparison(c) for c in run.comparisons)
