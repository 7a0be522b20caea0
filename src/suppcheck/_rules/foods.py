"""Foods and drinks in the person's day against the knowledge base's food rules.

A food rule's subject is a substance, a medication (or class) or a condition,
and its partner a food or a food category (dairy, caffeinated drinks, any
food or drink but plain water). What a rule gives depends on its family:

- absorption (reduced or enhanced): with a separation window and every time
  known, a broken window gives ``food.separation`` at the rule's severity and
  a kept one ``food.absorption`` at info; with a time unknown the rule is
  given as advice (``food.absorption``) at its severity, with the window, as
  the other separation rules do. Without a window, ``food.absorption``.
- interactions (alcohol, grapefruit, vitamin K-rich greens): ``food.interaction``
  whenever the food is in the day; these effects do not depend on the hour.
- conditions: ``food.condition``; a rule with ``food_time_window`` counts only
  food taken inside it (caffeine in the 8 hours before bedtime).
- depletion: ``food.depletion`` when the standard drinks per day or per week
  are above the rule's level for the person's sex (the lower, women's, level
  when sex is not given).

Only the foods the regimen lists count: a meal slot is not assumed eaten. A
food listed at a meal time (a meal slot, the clock time of one, or beside a
listed meal) counts as taken with a meal, which ``food_taken_alone`` rules
(ciprofloxacin and dairy) leave out.
"""

from __future__ import annotations

from collections.abc import Iterator

from .._clock import format_minutes
from .._engine.context import Context
from .._engine.findings import finding
from .._engine.foods import (
    FoodPair,
    FoodTaken,
    food_partners,
    food_times,
    names_of,
    window_advice,
    window_broken,
)
from .._engine.select import PERSON_FOOD_FAMILIES, food_pairs
from .._engine.separation import closest_pairs, hours_apart
from .._engine.shared import fmt, offset
from .._kb.models import FoodRule, LimitBasis, RuleFamily
from .._report import Finding, ReferenceInfo
from .._severity import Severity


def evaluate(ctx: Context) -> Iterator[Finding]:
    """Every food rule whose food is in the day and whose subject the person has."""
    if not ctx.foods:
        return
    for pair in food_pairs(ctx):
        yield from _pair(ctx, pair)
    for rule in ctx.kb.food_rules.values():
        if rule.family not in PERSON_FOOD_FAMILIES:
            continue
        partners = food_partners(ctx, rule)
        conditions = ctx.conditions_among(rule.conditions)
        if not partners or (rule.conditions and not conditions):
            continue
        if rule.family is RuleFamily.CONTRAINDICATION_CONDITION:
            yield from _condition(ctx, rule, partners, conditions)
        else:
            yield from _depletion(ctx, rule, partners)
    yield from _totals(ctx, ctx.foods)


