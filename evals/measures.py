"""Assertions that measure what prompt changes aim at: length, reading level, closeness to a
reference answer, and the cell's latency and cost budgets.

Each applies only when the case (or its dataset's defaults) declares a bound, e.g.
`assertions: {max_words: 120, max_reading_grade: 8, reference: "...", max_latency_s: 20}`. The
text measured is the first draft's body (evals/text_metrics.py); latency and cost are the model's
calls of the cell (the judge's are not the prompt's), latency as recorded in the cassettes.
"""

from __future__ import annotations

from evals.subject import AssertionResult, Check, Subject, result
from evals.text_metrics import reading_grade, similarity, word_count


def _body(subject: Subject) -> str:
    draft = subject.outputs.draft
    return draft.body.strip() if draft else ""


def _bounds(name: str, value: float, low: float | None, high: float | None) -> list[str]:
    if low is not None and value < low:
        return [f"{value:g} {name}, fewer than {low:g}"]
    if high is not None and value > high:
        return [f"{value:g} {name}, more than {high:g}"]
    return []


def length(subject: Subject) -> AssertionResult | None:
    bounds = subject.case.assertions
    declared = (bounds.min_words, bounds.max_words, bounds.min_chars, bounds.max_chars)
    if not subject.written or all(b is None for b in declared):
        return None
    body = _body(subject)
    problems = _bounds("words", word_count(body), bounds.min_words, bounds.max_words)
    problems += _bounds("characters", len(body), bounds.min_chars, bounds.max_chars)
    return result("length", problems)


def reading_level(subject: Subject) -> AssertionResult | None:
    limit = subject.case.assertions.max_reading_grade
    if not subject.written or limit is None:
        return None
    grade = reading_grade(_body(subject))
    problems = [] if grade is None or grade <= limit else [f"reading grade {grade} > {limit}"]
    return result("reading_level", problems)


def similar_to_reference(subject: Subject) -> AssertionResult | None:
    settings = subject.case.assertions
    if not subject.written or settings.reference is None:
        return None
    score = similarity(_body(subject), settings.reference)
    floor = settings.min_similarity
    problems = [] if score >= floor else [f"similarity to the reference {score} < {floor}"]
    return result("similar_to_reference", problems)


def _budget(name: str, value: float | None, limit: float, unit: str, why: str) -> AssertionResult:
    if value is None:
        return result(name, [f"{unit} unknown ({why}), so not within {limit:g}"])
    over = [f"{value:g} {unit} > {limit:g}"] if value > limit else []
    return result(name, over)


def latency_budget(subject: Subject) -> AssertionResult | None:
    limit = subject.case.assertions.max_latency_s
    if not subject.written or limit is None:
        return None
    why = "a cassette recorded without timing: re-record it"
    return _budget("latency_budget", subject.measures.latency_s, limit, "s", why)


def cost_budget(subject: Subject) -> AssertionResult | None:
    limit = subject.case.assertions.max_cost_usd
    if not subject.written or limit is None:
        return None
    why = "the model has no price in the price table"
    return _budget("cost_budget", subject.measures.cost_usd, limit, "USD", why)


MEASURES: dict[str, Check] = {
    "length": length,
    "reading_level": reading_level,
    "similar_to_reference": similar_to_reference,
    "latency_budget": latency_budget,
    "cost_budget": cost_budget,
}
