"""Human-readable reports: a rich table for terminals, and markdown.

rich is imported inside :func:`render_table` only, so that ``suppcheck check
--format json`` and ``import suppcheck`` never pay for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any

from ._kb.base import KnowledgeBase, MedicationMatch
from ._kb.models import Form, Limit, Rule, Substance, Timing
from ._regimen import Profile, RegimenFile
from ._report import Finding, Report, Total
from ._rules.stage import Stage
from ._severity import Severity

if TYPE_CHECKING:
    from rich.console import Console

SEVERITY_STYLE = {
    Severity.CONTRAINDICATED: "bold white on red",
    Severity.MAJOR: "bold red",
    Severity.MODERATE: "bold yellow",
    Severity.MINOR: "cyan",
    Severity.INFO: "green",
}


def visible(report: Report, min_severity: Severity) -> Report:
    """The report with findings below ``min_severity`` left out (totals and verdicts unchanged)."""
    if min_severity is Severity.INFO:
        return report
    kept = tuple(f for f in report.findings if f.severity >= min_severity)
    return report.model_copy(update={"findings": kept})


def describe_person(profile: Profile) -> str:
    """``female, 58 years (women 51-70); conditions: ...; medications: ...``."""
    stage = Stage.of(profile.age, profile.sex, profile.pregnant, profile.lactating).label()
    if profile.age is None:
        parts = [stage]  # the label already says "women 19-50 (age not given)"
    else:
        who = f"{profile.sex}, " if profile.sex else ""
        parts = [f"{who}{profile.age:g} years ({stage})"]
    if profile.pregnant:
        parts.append("pregnant")
    if profile.lactating:
        parts.append("lactating")
    if profile.conditions:
        parts.append("conditions: " + ", ".join(profile.conditions))
    if profile.medications:
        meds = [m.name + (f" at {', '.join(m.times)}" if m.times else "") for m in profile.medications]
        parts.append("medications: " + ", ".join(meds))
    return "; ".join(parts)


def _num(value: float) -> str:
    """``12,500``, ``282``, ``2.4``: whole numbers from 100 up, three significant digits below."""
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _upper_limit(total: Total) -> str:
    if total.upper_limit is None:
        return "-"
    basis = "" if total.basis == "total" else f" ({total.basis.replace('_', ' ')})"
    return f"{_num(total.upper_limit)} {total.unit}{basis}"


def _percent(total: Total) -> str:
    return "-" if total.ratio_to_upper_limit is None else f"{total.ratio_to_upper_limit * 100:.0f} %"


def _recommended(total: Total) -> str:
    if total.recommended_intake is None:
        return "-"
    kind = f" ({total.recommended_intake_kind})" if total.recommended_intake_kind else ""
    return f"{_num(total.recommended_intake)} {total.recommended_intake_unit or total.unit}{kind}"


def _sources(total: Total, regimen: RegimenFile) -> str:
    names = [regimen.regimen[i].display_name for i in total.entries if i < len(regimen.regimen)]
    return ", ".join(dict.fromkeys(names))


def _by_severity(findings: Iterable[Finding]) -> list[tuple[Severity, list[Finding]]]:
    groups: dict[Severity, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.severity, []).append(finding)
    return sorted(groups.items(), key=lambda item: -item[0].rank)


def _verdict(report: Report) -> str:
    worst = report.max_severity.value if report.max_severity else "none"
    complete = "yes" if report.complete else "no: some input was not recognized"
    return f"knowledge base {report.knowledge_version}; worst finding: {worst}; complete: {complete}"


def make_console(file: IO[str]) -> Console:
    """A console that honours NO_COLOR, FORCE_COLOR and whether ``file`` is a terminal."""
    from rich.console import Console

    return Console(file=file, highlight=False, emoji=False)


def render_table(
    console: Console, report: Report, regimen: RegimenFile, *, source: str, min_severity: Severity
) -> None:
    """Print one report: the person, a totals table, then findings grouped by severity."""
    from rich.markup import escape
    from rich.table import Table
    from rich.text import Text

    shown = visible(report, min_severity)
    console.print(Text(f"suppcheck: {source}", style="bold"))
    console.print(Text(f"Person: {describe_person(regimen.profile)}"))
    console.print(Text(_verdict(report), style="dim"))
    if report.totals:
        console.print(Text("Daily totals", style="bold"))
        table = Table()
        table.add_column("Substance", overflow="fold")
        table.add_column("Per day", justify="right", no_wrap=True)
        table.add_column("Upper limit", overflow="fold")
        table.add_column("% of UL", justify="right", no_wrap=True)
        table.add_column("Recommended", overflow="fold")
        table.add_column("From", overflow="fold")
        for total in report.totals:
            over = total.ratio_to_upper_limit is not None and total.ratio_to_upper_limit > 1
            table.add_row(
                escape(total.substance),
                f"{_num(total.daily_amount)} {escape(total.unit)}",
                escape(_upper_limit(total)),
                Text(_percent(total), style="bold red" if over else ""),
                escape(_recommended(total)),
                escape(_sources(total, regimen)),
            )
        console.print(table)
    if not report.findings:
        console.print(Text("No findings.", style="green"))
    for severity, findings in _by_severity(shown.findings):
        style = SEVERITY_STYLE[severity]
        console.print()
        console.print(Text(f"{severity.value.upper()} ({len(findings)})", style=style))
        for finding in findings:
            evidence = f", evidence {finding.evidence.value}" if finding.evidence else ""
            head = Text("* ")
            head.append(finding.code, style=style)
            head.append(f"  [{finding.rule_id}{evidence}]", style="dim")
            console.print(head)
            _indented(console, finding.message)
            _indented(console, f"-> {finding.recommendation}", style="italic")
    hidden = len(report.findings) - len(shown.findings)
    if hidden:
        console.print(Text(f"\n{hidden} finding(s) below {min_severity.value} not shown.", style="dim"))
    console.print(Text(f"\n{report.disclaimer}", style="dim italic"))


def _indented(console: Console, text: str, *, style: str = "", indent: int = 2) -> None:
    """Wrapped with a left margin, without the trailing spaces rich's Padding would add."""
    import textwrap

    from rich.text import Text

    for line in textwrap.wrap(text, width=max(console.width - indent, 20), break_on_hyphens=False):
        console.print(Text(" " * indent + line, style=style), no_wrap=True, overflow="ignore", crop=False)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(report: Report, regimen: RegimenFile, *, source: str, min_severity: Severity) -> str:
    shown = visible(report, min_severity)
    out = [f"# suppcheck: {source}", "", f"**Person:** {describe_person(regimen.profile)}", "", _verdict(report), ""]
    if report.totals:
        out += [
            "## Daily totals",
            "",
            "| Substance | Daily amount | Upper limit | % of limit | Recommended | From |",
            "|---|---:|---|---:|---|---|",
        ]
        for t in report.totals:
            cells = (
                t.substance,
                f"{_num(t.daily_amount)} {t.unit}",
                _upper_limit(t),
                _percent(t),
                _recommended(t),
                _sources(t, regimen),
            )
            out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
        out.append("")
    out += ["## Findings", ""]
    if not report.findings:
        out += ["No findings.", ""]
    for severity, findings in _by_severity(shown.findings):
        out += [f"### {severity.value.capitalize()} ({len(findings)})", ""]
        for f in findings:
            evidence = f", evidence {f.evidence.value}" if f.evidence else ""
            out.append(f"- **{f.code}** (`{f.rule_id}`{evidence}): {f.message}")
            out.append(f"  - Recommendation: {f.recommendation}")
            if f.references:
                refs = "; ".join(f"[{r.title}]({r.url})" for r in f.references)
                out.append(f"  - Sources: {refs}")
        out.append("")
    hidden = len(report.findings) - len(shown.findings)
    if hidden:
        out += [f"_{hidden} finding(s) below {min_severity.value} not shown._", ""]
    out += [f"_{report.disclaimer}_", ""]
    return "\n".join(out)


