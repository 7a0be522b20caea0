"""Print the JSON Schema of the knowledge-base format (``make schema``)."""

from __future__ import annotations

import json
from typing import Any

from .models import KnowledgeFile


def schema() -> dict[str, Any]:
    """The JSON Schema generated from the pydantic models."""
    document = KnowledgeFile.model_json_schema(mode="validation")
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return document


def render() -> str:
    """The knowledge-base schema as committed in ``data/interactions.schema.json``."""
    return json.dumps(schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
