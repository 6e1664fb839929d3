"""Ids given twice within one bundle: found across batches without holding every id in memory.

Each batch's ids go into a temporary table of the import's own connection (SQLite: a temporary
file; PostgreSQL: the server), so the check costs one batch of memory, not one entry per row.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from typing import Any

from sqlalchemy import Connection

from store.bundle import BundleError

# Ids looked up per statement (SQLite's limit on bound parameters is far above it).
LOOKUP_CHUNK = 1000


def duplicate(key: str, index: int, first: int, *, derived: bool) -> BundleError:
    """A row whose id an earlier row of the same key has (a permission's derived id too)."""
    if derived:
        return BundleError(
            key,
            index,
            "recorded_at",
            f"duplicate of {key}[{first}]: the same account_id, contact_id, scope, recorded_at"
            " and status (a consent record given twice)",
        )
    field = "contact_id" if key == "preferences" else "id"  # one row per contact
    return BundleError(key, index, field, f"duplicate of {key}[{first}]")


class WrittenIds:
    """The ids of the batches written so far, per key, in a temporary table of the connection.

    Each batch's ids go in with INSERT ... ON CONFLICT DO NOTHING: when fewer rows go in than
    the batch has, some id was in an earlier batch, and only then are they looked up. Created
    for a key at its first batch that is not also its last (a small bundle needs none). The
    table lives in the database's temporary space (SQLite: a temporary file; PostgreSQL: the
    server), not in this process. Dropped when the import ends.
    """

    def __init__(self, connection: Connection) -> None:
        raw = connection.connection.driver_connection
        assert raw is not None, "a live database connection"
        self.raw: Any = raw
        self.postgres = connection.dialect.name == "postgresql"
        self.created: set[str] = set()

    def check(
        self, key: str, batch: dict[str, int], *, remember: bool
    ) -> list[tuple[str, int, int]]:
        """(id, index, first index) of each id of `batch` in an earlier batch, in file order."""
        if not batch or (key not in self.created and not remember):
            return []
        if key not in self.created:
            self._create(key)
        table = f"_import_ids_{key}"
        cursor = self.raw.cursor()
        try:
            if self.postgres:
                with cursor.copy(f"COPY {table}_new (id, idx) FROM STDIN") as copy:
                    for row in batch.items():
                        copy.write_row(row)
                cursor.execute(
                    f"INSERT INTO {table} SELECT id, idx FROM {table}_new ON CONFLICT DO NOTHING"
                )
                added = cursor.rowcount
                found: list[tuple[str, int]] = []
                if added < len(batch):
                    cursor.execute(
                        f"SELECT t.id, t.idx FROM {table} t JOIN {table}_new n ON n.id = t.id"
                        " WHERE n.idx <> t.idx"
                    )
                    found = cursor.fetchall()
                cursor.execute(f"TRUNCATE {table}_new")
            else:
                cursor.executemany(
                    f"INSERT INTO temp.{table} (id, idx) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    list(batch.items()),
                )
                found = []
                if cursor.rowcount < len(batch):
                    ids = list(batch)
                    for start in range(0, len(ids), LOOKUP_CHUNK):
                        chunk = ids[start : start + LOOKUP_CHUNK]
                        marks = ", ".join("?" * len(chunk))
                        cursor.execute(
                            f"SELECT id, idx FROM temp.{table} WHERE id IN ({marks})", chunk
                        )
                        found += cursor.fetchall()
        finally:
            cursor.close()
        duplicates = [(row_id, batch[row_id], first) for row_id, first in found]
        return sorted(item for item in duplicates if item[1] != item[2])

    def _create(self, key: str) -> None:
        table = f"_import_ids_{key}"
        columns = "(id TEXT PRIMARY KEY, idx INTEGER NOT NULL)"
        cursor = self.raw.cursor()
        try:
            if self.postgres:  # dropped with the transaction, committed or not
                cursor.execute(f"CREATE TEMP TABLE {table} {columns} ON COMMIT DROP")
                cursor.execute(f"CREATE TEMP TABLE {table}_new {columns} ON COMMIT DROP")
            else:
                if not self.raw.in_transaction:  # the driver begins one only before DML
                    cursor.execute("BEGIN")
                cursor.execute(f"CREATE TEMP TABLE {table} {columns}")
        finally:
            cursor.close()
        self.created.add(key)

    def drop(self) -> None:
        """SQLite: drop the tables (PostgreSQL drops them with the transaction)."""
        if self.postgres:
            return
        for key in self.created:
            with suppress(
                sqlite3.Error
            ):  # else the rollback drops it: it was made in the transaction
                self.raw.execute(f"DROP TABLE IF EXISTS temp._import_ids_{key}")
        self.created.clear()
