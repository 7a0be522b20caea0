"""The table layout pharmacy systems export: one row per supplement, grouped by a patient id.

Columns (a header names them; any order; every one but ``id`` optional):
``id``, ``age``, ``sex``, ``pregnant``, ``lactating``, ``conditions`` and
``medications`` (``;``-separated lists), ``substance``, ``form``, ``amount``,
``strength``, ``basis``, ``per_day`` (a number, or a frequency in words),
``per_week``, ``every_days``, ``frequency``, ``times`` (``;``-separated),
``with_food``, and ``foods`` (the day's foods and drinks, a ``;``-separated
list of names, like ``medications``). A column whose name starts with ``_`` is the caller's own and
is ignored; any other unknown column is an error. The rows of one ``id``
make one regimen, in the order the ids first appear; the profile columns must
agree on every row of an id (or be empty on all but one).

>>> groups = regimens_from_rows([
...     {"id": "m-1", "age": "58", "sex": "female", "medications": "doxycycline;furosemide",
...      "substance": "magnesium", "form": "citrate", "amount": "400 mg", "per_day": "2", "times": "08:00;22:00"},
...     {"id": "m-1", "substance": "vitamin D", "amount": "1000 IU"},
... ])
>>> [(g.id, g.first_row, len(g.record["regimen"])) for g in groups]
[('m-1', 1, 2)]
>>> groups[0].record["profile"]["medications"]
['doxycycline', 'furosemide']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from ._errors import InputError

__all__ = ["COLUMNS", "Group", "check_columns", "regimens_from_rows"]

PROFILE_COLUMNS = ("age", "sex", "pregnant", "lactating", "conditions", "medications")
ENTRY_COLUMNS = (
    "substance",
    "form",
    "amount",
    "strength",
    "basis",
    "per_day",
    "per_week",
    "every_days",
    "frequency",
    "times",
    "with_food",
)
# Columns of the whole regimen beside its profile: the day's foods and drinks, by name.
REGIMEN_COLUMNS = ("foods",)
COLUMNS = ("id", *PROFILE_COLUMNS, *ENTRY_COLUMNS, *REGIMEN_COLUMNS)
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


class Group(NamedTuple):
    """One regimen read from a table: its id, the 1-based row it starts on, and the mapping (or its problem)."""

    id: str
    first_row: int
    record: dict[str, Any]
    problem: str | None = None


def check_columns(names: Iterable[str], *, source: str = "table") -> None:
    """Raise :class:`InputError` naming every unknown column (those starting with ``_`` are the caller's)."""
    given = list(names)
    unknown = [n for n in given if n not in COLUMNS and not str(n).startswith("_")]
    problems = [f"column {n!r}: unknown column (known: {', '.join(COLUMNS)}; prefix your own with _)" for n in unknown]
    if "id" not in given:
        problems.append("column 'id' is required: it groups the rows of one regimen")
    if problems:
        raise InputError(problems, source=source)


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN: a missing cell in a data frame
        return True
    return isinstance(value, str) and not value.strip()


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a frame's number column holds 58 as 58.0
    return value.strip() if isinstance(value, str) else str(value)


def _list(value: Any) -> list[str]:
    return [part.strip() for part in _text(value).split(";") if part.strip()]


def _flag(value: Any, column: str, row: int) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"row {row}.{column}: {value!r} is not true or false")


def _whole(value: Any, column: str, row: int) -> int:
    if isinstance(value, bool):
        raise ValueError(f"row {row}.{column}: {value!r} is not a whole number")
    try:
        number = float(_text(value))
    except ValueError:
        raise ValueError(f"row {row}.{column}: {value!r} is not a whole number") from None
    if not number.is_integer():
        raise ValueError(f"row {row}.{column}: {value!r} is not a whole number")
    return int(number)


def _profile_value(column: str, value: Any, row: int) -> Any:
    if column == "age":
        try:
            return float(_text(value))
        except ValueError:
            raise ValueError(f"row {row}.age: {value!r} is not a number of years") from None
    if column in ("pregnant", "lactating"):
        return _flag(value, column, row)
    if column in ("conditions", "medications"):
        return _list(value)
    return _text(value)


def _entry(row: Mapping[str, Any], number: int) -> dict[str, Any]:
    entry: dict[str, Any] = {}
    for column in ENTRY_COLUMNS:
        value = row.get(column)
        if _blank(value):
            continue
        if column == "per_day" and isinstance(value, str) and not value.strip().replace(".", "", 1).isdigit():
            entry[column] = _text(value)  # a frequency in words ("twice daily"): the regimen format reads it
        elif column in ("per_day", "per_week", "every_days"):
            entry[column] = _whole(value, column, number)
        elif column == "times":
            entry[column] = _list(value)
        elif column == "with_food":
            entry[column] = _flag(value, column, number)
        else:
            entry[column] = _text(value)
    return entry


def regimens_from_rows(rows: Iterable[Mapping[str, Any]], *, row_numbers: Sequence[int] | None = None) -> list[Group]:
    """Rows (mappings from column name to cell) to one regimen mapping per ``id``, in first-seen order.

    A group whose cells cannot be read keeps its place with ``problem`` set
    (the row and column named); it is never dropped. Messages number the rows
    from 1, or as ``row_numbers`` gives them (a file's rows, the header being
    row 1); ``first_row`` stays the 1-based position in ``rows``.
    """
    groups: dict[str, Group] = {}
    for position, row in enumerate(rows, start=1):
        number = position if row_numbers is None else row_numbers[position - 1]
        raw_id = row.get("id")
        ident = "" if _blank(raw_id) else _text(raw_id)
        if not ident:
            key = f"\0row {number}"  # a row without an id is a group of its own, reported
            groups[key] = Group("", position, {}, f"row {number}.id: every row needs the regimen's id")
            continue
        group = groups.get(ident)
        if group is None:
            group = groups[ident] = Group(ident, position, {"id": ident, "profile": {}, "regimen": []})
        if group.problem is not None:
            continue
        try:
            _merge_row(group, row, number)
        except ValueError as exc:
            groups[ident] = group._replace(problem=str(exc))
    return list(groups.values())


def _merge_row(group: Group, row: Mapping[str, Any], number: int) -> None:
    """One row's cells into its group's regimen: the person's columns must agree with earlier rows."""
    profile = group.record["profile"]
    for columns, target, parse in (
        (PROFILE_COLUMNS, profile, lambda column, value: _profile_value(column, value, number)),
        (REGIMEN_COLUMNS, group.record, lambda _column, value: _list(value)),
    ):
        for column in columns:
            value = row.get(column)
            if _blank(value):
                continue
            parsed = parse(column, value)
            if column in target and target[column] != parsed:
                raise ValueError(
                    f"row {number}.{column}: {_text(value)!r} disagrees with an earlier row of id {group.id!r}"
                )
            target[column] = parsed
    entry = _entry(row, number)
    if entry:
        group.record["regimen"].append(entry)
