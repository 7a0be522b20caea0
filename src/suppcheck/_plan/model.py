"""The plan (``suppcheck.plan()``'s result) as frozen pydantic models."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from .._regimen import Amount, Ingredient, RegimenEntry, RegimenFile
from .._severity import Severity

Prefer = Literal["fewest_times", "own_times"]


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True)


class PlannedDose(_Output):
    """One dose of one regimen entry at its planned clock time."""

    entry: int = Field(description="Zero-based index into the input regimen")
    name: str = Field(description="The entry's product or substance name, as given")
    dose: int = Field(description="Which dose of the entry's day this is, from 1")
    doses_per_day: int = Field(description="How many doses of the entry the plan gives a day (weekly entries: 1)")
    per_week: int | None = Field(default=None, description="Weekly entries: doses a week, all at this time")
    time: str = Field(description="HH:MM, 24-hour clock")
    slot: str | None = Field(default=None, description="The day slot at this time (breakfast, ...), if any")
    with_food: bool = Field(description="True at a meal slot (breakfast, lunch, dinner), else False")
    amount: str | None = Field(default=None, description="Per-dose amount of a single-substance entry")
    your_time: bool = Field(description="The time is one the regimen gave for this entry")
    keeps: tuple[str, ...] = Field(default=(), description="Rule ids this dose's time keeps")
    breaks: tuple[str, ...] = Field(default=(), description="Rule ids this dose's time breaks")
    reason: str = Field(description="Why the dose is at this time")


class PlannedMedication(_Output):
    """A medication from the profile, at the times the prescriber set (never moved)."""

    name: str
    id: str
    times: tuple[str, ...] = Field(description="HH:MM; empty when the profile gives no times")
    note: str


class PlannedFood(_Output):
    """A food or drink from the regimen, at the person's own times (the plan never moves one)."""

    name: str = Field(description="As written")
    id: str | None = Field(description="The food or category recognized; null when not recognized")
    times: tuple[str, ...] = Field(description="HH:MM; empty when the regimen gives no times")
    note: str


class FoodMove(_Output):
    """A food or drink moved to another time that would keep a rule the plan otherwise pays for.

    With ``keeps`` set, the plan keeps the rule by moving a dose, and moving
    the food instead would let that dose stay at the regimen's own time. With
    ``keeps`` null, the plan cannot keep the rule (a medication and a drink
    both at the person's own times, or a clash with other rules), and moving
    the food would. When several foods stand in the way, the alternative
    moves them all: its moves share one ``option`` and one reason.
    """

    rule_id: str
    food: str = Field(description="The food or drink as written")
    id: str = Field(description="Its food or category id")
    time: str = Field(description="HH:MM it is taken at now")
    to: str = Field(description="HH:MM: the nearest time of the waking day that keeps the rule")
    keeps: str | None = Field(
        default=None, description="The dose that could stay at its own time instead, e.g. 'iron at 07:30'"
    )
    option: int = Field(
        default=1, ge=1, description="Moves with the same option are one alternative: all of them are needed"
    )
    reason: str


def alternatives(moves: tuple[FoodMove, ...]) -> list[tuple[FoodMove, ...]]:
    """A plan's food moves gathered by ``option``: each alternative with every move it needs, in order."""
    options: dict[int, list[FoodMove]] = {}
    for move in moves:
        options.setdefault(move.option, []).append(move)
    return [tuple(together) for together in options.values()]


class PlannedSplit(_Output):
    """An entry split into smaller, more frequent doses with the same daily total."""

    entry: int
    name: str
    factor: int = Field(description="Each dose became this many doses")
    doses_per_day: int
    amount_per_dose: str
    rule_id: str
    reason: str


class RuleStatus(_Output):
    """A rule the planner had to respect, and whether the plan keeps it."""

    rule_id: str
    kind: Literal["separation", "timing", "per_dose"]
    severity: Severity
    substances: tuple[str, ...]
    medications: tuple[str, ...] = ()
    foods: tuple[str, ...] = Field(default=(), description="Food rules: the ids of the foods it is about")
    entries: tuple[int, ...]
    satisfied: bool
    why: Literal["kept", "broken", "always_broken", "no_medication_time", "no_food_time"] = Field(
        description="kept; broken (no timetable keeps it with the others); always_broken (e.g. both "
        "items in one product); no_medication_time (a medication without times cannot be planned around); "
        "no_food_time (likewise a food or drink without times)"
    )
    reason: str


