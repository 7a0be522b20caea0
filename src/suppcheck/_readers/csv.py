"""CSV as pharmacy systems export it: one row per supplement, the rows of one ``id`` making one regimen.

The columns are those of :mod:`suppcheck._tablelayout` (documented in
``docs/regimen-format.md``); a header row names them. Rows are counted as a
spreadsheet shows them, the header being row 1. The rows of one id need not
be adjacent, so the whole file is grouped before the first regimen is
checked.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from .._errors import InputError, Problem
from .._reading import Limits, check_tree
from .._tablelayout import COLUMNS, check_columns, regimens_from_rows


class _Csv:
    name = "csv"
    suffixes: tuple[str, ...] = (".csv",)
    many = True

    def looks_like(self, text: str) -> bool:
        first = text.lstrip("\ufeff").split("\n", 1)[0]
        if "," not in first:
            return False
        names = {cell.strip().strip('"') for cell in first.split(",")}
        return "id" in names and len(names & set(COLUMNS)) >= 2

    def documents(self, text: str, *, source: str, limits: Limits) -> Iterator[Any]:

        # strict: a quote still open at the end is a file cut short, not a cell that runs to its end.
        reader = csv.DictReader(io.StringIO(text, newline=""), restkey="\0extra", strict=True)
        try:
            header = reader.fieldnames
            if not header:
                raise InputError(Problem("no header row: the first row names the columns", "csv_header"), source=source)
            names = [name.strip() for name in header]
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                raise InputError(
                    [Problem(f"column {n!r} appears more than once in the header", "csv_header") for n in repeated],
                    source=source,
                )
            check_columns(names, source=source)
            rows: list[dict[str, Any]] = []
            numbers: list[int] = []
            extra: list[Problem] = []
            for row in reader:
                number = reader.line_num
                if "\0extra" in row:
                    extra.append(Problem(f"row {number}: more cells than the header has columns", "csv_row"))
                    continue
                rows.append({key.strip(): value for key, value in row.items() if key is not None})
                numbers.append(number)
        except csv.Error as exc:
            # The row that failed is not counted yet: name the last one read.
            detail = " (a quoted cell is still open: is the file cut short?)" if "end of data" in str(exc) else ""
            problem = Problem(f"invalid CSV after row {reader.line_num}: {exc}{detail}", "csv_invalid")
            raise InputError(problem, source=source) from None
        if extra:
            raise InputError(extra, source=source)
        yield from table_documents(rows, source=source, limits=limits, row_numbers=numbers)


def table_documents(
    rows: Iterable[Mapping[str, Any]],
    *,
    source: str,
    limits: Limits,
    row_numbers: Sequence[int] | None = None,
    kind: str = "csv_cell",
) -> Iterator[Any]:
    """Rows in the table layout as one document per id, each bounded by ``limits``, at the row it starts on.

    Rows are numbered as ``row_numbers`` gives them (a CSV file's, the header
    being row 1), else from 1; a regimen whose cells cannot be read is a
    document with its error (of type ``kind``), never dropped.
    """
    from . import Document

    for group in regimens_from_rows(rows, row_numbers=row_numbers):
        line = row_numbers[group.first_row - 1] if row_numbers else group.first_row
        label = f"{source} row {line}" + (f" ({group.id})" if group.id else "")
        if group.problem is not None:
            error = InputError(Problem(group.problem, kind), source=source)
            yield Document(label, None, error, line, group.id or None)
            continue
        try:
            check_tree(group.record, limits, source=label)
        except InputError as exc:
            yield Document(label, None, exc, line, group.id or None)
            continue
        yield Document(label, group.record, None, line, group.id or None)


READER = _Csv()
