"""Foods and drinks in the regimen format, the CSV reader, the planner and the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from suppcheck import InputError, check, plan, read_regimens
from suppcheck._regimen import RegimenFile

from .test_cli import run


def _doc(*foods: Any, **profile: Any) -> dict[str, Any]:
    return {
        "profile": {"age": 40, "sex": "female", **profile},
        "regimen": [{"substance": "iron", "amount": "18 mg", "times": ["10:00"]}],
        "foods": list(foods),
    }


def test_a_food_is_a_name_or_a_mapping() -> None:
    regimen = RegimenFile.model_validate(
        _doc("coffee", {"name": "wine", "amount": "Two  Glasses", "times": ["dinner"]})
    )
    assert [f.name for f in regimen.foods] == ["coffee", "wine"]
    assert regimen.foods[0].quantity == (1.0, "")
    assert regimen.foods[1].amount == "2 glasses"
    assert regimen.foods[1].quantity == (2.0, "glasses")
    assert regimen.foods[1].times == ("dinner",)


def test_foods_are_optional_and_empty_by_default() -> None:
    regimen = RegimenFile.model_validate({"regimen": [{"substance": "iron", "amount": "18 mg"}]})
    assert regimen.foods == ()


@pytest.mark.parametrize(
    ("item", "kind", "where"),
    [
        ({"name": "wine", "amount": "lots"}, "food_amount_invalid", "foods[0] (wine).amount"),
        ({"name": "wine", "amount": "0 drinks"}, "food_amount_invalid", "foods[0] (wine).amount"),
        ({"name": "coffee", "times": []}, "times_empty", "foods[0] (coffee).times"),
        ({"name": "coffee", "times": ["25:00"]}, "time_invalid", "foods[0] (coffee).times[0]"),
        ({"name": "coffee", "cups": 2}, "extra_forbidden", "foods[0] (coffee).cups"),
        ({"amount": "1 cup"}, "missing", "foods[0].name"),
    ],
)
def test_a_bad_food_is_an_input_error_naming_the_food_and_field(item: dict[str, Any], kind: str, where: str) -> None:
    with pytest.raises(InputError) as info:
        check(_doc(item))
    problems = info.value.details
    assert [p.type for p in problems] == [kind]
    assert problems[0].where == where


def test_an_unknown_food_is_reported_never_dropped() -> None:
    report = check(_doc("kombucha", "coffee"))
    unknown = [f for f in report.findings if f.code == "input.unrecognized_food"]
    assert len(unknown) == 1
    assert "'kombucha'" in unknown[0].message
    assert not report.complete
    assert any(f.code == "food.absorption" and f.foods == ("coffee",) for f in report.findings)


def test_a_category_name_stands_for_its_foods() -> None:
    report = check(_doc({"name": "alcohol", "amount": "4 drinks", "times": ["dinner"]}))
    depletions = [f for f in report.findings if f.code == "food.depletion"]
    assert {f.rule_id for f in depletions} == {
        "food.dep.alcohol.thiamine",
        "food.dep.alcohol.folate",
        "food.dep.alcohol.magnesium",
    }
    assert all(f.foods == ("alcoholic_drink",) for f in depletions)


@pytest.mark.parametrize(
    ("sex", "drinks", "fires"),
    [
        ("male", 2, False),
        ("male", 3, True),
        ("female", 1, False),
        ("female", 2, True),
        (None, 1, False),
        (None, 2, True),
    ],
)
def test_drinking_levels_follow_sex(sex: str | None, drinks: int, fires: bool) -> None:
    # Men: above 4 a day or 14 a week; women (and sex not given): above 3 a day or 7 a week. A daily
    # drink counts seven times a week.
    doc = _doc({"name": "beer", "amount": f"{drinks} drinks", "times": ["dinner"]})
    doc["profile"]["sex"] = sex
    report = check(doc)
    assert any(f.code == "food.depletion" for f in report.findings) is fires


def test_an_amount_not_in_drinks_is_not_counted_and_says_so() -> None:
    report = check(
        _doc({"name": "beer", "amount": "3 pints", "times": ["dinner"]}, {"name": "spirits", "amount": "4 drinks"})
    )
    depletion = next(f for f in report.findings if f.code == "food.depletion")
    assert "Not counted, the amount not being in drinks or a volume: beer." in depletion.message
    assert "estimate" in depletion.message


def test_delayed_release_risedronate_is_not_held_to_the_before_food_rule() -> None:
    def rules(name: str) -> set[str]:
        doc = _doc({"name": "coffee", "times": ["07:00"]}, medications=[{"name": name, "times": ["07:00"]}])
        return {f.rule_id for f in check(doc).findings}

    assert "food.abs.risedronate.food_or_drink" in rules("risedronate")
    assert "food.abs.risedronate.food_or_drink" not in rules("Atelvia")


def test_the_planner_leaves_foods_alone_and_does_not_fail() -> None:
    doc = _doc({"name": "coffee", "times": ["07:15"]}, medications=[{"name": "levothyroxine", "times": ["07:00"]}])
    result = plan(doc)
    assert [d.name for d in result.doses] == ["iron"]


def test_a_csv_foods_column_is_a_list_of_names(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "id,age,sex,foods,substance,amount\n"
        "m-1,45,female,coffee;milk,iron,18 mg\n"
        "m-1,,,,zinc,15 mg\n"
        "m-2,45,female,kombucha,zinc,15 mg\n",
        encoding="utf-8",
    )
    docs = list(read_regimens(path))
    assert next(d.regimen.foods for d in docs if d.regimen is not None)[0].name == "coffee"
    first, second = (check(d.regimen) for d in docs if d.regimen is not None)
    assert {f.rule_id for f in first.findings} >= {"food.abs.iron.coffee_tea", "food.abs.iron.dairy"}
    assert any(f.code == "input.unrecognized_food" for f in second.findings)


def test_a_csv_foods_column_that_disagrees_within_an_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id,foods,substance,amount\nm-1,coffee,iron,18 mg\nm-1,tea,zinc,15 mg\n", encoding="utf-8")
    (doc,) = read_regimens(path)
    assert doc.error is not None
    assert "row 3.foods: 'tea' disagrees with an earlier row of id 'm-1'" in str(doc.error)


def test_the_command_line_shows_food_findings_as_json(tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    doc = _doc({"name": "coffee", "times": ["10:15"]})
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = run(["check", str(path), "--format", "json"], cwd=tmp_path)
    report = json.loads(result.stdout)
    found = [f for f in report["findings"] if f["code"] == "food.separation"]
    assert found[0]["foods"] == ["coffee"]
    assert found[0]["hours_scheduled"] == 0.25
    assert all("foods" in f for f in report["findings"])


def test_explain_and_lookup_know_food_rules_and_foods(tmp_path: Path) -> None:
    explained = run(["explain", "food.abs.levothyroxine.food_or_drink"], cwd=tmp_path)
    assert explained.returncode == 0, explained.stderr
    assert "(food rule)" in explained.stdout
    assert "before the first food or drink of the day" in explained.stdout
    assert "dailymed-synthroid" in explained.stdout
    data = json.loads(run(["explain", "food.dep.alcohol.folate", "--format", "json"], cwd=tmp_path).stdout)
    assert data["found"]["kind"] == "food_rule"
    assert "niaaa-drinking-levels" in [r["id"] for r in data["found"]["references"]]
    assert "provenance" not in data["found"]["record"]
    found = json.loads(run(["lookup", "Latte", "--format", "json"], cwd=tmp_path).stdout)["matches"]
    assert [(m["kind"], m["id"]) for m in found] == [("food", "coffee_with_milk")]
    assert "food.abs.iron.coffee_tea" in found[0]["food_rules"]
    missed = run(["explain", "food.abs.iron.cofee_tea"], cwd=tmp_path)
    assert missed.returncode == 2
    assert "food.abs.iron.coffee_tea" in missed.stderr
