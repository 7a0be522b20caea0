"""``check --format html``: a printable report a physician reads in a minute.

The person, each daily total drawn as a bar against its recommended intake
and upper limit, the day drawn as a timeline (every dose and medication at
its time, meals marked, each separation window as a band around its
partner, a broken one in its severity's colour), then the findings by
severity with their sources. Self-contained (see :mod:`._htmlpage`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from . import _clock
from ._engine.foods import day_start
from ._engine.shared import fmt
from ._htmlpage import SEVERITY_COLOUR, badge, esc, page, shape
from ._kb.base import KnowledgeBase
from ._kb.loader import default_knowledge
from ._outcome import visible
from ._report import EntryInfo, Finding, FoodInfo, Report, Total
from ._severity import Severity

__all__ = ["html_report", "html_reports", "report_sections"]

_EVIDENCE = {
    "A": "A: authoritative guidance or consistent clinical trials",
    "B": "B: some clinical studies",
    "C": "C: case reports or limited studies",
    "D": "D: theoretical or mechanistic only",
}


def html_report(
    report: Report,
    *,
    knowledge: KnowledgeBase | None = None,
    source: str = "",
    min_severity: Severity = Severity.INFO,
) -> str:
    """A report as one self-contained HTML page (inline CSS and SVG, no script, nothing fetched).

    Everything drawn comes from the report; ``knowledge`` (default: the
    bundled knowledge base) gives the separation windows of its rules.

    >>> import suppcheck
    >>> report = suppcheck.check({"profile": {"age": 40},
    ...                           "regimen": [{"substance": "<b>zinc</b>", "amount": "15 mg"}]})
    >>> page = html_report(report)
    >>> "&lt;b&gt;zinc&lt;/b&gt;" in page and "<b>zinc" not in page
    True
    """
    return html_reports([(source, report)], knowledge=knowledge, min_severity=min_severity)


def html_reports(
    items: Sequence[tuple[str, Report]],
    *,
    knowledge: KnowledgeBase | None = None,
    min_severity: Severity = Severity.INFO,
) -> str:
    """Several reports, each with its source's name, as one page, one article each."""
    kb = knowledge if knowledge is not None else default_knowledge()
    if len(items) == 1:
        source, report = items[0]
        title = f"Supplement check: {source}" if source else "Supplement check"
        body = report_sections(report, knowledge=kb, min_severity=min_severity, level=2)
        main = f"<main>{body}</main>"
    else:
        title = f"Supplement checks: {len(items)} regimens"
        articles = []
        for source, report in items:
            body = report_sections(report, knowledge=kb, min_severity=min_severity, level=3)
            articles.append(f"<article><h2>{esc(source)}</h2>{body}</article>")
        main = f"<main>{''.join(articles)}</main>"
    versions = sorted({r.knowledge_version for _, r in items})
    head = (
        f'<header><h1>{esc(title)}</h1><p class="meta">suppcheck {esc(items[0][1].suppcheck_version)}; '
        f"knowledge base {esc(', '.join(versions))}</p></header>"
    )
    footer = f'<footer class="disclaimer"><p>{esc(items[0][1].disclaimer)}</p></footer>'
    return page(title, head + main + footer, description="Supplement regimens checked by suppcheck")


def report_sections(
    report: Report,
    *,
    knowledge: KnowledgeBase | None = None,
    min_severity: Severity = Severity.INFO,
    level: int = 2,
) -> str:
    """The sections of one report (summary, person, totals, day, findings), headed at ``level``."""
    kb = knowledge if knowledge is not None else default_knowledge()
    shown = visible(report, min_severity)
    h = level
    return "\n".join(
        [
            _verdict(report, h),
            _person(report, h),
            _totals(report, h),
            _day(report, shown.findings, kb, h),
            _findings(report, shown.findings, h, min_severity),
        ]
    )


# -- verdict and person -------------------------------------------------------------------------


