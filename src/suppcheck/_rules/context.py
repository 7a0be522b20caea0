"""A regimen resolved against the knowledge base: what every rule family reads.

Resolution turns names into knowledge-base records, amounts into canonical
units and times into clock minutes. Names it cannot resolve become
``input.*`` findings here; nothing is dropped silently.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .. import _clock
from .._kb.base import KnowledgeBase
from .._kb.models import Form, Reference, Rule, Substance
from .._names import in_sentence
from .._regimen import RegimenFile
from .._report import Finding, ReferenceInfo
from .._severity import Evidence, Severity
from .._units import parse_unit
from .stage import Stage


@dataclass(frozen=True, slots=True)
class Dose:
    """One substance delivered by one entry (a product gives one per ingredient)."""

    entry: int
    entry_name: str
    substance: Substance
    form: Form | None
    amount: float  # canonical units per dose
    ul_amount: float  # canonical units per dose counted against the upper limit
    per_day: float  # average doses per day
    times: tuple[int, ...] | None  # clock minutes; None when not given
    with_food: bool | None
    counted: bool = True  # False when the amount could not be converted

    @property
    def daily(self) -> float:
        return self.amount * self.per_day

    @property
    def daily_ul(self) -> float:
        return self.ul_amount * self.per_day

    @property
    def label(self) -> str:
        """``Senior Multi (iron)`` for an ingredient, ``iron`` for a single entry."""
        return self.substance.name if self.entry_name == self.substance.id else self.entry_name


@dataclass(frozen=True, slots=True)
class MedicationTaken:
    name: str  # as written
    id: str  # medication id, or class id when a class was named
    display: str
    classes: frozenset[str]
    times: tuple[int, ...] | None

    @property
    def keys(self) -> frozenset[str]:
        return self.classes | {self.id}


@dataclass
class Context:
    """Everything the rule families need about one regimen."""

    kb: KnowledgeBase
    regimen: RegimenFile
    stage: Stage
    day: dict[str, int]
    doses: list[Dose] = field(default_factory=list)
    medications: list[MedicationTaken] = field(default_factory=list)
    conditions: dict[str, str] = field(default_factory=dict)  # implied condition -> the person's condition
    findings: list[Finding] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_substance: dict[str, list[Dose]] = defaultdict(list)

    def add_dose(self, dose: Dose) -> None:
        self.doses.append(dose)
        self.by_substance[dose.substance.id].append(dose)

    def applies(self, rule: Rule, substance_id: str) -> list[Dose]:
        """The doses of ``substance_id`` a rule applies to; empty when it does not apply.

        Medications are matched by the caller, which reports them.
        ``min_daily_amount`` is compared with the amount the substance's upper
        limit counts (preformed vitamin A, folic acid), the basis of harm.
        """
        doses = self.by_substance.get(substance_id, [])
        if rule.forms:
            doses = [d for d in doses if d.form is not None and d.form.id in rule.forms]
        if not doses or not self.partners_ok(rule):
            return []
        if rule.min_daily_amount is not None and sum(d.daily_ul for d in doses) < rule.min_daily_amount:
            return []
        return doses

    def matched_medications(self, rule: Rule) -> list[MedicationTaken]:
        wanted = set(rule.medications) | set(rule.medication_classes)
        if not wanted:
            return []
        return [m for m in self.medications if m.keys & wanted]

    def matched_conditions(self, rule: Rule) -> list[str]:
        """The person's conditions (as they gave them) that satisfy the rule."""
        return sorted({self.conditions[c] for c in rule.conditions if c in self.conditions})

    def partners_ok(self, rule: Rule) -> bool:
        """Every non-empty partner list of the rule is matched (medications aside)."""
        if rule.with_substances and not any(self.by_substance.get(s) for s in rule.with_substances):
            return False
        if rule.conditions and not any(c in self.conditions for c in rule.conditions):
            return False
        return not rule.life_stages or bool(set(rule.life_stages) & self.stage.tags)

    def references(self, ids: tuple[str, ...]) -> tuple[ReferenceInfo, ...]:
        key = ("references", ids)
        found = self.kb.memo.get(key)
        if found is None:
            found = tuple(_reference_info(self.kb.references[i]) for i in ids if i in self.kb.references)
            self.kb.memo[key] = found
        return found  # type: ignore[return-value]

    def medication_names(self, meds: Iterable[MedicationTaken]) -> str:
        return ", ".join(sorted({m.display.lower() for m in meds}))


def _reference_info(ref: Reference) -> ReferenceInfo:
    return ReferenceInfo(id=ref.id, title=ref.title, publisher=ref.publisher, url=ref.url, pmid=ref.pmid)


