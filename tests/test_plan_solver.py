"""The planner's branch and bound: its work budget, and its answers against exhaustive search."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suppcheck._plan import plan
from suppcheck._plan import solver as solver_module
from suppcheck._plan.problem import evaluate, structural_problem
from suppcheck._plan.solver import Compiled, Search, earliest_timetable, solve
from tests.test_plan import SHORTER_DAY, brute_force, person, problem_of

# Twelve entries, several taken two or three times a day, beside six medications at fixed times: the
# search spends its whole budget on it (hard-12 of benchmarks/plan_corpus.py).
HARD: dict[str, Any] = {
    "profile": {
        "age": 30,
        "day": {"wake": "07:00", "bedtime": "22:00"},
        "medications": [
            {"name": "ciprofloxacin", "times": ["12:00", "13:00"]},
            {"name": "eltrombopag", "times": ["06:30", "07:00", "20:00"]},
            {"name": "doxycycline", "times": ["13:00", "21:00"]},
            {"name": "methyldopa", "times": ["06:00", "07:00", "13:00"]},
            {"name": "metformin", "times": ["06:00", "22:00"]},
            {"name": "cholestyramine", "times": ["07:00", "13:00", "21:00"]},
        ],
    },
    "regimen": [
        {"substance": "selenium", "amount": "55 mcg", "per_day": 2, "times": ["breakfast", "bedtime"]},
        {"substance": "vitamin B12", "amount": "500 mcg", "times": ["wake"]},
        {"substance": "vitamin K", "amount": "90 mcg", "form": "K2", "per_day": 2, "times": ["dinner", "10:15"]},
        {"substance": "chromium", "amount": "200 mcg", "times": ["15:45"]},
        {"substance": "zinc", "amount": "25 mg", "per_day": 2, "times": ["lunch", "15:45"]},
        {"substance": "zinc", "amount": "15 mg", "form": "gluconate", "per_day": 2, "times": ["10:15", "bedtime"]},
        {"substance": "vitamin C", "amount": "500 mg", "times": ["dinner"]},
        {"substance": "fish oil", "amount": "1000 mg"},
        {"substance": "folate", "amount": "400 mcg", "per_day": 3, "times": ["dinner", "wake", "10:15"]},
        {"substance": "calcium", "amount": "600 mg", "form": "carbonate", "times": ["wake"]},
        {"substance": "niacin", "amount": "500 mg", "per_day": 2, "times": ["lunch", "dinner"]},
        {
            "product": "Multi",
            "ingredients": [{"substance": "iron", "amount": "18 mg"}, {"substance": "zinc", "amount": "100 mg"}],
        },
    ],
}


def test_a_search_stops_at_its_work_budget_and_says_so() -> None:
    problem = problem_of(HARD)
    compiled = Compiled.of(problem)
    tiny = Search(compiled, "fewest_times", budget=500)
    assert tiny.run() is None  # no timetable complete yet
    assert not tiny.exhausted
    search = Search(compiled, "fewest_times", budget=4_000)
    result = search.run()
    assert search.work > 4_000  # it stops at the first dose placed over the budget
    assert search.nodes <= 4_000
    assert not search.exhausted
    assert result is not None
    assert not result.optimal


def test_a_search_with_no_timetable_within_budget_starts_from_the_earliest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(solver_module, "WORK_BUDGET", 500)
    monkeypatch.setattr(solver_module, "SOLVE_BUDGET", 1_000)
    problem = problem_of(HARD)
    result = solve(problem, "own_times")
    assert not result.optimal
    assert structural_problem(problem, result.times) is None
    start = evaluate(problem, earliest_timetable(problem)).key("own_times")
    assert evaluate(problem, result.times).key("own_times") <= start


@pytest.mark.parametrize("prefer", ["fewest_times", "own_times"])
def test_a_regimen_over_the_budget_gets_a_valid_timetable_not_called_optimal(
    prefer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(solver_module, "WORK_BUDGET", 3_000)
    monkeypatch.setattr(solver_module, "SOLVE_BUDGET", 4_000)
    problem = problem_of(HARD)
    result = solve(problem, prefer)
    assert not result.optimal
    # The first search stopped soon after its budget, the second soon after what was left of both's.
    assert 4_000 < result.work <= 4_000 + 300
    assert structural_problem(problem, result.times) is None
    made = plan(HARD, prefer=prefer)  # type: ignore[arg-type]
    assert not made.optimal
    # Without a proof, only the rules no timetable keeps are named as conflicts.
    always = {s.rule_id for s in made.unsatisfied if s.why == "always_broken"}
    assert {rule for clash in made.conflicts for rule in clash} <= always
    assert made.times_per_day == evaluate(problem, result.times).times_per_day


def test_a_larger_budget_is_never_worse() -> None:
    problem = problem_of(HARD)
    compiled = Compiled.of(problem)
    keys = []
    for budget in (1_000, 10_000, 50_000):
        result = Search(compiled, "own_times", budget=budget).run()
        assert result is not None
        keys.append(evaluate(problem, result.times).key("own_times"))
    assert keys == sorted(keys, reverse=True)


SMALL_SUBSTANCES = [
    ("iron", "ferrous sulfate", "65 mg"),
    ("calcium", "carbonate", "500 mg"),
    ("calcium", "citrate", "1000 mg"),
    ("magnesium", "citrate", "200 mg"),
    ("zinc", None, "25 mg"),
    ("melatonin", None, "1 mg"),
    ("vitamin C", None, "500 mg"),
]
SMALL_TIMES = ["wake", "breakfast", "lunch", "dinner", "08:15", "09:00", "10:45"]


@st.composite
def small_regimens(draw: st.DrawFn) -> dict[str, Any]:
    entries = []
    count = draw(st.integers(min_value=1, max_value=3))
    for k in range(count):
        substance, form, amount = draw(st.sampled_from(SMALL_SUBSTANCES))
        entry: dict[str, Any] = {"substance": substance, "amount": amount}
        if form:
            entry["form"] = form
        # One entry at most taken twice, so that exhaustive search stays small.
        per_day = draw(st.integers(min_value=1, max_value=2)) if k == 0 else 1
        if per_day > 1:
            entry["per_day"] = per_day
        if draw(st.booleans()):
            entry["times"] = draw(st.lists(st.sampled_from(SMALL_TIMES), min_size=per_day, max_size=per_day))
        entries.append(entry)
    medications = [
        {"name": name, "times": sorted(set(draw(st.lists(st.sampled_from(["07:00", "08:00", "10:00"]), min_size=1))))}
        for name in draw(st.lists(st.sampled_from(["levothyroxine", "doxycycline", "alendronate"]), unique=True))
    ]
    return person(*entries, medications=medications, day=SHORTER_DAY)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_regimens())
def test_the_search_is_optimal_against_exhaustive_search_on_small_regimens(data: dict[str, Any]) -> None:
    problem = problem_of(data)
    want = brute_force(problem)
    for prefer in ("fewest_times", "own_times"):
        result = solve(problem, prefer)
        assert result.optimal
        assert evaluate(problem, result.times).key(prefer) == want[prefer], prefer
