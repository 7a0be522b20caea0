"""The planning problem: entries to place, candidate times, and the rules as constraint groups.

Built once from the resolved context (``build_context``), from the rule
selection the checker's families read (:mod:`suppcheck._engine.select`), so
that the planner and the checker look at the same pairs. A *group* is one
thing the checker reports once: a separation rule for one substance against
one partner (a substance or a medication), a food rule's window for one
substance or medication against the day's foods, a timing rule for one
entry's dose, or a per-dose limit for one substance. Medications and foods
stay at the person's own times: they are fixed sides of a window.
:func:`violated` is the plain, unoptimised meaning of each group; the
solver's bitmask tables are checked against it in the tests.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from .. import _clock
from .._engine.context import Context, Dose
from .._engine.foods import food_times, listed, names_of, window_advice, window_broken
from .._engine.select import food_separation_pairs, separation_pairs, timing_doses
from .._engine.separation import Gap, separated
from .._engine.shared import TOLERANCE, fmt, offset, step_for, wanted, window_text
from .._errors import InputError
from .._kb.models import FoodSeparation, Timing
from .._names import in_sentence
from .._severity import Severity

GRID = 15
# Repeated doses of one entry are spread at least this far apart (less only when
# the day is too short), so that "twice a day" never means 15 minutes apart.
REPEAT_GAP = 240
SEVERITIES_DESC: tuple[Severity, ...] = tuple(sorted(Severity, key=lambda s: -s.rank))

Kind = Literal["separation", "timing", "per_dose"]


@dataclass(frozen=True, slots=True)
class Slots:
    """One regimen entry to place: how many doses, how far apart, and the user's times."""

    entry: int
    name: str
    doses: int
    split: int  # each original dose became this many
    split_rule: str  # the per-dose limit that asked for the split, "" when not split
    gap: int  # minimum minutes between two of its doses
    user: tuple[int, ...]  # the times the regimen gave, as clock minutes
    weekly: bool


@dataclass(frozen=True, slots=True)
class Group:
    """A rule as the checker reports it once, with what it needs from the timetable."""

    kind: Kind
    rule_id: str
    severity: Severity
    substances: tuple[str, ...]
    medications: tuple[str, ...]
    subject: str  # display name: "iron", "Senior Multi (iron)"
    partner: str  # display name of the partner, "" for timing and per-dose groups
    requirement: str  # "take levothyroxine at least 4 h before or 4 h after iron"
    subject_entries: tuple[int, ...] = ()
    partner_entries: tuple[int, ...] = ()
    window: tuple[float, float] | None = None  # (other_before_hours, other_after_hours)
    fixed_minutes: tuple[int, ...] = ()  # the partner's times when they are fixed: a medication's, or foods'
    subject_minutes: tuple[int, ...] = ()  # the subject's fixed times, when it is a medication in a food rule
    food_window: FoodSeparation | None = None  # a food rule's window, read as the checker reads it
    foods: tuple[tuple[str, str, tuple[int, ...]], ...] = ()  # (id, name as written, clock minutes) per food
    timing: Timing | None = None
    limit: float = 0.0
    unit: str = ""
    amounts: tuple[tuple[int, float], ...] = ()  # per-dose groups: (entry, amount per planned dose)
    unplannable: str | None = None  # why no timetable can be judged against it
    always_broken: str | None = None  # why every timetable breaks it

    @property
    def entries(self) -> tuple[int, ...]:
        """The regimen entries whose doses this group holds."""
        return tuple(sorted({*self.subject_entries, *self.partner_entries, *(e for e, _ in self.amounts)}))


@dataclass(frozen=True)
class Problem:
    """Everything the solver needs; times are clock minutes, candidates sorted from waking."""

    day: dict[str, int]
    wake: int
    bedtime: int
    candidates: tuple[int, ...]
    meals: frozenset[int]
    entries: tuple[Slots, ...]
    groups: tuple[Group, ...]
    fixed: frozenset[int]  # medication clock minutes: taken anyway, so they count as pill times

    def after_wake(self, minute: int) -> int:
        """Minutes after waking of a clock time, on the person's day."""
        return (minute - self.wake) % 1440

    @property
    def span(self) -> int:
        """The length of the waking day in minutes, from waking to bedtime."""
        return (self.bedtime - self.wake) % 1440


