"""Services for graphs run without our context, as LangGraph Studio runs them (langgraph.json).

Our own callers (CLI, API, tests) always pass the context; Studio cannot build it, so the nodes
fall back to one set of services built from the environment, once per process.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from functools import cache

from agent.bootstrap import Services, open_services
from agent.settings import Settings

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
