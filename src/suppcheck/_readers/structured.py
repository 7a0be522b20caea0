"""YAML, JSON and FHIR JSON: one regimen per file (a JSON document with a resourceType is read as FHIR)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._errors import InputError, Problem
from .._reading import Limits, loads_json, loads_yaml


class _Json:
    name = "json"
    suffixes: tuple[str, ...] = (".json",)
    many = False

    def looks_like(self, text: str) -> bool:
        return text.lstrip().startswith(("{", "["))

    def documents(self, text: str, *, source: str, limits: Limits) -> Iterator[Any]:
        from . import Document

        # A FHIR resource is a JSON document too: validation reads it as FHIR (docs/fhir.md).
        yield Document(source, loads_json(text, source=source, limits=limits))


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


class _Fhir:
    name = "fhir"
    suffixes: tuple[str, ...] = ()
    many = False

    def looks_like(self, text: str) -> bool:
        return False  # JSON content is read by the JSON reader, which knows a FHIR resource when it sees one

    def documents(self, text: str, *, source: str, limits: Limits) -> Iterator[Any]:
        from .._fhir import is_fhir
        from . import Document

        value = loads_json(text, source=source, limits=limits)
        if not is_fhir(value):
            raise InputError(
                Problem("is not FHIR JSON: a resource or a list of resources, each with a resourceType", "not_fhir"),
                source=source,
            )
        yield Document(source, value)


JSON = _Json()
YAML = _Yaml()
FHIR = _Fhir()