def _verdict(report: Report, h: int) -> str:
    counts: dict[Severity, int] = {}
    for finding in report.findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    worst = badge(report.max_severity) if report.max_severity else "none"
    listed = ", ".join(f"{counts[s]} {s.value}" for s in sorted(counts, reverse=True)) or "no findings"
    complete = (
        "yes"
        if report.complete
        else "<strong>no</strong>: some input was not recognized, so this report cannot be called clean"
    )
    return (
        f"<section><h{h}>Summary</h{h}>"
        f"<p>Worst finding: {worst}. Findings: {esc(listed)}.</p>"
        f"<p>Every input recognized: {complete}.</p></section>"
    )


def _person(report: Report, h: int) -> str:
    person = report.person
    age = f"{person.age:g} years" if person.age is not None else "not given (adult limits used)"
    rows = [("Age", age), ("Life stage", person.life_stage)]
    if person.sex:
        rows.append(("Sex", person.sex))
    status = [word for word, flag in (("pregnant", person.pregnant), ("lactating", person.lactating)) if flag]
    rows.append(("Pregnancy or lactation", ", ".join(status) or "no"))
    rows.append(("Conditions", ", ".join(person.conditions) or "none given"))
    meds = [m.name + (f" at {', '.join(m.times)}" if m.times else " (times not given)") for m in person.medications]
    rows.append(("Medications", "; ".join(meds) or "none given"))
    if report.foods:
        rows.append(("Foods and drinks", "; ".join(f.as_given() for f in report.foods)))
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in rows)
    return (
        f'<section><h{h}>Person</h{h}><dl class="person">{items}</dl>'
        f'<p class="visually-hidden">{esc(report.person.description)}</p></section>'
    )


# -- totals -------------------------------------------------------------------------------------


def _basis(total: Total) -> str:
    return "" if total.basis == "total" else f" ({total.basis.replace('_', ' ')})"


