"""How long `advocacy --help` and every command's `--help` take, each in a fresh process.

    .venv/bin/python bench/help_bench.py [--repeat 5]

Prints the median and worst wall time per command line (target: under 0.5 s each), and which
heavy modules (langchain, openai, langgraph) the help path imported (target: none).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from cli.commands import command_paths

HEAVY = ("langchain", "langchain_core", "langchain_openai", "openai", "langgraph")
TARGET_SECONDS = 0.5
# Runs `advocacy WORDS --help` as the console script does, then names the heavy modules loaded.
PROBE = f"""
import json, sys
from cli.main import app
words = json.loads(sys.argv[1])
try:
    app([*words, "--help"], prog_name="advocacy")
except SystemExit:
    pass
heavy = sorted({{m.split(".")[0] for m in sys.modules if m.split(".")[0] in {HEAVY!r}}})
print("HEAVY=" + json.dumps(heavy))
"""


def help_run(words: tuple[str, ...]) -> tuple[float, list[str], str]:
    """(seconds, heavy modules imported, the help text) of one `advocacy WORDS --help`."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(words))],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "100", "PATH": "/usr/bin:/bin"},
    )
    seconds = time.perf_counter() - started
    text, _, marker = done.stdout.rpartition("HEAVY=")
    return seconds, json.loads(marker), text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"{'command':<34} {'median s':>9} {'worst s':>8}  heavy modules")
    worst_all = 0.0
    for words in command_paths():
        runs = [help_run(words) for _ in range(args.repeat)]
        times = [seconds for seconds, _, _ in runs]
        heavy = sorted({m for _, modules, _ in runs for m in modules})
        worst_all = max(worst_all, max(times))
        line = " ".join(("advocacy", *words, "--help"))
        print(f"{line:<34} {statistics.median(times):>9.3f} {max(times):>8.3f}  {heavy or '-'}")
    verdict = "under" if worst_all < TARGET_SECONDS else "OVER"
    print(f"slowest: {worst_all:.3f} s ({verdict} the {TARGET_SECONDS} s target)")


if __name__ == "__main__":
    main()
