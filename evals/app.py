"""`advocacy evals run` as a function: options in, a run and an exit code out.

Exit codes: 0 the quality gate passed; 100 it failed (pass rate below `min_pass_rate`, a
regression against the baseline with `fail_on_regression`, or a corpus rate of evals/corpus.py
below what it requires); 1 a configuration or infrastructure error (bad option or dataset,
cassette miss, HTTP error, `--max-cost` reached).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx

from agent.offline import OFFLINE_AUTHOR
from agent.settings import Settings
from evals.baseline import RUNS_DIR, diff, load_run, save_run
from evals.cache import CASSETTES_DIR, CacheMode, CassetteStore
from evals.cases import DATASETS_DIR, Case, DatasetError, load_cases
from evals.compare import compare, pairs_to_compare, worse_reasons
from evals.corpus import measure
from evals.execute import REPLAY_BASE_URL, Environment
from evals.judge import SKIPPED_NOTE, Judge
from evals.judge_settings import JudgeSettings
from evals.preflight import missing_repeats
from evals.prices import PRICES_FILE, load_prices
from evals.profiles import PROFILES_FILE, Profiles, load_profiles
from evals.reports.html import to_html
from evals.reports.junit import to_junit
from evals.results import GateOutcome, JudgeInfo, RunResult
from evals.runner import RunSpec, run
from evals.variants import Variant, build_variants, parse_prompt_specs
from prompts.loader import PromptError, load_prompt

EXIT_OK, EXIT_INFRA, EXIT_GATE = 0, 1, 100
# The real model the committed cassettes were recorded from (SmolLM2-135M-Instruct on llama.cpp,
# the live tier). `stub-model` (bench/evals_stub.py) is the harness's own scripted fixture: its
# cassettes are committed too, but it runs only when named (--model stub-model).
SHIPPED_MODEL = "smollm2-135m-instruct"


class ConfigError(ValueError):
    """A bad option, dataset or environment: exit 1 before anything runs."""


@dataclass
class Options:
    datasets: Sequence[Path] = (DATASETS_DIR,)
    cases: Sequence[str] = ()
    prompts: Sequence[str] = ()
    models: Sequence[str] = ()
    repeat: int = 1
    concurrency: int = 4
    mode: CacheMode | None = None
    cassettes: Path = CASSETTES_DIR
    prices: Path = PRICES_FILE
    profiles: Path = PROFILES_FILE
    max_cost: float | None = None
    min_pass_rate: float = 1.0
    baseline: str | None = None
    fail_on_regression: bool = False
    fail_if_worse: bool = False  # compare: B against A
    min_win_rate: float | None = None
    judge: JudgeSettings = field(default_factory=JudgeSettings)
    runs_dir: Path = RUNS_DIR
    save: bool = True
    save_as: str | None = None
    json_out: Path | None = None
    junit_out: Path | None = None
    html_out: Path | None = None
    settings: Settings = field(default_factory=Settings)


def default_models(settings: Settings) -> list[str]:
    """The offline template, plus the configured model (live) or the shipped cassettes' model."""
    return [OFFLINE_AUTHOR, settings.model if settings.llm_configured else SHIPPED_MODEL]


def _mode(options: Options) -> CacheMode:
    if options.mode is not None:
        return options.mode
    return "auto" if options.settings.llm_configured else "replay"


def _environment(options: Options, mode: CacheMode, live_models: bool) -> Environment:
    settings = options.settings
    if mode != "replay" and live_models and not settings.llm_configured:
        raise ConfigError(
            f"mode {mode} calls a model, but no server is configured: set OPENAI_BASE_URL "
            "(any OpenAI-compatible server) or OPENAI_API_KEY, or use --replay"
        )
    try:
        prices, profiles = load_prices(options.prices), load_profiles(options.profiles)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    judge, judge_mode = _judge(options, profiles)
    live = mode != "replay" and settings.llm_configured
    return Environment(
        settings=settings,
        mode=mode,
        store=CassetteStore(options.cassettes),
        inner=httpx.HTTPTransport() if live else None,
        prices=prices,
        judge=judge,
        profiles=profiles,
        judge_mode=judge_mode,
        judge_inner=httpx.HTTPTransport() if judge and judge_mode != "replay" else None,
    )


