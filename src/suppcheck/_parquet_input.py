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
from typing import TYPE_CHECKING

from ._batch import NumberedLines, numbered_lines
from ._errors import InputError, Problem
from ._readers.csv import table_documents
from ._reading import configured_limits
from ._tablelayout import check_columns

if TYPE_CHECKING:
    import pyarrow as pa
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


def _batches(handle: pq.ParquetFile, path: str, columns: list[str] | None) -> Iterator[pa.RecordBatch]:
    """The file's record batches, of these columns (None: all); a file that breaks off is an input error."""
    try:
        yield from handle.iter_batches(batch_size=_BATCH_ROWS, columns=columns)
    except (OSError, ValueError) as exc:
        raise InputError(
            Problem(f"the Parquet file cannot be read on: {exc}", "parquet_invalid"), source=path
        ) from None


def _cells(handle: pq.ParquetFile, path: str) -> Iterator[tuple[int, bytes]]:
    row = 0
    for batch in _batches(handle, path, [REGIMEN_COLUMN]):
        for cell in batch.column(0).to_pylist():
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
    rows = (row for batch in _batches(handle, path, None) for row in batch.to_pylist())
    documents = table_documents(rows, source=path, limits=configured_limits(), kind="parquet_cell")
    return numbered_lines(documents)
