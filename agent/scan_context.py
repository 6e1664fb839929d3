"""What a scan's nodes and batches are given: the run's services, the advocate graph, progress."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from agent.deps import Deps
from agent.graph import AdvocateGraph

Progress = Callable[[str, int, int], None]


def no_progress(phase: str, done: int, total: int) -> None:
    del phase, done, total


@dataclass(frozen=True)
class ScanDeps:
    deps: Deps
    advocate: AdvocateGraph
    progress: Progress = field(default=no_progress)
