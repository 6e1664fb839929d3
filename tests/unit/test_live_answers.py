"""The live model's raw answers, kept as a fixture (evals/corpora/live_raw.jsonl, recorded by
bench/live_raw.py from the live tier's server), measured offline: every one fails its schema or
is refused by the output checks, unless it is labelled clean with the reason."""

from __future__ import annotations

from collections import Counter

import pytest

from domain.outputs import AdvocacySummary
from domain.settings import PolicySettings
from evals.cases import DATASETS_DIR, Case, load_cases
from evals.corpus import rows
from evals.live_answers import LIVE_RAW, SCHEMA_FAILED, Verdict, judge, judge_all, parse_answer
from evals.live_answers import live_answers_refused as refused_rate

POLICY = PolicySettings()
PROVENANCE = ("case", "step", "attempt", "model", "method", "prompt_version", "recorded_on")


@pytest.fixture(scope="module")
def cases() -> dict[str, Case]:
    return {case.id: case for case in load_cases([DATASETS_DIR])}


@pytest.fixture(scope="module")
def verdicts(cases: dict[str, Case]) -> list[Verdict]:
    return judge_all(rows(LIVE_RAW), list(cases.values()), POLICY)


def test_the_fixture_holds_raw_answers_with_their_provenance(cases: dict[str, Case]) -> None:
    recorded = rows(LIVE_RAW)
    assert len(recorded) >= 30
    for row in recorded:
        assert all(row.get(key) for key in PROVENANCE), row
        assert row["case"] in cases and row["step"] in ("summarize", "draft")
        assert isinstance(row["raw"], str), row  # exactly as returned, never re-serialized
    assert {row["step"] for row in recorded} == {"summarize", "draft"}


def test_every_raw_answer_is_refused_unless_labelled_clean(verdicts: list[Verdict]) -> None:
    rate = refused_rate(verdicts)
    first = Counter(
        "schema" if SCHEMA_FAILED in v.codes else "checks" for v in verdicts if v.refused
    )
    print(f"\n{rate.name}: {rate.hits}/{rate.total} ({dict(first)})")
    print("\n".join(rate.misses))
    assert rate.misses == [] and rate.met


def test_a_label_clean_is_true(verdicts: list[Verdict]) -> None:
    stale = [f"{v.where}: {', '.join(v.codes)}" for v in verdicts if v.labelled_clean and v.refused]
    assert stale == []


# --- the judging itself -------------------------------------------------------------------------


def _row(case: str, step: str, raw: str, **extra: str) -> dict[str, object]:
    return {"case": case, "step": step, "attempt": 1, "raw": raw, **extra}


def test_an_answer_that_is_not_its_schema_is_refused(cases: dict[str, Case]) -> None:
    case = cases["review-call"]
    for raw in ("Sure! Here is the draft:", '{"headline": "x"}', '{"channel": "call"'):
        assert judge(_row(case.id, "summarize", raw), case, POLICY).codes == (SCHEMA_FAILED,)


def test_raw_control_characters_parse_as_the_writer_parses_them(cases: dict[str, Case]) -> None:
    case = cases["gift-card-request"]
    raw = (
        '{"channel": "email", "subject": "Thanks", "body": "Hi Rosa,\n\nWe can send you a $50'
        ' gift card for a review.", "evidence_ids": ["s-321"]}'
    )
    verdict = judge(_row(case.id, "draft", raw), case, POLICY)
    assert SCHEMA_FAILED not in verdict.codes and "incentive" in verdict.codes


def test_each_method_is_parsed_as_the_product_parses_it() -> None:
    fenced = '```json\n{"headline": "x", "points": [], "evidence_ids": []}\n```'
    assert parse_answer(fenced, AdvocacySummary, "json_mode") is not None
    assert parse_answer(fenced, AdvocacySummary, "function_calling") is None
    control = '{"headline": "a\nb", "points": [], "evidence_ids": []}'  # a raw newline inside
    assert parse_answer(control, AdvocacySummary, "function_calling") is not None
    assert parse_answer(control, AdvocacySummary, "json_schema") is None


def test_a_clean_answer_is_a_miss_until_labelled(cases: dict[str, Case]) -> None:
    case = cases["review-call"]
    clean = judge(_row(case.id, "summarize", '{"headline": "x"}'), case, POLICY)
    fine = Verdict(clean.row, ())
    assert refused_rate([fine]).misses == ["review-call summarize attempt 1: passed every check"]
    labelled = Verdict({**clean.row, "clean": "a fair summary"}, ())
    rate = refused_rate([labelled])
    assert (rate.total, rate.misses, rate.met) == (0, [], True)
