"""Interactions with medications and other supplements, and absorption modifiers.

A rule with a separation window is timing-aware: with every time known, a
kept window gives an ``info`` finding and a broken one ``timing.separation``
at the rule's severity; with any time unknown the rule is given as advice at
its severity, with the window.
"""

from __future__ import annotations

from collections.abc import Iterator

from .._clock import format_minutes
from .._engine.context import Context, Dose, MedicationTaken
from .._engine.derived import RuleView
from .._engine.findings import finding, with_references
from .._engine.select import interaction_pairs
from .._engine.separation import closest_pairs, hours_apart
from .._engine.shared import fmt, lab_text, step_for, step_text, window_text
from .._report import Finding
from .._severity import Severity


def evaluate(ctx: Context) -> Iterator[Finding]:
    """Interactions with medications and substances, absorption rules, and separation windows against the schedule."""
    for pair in interaction_pairs(ctx):
        yield _pair(ctx, pair.view, pair.subject, partner_doses=pair.partner_doses, medications=pair.medications)


def _pair(
    ctx: Context,
    view: RuleView,
    subject: list[Dose],
    *,
    partner_doses: list[Dose],
    medications: list[MedicationTaken],
) -> Finding:
    rule = view.rule
    substance = subject[0].substance
    subject_entries = {d.entry for d in subject}
    names = ctx.derived.in_sentence
    if partner_doses:
        partner_entries = {d.entry for d in partner_doses}
        entries = tuple(sorted(subject_entries | partner_entries))
        substances = tuple(sorted({substance.id, *(d.substance.id for d in partner_doses)}))
        partner_name = names(partner_doses[0].substance.name)
    else:
        partner_entries = set()
        entries = tuple(sorted(subject_entries))
        substances = (substance.id,)
        partner_name = medications[0].display.lower()  # evaluate() passes one medication at a time here
    med_ids = (medications[0].id,) if len(medications) == 1 else tuple(sorted({m.id for m in medications}))
    conditions = tuple(ctx.matched_conditions(view))
    subject_name = names(substance.name)
    base = f"{substance.name} with {partner_name}: {view.first_sentence}"
    code = view.code
    severity = rule.severity
    recommendation = rule.recommendation
    hours_required = hours_scheduled = None
    extra_refs: tuple[str, ...] = ()
    hits = ctx.lab_hits(view.labs) if view.labs else []
    if hits:
        base += f" This applies with {lab_text(hits)}."
        extra_refs += tuple(ref for threshold, _ in hits for ref in threshold.references)
    # The severity a step gives; a kept separation window stays info whatever the amount.
    stepped = ""
    if rule.severity_steps:
        daily = sum(d.daily_ul for d in subject)  # the amount min_daily_amount is compared with
        step = step_for(rule.severity_steps, daily)
        if step is not None:
            severity = step.severity
            stepped = step_text(step, substance.name, daily, substance.unit)
            extra_refs += step.references
    window = rule.separation
    if window is None:
        message = base + stepped
    else:
        before, after = window.other_before_hours, window.other_after_hours
        hours_required = max(before, after)
        advice = window_text(before, after, partner_name, subject_name)
        subject_times = _times(subject)
        partner_times = _times(partner_doses) if partner_doses else _med_times(medications)
        if subject_times is None or partner_times is None:
            message = f"{base} Times were not given for every dose: {advice}.{stepped}"
        else:
            worst, closest = closest_pairs(subject_times, partner_times, before, after)
            if worst is None:
                severity = Severity.INFO
                extra_refs = tuple(ref for threshold, _ in hits for ref in threshold.references)
                hours_scheduled = hours_apart(closest[0])
                message = (
                    f"{substance.name} and {partner_name} are separated as required ({advice}); "
                    f"the closest doses are {fmt(hours_scheduled)} h apart."
                )
                recommendation = "Keep the current schedule."
            else:
                hours_scheduled = hours_apart(worst[0])
                if hours_scheduled == 0 and not subject_entries.isdisjoint(partner_entries):
                    where = "are in the same product, so they are always taken together"
                else:
                    where = (
                        f"are scheduled {fmt(hours_scheduled)} h apart ({subject_name} at "
                        f"{format_minutes(worst[1])}, {partner_name} at {format_minutes(worst[2])})"
                    )
                code = "timing.separation"
                message = f"{substance.name} and {partner_name} {where}; {advice}. {view.first_sentence}{stepped}"
    return finding(
        code=code,
        severity=severity,
        evidence=view.evidence,
        substances=substances,
        medications=med_ids,
        conditions=conditions,
        entries=entries,
        rule_id=rule.id,
        message=message,
        recommendation=recommendation,
        mechanism=rule.mechanism,
        references=with_references(ctx, view.references, extra_refs) if extra_refs else view.references,
        hours_required=hours_required,
        hours_scheduled=hours_scheduled,
    )


def _times(doses: list[Dose]) -> list[int] | None:
    if any(d.times is None for d in doses):
        return None
    return sorted({t for d in doses for t in d.times or ()})


def _med_times(meds: list[MedicationTaken]) -> list[int] | None:
    if any(m.times is None for m in meds):
        return None
    return sorted({t for m in meds for t in m.times or ()})
