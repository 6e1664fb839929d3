"""One self-contained HTML file: no script, no external asset. EVERY string from a run passes
through `html.escape` (customer text, drafts, case ids, details alike): feedback may hold markup.

Rates are percentages, money is rounded, a failing assertion shows its words, and each draft
shows its word diff against the first variant's (A).
"""

from __future__ import annotations

from typing import Any

from evals.compare import draft_text
from evals.reports.html_parts import (
    comparisons_html,
    diff_html,
    e,
    error_causes_html,
    gate_html,
    money,
    percent,
    unknown_costs_html,
)
from evals.reports.terminal import FIXTURES, letter
from evals.results import CaseResult, JudgeResult, RepeatResult, RunResult

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;
vertical-align:top;text-align:left}.pass{color:#176c1b}.fail{color:#b00020}.error{color:#8a2be2}
.skipped{color:#888}pre{white-space:pre-wrap;max-width:60em;background:#f6f6f6;padding:6px}
details summary{cursor:pointer}.note{color:#8a6d00}del{background:#fdd}ins{background:#dfd}
td.num{text-align:right}.nowrap{white-space:nowrap}ul.why{margin:2px 0;padding-left:1.2em}
"""


def _gate(gate: dict[str, Any]) -> str:
    if not gate:
        return ""
    parts = [str(gate.get("status"))]
    if gate.get("ask_type"):
        parts.append(f"ask {gate['ask_type']}")
    if gate.get("reasons"):
        parts.append("reasons: " + ", ".join(gate["reasons"]))
    if gate.get("flags"):
        parts.append("flags: " + ", ".join(gate["flags"]))
    return "gates: " + e(" · ".join(parts))


def _judge(judge: JudgeResult) -> str:
    scores = ", ".join(f"{name} {value:g}" for name, value in judge.scores.items())
    text = f"judge {judge.model}: {scores or 'no scores'}"
    if judge.mean is not None:
        text += f"; mean {judge.mean:.2f} (needs {judge.threshold:g})"
    text += f". {judge.rationale}" if judge.rationale else ""
    text += f" Failure: {judge.failure}" if judge.failure else ""
    return f"<p class='{'pass' if judge.passed else 'fail'}'>{e(text)}</p>"


def _why(result: RepeatResult) -> str:
    """The failing assertions in their own words, and the cell's errors."""
    items = [f"<li>{e(a.name)}: {e(a.detail)}</li>" for a in result.assertions if not a.passed]
    if result.judge is not None and result.judge.passed is False:
        items.append(f"<li>judge: {e(result.judge.failure or f'mean {result.judge.mean}')}</li>")
    items += [f"<li class='error'>{e(error)}</li>" for error in result.errors]
    return f"<ul class='why'>{''.join(items)}</ul>" if items else ""


def _measures(result: RepeatResult) -> str:
    latency = "-" if result.latency_s is None else f"{result.latency_s:.1f} s"
    return (
        f"<p>repeat {result.repeat + 1}: score {percent(result.score)}, "
        f"tokens {result.usage.total_tokens}, cost {money(result.cost_usd)}, "
        f"model latency {latency}, cache hits {result.cache_hits}</p>"
    )


def _repeat(result: RepeatResult, first: RepeatResult | None) -> str:
    parts = [_measures(result), f"<p>{_gate(result.gate)}</p>"]
    passed = [a.name for a in result.assertions if a.passed]
    if passed:
        parts.append(f"<p class='pass'>passed: {e(', '.join(passed))}</p>")
    if result.judge is not None:
        parts.append(_judge(result.judge))
    text = draft_text(result)
    if text is not None:
        parts.append(f"<p>first draft:</p><pre>{e(text)}</pre>")
        base = draft_text(first) if first is not None else None
        if base is not None and base != text:
            parts.append(f"<p>against A's draft:</p><pre>{diff_html(base, text)}</pre>")
    summary = (result.output or {}).get("summary") or {}
    if summary:
        points = "".join(f"<li>{e(p.get('text'))}</li>" for p in summary.get("points", []))
        parts.append(f"<p>first summary: {e(summary.get('headline'))}</p><ul>{points}</ul>")
    delivered = ((result.output or {}).get("delivered") or {}).get("draft") or {}
    if delivered:
        fallback = " (the offline fallback)" if delivered.get("fallback") else ""
        parts.append(
            f"<p>delivered by {e(delivered.get('author'))}{fallback} after "
            f"{e(delivered.get('llm_calls'))} model call(s)</p>"
        )
    return "".join(parts)


def _cell(case: CaseResult | None, first: CaseResult | None) -> str:
    if case is None:
        return "<td>-</td>"
    label = f"{case.status} {percent(case.pass_rate, digits=0)}" + (" flaky" if case.flaky else "")
    why = "".join(_why(r) for r in case.repeats)
    base = first.repeats if first is not None and first is not case else []
    body = "".join(
        _repeat(r, base[i] if i < len(base) else None) for i, r in enumerate(case.repeats)
    )
    return (
        f"<td><b class='{e(case.status)}'>{e(label)}</b>{why}"
        f"<details><summary>drafts and details</summary>{body}</details></td>"
    )


def _totals(run: RunResult) -> str:
    rows = "".join(
        f"<tr><td>{letter(i)}</td><td class='num'>{percent(s.pass_rate)}</td>"
        f"<td class='num'>{s.passed}</td><td class='num'>{s.failed}</td>"
        f"<td class='num'>{s.errors}</td><td class='num'>{s.flaky}</td>"
        f"<td class='num'>{percent(s.score)}</td><td class='num'>{s.usage.total_tokens}</td>"
        f"<td class='num'>{money(s.cost_usd)}</td>"
        f"<td>{e(', '.join(f'{k} {v}' for k, v in s.assertion_failures.items()))}</td></tr>"
        for i, s in enumerate(run.summary)
    )
    return (
        "<table><tr><th>variant</th><th>pass rate</th><th>pass</th><th>fail</th>"
        "<th>error</th><th>flaky</th><th>score</th><th>tokens</th><th>cost</th>"
        f"<th>failing assertions</th></tr>{rows}</table>"
    )


def _legend(run: RunResult) -> str:
    items = "".join(
        f"<li><b>{letter(i)}</b> = {e(v.id)}"
        f"{e(f' ({FIXTURES[v.model]})') if v.model in FIXTURES else ''}</li>"
        for i, v in enumerate(run.variants)
    )
    return f"<ul>{items}</ul>"


def _baseline(run: RunResult) -> str:
    diff = run.baseline
    if diff is None:
        return ""
    pairs = "".join(
        f"<li>{e(mine)} compared with the baseline's {e(theirs)}</li>"
        for mine, theirs in diff.variant_pairs.items()
        if mine != theirs
    )
    items = "".join(
        f"<li class='{cls}'>{label}: {e(i.variant)} / {e(i.case_id)} "
        f"(score {percent(i.score_before)} &rarr; {percent(i.score_after)})</li>"
        for label, cls, group in (
            ("newly failing", "fail", diff.newly_failing),
            ("newly passing", "pass", diff.newly_passing),
        )
        for i in group
    )
    counts = (
        f"<p>{len(diff.newly_failing)} newly failing, {len(diff.newly_passing)} newly passing; "
        f"{len(diff.not_in_baseline)} cell(s) of this run with no baseline cell, "
        f"{len(diff.missing_in_run)} baseline cell(s) not in this run</p>"
    )
    return f"<h2>Against {e(diff.baseline_run_id)}</h2><ul>{pairs}</ul>{counts}<ul>{items}</ul>"


def _cases(run: RunResult) -> str:
    head = "".join(f"<th>{letter(i)}</th>" for i, _ in enumerate(run.variants))
    by_key = {(c.case_id, c.variant): c for c in run.cases}
    descriptions = {c.case_id: c.description for c in run.cases}
    rows = []
    for case_id in dict.fromkeys(c.case_id for c in run.cases):
        cells = [by_key.get((case_id, v.id)) for v in run.variants]
        first = cells[0] if cells else None
        rows.append(
            f"<tr><th>{e(case_id)}<br><small>{e(descriptions[case_id])}</small></th>"
            + "".join(_cell(c, first) for c in cells)
            + "</tr>"
        )
    return f"<table><tr><th>case</th>{head}</tr>{''.join(rows)}</table>"


def _corpora(run: RunResult) -> str:
    if run.corpora is None:
        return ""
    items = "".join(
        f"<li class='{'pass' if r.met else 'fail'}'>{e(r.name)}: {r.hits}/{r.total} "
        f"({percent(r.rate, digits=0)}, required {percent(r.required, digits=0)})"
        + "".join(f"<br>missed {e(miss)}" for miss in r.misses)
        + "</li>"
        for r in run.corpora.rates
    )
    return f"<h2>Output checks on corpora</h2><ul>{items}</ul>"


def to_html(run: RunResult) -> str:
    notes = "".join(
        f"<p class='note'>{e(note)}</p>" for note in (run.judge.note, run.stopped_reason) if note
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>evals {e(run.run_id)}</title><style>{CSS}</style></head><body>"
        f"<h1>Advocacy evals {e(run.run_id)}</h1>"
        f"<p>mode {e(run.mode)}, repeat {run.repeat}, pass rate {percent(run.pass_rate)} "
        f"(errors count as not passing), errored cells {run.infrastructure_errors}, "
        f"cost {money(run.cost_usd)}</p>"
        f"{notes}{gate_html(run)}{error_causes_html(run)}{unknown_costs_html(run)}"
        f"{_legend(run)}{_totals(run)}{_corpora(run)}{_baseline(run)}{comparisons_html(run)}{_cases(run)}"
        "</body></html>\n"
    )
