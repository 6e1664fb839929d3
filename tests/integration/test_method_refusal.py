"""A server that refuses the structured output method: every text falls back with a reason that
names the setting, the review says `llm_fallback`, and the CLI has a one-line warning for it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import respx
from sqlalchemy import select

from agent.bootstrap import open_services
from agent.llm import method_refusal_warning
from agent.settings import Settings
from agent.usecases.scans import run_scan
from cli.workflow_commands import method_warning
from store.demo_data import write_demo_bundle
from store.importer import import_bundle
from store.models import Review
from tests.llm_fakes import BASE_URL, COMPLETIONS_URL, error

NOW = datetime(2026, 11, 27, tzinfo=UTC)
REFUSAL = "response_format type json_schema is not supported"


def test_a_refused_method_is_a_fallback_reason_and_one_warning(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'scan.db'}",
        openai_api_key="sk-test",
        openai_base_url=BASE_URL,
        llm_max_retries=0,
        llm_concurrency=2,
    )
    bundle = tmp_path / "bundle.json"
    write_demo_bundle(out=bundle, accounts=40, seed=3, now=NOW)
    with (
        open_services(settings, clock=lambda: NOW, http_client=httpx.Client()) as built,
        respx.mock(assert_all_called=False) as router,
    ):
        import_bundle(engine=built.engine, source=bundle)
        router.post(COMPLETIONS_URL).mock(return_value=error(500, REFUSAL))
        scan_id = run_scan(services=built, now=NOW)
        with built.deps.session_factory() as session:
            reviews = session.scalars(select(Review).where(Review.scan_id == scan_id)).all()
        warning = method_warning(built, scan_id)
    assert reviews
    for review in reviews:
        assert "llm_fallback" in review.flags
        reason = review.payload["written_by"]["draft"]["failures"][0]
        assert "HTTP 500" in reason and "ADVOCACY_STRUCTURED_OUTPUT_METHOD" in reason
        assert review.payload["written_by"]["draft"]["author"] == "offline-template"
    assert warning is not None and "\n" not in warning
    assert f"{2 * len(reviews)} of {2 * len(reviews)} texts" in warning
    assert "'json_schema'" in warning and "llama.cpp: function_calling or json_mode" in warning


def test_no_warning_when_few_texts_fell_back_for_the_method() -> None:
    settings = Settings()
    refused = ["APIError (HTTP 400); ... set ADVOCACY_STRUCTURED_OUTPUT_METHOD to ..."]
    assert method_refusal_warning([], settings) is None
    assert method_refusal_warning([refused, [], [], ["attempt 1: bad"]], settings) is None
    assert method_refusal_warning([refused, refused, []], settings) is not None
