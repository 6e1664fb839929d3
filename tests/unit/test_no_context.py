"""A graph run without context, and no default registered (only agent/studio.py registers one)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from langgraph.runtime import Runtime

from agent.deps import deps_of, provide_default_deps
from agent.scan import compile_scan_graph, provide_default_scan_deps


@pytest.fixture
def no_default_context() -> Iterator[None]:
    """Clear whatever an earlier import of agent.studio registered, and restore it after."""
    deps_provider = provide_default_deps(None)
    scan_provider = provide_default_scan_deps(None)
    yield
    provide_default_deps(deps_provider)
    provide_default_scan_deps(scan_provider)


@pytest.mark.usefixtures("no_default_context")
def test_deps_of_without_context_or_default_says_what_to_do() -> None:
    message = r"no context: pass context=Deps\(\.\.\.\); LangGraph Studio loads agent/studio\.py"
    with pytest.raises(RuntimeError, match=message):
        deps_of(Runtime())  # no context, as LangGraph Studio runs a graph


@pytest.mark.usefixtures("no_default_context")
def test_the_scan_graph_without_context_or_default_says_what_to_do() -> None:
    message = r"no context: pass context=ScanDeps\(\.\.\.\); LangGraph Studio loads agent/studio"
    with pytest.raises(RuntimeError, match=message):
        compile_scan_graph().invoke({"scan_id": "sc-none", "now": "2026-11-27T09:00:00+00:00"})
