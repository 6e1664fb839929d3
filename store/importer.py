"""`import_bundle`: validate and upsert an evidence bundle in one transaction, all or nothing.

The file is streamed (a 100k-account bundle is never whole in memory). Rows are written in file
order, in batches; foreign keys are deferred to the commit, and references are checked here first
so that a missing one is reported with its row. Only the parents' id sets and the still unresolved
references are kept in memory. An id given twice for one key (a permission's derived id too) is an
error, found within a batch by its dict and across batches by a temporary table of the ids already
written, so the check costs no memory per row. Any error: nothing is written, the database is
exactly as before.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ijson  # type: ignore[import-untyped,unused-ignore]
from pydantic import BaseModel, ValidationError
from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

from store.bundle import (
    BUNDLE_KEYS,
    REFERENCES,
    ROW_MODELS,
    BundleError,
    PermissionRow,
    Problem,
    record_columns,
    to_record,
)
from store.bundle_read import read_source
from store.import_ids import WrittenIds, duplicate
from store.import_preferences import write_preferences
from store.models import Base
from store.types import UTCDateTime

BATCH_ROWS = 1000
MAX_LISTED_ERRORS = 50
PROGRESS_EVERY = 10_000
# Unresolved references are checked against the database once they are this many.
RESOLVE_AT = 10_000
# Keys that other rows point at, whose ids are remembered.
PARENT_KEYS = ("owners", "accounts", "contacts")
# Keys written through COPY on PostgreSQL (programs have JSON columns and are few; preferences
# go through the owner's edit, audited, once every contact is written).
COPIED_KEYS = frozenset(BUNDLE_KEYS) - {"programs", "preferences"}
PREFERENCE_FIELDS = (
    "avoid_ask_types",
    "max_asks_per_year",
    "unavailable_until",
    "preferred_channel",
)
IMPORT_ACTOR = "import"

Progress = Callable[[str, int], None]


class BundleInvalid(Exception):
    """The bundle was rejected; nothing was written. `errors` lists the first ones."""

    def __init__(self, errors: list[BundleError], total: int) -> None:
        self.errors = errors
        self.total = total
        self.unlisted = total - len(errors)
        first = str(errors[0]) if errors else "invalid bundle"
        super().__init__(f"{total} error(s) in the bundle, first: {first}")


@dataclass
class ImportReport:
    """Rows written (inserted or updated) per top-level key."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUNDLE_KEYS, 0))
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def import_bundle(
    *,
    engine: Engine,
    source: Path,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> ImportReport:
    """Import a JSON bundle file or a folder of CSV files; raise `BundleInvalid` on any error.

    Rows whose ids exist already are updated. One transaction: on error nothing is written.
    With `now`, a row dated more than a day after it is an error (it has not happened yet).
    """
    if not source.exists():
        raise FileNotFoundError(f"no such bundle file or folder: {source}")
    started = time.perf_counter()
    with engine.begin() as connection:
        run = _ImportRun(connection=connection, progress=progress, now=now)
        try:
            try:
                for item in read_source(source):
                    run.feed(item)
            except ijson.JSONError as exc:
                run.fail(BundleError("", None, None, f"not valid JSON: {exc}"))
            run.finish()
        finally:
            run.ids.drop()
    run.report.seconds = time.perf_counter() - started
    return run.report


class _ImportRun:
    def __init__(
        self, *, connection: Connection, progress: Progress | None, now: datetime | None
    ) -> None:
        self.connection = connection
        self.context = {"now": now}
        self.progress = progress
        self.report = ImportReport()
        self.errors: list[BundleError] = []
        self.error_total = 0
        self.seen: dict[str, set[str]] = {key: set() for key in PARENT_KEYS}
        self.refs = _References()
        self.batches: dict[str, dict[str, dict[str, Any]]] = {key: {} for key in BUNDLE_KEYS}
        # The ids of the current batch -> their row index (kept after an error too, to check).
        self.batch_ids: dict[str, dict[str, int]] = {key: {} for key in BUNDLE_KEYS}
        self.derived_ids: set[str] = set()  # the batch's permission ids derived from fields
        self.ids = WrittenIds(connection)
        self.statements: dict[str, Insert] = {}
        self.unknown_keys: set[str] = set()
        postgres = connection.dialect.name == "postgresql"
        self.copier = _PostgresCopy(connection) if postgres else None
        self.batch_rows = BATCH_ROWS * 5 if postgres else BATCH_ROWS
        # Written last: a preference's account is its contact's, which may come later.
        self.preferences: list[dict[str, Any]] = []

    def fail(self, error: BundleError) -> None:
        self.error_total += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(error)

    def feed(self, item: tuple[str, int, Any] | Problem) -> None:
        if isinstance(item, Problem):
            self.fail(BundleError(item.key, item.index, item.field, item.problem))
            return
        key, index, raw = item
        model = ROW_MODELS.get(key)
        if model is None:
            self._unknown_key(key)
            return
        if not isinstance(raw, dict):
            self.fail(BundleError(key, index, None, "a row must be an object"))
            return
        try:
            row = model.model_validate(raw, context=self.context)
        except ValidationError as exc:
            for error in _errors_of(key, index, exc):
                self.fail(error)
            self._remember(key, raw.get("id"))  # one bad row, one error: not its children too
            return
        self._accept(key, index, row)

    def _unknown_key(self, key: str) -> None:
        if key not in self.unknown_keys:
            self.unknown_keys.add(key)
            known = ", ".join(BUNDLE_KEYS)
            self.fail(BundleError(key, None, None, f"unknown top-level key (known: {known})"))

    def _accept(self, key: str, index: int, row: BaseModel) -> None:
        record = to_record(row)
        row_id = record["id"]
        derived = isinstance(row, PermissionRow) and row.id is None
        batch_ids = self.batch_ids[key]
        first = batch_ids.get(row_id)
        if first is not None:
            self.fail(duplicate(key, index, first, derived=derived))
            return
        batch_ids[row_id] = index
        if derived:
            self.derived_ids.add(row_id)
        for ref_field, target in REFERENCES[key]:
            ref = record[ref_field]
            if ref is not None and ref not in self.seen[target]:
                self.refs.add(target, ref, (key, index, ref_field))
        self._remember(key, row_id)
        if len(self.refs) >= RESOLVE_AT:
            self.refs.drop_existing(self.connection)
        counts = self.report.counts
        counts[key] += 1
        if self.progress is not None and counts[key] % PROGRESS_EVERY == 0:
            self.progress(key, counts[key])
        if not self.error_total:
            self.batches[key][row_id] = record
        if len(batch_ids) >= self.batch_rows:
            self._flush(key)

    def _remember(self, key: str, row_id: Any) -> None:
        if key in self.seen and isinstance(row_id, str):
            self.seen[key].add(row_id)
            self.refs.resolve(key, row_id)

    def _flush(self, key: str, *, last: bool = False) -> None:
        """Check the batch's ids against the earlier batches', then write it (if no error yet).

        `last`: no batch of this key follows, so its ids need not be remembered.
        """
        batch_ids = self.batch_ids[key]
        for row_id, index, first in self.ids.check(key, batch_ids, remember=not last):
            derived = key == "permissions" and row_id in self.derived_ids
            self.fail(duplicate(key, index, first, derived=derived))
        batch_ids.clear()
        if key == "permissions":
            self.derived_ids.clear()
        batch = self.batches[key]
        if key == "preferences":
            self.preferences += batch.values() if not self.error_total else []
        elif batch and not self.error_total:
            if self.copier is not None and key in COPIED_KEYS:
                self.copier.write(key, list(batch.values()))
            else:
                self.connection.execute(self._statement(key), list(batch.values()))
        batch.clear()

    def _statement(self, key: str) -> Insert:
        if key not in self.statements:
            self.statements[key] = upsert_statement(
                table=Base.metadata.tables[key],
                columns=record_columns(key),
                dialect=self.connection.dialect.name,
            )
        return self.statements[key]

    def finish(self) -> None:
        for key in BUNDLE_KEYS:
            self._flush(key, last=True)
        self.refs.drop_existing(self.connection)
        listed, unlisted = self.refs.errors()
        for error in listed:
            self.fail(error)
        self.error_total += unlisted
        if self.error_total:
            raise BundleInvalid(self.errors, self.error_total)
        if self.preferences:
            at = self.context["now"] or datetime.now(UTC)
            write_preferences(self.connection, self.preferences, at=at)


def upsert_statement(*, table: Table, columns: list[str], dialect: str) -> Insert:
    """INSERT ... ON CONFLICT (id) DO UPDATE of `columns`, for SQLite or PostgreSQL."""
    insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
    statement = insert(table)
    updates = {name: statement.excluded[name] for name in columns if name != "id"}
    return statement.on_conflict_do_update(index_elements=[table.c.id], set_=updates)


class _PostgresCopy:
    """Upsert through COPY into a temporary table: far faster than row-by-row statements."""

    def __init__(self, connection: Connection) -> None:
        raw = connection.connection.driver_connection
        assert raw is not None, "a live PostgreSQL connection"
        self.raw = raw
        self.created: set[str] = set()

    def write(self, key: str, rows: list[dict[str, Any]]) -> None:
        columns = list(ROW_MODELS[key].model_fields)
        table = Base.metadata.tables[key]
        times = [name for name in columns if isinstance(table.c[name].type, UTCDateTime)]
        names = ", ".join(columns)
        staging = f"_import_{key}"
        updates = ", ".join(f"{name} = excluded.{name}" for name in columns if name != "id")
        with self.raw.cursor() as cursor:
            if key not in self.created:
                cursor.execute(
                    f"CREATE TEMP TABLE {staging} (LIKE {key} INCLUDING DEFAULTS) ON COMMIT DROP"
                )
                self.created.add(key)
            with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
                for row in rows:
                    for name in times:
                        if row[name] is not None:
                            row[name] = row[name].replace(tzinfo=None)  # UTC already
                    copy.write_row([row[name] for name in columns])
            cursor.execute(
                f"INSERT INTO {key} ({names}) SELECT {names} FROM {staging} "
                f"ON CONFLICT (id) DO UPDATE SET {updates}"
            )
            cursor.execute(f"TRUNCATE {staging}")


Where = tuple[str, int, str]


class _References:
    """References not yet seen in the bundle: at most a few rows kept per missing id."""

    KEEP_ROWS = MAX_LISTED_ERRORS

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], list[Where]] = {}
        self.counts: dict[tuple[str, str], int] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def add(self, target: str, ref: str, where: Where) -> None:
        slot = (target, ref)
        rows = self.rows.setdefault(slot, [])
        if len(rows) < self.KEEP_ROWS:
            rows.append(where)
        self.counts[slot] = self.counts.get(slot, 0) + 1

    def resolve(self, target: str, ref: str) -> None:
        if self.rows and self.rows.pop((target, ref), None) is not None:
            del self.counts[(target, ref)]

    def drop_existing(self, connection: Connection) -> None:
        """Forget the references that point at rows already in the database."""
        by_target: dict[str, list[str]] = {}
        for target, ref in self.rows:
            by_target.setdefault(target, []).append(ref)
        for target, refs in by_target.items():
            table = Base.metadata.tables[target]
            for start in range(0, len(refs), BATCH_ROWS):
                chunk = refs[start : start + BATCH_ROWS]
                found = connection.execute(select(table.c.id).where(table.c.id.in_(chunk)))
                for (ref,) in found:
                    self.resolve(target, ref)

    def errors(self) -> tuple[list[BundleError], int]:
        """The rows whose references are missing, in file order, and how many more there are."""
        found = [
            (key, index, name, target, ref)
            for (target, ref), rows in self.rows.items()
            for key, index, name in rows
        ]
        unlisted = sum(self.counts.values()) - len(found)
        order = {key: position for position, key in enumerate(BUNDLE_KEYS)}
        found.sort(key=lambda item: (order.get(item[0], 99), item[1]))
        listed = [
            BundleError(
                key, index, name, f"{target[:-1]} {ref!r} is in neither the bundle nor the database"
            )
            for key, index, name, target, ref in found
        ]
        return listed, unlisted


def _errors_of(key: str, index: int, exc: ValidationError) -> list[BundleError]:
    found = []
    for error in exc.errors(include_url=False):
        name = ".".join(str(part) for part in error["loc"]) or None
        found.append(BundleError(key, index, name, _problem(error)))
    return found


def _problem(error: Any) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required field is missing"
    message = str(error["msg"]).removeprefix("Value error, ")
    shown = repr(error.get("input"))
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return f"{message} (got {shown})"
