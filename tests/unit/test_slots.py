"""The model call slots of a scan's writing threads are handed over in the order threads asked:
with a plain semaphore a late thread could take a freed slot first, again and again."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from agent.slots import FairSlots


def _until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, "the threads never queued"
        time.sleep(0.001)


def test_a_freed_slot_goes_to_the_thread_that_waited_longest() -> None:
    slots = FairSlots(1)
    order: list[str] = []

    def take(name: str) -> None:
        with slots:
            order.append(name)

    threads = []
    with slots:  # the one slot is held while three threads queue, one after the other
        for queued, name in enumerate(("first", "second", "third"), start=1):
            thread = threading.Thread(target=take, args=(name,))
            thread.start()
            threads.append(thread)
            _until(lambda queued=queued: slots.waiting == queued)
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["first", "second", "third"]


def test_free_slots_are_taken_without_waiting() -> None:
    slots = FairSlots(2)
    with slots, slots:
        assert slots.waiting == 0
