"""The app factory: `uvicorn --factory api.app:create_app`, or `advocacy serve`.

Services (engine, checkpointer, graphs) are built once in the lifespan and kept on app.state;
nothing is built at import time. Every /v1 route needs a bearer token.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, asynccontextmanager

import httpx
from fastapi import Depends, FastAPI

from agent.bootstrap import open_services
from agent.settings import Settings, settings_or_exit
from api.deps import current_user, refuse_unknown_query
from api.errors import BodyLimitMiddleware, CatchAllMiddleware, install_handlers
from api.lifetime import die_with_parent_if_asked
from api.routers import (
    advocates,
    backlog,
    candidates,
    events,
    health,
    lists,
    metrics,
    notifications,
    outcomes,
    pilots,
    programs,
    reviews,
    rewards,
    scans,
    tasks,
    users,
)
from api.schemas import ERRORS
from api.ticker import Ticker
from api.web.app import page_mount
from domain.clock import Clock, utc_now

BODY_LIMIT = 256 * 1024
SCAN_WORKERS = 2


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    http_client: httpx.Client | None = None,
) -> FastAPI:
    """The HTTP API over `settings` (default: from the environment); `clock` for tests.

    uvicorn calls this factory first thing in each worker process, so a worker of
    `advocacy serve --workers N` asks here to stop with its supervisor (api/lifetime.py).
    """
    die_with_parent_if_asked()
    # Read now, not in the lifespan, where a bad value surfaced as a traceback and "Application
    # startup failed": `uvicorn --factory` then exits 2 with the CLI's lines.
    chosen = settings or settings_or_exit(lambda line: print(f"advocacy: {line}", file=sys.stderr))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            app.state.services = stack.enter_context(
                open_services(chosen, clock=clock or utc_now, http_client=http_client)
            )
            app.state.services.warm()
            executor = ThreadPoolExecutor(SCAN_WORKERS, thread_name_prefix="scan")
            stack.callback(executor.shutdown, wait=True)
            app.state.executor = executor
            ticker = Ticker(app.state.services, app.state.services.deps.settings.tick_every_seconds)
            if app.state.services.queue is None:  # else the workers' periodic job runs them
                ticker.start()
            stack.callback(ticker.stop)
            yield

    app = FastAPI(
        title="Advocacy Agent",
        version="1",
        summary="Customers ready to advocate, and their owners' approvals.",
        lifespan=lifespan,
    )
    install_handlers(app)
    app.include_router(health.router)
    protected = [Depends(current_user), Depends(refuse_unknown_query)]
    routers = [scans, candidates, lists, reviews, tasks, events, outcomes, notifications, backlog]
    routers += [metrics, users, advocates, programs, rewards, pilots]
    for module in routers:
        app.include_router(module.router, prefix="/v1", dependencies=protected, responses=ERRORS)
    app.router.routes.append(page_mount(app))
    app.add_middleware(BodyLimitMiddleware, limit=BODY_LIMIT)
    app.add_middleware(CatchAllMiddleware)
    return app
