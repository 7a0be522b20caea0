"""Contraindications and cautions: conditions and life stages."""

from __future__ import annotations

from collections.abc import Iterator

from .._kb.models import RuleFamily
from .._names import in_sentence
from .._report import Finding
from .context import Context, rule_finding
from .dose import fmt

CODES: tuple[str, ...] = ("contraindication.condition", "contraindication.life_stage")
_FAMILIES = frozenset({RuleFamily.CONTRAINDICATION_CONDITION, RuleFamily.CONTRAINDICATION_LIFE_STAGE})


def evaluate(ctx: Context) -> Iterator[Finding]:
    for substance_id in sorted(ctx.by_substance):
        for rule in ctx.kb.rules_for_substance(substance_id):
            if rule.family not in _FAMILIES:
                continue
            doses = ctx.applies(rule, substance_id)
            if not doses:
                continue
            total = sum(d.daily_ul for d in doses)
            substance = doses[0].substance
            meds = ctx.matched_medications(rule)
            if (rule.medications or rule.medication_classes) and not meds:
                continue
            if rule.family is RuleFamily.CONTRAINDICATION_CONDITION:
                who = f"with {', '.join(in_sentence(ctx.kb.conditions[c].name) for c in ctx.matched_conditions(rule))}"
            else:
                who = f"in {ctx.stage.label()}"
            amount = f" ({fmt(total)} {substance.unit}/day)" if rule.min_daily_amount is not None else ""
            yield rule_finding(
                ctx,
                rule,
                message=f"{substance.name}{amount} {who}: {rule.mechanism}",
                substances=[substance_id],
                medications=[m.id for m in meds],
                conditions=ctx.matched_conditions(rule),
                entries=[d.entry for d in doses],
            )