def build_context(regimen: RegimenFile, kb: KnowledgeBase) -> Context:
    """Resolve every name, amount and time of a validated regimen."""
    profile = regimen.profile
    slots = profile.day.slots()
    day = {slot: _clock.resolve(slot, slots) for slot in _clock.SLOTS}
    ctx = Context(kb, regimen, Stage.of(profile.age, profile.sex, profile.pregnant, profile.lactating), day)
    if profile.age is None:
        ctx.findings.append(
            _input_finding(
                "input.missing_age",
                Severity.INFO,
                "No age was given, so adult (19-50) limits were used.",
                "Add the person's age: limits differ for children, adults over 50 and over 70.",
            )
        )
    for index, entry in enumerate(regimen.regimen):
        times = None if entry.times is None else tuple(_clock.resolve(t, slots) for t in entry.times)
        for part in entry.parts():
            resolved = kb.resolve(part.substance, part.form)
            if resolved is None:
                ctx.findings.append(
                    _unrecognized(
                        "substance", part.substance, kb.suggestions("substance", part.substance), entries=(index,)
                    )
                )
                continue
            substance, form = resolved
            counted = True
            if part.form and form is None:
                suggestions = kb.suggestions("form", part.form, substance_id=substance.id)
                excluded = part.basis == "compound"
                ctx.findings.append(
                    _unrecognized(
                        "form",
                        part.form,
                        suggestions,
                        entries=(index,),
                        substances=(substance.id,),
                        extra=(
                            f" The {part.amount} is a compound weight, so it could not be converted and is "
                            "NOT counted in the totals."
                            if excluded
                            else f" The amount was taken as elemental {in_sentence(substance.name)}, as on a label."
                        ),
                    )
                )
                counted = not excluded
            spec = parse_unit(part.amount.unit)
            factor = kb.unit_factor(substance, form, spec, for_upper_limit=False) if counted else 0.0
            ul_factor = kb.unit_factor(substance, form, spec, for_upper_limit=True) if counted else 0.0
            if part.basis == "compound" and form is not None and form.elemental_fraction is not None:
                factor *= form.elemental_fraction
                ul_factor *= form.elemental_fraction
            amount = part.amount.value * factor
            counts = form is None or form.counts_toward_upper_limit
            ctx.add_dose(
                Dose(
                    entry=index,
                    entry_name=entry.product or substance.id,
                    substance=substance,
                    form=form,
                    amount=amount,
                    ul_amount=part.amount.value * ul_factor if counts else 0.0,
                    per_day=entry.daily_frequency,
                    times=times,
                    with_food=entry.with_food,
                    counted=counted,
                )
            )
    for use in profile.medications:
        match = kb.medication(use.name)
        if match is None:
            ctx.findings.append(_unrecognized("medication", use.name, kb.suggestions("medication", use.name)))
            continue
        record = kb.medication_classes[match.id] if match.is_class else kb.medications[match.id]
        ctx.medications.append(
            MedicationTaken(
                name=use.name,
                id=match.id,
                display=record.name,
                classes=match.classes,
                times=None if use.times is None else tuple(_clock.resolve(t, slots) for t in use.times),
            )
        )
    for name in profile.conditions:
        condition = kb.condition(name)
        if condition is None:
            ctx.findings.append(_unrecognized("condition", name, kb.suggestions("condition", name)))
            continue
        for implied in kb.condition_closure(condition):
            ctx.conditions.setdefault(implied, condition)
    return ctx


def _input_finding(code: str, severity: Severity, message: str, recommendation: str, **fields: object) -> Finding:
    return Finding.model_validate(
        {
            "code": code,
            "severity": severity,
            "evidence": None,
            "rule_id": code,
            "message": message,
            "recommendation": recommendation,
            **fields,
        }
    )


def _unrecognized(
    kind: str,
    name: str,
    suggestions: list[str],
    *,
    entries: tuple[int, ...] = (),
    substances: tuple[str, ...] = (),
    extra: str = "",
) -> Finding:
    hint = f" Did you mean {', '.join(repr(s) for s in suggestions)}?" if suggestions else ""
    return _input_finding(
        f"input.unrecognized_{kind}",
        Severity.MINOR,
        f"{kind.capitalize()} {name!r} is not in the knowledge base, so nothing about it was checked.{hint}{extra}",
        f"Check the spelling, or review {name!r} by hand: this report cannot be called clean.",
        entries=entries,
        substances=substances,
        suggestions=tuple(suggestions),
    )


def rule_finding(
    ctx: Context,
    rule: Rule,
    *,
    code: str | None = None,
    severity: Severity | None = None,
    message: str,
    substances: Iterable[str],
    medications: Iterable[str] = (),
    conditions: Iterable[str] = (),
    entries: Iterable[int] = (),
    recommendation: str | None = None,
    hours_required: float | None = None,
    hours_scheduled: float | None = None,
) -> Finding:
    """A finding raised by a knowledge-base rule, with its evidence and sources."""
    # Internal values of known types: construct without re-validating.
    return Finding.model_construct(
        code=code or rule.family.value,
        severity=severity or rule.severity,
        evidence=Evidence(rule.evidence),
        substances=tuple(sorted(set(substances))),
        medications=tuple(sorted(set(medications))),
        conditions=tuple(sorted(set(conditions))),
        entries=tuple(sorted(set(entries))),
        rule_id=rule.id,
        message=message,
        recommendation=recommendation or rule.recommendation,
        mechanism=rule.mechanism,
        references=ctx.references(rule.references),
        hours_required=hours_required,
        hours_scheduled=hours_scheduled,
        suggestions=(),
    )
