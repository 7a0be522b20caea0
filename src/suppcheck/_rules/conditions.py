"""Contraindications and cautions: conditions and life stages."""

from __future__ import annotations

from collections.abc import Iterator

from .._kb.models import RuleFamily
from .._report import Finding
from .context import Context, rule_finding
from .dose import fmt

CODES: tuple[str, ...] = ("contraindication.condition", "contraindication.life_stage")
_FAMILIES = frozenset({RuleFamily.CONTRAINDICATION_CONDITION, RuleFamily.CONTRAINDICATION_LIFE_STAGE})


def evaluate(ctx: Context) -> Iterator[Finding]:
    rules_of = ctx.derived.rules_of
    for substance_id in sorted(ctx.by_substance):
        for view in rules_of(substance_id).conditions:
            doses = ctx.applies_view(view, substance_id)
            if not doses:
                continue
            rule = view.rule
            total = sum(d.daily_ul for d in doses)
            substance = doses[0].substance
            meds = ctx.matched_medications_view(view)
            if view.medication_keys and not meds:
                continue
            matched = ctx.matched_conditions_of(view.conditions)
            if rule.family is RuleFamily.CONTRAINDICATION_CONDITION:
                names = ctx.derived.in_sentence
                who = f"with {', '.join(names(ctx.kb.conditions[c].name) for c in matched)}"
            else:
                who = f"in {ctx.stage_label}"
            amount = f" ({fmt(total)} {substance.unit}/day)" if rule.min_daily_amount is not None else ""
            yield rule_finding(
                ctx,
                rule,
                message=f"{substance.name}{amount} {who}: {rule.mechanism}",
                substances=(substance_id,),
                medications=[m.id for m in meds],
                conditions=matched,
                entries=[d.entry for d in doses],
                view=view,
            )
