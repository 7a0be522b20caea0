"""JSON lines: one regimen per line, each labelled with its line number; blank lines are skipped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .._errors import InputError
from .._reading import KNOWLEDGE_DEPTH, Limits, check_depth, loads_json


class _JsonLines:
    name = "jsonl"
    suffixes: tuple[str, ...] = (".jsonl", ".ndjson")
    many = True

    def looks_like(self, text: str) -> bool:
        # Two or more lines, the first a whole JSON object on its own: pretty-printed JSON's first line is "{".
        lines = [line for line in text.lstrip().splitlines()[:2] if line.strip()]
        if len(lines) < 2 or not lines[0].lstrip().startswith("{"):
            return False
        if check_depth(lines[0].encode("utf-8", "surrogatepass"), KNOWLEDGE_DEPTH) is not None:
            return True  # a line of JSON too deep to parse here: reading it says so, naming the line
        try:
            return isinstance(json.loads(lines[0]), dict)
        except ValueError:
            return False

    def documents(self, text: str, *, source: str, limits: Limits) -> Iterator[Any]:
        from . import Document

        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            label = f"{source} line {number}"
            try:
                value = loads_json(line, source=label, limits=limits, one_line=True)
            except InputError as exc:
                yield Document(label, None, exc, number)
                continue
            yield Document(label, value, None, number)


READER = _JsonLines()
