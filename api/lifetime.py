"""Workers of `advocacy serve --workers N` stop when their supervisor dies.

uvicorn's supervisor stops its workers on SIGTERM or SIGINT, but a `kill -9` of it leaves them
orphaned, still serving the port it bound, so a restart fails with "address already in use".
`serve` asks for this through the environment, which the spawned workers inherit; each worker
then asks the kernel to send it SIGTERM (uvicorn's graceful shutdown) when its parent dies.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import sys
from collections.abc import Mapping

DIE_WITH_PARENT = "ADVOCACY_SERVE_DIE_WITH_PARENT"
PARENT_PID = "ADVOCACY_SERVE_PARENT_PID"
PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>

log = logging.getLogger("advocacy.api")


def die_with_parent_environ(parent_pid: int) -> dict[str, str]:
    """What `serve` sets before uvicorn spawns its workers: the wish and the supervisor's pid."""
    return {DIE_WITH_PARENT: "1", PARENT_PID: str(parent_pid)}


def die_with_parent_if_asked(environ: Mapping[str, str] = os.environ) -> None:
    """In a worker of `serve --workers N`: stop on SIGTERM when the supervisor process dies.

    Only Linux has PR_SET_PDEATHSIG; elsewhere this does nothing and an orphaned worker keeps
    serving until it is stopped by hand. The signal follows the parent *thread* that spawned the
    worker: uvicorn spawns and respawns workers from its supervisor's main thread.
    """
    if environ.get(DIE_WITH_PARENT) != "1" or not sys.platform.startswith("linux"):
        return
    expected = _parent_pid(environ)
    if expected == os.getpid():
        return  # uvicorn serving in the supervisor's own process: no parent to outlive
    if not _set_parent_death_signal(signal.SIGTERM):
        return
    if expected is not None and os.getppid() != expected:
        # The parent died before the prctl call (the race in prctl(2)): no signal will come.
        log.error("the serve supervisor [%d] is already gone: this worker exits", expected)
        os._exit(1)


def _parent_pid(environ: Mapping[str, str]) -> int | None:
    """The supervisor's pid as `serve` passed it, or None when it is missing or malformed."""
    try:
        return int(environ[PARENT_PID])
    except (KeyError, ValueError):
        return None


def _set_parent_death_signal(signum: signal.Signals) -> bool:
    """prctl(PR_SET_PDEATHSIG, signum); on failure (e.g. a seccomp filter) warn and go on."""
    libc = ctypes.CDLL(None, use_errno=True)
    # prctl is variadic and reads its second argument as an unsigned long
    if libc.prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(signum)) == 0:
        return True
    error = ctypes.get_errno()
    log.warning("prctl(PR_SET_PDEATHSIG): %s; this worker may outlive serve", os.strerror(error))
    return False
