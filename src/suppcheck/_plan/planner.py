"""``plan()``: a regimen in, a daily timetable that keeps the knowledge base's timing rules out."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from .. import _clock
from .._clock import format_minutes
from .._engine.context import Context, build_context
from .._engine.foods import window_broken
from .._engine.separation import closest_pairs, hours_apart, worst_gap
from .._engine.shared import fmt, wanted
from .._errors import InputError
from .._kb.base import KnowledgeBase
from .._kb.loader import default_knowledge
from .._regimen import RegimenFile, unit_problems
from .._version import __version__
from .model import (
    FoodMove,
    Plan,
    PlannedDose,
    PlannedFood,
    PlannedMedication,
    PlannedSplit,
    Prefer,
    RuleStatus,
    alternatives,
    applied,
)
from .problem import Group, Problem, Score, build, evaluate, foods_at, subject_times, violated
from .solver import conflicts, solve


def plan(
    regimen: RegimenFile | Mapping[str, Any],
    *,
    knowledge: KnowledgeBase | None = None,
    prefer: Prefer = "fewest_times",
) -> Plan:
    """A daily timetable for a regimen that keeps every separation, timing and per-dose rule it can.

    Medications stay at the times the profile gives, and foods and drinks at
    the regimen's; supplement doses move around them, between wake and
    bedtime, on a 15-minute grid or the day's slot times. A dose at
    breakfast, lunch or dinner is taken with food, any other dose without.
    Of the timetables that break the least (fewest broken rules of the worst
    severity, then of the next), it takes the fewest distinct times a day,
    then the fewest changes to the regimen's own times, then the earliest
    (least total time after waking); ``prefer="own_times"`` puts the
    regimen's own times before the number of times. Where moving a food or
    drink would keep a rule the plan breaks, or let a moved dose keep its own
    time, ``food_moves`` says so. A malformed regimen raises
    :class:`~suppcheck.InputError`, as :func:`~suppcheck.check` does.

        >>> p = plan({"profile": {"age": 40},
        ...           "regimen": [{"substance": "iron", "amount": "18 mg", "times": ["breakfast"]},
        ...                       {"substance": "calcium", "form": "carbonate", "amount": "500 mg",
        ...                        "times": ["breakfast"]}]})
        >>> [(d.name, d.time, d.with_food) for d in p.doses]
        [('calcium', '07:30', True), ('iron', '09:30', False)]
        >>> p.all_satisfied, p.moves
        (True, 1)
        >>> [e.times for e in p.apply().regimen]
        [('09:30',), ('07:30',)]
    """
    kb = knowledge if knowledge is not None else default_knowledge()
    parsed = _validated(regimen, kb)
    # A timetable repeats daily or on weekdays: an every-N-days entry would be shown
    # daily, so it is refused until the plan can say which days.
    every = [
        f"regimen[{i}] ({e.display_name}).every_days: plan() schedules daily and weekly doses only; "
        "check() handles every-N-days dosing"
        for i, e in enumerate(parsed.regimen)
        if e.every_days is not None
    ]
    if every:
        raise InputError(every)
    ctx = build_context(parsed, kb)
    problem = build(ctx)
    result = solve(problem, prefer)
    score = evaluate(problem, result.times)
    if result.optimal:
        clashes = conflicts(problem, score.broken)
    else:  # the broken rules may be avoidable after all; only those no time keeps are named
        clashes = [(g,) for g in sorted(score.broken) if problem.groups[g].always_broken is not None]
    splits = tuple(_splits(problem, parsed))
    agrees = _checker_agrees(problem, parsed, splits, result.times, score, kb)
    moved = _food_moves(problem, result.times, score, agrees)
    statuses = [
        _status(problem, g, result.times, score, clashes, [m for h, m in moved if h == g])
        for g in range(len(problem.groups))
    ]
    moves = [m for _, m in moved]
    made = Plan(
        suppcheck_version=__version__,
        knowledge_version=kb.version,
        day={slot: format_minutes(minute) for slot, minute in problem.day.items()},
        doses=tuple(_doses(problem, parsed, result.times, score, moves)),
        medications=tuple(_medications(ctx, problem)),
        foods=tuple(_foods(ctx, problem)),
        food_moves=tuple(moves),
        splits=splits,
        satisfied=tuple(s for s in statuses if s.satisfied),
        unsatisfied=tuple(s for s in statuses if not s.satisfied),
        conflicts=tuple(sorted({tuple(sorted({problem.groups[g].rule_id for g in c})) for c in clashes})),
        all_satisfied=all(s.satisfied for s in statuses),
        optimal=result.optimal,
        prefer=prefer,
        times_per_day=score.times_per_day,
        moves=score.moves,
    )
    made._regimen = parsed
    return made


def _validated(regimen: RegimenFile | Mapping[str, Any], kb: KnowledgeBase) -> RegimenFile:
    # As check() does: a RegimenFile validated against this knowledge base is not validated again.
    if isinstance(regimen, RegimenFile):
        problems = [] if regimen.units_checked_against(kb) else unit_problems(regimen, kb)
        if problems:
            raise InputError(problems)
        return regimen
    return RegimenFile.model_validate(regimen, context={"knowledge": kb})


# -- doses ------------------------------------------------------------------------------------------


def _doses(
    problem: Problem, regimen: RegimenFile, times: Sequence[Sequence[int]], score: Score, moves: Sequence[FoodMove]
) -> list[PlannedDose]:
    out: list[tuple[tuple[int, int, int], PlannedDose]] = []
    for slots, chosen in zip(problem.entries, times, strict=True):
        entry = regimen.regimen[slots.entry]
        ordered = sorted(chosen, key=problem.after_wake)
        origins = _origins(problem, slots.user, ordered)
        amount = None if entry.amount is None else f"{fmt(entry.amount.value / slots.split)} {entry.amount.unit}"
        for number, minute in enumerate(ordered, start=1):
            slot = next((s for s in _clock.SLOTS if problem.day[s] == minute), None)
            parts = [origins[minute]]
            if slot is not None:
                parts.append(f"at {slot}" + (", with food" if minute in problem.meals else ""))
            if slots.split > 1:
                parts.append(f"dose {number} of {slots.doses} after the split ({slots.split_rule})")
            notes = _rule_notes(problem, slots.entry, minute, times, score)
            parts.extend(note for _, _, note in notes)
            if parts[0].startswith("moved from "):
                parts.extend(_instead(problem, slots.entry, moves))
            dose = PlannedDose(
                entry=slots.entry,
                name=slots.name,
                dose=number,
                doses_per_day=slots.doses,
                per_week=entry.per_week,
                time=format_minutes(minute),
                slot=slot,
                with_food=minute in problem.meals,
                amount=amount,
                your_time=minute in slots.user,
                keeps=tuple(dict.fromkeys(rule for rule, broken, _ in notes if not broken)),
                breaks=tuple(dict.fromkeys(rule for rule, broken, _ in notes if broken)),
                reason="; ".join(parts),
            )
            out.append(((problem.after_wake(minute), slots.entry, number), dose))
    return [dose for _, dose in sorted(out, key=lambda item: item[0])]


def _origins(problem: Problem, user: Sequence[int], planned: Sequence[int]) -> dict[int, str]:
    """Where each planned time comes from: the regimen's own, one of its times moved, or none given."""
    if not user:
        return dict.fromkeys(planned, "no time given")
    kept = set(user) & set(planned)
    lost = sorted(set(user) - kept, key=problem.after_wake)
    out = {}
    for minute in planned:
        if minute in kept:
            out[minute] = "your time"
        elif lost:
            out[minute] = f"moved from {format_minutes(lost.pop(0))}"
        else:
            out[minute] = "an added dose"
    return out


