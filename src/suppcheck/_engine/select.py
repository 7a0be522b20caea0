"""Which rules apply to a context: the one selection that the checker's families and the planner read.

The interaction family reports every :func:`interaction_pairs` item, the
timing family judges every :func:`timing_doses` item, the foods family
every :func:`food_pairs` item, and the planner turns the same items into its
constraint groups, so the two cannot disagree about which rules apply.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from .._kb.models import RuleFamily, Timing
from .context import Context, Dose, MedicationTaken
from .derived import RuleView
from .foods import FoodPair, food_partners, rule_pairs

__all__ = [
    "InteractionPair",
    "TimedDose",
    "food_pairs",
    "food_separation_pairs",
    "interaction_pairs",
    "separation_pairs",
    "timing_doses",
]

# Food rules about the person (a condition, heavy drinking) rather than a substance or medication taken.
PERSON_FOOD_FAMILIES = frozenset({RuleFamily.CONTRAINDICATION_CONDITION, RuleFamily.DEPLETION_MEDICATION})


class InteractionPair(NamedTuple):
    """An interaction rule that applies to one substance against one partner: another substance, or a medication."""

    view: RuleView
    subject: list[Dose]  # the doses of the rule's substance it applies to
    partner_doses: list[Dose]  # the partner substance's doses; empty when the partner is a medication
    medications: list[MedicationTaken]  # the partner medication alone, or every one matched beside a substance


class TimedDose(NamedTuple):
    """A timing rule that applies to one dose."""

    view: RuleView
    timing: Timing
    dose: Dose


def interaction_pairs(ctx: Context) -> Iterator[InteractionPair]:
    """Every interaction and absorption rule that applies, once per partner, by substance id then rule order.

    A rule that names medications applies only when one it names is taken and
    not among its exceptions; a rule with partner substances gives one pair for
    each partner in the regimen, other than the substance itself.
    """
    by_substance = ctx.by_substance
    rules_of = ctx.derived.rules_of
    taken = ctx.medication_keys()
    for substance_id in sorted(by_substance):
        for view in rules_of(substance_id).interactions:
            if view.medication_keys and view.medication_keys.isdisjoint(taken):
                continue  # names medications, none of them taken: the cheap test first
            subject = ctx.applies(view, substance_id)
            if not subject:
                continue
            medications = ctx.matched_medications(view)
            if view.medication_keys and not medications:
                continue  # every medication taken that it names is one of its exceptions
            if view.partners:
                for partner_id in view.partners:
                    partner = [d for d in by_substance.get(partner_id, ()) if d.substance.id != substance_id]
                    if partner:
                        yield InteractionPair(view, subject, partner, medications)
            else:
                for med in sorted(medications, key=lambda m: m.id):
                    yield InteractionPair(view, subject, [], [med])


def separation_pairs(ctx: Context) -> Iterator[InteractionPair]:
    """The :func:`interaction_pairs` whose rule sets a separation window: what a timetable can keep or break."""
    return (pair for pair in interaction_pairs(ctx) if pair.view.rule.separation is not None)


def timing_doses(ctx: Context) -> Iterator[TimedDose]:
    """Every timing rule that applies, with each dose it applies to, by substance id then rule order."""
    rules_of = ctx.derived.rules_of
    for substance_id in sorted(ctx.by_substance):
        for view, timing in rules_of(substance_id).timing:
            for dose in ctx.applies(view, substance_id):
                yield TimedDose(view, timing, dose)


def food_pairs(ctx: Context) -> Iterator[FoodPair]:
    """Every food rule about a substance or medication taken, once per subject, in rule order.

    A rule applies when one of its foods is in the day and, if it names
    conditions, the person has one of them; rules about the person alone
    (conditions, heavy drinking) are the foods family's own.
    """
    for rule in ctx.kb.food_rules.values():
        if rule.family in PERSON_FOOD_FAMILIES:
            continue
        partners = food_partners(ctx, rule)
        if not partners:
            continue
        conditions = ctx.conditions_among(rule.conditions)
        if rule.conditions and not conditions:
            continue
        yield from rule_pairs(ctx, rule, partners, conditions)


def food_separation_pairs(ctx: Context) -> Iterator[FoodPair]:
    """The :func:`food_pairs` whose rule sets a separation window: what a timetable can keep or break."""
    return (pair for pair in food_pairs(ctx) if pair.rule.separation is not None)
