"""Record the live model's raw answers for the eval cases: evals/corpora/live_raw.jsonl.

Every candidate case of evals/datasets/ is summarized and drafted by the real Writer against a
real OpenAI-compatible server, and every answer the server gave (first answers and the Writer's
one retry alike) is written down exactly as returned: the tool call's arguments, or the
message's content. evals/live_answers.py judges them offline against the output checks.

    make live-raw       # = live/run.sh .venv/bin/python bench/live_raw.py (the live tier's server)
    .venv/bin/python bench/live_raw.py --base-url http://127.0.0.1:8080/v1 --model NAME

Each row: case, step (summarize | draft), attempt, model, method, prompt_version, recorded_on,
finish_reason, raw, error (an HTTP error instead of an answer). Re-record after changing a
prompt, the evidence block, the checks that decide a retry, or the model.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from live_llm import live_settings  # bench/ is first on sys.path

from agent.llm import make_chat_model
from agent.settings import Settings
from agent.writing import DRAFT_VERSION, SUMMARIZE_VERSION, Writer
from domain.gates import evaluate
from evals.cache import SCHEMA_STEPS, CachingTransport, CassetteStore
from evals.cases import DATASETS_DIR, Case, load_cases
from evals.corpus import CORPORA_DIR
from evals.execute import answer_text
from evals.live_answers import LIVE_RAW


def _rows(
    case: Case, exchanges: list[Any], settings: Settings, versions: dict[str, str]
) -> list[dict[str, Any]]:
    rows, attempts = [], {"summarize": 0, "draft": 0}
    for exchange in exchanges:
        step = SCHEMA_STEPS.get(exchange.schema or "")
        if step not in attempts:
            continue
        attempts[step] += 1
        body = exchange.body or {}
        choice = (body.get("choices") or [{}])[0]
        rows.append(
            {
                "case": case.id,
                "step": step,
                "attempt": attempts[step],
                "model": settings.model,
                "method": settings.structured_output_method,
                "prompt_version": f"{step}.{versions[step]}",
                "recorded_on": date.today().isoformat(),
                "finish_reason": choice.get("finish_reason"),
                "raw": answer_text(body) if exchange.body is not None else None,
                "error": exchange.error,
            }
        )
    return rows


def record(case: Case, settings: Settings, versions: dict[str, str]) -> list[dict[str, Any]]:
    """Summarize and draft one case as the product does; every answer on the wire, in order."""
    report = evaluate(case.snapshot, settings.policy, case.now)
    assert report.ask_type is not None
    transport = CachingTransport(
        httpx.HTTPTransport(),
        store=CassetteStore(),  # never written: mode "off"
        mode="off",
        prompt_versions=versions,
        repeat=0,
    )
    with httpx.Client(transport=transport, timeout=settings.llm_timeout_seconds) as client:
        writer = Writer(make_chat_model(settings, http_client=client), settings=settings)
        summary = writer.summarize(case.snapshot, report)
        writer.draft(
            case.snapshot,
            report,
            summary.value,
            ask_type=report.ask_type,
            channel=case.draft_channel,
        )
    return _rows(case, transport.exchanges, settings, versions)


def candidates(settings: Settings, only: list[str]) -> list[Case]:
    """The cases the product would write for: candidates (a stopped account may have an ask
    type, but nothing is drafted for it)."""
    cases = load_cases([DATASETS_DIR], only=only)
    reports = {c.id: evaluate(c.snapshot, settings.policy, c.now) for c in cases}
    return [c for c in cases if reports[c.id].status == "candidate" and reports[c.id].ask_type]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=os.environ.get("ADVOCACY_LIVE_BASE_URL"))
    parser.add_argument("--model", default=os.environ.get("ADVOCACY_LIVE_MODEL"))
    parser.add_argument("--method", default=os.environ.get("ADVOCACY_LIVE_METHOD"))
    parser.add_argument("--case", action="append", default=[], help="only this case id")
    parser.add_argument("--out", type=Path, default=CORPORA_DIR / LIVE_RAW)
    args = parser.parse_args()
    if not (args.base_url and args.model):
        parser.error("--base-url and --model (or ADVOCACY_LIVE_BASE_URL / _MODEL) are needed")
    settings = live_settings(
        database_url="sqlite://",
        base_url=args.base_url,
        model=args.model,
        method=args.method or "function_calling",
    )
    versions = {"summarize": SUMMARIZE_VERSION, "draft": DRAFT_VERSION}  # the Writer's
    rows: list[dict[str, Any]] = []
    started = time.perf_counter()
    for n, case in enumerate(cases := candidates(settings, args.case), start=1):
        rows += record(case, settings, versions)
        print(f"{n}/{len(cases)} {case.id}: {len(rows)} answers", file=sys.stderr, flush=True)
    args.out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows))
    took = time.perf_counter() - started
    print(f"wrote {len(rows)} answers of {len(cases)} cases to {args.out} in {took:.0f} s")


if __name__ == "__main__":
    main()
