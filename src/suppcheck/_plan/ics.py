"""The plan as an iCalendar file (RFC 5545): one recurring event per dose time.

Written by hand, so that no calendar library is needed at run time. Times
are *floating* local times (no time zone): a dose at 07:30 stays at 07:30
wherever the person is, as a pill schedule should.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

from .._report import DISCLAIMER
from .model import Plan, PlannedDose

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


def escape(text: str) -> str:
    r"""A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and newline escaped.

    >>> escape("iron; calcium, 2 h\napart")
    'iron\\; calcium\\, 2 h\\napart'
    """
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r\n", "\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """A content line folded to at most 75 octets per line, never inside a UTF-8 character (RFC 5545 3.1)."""
    out: list[str] = []
    current = ""
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def to_ics(
    plan: Plan,
    *,
    start: dt.date | None = None,
    stamp: dt.datetime | None = None,
    alarm: bool = True,
) -> str:
    """The plan as an iCalendar document: one daily event per dose time (weekly doses: weekly events).

    ``start`` is the first day (default: today); ``stamp`` the creation time
    recorded in each event (default: now). Each event reminds at its time
    unless ``alarm`` is false.
    """
    start = start or dt.date.today()
    stamp = (stamp or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//suppcheck//suppcheck {plan.suppcheck_version}//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Supplement schedule",
    ]
    for doses, rule, first in _events(plan, start):
        lines.extend(_event(doses, rule, first, stamp, alarm))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)


def _events(plan: Plan, start: dt.date) -> Iterator[tuple[list[PlannedDose], str, dt.date]]:
    """(doses, RRULE value, first date) per event: daily doses grouped by time, weekly ones on their own."""
    daily: dict[str, list[PlannedDose]] = {}
    for dose in plan.doses:
        if dose.per_week is None or dose.per_week >= 7:
            daily.setdefault(dose.time, []).append(dose)
    for doses in daily.values():
        yield doses, "FREQ=DAILY", start
    for dose in plan.doses:
        if dose.per_week is not None and dose.per_week < 7:
            days = sorted({k * 7 // dose.per_week for k in range(dose.per_week)})
            first = next(start + dt.timedelta(d) for d in range(7) if (start + dt.timedelta(d)).weekday() in days)
            yield [dose], f"FREQ=WEEKLY;BYDAY={','.join(_DAYS[d] for d in days)}", first


def _event(doses: list[PlannedDose], rule: str, first: dt.date, stamp: dt.datetime, alarm: bool) -> list[str]:
    time = doses[0].time
    names = ", ".join(d.name + (f" ({d.amount})" if d.amount else "") for d in doses)
    food = "with food" if doses[0].with_food else "without food"
    summary = f"Take {names}" + (f" at {doses[0].slot}" if doses[0].slot else "")
    details = [f"{time}, {food}:"]
    details.extend(f"- {d.name}" + (f" ({d.amount})" if d.amount else "") + f": {d.reason}" for d in doses)
    details.append(DISCLAIMER)
    uid = hashlib.sha256(f"{time}|{rule}|{names}".encode()).hexdigest()[:20]
    start = dt.datetime.combine(first, dt.time(int(time[:2]), int(time[3:])))
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}@suppcheck",
        f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
        f"DTSTART:{start:%Y%m%dT%H%M%S}",
        "DURATION:PT5M",
        f"RRULE:{rule}",
        f"SUMMARY:{escape(summary)}",
        f"DESCRIPTION:{escape(chr(10).join(details))}",
        "TRANSP:TRANSPARENT",
    ]
    if alarm:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{escape(summary)}", "TRIGGER:PT0M", "END:VALARM"]
    return [*lines, "END:VEVENT"]
