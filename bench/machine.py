"""How fast this machine runs Python now, printed beside a bench's figures.

A figure in seconds means little without it: these benches run on shared virtual machines whose
speed moves from day to day (the same commit's help bench needed 2.4 s of CPU for its reference
imports one day and 6.6 s on another), so a figure is comparable with another only beside the
reference each was measured with.
"""

from __future__ import annotations

import math
import os
import time

# Additions in the reference loop: 0.33-0.35 s of one idle core of the VM the README's second
# table was measured on.
REFERENCE_ADDITIONS = 5_000_000


def reference_seconds(runs: int = 3) -> float:
    """CPU seconds this thread takes for a fixed pure-Python loop: the best of `runs`."""
    best = math.inf
    for _ in range(runs):
        started = time.thread_time()
        total = 0
        for number in range(REFERENCE_ADDITIONS):
            total += number
        best = min(best, time.thread_time() - started)
    return best


def machine_words() -> str:
    """The reference loop's time and the load, in one line."""
    one, five, fifteen = os.getloadavg()
    return (
        f"reference loop {reference_seconds():.2f} s CPU ({REFERENCE_ADDITIONS:,} additions, "
        f"best of 3), load average {one:.1f} / {five:.1f} / {fifteen:.1f} "
        f"on {os.cpu_count()} cores"
    )
