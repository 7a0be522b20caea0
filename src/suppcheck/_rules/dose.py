"""Daily totals and the dose family: upper limits, usual ranges, per-dose limits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from .._clock import format_minutes
from .._engine.context import Context, Dose
from .._engine.derived import SubstanceLimits
from .._engine.findings import finding, with_references
from .._engine.shared import TOLERANCE, fmt, step_for
from .._kb.models import Limit, LimitBasis, SeverityStep, Substance
from .._report import Finding, Total, trusted
from .._severity import Evidence, Severity
from .._units import UnitError, parse_unit

_BASIS_PHRASE = {
    LimitBasis.TOTAL: "total intake; food adds to this",
    LimitBasis.SUPPLEMENTAL: "supplemental {name}; food is not counted",
    LimitBasis.FOLIC_ACID: "folic acid only; food folate is not counted",
    LimitBasis.PREFORMED: "preformed vitamin A only, as retinol and retinyl esters; beta-carotene is not counted",
    # NASEM's footnote calls these "synthetic forms", but vitamin E's counts every
    # supplemental alpha-tocopherol, natural included: say what is counted, not "synthetic".
    LimitBasis.SYNTHETIC: "{name} from supplements and fortified food, in any form; food's own is not counted",
}


def severity_for_ratio(ratio: float) -> Severity:
    """How bad a total is by how far it exceeds its upper limit.

    >>> [severity_for_ratio(r).value for r in (1.01, 1.5, 1.51, 2.29)]
    ['moderate', 'moderate', 'major', 'major']
    """
    return Severity.MODERATE if ratio <= 1.5 else Severity.MAJOR


def _basis_phrase(ctx: Context, limit: Limit, substance: Substance) -> str:
    return _BASIS_PHRASE[limit.basis].format(name=ctx.derived.in_sentence(substance.name))


def _amount_in(ctx: Context, dose: Dose, unit: str) -> float | None:
    """The dose's daily amount in a limit's unit (folate's mcg DFE), or None."""
    if unit == dose.substance.unit:
        return dose.daily
    try:
        per_unit = ctx.kb.unit_factor(dose.substance, dose.form, parse_unit(unit), for_upper_limit=False)
    except UnitError:
        return None
    return dose.daily / per_unit


def totals(ctx: Context) -> list[Total]:
    """One :class:`Total` per substance in the regimen, sorted by substance id."""
    out = []
    stage = ctx.stage_label
    for substance_id in sorted(ctx.by_substance):
        doses = ctx.by_substance[substance_id]
        substance = doses[0].substance
        limits = ctx.limits(substance)
        upper = limits.upper
        recommended = limits.recommended
        entries, daily, counted = ctx.summary(substance_id)
        # Every field given, each already of its type: no validation needed.
        out.append(
            trusted(
                Total,
                {
                    "substance": substance_id,
                    "daily_amount": round(daily, 4),
                    "unit": substance.unit,
                    "basis": upper[0].basis.value if upper else LimitBasis.TOTAL.value,
                    "upper_limit": upper[1] if upper else None,
                    "ratio_to_upper_limit": round(counted / upper[1], 2) if upper and upper[1] > 0 else None,
                    "amount_counted_for_upper_limit": round(counted, 4) if upper else None,
                    "recommended_intake": recommended[1] if recommended else None,
                    "recommended_intake_unit": recommended[0].unit if recommended else None,
                    "recommended_intake_kind": recommended[0].intake_kind if recommended else None,
                    "life_stage": stage,
                    "entries": entries,
                },
            )
        )
    return out


def evaluate(ctx: Context) -> Iterator[Finding]:
    """Dose findings: daily totals against upper limits and usual ranges, and single doses against per-dose limits."""
    for substance_id, doses in ctx.by_substance.items():
        substance = doses[0].substance
        entries, total, counted = ctx.summary(substance_id)
        unit = substance.unit
        limits = ctx.limits(substance)
        upper = limits.upper
        if upper is not None:
            limit, value = upper
            if counted > value * (1 + TOLERANCE):
                ratio = counted / value if value > 0 else float("inf")
                phrase = _basis_phrase(ctx, limit, substance)
                step = step_for(limit.severity_steps, counted) if limit.severity_steps else None
                yield _limit_finding(
                    ctx,
                    limit,
                    "dose.above_upper_limit",
                    max(severity_for_ratio(ratio), step.severity) if step is not None else severity_for_ratio(ratio),
                    substance,
                    entries,
                    f"{substance.name} totals {fmt(counted)} {unit}/day ({phrase}), above the {fmt(value)} "
                    f"{unit}/day upper limit for {ctx.stage_label}: {fmt(ratio)} times the limit."
                    + (_step_note(step, unit) if step is not None else ""),
                    f"Reduce {ctx.derived.in_sentence(substance.name)} to at most {fmt(value)} {unit}/day ({phrase}) "
                    f"unless a clinician directs a higher dose and monitors it. {limit.recommendation}",
                )
        typical = limits.usual_max
        if typical is not None:
            limit, value = typical
            more_permissive = upper is None or upper[1] > value
            if more_permissive and total > value * (1 + TOLERANCE):
                step = step_for(limit.severity_steps, total) if limit.severity_steps else None
                yield _limit_finding(
                    ctx,
                    limit,
                    "dose.above_typical",
                    step.severity if step is not None else limit.severity or Severity.MINOR,
                    substance,
                    entries,
                    f"{substance.name} totals {fmt(total)} {unit}/day, above the usual range (at most "
                    f"{fmt(value)} {unit}/day) for {ctx.stage_label}"
                    + (f": {fmt(total / value)} times the top of that range." if value > 0 else ".")
                    + (_step_note(step, unit) if step is not None else ""),
                    limit.recommendation,
                    step,
                )
        if limits.usual_min is not None or limits.recommended is not None:
            yield from _below(ctx, substance, doses, entries, total, limits)
        if limits.per_dose is not None:
            yield from _per_dose(ctx, substance, doses, limits)


def _below(
    ctx: Context,
    substance: Substance,
    doses: list[Dose],
    entries: tuple[int, ...],
    total: float,
    limits: SubstanceLimits,
) -> Iterator[Finding]:
    usual_min = limits.usual_min
    if usual_min is not None:
        limit, value = usual_min
        if total < value * (1 - TOLERANCE):
            yield _limit_finding(
                ctx,
                limit,
                "dose.below_typical",
                limit.severity or Severity.INFO,
                substance,
                entries,
                f"{substance.name} totals {fmt(total)} {substance.unit}/day, below the usual effective range "
                f"(from {fmt(value)} {substance.unit}/day).",
                limit.recommendation,
            )
            return
    recommended = limits.recommended
    if recommended is None:
        return
    limit, value = recommended
    amounts = [_amount_in(ctx, d, limit.unit) for d in doses]
    if any(a is None for a in amounts):
        return  # a form without a conversion to the limit's unit: no honest comparison
    total = sum(a for a in amounts if a is not None)
    if total < value * (1 - TOLERANCE):
        kind = limit.intake_kind or "recommended intake"
        yield _limit_finding(
            ctx,
            limit,
            "dose.below_typical",
            Severity.INFO,
            substance,
            entries,
            f"Supplements provide {fmt(total)} {limit.unit}/day of {ctx.derived.in_sentence(substance.name)}, "
            f"below the {fmt(value)} {limit.unit}/day {kind} for {ctx.stage_label}.",
            f"No action if diet supplies the rest; if the supplement is meant to correct a deficiency, "
            f"check the dose. {limit.recommendation}",
        )


def _per_dose(ctx: Context, substance: Substance, doses: list[Dose], limits: SubstanceLimits) -> Iterator[Finding]:
    found = limits.per_dose
    if found is None:
        return
    limit, value = found
    # Doses at the same clock time are taken at once, whichever entry they come from.
    at_once: dict[tuple[int, int], list[Dose]] = defaultdict(list)
    for dose in doses:
        if dose.times is None:
            at_once[(-1, dose.entry)].append(dose)
        else:
            for minute in set(dose.times):
                at_once[(minute, -1)].append(dose)
    for (minute, _), group in sorted(at_once.items()):
        amount = sum(d.amount for d in group)
        if amount > value * (1 + TOLERANCE):
            when = f" at {format_minutes(minute)}" if minute >= 0 else ""
            sources = ", ".join(sorted({d.label for d in group}))
            yield _limit_finding(
                ctx,
                limit,
                "dose.per_dose_limit",
                limit.severity or Severity.MINOR,
                substance,
                tuple(sorted({d.entry for d in group})),
                f"{fmt(amount)} {substance.unit} of {ctx.derived.in_sentence(substance.name)} is taken at once{when} "
                f"({sources}); "
                f"at most {fmt(value)} {substance.unit} per dose is absorbed well.",
                limit.recommendation,
            )


def _step_note(step: SeverityStep, unit: str) -> str:
    """`` At or above 5,000 mg/day: <note>`` (the amount is in the message already)."""
    relation = "At or above" if step.inclusive else "Above"
    return f" {relation} {fmt(step.threshold)} {unit}/day: {step.note}"


def _limit_finding(
    ctx: Context,
    limit: Limit,
    code: str,
    severity: Severity,
    substance: Substance,
    entries: tuple[int, ...],
    message: str,
    recommendation: str,
    step: SeverityStep | None = None,
) -> Finding:
    return finding(
        code=code,
        severity=severity,
        evidence=Evidence(limit.evidence),
        substances=(substance.id,),
        entries=entries,
        rule_id=limit.id,
        message=message,
        recommendation=recommendation,
        mechanism=limit.mechanism,
        references=with_references(ctx, ctx.references(limit.references), step.references)
        if step is not None
        else ctx.references(limit.references),
    )