def _totals(ctx: Context, foods: list[FoodTaken]) -> Iterator[Finding]:
    """A total-intake upper limit that the supplements and the foods' sourced amounts exceed together.

    Only amounts a source gives per serving are counted (calcium in milk,
    yogurt, kefir, fortified juices and plant milks); the report's totals stay
    the supplements' own, and the finding says it is an estimate.
    """
    kb = ctx.kb
    carried: dict[str, list[tuple[FoodTaken, float, tuple[str, ...]]]] = {}
    for taken in foods:
        food = kb.foods.get(taken.id)
        per_day = taken.servings_per_day
        if food is None or per_day is None:
            continue
        for item in food.carries:
            if item.substance is not None and item.amount is not None:
                carried.setdefault(item.substance, []).append((taken, per_day * item.amount, item.references))
    for substance_id, parts in sorted(carried.items()):
        substance = kb.substances[substance_id]
        upper = ctx.limits(substance).upper
        if upper is None or upper[0].basis is not LimitBasis.TOTAL:
            continue
        limit, value = upper
        supplements = ctx.summary(substance_id)[2]
        from_food = sum(amount for _, amount, _ in parts)
        if supplements + from_food <= value * (1 + 1e-9):
            continue
        name = ctx.derived.in_sentence(substance.name)
        unit = substance.unit
        each = ", ".join(f"{t.name.strip()} about {fmt(a)} {unit}" for t, a, _ in parts)
        message = (
            f"{substance.name} from supplements ({fmt(supplements)} {unit}/day) and from the foods listed ({each}) "
            f"totals about {fmt(supplements + from_food)} {unit}/day, above the {fmt(value)} {unit}/day upper limit "
            f"for {ctx.stage_label}, which counts food and supplements together. The food amounts are estimates "
            "from typical servings; other foods are not counted."
        )
        references = (*limit.references, *(r for _, _, refs in parts for r in refs))
        yield finding(
            code="food.total",
            severity=limit.severity or Severity.MODERATE,
            evidence=limit.evidence,
            substances=(substance_id,),
            medications=(),
            conditions=(),
            entries=ctx.summary(substance_id)[0],
            foods=tuple(sorted({t.id for t, _, _ in parts})),
            rule_id=limit.id,
            message=message,
            recommendation=(
                f"Count {name} from food as well as from supplements: lower the supplement dose so that the "
                f"day's total stays at or below {fmt(value)} {unit}."
            ),
            mechanism=limit.mechanism,
            references=ctx.references(tuple(dict.fromkeys(references))),
            hours_required=None,
            hours_scheduled=None,
        )


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def _pair(ctx: Context, pair: FoodPair) -> Iterator[Finding]:
    rule, subject, partners, conditions = pair
    food_names = names_of(partners)
    first = _first_sentence(rule.mechanism)
    interaction = rule.family in (RuleFamily.INTERACTION_MEDICATION, RuleFamily.INTERACTION_SUPPLEMENT)
    code = "food.interaction" if interaction else "food.absorption"
    severity = rule.severity
    recommendation = rule.recommendation
    required = scheduled = None
    window = rule.separation
    alone = " (taken on its own, not as part of a meal)" if rule.food_taken_alone else ""
    if window is None:
        message = f"{subject.title} with {food_names}{alone}: {first}"
    else:
        eaten = food_times(partners)
        required, advice = window_advice(window, subject.name, food_names)
        if subject.times is None or eaten is None:
            message = f"{subject.title} with {food_names}{alone}: {first} Times were not given for every one: {advice}."
        else:
            broken = window_broken(ctx.day, window, subject.times, eaten)
            if broken is None:
                severity = Severity.INFO
                recommendation = "Keep the current schedule."
                scheduled = _closest(subject.times, eaten)
                message = (
                    f"{subject.title} and {food_names} are separated as required ({advice}); the closest are "
                    f"{fmt(scheduled)} h apart."
                )
            else:
                code = "food.separation"
                scheduled, at_subject, at_food = broken
                message = (
                    f"{subject.title} and {food_names}{alone} are scheduled {fmt(scheduled)} h apart "
                    f"({subject.name} at {format_minutes(at_subject)}, {food_names} at {format_minutes(at_food)}); "
                    f"{advice}. {first}"
                )
    yield _finding(
        ctx,
        rule,
        code,
        severity,
        message,
        recommendation,
        substances=subject.substances,
        medications=subject.medications,
        conditions=tuple(conditions),
        entries=subject.entries,
        foods=partners,
        hours=(required, scheduled),
    )


def _closest(subject: tuple[int, ...], food: tuple[int, ...]) -> float:
    _, closest = closest_pairs(subject, food, 0, 0)
    return hours_apart(closest[0])


def _condition(ctx: Context, rule: FoodRule, partners: list[FoodTaken], conditions: list[str]) -> Iterator[Finding]:
    text, named = _condition_text(ctx, rule, partners, conditions)
    if named:
        yield _finding(
            ctx,
            rule,
            "food.condition",
            rule.severity,
            text,
            rule.recommendation,
            conditions=tuple(conditions),
            foods=named,
        )


