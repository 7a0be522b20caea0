"""What every rule family and the planner share: number wording, window and timing text, tolerances, offsets."""

from __future__ import annotations

from .._kb.base import CACHE_SIZE
from .._kb.models import LabThreshold, SeverityStep, Timing

__all__ = [
    "LAB_NAMES",
    "LAB_UNITS",
    "TOLERANCE",
    "fmt",
    "lab_text",
    "offset",
    "step_for",
    "step_text",
    "wanted",
    "window_text",
]

# Float noise from unit factors must not push a total that equals a limit over it.
TOLERANCE = 1e-9


def fmt(value: float) -> str:
    """A number for a message: ``1,000``, ``37.5``, ``2.29``.

    >>> fmt(1000.0), fmt(37.5), fmt(2.2857), fmt(0.0004)
    ('1,000', '37.5', '2.29', '0.0004')
    """
    found = _formatted.get(value)
    if found is None:
        if value != 0 and abs(value) < 0.01:
            found = f"{value:.2g}"
        else:
            text = f"{value:,.2f}"
            found = text.rstrip("0").rstrip(".") if "." in text else text
        if value and len(_formatted) < CACHE_SIZE:  # not zero: 0.0 and -0.0 are one key but print apart
            _formatted[value] = found
    return found


_formatted: dict[float, str] = {}


def offset(minute: int, anchor: int) -> int:
    """Signed minutes from the anchor, in [-720, 720).

    >>> offset(22 * 60, 22 * 60 + 30), offset(30, 23 * 60 + 30)
    (-30, 60)
    """
    return (minute - anchor + 720) % 1440 - 720


def window_text(before_hours: float, after_hours: float, partner: str, subject: str) -> str:
    """``take doxycycline at least 2 h before or 4 h after magnesium``."""
    if before_hours == after_hours:
        return f"keep {partner} and {subject} at least {_h(before_hours)} apart"
    return f"take {partner} at least {_h(before_hours)} before or {_h(after_hours)} after {subject}"


def _h(hours: float) -> str:
    return f"{hours:g} h"


def wanted(timing: Timing) -> str:
    """``30-60 min before bedtime, without food``: when a timing rule wants a dose taken."""
    parts = []
    if timing.anchor is not None and timing.earliest_minutes is not None and timing.latest_minutes is not None:
        parts.append(_window(timing.anchor, timing.earliest_minutes, timing.latest_minutes))
    if timing.food is not None:
        parts.append("with food" if timing.food == "with" else "on an empty stomach")
    return ", ".join(parts)


def _window(anchor: str, earliest: int, latest: int) -> str:
    if earliest < 0 and latest <= 0:
        return f"{-latest}-{-earliest} min before {anchor}" if latest else f"within {-earliest} min before {anchor}"
    if earliest >= 0:
        return f"{earliest}-{latest} min after {anchor}"
    return f"from {-earliest} min before to {latest} min after {anchor}"


LAB_NAMES = {"egfr": "eGFR", "potassium": "serum potassium", "ferritin": "ferritin"}
LAB_UNITS = {"egfr": "mL/min/1.73 m²", "potassium": "mmol/L", "ferritin": "ng/mL"}


def lab_text(hits: list[tuple[LabThreshold, float]]) -> str:
    """``eGFR 20 mL/min/1.73 m² (below 30: <note>)`` for each threshold past."""
    parts = []
    for threshold, value in hits:
        words, limit = threshold.bound
        bound = f"{words} {fmt(limit)}"
        note = f": {threshold.note}" if threshold.note else ""
        parts.append(f"{LAB_NAMES[threshold.lab]} {fmt(value)} {LAB_UNITS[threshold.lab]} ({bound}{note})")
    return " and ".join(parts)


def step_for(steps: tuple[SeverityStep, ...], amount: float) -> SeverityStep | None:
    """The highest step a daily amount reaches (float noise from unit factors aside), or None.

    >>> from suppcheck._kb.models import SeverityStep
    >>> steps = (SeverityStep(min_daily_amount=10, severity="moderate", note="n", references=("r",)),)
    >>> step_for(steps, 10.0).severity.value, step_for(steps, 9.99)
    ('moderate', None)
    """
    found = None
    for step in steps:
        limit = step.threshold
        reached = amount >= limit * (1 - 1e-9) if step.inclusive else amount > limit * (1 + 1e-9)
        if not reached:
            break
        found = step
    return found


def step_text(step: SeverityStep, name: str, amount: float, unit: str) -> str:
    """`` Fish oil totals 10,000 mg/day, above 3,000 mg/day: <note>`` (with its leading space)."""
    relation = "at or above" if step.inclusive else "above"
    return f" {name} totals {fmt(amount)} {unit}/day, {relation} {fmt(step.threshold)} {unit}/day: {step.note}"