# -- building ---------------------------------------------------------------------------------------


def build(ctx: Context) -> Problem:
    """The problem for a resolved regimen: entries, candidate times and constraint groups."""
    wake, bedtime = ctx.day["wake"], ctx.day["bedtime"]
    span = (bedtime - wake) % 1440
    meals = frozenset(ctx.day[s] for s in _clock.MEAL_SLOTS)
    fixed = frozenset(t for m in ctx.medications for t in m.times or ())
    splits = _splits(ctx)
    entries = tuple(_slots(ctx, index, splits.get(index, (1, "")), span) for index in range(len(ctx.regimen.regimen)))
    inside = {
        t for t in (*ctx.day.values(), *fixed, *(u for e in entries for u in e.user)) if (t - wake) % 1440 <= span
    }
    grid = {(wake + d) % 1440 for d in range(-(wake % GRID) % GRID, span + 1, GRID)}
    candidates = tuple(sorted(grid | inside, key=lambda t: (t - wake) % 1440))
    for slots in entries:
        if slots.doses > len(candidates):
            raise InputError(
                f"regimen[{slots.entry}] ({slots.name}).per_day: {slots.doses} doses do not fit between wake "
                f"{_clock.format_minutes(wake)} and bedtime {_clock.format_minutes(bedtime)}"
            )
    groups = [
        *_separation_groups(ctx),
        *_food_groups(ctx),
        *_timing_groups(ctx),
        *_per_dose_groups(ctx, splits),
    ]
    problem = Problem(dict(ctx.day), wake, bedtime, candidates, meals, entries, tuple(groups), fixed)
    return replace(problem, groups=tuple(_clock_bound(problem, g) for g in groups))


def _clock_bound(problem: Problem, group: Group) -> Group:
    """The group, marked always broken when no times of the day can keep it for some entry.

    Only rules about one entry at a time (timing, a medication's fixed times) can be judged alone: an
    entry whose doses do not all fit, ``gap`` apart, among the times that keep the rule breaks it.
    """
    if group.always_broken is not None or group.unplannable is not None:
        return group
    if group.kind == "timing" and group.timing is not None:
        timing = group.timing
        ok = [t for t in problem.candidates if timing_ok(problem, timing, t)]
        why = f"no time between wake and bedtime is {wanted(timing)}"
    elif group.kind == "separation" and group.window is not None and group.fixed_minutes:
        ok = [t for t in problem.candidates if not fixed_breaks(problem, group, t)]
        times = ", ".join(_clock.format_minutes(m) for m in group.fixed_minutes)
        why = f"no time between wake and bedtime is far enough from {group.partner} at {times}"
    else:
        return group
    for e in group.subject_entries:
        slots = problem.entries[e]
        placed, last = 0, -(10**6)
        for offset_ in sorted(problem.after_wake(t) for t in ok):
            if offset_ - last >= slots.gap:
                placed, last = placed + 1, offset_
        if placed < slots.doses:
            many = f" for {slots.doses} doses {fmt(slots.gap / 60)} h apart" if slots.doses > 1 and placed else ""
            return replace(group, always_broken=why + many)
    return group


