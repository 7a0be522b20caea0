"""Timing advice: when in the day, and with or without food, a substance is best taken."""

from __future__ import annotations

from collections.abc import Iterator

from .._clock import format_minutes
from .._engine.context import Context, Dose
from .._engine.findings import rule_finding
from .._engine.select import timing_doses
from .._engine.shared import offset, wanted
from .._kb.models import Timing
from .._report import Finding


def evaluate(ctx: Context) -> Iterator[Finding]:
    """Timing advice: each timing rule of a substance taken, against its times and food when they are given."""
    for view, timing, dose in timing_doses(ctx):
        problem = _problem(ctx, timing, dose)
        if problem is not None:
            yield rule_finding(
                ctx,
                view.rule,
                message=f"{dose.label}: {problem}",
                substances=(dose.substance.id,),
                entries=(dose.entry,),
                conditions=ctx.matched_conditions(view),
                view=view,
            )


def _problem(ctx: Context, timing: Timing, dose: Dose) -> str | None:
    problems = []
    if timing.anchor is not None and timing.earliest_minutes is not None and timing.latest_minutes is not None:
        if dose.times is None:
            problems.append("no time given")
        else:
            anchor = ctx.day[timing.anchor]
            off = [t for t in dose.times if not timing.earliest_minutes <= offset(t, anchor) <= timing.latest_minutes]
            if off:
                problems.append(
                    f"scheduled at {', '.join(format_minutes(t) for t in off)} ({timing.anchor} is at "
                    f"{format_minutes(anchor)})"
                )
    if timing.food is not None:
        if dose.with_food is None:
            problems.append("whether it is taken with food is not given")
        elif dose.with_food != (timing.food == "with"):
            problems.append("taken with food" if dose.with_food else "taken without food")
    if not problems:
        return None
    return f"best taken {wanted(timing)}; {'; '.join(problems)}."
