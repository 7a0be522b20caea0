"""``load_regimen`` and ``validate_document``: a regimen file, or a decoded document, as a validated regimen."""

from __future__ import annotations

from datetime import date
from os import PathLike
from typing import Any

from ._errors import InputError
from ._kb.base import KnowledgeBase
from ._kb.loader import default_knowledge
from ._reading import Limits
from ._regimen import RegimenFile


def load_regimen(
    path: str | PathLike[str],
    *,
    knowledge: KnowledgeBase | None = None,
    limits: Limits | None = None,
    format: str | None = None,
    as_of: date | None = None,
) -> RegimenFile:
    """Read and validate a regimen file: YAML, JSON, one JSON line, a CSV export of one person, or FHIR.

    The suffix chooses the format (``.yaml``/``.yml``, ``.json``, ``.jsonl``,
    ``.csv``), else the content does; ``format`` overrides both (see
    :func:`~suppcheck.read_regimen`). ``limits`` bounds the file's size and
    shape (default: :class:`~suppcheck.Limits`'s defaults); ``as_of`` dates a
    FHIR ``birthDate`` (default: today). Raises
    :class:`InputError` whose problems are prefixed with the file name.
    """
    from ._readers import read_regimen

    return read_regimen(path, format=format, knowledge=knowledge, limits=limits, as_of=as_of)


def validate_document(
    raw: Any, *, source: str, knowledge: KnowledgeBase | None = None, as_of: date | None = None
) -> RegimenFile:
    """Validate a decoded document: the regimen format, or FHIR JSON (``as_of`` dates its ages).

    Units are checked against ``knowledge``, the bundled knowledge base when
    none is given. Problems are prefixed with ``source``.
    """
    from ._fhir import is_fhir

    if knowledge is None:
        knowledge = default_knowledge()

    if is_fhir(raw):  # a Bundle or resources: docs/fhir.md
        from ._fhir.reader import regimen_from_fhir

        try:
            return regimen_from_fhir(raw, as_of=as_of, knowledge=knowledge)
        except InputError as exc:
            raise exc.with_source(source) from None
    try:
        return RegimenFile.model_validate(raw, context={"knowledge": knowledge})
    except InputError as exc:
        raise exc.with_source(source) from None
