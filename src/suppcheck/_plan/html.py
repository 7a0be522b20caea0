"""``schedule --format html``: the planned day as a patient handout, with the clinician's detail after it.

The first part is for the person: each time of the day in large type
("08:00, with breakfast: calcium carbonate 500 mg") and, for each dose the
plan moved or split, why in plain words; it fits one printed page for a
usual regimen. The second part, on a page of its own when printed, is for
the pharmacist: every rule kept or not, the conflicts, the splits.
Self-contained (see :mod:`.._htmlpage`).
"""

from __future__ import annotations

from .._htmlpage import badge, esc, page
from .._kb.base import KnowledgeBase
from .._kb.loader import default_knowledge
from .._kb.models import FoodSeparation, Rule, Separation
from .._regimen import RegimenFile
from .._report import DISCLAIMER
from .model import FoodMove, Plan, PlannedDose, RuleStatus, alternatives

__all__ = ["html_handout"]

_SLOT_WORDS = {
    "wake": "on waking",
    "breakfast": "with breakfast",
    "lunch": "with lunch",
    "dinner": "with dinner",
    "bedtime": "at bedtime",
}


def html_handout(
    plan: Plan, *, regimen: RegimenFile | None = None, knowledge: KnowledgeBase | None = None, source: str = ""
) -> str:
    """A plan as a self-contained HTML page: the patient's day, then the clinician's detail.

    ``regimen`` (default: the one the plan was made from) names each entry's
    form; ``knowledge`` (default: the bundled one) words the reasons.

    >>> import suppcheck
    >>> day = suppcheck.plan({"profile": {"age": 40}, "regimen": [
    ...     {"substance": "calcium", "form": "carbonate", "amount": "500 mg", "times": ["breakfast"]}]})
    >>> page = html_handout(day)
    >>> "07:30, with breakfast:" in page and "<li>calcium carbonate 500 mg" in page
    True
    """
    kb = knowledge if knowledge is not None else default_knowledge()
    given = regimen if regimen is not None else plan._regimen
    title = f"Your supplement day: {source}" if source else "Your supplement day"
    body = [
        f"<header><h1>{esc(title)}</h1>",
        f'<p class="meta">Planned by suppcheck {esc(plan.suppcheck_version)}; knowledge base '
        f"{esc(plan.knowledge_version)}</p></header>",
        "<main>",
        _patient(plan, given, kb),
        _clinician(plan),
        "</main>",
        f'<footer class="disclaimer"><p>{esc(DISCLAIMER)}</p></footer>',
    ]
    return page(title, "\n".join(body), description="A daily supplement timetable")


# -- for the person -------------------------------------------------------------------------------


def _what(dose: PlannedDose, regimen: RegimenFile | None) -> str:
    """``calcium carbonate 500 mg``: the entry's name, its form where given, and the amount per dose."""
    name = dose.name
    if regimen is not None and dose.entry < len(regimen.regimen):
        entry = regimen.regimen[dose.entry]
        if entry.substance is not None and entry.form and entry.form.casefold() not in name.casefold():
            name = f"{name} {entry.form}"
    return f"{name} {dose.amount}" if dose.amount else name


def _when(time: str, slot: str | None, with_food: bool) -> str:
    if slot is not None:
        return f"{time}, {_SLOT_WORDS[slot]}"
    return f"{time}, {'with food' if with_food else 'between meals'}"


def _partner(status: RuleStatus, entry_substances: set[str], plan: Plan) -> str:
    if status.foods:
        names = {f.id: f.name for f in plan.foods if f.id is not None}
        return " and ".join(names.get(f, f.replace("_", " ")) for f in status.foods)
    if status.medications:
        names = {m.id: m.name for m in plan.medications}
        return " and ".join(names.get(m, m.replace("_", " ")) for m in status.medications)
    others = [s for s in status.substances if s not in entry_substances] or list(status.substances)
    return " and ".join(s.replace("_", " ") for s in others)


def _hours(hours: float) -> str:
    return f"{hours:g} hour" + ("" if hours == 1 else "s")


