"""Rule families: each is a small module that follows :class:`Family`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from .._engine.context import Context
from .._report import Finding
from . import conditions, depletion, dose, duplicates, interactions, timing


class Family(Protocol):
    """A rule family: the finding codes it raises and how it finds them."""

    @property
    def CODES(self) -> tuple[str, ...]:
        """The finding codes the family raises, as the registry in :mod:`suppcheck._findingcodes` lists them."""
        ...

    def evaluate(self, ctx: Context) -> Iterator[Finding]:
        """Every finding of this family for one regimen's context, in a stable order."""
        ...


FAMILIES: tuple[Family, ...] = (dose, interactions, timing, conditions, depletion, duplicates)
