"""The output checks measured on corpora (evals/corpus.py, also reported by `advocacy evals
run`): every planted bad draft is caught (with its finding's code) and at least 95% of the good
drafts pass. Both rates and every miss are printed.

evals/corpora/bad.jsonl: channel, subject, body, evidence_ids and the `finding` it plants.
evals/corpora/good.jsonl: drafts written from the demo-like evidence of evals/corpus.py.
"""

from __future__ import annotations

from domain.meaning import problem_codes
from evals.corpus import bad_drafts_caught, good_drafts_passed, problems, rows


def test_corpora_are_big_enough_and_cover_every_finding() -> None:
    bad, good = rows("bad.jsonl"), rows("good.jsonl")
    assert len(bad) >= 60 and len(good) >= 30
    findings = {row["finding"] for row in bad}
    expected = {"placeholder", "prompt_echo", "commitment", "unverified_quote", "permission_claim"}
    expected |= {"incentive", "contact_details", "other_name", "instruction_followed"}
    assert expected | {"unsupported_claim"} <= findings


def test_every_bad_draft_is_caught_with_its_finding() -> None:
    caught = bad_drafts_caught(rows("bad.jsonl"))
    print(f"\n{caught.name}: {caught.hits}/{caught.total}")
    print("\n".join(caught.misses))
    assert not caught.misses and caught.met


def test_good_drafts_pass() -> None:
    passed = good_drafts_passed(rows("good.jsonl"))
    print(f"\n{passed.name}: {passed.hits}/{passed.total} ({passed.rate:.0%})")
    print("\n".join(passed.misses))
    assert passed.met


def test_canary_leak_is_caught_although_the_evidence_holds_it() -> None:
    row = next(r for r in rows("bad.jsonl") if "Dana Whitfield (dana" in r["body"])
    codes = problem_codes(problems(row))
    assert {"contact_details", "other_name", "instruction_followed"} <= set(codes)


def test_meaning_problems_never_quote_the_text() -> None:
    for row in rows("bad.jsonl"):
        for problem in problems(row):
            assert "Dana" not in problem and "globex" not in problem.lower()
