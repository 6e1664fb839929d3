"""Every `--help` as a user reads it, each in a fresh process: fast (no langchain, openai or
langgraph imported), no Python type names, no `--no-no-` flag, an example on every command, and
ids that never wrap in the tables (80 and 120 columns)."""

from __future__ import annotations

import functools
import itertools
import json
import re
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from cli.commands import command_paths, is_group

HEAVY = ("langchain", "langchain_core", "langchain_openai", "openai", "langgraph")
# Runs `advocacy WORDS --help` as the console script does (cli.main:main).
PROBE = f"""
import json, sys
from cli.main import main
sys.argv = ["advocacy", *json.loads(sys.argv[1]), "--help"]
try:
    main()
except SystemExit as done:
    assert not done.code, done.code
print("HEAVY=" + json.dumps(sorted({{m for m in sys.modules if m.split(".")[0] in {HEAVY!r}}})))
"""
TYPE_NAMES = re.compile(r"<(bool|str|int|float|list\[[^\]]*\]|Path|datetime)>")
PATHS = command_paths()


def help_of(words: tuple[str, ...], columns: int = 100) -> tuple[str, list[str]]:
    return _help_at(words, columns)


# Cached: several tests read the same help at the same width, and each costs a fresh interpreter.
@functools.cache
def _help_at(words: tuple[str, ...], columns: int) -> tuple[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(words))],
        capture_output=True,
        text=True,
        env={"COLUMNS": str(columns), "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    text, _, marker = done.stdout.rpartition("HEAVY=")
    return text, json.loads(marker)


def test_the_tree_is_walked_whole() -> None:
    assert () in PATHS and ("reviews", "list") in PATHS and ("evals", "run") in PATHS
    assert len(PATHS) >= 30


@pytest.mark.parametrize("words", PATHS, ids=lambda words: " ".join(words) or "advocacy")
def test_help_is_fast_plain_and_has_examples(words: tuple[str, ...]) -> None:
    text, heavy = help_of(words)
    assert heavy == [], f"the help path imported {heavy}: import them inside the command"
    assert not TYPE_NAMES.findall(text), TYPE_NAMES.findall(text)
    assert "--no-no-" not in text
    if not is_group(words):
        assert "Examples" in text, "every command's help shows an example"
        assert f"advocacy {' '.join(words)}" in text.split("Examples", 1)[1]


def test_a_flag_shows_no_type_and_no_false_default() -> None:
    text, _ = help_of(("scan",))
    line = next(line for line in text.splitlines() if "--json" in line)
    assert "bool" not in line and "no-json" not in line
    assert re.search(r"--account\s+TEXT", text)


def test_arguments_read_as_in_the_readme() -> None:
    text, _ = help_of(("reviews", "decide"))
    assert "advocacy reviews decide [OPTIONS] REVIEW_ID ACTION" in text


def test_the_evals_cache_flags_read_once() -> None:
    text, _ = help_of(("evals", "run"))
    assert "--no-cache" in text and "--no-no-cache" not in text


@pytest.mark.parametrize("columns", [80, 100])
def test_examples_fold_like_a_shell_and_never_wrap_mid_word(columns: int) -> None:
    """At 80 columns an example wider than the terminal gets its comment on the line above and
    ` \\` continuations; rich would otherwise wrap it mid-word (`--model` / `stub-model`)."""
    text = "\n".join(help_of(words, columns)[0] for words in PATHS if not is_group(words))
    lines = [line.rstrip() for line in text.splitlines()]
    starts = re.compile(r"( +)(advocacy |[A-Z_]+=\S+ advocacy |# )")
    examples = [line for line in lines if starts.match(line)]
    assert len(examples) > 60 and all(len(line) <= columns - 1 for line in examples)
    for line, after in itertools.pairwise(lines):
        if line.endswith(" \\") and (command := starts.match(line)):
            assert after.startswith(command.group(1) + "    "), (line, after)
    orphans = [line for line in lines if re.fullmatch(r" [a-z-]+", line)]  # a wrapped word
    assert orphans == [], orphans


def test_each_first_word_names_the_module_that_registers_it() -> None:
    """The console script builds the first word's group alone: the table it reads must list every
    top-level command of the whole tree."""
    from cli.main import MODULE_OF_COMMAND, app

    whole: Any = typer.main.get_command(app)
    assert sorted(MODULE_OF_COMMAND) == sorted(whole.commands)


@pytest.mark.parametrize("words", [w for w in PATHS if w], ids=" ".join)
def test_a_group_built_alone_answers_as_in_the_whole_tree(words: tuple[str, ...]) -> None:
    from cli.main import app, build_app

    runner = CliRunner()
    alone = runner.invoke(build_app(words[0]), [*words, "--help"], prog_name="advocacy")
    whole = runner.invoke(app, [*words, "--help"], prog_name="advocacy")
    assert alone.exit_code == whole.exit_code == 0
    assert alone.output == whole.output