def _rule_notes(
    problem: Problem, entry: int, minute: int, times: Sequence[Sequence[int]], score: Score
) -> list[tuple[str, bool, str]]:
    """(rule id, broken, ``keeps med.iron.thyroid_hormones: 4 h after levothyroxine (06:30)``) per rule."""
    notes = []
    for g, group in enumerate(problem.groups):
        if entry not in group.entries or group.unplannable is not None or group.kind == "per_dose":
            continue
        broken = g in score.broken
        verb = "breaks" if broken else "keeps"
        if group.kind == "timing":
            assert group.timing is not None
            notes.append((group.rule_id, broken, f"{verb} {group.rule_id} ({wanted(group.timing)})"))
            continue
        name, others = _other_side(group, entry, times)
        if group.always_broken is not None:
            notes.append((group.rule_id, broken, f"{verb} {group.rule_id} ({group.always_broken})"))
            continue
        other = min(others, key=lambda t: (min((minute - t) % 1440, (t - minute) % 1440), t))
        ahead = (minute - other) % 1440
        if ahead == 0:
            relation = f"with {name} ({format_minutes(other)})"
        elif ahead <= 720:
            relation = f"{fmt(ahead / 60)} h after {name} ({format_minutes(other)})"
        else:
            relation = f"{fmt((1440 - ahead) / 60)} h before {name} ({format_minutes(other)})"
        notes.append((group.rule_id, broken, f"{verb} {group.rule_id}: {relation}"))
    return notes


