"""Screening for data frames: ``check_frame(df)`` for pandas and polars (``pip install 'suppcheck[frames]'``).

A frame goes in in one of two layouts and comes back as a frame of
screening rows (the columns of ``suppcheck.screen_columns(shape)``, typed as
``suppcheck.screen_schema(shape)``), of the same library:

- a column of regimens (``regimen`` by default): each cell a mapping or a
  JSON document in the regimen format, one regimen per row; ``line`` is the
  row's 1-based position;
- the table layout pharmacy systems export: one row per supplement with the
  columns ``id``, ``age``, ``sex``, ``pregnant``, ``lactating``,
  ``conditions``, ``medications``, ``substance``, ``form``, ``amount``,
  ``basis``, ``per_day``, ``per_week``, ``times``, ``with_food`` (lists
  ``;``-separated); the rows of one ``id`` are one regimen, and ``line`` is
  the row where it first appears.

>>> import pandas as pd
>>> from suppcheck.frames import check_frame
>>> frame = pd.DataFrame({"id": ["m-1", "m-1", "m-2"], "age": [58, None, 40],
...                       "substance": ["magnesium", "vitamin D", "zinc"],
...                       "amount": ["400 mg", "1000 IU", "15 mg"], "per_day": [2, None, None]})
>>> out = check_frame(frame)
>>> out[["id", "line", "n_major", "n_info"]].values.tolist()
[['m-1', 1, 1, 1], ['m-2', 3, 0, 0]]
"""

from __future__ import annotations

from typing import Any

from ._kb.base import KnowledgeBase
from ._screen import Shape, arrow_schema, screen, screen_table
from ._tablelayout import check_columns

__all__ = ["check_frame"]


def check_frame(
    frame: Any,
    *,
    shape: Shape = "person",
    knowledge: KnowledgeBase | None = None,
    regimen_column: str = "regimen",
) -> Any:
    """Screen every regimen in a pandas or polars frame; a frame of rows of the same library comes back.

    ``shape`` is ``"person"`` (one row per regimen) or ``"finding"`` (one row
    per finding). A frame with neither a ``regimen_column`` nor the table
    layout's ``id`` column, or with an unknown column (other than one whose
    name starts with ``_``), raises :class:`~suppcheck.InputError` before
    anything is checked; a regimen that cannot be checked keeps its place as
    a row with ``input_error`` set.
    """
    import pyarrow as pa

    library = _library(frame)
    names = [str(c) for c in frame.columns]
    if regimen_column in names:
        cells = frame[regimen_column].tolist() if library == "pandas" else frame[regimen_column].to_list()
        rows = screen(cells, knowledge=knowledge, shape=shape)
    else:
        check_columns(names, source="frame")
        records = frame.to_dict("records") if library == "pandas" else frame.to_dicts()
        rows = screen_table(records, knowledge=knowledge, shape=shape)
    table = pa.Table.from_pylist(list(rows), schema=arrow_schema(shape))
    if library == "pandas":
        return table.to_pandas()
    import polars as pl

    return pl.from_arrow(table)


def _library(frame: Any) -> str:
    module = type(frame).__module__.split(".", 1)[0]
    if module in ("pandas", "polars"):
        return module
    raise TypeError(f"check_frame takes a pandas or polars DataFrame, not {type(frame).__name__}")