def field_lines(fields: Sequence[tuple[str, str | None]], width: int = 100) -> list[str]:
    """``label: value`` lines, aligned and wrapped; empty values left out."""
    import textwrap

    present = [(k, v) for k, v in fields if v]
    pad = max((len(k) for k, _ in present), default=0) + 2
    lines = []
    for key, value in present:
        wrapped = textwrap.wrap(value, width=max(width - pad, 40)) or [""]
        lines.append(f"{key + ':':<{pad}}{wrapped[0]}")
        lines.extend(" " * pad + rest for rest in wrapped[1:])
    return lines


# -- explain and lookup: knowledge-base records as text ------------------------

FINDING_CODES: dict[str, str] = {
    "dose.above_upper_limit": (
        "A substance's daily total exceeds the tolerable upper intake level for the person's life stage. "
        "The limit's basis is respected: some limits count supplements only (magnesium), folic acid only "
        "(folate) or preformed vitamin A only."
    ),
    "dose.above_typical": (
        "A dose exceeds the usual dose range where no upper limit exists or where the upper limit is more "
        "permissive (melatonin above 5 mg, valerian above its usual extract range)."
    ),
    "dose.below_typical": "A dose is below the recommended intake or the usual effective range (info).",
    "dose.per_dose_limit": "A single dose exceeds what is absorbed well at once (calcium above 500 mg per dose).",
    "interaction.medication": (
        "A substance interacts with a medication the person takes: chelation, an additive effect, or an "
        "altered drug level."
    ),
    "interaction.supplement": (
        "Two substances interact beyond absorption (additive sedation of melatonin and valerian; high zinc "
        "lowering copper)."
    ),
    "absorption.reduced": "Items taken together lower a substance's absorption (calcium with iron).",
    "absorption.enhanced": (
        "Items taken together raise absorption (vitamin C with iron): info, or a warning where raising it is "
        "harmful (hemochromatosis)."
    ),
    "timing.separation": (
        "Two items that must be separated are scheduled too close together; the finding gives the hours "
        "required and the hours scheduled. With times unknown the rule is reported as advice."
    ),
    "timing.advice": (
        "A substance is best taken at a particular time or with or without food (melatonin 30-60 min before "
        "bed; iron on an empty stomach) and the schedule differs or is unknown."
    ),
    "contraindication.condition": (
        "A substance is contraindicated or needs caution with one of the person's conditions (magnesium with "
        "kidney failure; iron with hemochromatosis)."
    ),
    "contraindication.life_stage": "Pregnancy, lactation, childhood or older age changes the advice.",
    "depletion.medication": (
        "A medication the person takes depletes a nutrient (loop diuretics: magnesium and potassium; "
        "metformin and proton-pump inhibitors: vitamin B12)."
    ),
    "duplicate.substance": (
        "The same substance arrives from more than one entry; the totals add them. Usually a reminder to "
        "confirm that several products containing it are intended (info)."
    ),
    "input.unrecognized_substance": (
        "A substance name is not in the knowledge base, so nothing about it was checked; the finding suggests "
        "close names. The report is marked incomplete (exit code 3 unless --allow-unknown)."
    ),
    "input.unrecognized_form": (
        "A form name is not known for its substance; the amount is taken as elemental (or left out of the "
        "totals when it is a compound weight). The report is marked incomplete."
    ),
    "input.unrecognized_medication": (
        "A medication name is not in the knowledge base, so its interactions and depletions were not checked. "
        "The report is marked incomplete."
    ),
    "input.unrecognized_condition": (
        "A condition name is not in the knowledge base, so its contraindications were not checked. The report "
        "is marked incomplete."
    ),
    "input.missing_age": "No age was given, so adult (19-50) limits were used; add the age for exact limits.",
}

