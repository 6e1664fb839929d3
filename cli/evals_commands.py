"""`advocacy evals run` and `advocacy evals compare`: the prompt engineer's matrix, and B
against A."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from cli.context import load_settings
from cli.render import print_error

if TYPE_CHECKING:
    from evals.app import Options
    from evals.cache import CacheMode
    from evals.results import RunResult

# The evals' own folders, named here so that `--help` needs no import of the evals runner.
EVALS_DIR = Path(__file__).resolve().parents[1] / "evals"
RUNS_DIR = EVALS_DIR / "runs"
CASSETTES_DIR = EVALS_DIR / "cassettes"
DATASETS_DIR = EVALS_DIR / "datasets"
PRICES_FILE = EVALS_DIR / "prices.yaml"
COMMITTED_BASELINE = "baseline"  # evals/runs/baseline.json

err = Console(stderr=True)


def report_console() -> Console:
    """Without a terminal (CI logs, pipes) rich would fold the tables into 80 columns: use 100,
    unless COLUMNS says otherwise."""
    wide = sys.stdout.isatty() or os.environ.get("COLUMNS")
    return Console(width=None if wide else 100)


evals_app = typer.Typer(
    help="Evals for prompt engineers: run, compare, gate.", no_args_is_help=True
)

RUN_EXAMPLES = """

With no option it replays the committed cassettes and gates on the committed baseline
(evals/runs/baseline.json): no case may fail that passed there.

A named variant (evals/variants.yaml) stands for --model, --prompt and --baseline:
stub-failing is the scripted stub whose 5 planted mistakes fail the gate.

Examples:
  advocacy evals run                          # replay, against the baseline: exit 0
  advocacy evals run --variant stub-failing   # a failing gate: exit 100
  advocacy evals run --prompt summarize=v1,v2 --prompt draft=v1 --model stub-model
  advocacy evals run --record --model my-model        # live server, (re)record cassettes
  advocacy evals run --repeat 3 -j 8 --max-cost 0.50 --html build/evals.html
"""
COMPARE_EXAMPLES = """

Examples:
  advocacy evals compare --prompt draft=v1,v2                # replay, B=v2 against A=v1
  advocacy evals compare --prompt draft=v1,v2 --fail-if-worse --min-win-rate 0.5
  advocacy evals compare --prompt summarize=v1,v2 --model stub-model --html build/cmp.html