def _totals(report: Report, h: int) -> str:
    if not report.totals:
        return f"<section><h{h}>Daily totals</h{h}><p>No substance could be totalled.</p></section>"
    names = [e.name for e in report.entries]
    rows = []
    for t in report.totals:
        sources = ", ".join(dict.fromkeys(names[i] for i in t.entries if i < len(names)))
        ul = f"{fmt(t.upper_limit)} {t.unit}{_basis(t)}" if t.upper_limit is not None else "none set"
        ratio = f"{t.ratio_to_upper_limit * 100:.0f} %" if t.ratio_to_upper_limit is not None else "-"
        rda = (
            f"{fmt(t.recommended_intake)} {t.recommended_intake_unit or t.unit} ({t.recommended_intake_kind})"
            if t.recommended_intake is not None
            else "-"
        )
        rows.append(
            f'<tr><th scope="row">{esc(t.substance.replace("_", " "))}</th>'
            f'<td class="num">{esc(fmt(t.daily_amount))} {esc(t.unit)}</td><td>{esc(rda)}</td>'
            f'<td>{esc(ul)}</td><td class="num">{esc(ratio)}</td><td>{esc(sources)}</td></tr>'
        )
    table = (
        '<table><caption class="visually-hidden">Daily totals</caption><thead><tr><th scope="col">Substance</th>'
        '<th scope="col" class="num">Per day</th><th scope="col">Recommended</th><th scope="col">Upper limit</th>'
        '<th scope="col" class="num">% of limit</th><th scope="col">From</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    return f"<section><h{h}>Daily totals</h{h}>{_bars(report.totals)}{table}</section>"


def _bars(totals: Sequence[Total]) -> str:
    """One bar per substance: the amount, the recommended intake (dashed) and the upper limit (solid)."""
    width, left, bar_end, row = 1000, 190, 690, 34
    height = row * len(totals) + 30
    out = [
        f'<figure><svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-labelledby="bars-t">'
        '<title id="bars-t">Each daily total against its recommended intake (dashed line) and upper limit '
        "(solid line)</title>"
    ]
    for i, t in enumerate(totals):
        y = 10 + i * row
        counted = t.amount_counted_for_upper_limit if t.amount_counted_for_upper_limit is not None else t.daily_amount
        rda = t.recommended_intake if (t.recommended_intake_unit or t.unit) == t.unit else None
        name = esc(t.substance.replace("_", " "))
        out.append(f'<text x="{left - 10}" y="{y + 18}" text-anchor="end" font-size="15" fill="#1a1a1a">{name}</text>')
        if t.upper_limit is None and rda is None:
            # Nothing to measure it against: a bar would only show the amount against itself.
            out.append(
                f'<text x="{left}" y="{y + 18}" font-size="14" fill="#1a1a1a">{esc(fmt(counted))} {esc(t.unit)}; '
                "no recommended intake or upper limit is set</text>"
            )
            continue
        top = max(v for v in (t.daily_amount, counted, t.upper_limit or 0, rda or 0) if v is not None) * 1.15 or 1
        scale = (bar_end - left) / top
        over = t.ratio_to_upper_limit is not None and t.ratio_to_upper_limit > 1
        colour = SEVERITY_COLOUR[Severity.MAJOR] if over else "#3d5a80"
        out.append(f'<rect x="{left}" y="{y + 4}" width="{bar_end - left}" height="18" fill="#eeeeee"/>')
        out.append(f'<rect x="{left}" y="{y + 4}" width="{max(counted * scale, 1):.1f}" height="18" fill="{colour}"/>')
        if rda is not None:
            x = left + rda * scale
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 26}" stroke="#1a1a1a" stroke-width="2" '
                'stroke-dasharray="4 3"/>'
            )
        if t.upper_limit is not None:
            x = left + t.upper_limit * scale
            out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y}" y2="{y + 26}" stroke="#7a0000" stroke-width="3"/>')
        label = f"{fmt(counted)} {t.unit}"
        if t.ratio_to_upper_limit is not None:
            label += f", {t.ratio_to_upper_limit * 100:.0f} % of the limit{_basis(t)}"
        elif rda is not None and rda > 0:
            label += f", {counted / rda * 100:.0f} % of the {t.recommended_intake_kind or 'recommended intake'}"
        weight = ' font-weight="700"' if over else ""
        out.append(f'<text x="{bar_end + 10}" y="{y + 18}" font-size="14" fill="#1a1a1a"{weight}>{esc(label)}</text>')
    out.append("</svg>")
    out.append(
        "<figcaption>Bars show the amount counted for each upper limit (supplements only where the limit says "
        "so); the dashed line is the recommended intake, the solid line the upper limit.</figcaption></figure>"
    )
    return "".join(out)


# -- the day ------------------------------------------------------------------------------------


class _Lane(NamedTuple):
    label: str
    kind: str  # "supplement", "medication" or "food"
    times: tuple[int, ...]
    key: str  # "entry:3", "medication:doxycycline" or "food:0"


class _Band(NamedTuple):
    lane: str
    start: int  # clock minutes, may run past midnight either way
    end: int
    colour: str | None  # None: a window kept
    label: str
    severity: Severity | None  # of a broken window


def _minutes(clock: Iterable[str]) -> tuple[int, ...]:
    return tuple(_clock.resolve(t, {}) for t in clock)


def _often(entry: EntryInfo) -> str:
    if entry.every_days is not None:
        return f"every {entry.every_days} days"
    return f"{entry.per_week} a week" if entry.per_week else f"{entry.per_day or 1} a day"


def _lanes(report: Report) -> tuple[list[_Lane], list[str]]:
    lanes: list[_Lane] = []
    untimed: list[str] = []
    for index, entry in enumerate(report.entries):
        amount = f" {entry.amount}" if entry.amount is not None else ""
        if entry.clock is None:
            untimed.append(f"{entry.name}{amount} ({_often(entry)})")
            continue
        lanes.append(_Lane(f"{entry.name}{amount}", "supplement", _minutes(entry.clock), f"entry:{index}"))
    for med in report.person.medications:
        if med.id is None:
            if med.times:
                untimed.append(f"{med.name} (not recognized, so not drawn)")
        elif med.clock is None:
            untimed.append(f"{med.name} (medication)")
        else:
            lanes.append(_Lane(med.name, "medication", _minutes(med.clock), f"medication:{med.id}"))
    for index, food in enumerate(report.foods):
        label = food.name + (f" {food.amount}" if food.amount else "")
        if food.id is None:
            if food.times:
                untimed.append(f"{food.name} (not recognized, so not drawn)")
        elif food.clock is None:
            untimed.append(f"{label} (food or drink)")
        else:
            lanes.append(_Lane(label, "food", _minutes(food.clock), f"food:{index}"))
    return lanes, untimed


def _bands(report: Report, findings: Iterable[Finding], kb: KnowledgeBase) -> list[_Band]:
    """Each separation window with known times, drawn around each partner time on the subject's lanes."""
    bands = []
    entries = report.entries
    for finding in findings:
        if finding.foods:
            bands.extend(_food_bands(report, finding, kb))
            continue
        rule = kb.rules.get(finding.rule_id)
        if rule is None or rule.separation is None or finding.hours_scheduled is None:
            continue
        named = [(i, entries[i]) for i in finding.entries if 0 <= i < len(entries)]
        subject = {i for i, e in named if set(e.substance_ids) & set(rule.substances)}
        if finding.medications:
            taken = [m for m in report.person.medications if m.id is not None and m.id in finding.medications]
            partners = [t for m in taken for t in _minutes(m.clock or ())]
            partner_name = ", ".join(sorted({(m.display or m.name).lower() for m in taken}))
        else:
            partnered = [(e, set(e.substance_ids) & set(rule.with_substances)) for _, e in named]
            partners = [t for e, ids in partnered if ids for t in _minutes(e.clock or ())]
            names = {kb.substances[s].name.lower() if s in kb.substances else s for _, ids in partnered for s in ids}
            partner_name = ", ".join(sorted(names))
        broken = finding.code == "timing.separation"
        before, after = rule.separation.other_before_hours, rule.separation.other_after_hours
        label = (
            f"with {partner_name}: needs {fmt(finding.hours_required or 0)} h, scheduled "
            f"{fmt(finding.hours_scheduled)} h apart"
            if broken
            else f"with {partner_name}: window kept"
        )
        for entry in sorted(subject):
            for p in sorted(set(partners)):
                # The subject breaks the window anywhere from `after` hours before the partner to `before` after it.
                bands.append(
                    _Band(
                        f"entry:{entry}",
                        p - round(after * 60),
                        p + round(before * 60),
                        SEVERITY_COLOUR[finding.severity] if broken else None,
                        label,
                        finding.severity if broken else None,
                    )
                )
    return bands


def _no_meals(food: FoodInfo) -> tuple[bool, ...]:
    return tuple(False for _ in food.clock or ())


def _food_bands(report: Report, finding: Finding, kb: KnowledgeBase) -> list[_Band]:
    """A food rule's window drawn around the food's times, on the lanes of the dose or medication it is about."""
    rule = kb.food_rules.get(finding.rule_id)
    if rule is None or rule.separation is None or finding.hours_scheduled is None:
        return []
    window = rule.separation
    eaten = [f for f in report.foods if f.id in finding.foods and f.clock]
    # A rule about food taken alone (ciprofloxacin and dairy) leaves out the times at a meal, as the check did.
    partners = sorted(
        {
            t
            for f in eaten
            for t, meal in zip(_minutes(f.clock or ()), f.with_meal or _no_meals(f), strict=True)
            if not (rule.food_taken_alone and meal)
        }
    )
    if not partners:
        return []
    lanes = [f"entry:{i}" for i in finding.entries] + [f"medication:{m}" for m in finding.medications]
    names = ", ".join(dict.fromkeys(f.name for f in eaten))
    broken = finding.code == "food.separation"
    label = (
        f"with {names}: needs {fmt(finding.hours_required or 0)} h, scheduled {fmt(finding.hours_scheduled)} h apart"
        if broken
        else f"with {names}: window kept"
    )
    colour = SEVERITY_COLOUR[finding.severity] if broken else None
    severity = finding.severity if broken else None
    if window.before_first_food_of_day:
        # Any dose later than the window before the day's first food breaks it, to the end of the day.
        bedtime = _clock.resolve("bedtime", report.person.day)
        start = day_start({"wake": _clock.resolve("wake", report.person.day), "bedtime": bedtime})
        first = min(partners, key=lambda t: (t - start) % 1440)
        begin = first - round(window.other_after_hours * 60)
        end = begin + (start - begin) % 1440
        return [_Band(lane, begin, end, colour, label, severity) for lane in lanes]
    before = round((window.other_before_hours or 0.0) * 60)
    after = round(window.other_after_hours * 60)
    return [_Band(lane, p - after, p + before, colour, label, severity) for lane in lanes for p in partners]