EVIDENCE_TEXT = {
    "A": "authoritative guidance or consistent clinical trials",
    "B": "some clinical studies",
    "C": "case reports or limited studies",
    "D": "theoretical or mechanistic only",
}


def _names(ids: Iterable[str], records: Mapping[str, Any]) -> str:
    return ", ".join(f"{i} ({records[i].name})" if i in records else i for i in ids)


def _minutes(value: int, anchor: str) -> str:
    if value == 0:
        return f"at {anchor}"
    return f"{abs(value)} min {'before' if value < 0 else 'after'} {anchor}"


def _timing(timing: Timing) -> str:
    parts = []
    if timing.anchor is not None and timing.earliest_minutes is not None and timing.latest_minutes is not None:
        early, late = timing.earliest_minutes, timing.latest_minutes
        parts.append(f"from {_minutes(early, timing.anchor)} to {_minutes(late, timing.anchor)}")
    if timing.food == "with":
        parts.append("with food")
    elif timing.food == "without":
        parts.append("without food (empty stomach)")
    return "; ".join(parts)


def _references(kb: KnowledgeBase, ids: Iterable[str]) -> list[str]:
    lines = ["references:"]
    for ident in ids:
        ref = kb.references.get(ident)
        if ref is None:
            lines.append(f"  [{ident}] (not in the knowledge base)")
            continue
        pmid = f", PMID {ref.pmid}" if ref.pmid else ""
        lines += _item(f"[{ref.id}] {ref.title}. {ref.publisher}{pmid}.")
        lines.append(f"      {ref.url}")
    return lines if len(lines) > 1 else []


