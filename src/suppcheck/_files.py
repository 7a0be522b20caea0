"""Reading regimen files (YAML or JSON, by extension)."""

from __future__ import annotations

import json
from os import PathLike, fspath
from pathlib import Path
from typing import Any

from ._errors import InputError
from ._kb.base import KnowledgeBase
from ._regimen import RegimenFile


def parse_text(text: str, *, yaml: bool, source: str) -> Any:
    """Decode a document, raising InputError that names the file and position."""
    if yaml:
        import yaml as pyyaml

        # libyaml's loader where PyYAML was built with it: the same safe subset, parsed in C.
        loader = getattr(pyyaml, "CSafeLoader", pyyaml.SafeLoader)
        try:
            return pyyaml.load(text, Loader=loader)
        except pyyaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
            problem = getattr(exc, "problem", None) or str(exc)
            raise InputError(f"invalid YAML: {where}{problem}", source=source) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}", source=source) from None


def is_yaml(name: str) -> bool:
    return name.lower().endswith((".yaml", ".yml"))


def load_regimen(path: str | PathLike[str], *, knowledge: KnowledgeBase | None = None) -> RegimenFile:
    """Read and validate a regimen file: YAML (``.yaml``/``.yml``) or JSON.

    Raises :class:`InputError` whose problems are prefixed with the file name.
    """
    name = fspath(path)
    try:
        text = Path(name).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=name) from None
    return validate_document(parse_text(text, yaml=is_yaml(name), source=name), source=name, knowledge=knowledge)


def validate_document(raw: Any, *, source: str, knowledge: KnowledgeBase | None = None) -> RegimenFile:
    try:
        context = {"knowledge": knowledge} if knowledge is not None else None
        return RegimenFile.model_validate(raw, context=context)
    except InputError as exc:
        raise exc.with_source(source) from None
