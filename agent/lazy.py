"""A value built on first use, once, whichever thread asks first."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Once(Generic[T]):
    """Calls `build` on the first call and returns its value on every call after.

    Threads share it (the API's request threads, a scan's drafting pool): the lock makes the
    first call the only one that builds; a build that fails is tried again on the next call.
    """

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._lock = threading.RLock()
        self._values: list[T] = []

    def __call__(self) -> T:
        if not self._values:
            with self._lock:
                if not self._values:
                    self._values.append(self._build())
        return self._values[0]

    @property
    def built(self) -> bool:
        return bool(self._values)
