"""A whole scan with the LLM mocked at the OpenAI HTTP API: who reaches the model, and how often."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx
from sqlalchemy import select

from agent.bootstrap import Services, open_services
from agent.settings import Settings
from agent.usecases.scans import run_scan
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.models import Review, ScanResult
from tests.llm_fakes import BASE_URL, COMPLETIONS_URL, answer

NOW = datetime(2026, 11, 27, tzinfo=UTC)
EVIDENCE_ID = re.compile(r'"id":\s*"([^"]+)"')


def model_answer(request: httpx.Request) -> httpx.Response:
    """Answers like a well-behaved model: cites the first evidence id the prompt offered."""
    body = json.loads(request.content)
    schema = body["response_format"]["json_schema"]["name"]
    prompt = "\n".join(str(m.get("content")) for m in body["messages"])
    if schema == "SummaryAndDraft":
        both = {"summary": summary_part(prompt), "draft": draft_part(prompt)}
        return answer(both, schema=schema, method="json_schema")
    part = summary_part(prompt) if schema == "AdvocacySummary" else draft_part(prompt)
    return answer(part, schema=schema, method="json_schema")


def summary_part(prompt: str) -> dict[str, object]:
    cited = EVIDENCE_ID.findall(prompt)[:1]
    point = {"text": "A recent, clearly positive signal.", "evidence_ids": cited}
    return {"headline": "Happy customer", "points": [point], "evidence_ids": cited}


def draft_part(prompt: str) -> dict[str, object]:
    cited = EVIDENCE_ID.findall(prompt)[:1]
    channel = re.findall(r"Channel: (email|call)\.", prompt)[0]
    draft = {
        "channel": channel,
        "subject": "A quick question" if channel == "email" else None,
        "body": "Hi there, thank you for the kind words about working with us this quarter. "
        "Would you be open to sharing a little more about your experience? We would only use "
        "anything you share in the way you agree to, and there is no pressure at all. "
        "Thanks again for being such a great partner.",
        "evidence_ids": cited,
    }
    return draft


@pytest.fixture(params=["one_call", "two_calls"])
def services(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Services]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'scan.db'}",
        openai_api_key="sk-test",
        openai_base_url=BASE_URL,
        llm_concurrency=4,
        write_mode=request.param,
    )
    bundle = tmp_path / "bundle.json"
    write_demo_bundle(out=bundle, accounts=120, seed=3, now=NOW)
    with open_services(settings, clock=lambda: NOW, http_client=httpx.Client()) as built:
        import_bundle(engine=built.engine, source=bundle)
        yield built


def results(services: Services, scan_id: str) -> list[ScanResult]:
    with services.deps.session_factory() as session:
        return list(session.scalars(select(ScanResult).where(ScanResult.scan_id == scan_id)))


SCHEMAS = {"one_call": ["SummaryAndDraft"], "two_calls": ["AdvocacySummary", "AskDraft"]}


def test_only_candidates_reach_the_model_once_or_twice_each(services: Services) -> None:
    """one_call (the default): one request per candidate; two_calls: a summary, then a draft."""
    mode = services.deps.settings.write_mode
    with respx.mock(assert_all_called=False) as router:
        route = router.post(COMPLETIONS_URL).mock(side_effect=model_answer)
        scan_id = run_scan(services=services, now=NOW)
    rows = results(services, scan_id)
    candidates = [r for r in rows if r.status == "candidate"]
    assert len(rows) == 120
    assert candidates, "the demo data holds candidates"
    assert route.call_count == len(SCHEMAS[mode]) * len(candidates)
    asked = [
        json.loads(c.request.content)["response_format"]["json_schema"]["name"] for c in route.calls
    ]
    assert sorted(set(asked)) == sorted(SCHEMAS[mode])
    with services.deps.session_factory() as session:
        reviews = list(session.scalars(select(Review)))
    assert {r.account_id for r in reviews} == {c.account_id for c in candidates}
    authors = {r.payload["written_by"]["draft"]["author"] for r in reviews}
    assert authors == {"gpt-4o-mini"}, "every draft came from the model, none from a fallback"
    flagged = [r.id for r in reviews if "llm_fallback" in r.flags]
    assert not flagged
    with services.deps.session_factory() as session:
        linked = session.scalars(
            select(ScanResult.review_id).where(ScanResult.status == "candidate")
        ).all()
    assert sorted(linked) == sorted(r.id for r in reviews), "each result points at its review"


def test_a_scan_of_non_candidates_sends_no_request(services: Services) -> None:
    with respx.mock(assert_all_called=False) as router:
        router.post(COMPLETIONS_URL).mock(side_effect=model_answer)
        first = run_scan(services=services, now=NOW)
    others = [r.account_id for r in results(services, first) if r.status != "candidate"]
    assert len(others) > 60
    with respx.mock(assert_all_called=False) as router:
        route = router.post(COMPLETIONS_URL).mock(side_effect=model_answer)
        again = run_scan(services=services, now=NOW, account_ids=others)
    assert len(results(services, again)) == len(others)
    assert route.call_count == 0
