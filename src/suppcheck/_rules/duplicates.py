"""The same substance from more than one entry."""

from __future__ import annotations

from collections.abc import Iterator

from .._engine.context import Context
from .._engine.findings import finding
from .._engine.shared import fmt
from .._names import in_sentence
from .._report import Finding
from .._severity import Severity


def evaluate(ctx: Context) -> Iterator[Finding]:
    """One info finding for each substance that arrives from more than one entry."""
    for substance_id, doses in sorted(ctx.by_substance.items()):
        entries, daily, _ = ctx.summary(substance_id)
        if len(entries) < 2:
            continue
        substance = doses[0].substance
        sources = "; ".join(f"{d.label} {fmt(d.daily)} {substance.unit}/day" for d in doses)
        yield finding(
            code="duplicate.substance",
            severity=Severity.INFO,
            evidence=None,
            substances=(substance_id,),
            entries=entries,
            rule_id="duplicate.substance",
            message=(
                f"{substance.name} comes from {len(entries)} entries ({sources}): "
                f"{fmt(daily)} {substance.unit}/day in all, which the totals count together."
            ),
            recommendation=f"Confirm that taking {in_sentence(substance.name)} from several products is intended.",
        )