"""

Datasets = Annotated[list[Path] | None, typer.Option("--dataset", help="Dataset file or folder.")]
CaseIds = Annotated[
    list[str] | None, typer.Option("--case", help="Only this case id (repeatable).")
]
Prompts = Annotated[list[str] | None, typer.Option("--prompt", help="NAME=v1,v2: prompt versions.")]
Models = Annotated[
    list[str] | None,
    typer.Option(
        "--model", help="Model name (repeatable); offline-template is the offline drafter."
    ),
]
Repeat = Annotated[int, typer.Option(help="Runs per case; pass rate and flakiness.")]
Jobs = Annotated[int, typer.Option("-j", "--jobs", help="Cells run at once.")]
Replay = Annotated[bool, typer.Option(help="Cassettes only; a miss is an error.")]
Record = Annotated[bool, typer.Option(help="Call the server, (re)write cassettes.")]
NoCache = Annotated[bool, typer.Option("--no-cache", help="Call the server, no cassettes.")]
Cassettes = Annotated[Path, typer.Option(help="Cassette folder.")]
Prices = Annotated[Path, typer.Option(help="Price table (YAML).")]
MaxCost = Annotated[float | None, typer.Option(help="Stop the run past this USD.")]
JudgeModel = Annotated[str | None, typer.Option(help="Pinned LLM judge model.")]
JudgeBaseUrl = Annotated[
    str | None, typer.Option(help="The judge's own OpenAI-compatible server (default: models').")
]
JudgeApiKey = Annotated[str | None, typer.Option(help="The judge's API key.")]
JudgePrompt = Annotated[str | None, typer.Option(help="Rubric version: prompts/judge.<v>.md.")]
JudgeThreshold = Annotated[
    float | None, typer.Option(help="Judge mean score to pass (1-5; default 3.5).")
]
RunsDir = Annotated[Path, typer.Option(help="Where runs are saved.")]
Save = Annotated[bool, typer.Option(help="Save the run JSON in --runs-dir.")]
SaveAs = Annotated[str | None, typer.Option(help="File stem of the saved run.")]
JsonOut = Annotated[Path | None, typer.Option("--json", help="Write the run JSON.")]
Junit = Annotated[Path | None, typer.Option(help="Write JUnit XML.")]
Html = Annotated[Path | None, typer.Option(help="Write one HTML file.")]
Named = Annotated[
    str | None,
    typer.Option(
        "--variant",
        help="A named variant of evals/variants.yaml (its models, prompts and baseline).",
        show_default=False,
    ),
]


def _mode(replay: bool, record: bool, no_cache: bool) -> CacheMode | None:
    from evals.app import ConfigError

    chosen = [
        name for name, on in (("replay", replay), ("record", record), ("off", no_cache)) if on
    ]
    if len(chosen) > 1:
        raise ConfigError("choose at most one of --replay, --record, --no-cache")
    return chosen[0] if chosen else None  # type: ignore[return-value]


@evals_app.command("run", help="Run the eval matrix and gate on it." + RUN_EXAMPLES)
def run_command(
    dataset: Datasets = None,
    case: CaseIds = None,
    prompt: Prompts = None,
    model: Models = None,
    variant: Named = None,
    repeat: Repeat = 1,
    jobs: Jobs = 4,
    replay: Replay = False,
    record: Record = False,
    no_cache: NoCache = False,
    cassettes: Cassettes = CASSETTES_DIR,
    prices: Prices = PRICES_FILE,
    max_cost: MaxCost = None,
    min_pass_rate: Annotated[
        float | None,
        typer.Option(
            help="Quality gate (0-1); below: exit 100. Default: no regression against the"
            " baseline, or 1 when there is no baseline.",
            show_default=False,
        ),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(help="A saved run (path or id); 'none': no baseline.", show_default=False),
    ] = COMMITTED_BASELINE,
    fail_on_regression: Annotated[
        bool,
        typer.Option(help="Newly failing cases: exit 100 (on when --min-pass-rate is not given)."),
    ] = False,
    judge_model: JudgeModel = None,
    judge_base_url: JudgeBaseUrl = None,
    judge_api_key: JudgeApiKey = None,
    judge_prompt: JudgePrompt = None,
    judge_threshold: JudgeThreshold = None,
    runs_dir: RunsDir = RUNS_DIR,
    save: Save = True,
    save_as: SaveAs = None,
    json_out: JsonOut = None,
    junit: Junit = None,
    html: Html = None,
    problems_only: Annotated[bool, typer.Option(help="Table rows with a problem only.")] = False,
) -> None:
    options = dict(locals())  # before any import: the options only
    problems_only = options.pop("problems_only")
    from evals.app import run_evals
    from evals.reports.terminal import render

    result, code, written = _execute(run_evals, options, prepare=_run_gate)
    console = report_console()
    render(result, console, only_problems=problems_only)
    _finish(console, written, code)


@evals_app.command(
    "compare",
    help="B against A: one prompt, two versions, case by case; gate on B." + COMPARE_EXAMPLES,
)
def compare_command(
    prompt: Annotated[
        list[str], typer.Option("--prompt", help="NAME=A,B: the prompt and its two versions.")
    ],
    model: Models = None,
    dataset: Datasets = None,
    case: CaseIds = None,
    repeat: Repeat = 1,
    jobs: Jobs = 4,
    replay: Replay = False,
    record: Record = False,
    no_cache: NoCache = False,
    cassettes: Cassettes = CASSETTES_DIR,
    prices: Prices = PRICES_FILE,
    max_cost: MaxCost = None,
    fail_if_worse: Annotated[
        bool,
        typer.Option(help="Exit 100 if B passes fewer cases than A or loses more than it wins."),
    ] = False,
    min_win_rate: Annotated[
        float | None,
        typer.Option(help="Exit 100 if B's win rate ((wins + ties/2) / cases) is below (0-1)."),
    ] = None,
    min_pass_rate: Annotated[
        float, typer.Option(help="Also gate each variant's pass rate (0-1).")
    ] = 0.0,
    judge_model: JudgeModel = None,
    judge_base_url: JudgeBaseUrl = None,
    judge_api_key: JudgeApiKey = None,
    judge_prompt: JudgePrompt = None,
    judge_threshold: JudgeThreshold = None,
    runs_dir: RunsDir = RUNS_DIR,
    save: Save = False,
    save_as: SaveAs = None,
    json_out: JsonOut = None,
    junit: Junit = None,
    html: Html = None,
    changes_only: Annotated[bool, typer.Option(help="Table rows B won or lost only.")] = False,
    diffs: Annotated[bool, typer.Option(help="Word diffs of the cases B won or lost.")] = True,
) -> None:
    options = dict(locals())  # before any import: the options only
    changes_only, diffs = options.pop("changes_only"), options.pop("diffs")
    from evals.app import compare_evals
    from evals.reports.compare_terminal import render_comparison

    result, code, written = _execute(compare_evals, options)
    console = report_console()
    render_comparison(result, console, only_changes=changes_only, show_diffs=diffs)
    _finish(console, written, code)


def _run_gate(options: dict[str, Any]) -> dict[str, Any]:
    return _default_gate(_named(options))


def _named(options: dict[str, Any]) -> dict[str, Any]:
    """--variant NAME: its models, prompts and baseline (an explicit --baseline wins)."""
    name = options.pop("variant")
    if name is None:
        return options
    from evals.app import ConfigError
    from evals.named import named_variant

    if options["model"] or options["prompt"]:
        raise ConfigError(f"--variant {name} names the models and prompts: drop --model/--prompt")
    try:
        chosen = named_variant(name)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    options["model"], options["prompt"] = chosen.models, chosen.prompts
    if chosen.baseline is not None and options["baseline"] == COMMITTED_BASELINE:
        options["baseline"] = chosen.baseline
    return options


def _default_gate(options: dict[str, Any]) -> dict[str, Any]:
    """No --min-pass-rate: gate on the baseline (no newly failing case), or on 100% without one.

    The committed baseline counts only when it exists in --runs-dir; `--baseline none` drops it.
    """
    baseline = options["baseline"]
    if (baseline is not None and baseline.lower() == "none") or (
        baseline == COMMITTED_BASELINE and not (options["runs_dir"] / f"{baseline}.json").exists()
    ):
        baseline = None
    options["baseline"] = baseline
    if options["min_pass_rate"] is None:
        options["min_pass_rate"] = 0.0 if baseline else 1.0
        options["fail_on_regression"] = options["fail_on_regression"] or baseline is not None
    return options


Command = Callable[["Options"], tuple["RunResult", int, list[Path]]]


def _options(
    *,
    dataset: list[Path] | None,
    case: list[str] | None,
    prompt: list[str] | None,
    model: list[str] | None,
    jobs: int,
    replay: bool,
    record: bool,
    no_cache: bool,
    json_out: Path | None,
    junit: Path | None,
    html: Path | None,
    **same_names: Any,
) -> Options:
    """The command line's values as Options (most options carry the field's own name)."""
    from pydantic import ValidationError

    from domain.errors import plain_message
    from evals.app import ConfigError, Options
    from evals.judge_settings import JudgeSettings

    judge = {
        name: same_names.pop(f"judge_{name}")
        for name in ("model", "base_url", "api_key", "prompt", "threshold")
    }
    try:
        judge_settings = JudgeSettings(**{k: v for k, v in judge.items() if v is not None})
    except ValidationError as error:
        problems = [
            f"--judge-{str(e['loc'][0]).replace('_', '-')}: {plain_message(e['msg'])}"
            for e in error.errors()
        ]
        raise ConfigError("; ".join(problems)) from None
    return Options(
        judge=judge_settings,
        datasets=dataset or [DATASETS_DIR],
        cases=case or [],
        prompts=prompt or [],
        models=model or [],
        concurrency=jobs,
        mode=_mode(replay, record, no_cache),
        json_out=json_out,
        junit_out=junit,
        html_out=html,
        settings=load_settings(),
        **same_names,
    )


Prepare = Callable[[dict[str, Any]], dict[str, Any]]


def _execute(
    command: Command, values: dict[str, Any], prepare: Prepare | None = None
) -> tuple[RunResult, int, list[Path]]:
    from evals.app import ConfigError

    try:
        return command(_options(**(prepare(values) if prepare else values)))
    except ConfigError as error:
        print_error(err, str(error))
        raise typer.Exit(1) from None


def _finish(console: Console, written: list[Path], code: int) -> None:
    for path in written:
        console.print(f"wrote {path}")
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.add_typer(evals_app, name="evals")