def _separation_words(window: Separation | FoodSeparation | None, partner: str) -> str:
    if window is None:
        return f"to keep it apart from {partner}"
    before, after = window.other_before_hours, window.other_after_hours
    if before is None:  # before the first food or drink of the day
        return f"so that it is taken at least {_hours(after)} before {partner}"
    if before == after:
        return f"to keep it at least {_hours(before)} away from {partner}"
    return f"so that {partner} is taken at least {_hours(before)} before it or {_hours(after)} after it"


def _timing_words(rule: Rule | None) -> str | None:
    if rule is None or rule.timing is None:
        return None
    timing = rule.timing
    if timing.anchor == "bedtime" and timing.latest_minutes is not None and timing.latest_minutes <= 0:
        return "it works best shortly before bed"
    if timing.food == "with":
        return "it is best taken with food"
    if timing.food == "without":
        return "it is best taken on an empty stomach"
    return None


def _entry_substances(dose: PlannedDose, regimen: RegimenFile | None, kb: KnowledgeBase) -> set[str]:
    """The substances of the dose's entry."""
    found: set[str] = set()
    if regimen is not None and dose.entry < len(regimen.regimen):
        for part in regimen.regimen[dose.entry].parts():
            resolved = kb.resolve(part.identity, part.form)
            if resolved is not None:
                found.add(resolved[0].id)
    return found


def _kept_words(
    dose: PlannedDose, plan: Plan, regimen: RegimenFile | None, kb: KnowledgeBase
) -> tuple[list[str], list[str]]:
    """What the dose's time keeps, in words: the separations, and the timing advice."""
    entry_substances = _entry_substances(dose, regimen, kb)
    statuses = {(s.rule_id, e): s for s in plan.satisfied for e in s.entries}
    words: list[str] = []
    extra: list[str] = []
    for rule_id in dose.keeps:
        status = statuses.get((rule_id, dose.entry))
        if status is None:
            continue
        rule = kb.rules.get(rule_id)
        if status.kind == "separation":
            food_rule = kb.food_rules.get(rule_id)
            window = food_rule.separation if food_rule is not None else rule.separation if rule is not None else None
            words.append(_separation_words(window, _partner(status, entry_substances, plan)))
        elif status.kind == "timing":
            said = _timing_words(rule)
            if said is not None:
                extra.append(said)
    return words, extra


def _reasons(dose: PlannedDose, plan: Plan, regimen: RegimenFile | None, kb: KnowledgeBase) -> list[str]:
    words, extra = _kept_words(dose, plan, regimen, kb)
    out = []
    moved = next((p for p in dose.reason.split("; ") if p.startswith("moved from ")), None)
    why = "; ".join(dict.fromkeys(words)) or "to fit with your other doses, so there are fewer times to remember"
    if extra:
        why += "; " + "; ".join(dict.fromkeys(extra))
    if moved is not None:
        out.append(f"{moved[:1].upper()}{moved[1:]}: {why}.")
    elif not dose.your_time and (words or extra):
        out.append(f"This time: {why}.")
    split = next((s for s in plan.splits if s.entry == dose.entry), None)
    if split is not None and dose.dose == 1:
        out.append(
            f"Taken as {split.doses_per_day} smaller doses of {split.amount_per_dose} a day: the body absorbs only "
            "so much at once. The daily amount is the same."
        )
    return out


