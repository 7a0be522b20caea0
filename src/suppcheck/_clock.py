"""Times of day (``HH:MM`` clock times and the named slots of a day) and how often a day.

Times and frequencies arrive spelled many ways (``08:00:00`` from FHIR
``timeOfDay``, ``8am``, ``with breakfast``, FHIR ``when`` codes such as ``HS``;
``twice daily``, ``bid``, ``every other day``). :func:`normalise` and
:func:`parse_frequency` read them into the canonical forms the rest of the
package uses (``HH:MM`` or a slot name; per_day / per_week / every_days), and
refuse what could be read two ways, saying how to write it.

The grammar is small and closed, so it is a few regular expressions and
tables here. The general date parsers guess where this must refuse: dateutil
reads ``"8"`` as the 8th of the month and knows neither ``noon`` nor meal
phrases nor FHIR codes; and they would add an import to every check.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import NamedTuple

from ._units import plain_text

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
_CLOCK = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9])$")
# FHIR timeOfDay is HH:MM:SS with optional fractional seconds.
_SECONDS = re.compile(r"^([01]?[0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]{1,9}))?$")
_TWELVE = re.compile(r"^([0-9]{1,2})(?:[:.]([0-5][0-9]))?\s*([ap])\.?\s*m\.?$")
_BARE_HOUR = re.compile(r"^([0-9]{1,2})(?:[:.]([0-5][0-9]))?\s*(?:o'?clock|h)?$")


class TimeError(ValueError):
    """A time or frequency that cannot be read, or can be read two ways; the message says how to write it."""


def _phrases() -> dict[str, str]:
    out: dict[str, str] = {}
    for meal in MEAL_SLOTS:
        # One time per meal in the day model: a dose before or after a meal is placed at the meal.
        for lead in ("", "with ", "at ", "during ", "after ", "before "):
            out[f"{lead}{meal}"] = meal
            if lead:
                out[f"{lead}the {meal}"] = meal
    for phrase in (
        "at bedtime",
        "bed time",
        "at bed time",
        "before bed",
        "before bedtime",
        "before sleep",
        "at night",
        "hour of sleep",
    ):
        out[phrase] = "bedtime"
    for phrase in (
        "waking",
        "on waking",
        "upon waking",
        "on waking up",
        "upon waking up",
        "when waking",
        "after waking",
        "on rising",
        "upon rising",
        "on wakening",
        "empty stomach",
        "on an empty stomach",
        "on empty stomach",
    ):
        out[phrase] = "wake"
    for phrase in ("in the morning", "every morning"):
        out[phrase] = "breakfast"
    for phrase in ("in the evening", "every evening"):
        out[phrase] = "dinner"
    out["midday"] = "lunch"
    return out


# Phrases people and pharmacy systems write, to the slot they mean.
SLOT_PHRASES: dict[str, str] = _phrases()

# FHIR R4 EventTiming (http://hl7.org/fhir/ValueSet/event-timing: the event-timing
# codes and HL7 v3 TimingEvent) to the day's slots. Codes whose time the day model
# has no slot for are refused below with what to write instead.
FHIR_WHEN: dict[str, str] = {
    "WAKE": "wake",  # after waking
    "CM": "breakfast",  # at breakfast (cibus matutinus)
    "CD": "lunch",  # at lunch (cibus diurnus)
    "CV": "dinner",  # at dinner (cibus vespertinus)
    "ACM": "breakfast",  # before breakfast: placed at the meal, see SLOT_PHRASES
    "ACD": "lunch",
    "ACV": "dinner",
    "PCM": "breakfast",  # after breakfast
    "PCD": "lunch",
    "PCV": "dinner",
    "HS": "bedtime",  # before the hour of sleep
    "MORN": "breakfast",  # during the morning: as the 'morning' alias
    "NOON": "lunch",  # around 12:00: as the 'noon' alias
    "EVE": "dinner",  # during the evening: as the 'evening' alias
    "NIGHT": "bedtime",  # during the night: as the 'night' alias
}
_NO_MEAL = "names no meal: give one time per dose, e.g. 'breakfast', 'lunch' or 'dinner' (FHIR CM, CD, CV)"
_NO_SLOT = "has no slot in the day (wake, breakfast, lunch, dinner, bedtime): write the dose's clock time, e.g. '15:00'"
_REFUSED: dict[str, str] = {
    **dict.fromkeys(
        (
            "c",
            "ac",
            "pc",
            "with meals",
            "with a meal",
            "with food",
            "at meals",
            "before meals",
            "after meals",
            "with each meal",
            "meals",
        ),
        _NO_MEAL,
    ),
    **dict.fromkeys(
        (
            "aft",
            "afternoon",
            "in the afternoon",
            "ic",
            "icm",
            "icd",
            "icv",
            "between meals",
            "morn.early",
            "morn.late",
            "aft.early",
            "aft.late",
            "eve.early",
            "eve.late",
            "phs",
            "after sleep",
        ),
        _NO_SLOT,
    ),
}


class Frequency(NamedTuple):
    """How often an entry is taken: exactly one of per_day, per_week, every_days; a slot it implies."""

    per_day: int | None = None
    per_week: int | None = None
    every_days: int | None = None
    slot: str | None = None

    @property
    def doses_per_day(self) -> int:
        """How many times a day it is given (1 for weekly and every-N-days dosing)."""
        return self.per_day or 1


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


def _key(text: str) -> str:
    # Any script's digits (٠٨:٠٠, ０８:００) as ASCII, as in amounts.
    return " ".join(plain_text(text).strip().casefold().split())


@lru_cache(maxsize=1024)
def normalise_clock(text: str) -> str:
    """A clock time in any accepted spelling as ``HH:MM``; raise :class:`TimeError` otherwise.

    >>> normalise_clock("8:30 pm"), normalise_clock("08:00:00"), normalise_clock("midnight")
    ('20:30', '08:00', '00:00')
    """
    key = _key(text)
    minutes = clock_minutes(key)
    if minutes is not None:
        return _format(minutes)
    if key in ("midnight", "12 midnight"):
        return "00:00"
    if key == "12 noon":
        return "12:00"
    match = _SECONDS.match(key)
    if match is not None:
        if int(match.group(3)) or int(match.group(4) or 0):
            raise TimeError(
                f"{text!r} has seconds: times are to the minute, write "
                f"'{int(match.group(1)):02d}:{match.group(2)}' (HH:MM)"
            )
        return _format(int(match.group(1)) * 60 + int(match.group(2)))
    match = _TWELVE.match(key)
    if match is not None:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if not 1 <= hour <= 12:
            raise TimeError(f"{text!r} is not a 12-hour time (hours 1-12 with am/pm): write HH:MM (24-hour)")
        return _format((hour % 12 + (12 if match.group(3) == "p" else 0)) * 60 + minute)
    match = _BARE_HOUR.match(key)
    if match is not None and 1 <= int(match.group(1)) <= 12 and not key.startswith("0"):
        hour, mm = int(match.group(1)), match.group(2) or "00"
        raise TimeError(
            f"{text!r} could be morning or evening: write '{hour:02d}:{mm}' or "
            f"'{hour + 12 if hour < 12 else 0:02d}:{mm}' (24-hour), or add am/pm"
        )
    if key == "24:00":
        raise TimeError("'24:00' is not a time of day: write '00:00' for midnight")
    raise TimeError(f"{text!r} is not a time: write HH:MM (24-hour), HH:MM:SS, '8am' or '8:30 pm'")


@lru_cache(maxsize=1024)
def normalise(text: str) -> str:
    """A time in any accepted spelling as ``HH:MM`` or a slot name; raise :class:`TimeError` otherwise.

    >>> [normalise(t) for t in ("08:00:00", "8am", "with breakfast", "HS", "night", "before bed")]
    ['08:00', '08:00', 'breakfast', 'bedtime', 'bedtime', 'bedtime']
    """
    key = _key(text).rstrip(".")
    slot = slot_name(key) or SLOT_PHRASES.get(key) or FHIR_WHEN.get(key.upper())
    if slot is not None:
        return slot
    refused = _REFUSED.get(key)
    if refused is not None:
        raise TimeError(f"{text!r} {refused}")
    try:
        return normalise_clock(text)
    except TimeError as exc:
        if _CLOCKISH.match(key):
            raise
        raise TimeError(
            f"{text!r} is not a time: use HH:MM (24-hour), '8am', a slot name "
            f"({', '.join(SLOTS + tuple(SLOT_ALIASES))}), a phrase such as 'with breakfast' or "
            "'at bedtime', or a FHIR 'when' code such as HS"
        ) from exc


_CLOCKISH = re.compile(r"^[0-9]")


def is_time(text: str) -> bool:
    """Whether :func:`normalise` accepts ``text`` (a clock time or a slot, in any accepted spelling)."""
    try:
        normalise(text)
    except TimeError:
        return False
    return True


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
    try:
        canonical = normalise(text)
    except TimeError:
        raise ValueError(f"{text!r} is neither HH:MM nor a slot name") from None
    minutes = clock_minutes(canonical)
    if minutes is not None:
        return minutes
    value = clock_minutes(day.get(canonical) or DEFAULT_DAY[canonical])
    assert value is not None  # day values are validated on input
    return value


_WORDS = {"once": 1, "one": 1, "twice": 2, "two": 2, "thrice": 3, "three": 3, "four": 4, "five": 5, "six": 6}
_COUNT = rf"([0-9]{{1,2}}|{'|'.join(_WORDS)})(?:\s*(?:times?|x))?"
_DAILY = re.compile(rf"^{_COUNT}\s*(?:a|per|each|every|/)?\s*(?:day|daily|d)$")
_WEEKLY = re.compile(rf"^{_COUNT}\s*(?:a|per|each|every|/)?\s*(?:week|weekly|wk)$")
_EVERY_DAYS = re.compile(r"^(?:every|q)\s*([0-9]{1,2})\s*(?:days?|d)$")
_EVERY_HOURS = re.compile(r"^(?:every|q)\s*([0-9]{1,2})\s*(?:hours?|hrs?|h)$")
_ABBREVIATIONS: dict[str, Frequency] = {
    **{k: Frequency(per_day=1) for k in ("qd", "od", "daily", "once daily", "every day", "each day", "a day")},
    **{k: Frequency(per_day=2) for k in ("bid", "bd")},
    **{k: Frequency(per_day=3) for k in ("tid", "tds")},
    **{k: Frequency(per_day=4) for k in ("qid", "qds")},
    **{k: Frequency(per_day=1, slot="bedtime") for k in ("qhs", "nightly", "every night", "each night")},
    **{
        k: Frequency(every_days=2)
        for k in ("every other day", "every second day", "alternate days", "on alternate days", "qod", "eod")
    },
    **{k: Frequency(per_week=1) for k in ("weekly", "once weekly", "every week", "each week", "qw", "qwk")},
}
_FREQUENCY_REFUSED: dict[str, str] = {
    **dict.fromkeys(
        ("prn", "as needed", "as required", "when needed"),
        "is taken only when needed: give how often it is actually taken, e.g. 'once daily'",
    ),
    "monthly": "could be every 28, 30 or 31 days: write 'every 30 days' (or every_days: 30)",
}


@lru_cache(maxsize=1024)
def parse_frequency(text: str) -> Frequency:
    """How often, from ``twice daily``, ``bid``, ``3 times a week``, ``every other day``, ``qhs``...

    Raise :class:`TimeError` with how to write it when the text is not one.

    >>> parse_frequency("twice daily"), parse_frequency("every other day").every_days
    (Frequency(per_day=2, per_week=None, every_days=None, slot=None), 2)
    """
    key = _key(text).rstrip(".")
    if re.fullmatch(r"[a-z](?:\.[a-z])+", key):  # b.i.d., q.h.s.
        key = key.replace(".", "")
    found = _ABBREVIATIONS.get(key)
    if found is not None:
        return found
    if key in _FREQUENCY_REFUSED:
        raise TimeError(f"frequency {text!r} {_FREQUENCY_REFUSED[key]}")
    if re.search(r"[0-9a-z]\s*(?:-|–|to|or)\s*[0-9]", key) or re.search(r"\b(?:one|two|three)\s+(?:to|or)\b", key):
        raise TimeError(f"frequency {text!r} is a range: give how often it is actually taken, e.g. 'twice daily'")
    counted = _counted(text, key)
    if counted is not None:
        return counted
    if re.fullmatch(r"[0-9]+\s*x?", key):
        raise TimeError(
            f"frequency {text!r} says how many but not per what: write e.g. '{key.rstrip('x ')} times a day' "
            "or '... times a week'"
        )
    raise TimeError(
        f"frequency {text!r} is not one this reads: write e.g. 'once daily', 'twice daily', 'bid', "
        "'3 times a day', 'qhs', 'every other day', 'weekly' or '2 times a week'"
    )


def _counted(text: str, key: str) -> Frequency | None:
    """``3 times a day``, ``twice a week``, ``every 2 days``, ``every 8 hours``; None for any other text."""
    for pattern, field in ((_DAILY, "per_day"), (_WEEKLY, "per_week")):
        match = pattern.match(key)
        if match is not None:
            count = _WORDS.get(match.group(1)) or int(match.group(1))
            high = 24 if field == "per_day" else 70
            if not 1 <= count <= high:
                raise TimeError(f"frequency {text!r}: between 1 and {high} doses a {field[4:]}")
            return Frequency(per_day=count) if field == "per_day" else Frequency(per_week=count)
    match = _EVERY_DAYS.match(key)
    if match is not None:
        days = int(match.group(1))
        if days == 1:
            return Frequency(per_day=1)
        if days == 7:
            return Frequency(per_week=1)
        if not 2 <= days <= 90:
            raise TimeError(f"frequency {text!r}: every 2 to 90 days")
        return Frequency(every_days=days)
    match = _EVERY_HOURS.match(key)
    if match is not None:
        hours = int(match.group(1))
        if hours < 1 or 24 % hours:
            raise TimeError(f"frequency {text!r}: give doses a day (every 4, 6, 8, 12 or 24 hours divide the day)")
        return Frequency(per_day=24 // hours)
    return None


def format_minutes(minutes: int) -> str:
    """``HH:MM`` of minutes after midnight, wrapping around the day.

    >>> format_minutes(1500)
    '01:00'
    """
    return _format(minutes % 1440)


@lru_cache(maxsize=1440)  # messages and plans format the same few times over and over
def _format(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
