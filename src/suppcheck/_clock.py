"""Times of day: ``HH:MM`` clock times and the named slots of a day."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

SLOTS: tuple[str, ...] = ("wake", "breakfast", "lunch", "dinner", "bedtime")
SLOT_ALIASES: dict[str, str] = {"morning": "breakfast", "noon": "lunch", "evening": "dinner", "night": "bedtime"}
DEFAULT_DAY: dict[str, str] = {
    "wake": "07:00",
    "breakfast": "07:30",
    "lunch": "12:30",
    "dinner": "18:30",
    "bedtime": "22:30",
}
MEAL_SLOTS = frozenset({"breakfast", "lunch", "dinner"})
_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


# Schedules repeat a handful of spellings, so both lookups remember them (bounded).
@lru_cache(maxsize=1024)
def clock_minutes(text: str) -> int | None:
    """Minutes after midnight of an ``HH:MM`` time, or None if it is not one.

    >>> clock_minutes("06:30"), clock_minutes("23:59"), clock_minutes("24:00")
    (390, 1439, None)
    """
    match = _CLOCK.match(text.strip())
    if match is None:
        return None
    return int(match.group(1)) * 60 + int(match.group(2))


@lru_cache(maxsize=1024)
def slot_name(text: str) -> str | None:
    """The canonical slot a name refers to (``night`` is ``bedtime``), or None."""
    key = text.strip().casefold()
    key = SLOT_ALIASES.get(key, key)
    return key if key in SLOTS else None


def is_time(text: str) -> bool:
    """Whether ``text`` is a time the regimen format accepts (a clock time or a slot name)."""
    return clock_minutes(text) is not None or slot_name(text) is not None


def resolve(text: str, day: Mapping[str, str]) -> int:
    """Clock minutes of a time or slot name, with slot times from ``day``.

    >>> resolve("night", {"bedtime": "23:00"})
    1380
    >>> resolve("lunch", {})
    750
    """
    minutes = clock_minutes(text)
    if minutes is not None:
        return minutes
    slot = slot_name(text)
    if slot is None:
        raise ValueError(f"{text!r} is neither HH:MM nor a slot name")
    value = clock_minutes(day.get(slot) or DEFAULT_DAY[slot])
    assert value is not None  # day values are validated on input
    return value


def format_minutes(minutes: int) -> str:
    """``HH:MM`` of minutes after midnight, wrapping around the day.

    >>> format_minutes(1500)
    '01:00'
    """
    return _format(minutes % 1440)


@lru_cache(maxsize=1440)  # messages and plans format the same few times over and over
def _format(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
