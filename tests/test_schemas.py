"""The published JSON Schemas tell the truth: current, met by every example, and never wider than check().

Whatever the regimen schema accepts, ``check()`` either checks or refuses with
an :class:`~suppcheck.InputError` (the schema cannot state every rule: that a
unit applies to a substance, or that ``times`` matches ``per_day``); whatever
a user may write as the documents show, the schema accepts.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import suppcheck
from suppcheck import InputError, RegimenFile
from suppcheck._schemas import SCHEMAS, regimen_schema, render, report_schema

ROOT = Path(__file__).resolve().parents[1]
REGIMEN = jsonschema.Draft202012Validator(regimen_schema())
REPORT = jsonschema.Draft202012Validator(report_schema())


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_current(name: str) -> None:
    committed = (ROOT / "data" / name).read_text(encoding="utf-8")
    assert committed == render(name), f"run `make schema` and commit data/{name}"


def _example_files() -> list[Path]:
    golden = [p for p in (ROOT / "tests" / "golden").iterdir() if not p.name.endswith(".expected.yaml")]
    return sorted([*golden, *(ROOT / "examples").iterdir()])


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def _snippets() -> list[tuple[str, Any]]:
    """Every regimen written out in the README and the docs: YAML and JSON blocks, and dicts in Python blocks."""
    found: list[tuple[str, Any]] = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = path.read_text(encoding="utf-8")
        for number, (lang, body) in enumerate(re.findall(r"```(\w+)\n(.*?)```", text, re.DOTALL)):
            label = f"{path.name}#{number}"
            if lang in ("yaml", "json"):
                try:
                    doc = yaml.safe_load(body)
                except yaml.YAMLError:
                    continue
                if isinstance(doc, dict) and "regimen" in doc:
                    found.append((label, doc))
            elif lang == "python":
                try:
                    tree = ast.parse(re.sub(r"^(>>>|\.\.\.) ?", "", body, flags=re.MULTILINE))
                except SyntaxError:
                    continue
                for node in ast.walk(tree):
                    if isinstance(node, ast.Dict) and any(
                        isinstance(k, ast.Constant) and k.value == "regimen" for k in node.keys
                    ):
                        try:
                            found.append((label, ast.literal_eval(node)))
                        except ValueError:
                            continue
    return found


@pytest.mark.parametrize("path", _example_files(), ids=lambda p: p.name)
def test_every_example_and_golden_regimen_meets_the_schema(path: Path) -> None:
    doc = _load(path)
    REGIMEN.validate(doc)


def test_every_regimen_in_the_readme_and_docs_meets_the_schema() -> None:
    snippets = _snippets()
    assert len(snippets) >= 3  # the README's check() calls and the format's own example
    for label, doc in snippets:
        errors = [e.message for e in REGIMEN.iter_errors(doc)]
        assert not errors, (label, errors)


def test_the_shorthand_the_validator_accepts_is_in_the_schema() -> None:
    doc = {
        "_comment": "a note",
        "profile": {"sex": "Female ", "medications": ["doxycycline", {"name": "warfarin", "times": ["08:00"]}]},
        "regimen": [
            {"substance": "magnesium", "amount": "400 mg"},
            {"substance": "zinc", "amount": {"value": 15, "unit": "mg"}},
        ],
    }
    RegimenFile.model_validate(doc)
    REGIMEN.validate(doc)


@pytest.mark.parametrize("path", _example_files()[:20], ids=lambda p: p.name)
def test_reports_meet_the_report_schema(path: Path) -> None:
    report = suppcheck.check(_load(path))
    REPORT.validate(report.model_dump(mode="json"))


def from_schema(schema: dict[str, Any], root: dict[str, Any] | None = None) -> st.SearchStrategy[Any]:
    """Instances of ``schema``, for the keywords the published schemas use.

    hypothesis-jsonschema would do this, but 0.23.1 fails on the Hypothesis
    this project installs (``'many' object has no attribute 'more'``); every
    keyword it meets that this does not know is an error, so the generator
    cannot silently produce a narrower set of documents than the schema allows.
    """
    root = root or schema
    known = {
        "$ref",
        "anyOf",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "patternProperties",
        "items",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "pattern",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "default",
        "description",
        "title",
        "$defs",
        "$schema",
    }
    unknown = set(schema) - known
    assert not unknown, f"the generator does not know {sorted(unknown)}"
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return st.deferred(lambda: from_schema(root["$defs"][name], root))
    if "anyOf" in schema and "properties" in schema:
        # An object that needs one of several fields (a name or a code): each option adds its required ones.
        base = {k: v for k, v in schema.items() if k != "anyOf"}
        options = [{**base, "required": [*base.get("required", []), *o["required"]]} for o in schema["anyOf"]]
        return st.one_of([from_schema(option, root) for option in options])
    if "anyOf" in schema:
        return st.one_of([from_schema(option, root) for option in schema["anyOf"]])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    if "const" in schema:
        return st.just(schema["const"])
    return _typed(schema, root)


def _typed(schema: dict[str, Any], root: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Instances of a schema by its ``type``."""
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind in ("number", "integer"):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        if kind == "integer":
            return st.integers(low, high)
        return st.floats(
            low,
            high,
            exclude_min="exclusiveMinimum" in schema,
            exclude_max="exclusiveMaximum" in schema,
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "string":
        if "pattern" in schema:
            return st.from_regex(schema["pattern"], fullmatch=True)
        return st.text(min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 40), 40))
    if kind == "array":
        items = from_schema(schema.get("items", {"type": "string"}), root)
        return st.lists(items, min_size=schema.get("minItems", 0), max_size=min(schema.get("maxItems", 4), 4))
    if kind == "object":
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {k: from_schema(v, root) for k, v in properties.items() if k in required},
            optional={k: from_schema(v, root) for k, v in properties.items() if k not in required},
        )
    raise AssertionError(f"the generator does not know the schema {schema}")


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(from_schema(regimen_schema()))
def test_whatever_the_schema_accepts_is_checked_or_refused_cleanly(doc: Any) -> None:
    REGIMEN.validate(doc)  # the generator itself stays within the schema
    try:
        report = suppcheck.check(doc)
    except InputError as exc:
        errors = exc.errors()
    else:
        REPORT.validate(report.model_dump(mode="json"))
        return
    assert errors
    assert all(e["type"] and isinstance(e["loc"], tuple) for e in errors)
