"""`advocacy evals run`: the prompt engineer's matrix of prompts x models x cases."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cli.context import load_settings
from cli.render import print_error
from evals.app import ConfigError, Options, run_evals
from evals.baseline import RUNS_DIR
from evals.cache import CASSETTES_DIR, CacheMode
from evals.cases import DATASETS_DIR
from evals.prices import PRICES_FILE
from evals.reports.terminal import render

console = Console()
err = Console(stderr=True)
evals_app = typer.Typer(
    help="Evals for prompt engineers: run, compare, gate.", no_args_is_help=True
)

EXAMPLES = """
Examples:

  advocacy evals run                                   # shipped dataset, cassettes (replay)
  advocacy evals run --prompt summarize=v1,v2 --prompt draft=v1 --model stub-model
  advocacy evals run --record --model my-model         # live server, (re)record cassettes
  advocacy evals run --baseline evals/runs/baseline.json --fail-on-regression
  advocacy evals run --repeat 3 -j 8 --max-cost 0.50 --html build/evals.html
"""


def _mode(replay: bool, record: bool, no_cache: bool) -> CacheMode | None:
    chosen = [
        name for name, on in (("replay", replay), ("record", record), ("off", no_cache)) if on
    ]
    if len(chosen) > 1:
        raise ConfigError("choose at most one of --replay, --record, --no-cache")
    return chosen[0] if chosen else None  # type: ignore[return-value]


@evals_app.command("run", help="Run the eval matrix and gate on it." + EXAMPLES)
def run_command(
    dataset: Annotated[list[Path] | None, typer.Option(help="Dataset file or folder.")] = None,
    case: Annotated[list[str] | None, typer.Option(help="Only this case id (repeatable).")] = None,
    prompt: Annotated[
        list[str] | None, typer.Option(help="NAME=v1,v2: prompt versions to compare.")
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option(help="Model name (repeatable); offline-template is the offline drafter."),
    ] = None,
    repeat: Annotated[int, typer.Option(help="Runs per case; pass rate and flakiness.")] = 1,
    jobs: Annotated[int, typer.Option("-j", "--jobs", help="Cells run at once.")] = 4,
    replay: Annotated[bool, typer.Option(help="Cassettes only; a miss is an error.")] = False,
    record: Annotated[bool, typer.Option(help="Call the server, (re)write cassettes.")] = False,
    no_cache: Annotated[bool, typer.Option(help="Call the server, no cassettes.")] = False,
    cassettes: Annotated[Path, typer.Option(help="Cassette folder.")] = CASSETTES_DIR,
    prices: Annotated[Path, typer.Option(help="Price table (YAML).")] = PRICES_FILE,
    max_cost: Annotated[float | None, typer.Option(help="Stop the run past this USD.")] = None,
    min_pass_rate: Annotated[
        float, typer.Option(help="Quality gate (0-1); below: exit 100.")
    ] = 1.0,
    baseline: Annotated[str | None, typer.Option(help="A saved run (path or id).")] = None,
    fail_on_regression: Annotated[
        bool, typer.Option(help="Newly failing cases: exit 100.")
    ] = False,
    judge_model: Annotated[str | None, typer.Option(help="Pinned LLM judge model.")] = None,
    judge_threshold: Annotated[float, typer.Option(help="Judge mean score to pass (1-5).")] = 3.5,
    runs_dir: Annotated[Path, typer.Option(help="Where runs are saved.")] = RUNS_DIR,
    save: Annotated[bool, typer.Option(help="Save the run JSON in --runs-dir.")] = True,
    save_as: Annotated[str | None, typer.Option(help="File stem of the saved run.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the run JSON.")] = None,
    junit: Annotated[Path | None, typer.Option(help="Write JUnit XML.")] = None,
    html: Annotated[Path | None, typer.Option(help="Write one HTML file.")] = None,
    problems_only: Annotated[bool, typer.Option(help="Table rows with a problem only.")] = False,
) -> None:
    try:
        options = Options(
            datasets=dataset or [DATASETS_DIR],
            cases=case or [],
            prompts=prompt or [],
            models=model or [],
            repeat=repeat,
            concurrency=jobs,
            mode=_mode(replay, record, no_cache),
            cassettes=cassettes,
            prices=prices,
            max_cost=max_cost,
            min_pass_rate=min_pass_rate,
            baseline=baseline,
            fail_on_regression=fail_on_regression,
            judge_model=judge_model,
            judge_threshold=judge_threshold,
            runs_dir=runs_dir,
            save=save,
            save_as=save_as,
            json_out=json_out,
            junit_out=junit,
            html_out=html,
            settings=load_settings(),
        )
        result, code, written = run_evals(options)
    except ConfigError as error:
        print_error(err, str(error))
        raise typer.Exit(1) from None
    render(result, console, only_problems=problems_only)
    for path in written:
        console.print(f"wrote {path}")
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.add_typer(evals_app, name="evals")
