"""A deterministic corpus of random regimens for the planner's solver (nothing stored: made from seeds).

- :func:`random_regimen`: one regimen from a seed, drawn from the bundled
  knowledge base's names that carry separation, timing and per-dose rules.
  ``hard=True`` draws from the corner that makes the search work: many
  entries taken several times a day, many medications at several fixed times
  each, and some short days.
- :func:`corpus`: the regimens the comparison runs on: :data:`RANDOM_COUNT`
  ordinary ones (seeds 0..), :data:`HARD_COUNT` of the hard corner (seeds
  0..), and the 12-entry benchmark regimen. With the solver as it stood at
  revision fda0253 (30,000 doses placed per search), 43 of the 50 hard ones
  and 20 of the 150 ordinary ones spent the budget for at least one
  preference, and 46 of the 402 (regimen, preference) pairs took over a
  second of CPU.

``python benchmarks/plan_corpus.py`` prints each regimen's size and what the
solver did with it; ``--search N`` does so for hard seeds 0..N-1, to look for
more of those that spend the budget.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PLAN_REGIMEN = HERE / "regimen-plan.json"

# (substance, form, amount): most carry separation rules (minerals), some timing rules or per-dose limits.
SUBSTANCES: tuple[tuple[str, str | None, str], ...] = (
    ("iron", "ferrous sulfate", "65 mg"),
    ("iron", None, "18 mg"),
    ("calcium", "carbonate", "500 mg"),
    ("calcium", "citrate", "1000 mg"),
    ("calcium", "carbonate", "600 mg"),
    ("magnesium", "citrate", "200 mg"),
    ("magnesium", "glycinate", "120 mg"),
    ("magnesium", "oxide", "400 mg"),
    ("zinc", None, "25 mg"),
    ("zinc", "gluconate", "15 mg"),
    ("vitamin D", None, "1000 IU"),
    ("vitamin K", "K2", "90 mcg"),
    ("vitamin A", None, "900 mcg"),
    ("vitamin E", None, "15 mg"),
    ("vitamin C", None, "500 mg"),
    ("folate", None, "400 mcg"),
    ("selenium", None, "55 mcg"),
    ("chromium", None, "200 mcg"),
    ("melatonin", None, "1 mg"),
    ("fish oil", None, "1000 mg"),
    ("niacin", None, "500 mg"),
    ("valerian", None, "400 mg"),
    ("vitamin B12", None, "500 mcg"),
    ("coenzyme Q10", None, "100 mg"),
    ("potassium", "potassium citrate", "99 mg"),
)
MEDICATIONS: tuple[str, ...] = (
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
    "dolutegravir",
    "cefdinir",
    "trientine",
    "eltrombopag",
    "gabapentin",
    "phenytoin",
    "methyldopa",
    "metformin",
)
CLOCK = ("06:00", "06:30", "07:00", "08:00", "09:00", "12:00", "13:00", "17:00", "20:00", "21:00", "22:00")
SLOT_NAMES = ("wake", "breakfast", "lunch", "dinner", "bedtime", "10:15", "15:45")
DAYS: tuple[dict[str, str], ...] = (
    {"wake": "06:00", "bedtime": "23:00"},
    {"wake": "07:00", "bedtime": "22:00"},
    {"wake": "06:00", "bedtime": "20:00"},
    {"wake": "08:00", "breakfast": "08:30", "lunch": "12:00", "dinner": "17:00", "bedtime": "19:00"},
)

RANDOM_COUNT = 150
HARD_COUNT = 50


def random_regimen(seed: int, *, hard: bool = False) -> dict[str, Any]:
    """One regimen, the same for the same seed and corner."""
    rnd = random.Random(f"plan-corpus-{'hard' if hard else 'random'}-{seed}")
    count = rnd.randint(7, 14) if hard else rnd.randint(1, 8)
    entries = [_random_entry(rnd, hard) for _ in range(count)]
    if rnd.random() < 0.3:
        entries.append(
            {
                "product": "Multi",
                "ingredients": [
                    {"substance": "iron", "amount": "18 mg"},
                    {"substance": rnd.choice(["calcium", "zinc", "magnesium"]), "amount": "100 mg"},
                ],
            }
        )
    return {"profile": _random_profile(rnd, hard), "regimen": entries}


def _random_profile(rnd: random.Random, hard: bool) -> dict[str, Any]:
    names = rnd.sample(MEDICATIONS, rnd.randint(2, 6) if hard else rnd.randint(0, 3))
    medications = [
        {"name": name, "times": sorted(rnd.sample(CLOCK, rnd.randint(1, 3 if hard else 2)))} for name in names
    ]
    profile: dict[str, Any] = {"age": rnd.choice((30, 55, 75)), "medications": medications}
    if rnd.random() < (0.6 if hard else 0.3):
        profile["day"] = dict(rnd.choice(DAYS))
    return profile


def _random_entry(rnd: random.Random, hard: bool) -> dict[str, Any]:
    substance, form, amount = rnd.choice(SUBSTANCES)
    entry: dict[str, Any] = {"substance": substance, "amount": amount}
    if form:
        entry["form"] = form
    per_day = rnd.choice((1, 2, 2, 3)) if hard else rnd.choice((1, 1, 2))
    if per_day > 1:
        entry["per_day"] = per_day
    if rnd.random() < 0.5:
        entry["times"] = [rnd.choice(SLOT_NAMES) for _ in range(per_day)]
    return entry


def corpus() -> list[tuple[str, dict[str, Any]]]:
    """Every regimen of the comparison, named."""
    out = [(f"random-{s}", random_regimen(s)) for s in range(RANDOM_COUNT)]
    out += [(f"hard-{s}", random_regimen(s, hard=True)) for s in range(HARD_COUNT)]
    data = json.loads(PLAN_REGIMEN.read_text(encoding="utf-8"))
    data.pop("_comment", None)
    out.append(("regimen-plan", data))
    return out


def problem_of(data: dict[str, Any]) -> Any:
    """The planning problem of a regimen, as plan() builds it (None when plan() would refuse it)."""
    from suppcheck._rules.context import build_context

    from suppcheck import InputError, RegimenFile
    from suppcheck._kb.loader import default_knowledge
    from suppcheck._plan.problem import build

    kb = default_knowledge()
    try:
        parsed = RegimenFile.model_validate(data, context={"knowledge": kb})
        return build(build_context(parsed, kb))
    except (InputError, ValueError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--search", type=int, metavar="N", help="look through hard seeds 0..N-1 for budget hits")
    args = parser.parse_args(argv)
    from suppcheck._plan.solver import solve

    named = [(f"hard-{s}", random_regimen(s, hard=True)) for s in range(args.search)] if args.search else corpus()
    hits = []
    for name, data in named:
        problem = problem_of(data)
        if problem is None:
            print(f"{name:14} refused")
            continue
        worst = 0.0
        optimal = True
        for prefer in ("fewest_times", "own_times"):
            start = time.perf_counter()
            result = solve(problem, prefer)
            worst = max(worst, time.perf_counter() - start)
            optimal = optimal and result.optimal
        doses = sum(s.doses for s in problem.entries)
        print(
            f"{name:14} entries {len(problem.entries):2} doses {doses:2} groups {len(problem.groups):3} "
            f"candidates {len(problem.candidates):3} optimal {optimal!s:5} {worst * 1000:8.1f} ms",
            flush=True,
        )
        if not optimal:
            hits.append(name)
    print("budget hit:", ", ".join(hits) or "none")
    return 0


if __name__ == "__main__":
    sys.exit(main())
