"""A regimen read from another format (FHIR), carrying what the reading noticed into the check.

A FHIR bundle can hold what the regimen format cannot say (a resource whose
unit has no mapping, a ``when`` code no slot stands for) or what was left out
on purpose (a stopped MedicationStatement). Such notes must reach the report,
so :class:`SourcedRegimen` is a :class:`~suppcheck.RegimenFile` that also
holds them, as ready ``input.*`` findings, and where each entry, medication
and condition came from; :func:`suppcheck.check` adds the notes to the
report's findings, and ``complete`` is false when one of them says something
could not be read. A plain mapping or a regimen file never carries notes.

This module imports nothing heavy: ``check()`` needs only the class.
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from pydantic import PrivateAttr

from ._regimen import RegimenFile
from ._report import Finding

__all__ = ["INCOMPLETE_PREFIXES", "SourcedRegimen", "incomplete"]

# Findings whose code starts so make a report incomplete: something in the input was not checked.
INCOMPLETE_PREFIXES: tuple[str, ...] = ("input.unrecognized_", "input.fhir_unmapped")


def incomplete(code: str) -> bool:
    """Whether a finding with this code means some input went unchecked."""
    return code.startswith(INCOMPLETE_PREFIXES)


class SourcedRegimen(RegimenFile):
    """A :class:`~suppcheck.RegimenFile` read from a FHIR bundle, with the notes its reading left.

    ``notes``: ``input.*`` findings the check adds to its report.
    ``sources``: where each part came from, as FHIR references
    (``MedicationStatement/1``), keyed ``entry:<index>``,
    ``medication:<name as in the profile>`` and ``condition:<name>``, and
    ``patient`` for the Patient.
    """

    _notes: tuple[Finding, ...] = PrivateAttr(default=())
    _sources: dict[str, tuple[str, ...]] = PrivateAttr(default_factory=dict)

    @property
    def notes(self) -> tuple[Finding, ...]:
        """The ``input.*`` findings the reading left, in input order."""
        return self._notes

    @property
    def sources(self) -> Mapping[str, tuple[str, ...]]:
        """FHIR references of the resources each part of the regimen came from."""
        return MappingProxyType(self._sources)

    @classmethod
    def with_notes(
        cls,
        data: Mapping[str, Any],
        notes: tuple[Finding, ...],
        sources: Mapping[str, tuple[str, ...]],
        *,
        context: Mapping[str, Any] | None = None,
    ) -> "SourcedRegimen":
        """Validate ``data`` as a regimen and attach the notes and sources."""
        regimen = cls.model_validate(data, context=dict(context) if context is not None else None)
        regimen._notes = notes
        regimen._sources = dict(sources)
        return regimen
