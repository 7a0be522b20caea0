"""Contraindications and cautions: conditions and life stages."""

from __future__ import annotations

from collections.abc import Iterator

from .._engine.context import Context
from .._engine.findings import rule_finding
from .._engine.shared import fmt, lab_text, step_for, step_text
from .._kb.models import RuleFamily
from .._report import Finding


def evaluate(ctx: Context) -> Iterator[Finding]:
    """Condition and life-stage contraindications of each substance taken.

    One finding per rule whose condition, lab threshold or life stage the person has.
    """
    rules_of = ctx.derived.rules_of
    for substance_id in sorted(ctx.by_substance):
        for view in rules_of(substance_id).conditions:
            doses = ctx.applies(view, substance_id)
            if not doses:
                continue
            rule = view.rule
            total = sum(d.daily_ul for d in doses)
            substance = doses[0].substance
            meds = ctx.matched_medications(view)
            if view.medication_keys and not meds:
                continue
            matched = ctx.matched_conditions(view)
            hits = ctx.lab_hits(view.labs) if view.labs else []
            labs = lab_text(hits)
            if rule.family is RuleFamily.CONTRAINDICATION_CONDITION:
                names = ctx.derived.in_sentence
                said = ", ".join(names(ctx.kb.conditions[c].name) for c in matched)
                who = "with " + " and ".join(part for part in (said, labs) if part)
            else:
                who = f"in {ctx.stage_label}" + (f" with {labs}" if labs else "")
            amount = f" ({fmt(total)} {substance.unit}/day)" if rule.min_daily_amount is not None else ""
            step = step_for(rule.severity_steps, total) if rule.severity_steps else None
            extra = step_text(step, substance.name, total, substance.unit) if step is not None else ""
            yield rule_finding(
                ctx,
                rule,
                severity=step.severity if step is not None else None,
                extra_references=(
                    *(step.references if step is not None else ()),
                    *(ref for threshold, _ in hits for ref in threshold.references),
                ),
                message=f"{substance.name}{amount} {who}: {rule.mechanism}{extra}",
                substances=(substance_id,),
                medications=[m.id for m in meds],
                conditions=matched,
                entries=[d.entry for d in doses],
                view=view,
            )
