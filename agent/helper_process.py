"""What a scan's helper processes share (agent/scan_helper.py gates, agent/draft_helper.py
writes): one lifetime around the block that uses them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar


class HelperProcess(Protocol):
    def close(self, *, failed: bool) -> Any: ...


H = TypeVar("H", bound=HelperProcess)


@contextmanager
def helper_while(start: Callable[[], H], *, wanted: bool) -> Iterator[H | None]:
    """The helper `start` makes, while the block runs, when `wanted` (else None): closed when the
    block ends, stopped at once (`failed`) when it raised."""
    if not wanted:
        yield None
        return
    helper = start()
    try:
        yield helper
    except BaseException:
        helper.close(failed=True)
        raise
    helper.close(failed=False)
