"""The terminal report: cases down, variants across (side by side), then totals per variant,
then the corpus rates of the output checks (evals/corpus.py) and the quality gate."""

from __future__ import annotations

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from agent.offline import OFFLINE_AUTHOR
from evals.cache import RECORD_HINT
from evals.corpus import ADVERSARIAL_TAG
from evals.errors import error_cause
from evals.results import CaseResult, RunResult

STYLE = {"pass": "green", "fail": "red", "error": "magenta", "skipped": "dim"}
MAX_REASON = 60
# Models that are the harness's own fixtures, not models: said so wherever they appear.
FIXTURES = {"stub-model": "scripted stub, not a model"}


def _cell(case: CaseResult | None) -> Text:
    if case is None:
        return Text("-", style="dim")
    rate = "" if case.pass_rate is None else f" {case.pass_rate:.0%}"
    text = Text(case.status + rate, style=STYLE[case.status])
    if case.flaky:
        text.append(" flaky", style="yellow")
    detail = _detail(case)
    if detail:
        text.append("\n" + detail[:MAX_REASON], style="dim")
    return text


def _detail(case: CaseResult) -> str:
    """An error's cause first (its assertions read a missing answer), else what failed."""
    causes = [error_cause(e) for r in case.repeats for e in r.errors]
    if causes:
        return ", ".join(dict.fromkeys(causes))
    return ", ".join(sorted({name for r in case.repeats for name in r.failed_assertions}))


def letter(index: int) -> str:
    """The short label of the index-th variant: A, B, ... (the totals table spells them out)."""
    return chr(ord("A") + index) if index < 26 else f"V{index + 1}"


