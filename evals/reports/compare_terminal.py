"""The terminal report of `advocacy evals compare`: B against A, case by case, then totals.

Word diffs use git's markers, [-removed-] and {+added+}, so they read without colour in a CI
log too. Everything fits 100 columns.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from evals.reports.terminal import STYLE, corpus_lines, error_lines, gate_line, money
from evals.results import CaseComparison, Comparison, RunResult

VERDICT_STYLE = {"win": "green", "loss": "red", "tie": "dim", "error": "magenta"}
CONTEXT = 60  # characters of unchanged text kept around a change
SHARED_ENOUGH = 0.4  # below this share of unchanged text, show A and B apart, not a diff
LATENCY_NOISE = 0.2  # a smaller change of a cell's latency is not shown per case


def _delta(label: str, a: float | None, b: float | None, unit: str = "", digits: int = 0) -> str:
    if a is None or b is None or round(a, digits) == round(b, digits):
        return ""
    return f"{label} {a:.{digits}f}{unit}→{b:.{digits}f}{unit}"


def changes(row: CaseComparison) -> str:
    """What changed from A to B: assertions fixed (+) and broken (-), then the measures."""
    readable_a, readable_b = row.readable_a or 0.0, row.readable_b or 0.0
    parts = [("+" if readable_b > readable_a else "-") + "readable draft"]
    parts = parts if readable_a != readable_b else []
    parts += [f"{'+' if d.delta > 0 else '-'}{d.name}" for d in row.assertions]
    parts += [
        _delta("words", row.words_a, row.words_b),
        _delta("grade", row.reading_grade_a, row.reading_grade_b, digits=1),
        _delta("judge", row.judge_a, row.judge_b, digits=2),
        _delta("cost $", row.cost_a, row.cost_b, digits=4),
    ]
    if _relative_change(row.latency_a, row.latency_b) >= LATENCY_NOISE:
        parts.append(_delta("latency", row.latency_a, row.latency_b, "s", digits=1))
    return ", ".join(p for p in parts if p)


def _relative_change(a: float | None, b: float | None) -> float:
    return 0.0 if not a or b is None else abs(b - a) / a


def _side(status: str, score: float | None) -> Text:
    label = status + ("" if score is None else f" {score:.0%}")
    return Text(label, style=STYLE.get(status, ""))


def cases_table(comparison: Comparison, *, only_changes: bool = False) -> Table:
    table = Table(
        title=f"{comparison.prompt}.{comparison.version_b} (B) against "
        f"{comparison.prompt}.{comparison.version_a} (A) on {comparison.model}",
        title_justify="left",
    )
    table.add_column("case", overflow="fold", max_width=34)
    table.add_column("A", no_wrap=True)
    table.add_column("B", no_wrap=True)
    table.add_column("B vs A", no_wrap=True)
    table.add_column("changes (+fixed -broken)", overflow="fold")
    for row in comparison.cases:
        if only_changes and row.verdict == "tie":
            continue
        table.add_row(
            row.case_id,
            _side(row.status_a, row.score_a),
            _side(row.status_b, row.score_b),
            Text(row.verdict, style=VERDICT_STYLE[row.verdict]),
            changes(row),
        )
    return table


def _clip(text: str, *, head: bool, tail: bool) -> str:
    """Unchanged text between changes, shortened to CONTEXT characters on each side."""
    if len(text) <= 2 * CONTEXT:
        return text
    start = text[:CONTEXT] if head else ""
    end = text[-CONTEXT:] if tail else ""
    return f"{start} … {end}"


def _side_text(row: CaseComparison, side: str) -> str:
    return "".join(words for op, words in row.diff if op in ("=", side))


def diff_text(row: CaseComparison) -> Text:
    """The draft's word diff, B against A: [-removed-] in red, {+added+} in green; two texts
    that share little are shown one after the other instead."""
    kept = sum(len(words) for op, words in row.diff if op == "=")
    total = sum(len(words) for _, words in row.diff) or 1
    if kept / total < SHARED_ENOUGH:
        text = Text()
        for label, side, style in (("A", "-", "red"), ("B", "+", "green")):
            body = _side_text(row, side).strip() or "(no readable draft)"
            text.append(f"{label}: ", style=f"bold {style}")
            text.append(body + "\n")
        return text
    text = Text()
    for index, (op, words) in enumerate(row.diff):
        if op == "=":
            clipped = _clip(words, head=index > 0, tail=index < len(row.diff) - 1)
            text.append(clipped)
        elif op == "-":
            text.append(f"[-{words}-]", style="red")
        else:
            text.append(f"{{+{words}+}}", style="green")
    return text


def diffs(comparison: Comparison) -> list[RenderableType]:
    """The word diffs of the cases B won or lost."""
    shown: list[RenderableType] = []
    for row in comparison.cases:
        if row.verdict not in ("win", "loss") or not row.diff:
            continue
        style = VERDICT_STYLE[row.verdict]
        verb = "wins" if row.verdict == "win" else "loses"
        shown.append(Text(f"\n── {row.case_id}: B {verb} ──", style=f"bold {style}"))
        shown.append(diff_text(row))
    return shown


def _pair(label: str, a: str, b: str) -> str:
    return f"{label} {a} → {b}"


def _number(value: float | None, digits: int = 0, unit: str = "") -> str:
    return "-" if value is None else f"{value:.{digits}f}{unit}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def totals(comparison: Comparison) -> list[Text]:
    c = comparison
    head = (
        f"{c.prompt}.{c.version_b} against {c.prompt}.{c.version_a} on {c.model}: "
        f"{c.wins} win(s), {c.losses} loss(es), {c.ties} tie(s), {c.errors} error(s) "
        f"of {c.compared} case(s); win rate {_rate(c.win_rate)}"
    )
    measures = [
        _pair("pass rate", _rate(c.pass_rate_a), _rate(c.pass_rate_b)),
        _pair("score", _number(c.score_a, 3), _number(c.score_b, 3)),
        _pair("words", _number(c.words_a), _number(c.words_b)),
        _pair("reading grade", _number(c.reading_grade_a, 1), _number(c.reading_grade_b, 1)),
        _pair("cost", money(c.cost_a), money(c.cost_b)),
        _pair("latency", _number(c.latency_a, 1, " s"), _number(c.latency_b, 1, " s")),
    ]
    lines = [Text(head, style="bold"), Text("  " + "; ".join(measures))]
    if c.not_compared:
        lines.append(
            Text(f"  not compared: {len(c.not_compared)} case(s) the gates hold (no draft)")
        )
    return lines


def render_comparison(
    run: RunResult, console: Console, *, only_changes: bool = False, show_diffs: bool = True
) -> None:
    parts: list[RenderableType] = []
    for comparison in run.comparisons:
        parts.append(cases_table(comparison, only_changes=only_changes))
        if show_diffs:
            parts += diffs(comparison)
        parts += [Text(""), *totals(comparison)]
    if not run.comparisons:
        parts.append(Text("nothing to compare: no pair of variants ran", style="yellow"))
    notes = [Text(run.judge.note, style="yellow")] if run.judge.note else []
    notes += error_lines(run)
    notes += corpus_lines(run)
    notes += gate_line(run)
    console.print(Group(*parts, *notes))
