"""The live model's raw answers (evals/corpora/live_raw.jsonl) measured against the output checks.

bench/live_raw.py records them: every answer a real model server gave for the candidate cases of
evals/datasets/, exactly as returned. Each is judged offline as the Writer judges it: parsed as
the product's structured-output parser for the row's method does (`parse_answer`), then
checked by domain/checks.py against the case's evidence and gate report. An answer
that fails the schema or has a problem is refused: it never reaches an owner. A row may carry
`"clean": "why"` when an answer is truly fine; the checks must then still find it clean.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.utils.json import parse_json_markdown
from pydantic import BaseModel

from domain.checks import check_draft, check_summary
from domain.gates import evaluate
from domain.meaning import problem_codes
from domain.outputs import AdvocacySummary, AskDraft
from domain.settings import PolicySettings
from evals.cases import Case
from evals.results import CorpusRate

LIVE_RAW = "live_raw.jsonl"
SCHEMAS: dict[str, type[BaseModel]] = {"summarize": AdvocacySummary, "draft": AskDraft}
SCHEMA_FAILED = "schema"


@dataclass(frozen=True)
class Verdict:
    """One raw answer judged: `codes` holds "schema" or the problem codes; none when clean."""

    row: dict[str, Any]
    codes: tuple[str, ...]

    @property
    def refused(self) -> bool:
        return bool(self.codes)

    @property
    def labelled_clean(self) -> bool:
        return bool(self.row.get("clean"))

    @property
    def where(self) -> str:
        row = self.row
        return f"{row['case']} {row['step']} attempt {row['attempt']}"


def parse_answer(raw: str, schema: type[BaseModel], method: str) -> BaseModel | None:
    """The answer as the product's parser for `method` reads it, or None: function_calling's
    arguments and json_mode's content (a Markdown fence stripped) are JSON that may hold raw
    control characters; json_schema's content is parsed strictly by the openai client."""
    try:
        if method == "json_schema":
            return schema.model_validate_json(raw)
        if method == "json_mode":
            return schema.model_validate(parse_json_markdown(raw))
        return schema.model_validate(json.loads(raw, strict=False))
    except ValueError:  # not JSON, or not the schema (pydantic's ValidationError is one)
        return None


def judge(row: Mapping[str, Any], case: Case, policy: PolicySettings) -> Verdict:
    """Whether the Writer would have refused this raw answer, and why."""
    method = str(row.get("method") or "function_calling")
    value = parse_answer(str(row["raw"]), SCHEMAS[row["step"]], method)
    if value is None:
        return Verdict(dict(row), (SCHEMA_FAILED,))
    if isinstance(value, AdvocacySummary):
        problems = check_summary(value, case.snapshot)
    else:
        assert isinstance(value, AskDraft)
        report = evaluate(case.snapshot, policy, case.now)
        problems = check_draft(value, case.snapshot, report, channel=case.draft_channel)
    return Verdict(dict(row), tuple(problem_codes(problems)))


def judge_all(
    rows: Sequence[Mapping[str, Any]], cases: Sequence[Case], policy: PolicySettings
) -> list[Verdict]:
    """Every recorded answer with an answer text, judged against its case."""
    by_id = {case.id: case for case in cases}
    return [judge(row, by_id[row["case"]], policy) for row in rows if row.get("raw") is not None]


def live_answers_refused(verdicts: Sequence[Verdict]) -> CorpusRate:
    """Raw answers refused (schema or checks), over those not labelled clean; a miss is a clean
    answer nobody labelled."""
    unlabelled = [v for v in verdicts if not v.labelled_clean]
    misses = [f"{v.where}: passed every check" for v in unlabelled if not v.refused]
    hits = sum(v.refused for v in unlabelled)
    total = len(unlabelled)
    labelled = len(verdicts) - total
    models = sorted({f"{v.row.get('model')} on {v.row.get('recorded_on')}" for v in verdicts})
    return CorpusRate(
        name="live model answers refused"
        + (f" ({', '.join(models)})" if models else "")
        + (f" ({labelled} more labelled clean)" if labelled else ""),
        total=total,
        hits=hits,
        rate=round(hits / total, 4) if total else None,
        required=1.0,
        misses=misses,
    )
