"""LangGraph Studio's entry module (langgraph.json): the two graphs, and their fallback context.

Studio runs our graphs without a context; our own callers (CLI, API, tests) always pass one.
Importing this module registers the fallback: one set of services built from the environment,
once per process. Nothing of ours imports it (tests aside); the graphs do not know it exists.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from functools import cache
from typing import Any

from langgraph.runtime import Runtime

from agent.bootstrap import Services, open_services
from agent.deps import Deps, deps_of, provide_default_deps
from agent.graph import build_advocate_graph
from agent.scan import ScanDeps, build_scan_graph, provide_default_scan_deps
from agent.settings import Settings
from agent.state import AdvocateState
from agent.usecases.recovery import hand_off_review

_resources = ExitStack()


@cache
def environment_services() -> Services:
    """Services from ADVOCACY_DATABASE_URL and the other settings, open until the process ends."""
    services = _resources.enter_context(open_services(Settings()))
    atexit.register(close_environment_services)
    return services


def close_environment_services() -> None:
    """Close them (tests; and at exit), so the next call builds them again."""
    environment_services.cache_clear()
    _resources.close()


def environment_deps() -> Deps:
    return environment_services().deps


def environment_scan_deps() -> ScanDeps:
    services = environment_services()
    return ScanDeps(deps=services.deps, advocate=services.advocate)


def hand_off(state: AdvocateState, runtime: Runtime[Deps]) -> dict[str, Any]:
    """Studio keeps its thread in its own store, where our queue cannot resume it: give the review
    its own thread on our checkpointer too, paused at the owner's checkpoint, and publish it, so
    the owner decides it from the CLI, the API or the page. Idempotent (a retry finds the thread).
    """
    services = environment_services()
    hand_off_review(deps_of(runtime), services.advocate, state)
    return {}


provide_default_deps(environment_deps)
provide_default_scan_deps(environment_scan_deps)

# Plain compiles: `langgraph dev` refuses a graph compiled with a checkpointer (it brings its
# own persistence). The scan's candidates run on environment_services()'s advocate graph, which
# publishes its reviews; the advocate graph hands its review off before it pauses.
advocate = build_advocate_graph(before_pause=hand_off).compile()
scan = build_scan_graph().compile()
