"""Pairwise comparison: variant B against variant A, case by case, and the gate on B.

A case is compared when it reaches the model (the gates make it a candidate); cases the gates
hold get no draft from either prompt and are listed apart. B wins a case when it ranks higher
on (pass rate, share of readable first drafts, score, judge mean), loses when lower, ties when
equal; an error on either side is never a win. Win rate = (wins + ties / 2) / compared: 50%
means "as good as A".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

from evals.results import (
    AssertionDelta,
    CaseComparison,
    CaseResult,
    Comparison,
    RepeatResult,
    RunResult,
    VariantInfo,
)
from evals.runner import pass_rate
from evals.text_metrics import reading_grade, word_count, word_diff
from evals.variants import TWO_CALLS

EPSILON = 1e-9
Verdict = Literal["win", "loss", "tie", "error"]


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 4) if known else None


def _total(values: Iterable[float | None]) -> float | None:
    items = list(values)
    return None if None in items else round(sum(v or 0.0 for v in items), 6)


def draft_text(repeat: RepeatResult) -> str | None:
    """The first draft's subject and body as one text (what the assertions scored)."""
    draft = (repeat.output or {}).get("draft")
    if not draft:
        return None
    subject = draft.get("subject")
    return (f"Subject: {subject}\n\n" if subject else "") + str(draft.get("body") or "")


def _body(repeat: RepeatResult) -> str | None:
    draft = (repeat.output or {}).get("draft")
    return str(draft.get("body") or "") if draft else None


def _per_repeat(case: CaseResult, measure: Callable[[str], Any]) -> float | None:
    bodies = [_body(r) for r in case.repeats]
    return _mean(measure(b) for b in bodies if b is not None)


def _shares(case: CaseResult) -> dict[str, tuple[float, str]]:
    """Each assertion's share of passing repeats (errored repeats left out), and a failure."""
    seen: dict[str, list[bool]] = {}
    details: dict[str, str] = {}
    for repeat in (r for r in case.repeats if r.status != "error"):
        for item in repeat.assertions:
            seen.setdefault(item.name, []).append(item.passed)
            if not item.passed:
                details.setdefault(item.name, item.detail)
    return {name: (sum(v) / len(v), details.get(name, "")) for name, v in seen.items()}


def assertion_deltas(a: CaseResult, b: CaseResult) -> list[AssertionDelta]:
    """The assertions whose share of passing repeats changed from A to B."""
    shares_a, shares_b = _shares(a), _shares(b)
    deltas = []
    for name in dict.fromkeys([*shares_a, *shares_b]):
        share_a, detail_a = shares_a.get(name, (None, ""))
        share_b, detail_b = shares_b.get(name, (None, ""))
        delta = (share_b or 0.0) - (share_a or 0.0)
        if share_a is not None and share_b is not None and abs(delta) > EPSILON:
            deltas.append(
                AssertionDelta(
                    name=name,
                    a=share_a,
                    b=share_b,
                    delta=round(delta, 4),
                    detail_a=detail_a,
                    detail_b=detail_b,
                )
            )
    return deltas


def _judge(case: CaseResult) -> float | None:
    return _mean(r.judge.mean for r in case.repeats if r.judge is not None)


def readable(case: CaseResult) -> float | None:
    """The share of repeats whose first draft could be read (None: no draft was asked for)."""
    asked = [r for r in case.repeats if r.gate.get("status") == "candidate"]
    if not asked:
        return None
    return round(sum((r.output or {}).get("draft") is not None for r in asked) / len(asked), 4)


def _rank(case: CaseResult) -> tuple[float, float, float, float]:
    return (case.pass_rate or 0.0, readable(case) or 0.0, case.score or 0.0, _judge(case) or 0.0)


def verdict(a: CaseResult, b: CaseResult) -> Verdict:
    """B against A: win, loss or tie on (pass rate, readable first drafts, score, judge mean);
    error if either erred. A draft that can be read beats one that cannot, whatever the score
    of the few assertions that apply to an unreadable one."""
    if "error" in (a.status, b.status):
        return "error"
    rank_a, rank_b = _rank(a), _rank(b)
    for value_a, value_b in zip(rank_a, rank_b, strict=True):
        if abs(value_b - value_a) > EPSILON:
            return "win" if value_b > value_a else "loss"
    return "tie"


