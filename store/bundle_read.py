"""Reading a bundle: a JSON file or a folder of CSV files, streamed row by row.

The JSON reader never holds more than one row in memory. Rows come out as (key, index, the row
as read) for store/importer.py to validate against store/bundle.py's row schemas; faults of the
file's shape come out as `Problem`s.
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import ijson  # type: ignore[import-untyped,unused-ignore]

from store.bundle import BUNDLE_KEYS, ROW_MODELS, Problem

RawRow = tuple[str, int, Any]
"""(key, index, the row as read): a dict when the row is an object."""

_OPEN = frozenset({"start_map", "start_array"})
_CLOSE = frozenset({"end_map", "end_array"})
INTEGER_OVERFLOW = "integer overflow"  # yajl's words for an integer beyond 64 bits


def read_source(source: Path) -> Iterator[RawRow | Problem]:
    """The rows of a bundle file, or of a folder of `<key>.csv` files, in file order."""
    if source.is_dir():
        return read_csv_folder(source)
    return read_json(source)


def read_json(path: Path) -> Iterator[RawRow | Problem]:
    """Stream the rows of a JSON bundle: never more than one row in memory.

    ijson's C parser refuses an integer of 2**63 or more as an "integer overflow", naming no
    row. The file is then read again from the start by ijson's pure-Python parser, which yields
    big integers, and the rows already given out are skipped: the import goes on, and the row's
    schema refuses the number naming its key, row and field.
    """
    given = 0
    try:
        for item in _read_json(path, ijson):
            yield item
            given += 1
    except ijson.JSONError as error:
        if INTEGER_OVERFLOW not in str(error):
            raise
        yield from itertools.islice(_read_json(path, ijson.get_backend("python")), given, None)


def _read_json(path: Path, backend: Any) -> Iterator[RawRow | Problem]:
    with path.open("rb") as handle:
        events = backend.basic_parse(handle, use_float=True, buf_size=256 * 1024)
        yield from _rows_from_events(events)


def _nested(first: str, events: Iterator[tuple[str, Any]]) -> Any:
    """The value of a nested container whose opening event was `first`."""
    builder = ijson.ObjectBuilder()
    builder.event(first, None)
    depth = 1
    for event, value in events:
        builder.event(event, value)
        if event in _OPEN:
            depth += 1
        elif event in _CLOSE:
            depth -= 1
            if depth == 0:
                break
    return builder.value


def _rows_from_events(events: Iterable[tuple[str, Any]]) -> Iterator[RawRow | Problem]:
    stream = iter(events)
    first = next(stream, ("end", None))
    if first[0] != "start_map":
        yield Problem("", None, None, "the bundle must be a JSON object of lists")
        return
    key = ""
    for event, value in stream:
        if event == "map_key":
            key = value
        elif event == "start_array":
            yield from _rows_of_array(key, stream)
        elif event == "end_map":
            return
        else:
            if event in _OPEN:
                _nested(event, stream)
            yield Problem(key, None, None, "must be a list of rows")


def _rows_of_array(key: str, stream: Iterator[tuple[str, Any]]) -> Iterator[RawRow]:
    index = 0
    for event, value in stream:
        if event == "start_map":
            yield key, index, _row_of_map(stream)
        elif event == "end_array":
            return
        elif event in _OPEN:
            yield key, index, _nested(event, stream)
        else:
            yield key, index, value
        index += 1  # noqa: SIM113 - the nested readers consume events of the same stream


def _row_of_map(stream: Iterator[tuple[str, Any]]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    field = ""
    for event, value in stream:
        if event == "map_key":
            field = value
        elif event == "end_map":
            return row
        elif event in _OPEN:
            row[field] = _nested(event, stream)
        else:
            row[field] = value
    return row


def read_csv_folder(folder: Path) -> Iterator[RawRow | Problem]:
    """Rows of `<key>.csv` files (each optional); an empty cell is null, an unknown column wrong."""
    files = sorted(folder.glob("*.csv"), key=_csv_order)
    for path in files:
        key = path.stem
        if key not in ROW_MODELS:
            yield Problem(key, None, None, "unknown top-level key")
            continue
        yield from _read_csv(key, path)


def _csv_order(path: Path) -> tuple[int, str]:
    known = path.stem in ROW_MODELS
    return (BUNDLE_KEYS.index(path.stem) if known else len(BUNDLE_KEYS), path.stem)


def _read_csv(key: str, path: Path) -> Iterator[RawRow | Problem]:
    fields = ROW_MODELS[key].model_fields
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or ())
        for column in columns:
            if column not in fields:
                yield Problem(key, None, column, "unknown column")
        known = [column for column in columns if column in fields]
        for index, row in enumerate(reader):
            if None in row:
                yield Problem(key, index, None, "more cells than columns")
            yield key, index, {name: row[name] for name in known if row[name] not in ("", None)}