def _other_side(group: Group, entry: int, times: Sequence[Sequence[int]]) -> tuple[str, list[int]]:
    """The other side of a separation rule as seen from ``entry``: its name and times."""
    if entry in group.subject_entries:
        if group.fixed_minutes:
            return group.partner, list(group.fixed_minutes)
        return group.partner, [t for e in group.partner_entries for t in times[e]]
    return group.subject, [t for e in group.subject_entries for t in times[e]]


# -- rules ------------------------------------------------------------------------------------------


def _status(
    problem: Problem,
    g: int,
    times: Sequence[Sequence[int]],
    score: Score,
    clashes: Sequence[Sequence[int]],
    moves: Sequence[FoodMove],
) -> RuleStatus:
    group = problem.groups[g]
    if group.unplannable is not None:
        why = "no_food_time" if _untimed_food(group) else "no_medication_time"
        reason = f"{group.requirement}: {group.unplannable}, so the plan cannot place doses around it."
    elif group.always_broken is not None:
        why = "always_broken"
        reason = f"{group.requirement}: {group.always_broken}; no timetable can keep it."
    else:
        why = "broken" if g in score.broken else "kept"
        reason = f"{group.requirement}: {_detail(problem, group, times)}."
        clash = next((c for c in clashes if g in c), None)
        if why == "broken" and clash is not None:
            others = sorted({problem.groups[h].rule_id for h in clash if h != g})
            reason += (
                f" No timetable between wake {format_minutes(problem.wake)}"
                f" and bedtime {format_minutes(problem.bedtime)} keeps it"
                + (f" together with {', '.join(others)}." if others else ".")
            )
        elif why == "broken":
            reason += " Keeping it would break a more severe rule, or more rules."
    reason += "".join(f" {text}" for text in dict.fromkeys(m.reason for m in moves))
    return RuleStatus(
        rule_id=group.rule_id,
        kind=group.kind,
        severity=group.severity,
        substances=group.substances,
        medications=group.medications,
        foods=tuple(dict.fromkeys(food_id for food_id, _, _ in group.foods)),
        entries=group.entries,
        satisfied=why == "kept",
        why=why,
        reason=reason,
    )


