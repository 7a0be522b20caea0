"""The day's foods and drinks, resolved against the knowledge base: what the food rules read.

A food or a food category (``alcohol``, ``dairy``) is resolved like a
medication: by name, with its times on the clock, whether each time is at a
meal, and its amount in servings where the amount says it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import NamedTuple

from .. import _clock
from .._kb.models import Food, FoodRule, FoodSeparation
from .._names import name_key
from .context import Context, Dose, MedicationTaken
from .findings import unrecognized
from .separation import DAY, closest_pairs, hours_apart
from .shared import fmt, window_text

__all__ = [
    "ALCOHOL",
    "ANY_FOOD",
    "MEALS",
    "FoodPair",
    "FoodSubject",
    "FoodTaken",
    "day_start",
    "food_partners",
    "food_times",
    "listed",
    "names_of",
    "resolve_foods",
    "rule_pairs",
    "window_advice",
    "window_broken",
]

MEALS = ("breakfast", "lunch", "dinner")
ANY_FOOD = "food_or_drink"
ALCOHOL = "alcoholic_drink"
# Amount words that count one serving each (a standard drink, for an alcoholic drink).
_SERVING_WORDS = frozenset(
    {"", "serving", "servings", "drink", "drinks", "standard drink", "standard drinks", "glass", "glasses"}
    | {"cup", "cups", "can", "cans", "bottle", "bottles", "portion", "portions", "unit", "units"}
)


class FoodTaken(NamedTuple):
    """A food or drink of the day, as resolved: the name as written, its id, categories, times and amount."""

    position: int  # in the regimen's foods
    name: str  # as written
    id: str  # food id, or the category id when a category was named ("alcohol")
    display: str
    categories: frozenset[str]
    times: tuple[int, ...] | None  # clock minutes; None when not given
    with_meal: tuple[bool, ...] | None  # per time: at a meal
    servings: float | None  # each time; None when the amount is not in servings
    amount_text: str | None

    @property
    def keys(self) -> frozenset[str]:
        """The ids a rule may name it by: its own and its categories'."""
        return self.categories | {self.id}

    @property
    def servings_per_day(self) -> float | None:
        """Servings a day: each time's count times the number of times (once a day when times are not given)."""
        return None if self.servings is None else self.servings * (len(self.times) if self.times else 1)


def resolve_foods(ctx: Context, slots: Mapping[str, str]) -> None:
    """Resolve the regimen's foods onto ``ctx.foods``; an unknown name becomes ``input.unrecognized_food``."""
    kb = ctx.kb
    items = ctx.regimen.foods
    meal_minutes = {ctx.day[m] for m in MEALS}
    resolved: list[tuple[int, str, str, frozenset[str], Food | None]] = []
    for index, item in enumerate(items):
        food = kb.food(item.name)
        if food is not None:
            resolved.append((index, food.id, food.name, frozenset(food.categories), food))
            continue
        category = kb.food_category(item.name)
        if category is not None:
            keys = {category.id} if category.id == ANY_FOOD else {category.id, ANY_FOOD}
            resolved.append((index, category.id, category.name, frozenset(keys), None))
            continue
        ctx.findings.append(unrecognized("food", item.name, kb.suggestions("food", item.name)))
    # A listed meal (or snack) at a time makes the other foods at that time part of a meal.
    for index, ident, _, _, _ in resolved:
        listed = items[index].times
        if ident == "meal" and listed is not None:
            meal_minutes |= {_clock.resolve(t, slots) for t in listed}
    for index, ident, display, categories, food in resolved:
        item = items[index]
        times = None if item.times is None else tuple(_clock.resolve(t, slots) for t in item.times)
        with_meal = None
        if item.times is not None and times is not None:
            with_meal = tuple(
                ident == "meal" or written in MEALS or minute in meal_minutes
                for written, minute in zip(item.times, times, strict=True)
            )
        number, unit = item.quantity
        servings = _servings(number, unit, food)
        ctx.foods.append(
            FoodTaken(index, item.name, ident, display, categories, times, with_meal, servings, item.amount)
        )


