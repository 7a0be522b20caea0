"""Interactions with medications and other supplements, and absorption modifiers.

A rule with a separation window is timing-aware: with every time known, a
kept window gives an ``info`` finding and a broken one ``timing.separation``
at the rule's severity; with any time unknown the rule is given as advice at
its severity, with the window.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .._clock import format_minutes
from .._kb.models import Rule, RuleFamily
from .._names import in_sentence
from .._report import Finding
from .._severity import Severity
from .context import Context, Dose, MedicationTaken, rule_finding
from .dose import fmt
from .separation import window_text, worst_gap

FAMILIES = frozenset(
    {
        RuleFamily.INTERACTION_MEDICATION,
        RuleFamily.INTERACTION_SUPPLEMENT,
        RuleFamily.ABSORPTION_REDUCED,
        RuleFamily.ABSORPTION_ENHANCED,
    }
)
CODES: tuple[str, ...] = (*sorted(f.value for f in FAMILIES), "timing.separation")


def evaluate(ctx: Context) -> Iterator[Finding]:
    for substance_id in sorted(ctx.by_substance):
        for rule in ctx.kb.rules_for_substance(substance_id):
            if rule.family not in FAMILIES:
                continue
            subject = ctx.applies(rule, substance_id)
            if not subject:
                continue
            takes_medication = bool(rule.medications or rule.medication_classes)
            medications = ctx.matched_medications(rule)
            if takes_medication and not medications:
                continue
            if rule.with_substances:
                for partner_id in sorted(set(rule.with_substances)):
                    partner = [d for d in ctx.by_substance.get(partner_id, []) if d.substance.id != substance_id]
                    if partner:
                        yield from _pair(ctx, rule, subject, partner_doses=partner, medications=medications)
            else:
                for med in sorted(medications, key=lambda m: m.id):
                    yield from _pair(ctx, rule, subject, partner_doses=[], medications=[med])


def _pair(
    ctx: Context,
    rule: Rule,
    subject: list[Dose],
    *,
    partner_doses: list[Dose],
    medications: list[MedicationTaken],
) -> Iterator[Finding]:
    substance = subject[0].substance
    entries = {d.entry for d in subject} | {d.entry for d in partner_doses}
    substances = {substance.id} | {d.substance.id for d in partner_doses}
    med_ids = [m.id for m in medications]
    conditions = ctx.matched_conditions(rule)
    if partner_doses:
        partner_name = in_sentence(partner_doses[0].substance.name)
        partner_times = _times(partner_doses)
    else:
        partner_name = ctx.medication_names(medications)
        partner_times = _med_times(medications)
    subject_name = in_sentence(substance.name)
    base = f"{substance.name} with {partner_name}: {_first_sentence(rule.mechanism)}"

    def emit(**fields: Any) -> Finding:
        return rule_finding(
            ctx, rule, substances=substances, medications=med_ids, conditions=conditions, entries=entries, **fields
        )

    window = rule.separation
    if window is None:
        yield emit(message=base)
        return
    required = max(window.other_before_hours, window.other_after_hours)
    advice = window_text(window.other_before_hours, window.other_after_hours, partner_name, subject_name)
    subject_times = _times(subject)
    if subject_times is None or partner_times is None:
        yield emit(
            message=f"{base} Times were not given for every dose: {advice}.",
            hours_required=required,
        )
        return
    worst, closest = worst_gap(subject_times, partner_times, window.other_before_hours, window.other_after_hours)
    if worst is None:
        yield emit(
            severity=Severity.INFO,
            message=(
                f"{substance.name} and {partner_name} are separated as required ({advice}); "
                f"the closest doses are {fmt(closest.closest_hours)} h apart."
            ),
            recommendation="Keep the current schedule.",
            hours_required=required,
            hours_scheduled=closest.closest_hours,
        )
        return
    same_product = bool(partner_doses) and {d.entry for d in subject} & {d.entry for d in partner_doses}
    if same_product and worst.closest_hours == 0:
        where = "are in the same product, so they are always taken together"
    else:
        where = (
            f"are scheduled {fmt(worst.closest_hours)} h apart ({subject_name} at "
            f"{format_minutes(worst.subject_minute)}, {partner_name} at {format_minutes(worst.partner_minute)})"
        )
    yield emit(
        code="timing.separation",
        message=f"{substance.name} and {partner_name} {where}; {advice}. {_first_sentence(rule.mechanism)}",
        hours_required=required,
        hours_scheduled=worst.closest_hours,
    )


def _times(doses: list[Dose]) -> list[int] | None:
    if any(d.times is None for d in doses):
        return None
    return sorted({t for d in doses for t in d.times or ()})


def _med_times(meds: list[MedicationTaken]) -> list[int] | None:
    if any(m.times is None for m in meds):
        return None
    return sorted({t for m in meds for t in m.times or ()})


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text
