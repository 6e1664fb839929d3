"""Each answer is bounded: `max_tokens` reaches an OpenAI-compatible server (llama.cpp, vLLM and
Ollama read that field, not `max_completion_tokens`)."""

from __future__ import annotations

import httpx
import respx

from agent.llm import make_chat_model
from agent.settings import Settings
from agent.writing import Writer
from tests.llm_fakes import (
    BASE_URL,
    COMPLETIONS_URL,
    answer,
    good_summary,
    request_json,
    sample_report,
    sample_snapshot,
)


def test_a_compatible_server_gets_max_tokens() -> None:
    settings = Settings(
        openai_base_url=BASE_URL, llm_max_tokens=321, structured_output_method="json_mode"
    )
    writer = Writer(make_chat_model(settings, http_client=httpx.Client()), settings=settings)
    with respx.mock(assert_all_called=False) as router:
        route = router.post(COMPLETIONS_URL).mock(
            return_value=answer(good_summary(), schema="AdvocacySummary", method="json_mode")
        )
        written = writer.summarize(sample_snapshot(), sample_report())
    assert not written.fallback
    body = request_json(route.calls[0])
    assert body["max_tokens"] == 321 and "max_completion_tokens" not in body