# Millilitres per volume unit: exact by definition (US fluid ounce 29.5735 mL). Pints are left
# out on purpose: a US pint is 473 mL and a UK pint 568 mL, and the text does not say which.
_ML = {"ml": 1.0, "cl": 10.0, "dl": 100.0, "l": 1000.0, "fl oz": 29.5735, "oz": 29.5735}


def _servings(number: float, unit: str, food: Food | None) -> float | None:
    """Servings in an amount: a serving word counts one each; a volume counts by the serving's volume.

    >>> from suppcheck import load_knowledge
    >>> wine = load_knowledge().food("wine")
    >>> _servings(2.0, "glasses", wine), round(_servings(296, "ml", wine), 2), _servings(2, "pints", wine)
    (2.0, 2.0, None)
    >>> _servings(16, "oz", load_knowledge().food("yogurt"))
    2.0
    """
    if unit in _SERVING_WORDS:
        return number
    if food is not None and unit in (food.serving.unit.casefold(), food.serving.unit.casefold() + "s"):
        return number / food.serving.amount  # "16 oz" of yogurt: two 8 oz servings
    per_ml = _ML.get(unit.removesuffix(".").replace("millilitres", "ml").replace("milliliters", "ml"))
    if per_ml is None or food is None or food.serving.volume_ml is None:
        return None
    return number * per_ml / food.serving.volume_ml


# -- which food rules apply: what the foods family reports and the planner plans around ---------------


class FoodSubject(NamedTuple):
    """What a food rule is about in this regimen: one substance's doses, or one medication."""

    name: str  # for a sentence
    title: str  # to start a sentence
    times: tuple[int, ...] | None  # clock minutes; None when a time is not given
    substances: tuple[str, ...]
    medications: tuple[str, ...]
    entries: tuple[int, ...]


class FoodPair(NamedTuple):
    """A food rule that applies to one subject, against the day's foods it names."""

    rule: FoodRule
    subject: FoodSubject
    partners: list[FoodTaken]  # for a food_taken_alone rule, only the times away from meals
    conditions: list[str]  # the person's conditions that the rule names


def food_partners(ctx: Context, rule: FoodRule) -> list[FoodTaken]:
    """The day's foods that a rule names, by food or by category."""
    wanted = frozenset(rule.foods) | frozenset(rule.food_categories)
    return [f for f in ctx.foods if not wanted.isdisjoint(f.keys)]


def rule_pairs(ctx: Context, rule: FoodRule, partners: list[FoodTaken], conditions: list[str]) -> Iterator[FoodPair]:
    """A substance or medication rule's pairs: each subject taken, with the foods that count against it."""
    partners = _alone(rule, partners)
    if not partners:
        return
    for subject in _subjects(ctx, rule):
        yield FoodPair(rule, subject, partners, conditions)


def food_times(foods: Iterable[FoodTaken]) -> tuple[int, ...] | None:
    """Every clock minute at which one of the foods is taken; None when one has no times."""
    minutes: set[int] = set()
    for food in foods:
        if food.times is None:
            return None
        minutes.update(food.times)
    return tuple(sorted(minutes))


def names_of(foods: Iterable[FoodTaken]) -> str:
    """``coffee and milk``: the foods as written, in their order, each once."""
    return listed(f.name.strip() for f in foods)


def listed(names: Iterable[str]) -> str:
    """``coffee, tea and milk``: the names in their order, each once.

    >>> listed(["coffee"]), listed(["coffee", "tea", "coffee", "milk"])
    ('coffee', 'coffee, tea and milk')
    """
    unique = list(dict.fromkeys(names))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def window_advice(window: FoodSeparation, subject: str, foods: str) -> tuple[float, str]:
    """The hours a window needs and what to do: ``take iron at least 2 h after coffee or 0.5 h before``."""
    if window.before_first_food_of_day:
        return window.other_after_hours, (
            f"take {subject} at least {fmt(window.other_after_hours)} h before the first food or drink of the day "
            "(plain water aside)"
        )
    before = window.other_before_hours or 0.0
    return max(before, window.other_after_hours), window_text(before, window.other_after_hours, foods, subject)