def judge_settings(options: Options, profiles: Profiles) -> Settings:
    """The judge's settings: its own server and key when it has them, else the models'."""
    own = options.judge
    update: dict[str, Any] = {"model": own.model, "llm_max_retries": 0}
    if own.own_provider:
        update |= {"openai_base_url": own.base_url, "openai_api_key": own.api_key}
    return options.settings.model_copy(update=update | profiles.overrides(own.model or ""))


def _judge(options: Options, profiles: Profiles) -> tuple[Judge | None, CacheMode]:
    """The judge (or None) and its cache mode: it follows its own provider, like the models'."""
    if not options.judge.model:
        return None, "replay"
    settings = judge_settings(options, profiles)
    mode = options.mode or ("auto" if settings.llm_configured else "replay")
    if mode != "replay" and not settings.llm_configured:
        raise ConfigError(
            f"mode {mode} calls the judge, but it has no server: set --judge-base-url "
            "(ADVOCACY_EVALS_JUDGE_BASE_URL) or OPENAI_BASE_URL, or use --replay"
        )
    if not settings.llm_configured:
        settings = settings.model_copy(update={"openai_base_url": REPLAY_BASE_URL})
    try:
        rubric = load_prompt("judge", options.judge.prompt)
    except PromptError as error:
        raise ConfigError(f"--judge-prompt {options.judge.prompt}: {error}") from None
    return Judge(settings, threshold=options.judge.threshold, rubric=rubric), mode


def _refuse_unrecorded_repeats(
    options: Options, env: Environment, variants: list[Variant], cases: list[Case]
) -> None:
    lacking = missing_repeats(
        env.store, variants, cases, repeat=options.repeat, policy=options.settings.policy
    )
    if lacking:
        raise ConfigError(
            f"--repeat {options.repeat} in replay mode: each repeat is a new answer from the "
            "model, and the cassettes do not hold them all:\n  "
            + "\n  ".join(lacking)
            + "\nRecord them, or run with --repeat 1."
        )


def plan(options: Options) -> tuple[RunSpec, Environment]:
    """The matrix and its environment, or a ConfigError naming what is wrong."""
    if options.repeat < 1 or options.concurrency < 1:
        raise ConfigError("--repeat and -j must be at least 1")
    try:
        cases = load_cases(options.datasets, only=options.cases)
        prompts = parse_prompt_specs(options.prompts)
    except (DatasetError, ValueError) as error:
        raise ConfigError(str(error)) from None
    if not cases:
        raise ConfigError("no cases in the datasets")
    models = list(options.models) or default_models(options.settings)
    variants = build_variants(models, prompts)
    mode = _mode(options)
    env = _environment(options, mode, any(not v.offline for v in variants))
    if mode == "replay":
        _refuse_unrecorded_repeats(options, env, variants, cases)
    judge = (
        JudgeInfo(
            model=env.judge.model,
            threshold=env.judge.threshold,
            prompt=env.judge.rubric.label,
            base_url=options.judge.base_url,
        )
        if env.judge
        else JudgeInfo(note=SKIPPED_NOTE)
    )
    spec = RunSpec(
        cases=cases,
        variants=variants,
        repeat=options.repeat,
        concurrency=options.concurrency,
        max_cost=options.max_cost,
        datasets=[str(p) for p in options.datasets],
        judge=judge,
    )
    return spec, env


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate:.1%}"


def _comparison_failures(run_result: RunResult, options: Options) -> list[str]:
    why = []
    for comparison in run_result.comparisons:
        if options.fail_if_worse:
            why += worse_reasons(comparison)
        rate, floor = comparison.win_rate, options.min_win_rate
        if floor is not None and (rate is None or rate < floor):
            why.append(
                f"{comparison.prompt}.{comparison.version_b} win rate {_percent(rate)} "
                f"< {_percent(floor)} against {comparison.prompt}.{comparison.version_a}"
            )
    return why


