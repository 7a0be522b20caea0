"""YAML and JSON: one regimen per file (JSON may also be a FHIR resource, read by the FHIR reader)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .._errors import InputError, Problem
from .._reading import Limits, loads_json, loads_yaml


def _is_fhir(value: Any) -> bool:
    if isinstance(value, Mapping):
        return isinstance(value.get("resourceType"), str)
    return isinstance(value, list) and bool(value) and all(_is_fhir(item) for item in value)


def _fhir_documents(text: str, *, source: str, limits: Limits) -> Iterator[Any]:
    from . import READERS

    reader = READERS.get("fhir")
    if reader is None:
        import importlib.util

        # The parent first: find_spec of a submodule imports its package, and raises when there is none.
        if importlib.util.find_spec("fhir") is not None and importlib.util.find_spec("fhir.resources") is not None:
            from .. import fhir  # noqa: F401  (registers its reader)

            reader = READERS.get("fhir")
    if reader is None:
        raise InputError(
            Problem(
                "is a FHIR resource (it has a resourceType): reading FHIR needs pip install 'suppcheck[fhir]'",
                "fhir_unavailable",
            ),
            source=source,
        )
    return reader.documents(text, source=source, limits=limits)


class _Json:
    name = "json"
    suffixes: tuple[str, ...] = (".json",)
    many = False

    def looks_like(self, text: str) -> bool:
        return text.lstrip().startswith(("{", "["))

    def documents(self, text: str, *, source: str, limits: Limits) -> Iterator[Any]:
        from . import Document

        value = loads_json(text, source=source, limits=limits)
        if _is_fhir(value):
            yield from _fhir_documents(text, source=source, limits=limits)
            return
        yield Document(source, value)


class _Yaml:
    name = "yaml"
    suffixes: tuple[str, ...] = (".yaml", ".yml")
    many = False

    def looks_like(self, text: str) -> bool:
        return True

    def documents(self, text: str, *, source: str, limits: Limits) -> Iterator[Any]:
        from . import Document

        value = loads_yaml(text, source=source, limits=limits)
        if value is None:
            raise InputError(Problem("holds no regimen (the document is empty)", "empty"), source=source)
        yield Document(source, value)


JSON = _Json()
YAML = _Yaml()
