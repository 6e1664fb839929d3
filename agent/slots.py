"""Model call slots for a scan's drafting threads (agent/writing.py, Writer.with_slots)."""

from __future__ import annotations

import threading
from collections import deque

# Writing threads per model call slot (`llm_concurrency`): while one checks an answer and builds
# its next prompt, another holds the slot with a request ready.
WRITERS_PER_SLOT = 2


class FairSlots:
    """At most `slots` holders at once, handed over in the order they asked. A semaphore lets a
    thread that arrives as a slot frees take it before the thread woken for it runs: under a
    busy interpreter lock, a scan's early candidates lost their turn again and again, and a
    batch finished only with the next one, leaving the model idle while a third was gated."""

    def __init__(self, slots: int) -> None:
        self._lock = threading.Lock()
        self._free = slots
        self._waiting: deque[threading.Lock] = deque()

    @property
    def waiting(self) -> int:
        """Threads waiting for a slot now."""
        return len(self._waiting)

    def __enter__(self) -> None:
        with self._lock:
            if self._free and not self._waiting:
                self._free -= 1
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        turn.acquire()  # released by the holder that hands its slot over

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._free += 1
