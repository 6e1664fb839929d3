"""What the graphs' nodes are given (LangGraph runtime context): built once, passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from langgraph.runtime import Runtime
from sqlalchemy.orm import Session, sessionmaker

from agent.settings import Settings
from agent.writing import Writer
from domain.clock import utc_now


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: sessionmaker[Session]
    writer: Writer
    clock: Callable[[], datetime] = utc_now


def deps_of(runtime: Runtime[Deps]) -> Deps:
    """The deps the caller passed; LangGraph Studio passes none, so use the environment's."""
    if runtime.context is not None:
        return runtime.context
    from agent.studio import environment_services  # imports the composition root, which imports us

    return environment_services().deps
