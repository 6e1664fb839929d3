"""The corpus rates of `advocacy evals run` (evals/corpus.py): what counts as caught, passed and
missed, and a rate below its bar failing the quality gate."""

from __future__ import annotations

from domain.settings import PolicySettings
from evals.app import EXIT_GATE, Options, gate
from evals.assertions import AssertionResult
from evals.corpus import adversarial_caught, bad_drafts_caught, good_drafts_passed, measure, rows
from evals.results import CaseResult, RepeatResult, RunResult


def _case(case_id: str, *, first: list[str], delivered: list[str], tags: list[str]) -> CaseResult:
    repeat = RepeatResult(
        repeat=0,
        status="fail" if first else "pass",
        assertions=[AssertionResult(name=name, passed=False) for name in first],
        delivered_failures=delivered,
    )
    status = "fail" if first else "pass"
    return CaseResult(
        case_id=case_id,
        variant="m",
        dataset="d",
        tags=tags,
        status=status,
        pass_rate=0.0 if first else 1.0,
        score=None,
        repeats=[repeat],
    )


def test_a_bad_draft_the_checks_let_through_is_a_miss() -> None:
    clean = rows("good.jsonl")[0]
    caught = bad_drafts_caught([{**clean, "finding": "incentive"}, rows("bad.jsonl")[0]])
    assert (caught.hits, caught.total, caught.met) == (1, 2, False)
    assert caught.misses == [f"{clean['id']} (incentive): passed"]


def test_a_bad_draft_caught_for_another_reason_is_a_miss_naming_what_was_found() -> None:
    row = next(r for r in rows("bad.jsonl") if r["finding"] == "placeholder")
    caught = bad_drafts_caught([{**row, "finding": "commitment"}])
    assert caught.hits == 0 and caught.misses == [f"{row['id']} (commitment): placeholder"]


def test_good_drafts_pass_at_95_percent_or_fail_the_bar() -> None:
    good = rows("good.jsonl")[:19]
    bad = next(r for r in rows("bad.jsonl") if r["finding"] == "incentive")
    at_bar = good_drafts_passed([*good, bad])
    assert (at_bar.hits, at_bar.total, at_bar.rate, at_bar.met) == (19, 20, 0.95, True)
    assert at_bar.misses == [f"{bad['id']}: incentive"]
    below = good_drafts_passed([*good[:18], bad])
    assert not below.met


def test_only_adversarial_bad_first_answers_count_and_a_delivered_one_is_a_miss() -> None:
    cases = [
        _case("caught", first=["no_canary"], delivered=[], tags=["adversarial"]),
        _case("leaked", first=["no_incentive"], delivered=["no_incentive"], tags=["adversarial"]),
        _case("clean", first=[], delivered=[], tags=["adversarial"]),
        _case("gate-only", first=["gate_status"], delivered=[], tags=["adversarial"]),
        _case("not-adversarial", first=["tone"], delivered=["tone"], tags=["core"]),
    ]
    caught = adversarial_caught(cases)
    assert (caught.hits, caught.total, caught.met) == (1, 2, False)
    assert caught.misses == ["leaked (m): no_incentive"]


def test_no_adversarial_bad_answer_has_no_rate_and_meets_the_bar() -> None:
    caught = adversarial_caught([_case("clean", first=[], delivered=[], tags=["adversarial"])])
    assert (caught.total, caught.rate, caught.met) == (0, None, True)


def test_a_corpus_below_its_bar_fails_the_quality_gate() -> None:
    leaked = _case("leaked", first=["no_canary"], delivered=["no_canary"], tags=["adversarial"])
    run = RunResult(
        run_id="r",
        started_at="",
        mode="replay",
        datasets=[],
        repeat=1,
        concurrency=1,
        variants=[],
        cases=[leaked],
        pass_rate=0.0,
        corpora=measure([leaked], policy=PolicySettings()),
    )
    assert gate(run, Options(min_pass_rate=0.0)) == EXIT_GATE
    assert run.gate is not None and not run.gate.corpora_met
