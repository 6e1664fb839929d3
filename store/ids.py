"""`column IN (ids)` for many ids at once, as one bound parameter.

SQLAlchemy renders `column.in_(ids)` with one bound parameter per id, named and processed again
on every execution: for a scan batch of 1,000 accounts that was half of the gating's CPU. Here
the ids travel as one value: a JSON array read by `json_each` on SQLite, an array compared with
`= ANY(...)` on PostgreSQL. The statement's compiled form is cached like any other.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Boolean, String, TypeDecorator, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeEngine


class IdList(TypeDecorator[list[str]]):
    """A list of string ids: a JSON text on SQLite, a text[] on PostgreSQL."""

    impl = String
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(String()))
        return dialect.type_descriptor(String())

    def process_bind_param(self, value: list[str] | None, dialect: Dialect) -> Any:
        if value is None or dialect.name == "postgresql":
            return value
        return json.dumps(value)


class IdsIn(ColumnElement[bool]):
    """True when the column's value is one of the ids."""

    inherit_cache = True
    type = Boolean()
    # A comparison already: without this, SQLite (no native boolean) gets `... IN (...) = 1`,
    # which its planner cannot match to an index: every batch query scanned its whole table.
    _is_implicitly_boolean = True
    _traverse_internals = [  # noqa: RUF012  (SQLAlchemy reads this class attribute)
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column: ColumnElement[Any], ids: Sequence[str]) -> None:
        self.column = column
        self.ids = bindparam(None, list(ids), type_=IdList(), unique=True)


@compiles(IdsIn, "sqlite")
def _sqlite(element: IdsIn, compiler: Any, **kw: Any) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} IN (SELECT value FROM json_each({ids}))"


@compiles(IdsIn)
def _any(element: IdsIn, compiler: Any, **kw: Any) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} = ANY({ids})"


def ids_in(column: Any, ids: Sequence[str]) -> ColumnElement[bool]:
    """`column IN ids`, with the ids as one bound value (see the module docstring)."""
    return IdsIn(column, ids)
