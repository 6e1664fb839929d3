"""Infrastructure errors grouped by cause, so a report can say what went wrong and what to do.

An error string reads `<cause>: <detail>`; a cassette miss ends with `Record it: <command>`.
Cells that share a cause and a command form one group: "cassette_miss in 32 cells ... record
them with ...".
"""

from __future__ import annotations

import re

from evals.cache import RECORD_HINT
from evals.results import CaseResult, ErrorGroup

_CAUSE = re.compile(r"^(?P<cause>[A-Za-z_][\w .]*?)(?::|\s\(|$)")


def error_cause(error: str) -> str:
    """`cassette_miss`, `HTTP 503`, `ConnectError`, `judge`...: the words before the first colon."""
    match = _CAUSE.match(error.strip())
    return match.group("cause").strip() if match else "error"


def _hint(error: str) -> str | None:
    _, found, command = error.partition(RECORD_HINT)
    return command.strip() if found else None


def group_errors(cases: list[CaseResult]) -> list[ErrorGroup]:
    """One group per (cause, hint), in order of first appearance, with the cells it hit."""
    groups: dict[tuple[str, str | None], ErrorGroup] = {}
    for case in cases:
        for repeat in case.repeats:
            seen: set[tuple[str, str | None]] = set()
            for error in repeat.errors:
                key = (error_cause(error), _hint(error))
                group = groups.setdefault(key, ErrorGroup(cause=key[0], example=error, hint=key[1]))
                group.errors += 1
                if key not in seen:
                    seen.add(key)
                    group.cells += 1
    return list(groups.values())
