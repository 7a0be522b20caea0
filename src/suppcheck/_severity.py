"""Severity (ordered) and evidence grades shared by rules and findings."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """How much a finding matters, ordered from ``INFO`` to ``CONTRAINDICATED``.

    >>> Severity.MAJOR > Severity.MODERATE
    True
    >>> max([Severity.MINOR, Severity.CONTRAINDICATED, Severity.INFO]).value
    'contraindicated'
    """

    INFO = "info"
    MINOR = "minor"
    MODERATE = "moderate"
    MAJOR = "major"
    CONTRAINDICATED = "contraindicated"

    @property
    def rank(self) -> int:
        """The severity's order, 0 for info up to 4 for contraindicated."""
        return _RANK[self]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return _RANK[self] < _RANK[other]

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return _RANK[self] <= _RANK[other]

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return _RANK[self] > _RANK[other]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return _RANK[self] >= _RANK[other]

    def __hash__(self) -> int:
        return hash(self.value)


_RANK = {s: i for i, s in enumerate(Severity)}


class Evidence(StrEnum):
    """Evidence grade of a rule.

    ``A`` authoritative guidance or consistent clinical trials; ``B`` some
    clinical studies; ``C`` case reports or limited studies; ``D`` theoretical
    or mechanistic only.
    """

    A = "A"
    B = "B"
    C = "C"
    D = "D"