def _detail(problem: Problem, group: Group, times: Sequence[Sequence[int]]) -> str:
    subject = sorted(subject_times(group, times), key=problem.after_wake)
    if group.kind == "timing":
        return f"{group.subject} at {', '.join(format_minutes(t) for t in subject)}"
    if group.kind == "per_dose":
        at_once: dict[int, float] = {}
        for entry, amount in group.amounts:
            for t in set(times[entry]):
                at_once[t] = at_once.get(t, 0.0) + amount
        minute, most = max(at_once.items(), key=lambda item: (item[1], -problem.after_wake(item[0])))
        return f"the most at once is {fmt(most)} {group.unit} ({format_minutes(minute)})"
    assert group.window is not None
    partner = list(group.fixed_minutes) or [t for e in group.partner_entries for t in times[e]]
    if group.food_window is not None:
        broken = window_broken(problem.day, group.food_window, subject, partner)
        if broken is not None:
            apart, s_minute, p_minute = broken
        else:
            minutes, s_minute, p_minute = closest_pairs(subject, partner, 0, 0)[1]
            apart = hours_apart(minutes)
        return (
            f"{group.subject} at {format_minutes(s_minute)} and {foods_at(group, p_minute)} at "
            f"{format_minutes(p_minute)} are {fmt(apart)} h apart"
        )
    worst, closest = worst_gap(subject, partner, *group.window)
    gap = worst or closest
    return (
        f"{group.subject} at {format_minutes(gap.subject_minute)} and "
        f"{group.partner} at {format_minutes(gap.partner_minute)} "
        f"are {fmt(gap.closest_hours)} h apart"
    )


# -- medications and splits -------------------------------------------------------------------------


def _medications(ctx: Context, problem: Problem) -> list[PlannedMedication]:
    out = []
    for med in ctx.medications:
        if med.times:
            note = "at the prescriber's times; the plan never moves a medication"
        else:
            rules = sorted({g.rule_id for g in problem.groups if med.id in g.medications})
            note = "no times given" + (
                f": {', '.join(rules)} cannot be planned around it; add its times to the profile" if rules else ""
            )
        times = tuple(format_minutes(t) for t in sorted(set(med.times or ()), key=problem.after_wake))
        out.append(PlannedMedication(name=med.name, id=med.id, times=times, note=note))
    return out


def _foods(ctx: Context, problem: Problem) -> list[PlannedFood]:
    """Every food and drink of the regimen, recognized or not, at its own times."""
    recognized = {f.position: f for f in ctx.foods}
    slots = ctx.regimen.profile.day.slots()
    out = []
    for position, item in enumerate(ctx.regimen.foods):
        taken = recognized.get(position)
        minutes = sorted({_clock.resolve(t, slots) for t in item.times or ()}, key=problem.after_wake)
        if taken is None:
            note = "not recognized, so the plan cannot allow for it"
        elif item.times:
            note = "at your own times; the plan never moves a food or drink"
        else:
            rules = sorted({g.rule_id for g in problem.groups if any(f[0] == taken.id for f in g.foods)})
            note = "no times given" + (
                f": {', '.join(rules)} cannot be planned around it; add its times to the regimen" if rules else ""
            )
        out.append(
            PlannedFood(
                name=item.name,
                id=taken.id if taken is not None else None,
                times=tuple(format_minutes(m) for m in minutes),
                note=note,
            )
        )
    return out


# -- moving a food instead -------------------------------------------------------------------------


# One food time moved: (group, food id, name, minute, new minute).
_Moved = tuple[int, str, str, int, int]
# Whether the checker agrees that an alternative (the day, its food times moved, the dose it keeps) breaks
# nothing the plan keeps and keeps what it is offered for.
_Agrees = Callable[[Sequence[Sequence[int]], Sequence[_Moved], str | None], bool]