class Plan(_Output):
    """A daily timetable for a regimen, and the rules it keeps and breaks.

    ``doses`` are sorted by time of day; ``apply()`` gives the regimen with
    these times, so that ``check(plan.apply())`` checks the planned day.
    """

    suppcheck_version: str
    knowledge_version: str
    day: dict[str, str] = Field(description="The day's slot times used (wake, breakfast, ...)")
    doses: tuple[PlannedDose, ...]
    medications: tuple[PlannedMedication, ...]
    foods: tuple[PlannedFood, ...] = Field(default=(), description="The regimen's foods and drinks, never moved")
    food_moves: tuple[FoodMove, ...] = Field(
        default=(), description="Where moving a food or drink would keep a rule, or keep a dose at its own time"
    )
    splits: tuple[PlannedSplit, ...] = ()
    satisfied: tuple[RuleStatus, ...] = ()
    unsatisfied: tuple[RuleStatus, ...] = ()
    conflicts: tuple[tuple[str, ...], ...] = Field(
        default=(),
        description="Sets of rule ids that no timetable keeps all at once (each minimal); every rule the plan "
        "breaks is in one. A rule no time of the day can keep is a set on its own.",
    )
    all_satisfied: bool = Field(description="True when every rule is kept (none broken, none left unplanned)")
    optimal: bool = Field(description="The search finished: no better timetable exists for the preference order")
    prefer: Prefer
    times_per_day: int = Field(description="Distinct clock times at which anything is taken, medications included")
    moves: int = Field(description="Times the regimen gave that the plan changed")
    _regimen: RegimenFile | None = PrivateAttr(default=None)

    def times(self) -> tuple[str, ...]:
        """The distinct dose times of the plan, in time-of-day order of the plan."""
        return tuple(dict.fromkeys(d.time for d in self.doses))

    def apply(self) -> RegimenFile:
        """The input regimen with the planned times, foods and splits filled in.

        A split entry keeps its index: its ``per_day`` is multiplied and every
        amount divided by the same factor, so daily totals (and ``check()``'s
        totals) are unchanged and no duplicate-entry finding appears.
        ``with_food`` is true when every dose is at a meal, false when none is.
        """
        if self._regimen is None:
            raise ValueError("this Plan was not made by suppcheck.plan() (it was loaded from JSON): nothing to apply")
        return applied(self._regimen, self.doses, self.splits)


def applied(regimen: RegimenFile, doses: Sequence[PlannedDose], splits: Sequence[PlannedSplit]) -> RegimenFile:
    """``regimen`` with these doses' times and these splits filled in (see :meth:`Plan.apply`)."""
    factors = {s.entry: s.factor for s in splits}
    by_entry: dict[int, list[PlannedDose]] = {}
    for dose in doses:
        by_entry.setdefault(dose.entry, []).append(dose)
    entries = []
    for index, entry in enumerate(regimen.regimen):
        taken = sorted(by_entry.get(index, []), key=lambda d: d.dose)
        entries.append(_applied(entry, taken, factors.get(index, 1)))
    return regimen.model_copy(update={"regimen": tuple(entries)})


def _applied(entry: RegimenEntry, doses: list[PlannedDose], factor: int) -> RegimenEntry:
    if not doses:
        return entry
    foods = {d.with_food for d in doses}
    update: dict[str, object] = {
        "times": tuple(d.time for d in doses),
        "with_food": foods.pop() if len(foods) == 1 else None,
    }
    if factor > 1:
        update["per_day"] = entry.doses_per_day_scheduled * factor
        if entry.amount is not None:
            update["amount"] = _divided(entry.amount, factor)
        if entry.ingredients is not None:
            update["ingredients"] = tuple(
                Ingredient.model_construct(
                    substance=i.substance, form=i.form, amount=_divided(i.amount, factor), basis=i.basis
                )
                for i in entry.ingredients
            )
    return entry.model_copy(update=update)


def _divided(amount: Amount, factor: int) -> Amount:
    return Amount.model_construct(value=amount.value / factor, unit=amount.unit)
