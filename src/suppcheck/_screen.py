"""Population screening: regimens in, one flat row per person or per finding out.

:func:`screen` is the one function every engine runs — the serial loop, the
command line's worker pool, pandas and polars frames, Dask partitions, a
Spark ``mapInPandas``: a pure, picklable function of the records and the
knowledge base, so the same input gives the same rows wherever it runs.

The rows follow a documented, versioned flat schema (``SCHEMA_VERSIONS``) with
Arrow types (:func:`arrow_schema`), so that a million people fit in a Parquet
file of a few hundred bytes each instead of a 10 KB JSON report each. A
record that cannot be checked keeps its place as a row with ``input_error``
set: nothing is dropped, and ``line`` always says which input it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal

from ._errors import InputError, SuppcheckError
from ._kb.base import KnowledgeBase
from ._regimen import RegimenFile
from ._report import Report
from ._severity import Severity

if TYPE_CHECKING:
    import pyarrow

__all__ = [
    "FINDING_COLUMNS",
    "PERSON_COLUMNS",
    "SCHEMA_VERSIONS",
    "Shape",
    "arrow_schema",
    "columns",
    "rows_of",
    "screen",
    "screen_columns",
    "screen_schema",
    "screen_table",
]

Shape = Literal["person", "finding"]
# Each shape's version; a change a reader of the old one could trip on bumps it (finding/2 added foods).
SCHEMA_VERSIONS: dict[str, int] = {"person": 1, "finding": 2}
_SEVERITIES = tuple(reversed(Severity))  # worst first

# (name, Arrow type, meaning): the contract of each shape, in column order.
PERSON_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "string", "the regimen's own id, or null"),
    ("line", "int64", "1-based position of the record in the input"),
    ("max_severity", "string", "the worst finding's severity (contraindicated ... info), or null"),
    ("ok", "bool", "no finding is moderate or worse (null when the record could not be checked)"),
    ("complete", "bool", "every input was recognized (false when the record could not be checked)"),
    *((f"n_{s.value}", "int32", f"findings at severity {s.value}") for s in _SEVERITIES),
    ("codes", "list<string>", "the distinct finding codes, sorted"),
    ("rule_ids", "list<string>", "the distinct rule and limit ids, sorted"),
    ("over_upper_limit", "list<string>", "substances whose daily total exceeds their upper limit, sorted"),
    ("input_error", "string", "why the record could not be checked (its first problem), or null"),
)
FINDING_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("id", "string", "the regimen's own id, or null"),
    ("line", "int64", "1-based position of the record in the input"),
    ("code", "string", "the finding code (null on an input-error row)"),
    ("severity", "string", "the finding's severity"),
    ("evidence", "string", "the rule's evidence grade A-D, or null"),
    ("rule_id", "string", "the rule or limit that raised it"),
    ("substances", "list<string>", "substance ids"),
    ("medications", "list<string>", "medication ids"),
    ("conditions", "list<string>", "condition ids"),
    ("foods", "list<string>", "food ids (food findings)"),
    ("entries", "list<int32>", "zero-based regimen entries"),
    ("input_error", "string", "why the record could not be checked, or null (one such row per bad record)"),
)


def columns(shape: Shape) -> tuple[tuple[str, str, str], ...]:
    """The columns of a shape: (name, Arrow type, meaning)."""
    if shape == "person":
        return PERSON_COLUMNS
    if shape == "finding":
        return FINDING_COLUMNS
    raise ValueError(f"shape must be 'person' or 'finding', not {shape!r}")


def screen_columns(shape: Shape = "person") -> tuple[tuple[str, str, str], ...]:
    """The screening columns of a shape, in order: (name, Arrow type, meaning).

    The first columns of a finding row:

        >>> [name for name, _, _ in screen_columns("finding")][:4]
        ['id', 'line', 'code', 'severity']
    """
    return columns(shape)


def screen_schema(shape: Shape = "person") -> pyarrow.Schema:
    """The screening rows of a shape as a ``pyarrow.Schema`` (needs ``suppcheck[frames]``)."""
    return arrow_schema(shape)


@lru_cache(maxsize=2)  # every chunk of a batch encodes its rows with it
def arrow_schema(shape: Shape) -> pyarrow.Schema:
    """The shape's schema as a ``pyarrow.Schema`` (needs ``suppcheck[frames]``), with the version in its metadata."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "int64": pa.int64(),
        "int32": pa.int32(),
        "bool": pa.bool_(),
        "list<string>": pa.list_(pa.string()),
        "list<int32>": pa.list_(pa.int32()),
    }
    fields = [pa.field(name, types[kind]) for name, kind, _ in columns(shape)]
    return pa.schema(fields, metadata={b"suppcheck.schema": f"{shape}/{SCHEMA_VERSIONS[shape]}".encode()})


