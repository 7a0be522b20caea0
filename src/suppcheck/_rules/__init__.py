"""Rule families: each is a small module that follows :class:`Family`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from .._engine.context import Context
from .._report import Finding
from . import conditions, depletion, dose, duplicates, foods, interactions, timing


class Family(Protocol):
    """A rule family: a module whose :func:`evaluate` raises the codes :mod:`suppcheck._findingcodes` lists for it.

    The registry names each code's family by the module's name (``dose``,
    ``interactions``...): ``codes_of("dose")`` gives the dose family's codes.
    """

    def evaluate(self, ctx: Context) -> Iterator[Finding]:
        """Every finding of this family for one regimen's context, in a stable order."""
        ...


FAMILIES: tuple[Family, ...] = (dose, interactions, timing, conditions, depletion, duplicates, foods)
