"""``suppcheck explain`` and ``suppcheck lookup``: knowledge-base records as text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ._findingcodes import CODES
from ._kb.base import KnowledgeBase, MedicationMatch
from ._kb.models import Food, FoodRule, Form, LabThreshold, Limit, Rule, SeverityStep, Substance, Timing


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


# The meaning of each finding code, from the registry (suppcheck._codes).
FINDING_CODES: dict[str, str] = {code: entry.description for code, entry in CODES.items()}

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


_LAB_LABELS = {"egfr": "eGFR (mL/min/1.73 m2)", "potassium": "serum potassium (mmol/L)", "ferritin": "ferritin (ng/mL)"}


def _steps(steps: Sequence[SeverityStep], unit: str) -> list[str]:
    lines = []
    for step in steps:
        relation = "at or above" if step.inclusive else "above"
        refs = ", ".join(step.references)
        lines += _item(f"{relation} {step.threshold:,g} {unit}/day -> {step.severity.value}: {step.note} [{refs}]")
    return ["severity by daily amount:", *lines] if lines else []


def _labs(labs: Sequence[LabThreshold]) -> list[str]:
    lines = []
    for lab in labs:
        words, limit = lab.bound
        bound = f"{words} {limit:,g}"
        note = f": {lab.note}" if lab.note else ""
        lines += _item(f"{_LAB_LABELS[lab.lab]} {bound}{note} [{', '.join(lab.references)}]")
    return ["applies also with lab values (any one):", *lines] if lines else []


def explain_rule(kb: KnowledgeBase, rule: Rule) -> str:
    """A rule in full, for a person: what it covers, its window or timing, severity, evidence and sources."""
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
        ("except medications", _names(rule.except_medications, kb.medications)),
        ("conditions", _names(rule.conditions, kb.conditions)),
        ("life stages", ", ".join(rule.life_stages)),
        ("min daily amount", f"{rule.min_daily_amount:g} {unit}" if rule.min_daily_amount else None),
        ("separation", separation),
        ("timing", _timing(rule.timing) if rule.timing else None),
        ("mechanism", rule.mechanism),
        ("recommendation", rule.recommendation),
        ("note", rule.note),
    ]
    extra_refs = [
        *(r for step in rule.severity_steps for r in step.references),
        *(r for lab in rule.labs for r in lab.references),
    ]
    return "\n".join(
        [
            f"{rule.id} (rule)",
            *field_lines(fields),
            *_labs(rule.labs),
            *_steps(rule.severity_steps, unit),
            *_references(kb, dict.fromkeys((*rule.references, *extra_refs))),
        ]
    )


def explain_limit(kb: KnowledgeBase, limit: Limit) -> str:
    """A limit in full, for a person: its values by life stage, basis, severity steps and sources."""
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
            *_steps(limit.severity_steps, limit.unit),
            *_references(
                kb, dict.fromkeys((*limit.references, *(r for st in limit.severity_steps for r in st.references)))
            ),
        ]
    )


def explain_food_rule(kb: KnowledgeBase, rule: FoodRule) -> str:
    """A food rule in full: its subject, its foods, its window, level or time window, and its sources."""
    window = None
    if rule.separation is not None:
        sep = rule.separation
        if sep.before_first_food_of_day:
            window = f"before the first food or drink of the day (plain water aside), by {sep.other_after_hours:g} h"
        else:
            window = f"the food at least {sep.other_before_hours or 0:g} h before or {sep.other_after_hours:g} h after"
    level = None
    if rule.food_amount is not None:
        day, week = rule.food_amount.above_per_day, rule.food_amount.above_per_week
        level = (
            f"above {day['female']:g} standard drinks a day or {week['female']:g} a week for women, "
            f"{day['male']:g} a day or {week['male']:g} a week for men"
        )
    fields: list[tuple[str, str | None]] = [
        ("family", rule.family.value),
        ("severity", rule.severity.value),
        ("evidence", _evidence(rule.evidence.value)),
        ("substances", _names(rule.substances, kb.substances)),
        ("medications", _names(rule.medications, kb.medications)),
        ("medication classes", _names(rule.medication_classes, kb.medication_classes)),
        ("except brands", ", ".join(rule.except_brands)),
        ("conditions", _names(rule.conditions, kb.conditions)),
        ("foods", _names(rule.foods, kb.foods)),
        ("food categories", _names(rule.food_categories, kb.food_categories)),
        ("taken alone", "only when the food is not part of a meal" if rule.food_taken_alone else None),
        ("separation", window),
        ("time window", _timing(rule.food_time_window) if rule.food_time_window else None),
        ("drinking level", level),
        ("mechanism", rule.mechanism),
        ("recommendation", rule.recommendation),
        ("note", rule.note),
    ]
    extra = rule.food_amount.references if rule.food_amount is not None else ()
    return "\n".join(
        [f"{rule.id} (food rule)", *field_lines(fields), *_references(kb, dict.fromkeys((*rule.references, *extra)))]
    )


def lookup_food(kb: KnowledgeBase, food: Food) -> str:
    """A food or drink: its names, categories, serving, what it carries, and the food rules that name it."""
    carried = []
    for item in food.carries:
        what = item.substance or item.constituent or ""
        amount = f" about {item.amount:g} {item.unit} per serving" if item.amount is not None else ""
        carried.append(f"{what}{amount}")
    fields: list[tuple[str, str | None]] = [
        ("synonyms", ", ".join(food.synonyms)),
        ("categories", _names(food.categories, kb.food_categories)),
        ("serving", food.serving.description),
        ("carries", "; ".join(carried)),
        ("note", food.note),
    ]
    keys = {food.id, *food.categories}
    rules = sorted(
        (r for r in kb.food_rules.values() if keys & {*r.foods, *r.food_categories}),
        key=lambda r: (-r.severity.rank, r.id),
    )
    lines = [line for r in rules for line in _item(f"{r.id}: {r.family.value}, {r.severity.value}")]
    block = [f"food rules ({len(rules)}):", *lines] if rules else ["food rules: none"]
    return "\n".join([f"{food.name} (food or drink: {food.id})", *field_lines(fields), *block])


def explain(kb: KnowledgeBase, ident: str) -> str | None:
    """The full text of a rule, limit, food rule or finding code, or None when ``ident`` names none."""
    key = ident.strip()
    if key in kb.rules:
        return explain_rule(kb, kb.rules[key])
    if key in kb.food_rules:
        return explain_food_rule(kb, kb.food_rules[key])
    if key in kb.limits:
        return explain_limit(kb, kb.limits[key])
    if key in CODES:
        entry = CODES[key]
        fields = [("meaning", entry.description), ("raised by", entry.family), ("severity", entry.severity)]
        return "\n".join([f"{key} (finding code)", *field_lines(fields)])
    return None


def close_matches(name: str, choices: Iterable[str], limit: int = 3) -> list[str]:
    """Up to ``limit`` of ``choices`` that are close to ``name`` (for a 'did you mean' hint)."""
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
    """A substance, its forms, limits and the rules on it, for a person."""
    factors = ", ".join(f"1 {k} = {v:g} {substance.unit}" for k, v in substance.unit_factors.items())
    fields: list[tuple[str, str | None]] = [
        ("kind", substance.kind.value),
        ("unit", substance.unit),
        ("synonyms", ", ".join(substance.synonyms)),
        ("other units", factors),
        ("default form", substance.default_form_note),
        ("codes", _codes(kb, "substances", substance.id)),
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
    """A form: its substance, elemental fraction, absorption and the rules on it, for a person."""
    fields: list[tuple[str, str | None]] = [
        ("substance", _names([form.substance], kb.substances)),
        ("synonyms", ", ".join(form.synonyms)),
        ("elemental fraction", f"{form.elemental_fraction:.0%}" if form.elemental_fraction is not None else None),
        ("absorption", form.absorption.value if form.absorption else None),
        ("absorption note", form.absorption_note),
        ("upper limit", None if form.counts_toward_upper_limit else "not counted toward the upper limit"),
        ("evidence", _evidence(form.evidence.value) if form.evidence else None),
        ("codes", _codes(kb, "forms", form.id)),
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
    """A medication or a medication class, with its classes and the rules that name them, for a person."""
    keys = {match.id} | set(match.classes)
    rules = [
        r
        for r in kb.rules.values()
        if keys & {*r.medications, *r.medication_classes} and match.id not in r.except_medications
    ]
    if match.is_class:
        cls = kb.medication_classes[match.id]
        fields: list[tuple[str, str | None]] = [
            ("synonyms", ", ".join(cls.synonyms)),
            ("parent classes", _names(sorted(match.classes - {cls.id}), kb.medication_classes)),
            ("members", ", ".join(_class_members(kb, cls.id))),
            ("codes", _codes(kb, "medication_classes", cls.id)),
            ("note", cls.note),
        ]
        head = f"{cls.name} ({cls.id}): medication class"
    else:
        med = kb.medications[match.id]
        fields = [
            ("synonyms", ", ".join(med.synonyms)),
            ("brands", ", ".join(med.brands)),
            ("classes", _names(sorted(match.classes), kb.medication_classes)),
            ("codes", _codes(kb, "medications", med.id)),
            ("note", med.note),
        ]
        head = f"{med.name} ({med.id}): medication"
    title = "rules (on this class or a parent class)" if match.is_class else "rules (including its classes)"
    return "\n".join([head, *field_lines(fields), *_rules_block(title, rules)])


def lookup_condition(kb: KnowledgeBase, condition_id: str) -> str:
    """A condition, what it implies and is implied by, and the rules on it, for a person."""
    cond = kb.conditions[condition_id]
    closure = kb.condition_closure(condition_id)
    implied_by = [c.id for c in kb.conditions.values() if c.id != cond.id and cond.id in kb.condition_closure(c.id)]
    fields: list[tuple[str, str | None]] = [
        ("synonyms", ", ".join(cond.synonyms)),
        ("implies", _names(sorted(closure - {cond.id}), kb.conditions)),
        ("implied by", _names(sorted(implied_by), kb.conditions)),
        ("codes", _codes(kb, "conditions", cond.id)),
        ("note", cond.note),
    ]
    rules = [r for r in kb.rules.values() if closure & set(r.conditions)]
    head = f"{cond.name} ({cond.id}): condition"
    return "\n".join([head, *field_lines(fields), *_rules_block("rules (including implied conditions)", rules)])


def _codes(kb: KnowledgeBase, section: str, ident: str) -> str | None:
    """``rxnorm:2551 (ciprofloxacin)``, one per code a record has; None when it has none."""
    from ._codes import SYSTEM_ALIASES

    short = {uri: alias for alias, uri in reversed(SYSTEM_ALIASES.items())}
    codes = kb.codes_of(section, ident)
    if not codes:
        return None
    return ", ".join(
        f"{short.get(c.system, c.system + '|')}{':' if c.system in short else ''}{c.code}"
        + (f" ({c.display})" if c.display else "")
        for c in codes
    )


def lookup_code(kb: KnowledgeBase, system: str, code: str) -> list[str]:
    """What a terminology code names (ICD-10-CM by its category), or nothing."""
    owner = kb.code_owner(system, code)
    if owner is None:
        return []
    section, ident = owner
    if section == "life_stages":
        stage = "pregnancy" if ident == "pregnant" else "lactation"
        return [f"{code}: the life stage {stage} ('{ident}: true'), whose limits and rules apply"]
    if section == "substances":
        return [lookup_substance(kb, kb.substances[ident])]
    if section == "forms":
        return [lookup_form(kb, kb.forms[ident])]
    if section == "conditions":
        return [lookup_condition(kb, ident)]
    match = kb.medication(ident)
    return [lookup_medication(kb, match)] if match is not None else []


def lookup(kb: KnowledgeBase, name: str) -> list[str]:
    """Everything a name can mean: a substance, forms, a medication or class, a condition; or what a code names."""
    from ._codes import parse_code

    coded = parse_code(name)
    if coded is not None:
        return lookup_code(kb, *coded)
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
    food = kb.food(name)
    if food is not None:
        found.append(lookup_food(kb, food))
    return found


def lookup_suggestions(kb: KnowledgeBase, name: str) -> list[str]:
    """Up to three known names close to ``name``, of any kind."""
    out: list[str] = []
    for kind in ("substance", "medication", "condition", "food"):
        out += kb.suggestions(kind, name)
    for substance_id in kb.forms_by_substance:
        out += kb.suggestions("form", name, substance_id=substance_id, limit=1)
    return list(dict.fromkeys(out))[:3]


# -- the same, for a program (--format json) ------------------------------------------------

# How a record was gathered, and whether a clinic file asked to replace it, is for its maintainers.
_HIDDEN = {"provenance", "override"}


def _record(model: Any) -> dict[str, Any]:
    data: dict[str, Any] = model.model_dump(mode="json", exclude=_HIDDEN)
    return data


def _reference_records(kb: KnowledgeBase, ids: Iterable[str]) -> list[dict[str, Any]]:
    return [_record(kb.references[i]) for i in ids if i in kb.references]


def explain_data(kb: KnowledgeBase, ident: str) -> dict[str, Any] | None:
    """What :func:`explain` says, as data: ``kind`` (rule, limit, finding_code), ``id``, the record and its references.

    >>> from suppcheck import load_knowledge
    >>> explain_data(load_knowledge(), "input.missing_age")["kind"]
    'finding_code'
    """
    key = ident.strip()
    record: Rule | Limit | None = kb.rules.get(key) or kb.limits.get(key)
    if record is not None:
        return {
            "kind": "rule" if key in kb.rules else "limit",
            "id": key,
            "record": _record(record),
            "references": _reference_records(kb, record.references),
        }
    food_rule = kb.food_rules.get(key)
    if food_rule is not None:
        extra = food_rule.food_amount.references if food_rule.food_amount is not None else ()
        return {
            "kind": "food_rule",
            "id": key,
            "record": _record(food_rule),
            "references": _reference_records(kb, dict.fromkeys((*food_rule.references, *extra))),
        }
    if key in CODES:
        entry = CODES[key]
        return {
            "kind": "finding_code",
            "id": key,
            "meaning": entry.description,
            "family": entry.family,
            "severity": entry.severity,
        }
    return None


def _rule_ids(rules: Iterable[Rule]) -> list[str]:
    return sorted(r.id for r in rules)


def lookup_data(kb: KnowledgeBase, name: str) -> list[dict[str, Any]]:
    """What :func:`lookup` says, as data: one mapping per meaning of ``name`` (``kind``, ``id``, ``record``, ...).

    >>> from suppcheck import load_knowledge
    >>> [(m["kind"], m["id"]) for m in lookup_data(load_knowledge(), "doxycycline")]
    [('medication', 'doxycycline')]
    """
    found: list[dict[str, Any]] = []
    substance = kb.substance(name)
    if substance is not None:
        found.append(
            {
                "kind": "substance",
                "id": substance.id,
                "record": _record(substance),
                "forms": [f.id for f in kb.forms_by_substance.get(substance.id, ())],
                "limits": sorted(lim.id for lim in kb.limits.values() if lim.substance == substance.id),
                "rules": _rule_ids(
                    r for r in kb.rules.values() if substance.id in r.substances or substance.id in r.with_substances
                ),
            }
        )
    for substance_id in kb.forms_by_substance:
        form = kb.form(substance_id, name)
        if form is not None:
            found.append(
                {
                    "kind": "form",
                    "id": form.id,
                    "record": _record(form),
                    "rules": _rule_ids(r for r in kb.rules.values() if form.id in r.forms),
                    "references": _reference_records(kb, form.references),
                }
            )
    match = kb.medication(name)
    if match is not None:
        keys = {match.id} | set(match.classes)
        rules = _rule_ids(
            r
            for r in kb.rules.values()
            if keys & {*r.medications, *r.medication_classes} and match.id not in r.except_medications
        )
        if match.is_class:
            found.append(
                {
                    "kind": "medication_class",
                    "id": match.id,
                    "record": _record(kb.medication_classes[match.id]),
                    "parent_classes": sorted(match.classes - {match.id}),
                    "members": _class_members(kb, match.id),
                    "rules": rules,
                }
            )
        else:
            found.append(
                {
                    "kind": "medication",
                    "id": match.id,
                    "record": _record(kb.medications[match.id]),
                    "classes": sorted(match.classes),
                    "rules": rules,
                }
            )
    condition_id = kb.condition(name)
    if condition_id is not None:
        closure = kb.condition_closure(condition_id)
        found.append(
            {
                "kind": "condition",
                "id": condition_id,
                "record": _record(kb.conditions[condition_id]),
                "implies": sorted(closure - {condition_id}),
                "implied_by": sorted(
                    c.id
                    for c in kb.conditions.values()
                    if c.id != condition_id and condition_id in kb.condition_closure(c.id)
                ),
                "rules": _rule_ids(r for r in kb.rules.values() if closure & set(r.conditions)),
            }
        )
    food = kb.food(name)
    if food is not None:
        keys = {food.id, *food.categories}
        found.append(
            {
                "kind": "food",
                "id": food.id,
                "record": _record(food),
                "food_rules": sorted(r.id for r in kb.food_rules.values() if keys & {*r.foods, *r.food_categories}),
            }
        )
    return found
