"""Separation windows on a 24-hour cycle.

A window says the partner (a medication or another substance) must be taken
at least ``before`` hours before the subject substance, or at least
``after`` hours after it. Daily doses repeat, so a partner ``d`` minutes
after a dose is also ``1440 - d`` minutes before the next day's dose: the
pair is separated exactly when ``after <= d <= 1440 - before``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

DAY = 1440


@dataclass(frozen=True, slots=True)
class Gap:
    subject_minute: int
    partner_minute: int

    @property
    def partner_after(self) -> int:
        """Minutes from the subject dose forward to the partner dose."""
        return (self.partner_minute - self.subject_minute) % DAY

    @property
    def closest_hours(self) -> float:
        after = self.partner_after
        return round(min(after, DAY - after) / 60, 2)


def separated(gap: Gap, before_hours: float, after_hours: float) -> bool:
    """Whether one pair of doses keeps the window.

    >>> separated(Gap(8 * 60, 9 * 60), 2, 4)   # antibiotic 1 h after magnesium
    False
    >>> separated(Gap(8 * 60, 12 * 60), 2, 4)  # 4 h after: kept
    True
    >>> separated(Gap(8 * 60, 6 * 60), 2, 4)   # 2 h before: kept
    True
    >>> separated(Gap(23 * 60, 60), 2, 2)      # 2 h apart across midnight
    True
    """
    after = gap.partner_after
    return round(after_hours * 60) <= after <= DAY - round(before_hours * 60)


def worst_gap(
    subject: Iterable[int], partner: Iterable[int], before_hours: float, after_hours: float
) -> tuple[Gap | None, Gap]:
    """The closest violating pair (or None) and the closest pair overall."""
    pairs = [Gap(s, p) for s in subject for p in partner]
    closest = min(pairs, key=lambda g: (g.closest_hours, g.subject_minute, g.partner_minute))
    violations = [g for g in pairs if not separated(g, before_hours, after_hours)]
    worst = min(violations, key=lambda g: (g.closest_hours, g.subject_minute, g.partner_minute)) if violations else None
    return worst, closest


def window_text(before_hours: float, after_hours: float, partner: str, subject: str) -> str:
    """``take doxycycline at least 2 h before or 4 h after magnesium``."""
    if before_hours == after_hours:
        return f"keep {partner} and {subject} at least {_h(before_hours)} apart"
    return f"take {partner} at least {_h(before_hours)} before or {_h(after_hours)} after {subject}"


def _h(hours: float) -> str:
    return f"{hours:g} h"
