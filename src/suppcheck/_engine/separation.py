"""Separation windows on a 24-hour cycle.

A window says the partner (a medication or another substance) must be taken
at least ``before`` hours before the subject substance, or at least
``after`` hours after it. Daily doses repeat, so a partner ``d`` minutes
after a dose is also ``1440 - d`` minutes before the next day's dose: the
pair is separated exactly when ``after <= d <= 1440 - before``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["DAY", "Gap", "closest_pairs", "hours_apart", "separated", "worst_gap"]

DAY = 1440


class Gap(NamedTuple):
    """Two doses' clock minutes: the subject's and its partner's."""

    subject_minute: int
    partner_minute: int

    @property
    def partner_after(self) -> int:
        """Minutes from the subject dose forward to the partner dose."""
        return (self.partner_minute - self.subject_minute) % DAY

    @property
    def closest_hours(self) -> float:
        """The hours between the two doses, whichever way round the day is shorter."""
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
    """The closest violating pair (or None) and the closest pair overall.

    >>> worst_gap([8 * 60], [9 * 60, 20 * 60], 2, 4)
    (Gap(subject_minute=480, partner_minute=540), Gap(subject_minute=480, partner_minute=540))
    >>> worst_gap([8 * 60], [13 * 60], 2, 4)
    (None, Gap(subject_minute=480, partner_minute=780))
    """
    worst, closest = closest_pairs(subject, partner, before_hours, after_hours)
    return (None if worst is None else Gap(worst[1], worst[2])), Gap(closest[1], closest[2])


def closest_pairs(
    subject: Iterable[int], partner: Iterable[int], before_hours: float, after_hours: float
) -> tuple[tuple[int, int, int] | None, tuple[int, int, int]]:
    """:func:`worst_gap` as ``(minutes apart, subject minute, partner minute)`` triples.

    Pairs are ordered by how close they are, then by the subject's and the
    partner's minute. For whole minutes, ordering by minutes apart is ordering
    by :attr:`Gap.closest_hours`: hours rounded to 0.01 keep whole minutes apart.
    """
    lowest, highest = round(after_hours * 60), DAY - round(before_hours * 60)
    partner = tuple(partner)
    closest: tuple[int, int, int] | None = None
    worst: tuple[int, int, int] | None = None
    for s in subject:
        for p in partner:
            after = (p - s) % DAY
            key = (after if after <= DAY - after else DAY - after, s, p)
            if closest is None or key < closest:
                closest = key
            if not lowest <= after <= highest and (worst is None or key < worst):
                worst = key
    if closest is None:
        raise ValueError("worst_gap() needs at least one subject and one partner time")
    return worst, closest


def hours_apart(minutes: int) -> float:
    """:attr:`Gap.closest_hours` of a pair ``minutes`` apart (at most 720)."""
    return round(minutes / 60, 2)
