"""Checks made before any cell runs, so a run that cannot be honest is refused up front.

`--repeat N` in replay mode asks for N answers per cell, and a repeat is a new call to the
model: the cassettes must hold every repeat of every cell that reaches the model (the gates are
pure, so which cells those are is known before anything runs).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from domain.gates import evaluate
from domain.settings import PolicySettings
from evals.cache import CassetteStore, record_command
from evals.cases import Case
from evals.variants import Variant


def reaches_model(case: Case, policy: PolicySettings) -> bool:
    """Does this case pass the gates, so that the writer calls the model?"""
    report = evaluate(case.snapshot, policy, case.now)
    return report.status == "candidate" and report.ask_type is not None


def missing_repeats(
    store: CassetteStore,
    variants: Sequence[Variant],
    cases: Sequence[Case],
    *,
    repeat: int,
    policy: PolicySettings,
) -> list[str]:
    """One line per variant whose cassettes lack repeats 2..N of a cell; [] when none does."""
    if repeat < 2:
        return []
    recorded = store.recorded()
    written = [case for case in cases if reaches_model(case, policy)]
    lines = []
    for variant in (v for v in variants if not v.offline):
        lacking: dict[int, int] = defaultdict(int)
        for case in written:
            for index in range(1, repeat):
                steps = (f"{n}.{v}" for n, v in variant.prompts)
                if any((variant.model, case.id, step, index) not in recorded for step in steps):
                    lacking[index + 1] += 1
        if lacking:
            repeats = ", ".join(f"repeat {n}: {count} cell(s)" for n, count in lacking.items())
            command = record_command(variant.model, variant.prompt_versions, repeats=repeat)
            lines.append(f"{variant.id}: no cassettes for {repeats}; record them: {command}")
    return lines