def _food_moves(
    problem: Problem, times: Sequence[Sequence[int]], score: Score, agrees: _Agrees
) -> list[tuple[int, FoodMove]]:
    """Where moving foods or drinks would keep a rule the plan breaks, or let a moved dose stay put (by group).

    Each alternative is offered whole or not at all: every food time that
    stands in its way gets the nearest time of the waking day (15-minute grid
    and slot times) that keeps its rule and every other food rule the plan
    keeps for that food; the rest of the day stays as planned. The checker
    then judges the day so changed, since a food moved away from a meal can
    start a rule that only applies to it taken alone. The moves of one
    alternative share its ``option`` number and its reason.
    """
    out: list[tuple[int, FoodMove]] = []
    offered: set[tuple[tuple[int, ...], ...]] = set()
    option = 0
    for g, group in enumerate(problem.groups):
        if group.food_window is None or group.unplannable is not None:
            continue
        if g in score.broken:
            day: Sequence[Sequence[int]] = times
            wanted = _moved_foods(problem, [g], times, score)
            keeps = None
        else:
            own = _own_day(problem, g, times, score)
            if own is None:
                continue
            day, newly = own
            key = tuple(tuple(t) for t in day)
            if key in offered:
                continue  # the same doses back at their own times, offered from another of its rules
            offered.add(key)
            wanted = _moved_foods(problem, newly, day, score)
            target = subject_times(group, day)
            keeps = f"{group.subject} at {', '.join(format_minutes(t) for t in sorted(target, key=problem.after_wake))}"
        if not wanted or not agrees(day, wanted, keeps):
            continue
        option += 1
        # A food in the way of two rules moves once, to the one time that keeps both.
        moves = " and ".join(
            dict.fromkeys(f"{name} from {format_minutes(m)} to {format_minutes(to)}" for _, _, name, m, to in wanted)
        )
        reason = f"Moving {moves} would keep it." if keeps is None else f"Or keep {keeps} and move {moves}."
        for h, food_id, name, minute, to in wanted:
            move = FoodMove(
                rule_id=problem.groups[h].rule_id,
                food=name,
                id=food_id,
                time=format_minutes(minute),
                to=format_minutes(to),
                keeps=keeps,
                option=option,
                reason=reason,
            )
            out.append((h, move))
    return out


def _checker_agrees(
    problem: Problem,
    regimen: RegimenFile,
    splits: Sequence[PlannedSplit],
    times: Sequence[Sequence[int]],
    score: Score,
    kb: KnowledgeBase,
) -> _Agrees:
    """The checker's judgement of an alternative, against its judgement of the plan itself."""
    from .._check import check

    def separations(day: Sequence[Sequence[int]], wanted: Sequence[_Moved]) -> frozenset[str]:
        changed = _foods_moved(applied(regimen, _doses(problem, regimen, day, score, ()), splits), wanted)
        report = check(changed, knowledge=kb)
        return frozenset(f.rule_id for f in report.findings if f.code in ("timing.separation", "food.separation"))

    @cache  # the plan's own day is checked once, and only when some move is offered
    def planned() -> frozenset[str]:
        return separations(times, ())

    def agrees(day: Sequence[Sequence[int]], wanted: Sequence[_Moved], keeps: str | None) -> bool:
        allowed = planned() if keeps is not None else planned() - {problem.groups[g].rule_id for g, *_ in wanted}
        return separations(day, wanted) <= allowed

    return agrees


def _foods_moved(regimen: RegimenFile, wanted: Sequence[_Moved]) -> RegimenFile:
    """``regimen`` with each moved food time (by the food's name as written) at its new time."""
    slots = regimen.profile.day.slots()
    foods = []
    for item in regimen.foods:
        to = {minute: new for _, _, name, minute, new in wanted if name == item.name}
        if not to or item.times is None:
            foods.append(item)
            continue
        times = tuple(
            format_minutes(to[minute]) if (minute := _clock.resolve(t, slots)) in to else t for t in item.times
        )
        foods.append(item.model_copy(update={"times": times}))
    return regimen.model_copy(update={"foods": tuple(foods)})


def _moved_foods(problem: Problem, groups: Sequence[int], day: Sequence[Sequence[int]], score: Score) -> list[_Moved]:
    """(group, food id, name, time, new time) for each food time that breaks these rules on ``day``.

    Empty when one of them has no time to go to: half an alternative keeps nothing.
    """
    wanted = []
    for g in groups:
        group = problem.groups[g]
        assert group.food_window is not None
        target = subject_times(group, day)
        for food_id, name, minutes in group.foods:
            for minute in minutes:
                if window_broken(problem.day, group.food_window, target, (minute,)) is None:
                    continue
                to = _nearest_food_time(problem, g, target, minute, food_id, day, score)
                if to is None:
                    return []
                wanted.append((g, food_id, name, minute, to))
    return wanted


