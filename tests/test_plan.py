"""The planner (issue 5): a daily timetable that keeps every separation window and timing rule."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import icalendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suppcheck import InputError, KnowledgeBase, RegimenFile, Report, _clock, check, load_knowledge
from suppcheck._engine.context import build_context
from suppcheck._files import load_regimen
from suppcheck._plan import Plan, plan
from suppcheck._plan.ics import fold, to_ics
from suppcheck._plan.model import alternatives
from suppcheck._plan.problem import GRID, Problem, build, evaluate, structural_problem, violated
from suppcheck._plan.render import print_schedule, to_json
from suppcheck._plan.solver import solve

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
KB = load_knowledge()


def minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


def times_of(p: Plan, entry: int) -> list[str]:
    return [d.time for d in p.doses if d.entry == entry]


def separation_findings(report: Report) -> set[str]:
    """The rules whose windows the report says the schedule breaks: between doses, or against a food."""
    return {f.rule_id for f in report.findings if f.code in ("timing.separation", "food.separation")}


def problem_of(data: dict[str, Any] | RegimenFile, kb: KnowledgeBase = KB) -> Problem:
    regimen = data if isinstance(data, RegimenFile) else RegimenFile.model_validate(data, context={"knowledge": kb})
    return build(build_context(regimen, kb))


def person(*entries: dict[str, Any], **profile: Any) -> dict[str, Any]:
    return {"profile": {"age": 60, "sex": "female", **profile}, "regimen": list(entries)}


# -- the shared examples ----------------------------------------------------------------------------


def test_polypharmacy_example_keeps_levothyroxine_and_splits_calcium() -> None:
    regimen = load_regimen(EXAMPLES / "polypharmacy-older-adult.yaml")
    p = plan(regimen)
    assert p.optimal
    levothyroxine = next(m for m in p.medications if m.id == "levothyroxine")
    assert levothyroxine.times == ("06:30",)
    # Nothing with iron or calcium within 4 h of the 06:30 levothyroxine.
    for entry in (0, 1):
        for t in times_of(p, entry):
            assert minutes(t) - minutes("06:30") >= 240
    # 600 mg calcium carbonate: two 300 mg doses at meals, the daily total unchanged.
    assert [(s.entry, s.factor, s.amount_per_dose) for s in p.splits] == [(1, 2, "300 mg")]
    calcium = [d for d in p.doses if d.entry == 1]
    assert len(calcium) == 2
    assert all(d.with_food and d.amount == "300 mg" for d in calcium)
    # Iron and calcium in one product can never be separated; the plan says so and why.
    always = {s.rule_id: s for s in p.unsatisfied if s.why == "always_broken"}
    assert "abs.iron.calcium" in always
    assert "same product (Senior Multi)" in always["abs.iron.calcium"].reason
    # The multivitamin's iron wants an empty stomach, its calcium, D and E a meal: one must give.
    assert any(s.kind == "timing" for s in p.unsatisfied)
    assert ("abs.iron.calcium",) in p.conflicts
    assert any(len(c) == 2 and "timing.iron.empty_stomach" in c for c in p.conflicts)
    assert not p.all_satisfied
    untimed = {m.id: m.note for m in p.medications if not m.times}
    assert set(untimed) == {"omeprazole", "metformin", "warfarin"}
    applied = p.apply()
    before, after = check(regimen), check(applied)
    assert separation_findings(after) == {"abs.iron.calcium"}
    assert [(t.substance, t.daily_amount) for t in before.totals] == [
        (t.substance, t.daily_amount) for t in after.totals
    ]
    assert not [f for f in after.findings if f.code == "dose.per_dose_limit"]


def test_rls_example_is_fully_satisfied() -> None:
    p = plan(load_regimen(EXAMPLES / "rls-evening-regimen.yaml"))
    assert p.all_satisfied
    assert p.optimal
    assert not p.unsatisfied
    iron, calcium, magnesium, melatonin = (minutes(times_of(p, e)[0]) for e in (0, 2, 5, 6))
    by_entry = {d.entry: d for d in p.doses}
    assert not by_entry[0].with_food  # iron on an empty stomach
    assert by_entry[2].with_food  # calcium carbonate with a meal
    assert min(abs(iron - calcium), 1440 - abs(iron - calcium)) >= 120
    assert min(abs(iron - magnesium), 1440 - abs(iron - magnesium)) >= 120
    assert minutes("20:30") <= melatonin <= minutes("22:30")
    report = check(p.apply())
    assert not [f for f in report.findings if f.code in ("timing.separation", "timing.advice")]


def test_tremor_example_moves_magnesium_clear_of_doxycycline() -> None:
    p = plan(load_regimen(EXAMPLES / "tremor-magnesium-kidney.yaml"))
    assert p.all_satisfied
    # The antibiotic at 09:00 and 21:00 must come 2 h before or 4 h after magnesium: 11:00 is the earliest.
    assert times_of(p, 0) == ["11:00"]
    assert p.doses[0].keeps == ("med.magnesium.tetracyclines",)
    assert "moved from 08:00" in p.doses[0].reason
    assert [m.times for m in p.medications if m.id == "doxycycline"] == [("09:00", "21:00")]
    assert not separation_findings(check(p.apply()))


def test_magnesium_twice_daily_keeps_the_users_own_times() -> None:
    p = plan(load_regimen(EXAMPLES / "magnesium-400mg-twice-daily.json"))
    assert times_of(p, 0) == ["07:30", "22:30"]
    assert p.moves == 0
    assert p.all_satisfied
    assert all(d.your_time for d in p.doses)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.*")), ids=lambda p: p.name)
def test_every_example_plans_and_agrees_with_the_checker(path: Path) -> None:
    p = plan(load_regimen(path))
    broken = {s.rule_id for s in p.unsatisfied if s.kind == "separation" and s.why != "no_medication_time"}
    assert separation_findings(check(p.apply())) == broken
    for dose in p.doses:
        assert minutes(dose.time) % GRID == 0 or dose.slot is not None or dose.your_time
        assert dose.with_food == (dose.slot in ("breakfast", "lunch", "dinner"))


# -- the morning clash, splits, infeasible cases --------------------------------------------------


def morning_clash() -> dict[str, Any]:
    return person(
        {"substance": "iron", "form": "ferrous sulfate", "amount": "65 mg", "times": ["breakfast"]},
        {"substance": "calcium", "form": "carbonate", "amount": "500 mg", "times": ["breakfast"]},
        {"substance": "magnesium", "form": "citrate", "amount": "200 mg", "times": ["breakfast"]},
        medications=[
            {"name": "levothyroxine", "times": ["06:30"]},
            {"name": "doxycycline", "times": ["08:00", "20:00"]},
        ],
    )


def test_morning_clash_levothyroxine_iron_calcium_magnesium_tetracycline() -> None:
    data = morning_clash()
    before = separation_findings(check(data))
    assert {"med.iron.thyroid_hormones", "med.calcium.thyroid_hormones", "abs.iron.calcium"} <= before
    p = plan(data)
    assert p.all_satisfied
    assert p.optimal
    # Levothyroxine 06:30 wants 4 h; doxycycline 08:00 and 20:00 wants 2 h before or 3-4 h after; calcium
    # at a meal; iron 2 h from calcium and magnesium, away from meals. Lunch is the only meal left.
    assert times_of(p, 1) == ["12:30"]
    assert times_of(p, 2) == ["12:30"]
    assert times_of(p, 0) == ["14:30"]
    assert p.times_per_day == 5  # 06:30, 08:00, 12:30, 14:30, 20:00
    kept = {s.rule_id for s in p.satisfied}
    assert {
        "med.iron.thyroid_hormones",
        "med.calcium.thyroid_hormones",
        "med.magnesium.thyroid_hormones",
        "med.iron.tetracyclines",
        "med.calcium.tetracyclines",
        "med.magnesium.tetracyclines",
        "abs.iron.calcium",
        "abs.iron.magnesium",
        "timing.iron.empty_stomach",
        "timing.calcium.carbonate_with_food",
    } <= kept
    report = check(p.apply())
    assert not separation_findings(report)
    assert not [f for f in report.findings if f.code == "timing.advice"]


def test_a_large_calcium_dose_is_split_with_totals_unchanged() -> None:
    data = person({"substance": "calcium", "form": "carbonate", "amount": "1,000 mg", "times": ["breakfast"]})
    assert [f.code for f in check(data).findings if f.code == "dose.per_dose_limit"]
    p = plan(data)
    assert p.all_satisfied
    assert [(s.factor, s.doses_per_day, s.amount_per_dose, s.rule_id) for s in p.splits] == [
        (2, 2, "500 mg", "per_dose.calcium")
    ]
    doses = [d for d in p.doses if d.entry == 0]
    assert [d.time for d in doses] == ["07:30", "12:30"]  # breakfast kept, the new dose at the next meal
    assert all(d.with_food and d.amount == "500 mg" for d in doses)
    applied = p.apply()
    entry = applied.regimen[0]
    assert entry.per_day == 2
    assert entry.amount is not None
    assert entry.amount.value == 500
    assert entry.times == ("07:30", "12:30")
    assert entry.with_food is True
    before, after = check(data), check(applied)
    assert [(t.substance, t.daily_amount) for t in after.totals] == [
        (t.substance, t.daily_amount) for t in before.totals
    ]
    assert not [f for f in after.findings if f.code in ("dose.per_dose_limit", "duplicate.substance")]


def test_a_split_product_divides_every_ingredient() -> None:
    data = person(
        {
            "product": "Bone Formula",
            "ingredients": [
                {"substance": "calcium", "form": "carbonate", "amount": "1200 mg"},
                {"substance": "vitamin D", "amount": "20 mcg"},
            ],
        }
    )
    p = plan(data)
    assert [(s.factor, s.doses_per_day) for s in p.splits] == [(3, 3)]
    applied = p.apply().regimen[0]
    assert applied.per_day == 3
    assert applied.ingredients is not None
    assert [i.amount.value for i in applied.ingredients] == [400, 20 / 3]
    before, after = check(data), check(p.apply())
    assert [(t.substance, t.daily_amount) for t in after.totals] == [
        (t.substance, t.daily_amount) for t in before.totals
    ]


def test_two_entries_over_the_per_dose_limit_together_are_kept_apart() -> None:
    data = person(
        {"substance": "calcium", "form": "carbonate", "amount": "400 mg", "times": ["breakfast"]},
        {"product": "Multi", "times": ["breakfast"], "ingredients": [{"substance": "calcium", "amount": "200 mg"}]},
    )
    p = plan(data)
    assert p.all_satisfied
    assert times_of(p, 0) != times_of(p, 1)
    assert not [f for f in check(p.apply()).findings if f.code == "dose.per_dose_limit"]


def test_infeasible_names_the_conflict_and_breaks_the_least() -> None:
    # Tetracycline four times a day leaves no time 4 h from every dose for zinc.
    data = person(
        {"substance": "zinc", "amount": "25 mg", "times": ["breakfast"]},
        {"substance": "vitamin C", "amount": "500 mg"},
        medications=[{"name": "doxycycline", "times": ["08:00", "12:00", "16:00", "20:00"]}],
    )
    p = plan(data)
    assert not p.all_satisfied
    assert p.optimal
    assert p.conflicts == (("med.zinc.tetracyclines",),)
    (status,) = p.unsatisfied
    assert status.why == "always_broken"
    assert status.severity.value == "moderate"
    assert "far enough from doxycycline at 08:00, 12:00, 16:00, 20:00" in status.reason
    assert separation_findings(check(p.apply())) == {"med.zinc.tetracyclines"}


def _triangle_rules(tmp_path: Path) -> KnowledgeBase:
    def rule(a: str, b: str, severity: str) -> dict[str, Any]:
        return {
            "id": f"test.{a}.{b}",
            "family": "absorption.reduced",
            "severity": severity,
            "evidence": "D",
            "substances": [a],
            "with_substances": [b],
            "separation": {"other_before_hours": 4, "other_after_hours": 4},
            "mechanism": "A made-up clash for the planner's tests.",
            "recommendation": "Keep them 4 h apart.",
            "references": ["ods-magnesium-hp"],
        }

    extra = tmp_path / "triangle.json"
    rules = [
        rule("zinc", "copper", "moderate"),
        rule("copper", "manganese", "moderate"),
        rule("zinc", "manganese", "minor"),
    ]
    extra.write_text(json.dumps({"rules": rules}), encoding="utf-8")
    return load_knowledge(extra=[extra])


def test_three_items_four_hours_apart_twice_a_day_do_not_fit_in_14_hours(tmp_path: Path) -> None:
    kb = _triangle_rules(tmp_path)
    data = person(
        {"substance": "zinc", "amount": "8 mg", "per_day": 2},
        {"substance": "copper", "amount": "1 mg", "per_day": 2},
        {"substance": "manganese", "amount": "2 mg", "per_day": 2},
        day={"wake": "07:00", "breakfast": "07:30", "lunch": "12:30", "dinner": "18:00", "bedtime": "21:00"},
    )
    p = plan(data, knowledge=kb)
    assert not p.all_satisfied
    assert p.optimal
    assert p.conflicts == (("test.copper.manganese", "test.zinc.copper", "test.zinc.manganese"),)
    # One rule must give, and it is the least severe one.
    assert [(s.rule_id, s.severity.value) for s in p.unsatisfied] == [("test.zinc.manganese", "minor")]
    assert "keeps it together with test.copper.manganese, test.zinc.copper" in p.unsatisfied[0].reason
    assert separation_findings(check(p.apply(), knowledge=kb)) == {"test.zinc.manganese"}
    # Once a day each, the three fit: 07:00, 11:00, 15:00.
    for entry in data["regimen"]:
        entry["per_day"] = 1
    once = plan(data, knowledge=kb)
    assert once.all_satisfied
    assert sorted(d.time for d in once.doses) == ["07:00", "11:00", "15:00"]


def test_medications_without_times_are_reported_not_invented() -> None:
    data = person({"substance": "calcium", "form": "carbonate", "amount": "500 mg"}, medications=["levothyroxine"])
    p = plan(data)
    assert not p.all_satisfied
    (status,) = p.unsatisfied
    assert status.rule_id == "med.calcium.thyroid_hormones"
    assert status.why == "no_medication_time"
    assert "no time is given for levothyroxine" in status.reason
    assert p.medications[0].times == ()
    assert "med.calcium.thyroid_hormones" in p.medications[0].note
    assert len(p.doses) == 1  # the calcium still gets a time


# -- preferences ----------------------------------------------------------------------------------


def test_own_times_preference_keeps_user_times_that_break_nothing() -> None:
    regimen = load_regimen(EXAMPLES / "rls-evening-regimen.yaml")
    fewest = plan(regimen)
    own = plan(regimen, prefer="own_times")
    assert own.all_satisfied
    assert own.prefer == "own_times"
    assert own.moves < fewest.moves
    assert own.times_per_day > fewest.times_per_day
    assert times_of(own, 3) == ["12:30"]  # vitamin D stays at lunch
    assert times_of(own, 5) == ["22:30"]  # magnesium stays at bedtime
    assert separation_findings(check(own.apply())) == set()


def test_doses_stay_between_wake_and_bedtime_even_overnight() -> None:
    day = {"wake": "20:00", "breakfast": "20:30", "lunch": "01:00", "dinner": "06:00", "bedtime": "11:00"}
    data = person(
        {"substance": "iron", "amount": "18 mg", "times": ["14:00"]},
        {"substance": "calcium", "form": "carbonate", "amount": "500 mg", "per_day": 2},
        {"substance": "melatonin", "amount": "1 mg"},
        day=day,
    )
    p = plan(data)
    assert p.all_satisfied
    for dose in p.doses:
        assert (minutes(dose.time) - minutes("20:00")) % 1440 <= (minutes("11:00") - minutes("20:00")) % 1440
    assert "moved from 14:00" in next(d for d in p.doses if d.entry == 0).reason  # 14:00 is asleep
    assert not separation_findings(check(p.apply()))


def test_weekly_entries_get_one_time() -> None:
    data = person({"substance": "vitamin D", "amount": "50,000 IU", "per_week": 1})
    p = plan(data)
    (dose,) = p.doses
    assert dose.per_week == 1
    assert dose.with_food
    assert p.apply().regimen[0].times == (dose.time,)


def test_invalid_input_raises_input_error() -> None:
    with pytest.raises(InputError):
        plan({"profile": {}, "regimen": [{"substance": "magnesium", "amount": "400 IU"}]})


def test_plan_is_deterministic_and_round_trips_through_json() -> None:
    data = morning_clash()
    first, second = plan(data), plan(data)
    assert first == second
    loaded = Plan.model_validate_json(to_json(first))
    assert loaded.model_dump() == first.model_dump()
    with pytest.raises(ValueError, match="nothing to apply"):
        loaded.apply()


def test_apply_marks_food_by_meal_slots() -> None:
    data = person(
        {"substance": "iron", "amount": "18 mg", "times": ["breakfast"], "with_food": True},
        {"substance": "fish oil", "amount": "1000 mg", "per_day": 2, "times": ["09:00", "21:00"], "with_food": False},
    )
    applied = plan(data).apply()
    assert applied.regimen[0].with_food is False  # iron moved off the meal
    assert applied.regimen[1].with_food is True  # fish oil moved to meals


# -- optimality against exhaustive search -----------------------------------------------------------


def brute_force(problem: Problem) -> dict[str, Any]:
    """The best score per preference over every timetable on the full candidate grid (no pruning)."""
    grid = {(problem.wake + d) % 1440 for d in range(0, problem.span + 1, GRID)}
    assert grid <= set(problem.candidates)
    options = [
        [
            combo
            for combo in itertools.combinations(problem.candidates, slots.doses)
            if structural_problem(_only(problem, slots.entry), [combo]) is None
        ]
        for slots in problem.entries
    ]
    best: dict[str, Any] = {}
    for times in itertools.product(*options):
        score = evaluate(problem, times)
        for prefer in ("fewest_times", "own_times"):
            key = score.key(prefer)
            if prefer not in best or key < best[prefer]:
                best[prefer] = key
    return best


def _only(problem: Problem, entry: int) -> Problem:
    return Problem(
        problem.day,
        problem.wake,
        problem.bedtime,
        problem.candidates,
        problem.meals,
        (problem.entries[entry],),
        (),
        problem.fixed,
    )


SHORT_DAY = {"wake": "07:00", "breakfast": "07:30", "lunch": "10:00", "dinner": "12:00", "bedtime": "13:00"}
SHORTER_DAY = {"wake": "07:00", "breakfast": "07:30", "lunch": "09:30", "dinner": "10:30", "bedtime": "11:00"}
SMALL_CASES = [
    pytest.param(
        [
            {"substance": "iron", "amount": "18 mg", "times": ["breakfast"]},
            {"substance": "calcium", "form": "carbonate", "amount": "500 mg", "times": ["breakfast"]},
        ],
        [{"name": "levothyroxine", "times": ["07:00"]}],
        SHORT_DAY,
        id="iron-calcium-levothyroxine",
    ),
    pytest.param(
        [
            {"substance": "magnesium", "amount": "200 mg", "per_day": 2},
            {"substance": "zinc", "amount": "15 mg", "times": ["lunch"]},
            {"substance": "calcium", "form": "carbonate", "amount": "500 mg"},
        ],
        [{"name": "doxycycline", "times": ["09:00"]}],
        SHORT_DAY,
        id="twice-daily-magnesium-zinc-calcium-doxycycline",
    ),
    pytest.param(
        [
            {"substance": "iron", "amount": "18 mg"},
            {"substance": "magnesium", "amount": "200 mg", "times": ["07:00"]},
            {"substance": "melatonin", "amount": "1 mg"},
        ],
        [{"name": "ciprofloxacin", "times": ["08:00", "12:00"]}],
        SHORT_DAY,
        id="iron-magnesium-melatonin-ciprofloxacin",
    ),
    pytest.param(
        [
            {"substance": "zinc", "amount": "15 mg", "times": ["breakfast"]},
            {"substance": "calcium", "form": "citrate", "amount": "1000 mg"},
        ],
        [{"name": "doxycycline", "times": ["08:00", "11:00"]}],
        SHORT_DAY,
        id="infeasible-split-calcium-zinc-doxycycline",
    ),
    pytest.param(
        [
            {"substance": "iron", "amount": "18 mg", "times": ["lunch"]},
            {"substance": "calcium", "form": "carbonate", "amount": "500 mg", "times": ["lunch"]},
            {"substance": "magnesium", "amount": "100 mg", "times": ["lunch"]},
            {"substance": "vitamin C", "amount": "100 mg", "times": ["09:00"]},
        ],
        [{"name": "alendronate", "times": ["07:00"]}],
        SHORTER_DAY,
        id="four-entries",
    ),
    pytest.param(
        [
            {"substance": "zinc", "amount": "15 mg", "times": ["breakfast"]},
            {"substance": "zinc", "amount": "15 mg", "times": ["breakfast"]},
            {"substance": "calcium", "form": "carbonate", "amount": "400 mg", "per_day": 2},
            {"substance": "melatonin", "amount": "1 mg"},
        ],
        [{"name": "levothyroxine", "times": ["08:00"]}],
        SHORTER_DAY,
        id="four-entries-with-twins",
    ),
]


@pytest.mark.parametrize(("entries", "medications", "day"), SMALL_CASES)
def test_solver_is_optimal_against_brute_force(
    entries: list[dict[str, Any]], medications: list[dict[str, Any]], day: dict[str, str]
) -> None:
    problem = problem_of(person(*entries, medications=medications, day=day))
    want = brute_force(problem)
    for prefer in ("fewest_times", "own_times"):
        result = solve(problem, prefer)
        assert result.optimal
        assert evaluate(problem, result.times).key(prefer) == want[prefer], prefer


def test_plan_reports_what_the_reference_evaluator_scores() -> None:
    data = morning_clash()
    problem = problem_of(data)
    p = plan(data)
    times = [tuple(minutes(t) for t in times_of(p, e)) for e in range(len(problem.entries))]
    score = evaluate(problem, times)
    assert p.times_per_day == score.times_per_day
    assert p.moves == score.moves
    assert not score.broken


# -- the planner and the checker agree -------------------------------------------------------------

SUBSTANCES = [
    ("iron", "ferrous sulfate", "65 mg"),
    ("calcium", "carbonate", "500 mg"),
    ("calcium", "citrate", "1000 mg"),
    ("magnesium", "citrate", "200 mg"),
    ("zinc", None, "25 mg"),
    ("melatonin", None, "1 mg"),
    ("vitamin D", None, "1000 IU"),
    ("vitamin C", None, "500 mg"),
    ("fish oil", None, "1000 mg"),
    ("niacin", None, "500 mg"),
    ("valerian", None, "400 mg"),
    ("folate", None, "400 mcg"),
]
MEDICATIONS = [
    "levothyroxine",
    "doxycycline",
    "ciprofloxacin",
    "moxifloxacin",
    "alendronate",
    "digoxin",
    "penicillamine",
    "cholestyramine",
    "orlistat",
    "carbidopa-levodopa",
]
CLOCK = ["06:00", "06:30", "07:00", "08:00", "09:00", "12:00", "13:00", "17:00", "20:00", "21:00", "22:00"]
SLOT_NAMES = ["wake", "breakfast", "lunch", "dinner", "bedtime", "10:15", "15:45"]


@st.composite
def timed_regimens(draw: st.DrawFn) -> dict[str, Any]:
    entries = []
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        substance, form, amount = draw(st.sampled_from(SUBSTANCES))
        entry: dict[str, Any] = {"substance": substance, "amount": amount}
        if form:
            entry["form"] = form
        per_day = draw(st.integers(min_value=1, max_value=2))
        entry["per_day"] = per_day
        if draw(st.booleans()):
            entry["times"] = draw(st.lists(st.sampled_from(SLOT_NAMES), min_size=per_day, max_size=per_day))
        entries.append(entry)
    if draw(st.booleans()):
        entries.append(
            {
                "product": "Multi",
                "ingredients": [
                    {"substance": "iron", "amount": "18 mg"},
                    {"substance": draw(st.sampled_from(["calcium", "zinc", "vitamin C"])), "amount": "100 mg"},
                ],
            }
        )
    medications = [
        {"name": name, "times": sorted(set(draw(st.lists(st.sampled_from(CLOCK), min_size=1, max_size=3))))}
        for name in draw(st.lists(st.sampled_from(MEDICATIONS), max_size=3, unique=True))
    ]
    profile: dict[str, Any] = {"age": draw(st.sampled_from([30, 55, 75])), "medications": medications}
    if draw(st.booleans()):
        profile["day"] = {"wake": "06:00", "bedtime": draw(st.sampled_from(["20:00", "23:00"]))}
    data: dict[str, Any] = {"profile": profile, "regimen": entries}
    foods = [
        {"name": name, "times": sorted(set(draw(st.lists(st.sampled_from(FOOD_TIMES), min_size=1, max_size=2))))}
        for name in draw(st.lists(st.sampled_from(FOODS), max_size=3, unique=True))
    ]
    if foods:
        data["foods"] = foods
    return data


# Foods that windowed food rules name (iron and caffeine, dairy; the medications' first food of the day).
FOODS = ["coffee", "black tea", "milk", "yogurt", "orange juice", "meal", "soy milk", "plain water"]
FOOD_TIMES = ["wake", "breakfast", "lunch", "06:15", "06:45", "07:15", "10:00", "16:00", "23:30"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timed_regimens())
def test_planned_times_pass_the_checker(data: dict[str, Any]) -> None:
    p = plan(data)
    report = check(p.apply())
    if p.all_satisfied:
        assert not separation_findings(report)
    # Stronger: the planner and the checker see the same broken windows, always.
    broken = {s.rule_id for s in p.unsatisfied if s.kind == "separation" and not s.why.startswith("no_")}
    assert separation_findings(report) == broken
    if p.optimal:  # every rule broken is named in a conflict
        named = {rule for clash in p.conflicts for rule in clash}
        assert {s.rule_id for s in p.unsatisfied if s.why not in ("no_medication_time", "no_food_time")} <= named
    broken_timing = {s.rule_id for s in p.unsatisfied if s.kind == "timing"}
    assert {f.rule_id for f in report.findings if f.code == "timing.advice"} == broken_timing
    assert bool([f for f in report.findings if f.code == "dose.per_dose_limit"]) == any(
        s.kind == "per_dose" for s in p.unsatisfied
    )
    original = check(data)
    assert [(t.substance, t.daily_amount) for t in report.totals] == [
        (t.substance, t.daily_amount) for t in original.totals
    ]
    # A food move offered where the plan breaks a rule keeps that rule and breaks nothing new, says the check.
    for together in alternatives(p.food_moves):
        if together[0].keeps is None:
            moved = check(_with_foods_moved(p, together))
            assert separation_findings(moved) <= broken - {m.rule_id for m in together}


def _with_foods_moved(p: Plan, together: tuple[Any, ...]) -> RegimenFile:
    """The plan's regimen with the foods of one alternative at their new times, from the moves' own fields."""
    regimen = p.apply()
    slots = regimen.profile.day.slots()
    foods = []
    for item in regimen.foods:
        to = {m.time: m.to for m in together if m.food == item.name}
        times = item.times
        if times is not None:
            times = tuple(to.get(_clock.format_minutes(_clock.resolve(t, slots)), t) for t in times)
        foods.append(item.model_copy(update={"times": times}))
    return regimen.model_copy(update={"foods": tuple(foods)})


def _valid_times(problem: Problem, entry: int, rnd: Any) -> list[int]:
    """Random times for one entry that respect its dose count and spacing (what "always broken" assumes)."""
    slots = problem.entries[entry]
    for _ in range(200):
        chosen = sorted(rnd.sample(problem.candidates, slots.doses), key=problem.after_wake)
        if structural_problem(_only(problem, entry), [chosen]) is None:
            return chosen
    chosen = []
    for t in problem.candidates:  # earliest first always fits: the spacing was chosen to
        if len(chosen) < slots.doses and (
            not chosen or problem.after_wake(t) - problem.after_wake(chosen[-1]) >= slots.gap
        ):
            chosen.append(t)
    return chosen


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timed_regimens(), st.randoms(use_true_random=False))
def test_reference_evaluator_matches_the_checker_on_any_timetable(data: dict[str, Any], rnd: Any) -> None:
    problem = problem_of(data)
    times: list[Sequence[int]] = [_valid_times(problem, slots.entry, rnd) for slots in problem.entries]
    entries = []
    for entry, slots, chosen in zip(data["regimen"], problem.entries, times, strict=True):
        factor = slots.split
        updated = {**entry, "times": [f"{t // 60:02d}:{t % 60:02d}" for t in chosen]}
        if factor > 1:
            updated["per_day"] = entry.get("per_day", 1) * factor
            updated["amount"] = {"value": float(entry["amount"].split()[0].replace(",", "")) / factor, "unit": "mg"}
        entries.append(updated)
    report = check({**data, "regimen": entries})
    broken = {
        g.rule_id
        for g in problem.groups
        if g.kind == "separation" and g.unplannable is None and violated(problem, g, times)
    }
    assert separation_findings(report) == broken


# -- output formats -----------------------------------------------------------------------------------


def test_ics_parses_back_with_one_daily_event_per_dose_time() -> None:
    p = plan(morning_clash())
    text = to_ics(p, start=dt.date(2026, 3, 2), stamp=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC))
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = icalendar.Calendar.from_ical(text)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == len(p.times())
    starts = sorted(event.decoded("DTSTART") for event in events)
    assert [s.strftime("%H:%M") for s in starts] == sorted(p.times())
    assert all(s.date() == dt.date(2026, 3, 2) and s.tzinfo is None for s in starts)
    for event in events:
        assert event["RRULE"]["FREQ"] == ["DAILY"]
        assert event.walk("VALARM")
        assert len({event["UID"] for event in events}) == len(events)
    summaries = " ".join(str(e["SUMMARY"]) for e in events)
    for name in ("iron", "calcium", "magnesium"):
        assert name in summaries


def test_ics_weekly_doses_recur_weekly() -> None:
    p = plan(
        person(
            {"substance": "vitamin D", "amount": "50,000 IU", "per_week": 2}, {"substance": "zinc", "amount": "8 mg"}
        )
    )
    calendar = icalendar.Calendar.from_ical(to_ics(p, start=dt.date(2026, 3, 4)))
    rules = sorted(str(e["RRULE"].to_ical().decode()) for e in calendar.walk("VEVENT"))
    assert rules == ["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,TH"]
    weekly = next(e for e in calendar.walk("VEVENT") if e["RRULE"]["FREQ"] == ["WEEKLY"])
    assert weekly.decoded("DTSTART").date() == dt.date(2026, 3, 5)  # the first Thursday on or after the start


def test_fold_never_splits_a_character() -> None:
    line = "DESCRIPTION:" + "µg " * 60
    folded = fold(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == line


def test_table_and_json_outputs() -> None:
    p = plan(load_regimen(EXAMPLES / "polypharmacy-older-adult.yaml"))
    out = io.StringIO()
    print_schedule(p, "table", source="poly.yaml", file=out)
    text = out.getvalue()
    assert "suppcheck schedule: poly.yaml" in text
    assert text.index("06:30") < text.index("12:30") < text.index("18:30")  # medication before waking first
    assert "levothyroxine" in text
    assert "prescribed" in text
    assert "abs.iron.calcium" in text
    out = io.StringIO()
    print_schedule(p, "json", file=out)
    data = json.loads(out.getvalue())
    assert data["all_satisfied"] is False
    assert data["doses"][0]["time"] == "12:30"
    out = io.StringIO()
    print_schedule(p, "ics", file=out)
    assert out.getvalue().startswith("BEGIN:VCALENDAR\r\n")


# -- speed ----------------------------------------------------------------------------------------

TWELVE = person(
    {"substance": "iron", "form": "ferrous sulfate", "amount": "65 mg", "times": ["breakfast"]},
    {"substance": "calcium", "form": "carbonate", "amount": "1000 mg", "times": ["breakfast"]},
    {"substance": "magnesium", "form": "citrate", "amount": "200 mg", "per_day": 2, "times": ["breakfast", "bedtime"]},
    {"substance": "zinc", "amount": "15 mg", "times": ["lunch"]},
    {"substance": "vitamin D", "amount": "2000 IU", "times": ["breakfast"]},
    {"substance": "vitamin C", "amount": "500 mg"},
    {"substance": "vitamin B12", "amount": "1000 mcg", "times": ["breakfast"]},
    {"substance": "melatonin", "amount": "1 mg", "times": ["bedtime"]},
    {"substance": "fish oil", "amount": "1000 mg", "per_day": 2},
    {"substance": "vitamin K", "amount": "90 mcg"},
    {"substance": "folate", "amount": "400 mcg"},
    {"product": "B complex", "ingredients": [{"substance": "vitamin B6", "amount": "10 mg"}]},
    medications=[
        {"name": "levothyroxine", "times": ["06:30"]},
        {"name": "doxycycline", "times": ["09:00", "21:00"]},
        {"name": "metformin", "times": ["breakfast", "dinner"]},
        {"name": "alendronate", "times": ["wake"]},
    ],
)


def test_twelve_entries_with_four_medications_is_optimal() -> None:
    # Its speed is measured by benchmarks/run.py, not asserted here.
    regimen = RegimenFile.model_validate(TWELVE)
    p = plan(regimen)
    assert p.optimal
    report = check(p.apply())
    assert separation_findings(report) == {s.rule_id for s in p.unsatisfied if s.kind == "separation"}


def test_planning_a_planned_regimen_changes_nothing() -> None:
    for data in (morning_clash(), TWELVE):
        first = plan(data)
        again = plan(first.apply())
        assert again.moves == 0
        assert again.splits == ()
        assert [(d.entry, d.time) for d in again.doses] == [(d.entry, d.time) for d in first.doses]


def test_a_rule_no_time_of_day_can_keep_is_reported_as_such() -> None:
    # Niacin at 500 mg wants a snack within the hour before bed, but no meal slot falls there.
    p = plan(person({"substance": "niacin", "amount": "500 mg", "times": ["bedtime"]}))
    (status,) = p.unsatisfied
    assert status.rule_id == "timing.niacin.bedtime_low_fat_snack"
    assert status.why == "always_broken"
    assert "no time between wake and bedtime" in status.reason
    assert p.conflicts == (("timing.niacin.bedtime_low_fat_snack",),)
    assert times_of(p, 0) == ["22:30"]  # nothing better to do: the user's time is kept


def test_a_search_that_runs_out_of_budget_still_returns_a_timetable() -> None:
    # Three 1,000 mg calcium doses split to six, beside four other entries: the
    # own-times search once spent its node budget before any complete timetable.
    data = {
        "profile": {"age": 75, "day": {"wake": "06:00", "bedtime": "23:00"}},
        "regimen": [
            {"substance": "magnesium", "amount": "400 mg", "form": "glycinate", "times": ["lunch"]},
            {"substance": "zinc", "amount": "50 mg"},
            {"substance": "iron", "amount": "65 mg", "form": "ferrous sulfate", "times": ["lunch"]},
            {"substance": "vitamin D", "amount": "1000 IU", "per_day": 2, "times": ["wake", "lunch"]},
            {"substance": "calcium", "amount": "1000 mg", "form": "citrate", "per_day": 3,
             "times": ["lunch", "07:00", "breakfast"]},
        ],
    }  # fmt: skip
    for prefer in ("fewest_times", "own_times"):
        p = plan(data, prefer=prefer)
        assert len([d for d in p.doses if d.name == "calcium"]) == 6
        report = check(p.apply())
        assert {t.substance: t.daily_amount for t in report.totals}["calcium"] == pytest.approx(3000)