def cases_table(run: RunResult, *, only_problems: bool = False, width: int = 100) -> Table:
    """Cases down, variants across; columns share `width` (an assertion name is one long word
    that rich would not fold on its own)."""
    table = Table(
        title=f"evals run {run.run_id} ({run.mode}, repeat {run.repeat})",
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    case_width = min(max((len(c.case_id) for c in run.cases), default=4), 32)
    room = width - case_width - 2 * (len(run.variants) + 1) - 2
    column_width = max(9, room // max(1, len(run.variants)))
    table.add_column("case", overflow="fold", max_width=case_width)
    for index, _ in enumerate(run.variants):
        table.add_column(letter(index), overflow="fold", max_width=column_width)
    by_key = {(c.case_id, c.variant): c for c in run.cases}
    for case_id in dict.fromkeys(c.case_id for c in run.cases):
        row = [by_key.get((case_id, v.id)) for v in run.variants]
        if only_problems and all(c is None or c.status == "pass" for c in row):
            continue
        table.add_row(case_id, *(_cell(c) for c in row))
    return table


def money(value: float | None) -> str:
    """Dollars rounded for reading ($0.0131, $2.45); "unknown" when a model has no price."""
    if value is None:
        return "unknown"
    return f"${value:.4f}" if abs(value) < 1 else f"${value:,.2f}"


def totals_table(run: RunResult) -> Table:
    """One row per variant, named by its letter (legend_lines spells the letters out)."""
    table = Table(title="per variant", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("variant", no_wrap=True)
    for column in ("pass rate", "pass", "fail", "error", "flaky", "score", "tokens", "cost"):
        table.add_column(column, no_wrap=True, justify="right")
    for index, s in enumerate(run.summary):
        table.add_row(
            letter(index),
            "-" if s.pass_rate is None else f"{s.pass_rate:.1%}",
            str(s.passed),
            str(s.failed),
            str(s.errors),
            str(s.flaky),
            "-" if s.score is None else f"{s.score:.3f}",
            str(s.usage.total_tokens),
            money(s.cost_usd),
        )
    return table


def legend_lines(run: RunResult) -> list[Text]:
    """What each variant letter stands for; the harness's own fixtures are said to be so."""
    lines = []
    for index, variant in enumerate(run.variants):
        note = f" ({FIXTURES[variant.model]})" if variant.model in FIXTURES else ""
        lines.append(Text(f"{letter(index)} = {variant.id}{note}", style="bold"))
    return lines


def failing_lines(run: RunResult) -> list[Text]:
    """Which assertions failed how often, per variant (named by its letter)."""
    lines = []
    for index, s in enumerate(run.summary):
        if s.assertion_failures:
            counts = ", ".join(f"{name} {n}" for name, n in s.assertion_failures.items())
            lines.append(Text(f"{letter(index)} failing: {counts}", style="red"))
    return lines


def unknown_cost_note(run: RunResult) -> str | None:
    """Models without a price, said plainly: their cost is unknown, not zero."""
    unpriced = sorted(
        {v.model for v in run.variants if v.model not in run.prices} - {OFFLINE_AUTHOR}
    )
    if run.judge.model and run.judge.model not in run.prices:
        unpriced.append(f"{run.judge.model} (the judge)")
    if not unpriced:
        return None
    return (
        f"cost unknown for {', '.join(unpriced)}: no price in the price table "
        "(evals/prices.yaml or --prices); add a line to count it"
    )


def unknown_cost_lines(run: RunResult) -> list[Text]:
    note = unknown_cost_note(run)
    return [Text(note, style="yellow")] if note else []


def baseline_lines(run: RunResult) -> list[Text]:
    diff = run.baseline
    if diff is None:
        return []
    lines = [Text(f"against baseline {diff.baseline_run_id}:", style="bold")]
    lines += [
        Text(f"  {mine} compared with the baseline's {theirs}")
        for mine, theirs in diff.variant_pairs.items()
        if mine != theirs
    ]
    for label, items, style in (
        ("newly failing", diff.newly_failing, "red"),
        ("newly passing", diff.newly_passing, "green"),
    ):
        lines.append(Text(f"  {label}: {len(items)}", style=style))
        lines += [Text(f"    {i.variant} / {i.case_id}", style=style) for i in items]
    for item in diff.changed_scores:
        lines.append(Text(f"  score {item.score_delta:+.3f} {item.variant} / {item.case_id}"))
    for label, cells in (
        ("cells of this run with no baseline cell (another model?)", diff.not_in_baseline),
        ("baseline cells not in this run", diff.missing_in_run),
    ):
        if cells:
            lines.append(Text(f"  {label}: {len(cells)}", style="yellow"))
    return lines


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.0%}"


def corpus_lines(run: RunResult) -> list[Text]:
    """One line per corpus rate (`bad drafts caught: 90/90 (100%)`), then its misses."""
    corpora = run.corpora
    if corpora is None:
        return []
    cells = [c for c in run.cases if ADVERSARIAL_TAG in c.tags]
    lines = []
    for item in corpora.rates:
        line = f"{item.name}: {item.hits}/{item.total} ({_percent(item.rate)})"
        if item is corpora.adversarial:
            line += (
                f": of {len(cells)} adversarial case runs, {item.total} first answers failed"
                " an assertion; caught = the delivered draft passes every assertion"
            )
        lines.append(Text(line, style="green" if item.met else "bold red"))
        lines += [Text(f"  missed {miss}", style="red") for miss in item.misses]
    return lines


def error_lines(run: RunResult) -> list[Text]:
    """How many cells errored, counted as not passing, and each cause with its fix."""
    if not run.infrastructure_errors:
        return []
    lines = [
        Text(
            f"{run.infrastructure_errors} cell(s) errored, counted as not passing "
            "(no answer to score):",
            style="bold magenta",
        )
    ]
    for group in run.error_causes:
        example = group.example.split(RECORD_HINT)[0].strip()
        example = example.removeprefix(f"{group.cause}:").strip()
        lines.append(
            Text(f"  {group.cause} in {group.cells} cell(s), e.g. {example}", style="magenta")
        )
        if group.hint:
            lines.append(Text(f"    record them: {group.hint}", style="magenta"))
    return lines


def cost_words(run: RunResult) -> str:
    """What the run cost; a replay says it called no model (and what the recording cost)."""
    if run.mode == "replay":
        return (
            f"cost {money(run.spent_usd)}: replayed from cassettes, no model was called "
            f"(the recorded calls cost {money(run.cost_usd)})"
        )
    return f"cost {money(run.spent_usd)} ({money(run.cost_usd)} counting cassette answers)"


def gate_line(run: RunResult) -> list[Text]:
    if run.gate is None:
        return []
    verdict = "passed" if run.gate.passed else "FAILED: " + "; ".join(run.gate.failures)
    return [Text(f"quality gate {verdict}", style="green" if run.gate.passed else "bold red")]


def render(run: RunResult, console: Console, *, only_problems: bool = False) -> None:
    notes = [Text(run.judge.note, style="yellow")] if run.judge.note else []
    if run.stopped_reason:
        notes.append(Text(f"stopped: {run.stopped_reason}", style="bold red"))
    notes += error_lines(run)
    rate = "-" if run.pass_rate is None else f"{run.pass_rate:.1%}"
    notes.append(Text(f"pass rate {rate}; tokens {run.usage.total_tokens}; {cost_words(run)}"))
    notes += corpus_lines(run)
    notes += gate_line(run)
    console.print(
        Group(
            *legend_lines(run),
            cases_table(run, only_problems=only_problems, width=console.width),
            totals_table(run),
            *failing_lines(run),
            *unknown_cost_lines(run),
            *baseline_lines(run),
            *notes,
        )
    )
