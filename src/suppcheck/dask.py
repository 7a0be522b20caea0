"""Screening on a Dask cluster (``pip install 'suppcheck[dask]'``): bags and data frames of regimens.

Every partition runs :func:`suppcheck.screen`, the same function the serial
loop and the command line run, so a cluster gives the rows a laptop gives.
Each worker process loads the knowledge base once (the bundled one, or the
bundled one with a clinic's rules files, whose bytes travel with the graph
once and are validated once per worker) and keeps it for every task.

    >>> import dask.bag as db
    >>> from suppcheck.dask import check_bag
    >>> bag = db.from_sequence(['{"id": "a", "regimen": [{"substance": "zinc", "amount": "50 mg"}]}', "oops"],
    ...                        npartitions=2)
    >>> [(r["id"], r["line"], r["max_severity"], r["input_error"] is None) for r in check_bag(bag).compute(
    ...     scheduler="synchronous")]
    [('a', 1, 'moderate', True), (None, 2, None, False)]
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ._kb.base import KnowledgeBase
from ._screen import Shape, arrow_schema, columns, rows_of, screen, screen_table
from ._tablelayout import check_columns

__all__ = ["check_bag", "check_dataframe", "knowledge_from_files"]

RulesFiles = tuple[tuple[str, bytes], ...]


def _read_rules(extra: Iterable[str | os.PathLike[str]]) -> RulesFiles:
    return tuple((Path(p).name, Path(p).read_bytes()) for p in extra)


@lru_cache(maxsize=8)
def knowledge_from_files(files: RulesFiles) -> KnowledgeBase | None:
    """The bundled knowledge base with these rules files (name, bytes), built once per process.

    ``None`` (the bundled one, loaded once per process) when there are none.
    Workers receive the files' bytes, not paths, so they need not share the
    client's file system.
    """
    if not files:
        return None
    from ._kb.loader import load_knowledge

    folder = Path(tempfile.mkdtemp(prefix="suppcheck-rules-"))
    paths = []
    for index, (name, data) in enumerate(files):
        path = folder / f"{index}-{Path(name).name}"
        path.write_bytes(data)
        paths.append(path)
    return load_knowledge(extra=paths)


def _bag_partition(records: Iterable[Any], first: int, shape: Shape, files: RulesFiles) -> list[dict[str, Any]]:
    return list(screen(records, knowledge=knowledge_from_files(files), shape=shape, first_line=first))


def _count(records: Iterable[Any]) -> list[int]:
    return [sum(1 for _ in records)]


def check_bag(bag: Any, *, shape: Shape = "person", extra: Sequence[str | os.PathLike[str]] = ()) -> Any:
    """A bag of screening rows (dicts) for a bag of regimens (mappings, ``RegimenFile``s or JSON lines).

    ``line`` counts records across the whole bag from 1, as the serial
    :func:`suppcheck.screen` would; to know each partition's first line the
    bag's partitions are counted first (one extra pass over them).
    """
    import dask.bag as db
    from dask.delayed import delayed

    columns(shape)
    files = delayed(_read_rules(extra), pure=True)
    sizes = bag.map_partitions(_count).compute()
    firsts = [1 + sum(sizes[:i]) for i in range(len(sizes))]
    parts = [
        delayed(_bag_partition, pure=True)(part, first, shape, files)
        for part, first in zip(bag.to_delayed(), firsts, strict=True)
    ]
    return db.from_delayed(parts)  # type: ignore[no-untyped-call]


def _meta(shape: Shape) -> Any:
    return arrow_schema(shape).empty_table().to_pandas()


def _frame_rows(rows: list[dict[str, Any]], shape: Shape) -> Any:
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=arrow_schema(shape)).to_pandas()


def _regimen_partition(
    frame: Any, firsts: Sequence[int], column: str, shape: Shape, files: RulesFiles, partition_info: Any = None
) -> Any:
    number = partition_info["number"] if partition_info else 0
    kb = knowledge_from_files(files)
    rows = list(screen(frame[column].tolist(), knowledge=kb, shape=shape, first_line=firsts[number]))
    return _frame_rows(rows, shape)


def _numbered(frame: Any, firsts: Sequence[int], partition_info: Any = None) -> Any:
    number = partition_info["number"] if partition_info else 0
    return frame.assign(_suppcheck_row=range(firsts[number], firsts[number] + len(frame)))


def _table_partition(frame: Any, shape: Shape, files: RulesFiles) -> Any:
    ordered = frame.sort_values("_suppcheck_row")
    numbers = ordered["_suppcheck_row"].tolist()
    records = ordered.drop(columns="_suppcheck_row").to_dict("records")
    kb = knowledge_from_files(files)
    return _frame_rows(list(screen_table(records, knowledge=kb, shape=shape, row_numbers=numbers)), shape)


def check_dataframe(
    frame: Any,
    *,
    shape: Shape = "person",
    regimen_column: str = "regimen",
    extra: Sequence[str | os.PathLike[str]] = (),
) -> Any:
    """A Dask data frame of screening rows for a Dask data frame of regimens.

    Either a ``regimen_column`` of regimens (mappings or JSON), rows in input
    order, or the table layout (one row per supplement, grouped by ``id``,
    see :func:`suppcheck.frames.check_frame`). In the table layout the rows
    of one id may sit in different partitions, so the frame is shuffled on
    ``id`` first and the rows come back grouped by partition, not in input
    order: sort on ``line`` where order matters.
    """
    from dask.delayed import delayed

    columns(shape)
    files = delayed(_read_rules(extra), pure=True)
    sizes = frame.map_partitions(len).compute()
    firsts = [1 + int(sum(sizes[:i])) for i in range(len(sizes))]
    names = [str(c) for c in frame.columns]
    if regimen_column in names:
        return frame.map_partitions(
            _regimen_partition, firsts, regimen_column, shape, files, meta=_meta(shape), align_dataframes=False
        )
    check_columns(names, source="frame")
    numbered = frame.map_partitions(_numbered, firsts, align_dataframes=False)
    shuffled = numbered.shuffle(on="id")
    return shuffled.map_partitions(_table_partition, shape, files, meta=_meta(shape), align_dataframes=False)


def rows_of_report(report: Any, line: int, shape: Shape) -> list[dict[str, Any]]:
    """:func:`suppcheck._screen.rows_of` as a list (for a Spark ``mapInPandas`` over reports)."""
    return list(rows_of(report, line=line, shape=shape))
