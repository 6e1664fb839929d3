"""Dataset errors a prompt engineer can act on: the file, the case, the key, and for a
misspelled key the likely one ("unknown key acount (did you mean account?)"), instead of a
pydantic trace with a URL."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

INTERNAL = frozenset({"snapshot", "dataset", "as_of"})  # filled in by the loader, never written


def suggestion(word: str, choices: Iterable[str]) -> str:
    """` (did you mean X?)` for a close spelling, else the keys allowed there."""
    allowed = sorted(set(choices) - INTERNAL)
    close = difflib.get_close_matches(word, allowed, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]}?)"
    return f" (expected one of: {', '.join(allowed)})" if allowed else ""


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds: X, X | None, tuple[X, ...], list[X]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType, tuple, list):
        return [m for arg in typing.get_args(annotation) for m in _models_in(arg)]
    return []


def model_at(model: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model whose field `loc[-1]` is (list indices skipped), or None."""
    current: type[BaseModel] | None = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        found = _models_in(field.annotation) if field else []
        current = found[0] if found else None
    return current


def path(loc: Sequence[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def describe(error: ValidationError, model: type[BaseModel], *, extra: Iterable[str] = ()) -> str:
    """Each problem on one line's worth: the key's path and what is wrong with it."""
    problems = []
    for item in error.errors():
        loc = [p for p in item["loc"] if not (isinstance(p, str) and "[" in p)]
        where = path(loc) or "the case"
        kind = item["type"]
        if kind == "missing":
            problems.append(f"missing key {where}")
        elif kind == "extra_forbidden":
            parent = model_at(model, loc)
            choices = [*(parent.model_fields if parent else []), *(extra if len(loc) == 1 else [])]
            problems.append(f"unknown key {where}{suggestion(str(loc[-1]), choices)}")
        else:
            given = item.get("input")
            shown = f" (got {given!r})" if isinstance(given, str | int | float) else ""
            problems.append(f"{where}: {item['msg']}{shown}")
    return "; ".join(problems)
