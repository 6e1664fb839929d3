"""An invitation's draft through the model (issue 12): the writer sends the invitation prompt
(prompts/invite.v1.md) with the activity's words, and in the default one-call mode writes an
invitation in two calls (summary, then the invitation), since the one-call prompt is the ask's."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
import respx

from agent.llm import make_chat_model
from agent.settings import Settings
from agent.writing import Writer
from domain.invitations import invitation_report
from domain.settings import PolicySettings
from prompts.loader import load_prompt
from tests.llm_fakes import (
    BASE_URL,
    COMPLETIONS_URL,
    NOW,
    answer,
    good_draft,
    good_summary,
    request_json,
    sample_snapshot,
)
from tests.llm_guard import llm_guard  # noqa: F401  (autouse: no unmocked model request)

SNAPSHOT = sample_snapshot()
REPORT = invitation_report(SNAPSHOT, PolicySettings(), NOW, "advisory_board")


@pytest.fixture
def route() -> Iterator[respx.Route]:
    with respx.mock(assert_all_called=False) as router:
        yield router.post(COMPLETIONS_URL)


def test_an_invitation_is_written_with_the_invitation_prompt(route: respx.Route) -> None:
    route.side_effect = [
        answer(good_summary(), schema="AdvocacySummary", method="json_schema"),
        answer(good_draft(), schema="AskDraft", method="json_schema"),
    ]
    settings = Settings(openai_api_key="sk-test", openai_base_url=BASE_URL)
    writer = Writer(make_chat_model(settings, http_client=httpx.Client()), settings=settings)
    summary, draft = writer.write(SNAPSHOT, REPORT, ask_type="advisory_board", channel="email")
    assert route.call_count == 2
    assert (summary.prompt_version, draft.prompt_version) == ("summarize.v1", "invite.v1")
    system, user = request_json(route.calls[1])["messages"]
    assert system["content"] == load_prompt("invite").system
    assert "Activity to invite them to (chosen by our code): advisory_board" in user["content"]
    assert "customer advisory board" in user["content"]
    assert "Nothing will be made public" in user["content"]
