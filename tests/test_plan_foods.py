"""The planner builds the day around the person's foods and drinks, and says when moving one would help."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from suppcheck import check, plan
from suppcheck._plan.html import html_handout
from suppcheck._plan.render import print_schedule
from tests.test_plan import separation_findings


def _day(regimen: list[dict[str, Any]], foods: list[Any], **profile: Any) -> dict[str, Any]:
    return {"profile": {"age": 40, "sex": "female", **profile}, "regimen": regimen, "foods": foods}


def _status(p: Any, rule_id: str) -> Any:
    return next(s for s in (*p.satisfied, *p.unsatisfied) if s.rule_id == rule_id)


def test_iron_is_moved_clear_of_the_breakfast_coffee_and_the_check_agrees() -> None:
    p = plan(
        _day(
            [{"substance": "iron", "amount": "18 mg", "times": ["breakfast"]}],
            [{"name": "coffee", "amount": "2 cups", "times": ["breakfast"]}],
        )
    )
    (dose,) = p.doses
    assert dose.time != "07:30"
    assert "food.abs.iron.coffee_tea" in dose.keeps
    status = _status(p, "food.abs.iron.coffee_tea")
    assert status.satisfied
    assert status.foods == ("coffee",)
    assert p.all_satisfied
    report = check(p.apply())
    assert not separation_findings(report)
    assert {f.code for f in report.findings if "coffee" in f.foods} == {"food.absorption"}  # kept: info only
    assert [(f.name, f.id, f.times) for f in p.foods] == [("coffee", "coffee", ("07:30",))]


def test_take_iron_later_or_move_the_coffee() -> None:
    # Iron at 09:00 with coffee at 09:00: the plan moves the iron; moving the coffee to 09:30 would keep 09:00.
    p = plan(
        _day([{"substance": "iron", "amount": "18 mg", "times": ["09:00"]}], [{"name": "coffee", "times": ["09:00"]}])
    )
    (dose,) = p.doses
    assert dose.time != "09:00"
    assert dose.reason.startswith("moved from 09:00")
    (move,) = p.food_moves
    assert (move.rule_id, move.food, move.time, move.to, move.keeps) == (
        "food.abs.iron.coffee_tea",
        "coffee",
        "09:00",
        "09:30",
        "iron at 09:00",
    )
    assert "or keep iron at 09:00 and move coffee to 09:30" in dose.reason
    assert "Or keep iron at 09:00 and move coffee from 09:00 to 09:30." in _status(p, move.rule_id).reason
    # The alternative is real: the regimen's own time with the coffee moved passes the check.
    moved = _day(
        [{"substance": "iron", "amount": "18 mg", "times": ["09:00"]}], [{"name": "coffee", "times": ["09:30"]}]
    )
    assert not separation_findings(check(moved))


def test_no_move_is_offered_when_the_own_time_breaks_another_rule() -> None:
    # Iron at breakfast breaks its empty-stomach advice whatever the coffee does: no "keep 07:30" offer.
    p = plan(
        _day(
            [{"substance": "iron", "amount": "18 mg", "times": ["breakfast"]}],
            [{"name": "coffee", "times": ["breakfast"]}],
        )
    )
    assert p.food_moves == ()


def test_levothyroxine_at_0700_and_coffee_at_0715_cannot_be_planned_but_the_coffee_can_move() -> None:
    data = _day(
        [{"substance": "vitamin D", "amount": "25 mcg"}],
        [{"name": "coffee", "times": ["07:15"]}],
        medications=[{"name": "levothyroxine", "times": ["07:00"]}],
    )
    p = plan(data)
    assert not p.all_satisfied
    status = _status(p, "food.abs.levothyroxine.food_or_drink")
    assert (status.why, status.medications, status.foods) == ("always_broken", ("levothyroxine",), ("coffee",))
    assert "levothyroxine at 07:00 and coffee at 07:15 are 0.25 h apart" in status.reason
    (move,) = p.food_moves
    assert (move.food, move.time, move.to, move.keeps) == ("coffee", "07:15", "07:30", None)
    assert "Moving coffee from 07:15 to 07:30 would keep it." in status.reason
    assert separation_findings(check(p.apply())) == {"food.abs.levothyroxine.food_or_drink"}
    data["foods"] = [{"name": "coffee", "times": ["07:30"]}]
    assert not separation_findings(check(data))


def test_a_dose_before_waking_still_starts_the_day() -> None:
    # Levothyroxine at 06:30, wake 07:00, coffee at 07:30: the dose is first in the day, an hour before coffee.
    data = _day(
        [{"substance": "vitamin D", "amount": "25 mcg"}],
        [{"name": "coffee", "times": ["07:30"]}, {"name": "yogurt", "times": ["23:00"]}],
        medications=[{"name": "levothyroxine", "times": ["06:30"]}],
    )
    assert _status(plan(data), "food.abs.levothyroxine.food_or_drink").why == "kept"
    assert not separation_findings(check(data))


def test_a_food_without_times_is_reported_and_never_makes_a_plan_all_kept() -> None:
    p = plan(_day([{"substance": "iron", "amount": "18 mg"}], ["coffee", "pickled herring"]))
    status = _status(p, "food.abs.iron.coffee_tea")
    assert (status.why, status.satisfied) == ("no_food_time", False)
    assert "no time is given for coffee" in status.reason
    assert not p.all_satisfied
    coffee, herring = p.foods
    assert coffee.times == ()
    assert "food.abs.iron.coffee_tea cannot be planned around it" in coffee.note
    assert (herring.id, herring.note) == (None, "not recognized, so the plan cannot allow for it")


def test_ciprofloxacin_and_milk_at_a_meal_is_no_rule_to_plan() -> None:
    data = _day(
        [{"substance": "vitamin C", "amount": "250 mg"}],
        [{"name": "milk", "times": ["breakfast"]}],
        medications=[{"name": "ciprofloxacin", "times": ["07:30"]}],
    )
    p = plan(data)
    assert not any(s.rule_id == "food.abs.ciprofloxacin.dairy_alone" for s in (*p.satisfied, *p.unsatisfied))


def test_the_outputs_show_the_foods_and_the_move(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "240")  # one line a row, so that the text can be searched
    data = _day(
        [{"substance": "iron", "amount": "18 mg", "times": ["09:00"]}], [{"name": "coffee", "times": ["09:00"]}]
    )
    p = plan(data)
    out = io.StringIO()
    print_schedule(p, "table", file=out)
    text = out.getvalue()
    assert "coffee (your food or drink)" in text
    assert "Or: keep iron at 09:00 and have coffee at 09:30 instead of 09:00 (food.abs.iron.coffee_tea)." in text
    page = html_handout(p)
    assert "coffee (your usual time)" in page
    assert "Or keep iron at 09:00 and have your coffee at 09:30 instead of 09:00." in page
    assert "so that coffee is taken at least 2 hours before it or 0.5 hours after it" in page
    dumped = json.loads(p.model_dump_json())
    assert dumped["food_moves"][0]["to"] == "09:30"
    assert dumped["foods"][0]["id"] == "coffee"


def _iron_with_coffee_and_milk(coffee: str = "09:00", milk: str = "09:00") -> dict[str, Any]:
    return _day(
        [{"substance": "iron", "amount": "18 mg", "times": ["09:00"]}],
        [{"name": "coffee", "times": [coffee]}, {"name": "milk", "times": [milk]}],
    )


def test_two_drinks_in_the_way_of_one_dose_are_one_alternative(monkeypatch: pytest.MonkeyPatch) -> None:
    # Iron at 09:00 with coffee and milk at 09:00: keeping 09:00 needs both drinks moved, and every output says so once.
    monkeypatch.setenv("COLUMNS", "240")
    p = plan(_iron_with_coffee_and_milk())
    assert [(m.rule_id, m.food, m.to, m.keeps, m.option) for m in p.food_moves] == [
        ("food.abs.iron.coffee_tea", "coffee", "09:30", "iron at 09:00", 1),
        ("food.abs.iron.dairy", "milk", "09:30", "iron at 09:00", 1),
    ]
    both = "Or keep iron at 09:00 and move coffee from 09:00 to 09:30 and milk from 09:00 to 09:30."
    assert {m.reason for m in p.food_moves} == {both}
    for rule in ("food.abs.iron.coffee_tea", "food.abs.iron.dairy"):
        assert _status(p, rule).reason.count(both) == 1
    (dose,) = p.doses
    assert dose.reason.endswith("or keep iron at 09:00 and move coffee to 09:30 and milk to 09:30")
    out = io.StringIO()
    print_schedule(p, "table", file=out)
    text = out.getvalue()
    assert text.count("Or: keep iron at 09:00") == 1
    assert (
        "Or: keep iron at 09:00 and have coffee at 09:30 instead of 09:00 and milk at 09:30 instead of 09:00 "
        "(food.abs.iron.coffee_tea, food.abs.iron.dairy)." in text
    )
    page = html_handout(p)
    assert page.count("Or keep iron at 09:00 and have") == 1  # the handout; the clinician table has each rule
    assert "Or keep iron at 09:00 and have your coffee at 09:30 instead of 09:00 and your milk at 09:30" in page
    # Both moves are needed: with the coffee moved alone the milk still breaks the dairy rule.
    assert not separation_findings(check(_iron_with_coffee_and_milk("09:30", "09:30")))
    assert separation_findings(check(_iron_with_coffee_and_milk("09:30", "09:00"))) == {"food.abs.iron.dairy"}


def test_an_alternative_is_offered_whole_or_not_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    # When the milk has nowhere to go, moving the coffee alone would keep nothing: no move is offered.
    from suppcheck._plan import planner

    nearest = planner._nearest_food_time

    def nowhere_for_milk(problem: Any, g: int, subject: Any, minute: int, food_id: str, *rest: Any) -> int | None:
        return None if food_id == "milk" else nearest(problem, g, subject, minute, food_id, *rest)

    monkeypatch.setattr(planner, "_nearest_food_time", nowhere_for_milk)
    p = plan(_iron_with_coffee_and_milk())
    assert p.food_moves == ()
    assert "or keep" not in p.doses[0].reason


@pytest.mark.parametrize("cipro", ["06:30", "07:00"])
def test_a_food_moved_away_from_a_meal_is_judged_taken_alone(cipro: str) -> None:
    # Milk at breakfast is part of a meal, so ciprofloxacin's dairy-alone rule does not apply to it. Moving it
    # to 07:00 to keep iron at 09:00 would make it milk taken alone beside ciprofloxacin: not offered.
    def day(milk: str) -> dict[str, Any]:
        return _day(
            [{"substance": "iron", "amount": "18 mg", "times": ["09:00"]}],
            [{"name": "milk", "times": [milk]}],
            medications=[{"name": "ciprofloxacin", "times": [cipro]}],
        )

    assert "food.abs.ciprofloxacin.dairy_alone" in separation_findings(check(day("07:00")))
    p = plan(day("breakfast"))
    assert p.food_moves == ()
    assert p.all_satisfied
    # With the ciprofloxacin in the evening the same move is offered, and the check agrees with it.
    evening = day("breakfast")
    evening["profile"]["medications"] = [{"name": "ciprofloxacin", "times": ["21:00"]}]
    (move,) = plan(evening).food_moves
    assert (move.food, move.time, move.to, move.keeps) == ("milk", "07:30", "07:00", "iron at 09:00")
    evening["foods"] = [{"name": "milk", "times": ["07:00"]}]
    assert not separation_findings(check(evening))