def _own_day(
    problem: Problem, g: int, times: Sequence[Sequence[int]], score: Score
) -> tuple[list[list[int]], list[int]] | None:
    """The plan with the rule's doses back at the regimen's own times, and the food rules that then break.

    None when the plan did not move them, when an entry gave no times, when
    the own times keep the rule anyway, or when they break another rule that
    moving a food cannot mend (an empty-stomach rule, another dose's window).
    """
    group = problem.groups[g]
    day = [list(t) for t in times]
    for e in group.subject_entries:
        user = problem.entries[e].user
        if not user or len(user) != problem.entries[e].doses or set(user) == set(times[e]):
            return None
        day[e] = list(user)
    newly = [h for h, other in enumerate(problem.groups) if h not in score.broken and violated(problem, other, day)]
    if g not in newly or any(
        problem.groups[h].food_window is None or problem.groups[h].unplannable is not None for h in newly
    ):
        return None
    return day, newly


def _nearest_food_time(
    problem: Problem,
    g: int,
    subject: set[int],
    minute: int,
    food_id: str,
    times: Sequence[Sequence[int]],
    score: Score,
) -> int | None:
    group = problem.groups[g]
    assert group.food_window is not None
    others = [
        (h, other)
        for h, other in enumerate(problem.groups)
        if h != g and h not in score.broken and other.food_window is not None and other.unplannable is None
        if any(f[0] == food_id and minute in f[2] for f in other.foods)
    ]
    by_distance = sorted(problem.candidates, key=lambda c: (min((c - minute) % 1440, (minute - c) % 1440), c))
    for candidate in by_distance:
        if window_broken(problem.day, group.food_window, subject, (candidate,)) is not None:
            continue
        if all(_keeps_food(problem, other, candidate, times) for _, other in others):
            return candidate
    return None


def _keeps_food(problem: Problem, group: Group, minute: int, times: Sequence[Sequence[int]]) -> bool:
    assert group.food_window is not None
    return window_broken(problem.day, group.food_window, subject_times(group, times), (minute,)) is None


def _instead(problem: Problem, entry: int, moves: Sequence[FoodMove]) -> list[str]:
    """For a moved dose: the food moves that would let it keep its own time."""
    rules = {g.rule_id for g in problem.groups if entry in g.subject_entries and g.food_window is not None}
    return [
        f"or keep {together[0].keeps} and move " + " and ".join(dict.fromkeys(f"{m.food} to {m.to}" for m in together))
        for together in alternatives(tuple(moves))
        if together[0].keeps is not None and any(m.rule_id in rules for m in together)
    ]


def _untimed_food(group: Group) -> bool:
    return any(not minutes for _, _, minutes in group.foods)


def _splits(problem: Problem, regimen: RegimenFile) -> list[PlannedSplit]:
    out = []
    for slots in problem.entries:
        if slots.split == 1:
            continue
        entry = regimen.regimen[slots.entry]
        if entry.amount is not None:
            per_dose = f"{fmt(entry.amount.value / slots.split)} {entry.amount.unit}"
            was = f"{fmt(entry.amount.value)} {entry.amount.unit} at once"
        else:
            per_dose = f"every ingredient's amount divided by {slots.split}"
            was = "one dose of it"
        before = entry.doses_per_day_scheduled
        out.append(
            PlannedSplit(
                entry=slots.entry,
                name=slots.name,
                factor=slots.split,
                doses_per_day=slots.doses,
                amount_per_dose=per_dose,
                rule_id=slots.split_rule,
                reason=(
                    f"{was} is more than {slots.split_rule} allows in one dose: taken as {slots.split} doses of "
                    f"{per_dose} ({before} to {slots.doses} a day); the daily total is unchanged"
                ),
            )
        )
    return out
