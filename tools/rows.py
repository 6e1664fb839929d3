"""Row helpers shared by the evidence tools: a byte-order string comparison for stable ties,
and a fast constructor for items read from already validated rows."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class binary(FunctionElement[str]):
    """A string compared byte by byte: ties order alike on SQLite and any PostgreSQL collation."""

    type = String()
    name = "binary"
    inherit_cache = True


@compiles(binary)
def _binary_default(element: binary, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(binary, "postgresql")
def _binary_postgresql(element: binary, compiler: SQLCompiler, **kw: Any) -> str:
    return f'{compiler.process(element.clauses, **kw)} COLLATE "C"'


ModelT = TypeVar("ModelT", bound=BaseModel)


def construct(model: type[ModelT], values: dict[str, Any]) -> ModelT:
    """`model.model_construct(**values)` for `values` holding every field, about 4x faster.

    The scan builds a few million items; pydantic's own `model_construct` spends most of its
    time filling defaults and aliases, which a complete row never needs. The attributes set
    here are the ones `model_construct` sets (tests/integration/test_evidence_tools.py checks
    that the two agree).
    """
    instance = model.__new__(model)
    object.__setattr__(instance, "__dict__", values)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance
