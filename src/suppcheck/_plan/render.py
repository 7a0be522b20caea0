"""The plan for people: a timeline table (rich, imported only here), JSON, or iCalendar."""

from __future__ import annotations

import json
import sys
from typing import IO, TYPE_CHECKING, Literal

from .._report import DISCLAIMER
from .._severity import Severity
from .model import FoodMove, Plan, PlannedDose, alternatives

if TYPE_CHECKING:
    from rich.console import Console

    from .._kb.base import KnowledgeBase

Format = Literal["table", "json", "ics", "html"]
_STYLE = {
    Severity.CONTRAINDICATED: "bold white on red",
    Severity.MAJOR: "bold red",
    Severity.MODERATE: "bold yellow",
    Severity.MINOR: "cyan",
    Severity.INFO: "green",
}


def _minutes(text: str) -> int:
    return int(text[:2]) * 60 + int(text[3:])


def _day_order(plan: Plan) -> dict[str, int]:
    """A sort key per time: the timeline starts in the middle of the night, so 06:30 comes before a 07:00 wake."""
    wake, bedtime = _minutes(plan.day["wake"]), _minutes(plan.day["bedtime"])
    night = (wake - bedtime) % 1440
    start = (bedtime + night // 2) % 1440
    times = {d.time for d in plan.doses} | {t for m in plan.medications for t in m.times}
    times |= {t for f in plan.foods for t in f.times}
    return {t: (_minutes(t) - start) % 1440 for t in times}


def render_table(console: Console, plan: Plan, *, source: str = "") -> None:
    """Print the day as a timeline (doses and fixed medications by time), then what the plan could not keep."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    title = f"suppcheck schedule: {source}" if source else "suppcheck schedule"
    console.print(Text(title, style="bold"))
    verdict = "every rule kept" if plan.all_satisfied else f"{len(plan.unsatisfied)} rule(s) not kept"
    console.print(
        Text(
            f"{plan.times_per_day} time(s) a day; {plan.moves} of your times changed; {verdict}"
            + ("" if plan.optimal else "; search stopped early, the plan may not be the best"),
            style="dim",
        )
    )
    order = _day_order(plan)
    rows: list[tuple[int, int, str, str, str, str]] = [
        (order[dose.time], 1, dose.time, _what(dose), "with food" if dose.with_food else "without food", _why(dose))
        for dose in plan.doses
    ]
    for med in plan.medications:
        for time in med.times:
            rows.append((order[time], 0, time, f"{med.name} (prescribed)", "", "fixed: " + med.note))
    for eaten in plan.foods:
        for time in eaten.times:
            rows.append((order[time], 0, time, f"{eaten.name} (your food or drink)", "", "fixed: " + eaten.note))
    table = Table()
    table.add_column("Time", no_wrap=True)
    table.add_column("Take", overflow="fold")
    table.add_column("Food", no_wrap=True)
    table.add_column("Why", overflow="fold")
    slots = {v: k for k, v in reversed(plan.day.items())}
    previous = ""
    for _, kind, time, what, food, why in sorted(rows, key=lambda r: (r[0], r[1])):
        label = time + (f" {slots[time]}" if time in slots else "") if time != previous else ""
        previous = time
        table.add_row(escape(label), Text(what, style="dim" if kind == 0 else ""), escape(food), escape(why))
    console.print(table)
    for split in plan.splits:
        console.print(Text(f"Split: {split.name}: {split.reason}."))
    for together in alternatives(plan.food_moves):
        console.print(Text(_move_words(together)))
    untimed = [(m.name, m.note) for m in plan.medications if not m.times]
    untimed += [(f.name, f.note) for f in plan.foods if not f.times]
    for name, note in untimed:
        console.print(Text(f"{name}: {note}.", style="dim"))
    _not_kept(console, plan)
    for clash in plan.conflicts:
        if len(clash) > 1:
            console.print(Text(f"These rules cannot all be kept at once: {', '.join(clash)}.", style="bold"))
    console.print(Text(f"\n{DISCLAIMER}", style="dim italic"))


def _move_words(together: tuple[FoodMove, ...]) -> str:
    """One alternative in one line for the terminal: keep the dose, or keep the rule, with the drinks moved."""
    change = "have " + " and ".join(dict.fromkeys(f"{m.food} at {m.to} instead of {m.time}" for m in together))
    rules = ", ".join(dict.fromkeys(m.rule_id for m in together))
    if together[0].keeps is not None:
        return f"Or: keep {together[0].keeps} and {change} ({rules})."
    return f"To keep {rules}: {change}."


def _what(dose: PlannedDose) -> str:
    """``Magnesium 200 mg (1/2)``: the dose, and which of the day's or week's doses it is."""
    what = dose.name + (f" {dose.amount}" if dose.amount else "")
    if dose.doses_per_day > 1:
        what += f" ({dose.dose}/{dose.doses_per_day})"
    if dose.per_week is not None:
        what += f" ({dose.per_week}x a week)"
    return what


def _why(dose: PlannedDose) -> str:
    """What moved the dose, and how many rules it keeps."""
    # The time and food columns already say where the dose is, and the rules a
    # dose keeps are in the JSON: a person reading the day needs the changes.
    parts = dose.reason.split("; ")
    kept = sum(1 for p in parts if p.startswith("keeps "))
    shown = [p for p in parts if not p.startswith(("at ", "keeps "))]
    if kept:
        shown.append(f"keeps {kept} rule{'s' if kept > 1 else ''}")
    return "\n".join(shown)


def _not_kept(console: Console, plan: Plan) -> None:
    """Each rule the plan could not keep, worst first."""
    from rich.text import Text

    if not plan.unsatisfied:
        return
    console.print(Text("Not kept", style="bold"))
    for status in sorted(plan.unsatisfied, key=lambda s: (-s.severity.rank, s.rule_id)):
        head = Text("* ")
        head.append(status.severity.value, style=_STYLE[status.severity])
        head.append(f"  {status.rule_id}", style="bold")
        console.print(head)
        console.print(Text(f"  {status.reason}"))


def to_json(plan: Plan) -> str:
    """The plan's model dump as indented JSON."""
    return json.dumps(plan.model_dump(mode="json"), indent=2, ensure_ascii=False)


def print_schedule(
    plan: Plan,
    fmt: Format = "table",
    *,
    source: str = "",
    file: IO[str] | None = None,
    knowledge: KnowledgeBase | None = None,
) -> None:
    """Write the plan for ``suppcheck schedule``: a table on a terminal, JSON, iCalendar or an HTML handout."""
    out = file if file is not None else sys.stdout
    if fmt == "html":
        from .html import html_handout

        out.write(html_handout(plan, knowledge=knowledge, source=source))
    elif fmt == "json":
        out.write(to_json(plan) + "\n")
    elif fmt == "ics":
        from .ics import to_ics

        out.write(to_ics(plan))
    else:
        from .._render import make_console

        render_table(make_console(out), plan, source=source)
