"""Two scans drafting in one API process share the GC settings: whichever ends first, the
process gets its own settings back when the last one ends, and not before."""

from __future__ import annotations

import gc
from contextlib import ExitStack

from agent.scan_drafting import YOUNG_OBJECTS, _drafting_gc


def test_interleaved_pools_restore_the_settings_when_the_last_one_ends() -> None:
    before = gc.get_threshold()
    first, second = ExitStack(), ExitStack()
    first.enter_context(_drafting_gc())
    second.enter_context(_drafting_gc())
    assert gc.get_threshold()[0] == YOUNG_OBJECTS
    first.close()  # the first scan ends while the second still drafts
    assert gc.get_threshold()[0] == YOUNG_OBJECTS and gc.get_freeze_count() > 0
    second.close()
    assert gc.get_threshold() == before


def test_a_failing_pool_restores_the_settings() -> None:
    before = gc.get_threshold()
    try:
        with _drafting_gc():
            raise RuntimeError("a batch failed")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
