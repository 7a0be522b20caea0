"""Nutrients that a medication depletes."""

from __future__ import annotations

from collections.abc import Iterator

from .._engine.context import Context
from .._engine.findings import rule_finding
from .._engine.shared import fmt
from .._report import Finding


def evaluate(ctx: Context) -> Iterator[Finding]:
    """Nutrients the person's medications deplete, one finding per depletion rule that matches a medication taken."""
    keys = sorted(ctx.medication_keys())
    sentence = ctx.derived.in_sentence
    for rule in sorted(ctx.kb.depletion_rules(keys), key=lambda r: r.id):
        view = ctx.derived.view(rule)
        meds = ctx.matched_medications(view)
        if not meds or not ctx.partners_ok(view):
            continue
        supplied = []
        entries: list[int] = []
        for substance_id in rule.substances:
            substance = ctx.kb.substances[substance_id]
            doses = ctx.by_substance.get(substance_id, [])
            entries += [d.entry for d in doses]
            if doses:
                amount = f"{fmt(sum(d.daily for d in doses))} {substance.unit}/day"
                supplied.append(f"the regimen supplies {amount} of {sentence(substance.name)}")
            else:
                supplied.append(f"the regimen has no {sentence(substance.name)}")
        names = " and ".join(sentence(ctx.kb.substances[s].name) for s in rule.substances)
        yield rule_finding(
            ctx,
            rule,
            message=f"{_capital(ctx.medication_names(meds))} can lower {names}: {rule.mechanism} "
            f"Here {'; '.join(supplied)}.",
            substances=rule.substances,
            medications=[m.id for m in meds],
            entries=entries,
        )


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
