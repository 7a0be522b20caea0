"""Reading regimen files (YAML or JSON, by extension), bounded by :class:`~suppcheck.Limits`."""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

from ._errors import InputError, Problem
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
    """UTF-8 text, or an InputError naming ``source`` and the byte that is not UTF-8."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            Problem(f"not UTF-8 text: {exc.reason} at byte {exc.start}", "not_utf8"), source=source
        ) from None


def is_yaml(name: str) -> bool:
    """Whether a file name has a YAML suffix (``.yaml``, ``.yml``)."""
    return name.lower().endswith((".yaml", ".yml"))


def read_document(name: str, limits: Limits) -> Any:
    """A regimen file's decoded document, read no further than ``limits.max_bytes``."""
    data = read_bounded(Path(name), limits.max_bytes)
    return parse_text(decode_text(data, source=name), yaml=is_yaml(name), source=name, limits=limits)


def load_regimen(
    path: str | PathLike[str],
    *,
    knowledge: KnowledgeBase | None = None,
    limits: Limits | None = None,
    format: str | None = None,
) -> RegimenFile:
    """Read and validate a regimen file: YAML, JSON, one JSON line, a CSV export of one person, or FHIR.

    The suffix chooses the format (``.yaml``/``.yml``, ``.json``, ``.jsonl``,
    ``.csv``), else the content does; ``format`` overrides both (see
    :func:`~suppcheck.read_regimen`). ``limits`` bounds the file's size and
    shape (default: :class:`~suppcheck.Limits`'s defaults). Raises
    :class:`InputError` whose problems are prefixed with the file name.
    """
    from ._readers import read_regimen

    return read_regimen(path, format=format, knowledge=knowledge, limits=limits)


def validate_document(raw: Any, *, source: str, knowledge: KnowledgeBase | None = None) -> RegimenFile:
    """Validate a decoded document as a regimen; problems are prefixed with ``source``."""
    try:
        context = {"knowledge": knowledge} if knowledge is not None else None
        return RegimenFile.model_validate(raw, context=context)
    except InputError as exc:
        raise exc.with_source(source) from None