def gate(run_result: RunResult, options: Options) -> int:
    """Set `run_result.gate` (with why it failed) and answer the exit code."""
    regressions = len(run_result.baseline.newly_failing) if run_result.baseline else 0
    rate = run_result.pass_rate
    corpora = run_result.corpora
    missed = [r for r in corpora.rates if not r.met] if corpora else []
    why = []
    if rate is not None and rate < options.min_pass_rate:
        why.append(f"pass rate {_percent(rate)} < {_percent(options.min_pass_rate)}")
    if options.fail_on_regression and regressions:
        why.append(f"{regressions} newly failing case(s) against the baseline")
    why += _comparison_failures(run_result, options)
    why += [f"{r.name} {_percent(r.rate)} < {_percent(r.required)}" for r in missed]
    quality_ok = not why
    if run_result.infrastructure_errors:
        why.append(f"{run_result.infrastructure_errors} cell(s) errored (exit 1)")
    if run_result.stopped_reason:
        why.append(f"stopped: {run_result.stopped_reason} (exit 1)")
    run_result.gate = GateOutcome(
        min_pass_rate=options.min_pass_rate,
        pass_rate=rate,
        passed=not why,
        regressions=regressions,
        fail_on_regression=options.fail_on_regression,
        corpora_met=not missed,
        failures=why,
        min_win_rate=options.min_win_rate,
        fail_if_worse=options.fail_if_worse,
    )
    if run_result.infrastructure_errors or run_result.stopped_reason:
        return EXIT_INFRA
    return EXIT_OK if quality_ok else EXIT_GATE


def write_reports(run_result: RunResult, options: Options) -> list[Path]:
    written = []
    if options.save:
        written.append(save_run(run_result, options.runs_dir, name=options.save_as))
    for path, text in (
        (options.json_out, run_result.model_dump_json(indent=1) + "\n"),
        (options.junit_out, to_junit(run_result)),
        (options.html_out, to_html(run_result)),
    ):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def run_evals(options: Options) -> tuple[RunResult, int, list[Path]]:
    """Plan, run, compare with the baseline, gate, write the reports."""
    result = _run(options, plan(options))
    code = gate(result, options)
    return result, code, write_reports(result, options)


def compared_prompt(options: Options) -> tuple[str, str, str]:
    """The one prompt `compare` varies, with its versions A and B, or a ConfigError."""
    try:
        prompts = parse_prompt_specs(options.prompts)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    varied = {name: versions for name, versions in prompts.items() if len(versions) > 1}
    if len(varied) != 1 or len(next(iter(varied.values()))) != 2:
        raise ConfigError(
            "compare needs one --prompt NAME=A,B with exactly two versions "
            "(e.g. --prompt draft=v1,v2); other --prompt options may pin one version each"
        )
    [(name, (version_a, version_b))] = varied.items()
    return name, version_a, version_b


def compare_evals(options: Options) -> tuple[RunResult, int, list[Path]]:
    """Run A and B (one prompt, two versions) per model, compare B with A case by case, gate
    on B against A (`fail_if_worse`, `min_win_rate`), write the reports."""
    prompt, version_a, version_b = compared_prompt(options)
    models = list(options.models) or [default_models(options.settings)[-1]]
    if OFFLINE_AUTHOR in models:
        raise ConfigError(f"compare: {OFFLINE_AUTHOR} reads no prompt; name a model")
    options = replace(options, models=models)
    result = _run(options, plan(options))
    result.comparisons = [
        compare(result, a, b, prompt)
        for a, b in pairs_to_compare(result.variants, prompt, version_a, version_b)
    ]
    code = gate(result, options)
    return result, code, write_reports(result, options)


def _run(options: Options, planned: tuple[RunSpec, Environment]) -> RunResult:
    spec, env = planned
    baseline = None
    if options.baseline:
        try:
            baseline = load_run(options.baseline, options.runs_dir)
        except ValueError as error:
            raise ConfigError(str(error)) from None
    try:
        result = run(spec, env)
    finally:
        if env.inner is not None:
            env.inner.close()
    if baseline is not None:
        result.baseline = diff(result, baseline)
    result.corpora = measure(result.cases, policy=options.settings.policy)
    return result
