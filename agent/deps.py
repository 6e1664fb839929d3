"""What the graphs' nodes are given (LangGraph runtime context): built once, passed in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.orm import Session, sessionmaker

from agent.writing import Writer
from store.settings import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Deps:
    settings: Settings
    session_factory: sessionmaker[Session]
    writer: Writer
    clock: Callable[[], datetime] = utc_now