def window_broken(
    day: Mapping[str, int], window: FoodSeparation, subject: Iterable[int], food: Iterable[int]
) -> tuple[float, int, int] | None:
    """The closest pair breaking a food window: hours apart, subject minute, food minute; None when kept.

    ``day`` is the person's day (slot -> clock minute). A
    ``before_first_food_of_day`` window is read on the day as it is lived,
    from the middle of the night: every food must come after the dose by the
    window, so coffee at 07:15 breaks a 07:00 dose that needs 30 minutes, a
    dose at 06:30 before a 07:00 wake still starts the day, and a snack at
    23:00 is the end of the day before.

        >>> from suppcheck._kb.models import FoodSeparation
        >>> first = FoodSeparation(other_after_hours=0.5, before_first_food_of_day=True)
        >>> day = {"wake": 420, "bedtime": 1350}
        >>> window_broken(day, first, [420], [435]), window_broken(day, first, [390], [450, 1380])
        ((0.25, 420, 435), None)
    """
    if not window.before_first_food_of_day:
        worst, _ = closest_pairs(subject, food, window.other_before_hours or 0.0, window.other_after_hours)
        return None if worst is None else (hours_apart(worst[0]), worst[1], worst[2])
    need = round(window.other_after_hours * 60)
    start = day_start(day)
    found: tuple[int, int, int] | None = None
    food = tuple(food)
    for s in subject:
        for f in food:
            after = (f - start) % DAY - (s - start) % DAY  # negative: the food comes first in the day
            if after < need:
                key = (abs(after), s, f)
                if found is None or key < found:
                    found = key
    return None if found is None else (hours_apart(found[0]), found[1], found[2])


def day_start(day: Mapping[str, int]) -> int:
    """The clock minute a day is read from: the middle of the night between bedtime and waking.

    >>> day_start({"wake": 420, "bedtime": 1350})  # 22:30 to 07:00: from 02:45
    165
    """
    bedtime = day["bedtime"]
    return (bedtime + (day["wake"] - bedtime) % DAY // 2) % DAY


def _subjects(ctx: Context, rule: FoodRule) -> Iterator[FoodSubject]:
    """The substances and medications taken that the rule is about, one subject each."""
    for substance_id in rule.substances:
        doses = ctx.by_substance.get(substance_id)
        if not doses:
            continue
        if rule.min_daily_amount is not None and sum(d.daily_ul for d in doses) < rule.min_daily_amount:
            continue
        substance = doses[0].substance
        yield FoodSubject(
            ctx.derived.in_sentence(substance.name),
            substance.name,
            _dose_times(doses),
            (substance_id,),
            (),
            tuple(sorted({d.entry for d in doses})),
        )
    wanted = frozenset(rule.medications) | frozenset(rule.medication_classes)
    if not wanted:
        return
    brands = [name_key(b) for b in rule.except_brands]
    for med in _unique(m for m in ctx.medications if not wanted.isdisjoint(m.keys)):
        if any(name_key(med.name).startswith(b) for b in brands):
            continue  # a brand the rule does not cover (delayed-release risedronate is taken after breakfast)
        yield FoodSubject(med.display.lower(), med.display, med.times, (), (med.id,), ())


def _unique(meds: Iterator[MedicationTaken]) -> list[MedicationTaken]:
    seen: dict[str, MedicationTaken] = {}
    for med in meds:
        if med.id in seen:
            earlier = seen[med.id]
            times = None if med.times is None or earlier.times is None else (*earlier.times, *med.times)
            seen[med.id] = earlier._replace(times=times)
        else:
            seen[med.id] = med
    return sorted(seen.values(), key=lambda m: m.id)


def _dose_times(doses: list[Dose]) -> tuple[int, ...] | None:
    if any(d.times is None for d in doses):
        return None
    return tuple(sorted({t for d in doses for t in d.times or ()}))


def _alone(rule: FoodRule, partners: list[FoodTaken]) -> list[FoodTaken]:
    """For a ``food_taken_alone`` rule, the foods with their times away from meals (unknown times stay)."""
    if not rule.food_taken_alone:
        return partners
    out = []
    for food in partners:
        if food.times is None or food.with_meal is None:
            out.append(food)
            continue
        times = tuple(t for t, meal in zip(food.times, food.with_meal, strict=True) if not meal)
        if times:
            out.append(food._replace(times=times, with_meal=tuple(False for _ in times)))
    return out
