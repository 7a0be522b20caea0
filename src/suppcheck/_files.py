"""Reading regimen files (YAML or JSON, by extension), bounded by :class:`~suppcheck.Limits`."""

from __future__ import annotations

from datetime import date
from os import PathLike, fspath
from pathlib import Path
from typing import Any

from ._errors import InputError
from ._kb.base import KnowledgeBase
from ._reading import DEFAULT_LIMITS, Limits, loads_json, loads_yaml, read_bounded
from ._regimen import RegimenFile


def parse_text(text: str, *, yaml: bool, source: str, limits: Limits = DEFAULT_LIMITS) -> Any:
    """Decode a document, raising InputError that names the file and position.

    Its size, nesting and every key are checked (see :mod:`._reading`).
    """
    if yaml:
        return loads_yaml(text, source=source, limits=limits)
    return loads_json(text, source=source, limits=limits)


def decode_text(data: bytes, *, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not UTF-8 text: {exc.reason} at byte {exc.start}", source=source) from None


def is_yaml(name: str) -> bool:
    return name.lower().endswith((".yaml", ".yml"))


def read_document(name: str, limits: Limits) -> Any:
    """A regimen file's decoded document, read no further than ``limits.max_bytes``."""
    data = read_bounded(Path(name), limits.max_bytes)
    return parse_text(decode_text(data, source=name), yaml=is_yaml(name), source=name, limits=limits)


def load_regimen(
    path: str | PathLike[str], *, knowledge: KnowledgeBase | None = None, limits: Limits | None = None
) -> RegimenFile:
    """Read and validate a regimen file: YAML (``.yaml``/``.yml``) or JSON.

    ``limits`` bounds the file's size and shape (default: :class:`~suppcheck.Limits`'s
    defaults). Raises :class:`InputError` whose problems are prefixed with the
    file name.
    """
    name = fspath(path)
    raw = read_document(name, limits or DEFAULT_LIMITS)
    return validate_document(raw, source=name, knowledge=knowledge)


def validate_document(
    raw: Any, *, source: str, knowledge: KnowledgeBase | None = None, as_of: date | None = None
) -> RegimenFile:
    """A decoded document as a regimen: the regimen format, or FHIR JSON (``as_of`` dates its ages)."""
    from ._fhir import is_fhir

    if is_fhir(raw):  # a Bundle or resources: docs/fhir.md
        from ._fhir.reader import regimen_from_fhir

        try:
            return regimen_from_fhir(raw, as_of=as_of, knowledge=knowledge)
        except InputError as exc:
            raise exc.with_source(source) from None
    try:
        context = {"knowledge": knowledge} if knowledge is not None else None
        return RegimenFile.model_validate(raw, context=context)
    except InputError as exc:
        raise exc.with_source(source) from None
