"""Parquet input for ``check --batch FILE.parquet`` (needs ``suppcheck[frames]``).

A Parquet file holds regimens in one of the two layouts ``check_frame``
reads: a ``regimen`` column (each cell a regimen as JSON text, or as a
struct), one regimen a row; or the table layout, one row per supplement,
grouped by ``id``. Either becomes the batch's numbered JSON lines, so every
engine checks it as it checks a JSONL file, and ``line`` is the 1-based row
(where an id first appears, in the table layout).

A regimen column is read a row group at a time; the table layout is grouped
in memory first, as a CSV export is, since one regimen's rows may lie anywhere
in the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ._batch import TABLE_PROBLEMS, NumberedLines
from ._errors import InputError, Problem
from ._reading import check_tree, configured_limits
from ._tablelayout import check_columns, regimens_from_rows

if TYPE_CHECKING:
    import pyarrow.parquet as pq

__all__ = ["REGIMEN_COLUMN", "parquet_lines"]

REGIMEN_COLUMN = "regimen"
_BATCH_ROWS = 4096


def parquet_lines(path: str) -> tuple[NumberedLines, bool]:
    """The file's regimens as numbered JSON lines, and whether they are in the table layout.

    Raises :class:`InputError` naming the file when it is not Parquet, or
    when its columns are neither a ``regimen`` column nor the table layout,
    before anything is checked.
    """
    import pyarrow.parquet as pq

    try:
        handle = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(Problem(f"not a readable Parquet file: {exc}", "parquet_invalid"), source=path) from None
    names = list(handle.schema_arrow.names)
    if REGIMEN_COLUMN in names:
        return NumberedLines(_cells(handle, path)), False
    try:
        check_columns(names, source=path)
    except InputError as exc:
        hint = f"or give a {REGIMEN_COLUMN!r} column holding one regimen a row, as JSON text or a struct"
        raise InputError([*exc.problems, hint], source=path) from None
    return NumberedLines(_table(handle, path)), True


def _batches(handle: pq.ParquetFile, path: str, columns: list[str] | None) -> Iterator[list[Any]]:
    """The rows of each record batch: cells of one column, or mappings of the named columns."""
    try:
        for batch in handle.iter_batches(batch_size=_BATCH_ROWS, columns=columns):
            yield batch.column(0).to_pylist() if columns == [REGIMEN_COLUMN] else batch.to_pylist()
    except (OSError, ValueError) as exc:
        raise InputError(
            Problem(f"the Parquet file cannot be read on: {exc}", "parquet_invalid"), source=path
        ) from None


def _cells(handle: pq.ParquetFile, path: str) -> Iterator[tuple[int, bytes]]:
    row = 0
    for cells in _batches(handle, path, [REGIMEN_COLUMN]):
        for cell in cells:
            row += 1
            yield row, _line(cell)


def _line(cell: object) -> bytes:
    """One regimen cell as a JSON line: text as it is, a struct as JSON, an empty cell as ``null`` (reported)."""
    if isinstance(cell, bytes):  # a binary column: its bytes, judged as a JSONL line's are (UTF-8 or not)
        return cell if cell.strip() else b"null"
    if isinstance(cell, str):
        return cell.encode("utf-8", "surrogatepass") if cell.strip() else b"null"
    return json.dumps(_present(cell), ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")


def _present(value: object) -> object:
    """A struct cell without its null fields: Parquet gives every field of a struct, and null means not given."""
    if isinstance(value, dict):
        return {key: _present(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_present(item) for item in value]
    return value


def _table(handle: pq.ParquetFile, path: str) -> Iterator[tuple[int, bytes]]:
    limits = configured_limits()

    def rows() -> Iterator[dict[str, Any]]:
        for batch in _batches(handle, path, None):
            yield from batch

    for group in regimens_from_rows(rows()):
        record: dict[str, Any] = group.record
        problem: str | None = group.problem
        if problem is None:
            label = f"{path} row {group.first_row}"
            try:
                check_tree(record, limits, source=label)
            except InputError as exc:
                problem = exc.problems[0]
        if problem is not None:
            record = {TABLE_PROBLEMS: [problem]}
            if group.id:
                record["id"] = group.id
        yield group.first_row, json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
