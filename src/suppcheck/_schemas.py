"""The published JSON Schemas of the regimen and report formats (``make schema`` writes them to ``data/``).

They are generated from the pydantic models, so they cannot drift from the
validator; ``tests/test_schemas.py`` checks that the committed files are
current, that every example validates against them, and that whatever the
regimen schema accepts, :func:`~suppcheck.check` either checks or refuses
with an :class:`~suppcheck.InputError`.

>>> regimen_schema()["title"], {"findings", "person"} <= set(report_schema()["required"])
('RegimenFile', True)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["SCHEMAS", "regimen_schema", "render", "report_schema"]

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def regimen_schema() -> dict[str, Any]:
    """The regimen format (input): what ``check()``, ``read_regimen`` and the CLI accept."""
    from ._regimen import RegimenFile

    document = RegimenFile.model_json_schema(mode="validation")
    document["$schema"] = DIALECT
    return document


def report_schema() -> dict[str, Any]:
    """The report format (output), as ``Report.model_dump(mode="json")`` and ``--format json`` write it."""
    from ._report import Report

    document = Report.model_json_schema(mode="serialization")
    document["$schema"] = DIALECT
    return document


def _knowledge_schema() -> dict[str, Any]:
    from ._kb.schema import schema

    return schema()


SCHEMAS = {
    "regimen.schema.json": regimen_schema,
    "report.schema.json": report_schema,
    "interactions.schema.json": _knowledge_schema,
}
"""Each published schema's file name under ``data/``, and the function that makes it."""


def render(name: str) -> str:
    """The text of one schema file, as committed."""
    return json.dumps(SCHEMAS[name](), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(folder: str) -> None:
    """Write every published schema into ``folder`` (``make schema``)."""
    for name in SCHEMAS:
        (Path(folder) / name).write_text(render(name), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data")
