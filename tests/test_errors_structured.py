"""InputError.errors(): every problem with a path tuple, a stable type code, a message and the input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from suppcheck import InputError, RegimenFile, load_knowledge, load_regimen


def _errors(doc: Any) -> list[dict[str, Any]]:
    with pytest.raises(InputError) as caught:
        RegimenFile.model_validate(doc, context={"knowledge": load_knowledge()})
    errors = [dict(e) for e in caught.value.errors()]
    assert [e["msg"] for e in errors] == [line.split(": ", 1)[-1] for line in caught.value.problems] or all(
        e["msg"] in line for e, line in zip(errors, caught.value.problems, strict=True)
    )
    return errors


ENTRY = {"substance": "magnesium", "amount": "400 mg"}

CASES: list[tuple[str, Any, tuple[Any, ...], str, Any]] = [
    ("no regimen", {"profile": {}}, ("regimen",), "missing", None),
    ("unknown field", {"regimen": [ENTRY], "extra": 1}, ("extra",), "extra_forbidden", 1),
    (
        "unit unknown",
        {"regimen": [{"substance": "zinc", "amount": "15 mgg"}]},
        ("regimen", 0, "amount", "unit"),
        "unit_unknown",
        "mgg",
    ),
    (
        "unit for substance",
        {"regimen": [{"substance": "magnesium", "amount": "400 IU"}]},
        ("regimen", 0, "amount"),
        "unit_not_applicable",
        "400 IU",
    ),
    ("no unit", {"regimen": [{"substance": "zinc", "amount": 15}]}, ("regimen", 0, "amount"), "unit_missing", 15),
    (
        "not positive",
        {"regimen": [{"substance": "zinc", "amount": {"value": -1, "unit": "mg"}}]},
        ("regimen", 0, "amount", "value"),
        "amount_not_positive",
        -1,
    ),
    ("compound without form", {"regimen": [{**ENTRY, "basis": "compound"}]}, ("regimen", 0), "form_required", None),
    (
        "both frequencies",
        {"regimen": [{**ENTRY, "per_day": 2, "per_week": 1}]},
        ("regimen", 0),
        "frequency_conflict",
        None,
    ),
    ("times count", {"regimen": [{**ENTRY, "per_day": 2, "times": ["08:00"]}]}, ("regimen", 0), "times_count", None),
    ("empty times", {"regimen": [{**ENTRY, "times": []}]}, ("regimen", 0, "times"), "times_empty", None),
    ("bad time", {"regimen": [{**ENTRY, "times": ["25:99"]}]}, ("regimen", 0, "times", 0), "time_invalid", "25:99"),
    ("age type", {"profile": {"age": "old"}, "regimen": [ENTRY]}, ("profile", "age"), "float_parsing", "old"),
    (
        "male pregnant",
        {"profile": {"sex": "male", "pregnant": True}, "regimen": [ENTRY]},
        ("profile",),
        "life_stage_conflict",
        None,
    ),
    (
        "control character",
        {"regimen": [{"substance": "zi\nnc", "amount": "15 mg"}]},
        ("regimen", 0, "substance"),
        "control_character",
        "zi\nnc",
    ),
]


@pytest.mark.parametrize(("doc", "loc", "kind", "value"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_problem_has_its_location_type_and_input(doc: Any, loc: tuple[Any, ...], kind: str, value: Any) -> None:
    errors = _errors(doc)
    assert (errors[0]["loc"], errors[0]["type"]) == (loc, kind)
    assert errors[0]["input"] == value
    assert errors[0]["msg"]


def test_errors_are_json_and_match_the_rendered_lines() -> None:
    doc = {"regimen": [{"substance": "magnesium", "amount": "400 IU"}, {"substance": "iron", "amount": "18 IU"}]}
    with pytest.raises(InputError) as caught:
        RegimenFile.model_validate(doc, context={"knowledge": load_knowledge()})
    errors = caught.value.errors()
    assert json.loads(json.dumps(errors)) == [{**e, "loc": list(e["loc"])} for e in errors]
    assert len(errors) == len(caught.value.problems) == 2
    assert caught.value.problems[0].startswith("regimen[0] (magnesium).amount: ")
    assert caught.value.problems[0].endswith(errors[0]["msg"])


@pytest.mark.parametrize(
    ("text", "suffix", "kind", "loc"),
    [
        ('{"regimen": [', ".json", "json_invalid", ()),
        ("regimen: [", ".yaml", "yaml_invalid", ()),
        ('{"regimen": [], "regimen": []}', ".json", "duplicate_key", ("regimen",)),
        ("[" * 100 + "]" * 100, ".json", "too_deep", ()),
    ],
)
def test_reader_problems_are_typed(tmp_path: Any, text: str, suffix: str, kind: str, loc: tuple[Any, ...]) -> None:
    path = tmp_path / f"r{suffix}"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        load_regimen(path)
    error = caught.value.errors()[0]
    assert (error["type"], error["loc"]) == (kind, loc)
    assert caught.value.source == str(path)


def test_not_utf8_is_typed(tmp_path: Any) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(b"regimen:\n  - substance: \xff\n")
    with pytest.raises(InputError) as caught:
        load_regimen(path)
    assert caught.value.errors()[0]["type"] == "not_utf8"


def test_with_source_keeps_the_details() -> None:
    error = InputError(["plain line"]).with_source("a.yaml")
    assert error.errors() == [{"loc": (), "type": "invalid", "msg": "plain line", "input": None}]
    assert str(error) == "a.yaml: plain line"
