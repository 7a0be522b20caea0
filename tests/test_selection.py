"""The planner and the checker read one rule selection, so they agree on which rules apply."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from suppcheck import InputError, RegimenFile, check, load_knowledge
from suppcheck._engine.context import build_context
from suppcheck._engine.derived import INTERACTION_FAMILIES
from suppcheck._engine.select import interaction_pairs, separation_pairs, timing_doses
from suppcheck._plan.problem import build
from tests.test_properties import SETTINGS, TIMES, entries, regimens

KB = load_knowledge()
WINDOWED = [r for r in KB.rules.values() if r.family in INTERACTION_FAMILIES and r.separation is not None]
# Substances and medications that separation rules name, so that most drawn regimens hold a pair.
SUBSTANCES = sorted({s for r in WINDOWED for s in (*r.substances, *r.with_substances)})
MEDICATIONS = sorted({m for r in WINDOWED for m in (*r.medications, *r.medication_classes)} & set(KB.medications))


@st.composite
def paired_regimens(draw: st.DrawFn) -> dict[str, Any]:
    """Regimens of the substances and medications that separation rules name, with times or without."""
    entries_ = []
    for substance in draw(st.lists(st.sampled_from(SUBSTANCES), min_size=1, max_size=5)):
        entry = draw(entries()) | {"substance": substance}
        entry.pop("form", None)
        entry["amount"] = f"{draw(st.integers(min_value=1, max_value=1500))} {KB.substances[substance].unit}"
        if "times" in entry:
            entry["per_day"] = len(entry["times"])
        entries_.append(entry)
    meds = draw(st.lists(st.sampled_from(MEDICATIONS), min_size=1, max_size=3, unique=True))
    medications = [{"name": m, "times": [draw(st.sampled_from(TIMES))]} if draw(st.booleans()) else m for m in meds]
    profile = {"age": draw(st.sampled_from([None, 8, 30, 70])), "medications": medications}
    return {"profile": profile, "regimen": entries_}


def _separation_rule(rule_id: str) -> bool:
    rule = KB.rules.get(rule_id)
    return rule is not None and rule.family in INTERACTION_FAMILIES and rule.separation is not None


@SETTINGS
@given(st.one_of(paired_regimens(), regimens()))
def test_the_planner_considers_exactly_the_separation_rules_the_checker_evaluates(data: dict[str, Any]) -> None:
    try:
        regimen = RegimenFile.model_validate(data, context={"knowledge": KB})
        problem = build(build_context(regimen, KB))
    except InputError:
        assume(False)  # a unit the substance cannot take, or more doses than the day has times for
        raise
    report = check(regimen, knowledge=KB)
    planned = sorted((g.rule_id, g.substances, g.medications) for g in problem.groups if g.kind == "separation")
    checked = sorted((f.rule_id, f.substances, f.medications) for f in report.findings if _separation_rule(f.rule_id))
    assert planned == checked
    # Every timing finding the checker raises is a timing group of the planner's, for the same dose.
    timed = {(g.rule_id, g.substances, g.subject_entries) for g in problem.groups if g.kind == "timing"}
    advice = {(f.rule_id, f.substances, f.entries) for f in report.findings if f.code == "timing.advice"}
    assert advice <= timed


def test_a_separation_pair_is_an_interaction_pair_with_a_window() -> None:
    data = {
        "profile": {"age": 60, "medications": [{"name": "levothyroxine", "times": ["07:00"]}, "warfarin"]},
        "regimen": [
            {"substance": "iron", "amount": "65 mg", "times": ["07:00"]},
            {"substance": "calcium", "amount": "500 mg", "times": ["07:00"]},
            {"substance": "vitamin K", "amount": "100 mcg"},
            {"substance": "melatonin", "amount": "3 mg", "times": ["12:00"]},
        ],
    }
    ctx = build_context(RegimenFile.model_validate(data, context={"knowledge": KB}), KB)
    pairs = list(interaction_pairs(ctx))
    windows = list(separation_pairs(ctx))
    assert windows == [p for p in pairs if p.view.rule.separation is not None]
    assert windows, "levothyroxine with iron and calcium keep a window"
    assert len(windows) < len(pairs), "warfarin with vitamin K has no window"
    assert {(t.view.rule.id, t.dose.substance.id) for t in timing_doses(ctx)} >= {
        (r.id, "melatonin") for r in KB.rules_for_substance("melatonin") if r.timing is not None
    }


FOOD_WINDOWED = {r.id for r in KB.food_rules.values() if r.separation is not None}
FOOD_SUBJECTS = sorted({s for r in KB.food_rules.values() if r.separation is not None for s in r.substances})
FOOD_MEDICATIONS = sorted(
    {m for r in KB.food_rules.values() if r.separation is not None for m in r.medications} & set(KB.medications)
)
FOOD_NAMES = ["coffee", "black tea", "milk", "yogurt", "soy milk", "walnuts", "orange juice", "meal", "plain water"]


@st.composite
def food_regimens(draw: st.DrawFn) -> dict[str, Any]:
    """Regimens whose substances and medications windowed food rules name, with foods at times or without."""
    data = draw(paired_regimens())
    for substance in FOOD_SUBJECTS:
        if draw(st.booleans()):
            entry: dict[str, Any] = {"substance": substance, "amount": f"18 {KB.substances[substance].unit}"}
            if draw(st.booleans()):
                entry["times"] = [draw(st.sampled_from(TIMES))]
            data["regimen"].append(entry)
    meds = draw(st.lists(st.sampled_from(FOOD_MEDICATIONS), max_size=2, unique=True))
    data["profile"]["medications"] += [
        {"name": m, "times": [draw(st.sampled_from(TIMES))]} if draw(st.booleans()) else m for m in meds
    ]
    foods: list[Any] = []
    for name in draw(st.lists(st.sampled_from(FOOD_NAMES), min_size=1, max_size=4, unique=True)):
        times = draw(st.lists(st.sampled_from(TIMES), max_size=2, unique=True))
        foods.append({"name": name, "times": times} if times else name)
    data["foods"] = foods
    return data


@SETTINGS
@given(food_regimens())
def test_the_planner_considers_exactly_the_food_windows_the_checker_evaluates(data: dict[str, Any]) -> None:
    try:
        regimen = RegimenFile.model_validate(data, context={"knowledge": KB})
        problem = build(build_context(regimen, KB))
    except InputError:
        assume(False)
        raise
    report = check(regimen, knowledge=KB)
    planned = sorted((g.rule_id, g.substances, g.medications) for g in problem.groups if g.food_window is not None)
    checked = sorted((f.rule_id, f.substances, f.medications) for f in report.findings if f.rule_id in FOOD_WINDOWED)
    assert planned == checked
    # The checker's broken windows are the planner's groups that its own times already break.
    fixed = {
        (g.rule_id, g.medications)
        for g in problem.groups
        if g.food_window is not None and g.medications and g.always_broken is not None
    }
    broken = {(f.rule_id, f.medications) for f in report.findings if f.code == "food.separation" and f.medications}
    assert fixed == broken
