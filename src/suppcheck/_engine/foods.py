"""The day's foods and drinks, resolved against the knowledge base: what the food rules read.

A food or a food category (``alcohol``, ``dairy``) is resolved like a
medication: by name, with its times on the clock, whether each time is at a
meal, and its amount in servings where the amount says it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from .. import _clock
from .._kb.models import Food
from .context import Context
from .findings import unrecognized

__all__ = ["ALCOHOL", "ANY_FOOD", "MEALS", "FoodTaken", "resolve_foods"]

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