def _day(report: Report, findings: Sequence[Finding], kb: KnowledgeBase, h: int) -> str:
    lanes, untimed = _lanes(report)
    heading = f"<section><h{h}>The day</h{h}>"
    if not lanes:
        listed = "".join(f"<li>{esc(u)}</li>" for u in untimed)
        return f"{heading}<p>No times were given, so the day cannot be drawn.</p><ul>{listed}</ul></section>"
    bands = _bands(report, findings, kb)
    day = {slot: _clock.resolve(slot, report.person.day) for slot in _clock.SLOTS}
    wake, bedtime = day["wake"], day["bedtime"]
    # Minutes are laid out from the middle of the night, so a 06:30 tablet sits before a 07:00 wake.
    night = (wake - bedtime) % 1440
    origin = (bedtime + night // 2) % 1440

    def pos(minute: int) -> int:
        return (minute - origin) % 1440

    points = [pos(t) for lane in lanes for t in lane.times] + [pos(wake), pos(bedtime)]
    first = max(min(points) - 45, 0)
    last = min(max(points) + 45, 1440)
    width, left, right, top, row = 1000, 230, 980, 54, 36
    height = top + row * len(lanes) + 40
    span = max(last - first, 60)

    def x(minute: int) -> float:
        return left + (pos(minute) - first) / span * (right - left)

    out = [
        f'<figure><svg class="chart timeline" viewBox="0 0 {width} {height}" role="img" aria-labelledby="day-t">'
        '<title id="day-t">The day as scheduled: each dose at its time, meals marked, separation windows '
        "drawn as bands (in colour where a window is broken)</title>"
    ]
    out.extend(_hour_lines(((first + origin) // 60 + 1) * 60, first, last, pos, x, top, height))
    placed: list[float] = []
    for slot in _clock.SLOTS:
        minute = day[slot]
        sx = x(minute)
        # Labels of slots close together go on two rows, so they never print over each other.
        label_y = top - 18 - (14 if placed and abs(sx - placed[-1]) < 110 and len(placed) % 2 else 0)
        placed.append(sx)
        meal = slot in _clock.MEAL_SLOTS
        out.append(
            f'<line class="slot" data-slot="{slot}" x1="{sx:.1f}" x2="{sx:.1f}" y1="{top - 12}" y2="{height - 30}" '
            f'stroke="{"#3d5a80" if meal else "#6b6b6b"}" stroke-width="2" '
            f'stroke-dasharray="{"6 3" if meal else "2 3"}"/>'
        )
        out.append(
            f'<text x="{sx:.1f}" y="{label_y}" font-size="13" text-anchor="middle" fill="#1a1a1a">'
            f"{esc(slot)} {_clock.format_minutes(minute)}</text>"
        )
    index = {lane.key: i for i, lane in enumerate(lanes)}
    for band in bands:
        i = index.get(band.lane)
        if i is None:
            continue
        y = top + i * row
        for start, end in _clip(pos(band.start), pos(band.end), first, last, band.end - band.start):
            bx0 = left + (start - first) / span * (right - left)
            bx1 = left + (end - first) / span * (right - left)
            fill = band.colour or "#9aa5b1"
            opacity = "0.30" if band.colour else "0.25"
            out.append(
                f'<rect class="band" x="{bx0:.1f}" y="{y + 4}" width="{max(bx1 - bx0, 1):.1f}" height="{row - 8}" '
                f'fill="{fill}" fill-opacity="{opacity}" stroke="{fill}" stroke-width="{2 if band.colour else 1}">'
                f"<title>{esc(band.label)}</title></rect>"
            )
            if band.severity is not None:
                out.append(shape(band.severity, x=bx0 + 8, y=y + 10, size=10))
    for i, lane in enumerate(lanes):
        y = top + i * row
        out.append(
            f'<text x="{left - 10}" y="{y + row / 2 + 5:.1f}" font-size="14" text-anchor="end" fill="#1a1a1a">'
            f"{esc(_short(lane.label))}</text>"
        )
        out.append(f'<line x1="{left}" x2="{right}" y1="{y + row / 2:.1f}" y2="{y + row / 2:.1f}" stroke="#c8c8c8"/>')
        for t in lane.times:
            mx, my = x(t), y + row / 2
            what = esc(f"{lane.label} at {_clock.format_minutes(t)}")
            mark = _marker(lane.kind, mx, my)
            out.append(f'<g class="marker" data-kind="{lane.kind}"><title>{what}</title>{mark}</g>')
    out.append("</svg>")
    foods = ", diamonds foods and drinks" if any(lane.kind == "food" for lane in lanes) else ""
    out.append(
        f"<figcaption>Circles are supplement doses, outlined pills medications{foods}; dashed lines the meals. A band "
        "marks where the supplement on that line would break a separation window with its partner; a band in "
        "colour is a window the schedule breaks.</figcaption></figure>"
    )
    out.extend(_day_lists(lanes, bands, index, untimed, pos))
    return heading + "".join(out) + "</section>"


def _marker(kind: str, mx: float, my: float) -> str:
    """A dose's mark: a circle for a supplement, an outlined pill for a medication, a diamond for a food."""
    if kind == "medication":
        return (
            f'<rect x="{mx - 8:.1f}" y="{my - 6:.1f}" width="16" height="12" rx="6" fill="#ffffff" '
            'stroke="#1a1a1a" stroke-width="2"/>'
        )
    if kind == "food":
        return (
            f'<path d="M{mx:.1f} {my - 8:.1f} L{mx + 8:.1f} {my:.1f} L{mx:.1f} {my + 8:.1f} '
            f'L{mx - 8:.1f} {my:.1f} Z" fill="#b5651d" stroke="#1a1a1a" stroke-width="1"/>'
        )
    return f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="7" fill="#3d5a80" stroke="#1a1a1a" stroke-width="1"/>'


def _hour_lines(
    hour: int,
    first: int,
    last: int,
    pos: Callable[[int], int],
    x: Callable[[int], float],
    top: int,
    height: int,
) -> list[str]:
    """A light line at each whole hour from ``hour`` within the drawn span, every other one labelled."""
    out: list[str] = []
    while pos(hour) <= last and pos(hour) >= first:
        gx = x(hour)
        out.append(
            f'<line x1="{gx:.1f}" x2="{gx:.1f}" y1="{top - 8}" y2="{height - 30}" stroke="#e2e2e2" stroke-width="1"/>'
        )
        if (hour // 60) % 2 == 0:
            out.append(
                f'<text x="{gx:.1f}" y="{height - 12}" font-size="13" text-anchor="middle" fill="#4a4a4a">'
                f"{_clock.format_minutes(hour)}</text>"
            )
        hour += 60
    return out


def _day_lists(
    lanes: list[_Lane],
    bands: list[_Band],
    index: dict[str, int],
    untimed: list[str],
    pos: Callable[[int], int],
) -> list[str]:
    """Below the timeline: the windows broken, what has no time, and the day as a table in time order."""
    out: list[str] = []
    broken: dict[tuple[str, str], Severity] = {}
    for band in bands:
        if band.severity is not None and band.lane in index:
            broken.setdefault((lanes[index[band.lane]].label, band.label), band.severity)
    if broken:
        listed = "".join(
            f"<li>{badge(severity)} {esc(lane)} {esc(label)}</li>"
            for (lane, label), severity in sorted(broken.items(), key=lambda item: (-item[1].rank, item[0]))
        )
        out.append(f"<p>Separation windows the schedule breaks:</p><ul>{listed}</ul>")
    if untimed:
        listed = "".join(f"<li>{esc(u)}</li>" for u in untimed)
        out.append(f"<p>Times not given, so not drawn:</p><ul>{listed}</ul>")
    rows = sorted(((pos(t), t, lane) for lane in lanes for t in lane.times), key=lambda r: (r[0], r[2].kind))
    cells = "".join(
        f"<tr><td>{_clock.format_minutes(t)}</td><td>{esc(lane.label)}</td><td>{esc(lane.kind)}</td></tr>"
        for _, t, lane in rows
    )
    out.append(
        '<table><caption class="visually-hidden">The day in time order</caption><thead><tr>'
        '<th scope="col">Time</th><th scope="col">What</th><th scope="col">Kind</th></tr></thead>'
        f"<tbody>{cells}</tbody></table>"
    )
    return out


def _clip(start: int, end: int, first: int, last: int, length: int) -> list[tuple[int, int]]:
    """A band's pieces within the drawn span, split where it wraps past the middle of the night."""
    if length <= 0:
        return []
    if length >= 1440:
        return [(first, last)]
    pieces = [(start, start + length)] if start + length <= 1440 else [(start, 1440), (0, start + length - 1440)]
    out = []
    for a, b in pieces:
        a, b = max(a, first), min(b, last)
        if b > a:
            out.append((a, b))
    return out


def _short(label: str, limit: int = 30) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


# -- findings -----------------------------------------------------------------------------------


def _findings(report: Report, shown: Sequence[Finding], h: int, min_severity: Severity) -> str:
    out = [f"<section><h{h}>Findings</h{h}>"]
    if not report.findings:
        out.append("<p>No findings.</p>")
    groups: dict[Severity, list[Finding]] = {}
    for finding in shown:
        groups.setdefault(finding.severity, []).append(finding)
    for severity in sorted(groups, reverse=True):
        findings = groups[severity]
        out.append(f"<h{h + 1}>{badge(severity)} {len(findings)} {esc(severity.value)}</h{h + 1}>")
        out.append('<ol class="findings">')
        for f in findings:
            out.append(f'<li style="border-left-color:{SEVERITY_COLOUR[severity]}">')
            evidence = f"; evidence {esc(_EVIDENCE[f.evidence.value])}" if f.evidence else ""
            out.append(
                f'<p>{shape(severity)} <span class="code">{esc(f.code)}</span> '
                f'<span class="meta">({esc(f.rule_id)}{evidence})</span></p>'
            )
            out.append(f"<p>{esc(f.message)}</p>")
            out.append(f'<p class="recommendation">Recommendation: {esc(f.recommendation)}</p>')
            if f.suggestions:
                out.append(f"<p>Close known names: {esc(', '.join(f.suggestions))}</p>")
            if f.references:
                refs = "".join(
                    f'<li><a href="{esc(r.url)}">{esc(r.title)}</a>. {esc(r.publisher)}'
                    + (f", PMID {esc(r.pmid)}" if r.pmid else "")
                    + ".</li>"
                    for r in f.references
                )
                out.append(f'<ul class="refs">{refs}</ul>')
            out.append("</li>")
        out.append("</ol>")
    hidden = len(report.findings) - len(shown)
    if hidden:
        out.append(f'<p class="meta">{hidden} finding(s) below {esc(min_severity.value)} not shown.</p>')
    out.append("</section>")
    return "\n".join(out)
