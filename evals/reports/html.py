"""One self-contained HTML file: no script, no external asset. EVERY string from a run passes
through `html.escape` (customer text, drafts, case ids, details alike): feedback may hold markup."""

from __future__ import annotations

from html import escape
from typing import Any

from evals.results import CaseResult, RepeatResult, RunResult

CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;
vertical-align:top;text-align:left}.pass{color:#176c1b}.fail{color:#b00020}.error{color:#8a2be2}
.skipped{color:#888}pre{white-space:pre-wrap;max-width:60em;background:#f6f6f6;padding:6px}
details summary{cursor:pointer}.note{color:#8a6d00}
"""


def _e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def _repeat(result: RepeatResult) -> str:
    rows = "".join(
        f"<li class='{'pass' if a.passed else 'fail'}'>{_e(a.name)}"
        f"{': ' + _e(a.detail) if a.detail else ''}</li>"
        for a in result.assertions
    )
    parts = [
        f"<p>repeat {result.repeat}: <b class='{_e(result.status)}'>{_e(result.status)}</b>"
        f" score {_e(result.score)}, tokens {result.usage.total_tokens}, "
        f"cost {_e(result.cost_usd)}, cache hits {result.cache_hits}</p>",
        f"<p>gate: {_e(result.gate)}</p>",
        f"<ul>{rows}</ul>",
    ]
    parts += [f"<p class='error'>{_e(error)}</p>" for error in result.errors]
    if result.judge is not None:
        parts.append(
            f"<p>judge {_e(result.judge.model)}: {_e(result.judge.scores)} "
            f"mean {_e(result.judge.mean)} ({_e(result.judge.rationale)})</p>"
        )
    output = result.output or {}
    draft = output.get("draft") or {}
    if draft:
        parts.append(
            f"<p>first draft ({_e(draft.get('channel'))}): "
            f"<b>{_e(draft.get('subject'))}</b></p><pre>{_e(draft.get('body'))}</pre>"
        )
    summary = output.get("summary") or {}
    if summary:
        points = "".join(
            f"<li>{_e(p.get('text'))} {_e(p.get('evidence_ids'))}</li>"
            for p in summary.get("points", [])
        )
        parts.append(f"<p>first summary: {_e(summary.get('headline'))}</p><ul>{points}</ul>")
    delivered = (output.get("delivered") or {}).get("draft") or {}
    if delivered:
        parts.append(
            f"<p>delivered by {_e(delivered.get('author'))} "
            f"(fallback {_e(delivered.get('fallback'))}, "
            f"model calls {_e(delivered.get('llm_calls'))})</p>"
        )
    return "".join(parts)


def _cell(case: CaseResult | None) -> str:
    if case is None:
        return "<td>-</td>"
    label = f"{case.status} {'' if case.pass_rate is None else f'{case.pass_rate:.0%}'}"
    label += " flaky" if case.flaky else ""
    body = "".join(_repeat(r) for r in case.repeats)
    return (
        f"<td><details><summary class='{_e(case.status)}'>{_e(label)}</summary>"
        f"{body}</details></td>"
    )


def _corpora(run: RunResult) -> str:
    if run.corpora is None:
        return ""
    items = "".join(
        f"<li class='{'pass' if r.met else 'fail'}'>{_e(r.name)}: {r.hits}/{r.total} "
        f"({_e(r.rate)}, required {_e(r.required)})"
        + "".join(f"<br>missed {_e(miss)}" for miss in r.misses)
        + "</li>"
        for r in run.corpora.rates
    )
    return f"<h2>Output checks on corpora</h2><ul>{items}</ul>"


def to_html(run: RunResult) -> str:
    head = "".join(f"<th>{_e(v.id)}</th>" for v in run.variants)
    by_key = {(c.case_id, c.variant): c for c in run.cases}
    descriptions = {c.case_id: c.description for c in run.cases}
    rows = "".join(
        f"<tr><th>{_e(case_id)}<br><small>{_e(descriptions[case_id])}</small></th>"
        + "".join(_cell(by_key.get((case_id, v.id))) for v in run.variants)
        + "</tr>"
        for case_id in dict.fromkeys(c.case_id for c in run.cases)
    )
    totals = "".join(
        f"<tr><td>{_e(s.variant)}</td><td>{_e(s.pass_rate)}</td><td>{s.passed}</td>"
        f"<td>{s.failed}</td><td>{s.errors}</td><td>{s.flaky}</td><td>{_e(s.score)}</td>"
        f"<td>{s.usage.total_tokens}</td><td>{_e(s.cost_usd)}</td>"
        f"<td>{_e(s.assertion_failures)}</td></tr>"
        for s in run.summary
    )
    notes = "".join(
        f"<p class='note'>{_e(note)}</p>" for note in (run.judge.note, run.stopped_reason) if note
    )
    baseline = ""
    if run.baseline is not None:
        items = "".join(
            f"<li class='{cls}'>{label}: {_e(i.variant)} / {_e(i.case_id)} "
            f"({_e(i.score_before)} &rarr; {_e(i.score_after)})</li>"
            for label, cls, group in (
                ("newly failing", "fail", run.baseline.newly_failing),
                ("newly passing", "pass", run.baseline.newly_passing),
            )
            for i in group
        )
        baseline = f"<h2>Against {_e(run.baseline.baseline_run_id)}</h2><ul>{items}</ul>"
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>evals {_e(run.run_id)}</title><style>{CSS}</style></head><body>"
        f"<h1>Advocacy evals {_e(run.run_id)}</h1>"
        f"<p>mode {_e(run.mode)}, repeat {run.repeat}, pass rate {_e(run.pass_rate)}, "
        f"infrastructure errors {run.infrastructure_errors}, cost {_e(run.cost_usd)} USD</p>"
        f"{notes}<table><tr><th>variant</th><th>pass rate</th><th>pass</th><th>fail</th>"
        f"<th>error</th><th>flaky</th><th>score</th><th>tokens</th><th>cost</th>"
        f"<th>failing assertions</th></tr>{totals}</table>{_corpora(run)}{baseline}"
        f"<table><tr><th>case</th>{head}</tr>{rows}</table></body></html>\n"
    )
