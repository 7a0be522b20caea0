"""Input format v1: every malformed case is an InputError naming entry, name and field."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from suppcheck import InputError, RegimenFile, check, load_knowledge, load_regimen

MAG = {"substance": "magnesium", "amount": "100 mg"}


# Unit checks need a knowledge base, passed explicitly (the model never loads one by itself).
KNOWN = {"knowledge": load_knowledge()}


def problems_of(data: Any) -> str:
    with pytest.raises(InputError) as info:
        RegimenFile.model_validate(data, context=KNOWN)
    assert isinstance(info.value, ValueError)
    return str(info.value)


def doc(*entries: dict[str, Any], **profile: Any) -> dict[str, Any]:
    return {"profile": {"age": 40, **profile}, "regimen": [MAG, *entries]}


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"substance": "magnesium", "amount": "400 IU"}, "regimen[1] (magnesium).amount: unit 'IU' does not apply"),
        ({"substance": "magnesium", "amount": "5 mL"}, "regimen[1] (magnesium).amount: unit 'mL' does not apply"),
        ({"substance": "magnesium", "amount": "0 mg"}, "regimen[1] (magnesium).amount.value: "),
        ({"substance": "magnesium", "amount": "-5 mg"}, "regimen[1] (magnesium).amount.value: "),
        (
            {"substance": "magnesium", "amount": {"value": math.nan, "unit": "mg"}},
            "regimen[1] (magnesium).amount.value",
        ),
        (
            {"substance": "magnesium", "amount": {"value": math.inf, "unit": "mg"}},
            "regimen[1] (magnesium).amount.value",
        ),
        ({"substance": "magnesium", "amount": 400}, "regimen[1] (magnesium).amount: "),
        ({"substance": "magnesium", "amount": "400"}, "regimen[1] (magnesium).amount: "),
        ({"substance": "magnesium", "amount": "400 furlongs"}, "regimen[1] (magnesium).amount.unit: unknown unit"),
        ({"substance": "magnesium"}, "regimen[1] (magnesium): field 'amount' is required"),
        ({"substance": "magnesium", "amount": "1 g", "basis": "compound"}, "needs a form"),
        (
            {"substance": "iron", "form": "polysaccharide-iron complex", "amount": "150 mg", "basis": "compound"},
            "regimen[1] (iron).amount: basis 'compound' needs an elemental fraction",
        ),
        ({"substance": "magnesium", "amount": "1 mg", "per_day": 2, "per_week": 3}, "not both"),
        ({"substance": "magnesium", "amount": "1 mg", "per_day": 2, "times": ["08:00"]}, "times has 1 item"),
        (
            {"substance": "magnesium", "amount": "1 mg", "times": ["25:00"]},
            "regimen[1] (magnesium).times[0]: '25:00' is not a time",
        ),
        ({"substance": "magnesium", "amount": "1 mg", "times": ["brunch"]}, "not a time"),
        ({"substance": "magnesium", "amount": "1 mg", "per_day": 0}, "regimen[1] (magnesium).per_day"),
        ({"substance": "magnesium", "amount": "1 mg", "colour": "red"}, "regimen[1] (magnesium).colour: unknown field"),
        ({"product": "Multi"}, "regimen[1] (Multi): a product needs a non-empty 'ingredients' list"),
        ({"product": "Multi", "ingredients": []}, "regimen[1] (Multi)"),
        ({"substance": "zinc", "product": "Multi", "amount": "1 mg"}, "either a substance or a product"),
        (
            {"product": "Multi", "ingredients": [{"substance": "magnesium", "amount": "2 IU"}]},
            "regimen[1] (Multi).ingredients[0] (magnesium).amount: unit 'IU' does not apply",
        ),
        (
            {"product": "Multi", "ingredients": [{"substance": "zinc", "amount": "zero"}]},
            "regimen[1] (Multi).ingredients[0] (zinc).amount",
        ),
    ],
)
def test_malformed_entries(entry: dict[str, Any], expected: str) -> None:
    assert expected in problems_of(doc(entry))


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"regimen": [MAG], "patient": {}}, "patient: unknown field"),
        ({"profile": {"age": 40}}, "regimen: field is required"),
        ({"profile": {"age": 40}, "regimen": []}, "regimen: "),
        ({"profile": {"age": -1}, "regimen": [MAG]}, "profile.age"),
        ({"profile": {"age": "old"}, "regimen": [MAG]}, "profile.age"),
        ({"profile": {"sex": "male", "pregnant": True}, "regimen": [MAG]}, "pregnant"),
        ({"profile": {"day": {"wake": "7"}}, "regimen": [MAG]}, "profile.day.wake: '7' could be morning or evening"),
        ({"profile": {"medications": [{"name": "x", "times": ["soon"]}]}, "regimen": [MAG]}, "profile.medications[0]"),
        ([], "a regimen is a mapping with 'profile' and 'regimen', not a list"),
        ("not a mapping", "a regimen is a mapping with 'profile' and 'regimen', not text"),
    ],
)
def test_malformed_documents(data: Any, expected: str) -> None:
    assert expected in problems_of(data)


def test_every_problem_is_reported_at_once() -> None:
    message = problems_of(
        doc({"substance": "zinc", "amount": "1 mg", "per_day": 0}, {"substance": "zinc", "amount": "0 mg"})
    )
    assert "regimen[1] (zinc).per_day" in message
    assert "regimen[2] (zinc).amount" in message
    message = problems_of(
        doc({"substance": "magnesium", "amount": "1 IU"}, {"substance": "magnesium", "amount": "1 mL"})
    )
    assert "regimen[1] (magnesium).amount" in message
    assert "regimen[2] (magnesium).amount" in message


def test_json_errors() -> None:
    with pytest.raises(InputError, match="invalid JSON"):
        RegimenFile.model_validate_json("{not json")
    with pytest.raises(InputError, match=r"regimen\[0\] \(magnesium\)\.amount"):
        RegimenFile.model_validate_json(
            json.dumps({"regimen": [{"substance": "magnesium", "amount": "1 IU"}]}), context=KNOWN
        )


def test_check_validates_mappings_before_checking() -> None:
    with pytest.raises(InputError):
        check(doc({"substance": "magnesium", "amount": "1 IU"}))


def test_without_a_knowledge_base_the_model_checks_structure_and_check_checks_the_units(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from suppcheck._kb import loader

    def no_loading() -> None:
        raise AssertionError("validating a regimen loaded the bundled knowledge base")

    iu = doc({"substance": "magnesium", "amount": "1 IU"})
    with monkeypatch.context() as patched:
        patched.setattr(loader, "default_knowledge", no_loading)
        parsed = RegimenFile.model_validate(iu)
        with pytest.raises(InputError, match="per_day"):
            RegimenFile.model_validate(doc({"substance": "zinc", "amount": "1 mg", "per_day": 0}))
    assert not parsed.units_checked_against(load_knowledge())
    with pytest.raises(InputError, match=r"regimen\[1\] \(magnesium\)\.amount: unit 'IU' does not apply"):
        check(parsed)
    with pytest.raises(InputError, match=r"regimen\[1\] \(magnesium\)\.amount: unit 'IU' does not apply"):
        RegimenFile.model_validate(iu, context=KNOWN)
    # Which knowledge base checked the units (or none) is not part of the regimen.
    checked, bare = RegimenFile.model_validate(doc(), context=KNOWN), RegimenFile.model_validate(doc())
    assert checked == bare
    assert checked.units_checked_against(KNOWN["knowledge"])
    assert not bare.units_checked_against(KNOWN["knowledge"])


def test_accepted_spellings() -> None:
    parsed = RegimenFile.model_validate(
        {
            "_comment": "JSON files may carry _comment keys",
            "profile": {"sex": "Female", "medications": ["doxycycline", {"name": "levothyroxine", "times": ["06:30"]}]},
            "regimen": [
                {"substance": "Magnesium", "amount": {"value": 400, "unit": "mg"}, "times": ["morning"]},
                {"substance": "magnesium", "amount": "0.4 g", "per_week": 3, "times": ["night"]},
                {"substance": "magnesium", "amount": "400mg", "per_day": 2, "times": ["08:00", "bedtime"]},
            ],
        }
    )
    assert parsed.profile.sex == "female"
    assert [m.name for m in parsed.profile.medications] == ["doxycycline", "levothyroxine"]
    assert parsed.regimen[1].daily_frequency == pytest.approx(3 / 7)


def test_load_regimen_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "patient.yaml"
    bad.write_text("regimen:\n  - substance: magnesium\n    amount: 400 IU\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_regimen(bad)
    assert str(info.value).startswith(f"{bad}: regimen[0] (magnesium).amount: unit 'IU' does not apply to magnesium")
    broken = tmp_path / "broken.yaml"
    broken.write_text("regimen: [\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.yaml: invalid YAML: line"):
        load_regimen(broken)
    with pytest.raises(InputError, match="cannot read"):
        load_regimen(tmp_path / "missing.json")