def screen(
    records: Iterable[Mapping[str, Any] | RegimenFile | str | bytes],
    *,
    knowledge: KnowledgeBase | None = None,
    shape: Shape = "person",
    first_line: int = 1,
) -> Iterator[dict[str, Any]]:
    """Check each record and yield its rows, in input order.

    A record is a mapping in the regimen format, a :class:`RegimenFile`, or
    one JSON document (a JSONL line, as text or UTF-8 bytes). ``shape``
    ``"person"`` yields one row per record; ``"finding"`` one row per finding
    (none for a record without findings), and for a record that cannot be
    checked one row with ``input_error`` set. ``first_line`` numbers the
    first record.

        >>> rows = list(screen([{"id": "m-1", "profile": {"age": 40},
        ...                      "regimen": [{"substance": "magnesium", "amount": "400 mg", "per_day": 2}]},
        ...                     '{"regimen": []}']))
        >>> [(r["id"], r["line"], r["max_severity"], r["over_upper_limit"]) for r in rows]
        [('m-1', 1, 'major', ['magnesium']), (None, 2, None, [])]
        >>> rows[1]["input_error"]
        'regimen: Tuple should have at least 1 item after validation, not 0'
    """
    from ._check import check

    columns(shape)  # an unknown shape fails before anything is checked
    for line, record in enumerate(records, start=first_line):
        ident: str | None = None
        try:
            regimen = _regimen(record, knowledge)
            ident = regimen.id
            report = check(regimen, knowledge=knowledge)
        except SuppcheckError as exc:
            yield from _error_rows(shape, line, _id_of(record) if ident is None else ident, exc.problems[0])
            continue
        yield from rows_of(report, line=line, shape=shape)


def rows_of(report: Report, *, line: int, shape: Shape) -> Iterator[dict[str, Any]]:
    """The rows of one checked report."""
    if shape == "finding":
        for f in report.findings:
            yield {
                "id": report.id,
                "line": line,
                "code": f.code,
                "severity": f.severity.value,
                "evidence": f.evidence.value if f.evidence else None,
                "rule_id": f.rule_id,
                "substances": list(f.substances),
                "medications": list(f.medications),
                "conditions": list(f.conditions),
                "foods": list(f.foods),
                "entries": list(f.entries),
                "input_error": None,
            }
        return
    counts = dict.fromkeys(_SEVERITIES, 0)
    for f in report.findings:
        counts[f.severity] += 1
    yield {
        "id": report.id,
        "line": line,
        "max_severity": report.max_severity.value if report.max_severity else None,
        "ok": report.ok,
        "complete": report.complete,
        **{f"n_{s.value}": counts[s] for s in _SEVERITIES},
        "codes": sorted({f.code for f in report.findings}),
        "rule_ids": sorted({f.rule_id for f in report.findings}),
        "over_upper_limit": sorted({t.substance for t in report.totals if (t.ratio_to_upper_limit or 0) > 1}),
        "input_error": None,
    }


def _error_rows(shape: Shape, line: int, ident: str | None, problem: str) -> Iterator[dict[str, Any]]:
    row: dict[str, Any] = {name: None for name, _, _ in columns(shape)}
    row.update(id=ident, line=line, input_error=problem)
    if shape == "person":
        row.update(complete=False, codes=[], rule_ids=[], over_upper_limit=[])
        row.update({f"n_{s.value}": 0 for s in _SEVERITIES})
    else:
        row.update(substances=[], medications=[], conditions=[], foods=[], entries=[])
    yield row


def _regimen(record: Mapping[str, Any] | RegimenFile | str | bytes, knowledge: KnowledgeBase | None) -> RegimenFile:
    if isinstance(record, RegimenFile):
        return record
    context = {"knowledge": knowledge} if knowledge is not None else None
    if isinstance(record, (str, bytes, bytearray)):
        # Whatever the text holds, validation names it, in the words a batch line's error uses.
        return RegimenFile.model_validate(_decoded(record), context=context)
    if not isinstance(record, Mapping):
        raise InputError(f"a record is a regimen mapping or a JSON object, not {type(record).__name__}")
    return RegimenFile.model_validate(record, context=context)


def _decoded(text: str | bytes | bytearray) -> Any:
    """One JSON record, read as the batch reads a line: bounded, every key once (see :mod:`._reading`)."""
    from ._reading import configured_limits, loads_json

    raw = bytes(text) if isinstance(text, bytearray) else text
    if isinstance(raw, bytes):
        raw = raw.rstrip(b"\r\n")
    return loads_json(raw, source=None, limits=configured_limits(), one_line=True)


def _id_of(record: object) -> str | None:
    """The ``id`` of a record that failed, where one can be read, so an error row joins back too."""
    if isinstance(record, (str, bytes, bytearray)):
        try:
            record = _decoded(record)
        except InputError:
            return None
    ident = record.get("id") if isinstance(record, Mapping) else None
    return ident if isinstance(ident, str) and 0 < len(ident) <= 200 else None


def screen_table(
    rows: Iterable[Mapping[str, Any]],
    *,
    knowledge: KnowledgeBase | None = None,
    shape: Shape = "person",
    first_row: int = 1,
    row_numbers: Sequence[int] | None = None,
) -> Iterator[dict[str, Any]]:
    """Screen rows in the table layout (:mod:`._tablelayout`: one row per supplement, grouped by ``id``).

    Each regimen's ``line`` is the 1-based row (counted from ``first_row``)
    where its id first appears; or, given ``row_numbers`` (one per row, for
    rows that were shuffled out of their input order), that row's number.
    """
    from ._tablelayout import regimens_from_rows

    columns(shape)
    for group in regimens_from_rows(rows):
        line = group.first_row + first_row - 1 if row_numbers is None else row_numbers[group.first_row - 1]
        if group.problem is not None:
            yield from _error_rows(shape, line, group.id or None, group.problem)
            continue
        yield from screen([group.record], knowledge=knowledge, shape=shape, first_line=line)