def compare_case(a: CaseResult, b: CaseResult) -> CaseComparison:
    """B against A on one case, with the deltas a prompt engineer reads and the word diff."""
    text_a, text_b = draft_text(a.repeats[0]), draft_text(b.repeats[0])
    return CaseComparison(
        case_id=a.case_id,
        verdict=verdict(a, b),
        status_a=a.status,
        status_b=b.status,
        score_a=a.score,
        score_b=b.score,
        readable_a=readable(a),
        readable_b=readable(b),
        assertions=assertion_deltas(a, b),
        words_a=_per_repeat(a, word_count),
        words_b=_per_repeat(b, word_count),
        chars_a=_per_repeat(a, lambda text: len(text.strip())),
        chars_b=_per_repeat(b, lambda text: len(text.strip())),
        reading_grade_a=_per_repeat(a, reading_grade),
        reading_grade_b=_per_repeat(b, reading_grade),
        judge_a=_judge(a),
        judge_b=_judge(b),
        cost_a=_mean(r.cost_usd for r in a.repeats),
        cost_b=_mean(r.cost_usd for r in b.repeats),
        latency_a=_mean(r.latency_s for r in a.repeats),
        latency_b=_mean(r.latency_s for r in b.repeats),
        diff=word_diff(text_a or "", text_b or "") if text_a != text_b else [],
    )


def reaches_model(case: CaseResult) -> bool:
    return any(r.gate.get("status") == "candidate" for r in case.repeats)


def compare(run: RunResult, a: VariantInfo, b: VariantInfo, prompt: str) -> Comparison:
    """B against A on every case both ran."""
    by_key = {(c.variant, c.case_id): c for c in run.cases}
    result = Comparison(
        model=b.model,
        prompt=prompt,
        a=a.id,
        b=b.id,
        version_a=_version(a, prompt) or "",
        version_b=_version(b, prompt) or "",
    )
    pairs = []
    for case_a in (c for c in run.cases if c.variant == a.id):
        case_b = by_key.get((b.id, case_a.case_id))
        if case_b is None:
            continue
        if reaches_model(case_a) or reaches_model(case_b):
            pairs.append((case_a, case_b))
        else:
            result.not_compared.append(case_a.case_id)
    result.cases = [compare_case(x, y) for x, y in pairs]
    return _totals(result, pairs)


def _side(cases: list[CaseResult], rows: list[CaseComparison], side: str) -> dict[str, Any]:
    """One side's totals: pass rate and score of its cells, means of the per-case measures."""

    def column(name: str) -> list[float | None]:
        return [getattr(row, f"{name}_{side}") for row in rows]

    return {
        f"pass_rate_{side}": pass_rate(c.status for c in cases),
        f"score_{side}": _mean(c.score for c in cases),
        f"words_{side}": _mean(column("words")),
        f"reading_grade_{side}": _mean(column("reading_grade")),
        f"cost_{side}": _total(r.cost_usd for c in cases for r in c.repeats),
        f"latency_{side}": _mean(column("latency")),
    }


def _totals(result: Comparison, pairs: list[tuple[CaseResult, CaseResult]]) -> Comparison:
    verdicts = [c.verdict for c in result.cases]
    wins, ties = verdicts.count("win"), verdicts.count("tie")
    counts = {
        "compared": len(verdicts),
        "wins": wins,
        "losses": verdicts.count("loss"),
        "ties": ties,
        "errors": verdicts.count("error"),
        "win_rate": round((wins + ties / 2) / len(verdicts), 4) if verdicts else None,
    }
    side_a = _side([a for a, _ in pairs], result.cases, "a")
    side_b = _side([b for _, b in pairs], result.cases, "b")
    return result.model_copy(update=counts | side_a | side_b)


def _version(variant: VariantInfo, prompt: str) -> str | None:
    """The variant's version of `prompt`; no `write` version is the two-call mode."""
    return variant.prompts.get(prompt) or (TWO_CALLS if prompt == "write" else None)


def pairs_to_compare(
    variants: list[VariantInfo], prompt: str, version_a: str, version_b: str
) -> list[tuple[VariantInfo, VariantInfo]]:
    """(A, B) per model: the variants that differ only in `prompt`, at version A and B.

    A variant without a `write` version is in the two-call mode: `write` at TWO_CALLS."""
    found = []
    for a in (v for v in variants if _version(v, prompt) == version_a):
        for b in variants:
            same_rest = all(
                b.prompts.get(name) == v for name, v in a.prompts.items() if name != prompt
            )
            if b.model == a.model and _version(b, prompt) == version_b and same_rest:
                found.append((a, b))
    return found


def worse_reasons(comparison: Comparison) -> list[str]:
    """Why B is worse than A: a lower pass rate, or more losses than wins."""
    label = f"{comparison.prompt}.{comparison.version_b}"
    reasons = []
    rate_a, rate_b = comparison.pass_rate_a or 0.0, comparison.pass_rate_b or 0.0
    if rate_b < rate_a - EPSILON:
        reasons.append(f"{label} passes fewer cases ({rate_b:.1%} < {rate_a:.1%})")
    if comparison.losses > comparison.wins:
        reasons.append(
            f"{label} loses more cases than it wins ({comparison.losses} > {comparison.wins})"
        )
    return reasons
