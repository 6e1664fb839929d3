"""One cell of the matrix: a case, for a variant, at a repeat index.

The gates run first (domain.gates.evaluate); a candidate is then summarized and drafted by the
real Writer, whose chat model talks through the caching transport. The answers the model gave
first (read from the wire) are what the assertions score; the delivered output (after the
writer's retry and fallback) is kept for the report, with the assertions it fails (none when the
checks caught a bad first answer).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from agent.llm import make_chat_model
from agent.settings import Settings
from agent.writing import Writer, Written, parse_failure_reason
from domain.gates import evaluate
from domain.outputs import AdvocacySummary, AskDraft, SummaryAndDraft
from domain.report import GateReport
from evals.assertions import AssertionResult, Outputs, Subject, run_assertions
from evals.cache import CacheMode, CachingTransport, CassetteStore, Exchange, RetryTransport
from evals.cases import Case
from evals.judge import Judge
from evals.prices import PriceTable
from evals.profiles import Profiles
from evals.results import JudgeResult, RepeatResult, Usage
from evals.subject import Measures
from evals.variants import Variant

M = TypeVar("M", bound=BaseModel)
REPLAY_BASE_URL = "http://replay.invalid/v1"


@dataclass(frozen=True)
class Environment:
    """What every cell shares: settings, cache, the real transport, prices, the judge."""

    settings: Settings
    mode: CacheMode
    store: CassetteStore
    inner: httpx.BaseTransport | None
    prices: PriceTable
    judge: Judge | None = None
    profiles: Profiles = field(default_factory=Profiles)
    judge_mode: CacheMode = "replay"  # the judge's provider has its own mode and transport
    judge_inner: httpx.BaseTransport | None = None


def model_settings(env: Environment, model: str) -> Settings:
    """The settings of a model under test: its profile (evals/models.yaml) over the
    environment's; retries live in our RetryTransport, not in the client."""
    update: dict[str, Any] = {"model": model, "llm_max_retries": 0}
    update |= env.profiles.overrides(model)
    if not env.settings.llm_configured:
        update["openai_base_url"] = REPLAY_BASE_URL  # replay only: never reached
    return env.settings.model_copy(update=update)


def answer_text(body: dict[str, Any]) -> str:
    """The answer exactly as the server returned it: the tool call's arguments, or the content."""
    message = (body.get("choices") or [{}])[0].get("message") or {}
    calls = message.get("tool_calls") or []
    if calls:
        return str(calls[0].get("function", {}).get("arguments") or "")
    return str(message.get("content") or "")


def first_answer(exchanges: list[Exchange], schema: type[M]) -> tuple[M | None, str | None, bool]:
    """The first answer for `schema`: (value, why it failed to parse, whether one was seen)."""
    for exchange in exchanges:
        if exchange.schema == schema.__name__ and exchange.body is not None:
            try:
                return schema.model_validate_json(answer_text(exchange.body)), None, True
            except ValueError as error:
                return None, parse_failure_reason(error), True
    return None, "no answer from the model", False


def _usage(*written: Written[Any]) -> Usage:
    total = Usage()
    for item in written:
        if item.usage is not None:
            total = total + Usage(**item.usage.model_dump())
    return total


def _latency(exchanges: list[Exchange]) -> float | None:
    """The model calls' time (as recorded, for replayed answers); None if one is unknown."""
    times = [e.latency_s for e in exchanges]
    return None if None in times else round(sum(t or 0.0 for t in times), 3)


def _delivered(summary: Written[AdvocacySummary], draft: Written[AskDraft]) -> dict[str, Any]:
    return {"summary": summary.model_dump(), "draft": draft.model_dump()}


def _delivered_failures(delivered: Subject) -> list[str]:
    """The assertions the delivered output fails: none when the writer's checks caught a bad
    first answer (retried or replaced it), some when one got through to the review."""
    return [a.name for a in run_assertions(delivered) if not a.passed]


def _gate(report: GateReport) -> dict[str, Any]:
    return {
        "status": report.status,
        "reasons": list(report.reasons),
        "flags": list(report.flags),
        "ask_type": report.ask_type,
    }