def _evidence(value: str) -> str:
    return f"{value} ({EVIDENCE_TEXT.get(value, '?')})"


def explain_rule(kb: KnowledgeBase, rule: Rule) -> str:
    partner = ", ".join(rule.with_substances or (*rule.medications, *rule.medication_classes))
    separation = None
    if rule.separation is not None:
        sep = rule.separation
        separation = (
            f"take {partner or 'the partner'} at least {sep.other_before_hours:g} h before "
            f"or {sep.other_after_hours:g} h after {', '.join(rule.substances)}"
        )
    unit = kb.substances[rule.substances[0]].unit if rule.substances[0] in kb.substances else ""
    fields: list[tuple[str, str | None]] = [
        ("family", rule.family.value),
        ("severity", rule.severity.value),
        ("evidence", _evidence(rule.evidence.value)),
        ("substances", _names(rule.substances, kb.substances)),
        ("forms", _names(rule.forms, kb.forms)),
        ("with substances", _names(rule.with_substances, kb.substances)),
        ("medications", _names(rule.medications, kb.medications)),
        ("medication classes", _names(rule.medication_classes, kb.medication_classes)),
        ("conditions", _names(rule.conditions, kb.conditions)),
        ("life stages", ", ".join(rule.life_stages)),
        ("min daily amount", f"{rule.min_daily_amount:g} {unit}" if rule.min_daily_amount else None),
        ("separation", separation),
        ("timing", _timing(rule.timing) if rule.timing else None),
        ("mechanism", rule.mechanism),
        ("recommendation", rule.recommendation),
        ("note", rule.note),
    ]
    return "\n".join([f"{rule.id} (rule)", *field_lines(fields), *_references(kb, rule.references)])


def explain_limit(kb: KnowledgeBase, limit: Limit) -> str:
    fields: list[tuple[str, str | None]] = [
        ("type", limit.type.value.replace("_", " ")),
        ("substance", _names([limit.substance], kb.substances)),
        ("basis", limit.basis.value.replace("_", " ")),
        ("intake kind", limit.intake_kind),
        ("severity", limit.severity.value if limit.severity else None),
        ("evidence", _evidence(limit.evidence.value)),
        ("mechanism", limit.mechanism),
        ("recommendation", limit.recommendation),
        ("note", limit.note),
    ]
    values = [f"  {stage}: {value:g} {limit.unit}" for stage, value in limit.values.items()]
    return "\n".join(
        [
            f"{limit.id} (limit)",
            *field_lines(fields),
            "values by life stage:",
            *values,
            *_references(kb, limit.references),
        ]
    )