def _patient(plan: Plan, regimen: RegimenFile | None, kb: KnowledgeBase) -> str:
    slots = {minute: slot for slot, minute in reversed(plan.day.items())}
    meals = {plan.day[s] for s in ("breakfast", "lunch", "dinner")}
    wake, bedtime = _minutes(plan.day["wake"]), _minutes(plan.day["bedtime"])
    # The day is read from the middle of the night, so a 06:30 tablet comes before a 07:00 wake.
    origin = (bedtime + (wake - bedtime) % 1440 // 2) % 1440
    rows: dict[str, list[str]] = {}
    order: dict[str, int] = {}
    for med in plan.medications:
        for time in med.times:
            key = _when(time, slots.get(time), time in meals)
            order.setdefault(key, (_minutes(time) - origin) % 1440)
            rows.setdefault(key, []).append(f"{esc(med.name)} (your prescription: keep to the prescriber's time)")
    for food in plan.foods:
        for time in food.times:
            key = _when(time, slots.get(time), time in meals)
            order.setdefault(key, (_minutes(time) - origin) % 1440)
            rows.setdefault(key, []).append(f"{esc(food.name)} (your usual time)")
    for dose in plan.doses:
        key = _when(dose.time, dose.slot, dose.with_food)
        order.setdefault(key, (_minutes(dose.time) - origin) % 1440)
        reasons = "".join(f'<span class="why">{esc(r)}</span>' for r in _reasons(dose, plan, regimen, kb))
        weekly = f" ({dose.per_week} times a week)" if dose.per_week is not None else ""
        rows.setdefault(key, []).append(f"{esc(_what(dose, regimen))}{esc(weekly)}{reasons}")
    items = []
    for key in sorted(rows, key=lambda k: order[k]):
        things = "".join(f"<li>{thing}</li>" for thing in rows[key])
        items.append(f'<li><span class="when">{esc(key)}:</span><ul class="take">{things}</ul></li>')
    untimed = [m.name for m in plan.medications if not m.times]
    notes = []
    if untimed:
        notes.append(
            f"<p>{esc(', '.join(untimed))}: take as prescribed. Tell your pharmacist when you take "
            f"{'them' if len(untimed) > 1 else 'it'}, so the plan can allow for it.</p>"
        )
    for together in alternatives(plan.food_moves):
        notes.append(f"<p>{esc(_move_words(together))}</p>")
    if not plan.all_satisfied:
        notes.append(
            "<p><strong>Some advice could not all be kept in one day.</strong> Your pharmacist has the details "
            "on the next page.</p>"
        )
    return (
        '<section class="handout" aria-labelledby="day-h"><h2 id="day-h">Your day</h2>'
        f'<ol class="day">{"".join(items)}</ol>{"".join(notes)}</section>'
    )


def _move_words(together: tuple[FoodMove, ...]) -> str:
    """One alternative in words for the person: keep the dose, have the drinks at other times."""
    change = " and ".join(dict.fromkeys(f"your {m.food} at {m.to} instead of {m.time}" for m in together))
    if together[0].keeps is not None:
        return f"Or keep {together[0].keeps} and have {change}."
    apart = "them" if len({m.food for m in together}) > 1 else "it"
    return f"Have {change}: this keeps {apart} apart from your medicine."


def _minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


# -- for the clinician --------------------------------------------------------------------------


def _status_rows(statuses: tuple[RuleStatus, ...]) -> str:
    ordered = sorted(statuses, key=lambda s: (-s.severity.rank, s.rule_id))
    return "".join(
        f'<tr><td>{badge(s.severity)}</td><th scope="row" class="code">{esc(s.rule_id)}</th>'
        f'<td class="nowrap">{esc(s.kind)}</td><td class="nowrap">{esc(s.why.replace("_", " "))}</td>'
        f"<td>{esc(s.reason)}</td></tr>"
        for s in ordered
    )


def _clinician(plan: Plan) -> str:
    head = (
        '<thead><tr><th scope="col">Severity</th><th scope="col">Rule</th><th scope="col">Kind</th>'
        '<th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead>'
    )
    parts = [
        '<section class="clinician" aria-labelledby="clin-h"><h2 id="clin-h">For the pharmacist</h2>',
        f"<p>{plan.times_per_day} time(s) a day; {plan.moves} of the regimen's own times changed; "
        + ("every rule kept" if plan.all_satisfied else f"{len(plan.unsatisfied)} rule(s) not kept")
        + ("" if plan.optimal else "; the search stopped early, so a better plan may exist")
        + ".</p>",
    ]
    if plan.unsatisfied:
        parts.append(f"<h3>Not kept</h3><table>{head}<tbody>{_status_rows(plan.unsatisfied)}</tbody></table>")
    conflicts = [c for c in plan.conflicts if len(c) > 1]
    if conflicts:
        listed = "".join(f'<li class="code">{esc(", ".join(c))}</li>' for c in conflicts)
        parts.append(f"<h3>Rules that cannot all be kept at once</h3><ul>{listed}</ul>")
    if plan.splits:
        listed = "".join(f"<li>{esc(s.name)}: {esc(s.reason)}.</li>" for s in plan.splits)
        parts.append(f"<h3>Split doses</h3><ul>{listed}</ul>")
    if plan.satisfied:
        parts.append(f"<h3>Kept</h3><table>{head}<tbody>{_status_rows(plan.satisfied)}</tbody></table>")
    parts.append("</section>")
    return "".join(parts)
