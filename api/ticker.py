"""`advocacy serve` runs the timers (`advocacy tick`) every `tick_every_seconds` in-process.

Each worker of `serve --workers N` runs its own: the timers are safe to run at once (each due
step happens once). A failing run is logged and the next one comes at its time. With the job
queue (PostgreSQL) the server runs none: the timers are a periodic job of `advocacy worker`.
"""

from __future__ import annotations

import logging
import threading

from agent.bootstrap import Services
from agent.usecases.timers import tick

log = logging.getLogger("advocacy.ticker")


class Ticker:
    def __init__(self, services: Services, every_seconds: float) -> None:
        self._services = services
        self._every = every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ticker", daemon=True)

    def start(self) -> None:
        if self._every > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            try:
                done = tick(services=self._services, now=self._services.deps.clock())
            except Exception:
                log.exception("the timers failed; the next run is in %s s", self._every)
                continue
            if done.reminders or done.escalations or done.closed_no_response or done.woken:
                log.info("timers: %s", done.model_dump())
