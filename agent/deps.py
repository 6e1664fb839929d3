"""What the graphs' nodes are given (LangGraph runtime context): built once, passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, sessionmaker

from agent.settings import Settings
from domain.clock import Clock, utc_now

if TYPE_CHECKING:  # langgraph, langchain and openai: only where a graph runs or a draft is written
    from langgraph.runtime import Runtime

    from agent.writing import Writer


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: sessionmaker[Session]
    # Builds the drafts' writer on first use (agent/bootstrap.py): its chat model is what a
    # command that only reads must never build nor import.
    writer_of: Callable[[], Writer]
    clock: Clock = utc_now
    # The review a scan has just opened for this run, with its payload: the run's first pause
    # shows it without reading it back (agent/scan_drafting.py; one Deps per such run).
    opened: tuple[str, dict[str, Any]] | None = None

    @property
    def writer(self) -> Writer:
        return self.writer_of()

    def with_writer(self, writer: Writer) -> Deps:
        """The same deps drafting with `writer`."""
        return replace(self, writer_of=lambda: writer)

    def with_opened(self, review_id: str, payload: dict[str, Any]) -> Deps:
        """The same deps for the run of a review just opened with `payload`."""
        return replace(self, opened=(review_id, payload))


DepsProvider = Callable[[], Deps]

_default_deps: DepsProvider | None = None


def provide_default_deps(provider: DepsProvider | None) -> DepsProvider | None:
    """Register what `deps_of` returns for a run without context (None clears); returns the old.

    LangGraph Studio runs our graphs without a context: its entry module, agent/studio.py,
    registers services built from the environment. Our own callers always pass the context.
    """
    global _default_deps
    previous, _default_deps = _default_deps, provider
    return previous


def deps_of(runtime: Runtime[Deps]) -> Deps:
    """The deps the caller passed, else the registered default (LangGraph Studio's)."""
    if runtime.context is not None:
        return runtime.context
    if _default_deps is None:
        raise RuntimeError(no_context_message("Deps"))
    return _default_deps()


def no_context_message(context: str) -> str:
    """The error of a run without context when no default is registered."""
    return f"no context: pass context={context}(...); LangGraph Studio loads agent/studio.py"
