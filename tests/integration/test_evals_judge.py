"""The LLM judge as its own provider: its server, key and model apart from the model under
test's (two respx-mocked providers), its cassettes replayed offline, and a bad answer retried
once then recorded as a judge failure of the cell, never an infrastructure error of the run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner

from agent.settings import Settings
from cli.main import app
from evals.app import EXIT_GATE, EXIT_INFRA, EXIT_OK, ConfigError, Options, run_evals
from evals.cache import schema_name
from evals.judge_settings import JudgeSettings
from tests.llm_fakes import answer
from tests.llm_guard import llm_guard  # noqa: F401  (autouse: no unmocked model request)

MODEL_URL, JUDGE_URL = "http://llm.test/v1", "http://judge.test/v1"
SUMMARY = {
    "headline": "Pine Street Dental booked 10,000 appointments",
    "points": [{"text": "10,000 appointments booked", "evidence_ids": ["s-191"]}],
    "evidence_ids": ["s-191"],
}
DRAFT = {
    "channel": "call",
    "subject": None,
    "body": "Thank them for booking 10,000 appointments with us.\nAsk whether they would "
    "be open to writing a short public review, and make it easy to say no.",
    "evidence_ids": ["s-191"],
}
GOOD_SCORES = {"relevance": 4, "warmth": 4, "specificity": 5, "rationale": "Specific and kind."}


def _model(request: httpx.Request) -> httpx.Response:
    schema = schema_name(json.loads(request.content)) or ""
    payload = SUMMARY if schema == "AdvocacySummary" else DRAFT
    return answer(payload, schema=schema, method="json_schema")


def _judge(*payloads: dict[str, Any] | str) -> list[httpx.Response]:
    return [answer(p, schema="JudgeScores", method="json_schema") for p in payloads]


def _options(tmp_path: Path, **changes: Any) -> Options:
    settings = Settings(openai_base_url=MODEL_URL, openai_api_key="model-key", llm_max_retries=0)
    judge = JudgeSettings(model="judge-model", base_url=JUDGE_URL, api_key="judge-key")
    base: dict[str, Any] = {
        "models": ["model-under-test"],
        "cases": ["review-call"],
        "mode": "record",
        "cassettes": tmp_path / "cassettes",
        "save": False,
        "min_pass_rate": 0.0,
        "settings": settings,
        "judge": judge,
    }
    return Options(**(base | changes))


@pytest.fixture
def providers() -> Any:
    with respx.mock(assert_all_called=False) as mock:
        model = mock.post(f"{MODEL_URL}/chat/completions").mock(side_effect=_model)
        judge = mock.post(f"{JUDGE_URL}/chat/completions")
        yield model, judge


def test_the_judge_talks_to_its_own_provider_and_replays_offline(
    tmp_path: Path, providers: Any
) -> None:
    model, judge = providers
    judge.side_effect = _judge(GOOD_SCORES)
    run, code, _ = run_evals(_options(tmp_path))
    assert code == EXIT_OK and run.infrastructure_errors == 0
    assert run.judge.model == "judge-model" and run.judge.base_url == JUDGE_URL
    [cell] = run.cases[0].repeats
    assert cell.judge is not None and cell.judge.mean == pytest.approx(4.333, abs=1e-3)
    assert judge.call_count == 1 and model.call_count >= 2
    assert {c.request.headers["authorization"] for c in judge.calls} == {"Bearer judge-key"}
    assert {c.request.headers["authorization"] for c in model.calls} == {"Bearer model-key"}
    assert json.loads(judge.calls[0].request.content)["model"] == "judge-model"

    offline = _options(  # no server at all: the cassettes only
        tmp_path, mode="replay", settings=Settings(), judge=JudgeSettings(model="judge-model")
    )
    replayed, code, _ = run_evals(offline)
    assert code == EXIT_OK and replayed.cases[0].repeats[0].judge == cell.judge
    assert judge.call_count == 1 and replayed.cases[0].repeats[0].network_calls == 0


def test_an_out_of_range_answer_is_retried_once(tmp_path: Path, providers: Any) -> None:
    _, judge = providers
    judge.side_effect = _judge(GOOD_SCORES | {"relevance": 9}, GOOD_SCORES)
    run, code, _ = run_evals(_options(tmp_path))
    [cell] = run.cases[0].repeats
    assert code == EXIT_OK and cell.judge is not None
    assert (cell.judge.passed, cell.judge.attempts) == (True, 2)
    retry = json.loads(judge.calls[1].request.content)["messages"][-1]["content"]
    assert "rejected" in retry and "relevance" in retry


def test_two_bad_answers_are_a_judge_failure_of_the_cell_not_an_error(
    tmp_path: Path, providers: Any
) -> None:
    _, judge = providers
    judge.side_effect = _judge(GOOD_SCORES | {"warmth": 0}, "not json at all")
    run, code, _ = run_evals(_options(tmp_path, min_pass_rate=1.0))
    [cell] = run.cases[0].repeats
    assert code == EXIT_GATE and run.infrastructure_errors == 0  # not EXIT_INFRA
    assert cell.status == "fail" and cell.errors == []
    assert cell.judge is not None and cell.judge.passed is False
    assert "attempt 1" in (cell.judge.failure or "") and "attempt 2" in (cell.judge.failure or "")
    assert run.summary[0].assertion_failures.get("judge") == 1


def test_the_judge_server_failing_is_an_infrastructure_error_of_the_cell(
    tmp_path: Path, providers: Any
) -> None:
    _, judge = providers
    judge.side_effect = [httpx.Response(503, json={"error": {"message": "down"}})]
    run, code, _ = run_evals(_options(tmp_path))
    assert code == EXIT_INFRA and run.infrastructure_errors == 1
    assert [g.cause for g in run.error_causes] == ["judge"]


def test_a_case_may_ask_more_of_the_judge_than_the_run(tmp_path: Path, providers: Any) -> None:
    _, judge = providers
    judge.side_effect = _judge(GOOD_SCORES)  # mean 4.33: passes the run's 3.5
    dataset = tmp_path / "strict.yaml"
    dataset.write_text(
        "cases:\n"
        "  - id: review-call\n"
        "    now: '2026-12-01T12:00:00Z'\n"
        "    account: {id: acc-110, name: Pine Street Dental, owner_id: u-ana,\n"
        "              preferred_channel: call}\n"
        "    signals:\n"
        "      - {id: s-191, kind: usage_milestone, occurred_at: -3d,\n"
        "         text: '10,000 appointments booked'}\n"
        "    expect: {status: candidate, ask_type: review}\n"
        "    assertions: {judge_threshold: 4.5}\n"
    )
    run, _, _ = run_evals(_options(tmp_path, datasets=[dataset]))
    [cell] = run.cases[0].repeats
    assert cell.judge is not None and (cell.judge.threshold, cell.judge.passed) == (4.5, False)
    assert cell.status == "fail"


def test_a_bad_judge_option_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"--judge-prompt v9: no prompt file judge\.v9\.md"):
        run_evals(_options(tmp_path, judge=JudgeSettings(model="j", prompt="v9")))
    command = ["evals", "run", "--judge-model", "j", "--judge-threshold", "9"]
    refused = CliRunner().invoke(app, command)
    assert refused.exit_code == 1
    assert "--judge-threshold: Input should be less than or equal to 5" in refused.output