def explain(kb: KnowledgeBase, ident: str) -> str | None:
    """The full text of a rule, limit or finding code, or None when ``ident`` names none."""
    key = ident.strip()
    if key in kb.rules:
        return explain_rule(kb, kb.rules[key])
    if key in kb.limits:
        return explain_limit(kb, kb.limits[key])
    if key in FINDING_CODES:
        return "\n".join([f"{key} (finding code)", *field_lines([("meaning", FINDING_CODES[key])])])
    return None


def close_matches(name: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    from rapidfuzz import fuzz, process

    found = process.extract(name, list(choices), scorer=fuzz.WRatio, limit=limit)
    return [choice for choice, score, _ in found if score >= 60]


def _item(text: str, width: int = 100) -> list[str]:
    """A list item, wrapped with a hanging indent."""
    import textwrap

    return textwrap.wrap(text, width=width, initial_indent="  ", subsequent_indent="      ", break_on_hyphens=False)


def _rule_line(rule: Rule) -> list[str]:
    partners = [*rule.with_substances, *rule.medications, *rule.medication_classes, *rule.conditions]
    partners += list(rule.life_stages)
    subject = ", ".join(rule.substances)
    with_ = f" + {', '.join(partners)}" if partners else ""
    return _item(f"{rule.id}: {rule.family.value}, {rule.severity.value}; {subject}{with_}")


def _rules_block(title: str, rules: Iterable[Rule]) -> list[str]:
    ordered = sorted(rules, key=lambda r: (-r.severity.rank, r.id))
    lines = [line for r in ordered for line in _rule_line(r)]
    return [f"{title} ({len(ordered)}):", *lines] if ordered else [f"{title}: none"]


def lookup_substance(kb: KnowledgeBase, substance: Substance) -> str:
    factors = ", ".join(f"1 {k} = {v:g} {substance.unit}" for k, v in substance.unit_factors.items())
    fields: list[tuple[str, str | None]] = [
        ("kind", substance.kind.value),
        ("unit", substance.unit),
        ("synonyms", ", ".join(substance.synonyms)),
        ("other units", factors),
        ("default form", substance.default_form_note),
        ("note", substance.note),
    ]
    lines = [f"{substance.name} ({substance.id}): substance", *field_lines(fields)]
    forms = kb.forms_by_substance.get(substance.id, ())
    lines.append(f"forms ({len(forms)}):" if forms else "forms: none")
    for form in forms:
        details = []
        if form.elemental_fraction is not None:
            details.append(f"{form.elemental_fraction:.0%} elemental")
        if form.absorption is not None:
            details.append(f"absorption {form.absorption.value}")
        if not form.counts_toward_upper_limit:
            details.append("not counted toward the upper limit")
        synonyms = f" [{', '.join(form.synonyms)}]" if form.synonyms else ""
        lines += _item(f"{form.id}: {form.name}{synonyms}" + (f"; {'; '.join(details)}" if details else ""))
    limits = [lim for lim in kb.limits.values() if lim.substance == substance.id]
    lines.append(f"limits ({len(limits)}):" if limits else "limits: none")
    for lim in limits:
        basis = "" if lim.basis.value == "total" else f", {lim.basis.value.replace('_', ' ')}"
        kind = f" {lim.intake_kind}" if lim.intake_kind else ""
        values = ", ".join(f"{stage} {value:g}" for stage, value in lim.values.items())
        lines += _item(f"{lim.id}: {lim.type.value.replace('_', ' ')}{kind} ({lim.unit}{basis}): {values}")
    rules = [r for r in kb.rules.values() if substance.id in r.substances or substance.id in r.with_substances]
    return "\n".join([*lines, *_rules_block("rules", rules)])


def lookup_form(kb: KnowledgeBase, form: Form) -> str:
    fields: list[tuple[str, str | None]] = [
        ("substance", _names([form.substance], kb.substances)),
        ("synonyms", ", ".join(form.synonyms)),
        ("elemental fraction", f"{form.elemental_fraction:.0%}" if form.elemental_fraction is not None else None),
        ("absorption", form.absorption.value if form.absorption else None),
        ("absorption note", form.absorption_note),
        ("upper limit", None if form.counts_toward_upper_limit else "not counted toward the upper limit"),
        ("evidence", _evidence(form.evidence.value) if form.evidence else None),
        ("note", form.note),
    ]
    rules = [r for r in kb.rules.values() if form.id in r.forms]
    lines = [f"{form.name} ({form.id}): form", *field_lines(fields), *_rules_block("rules on this form", rules)]
    return "\n".join([*lines, *_references(kb, form.references)])


def _class_members(kb: KnowledgeBase, class_id: str) -> list[str]:
    members = []
    for med in kb.medications.values():
        match = kb.medication(med.id)
        if match is not None and not match.is_class and class_id in match.classes:
            members.append(med.name)
    return sorted(members)


def lookup_medication(kb: KnowledgeBase, match: MedicationMatch) -> str:
    keys = {match.id} | set(match.classes)
    rules = [r for r in kb.rules.values() if keys & {*r.medications, *r.medication_classes}]
    if match.is_class:
        cls = kb.medication_classes[match.id]
        fields: list[tuple[str, str | None]] = [
            ("synonyms", ", ".join(cls.synonyms)),
            ("parent classes", _names(sorted(match.classes - {cls.id}), kb.medication_classes)),
            ("members", ", ".join(_class_members(kb, cls.id))),
            ("note", cls.note),
        ]
        head = f"{cls.name} ({cls.id}): medication class"
    else:
        med = kb.medications[match.id]
        fields = [
            ("synonyms", ", ".join(med.synonyms)),
            ("brands", ", ".join(med.brands)),
            ("classes", _names(sorted(match.classes), kb.medication_classes)),
            ("note", med.note),
        ]
        head = f"{med.name} ({med.id}): medication"
    title = "rules (on this class or a parent class)" if match.is_class else "rules (including its classes)"
    return "\n".join([head, *field_lines(fields), *_rules_block(title, rules)])


def lookup_condition(kb: KnowledgeBase, condition_id: str) -> str:
    cond = kb.conditions[condition_id]
    closure = kb.condition_closure(condition_id)
    implied_by = [c.id for c in kb.conditions.values() if c.id != cond.id and cond.id in kb.condition_closure(c.id)]
    fields: list[tuple[str, str | None]] = [
        ("synonyms", ", ".join(cond.synonyms)),
        ("implies", _names(sorted(closure - {cond.id}), kb.conditions)),
        ("implied by", _names(sorted(implied_by), kb.conditions)),
        ("note", cond.note),
    ]
    rules = [r for r in kb.rules.values() if closure & set(r.conditions)]
    head = f"{cond.name} ({cond.id}): condition"
    return "\n".join([head, *field_lines(fields), *_rules_block("rules (including implied conditions)", rules)])


def lookup(kb: KnowledgeBase, name: str) -> list[str]:
    """Everything a name can mean: a substance, forms, a medication or class, a condition."""
    found = []
    substance = kb.substance(name)
    if substance is not None:
        found.append(lookup_substance(kb, substance))
    for substance_id in kb.forms_by_substance:
        form = kb.form(substance_id, name)
        if form is not None:
            found.append(lookup_form(kb, form))
    medication = kb.medication(name)
    if medication is not None:
        found.append(lookup_medication(kb, medication))
    condition = kb.condition(name)
    if condition is not None:
        found.append(lookup_condition(kb, condition))
    return found


def lookup_suggestions(kb: KnowledgeBase, name: str) -> list[str]:
    out: list[str] = []
    for kind in ("substance", "medication", "condition"):
        out += kb.suggestions(kind, name)
    for substance_id in kb.forms_by_substance:
        out += kb.suggestions("form", name, substance_id=substance_id, limit=1)
    return list(dict.fromkeys(out))[:3]