def _condition_text(
    ctx: Context, rule: FoodRule, partners: list[FoodTaken], conditions: list[str]
) -> tuple[str, list[FoodTaken]]:
    """The message of a condition rule and the foods it names; no foods when none falls in its window."""
    window = rule.food_time_window
    first = _first_sentence(rule.mechanism)
    if window is None or window.anchor is None:
        return f"{names_of(partners)} with {_condition_names(ctx, conditions)}: {first}", partners
    anchor = ctx.day[window.anchor]
    earliest, latest = window.earliest_minutes or 0, window.latest_minutes or 0
    timed = [f for f in partners if f.times is not None]
    inside = [(f, t) for f in timed for t in f.times or () if earliest <= offset(t, anchor) <= latest]
    untimed = [f for f in partners if f.times is None]
    span = f"the {fmt(-earliest / 60)} h before {window.anchor} ({window.anchor} at {format_minutes(anchor)})"
    if inside:
        when = ", ".join(f"{f.name.strip()} at {format_minutes(t)}" for f, t in inside)
        text = f"{when}: within {span}, with {_condition_names(ctx, conditions)}. {first}"
        return text, list(dict.fromkeys(f for f, _ in inside))
    if untimed:
        text = (
            f"{names_of(untimed)} with {_condition_names(ctx, conditions)}: no time was given, so whether it is taken "
            f"within {span} is not known. {first}"
        )
        return text, untimed
    return "", []


def _condition_names(ctx: Context, conditions: list[str]) -> str:
    return ", ".join(ctx.kb.conditions[c].name.lower() if c in ctx.kb.conditions else c for c in conditions)


def _depletion(ctx: Context, rule: FoodRule, partners: list[FoodTaken]) -> Iterator[Finding]:
    level = rule.food_amount
    assert level is not None
    counted = [f for f in partners if f.servings_per_day is not None]
    uncounted = [f for f in partners if f.servings_per_day is None]
    per_day = sum(f.servings_per_day or 0.0 for f in counted)
    sex = ctx.regimen.profile.sex
    key = sex or "female"
    day_limit, week_limit = level.above_per_day[key], level.above_per_week[key]
    per_week = per_day * 7
    if not (per_day > day_limit or per_week > week_limit):
        return
    substances = tuple(rule.substances)
    who = {"female": "women", "male": "men"}[key] + ("" if sex else " (sex not given, so the lower level)")
    names = ", ".join(ctx.derived.in_sentence(ctx.kb.substances[s].name) for s in substances if s in ctx.kb.substances)
    text = (
        f"{names_of(counted)}: about {fmt(per_day)} standard drinks a day ({fmt(per_week)} a week), above "
        f"{fmt(day_limit)} a day or {fmt(week_limit)} a week for {who}; heavy drinking depletes {names}. "
        f"{_first_sentence(rule.mechanism)}"
    )
    if uncounted:
        text += f" Not counted, the amount not being in drinks or a volume: {names_of(uncounted)}."
    text += (
        " The count is an estimate: each drink, glass or serving is taken as one standard drink (14 g alcohol), "
        "and a volume by the drink's standard volume at its usual strength."
    )
    yield _finding(
        ctx, rule, "food.depletion", rule.severity, text, rule.recommendation, substances=substances, foods=partners
    )


def _finding(
    ctx: Context,
    rule: FoodRule,
    code: str,
    severity: Severity,
    message: str,
    recommendation: str,
    *,
    substances: tuple[str, ...] = (),
    medications: tuple[str, ...] = (),
    conditions: tuple[str, ...] = (),
    entries: tuple[int, ...] = (),
    foods: list[FoodTaken],
    hours: tuple[float | None, float | None] = (None, None),
) -> Finding:
    references: tuple[ReferenceInfo, ...] = ctx.references(rule.references)
    return finding(
        code=code,
        severity=severity,
        evidence=rule.evidence,
        substances=tuple(sorted(set(substances))),
        medications=tuple(sorted(set(medications))),
        conditions=tuple(sorted(set(conditions))),
        entries=tuple(sorted(set(entries))),
        foods=tuple(sorted({f.id for f in foods})),
        rule_id=rule.id,
        message=message,
        recommendation=recommendation,
        mechanism=rule.mechanism,
        references=references,
        hours_required=hours[0],
        hours_scheduled=hours[1],
    )
