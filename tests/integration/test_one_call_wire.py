"""Writer.write against a mocked OpenAI-compatible server, in both write modes: one structured
answer holding the summary and the draft (the default), or a summary call then a draft call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx

from agent.llm import make_chat_model
from agent.settings import Settings
from agent.writing import Writer
from tests.llm_fakes import (
    BASE_URL,
    COMPLETIONS_URL,
    answer,
    error,
    good_draft,
    good_summary,
    request_json,
    sample_report,
    sample_snapshot,
)
from tests.llm_guard import llm_guard  # noqa: F401  (autouse: no unmocked model request)

METHODS = ["json_schema", "function_calling"]
SNAPSHOT, REPORT = sample_snapshot(), sample_report("testimonial")


def _writer(mode: str = "one_call", method: str = "json_schema") -> Writer:
    settings = Settings(
        openai_api_key="sk-test",
        openai_base_url=BASE_URL,
        llm_max_retries=0,
        llm_timeout_seconds=0.5,
        structured_output_method=method,
        write_mode=mode,
    )
    return Writer(make_chat_model(settings, http_client=httpx.Client()), settings=settings)


@pytest.fixture
def route() -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as router:
        yield router.post(COMPLETIONS_URL)


def _write(writer: Writer) -> Any:
    return writer.write(SNAPSHOT, REPORT, ask_type="testimonial", channel="email")


def _both(**draft_changes: Any) -> dict[str, Any]:
    return {"summary": good_summary(), "draft": good_draft(**draft_changes)}


def test_one_call_is_the_default() -> None:
    assert Settings().write_mode == "one_call"


@pytest.mark.parametrize("method", METHODS)
def test_one_call_writes_both_texts_from_one_answer(route: respx.Route, method: str) -> None:
    route.side_effect = [answer(_both(), schema="SummaryAndDraft", method=method)]
    summary, draft = _write(_writer(method=method))
    assert route.call_count == 1
    assert (summary.fallback, draft.fallback) == (False, False)
    assert summary.value.evidence_ids == ["s-1", "s-2"]
    assert draft.value.subject == "Thank you, Lee: may we quote you?"
    assert (summary.prompt_version, draft.prompt_version) == ("write.v1", "write.v1")
    assert (summary.llm_calls, draft.llm_calls) == (1, 0), "the call is counted once"
    assert summary.usage is not None and summary.usage.total_tokens == 70 and draft.usage is None
    sent = request_json(route.calls[0])
    if method == "json_schema":
        assert sent["response_format"]["json_schema"]["name"] == "SummaryAndDraft"
    else:
        assert sent["tools"][0]["function"]["name"] == "SummaryAndDraft"
    user = sent["messages"][-1]["content"]
    assert "Permission: This ask needs the customer's explicit permission" in user
    assert "Contact to address: Lee" in user and "CUSTOMER DATA" in user


def test_two_calls_write_the_summary_then_the_draft_from_it(route: respx.Route) -> None:
    route.side_effect = [
        answer(good_summary(), schema="AdvocacySummary", method="json_schema"),
        answer(good_draft(), schema="AskDraft", method="json_schema"),
    ]
    summary, draft = _write(_writer("two_calls"))
    assert route.call_count == 2
    names = [request_json(c)["response_format"]["json_schema"]["name"] for c in route.calls]
    assert names == ["AdvocacySummary", "AskDraft"]
    assert (summary.prompt_version, draft.prompt_version) == ("summarize.v1", "draft.v1")
    assert not summary.fallback and not draft.fallback
    assert "Northwind Dental: NPS 10" in request_json(route.calls[1])["messages"][-1]["content"]


def test_a_failed_draft_check_sends_back_the_problems_of_that_part(route: respx.Route) -> None:
    route.side_effect = [
        answer(_both(evidence_ids=["s-999"]), schema="SummaryAndDraft", method="json_schema"),
        answer(_both(), schema="SummaryAndDraft", method="json_schema"),
    ]
    summary, draft = _write(_writer())
    assert route.call_count == 2
    assert not draft.fallback and summary.llm_calls == 2
    assert draft.failures[0].startswith("attempt 1: draft: unknown_id:")
    assert "'s-999'" in draft.failures[0]
    retry = request_json(route.calls[1])["messages"][-1]["content"]
    assert "- draft: unknown_id: cites unknown evidence id 's-999'" in retry


@pytest.mark.parametrize("mode", ["one_call", "two_calls"])
def test_bad_answers_fall_back_to_the_offline_texts(route: respx.Route, mode: str) -> None:
    claim = good_draft(body=good_draft()["body"] + "\n\nThanks for agreeing to be featured!")
    if mode == "one_call":
        bad = {"summary": good_summary(), "draft": claim}
        route.side_effect = [answer(bad, schema="SummaryAndDraft", method="json_schema")] * 2
    else:
        route.side_effect = [
            answer(good_summary(), schema="AdvocacySummary", method="json_schema"),
            *[answer(claim, schema="AskDraft", method="json_schema")] * 2,
        ]
    summary, draft = _write(_writer(mode))
    assert route.call_count == (2 if mode == "one_call" else 3)
    assert draft.fallback and draft.author == "offline-template"
    assert "agreeing" not in draft.value.body
    assert all("permission" in reason for reason in draft.failures)
    # One answer: a failing part takes the whole answer to the fallback; two calls: only it.
    assert summary.fallback == (mode == "one_call")


def test_an_api_error_falls_back_at_once(route: respx.Route) -> None:
    route.side_effect = [error(500, "boom")]
    summary, draft = _write(_writer())
    assert route.call_count == 1
    assert summary.fallback and draft.fallback
    assert "HTTP 500" in summary.failures[0]
