"""How long `advocacy --help` and every command's `--help` take, each in a fresh process.

    .venv/bin/python bench/help_bench.py [--repeat 5]

Prints per command line the median and worst wall time (target: under 0.5 s each) and the
median CPU time of the process (steadier than wall time on a busy machine), which heavy modules
(langchain, openai, langgraph) the help path imported (target: none); then, over the whole
command tree, the median and maximum wall and CPU times, the machine's load average (1, 5, 15
min) before and after, and, for comparison, the CPU time of importing the modules help used to
load before it could answer. Wall time depends on the load: read it beside the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

from machine import machine_words  # bench/ is first on sys.path

from cli.commands import command_paths

HEAVY = ("langchain", "langchain_core", "langchain_openai", "openai", "langgraph")
TARGET_SECONDS = 0.5
# Runs `advocacy WORDS --help` as the console script does, then names the heavy modules loaded.
PROBE = f"""
import json, sys
from cli.main import main
sys.argv = ["advocacy", *json.loads(sys.argv[1]), "--help"]
try:
    main()
except SystemExit:
    pass
heavy = sorted({{m.split(".")[0] for m in sys.modules if m.split(".")[0] in {HEAVY!r}}})
print("HEAVY=" + json.dumps(heavy))
"""


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def help_run(words: tuple[str, ...]) -> tuple[float, float, list[str], str]:
    """(wall s, CPU s, heavy modules imported, the help text) of one `advocacy WORDS --help`."""
    cpu = cpu_of_children()
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
    return seconds, cpu_of_children() - cpu, json.loads(marker), text


def old_imports_cpu() -> float:
    """CPU s of importing what every command imported before it answered (the agent, evals)."""
    cpu = cpu_of_children()
    subprocess.run(
        [sys.executable, "-c", "import agent.bootstrap, agent.scan, evals.app"],
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    return cpu_of_children() - cpu


def load_words() -> str:
    """The machine's load as the bench saw it: the 1, 5 and 15 minute averages over its cores."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def bench_tree(repeat: int) -> tuple[list[float], list[float]]:
    """Every command's --help `repeat` times: one line each; all wall and CPU times."""
    print(f"{'command':<34} {'median s':>9} {'worst s':>8} {'cpu s':>6}  heavy modules")
    walls: list[float] = []
    cpus: list[float] = []
    for words in command_paths():
        runs = [help_run(words) for _ in range(repeat)]
        times = [wall for wall, _, _, _ in runs]
        cpu = statistics.median(c for _, c, _, _ in runs)
        heavy = sorted({m for _, _, modules, _ in runs for m in modules})
        walls, cpus = [*walls, *times], [*cpus, *(c for _, c, _, _ in runs)]
        line = " ".join(("advocacy", *words, "--help"))
        median = statistics.median(times)
        print(f"{line:<34} {median:>9.3f} {max(times):>8.3f} {cpu:>6.3f}  {heavy or '-'}")
    return walls, cpus


def summary(walls: list[float], cpus: list[float], before: str) -> None:
    """The whole tree in two lines, wall then CPU, with the load before and after."""
    under = sum(w < TARGET_SECONDS for w in walls)
    verdict = "under" if max(walls) < TARGET_SECONDS else "OVER"
    print(
        f"wall, {len(walls)} runs: median {statistics.median(walls):.3f} s, max {max(walls):.3f} s"
        f" ({verdict} the {TARGET_SECONDS} s target; {under} of {len(walls)} runs under it)"
    )
    print(f"CPU per help: median {statistics.median(cpus):.3f} s, max {max(cpus):.3f} s")
    print(f"machine: {before} before, {load_words()} after; {machine_words()}")
    print(f"the imports help used to need: {old_imports_cpu():.3f} s CPU")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    before = load_words()
    walls, cpus = bench_tree(args.repeat)
    summary(walls, cpus, before)


if __name__ == "__main__":
    main()