def _splits(ctx: Context) -> dict[int, tuple[int, str]]:
    """Entries whose single dose exceeds a per-dose limit: the factor and the limit's id."""
    out: dict[int, tuple[int, str]] = {}
    for dose in ctx.doses:
        entry = ctx.regimen.regimen[dose.entry]
        if entry.per_week is not None:
            continue  # weekly entries have exactly one time: nothing to split into
        found = ctx.limits(dose.substance).per_dose
        if found is None or found[1] <= 0 or dose.amount <= found[1] * (1 + TOLERANCE):
            continue
        factor = min(math.ceil(dose.amount / found[1] - TOLERANCE), 24 // entry.doses_per_day_scheduled)
        if factor > out.get(dose.entry, (1, ""))[0]:
            out[dose.entry] = (factor, found[0].id)
    return out


def _slots(ctx: Context, index: int, split: tuple[int, str], span: int) -> Slots:
    entry = ctx.regimen.regimen[index]
    weekly = entry.per_week is not None
    doses = 1 if weekly else entry.doses_per_day_scheduled * split[0]
    user = tuple(_clock.resolve(t, ctx.regimen.profile.day.slots()) for t in entry.times or ())
    gap = GRID
    if doses > 1:
        gap = max(GRID, min(REPEAT_GAP, span // (doses - 1) // GRID * GRID))
        inside = sorted((u - ctx.day["wake"]) % 1440 for u in set(user) if (u - ctx.day["wake"]) % 1440 <= span)
        if len(inside) == doses:  # the user's own spacing stays allowed
            gap = min(gap, *(b - a for a, b in itertools.pairwise(inside)))
    return Slots(index, entry.display_name, doses, split[0], split[1], gap, user, weekly)


def label(dose: Dose, ctx: Context) -> str:
    """``iron`` for a single entry, ``iron in Senior Multi`` for a product's ingredient."""
    name = in_sentence(dose.substance.name)
    product = ctx.regimen.regimen[dose.entry].product
    return f"{name} in {product}" if product else name


def _separation_groups(ctx: Context) -> list[Group]:
    """One group for each pair the interaction family reports whose rule sets a separation window."""
    groups = []
    for view, subject, partner, medications in separation_pairs(ctx):
        rule = view.rule
        assert rule.separation is not None
        window = (rule.separation.other_before_hours, rule.separation.other_after_hours)
        subject_name = in_sentence(subject[0].substance.name)
        # The severity the check gives a broken window, which follows the daily amount.
        step = step_for(rule.severity_steps, sum(d.daily_ul for d in subject)) if rule.severity_steps else None
        base = Group(
            kind="separation",
            rule_id=rule.id,
            severity=step.severity if step is not None else rule.severity,
            substances=(subject[0].substance.id,),
            medications=(),
            subject=subject_name,
            partner="",
            requirement="",
            subject_entries=tuple(sorted({d.entry for d in subject})),
            window=window,
        )
        if partner:
            groups.append(_with_substance(ctx, base, subject, partner))
            continue
        (med,) = medications
        name = med.display.lower()
        groups.append(
            replace(
                base,
                medications=(med.id,),
                partner=name,
                requirement=window_text(*window, name, subject_name),
                fixed_minutes=tuple(sorted(set(med.times or ()))),
                unplannable=None if med.times else f"no time is given for {name}",
            )
        )
    return groups


def _with_substance(ctx: Context, base: Group, subject: list[Dose], partner: list[Dose]) -> Group:
    assert base.window is not None
    partner_name = in_sentence(partner[0].substance.name)
    shared = sorted({d.entry for d in subject} & {d.entry for d in partner})
    broken = None
    if shared and not separated(Gap(0, 0), *base.window):
        names = ", ".join(ctx.regimen.regimen[e].display_name for e in shared)
        broken = f"{base.subject} and {partner_name} are in the same product ({names}), so always taken together"
    return replace(
        base,
        substances=tuple(sorted({*base.substances, partner[0].substance.id})),
        partner=partner_name,
        requirement=window_text(*base.window, partner_name, base.subject),
        partner_entries=tuple(sorted({d.entry for d in partner})),
        always_broken=broken,
    )


def _food_groups(ctx: Context) -> list[Group]:
    """One group for each food rule with a window that the foods family judges, against the foods' own times.

    A supplement's doses move around the foods. A medication's do not: its
    group is kept or broken by the person's times alone.
    """
    groups = []
    for rule, subject, partners, _ in food_separation_pairs(ctx):
        window = rule.separation
        assert window is not None
        food_name = names_of(partners)
        eaten = food_times(partners)
        group = Group(
            kind="separation",
            rule_id=rule.id,
            severity=rule.severity,
            substances=subject.substances,
            medications=subject.medications,
            subject=subject.name,
            partner=food_name,
            requirement=window_advice(window, subject.name, food_name)[1],
            subject_entries=subject.entries,
            window=(window.other_before_hours or 0.0, window.other_after_hours),
            fixed_minutes=eaten or (),
            food_window=window,
            foods=tuple((f.id, f.name.strip(), f.times or ()) for f in partners),
        )
        if eaten is None:
            untimed = names_of(f for f in partners if f.times is None)
            group = replace(group, unplannable=f"no time is given for {untimed}")
        elif subject.medications:
            group = _fixed_subject(ctx, group, subject.times, eaten)
        groups.append(group)
    return groups


def _fixed_subject(ctx: Context, group: Group, times: tuple[int, ...] | None, eaten: tuple[int, ...]) -> Group:
    """A medication against foods: both at the person's times, so the group is kept or broken as it stands."""
    if times is None:
        return replace(group, unplannable=f"no time is given for {group.subject}")
    assert group.food_window is not None
    broken = window_broken(ctx.day, group.food_window, times, eaten)
    if broken is None:
        return replace(group, subject_minutes=times)
    hours, at_subject, at_food = broken
    return replace(
        group,
        subject_minutes=times,
        always_broken=(
            f"{group.subject} at {_clock.format_minutes(at_subject)} and {foods_at(group, at_food)} at "
            f"{_clock.format_minutes(at_food)} are {fmt(hours)} h apart, both at the person's own times"
        ),
    )


def foods_at(group: Group, minute: int) -> str:
    """The group's foods taken at a clock minute, as written: ``coffee and milk``."""
    return listed([name for _, name, minutes in group.foods if minute in minutes] or [group.partner])


def _timing_groups(ctx: Context) -> list[Group]:
    """One group for each dose the timing family judges against a timing rule."""
    return [
        Group(
            kind="timing",
            rule_id=view.rule.id,
            severity=view.rule.severity,
            substances=(dose.substance.id,),
            medications=(),
            subject=label(dose, ctx),
            partner="",
            requirement=f"{label(dose, ctx)} {wanted(timing)}",
            subject_entries=(dose.entry,),
            timing=timing,
        )
        for view, timing, dose in timing_doses(ctx)
    ]


def _per_dose_groups(ctx: Context, splits: dict[int, tuple[int, str]]) -> list[Group]:
    groups = []
    for substance_id in sorted(ctx.by_substance):
        doses = ctx.by_substance[substance_id]
        found = ctx.limits(doses[0].substance).per_dose
        if found is None:
            continue
        limit, value = found
        amounts = tuple((d.entry, d.amount / splits.get(d.entry, (1, ""))[0]) for d in doses)
        name = in_sentence(doses[0].substance.name)
        unit = doses[0].substance.unit
        groups.append(
            Group(
                kind="per_dose",
                rule_id=limit.id,
                severity=limit.severity or Severity.MINOR,
                substances=(substance_id,),
                medications=(),
                subject=name,
                partner="",
                requirement=f"at most {fmt(value)} {unit} of {name} at once",
                unit=unit,
                limit=value,
                amounts=amounts,
                always_broken=(
                    f"a dose holds more than {fmt(value)} {unit} and cannot be split (a weekly dose has one time)"
                    if any(a > value * (1 + TOLERANCE) for _, a in amounts)
                    else None
                ),
            )
        )
    return groups


# -- meaning of a timetable -------------------------------------------------------------------------


def subject_times(group: Group, times: Sequence[Sequence[int]]) -> set[int]:
    """The clock minutes of a group's subject in a timetable: its entries' doses and its fixed times."""
    return {*group.subject_minutes, *(t for e in group.subject_entries for t in times[e])}


def fixed_breaks(problem: Problem, group: Group, minute: int) -> bool:
    """Whether a subject dose at ``minute`` breaks a separation group against its partner's fixed times."""
    if group.food_window is not None:
        return window_broken(problem.day, group.food_window, (minute,), group.fixed_minutes) is not None
    assert group.window is not None
    bad = bad_after(*group.window)
    return any(bad[(m - minute) % 1440] for m in group.fixed_minutes)


@lru_cache(maxsize=32)
def bad_after(before_hours: float, after_hours: float) -> tuple[bool, ...]:
    """For each d in 0..1439: does a partner d minutes after the subject break the window?"""
    return tuple(not separated(Gap(0, d), before_hours, after_hours) for d in range(1440))


def timing_ok(problem: Problem, timing: Timing, minute: int) -> bool:
    """Whether one dose at ``minute`` keeps a timing rule (window and food)."""
    anchor, earliest, latest = timing.anchor, timing.earliest_minutes, timing.latest_minutes
    if anchor is not None and earliest is not None and latest is not None:
        in_window = earliest <= offset(minute, problem.day[anchor]) <= latest
        if not in_window:
            return False
    return timing.food is None or (minute in problem.meals) == (timing.food == "with")


def violated(problem: Problem, group: Group, times: Sequence[Sequence[int]]) -> bool:
    """Whether a timetable (clock minutes per entry) breaks a group, as the checker would see it."""
    if group.unplannable is not None:
        return False
    if group.always_broken is not None:
        return True
    if group.kind == "timing":
        assert group.timing is not None
        return not all(timing_ok(problem, group.timing, t) for e in group.subject_entries for t in times[e])
    if group.kind == "per_dose":
        at_once: dict[int, float] = {}
        for entry, amount in group.amounts:
            for t in set(times[entry]):
                at_once[t] = at_once.get(t, 0.0) + amount
        return any(a > group.limit * (1 + TOLERANCE) for a in at_once.values())
    assert group.window is not None
    subject = subject_times(group, times)
    if group.food_window is not None:
        return window_broken(problem.day, group.food_window, subject, group.fixed_minutes) is not None
    partner = set(group.fixed_minutes) if group.fixed_minutes else {t for e in group.partner_entries for t in times[e]}
    return any(not separated(Gap(s, p), *group.window) for s in subject for p in partner)


def structural_problem(problem: Problem, times: Sequence[Sequence[int]]) -> str | None:
    """What makes a timetable impossible regardless of rules, or None."""
    allowed = set(problem.candidates)
    for slots, chosen in zip(problem.entries, times, strict=True):
        if len(chosen) != slots.doses:
            return f"entry {slots.entry}: {len(chosen)} times for {slots.doses} doses"
        if not set(chosen) <= allowed:
            return f"entry {slots.entry}: a time outside the day"
        ordered = sorted(problem.after_wake(t) for t in chosen)
        if any(b - a < slots.gap for a, b in itertools.pairwise(ordered)):
            return f"entry {slots.entry}: doses closer than {slots.gap} min"
    return None


@dataclass(frozen=True, slots=True)
class Score:
    """How good a timetable is; smaller :meth:`key` is better."""

    broken: frozenset[int]  # group indexes
    by_severity: tuple[int, ...]  # broken groups per severity, worst first
    times_per_day: int
    moves: int
    lateness: int  # total minutes after waking over every dose

    def key(self, prefer: str) -> tuple[tuple[int, ...], int, int, int]:
        """The order in which plans are compared: fewer broken rules (worst first), then ``prefer``."""
        if prefer == "own_times":
            return self.by_severity, self.moves, self.times_per_day, self.lateness
        return self.by_severity, self.times_per_day, self.moves, self.lateness


def moves(slots: Slots, chosen: Sequence[int]) -> int:
    """How many of the user's times for an entry the plan does not keep."""
    return len(slots.user) - len(set(slots.user) & set(chosen))


def evaluate(problem: Problem, times: Sequence[Sequence[int]]) -> Score:
    """Score a timetable (clock minutes per entry, in entry order) from scratch."""
    broken = frozenset(i for i, g in enumerate(problem.groups) if violated(problem, g, times))
    counts = dict.fromkeys(SEVERITIES_DESC, 0)
    for i in broken:
        counts[problem.groups[i].severity] += 1
    return Score(
        broken=broken,
        by_severity=tuple(counts[s] for s in SEVERITIES_DESC),
        times_per_day=len(problem.fixed | {t for chosen in times for t in chosen}),
        moves=sum(moves(s, c) for s, c in zip(problem.entries, times, strict=True)),
        lateness=sum(problem.after_wake(t) for chosen in times for t in chosen),
    )