class Cell:
    """Runs one (variant, case, repeat) and returns its RepeatResult; never raises."""

    def __init__(self, env: Environment, variant: Variant, case: Case, repeat: int) -> None:
        self.env, self.variant, self.case, self.repeat = env, variant, case, repeat
        self.transport: CachingTransport | None = None
        self.judge_transport: CachingTransport | None = None

    def run(self) -> RepeatResult:
        started = time.perf_counter()
        try:
            result = self._run()
        except Exception as error:  # an eval bug or a broken case is an error, not a crash
            result = RepeatResult(
                repeat=self.repeat, status="error", errors=[f"{type(error).__name__}: {error}"]
            )
        return result.model_copy(update={"duration_s": round(time.perf_counter() - started, 4)})

    def _caching(
        self, inner: httpx.BaseTransport | None, mode: CacheMode, prompts: dict[str, str]
    ) -> CachingTransport:
        retries = self.env.settings.llm_max_retries
        return CachingTransport(
            RetryTransport(inner, max_retries=retries) if inner else None,
            store=self.env.store,
            mode=mode,
            prompt_versions=prompts,
            repeat=self.repeat,
            meta={"case": self.case.id},
        )

    def _client(self) -> httpx.Client:
        self.transport = self._caching(self.env.inner, self.env.mode, self.variant.prompt_versions)
        return httpx.Client(transport=self.transport)

    def _judge(self, draft: AskDraft, report: GateReport) -> JudgeResult:
        """The judge's verdict on the first draft, through the judge's own transport."""
        judge = self.env.judge
        assert judge is not None
        prompts = {"judge": judge.prompt_version}
        self.judge_transport = self._caching(self.env.judge_inner, self.env.judge_mode, prompts)
        with httpx.Client(transport=self.judge_transport) as client:
            result = judge.score(draft, self.case.snapshot, report, http_client=client)
        update: dict[str, Any] = {"cost_usd": self.env.prices.cost(judge.model, result.usage)}
        threshold = self.case.assertions.judge_threshold  # the case's, over the run's
        if threshold is not None and result.mean is not None:
            update |= {"threshold": threshold, "passed": result.mean >= threshold}
        return result.model_copy(update=update)

    def _run(self) -> RepeatResult:
        case = self.case
        report = evaluate(case.snapshot, self.env.settings.policy, case.now)
        if report.status != "candidate" or report.ask_type is None:
            assertions = run_assertions(Subject(case, report, Outputs()))
            return self._result(report, assertions, outputs=None, usage=Usage())
        with self._client() as client:
            return self._write(report, client)

    def _write(self, report: GateReport, client: httpx.Client) -> RepeatResult:
        case, variant = self.case, self.variant
        settings = model_settings(self.env, variant.model)
        mode = "one_call" if variant.one_call else "two_calls"
        settings = settings.model_copy(update={"write_mode": mode})
        chat = None if variant.offline else make_chat_model(settings, http_client=client)
        writer = Writer(chat, settings=settings, prompt_versions=variant.prompt_versions)
        assert report.ask_type is not None
        summary, draft = writer.write(
            case.snapshot, report, ask_type=report.ask_type, channel=case.draft_channel
        )
        outputs = self._outputs(summary, draft)
        usage = _usage(summary, draft)
        exchanges = self.transport.exchanges if self.transport else []
        measures = Measures(self.env.prices.cost(variant.model, usage), _latency(exchanges))
        assertions = run_assertions(Subject(case, report, outputs, measures))
        scored = {
            "summary": outputs.summary.model_dump(mode="json") if outputs.summary else None,
            "draft": outputs.draft.model_dump(mode="json") if outputs.draft else None,
            "delivered": _delivered(summary, draft),
        }
        judge = None
        if self.env.judge is not None and outputs.draft is not None:
            judge = self._judge(outputs.draft, report)
        result = self._result(report, assertions, outputs=scored, usage=usage, judge=judge)
        failures = _delivered_failures(Subject(case, report, Outputs(summary.value, draft.value)))
        return result.model_copy(update={"delivered_failures": failures})

    def _outputs(self, summary: Written[AdvocacySummary], draft: Written[AskDraft]) -> Outputs:
        if self.variant.offline or self.transport is None:
            return Outputs(summary=summary.value, draft=draft.value)
        exchanges = self.transport.exchanges
        if self.variant.one_call:
            both, error, _ = first_answer(exchanges, SummaryAndDraft)
            if both is None:
                return Outputs(None, None, error, error)
            return Outputs(both.summary, both.draft)
        first_summary, summary_error, _ = first_answer(exchanges, AdvocacySummary)
        first_draft, draft_error, _ = first_answer(exchanges, AskDraft)
        return Outputs(first_summary, first_draft, summary_error, draft_error)

    def _result(
        self,
        report: GateReport,
        assertions: list[AssertionResult],
        *,
        outputs: dict[str, Any] | None,
        usage: Usage,
        judge: JudgeResult | None = None,
    ) -> RepeatResult:
        exchanges = self.transport.exchanges if self.transport else []
        errors = [e.error for e in exchanges if e.error] + self._judge_errors(judge)
        passed = all(a.passed for a in assertions) and (judge is None or judge.passed is not False)
        status = "error" if errors else "pass" if passed else "fail"
        cost = self.env.prices.cost(self.variant.model, usage)
        if judge is not None:
            cost = None if cost is None or judge.cost_usd is None else cost + judge.cost_usd
        score = sum(a.passed for a in assertions) / len(assertions) if assertions else None
        return RepeatResult(
            repeat=self.repeat,
            status=status,
            assertions=assertions,
            judge=judge,
            score=None if score is None else round(score, 4),
            errors=errors,
            gate=_gate(report),
            output=outputs,
            usage=usage,
            cost_usd=cost,
            latency_s=_latency(exchanges),
            cache_hits=sum(e.source == "cache" and e.error is None for e in exchanges),
            network_calls=sum(e.source == "network" for e in exchanges),
        )

    def _judge_errors(self, judge: JudgeResult | None) -> list[str]:
        """The judge's infrastructure errors (a cassette miss, HTTP, connection), if any."""
        exchanges = self.judge_transport.exchanges if self.judge_transport else []
        errors = [f"judge: {e.error}" for e in exchanges if e.error]
        if judge is not None and judge.error and not errors:
            errors.append(f"judge: {judge.error}")
        return errors
