"""A report as FHIR R4 DetectedIssues, and a regimen as a FHIR R4 bundle.

:func:`detected_issues` writes one DetectedIssue per finding, in a Bundle of
type ``collection``; :func:`regimen_to_fhir` writes a regimen as the
resources :func:`~suppcheck.fhir.regimen_from_fhir` reads back (the round
trip the tests hold). Both build plain JSON; ``fhir.resources`` is imported
only for ``as_models=True``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from .. import _clock
from .._kb.base import KnowledgeBase
from .._kb.loader import default_knowledge
from .._names import medication_core
from .._regimen import Ingredient, RegimenEntry, RegimenFile
from .._report import Finding, Report
from .._sourced import SourcedRegimen
from .._units import parse_unit
from . import terms

__all__ = ["SUPPCHECK_CODES", "SUPPCHECK_RULES", "detected_issues", "regimen_to_fhir"]

SUPPCHECK_CODES = "urn:suppcheck:finding-code"
"""The code system of suppcheck's finding codes (``dose.above_upper_limit``) in ``DetectedIssue.code``."""
SUPPCHECK_RULES = "urn:suppcheck:rule-id"
"""The identifier system of a finding's rule id (``ul.magnesium``) in ``DetectedIssue.identifier``."""

# Finding severity to DetectedIssue.severity (http://hl7.org/fhir/detectedissue-severity).
SEVERITY = {"contraindicated": "high", "major": "high", "moderate": "moderate", "minor": "low", "info": "low"}
# Finding code (or family) to the v3 ActCode detected-issue code that names the same kind of issue.
_ACT = {
    "DRG": "Drug Interaction Alert",
    "NHP": "Natural Health Product Alert",
    "DUPTHPY": "Duplicate Therapy Alert",
    "FOOD": "Food Interaction Alert",
    "COND": "Condition Alert",
    "PREG": "Pregnancy Alert",
    "LACT": "Lactation Alert",
    "AGE": "Age Alert",
    "DOSE": "Dosage problem",
}
_NAMESPACE = uuid.UUID("6f1b2c1e-5d8a-4c1e-9a57-2f3e0c4d9b11")  # fixed: the same report gives the same ids


def act_code(finding: Finding, regimen: RegimenFile | None) -> str | None:
    """The ActCode for a finding, or None where none fits (input findings, timing and absorption advice)."""
    code = finding.code
    if code.startswith("dose.") or code == "food.total":
        return "DOSE"
    if code in ("food.interaction", "food.separation", "food.depletion"):
        return "FOOD"
    if code == "food.condition":
        return "COND"
    if code in ("interaction.medication", "depletion.medication"):
        return "DRG"
    if code == "interaction.supplement":
        return "NHP"
    if code == "timing.separation":
        return "DRG" if finding.medications else "NHP"
    if code == "duplicate.substance":
        return "DUPTHPY"
    if code == "contraindication.condition":
        return "COND"
    if code == "contraindication.life_stage" and regimen is not None:
        profile = regimen.profile
        return "PREG" if profile.pregnant else "LACT" if profile.lactating else "AGE"
    return None


def detected_issues(
    report: Report,
    *,
    regimen: RegimenFile | None = None,
    patient: str | None = None,
    as_of: dt.date | None = None,
    knowledge: KnowledgeBase | None = None,
    as_models: bool = False,
) -> Any:
    """A FHIR R4 Bundle (type ``collection``) holding one DetectedIssue per finding of ``report``.

    ``regimen``: the regimen checked; when it was read from FHIR, each
    DetectedIssue's ``implicated`` references the resources its finding came
    from, and ``patient`` the Patient. ``patient`` overrides that reference
    (``Patient/123``). ``as_of`` is ``identifiedDateTime`` (default: today).
    Returns JSON (a dict), or with ``as_models`` an ``fhir.resources`` R4B
    Bundle (needs ``suppcheck[fhir]``).
    """
    kb = knowledge if knowledge is not None else default_knowledge()
    when = (as_of or dt.date.today()).isoformat()
    sources = regimen.sources if isinstance(regimen, SourcedRegimen) else {}
    subject = patient or next(iter(sources.get("patient", ())), None)
    med_keys = _medication_sources(regimen, sources, kb)
    entries: list[dict[str, Any]] = []
    for index, finding in enumerate(report.findings):
        issue: dict[str, Any] = {
            "resourceType": "DetectedIssue",
            "id": _uuid(report, index, finding)[len("urn:uuid:") :],
            "identifier": [{"system": SUPPCHECK_RULES, "value": finding.rule_id}],
            "status": "final",
            "code": _code(finding, regimen),
            "severity": SEVERITY[finding.severity.value],
        }
        if subject is not None:
            issue["patient"] = {"reference": subject}
        issue["identifiedDateTime"] = when
        implicated = _implicated(finding, sources, med_keys)
        if implicated:
            issue["implicated"] = [{"reference": ref} for ref in implicated]
        issue["detail"] = finding.message
        if finding.references:
            issue["reference"] = finding.references[0].url
        if finding.recommendation:
            issue["mitigation"] = [{"action": {"text": finding.recommendation}}]
        entries.append({"fullUrl": _uuid(report, index, finding), "resource": issue})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection", "entry": entries}
    if as_models:
        from fhir.resources.R4B.bundle import Bundle

        return Bundle.model_validate(bundle)
    return bundle


def _uuid(report: Report, index: int, finding: Finding) -> str:
    key = f"{report.id}|{index}|{finding.code}|{finding.rule_id}|{finding.message}"
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def _code(finding: Finding, regimen: RegimenFile | None) -> dict[str, Any]:
    codings: list[dict[str, Any]] = [{"system": SUPPCHECK_CODES, "code": finding.code}]
    act = act_code(finding, regimen)
    if act is not None:
        codings.append({"system": terms.ACT_CODE, "code": act, "display": _ACT[act]})
    return {"coding": codings, "text": finding.code}


def _medication_sources(
    regimen: RegimenFile | None, sources: Mapping[str, tuple[str, ...]], kb: KnowledgeBase
) -> dict[str, tuple[str, ...]]:
    """Medication id -> the resources naming it, from the profile's names."""
    out: dict[str, tuple[str, ...]] = {}
    if regimen is None:
        return out
    for use in regimen.profile.medications:
        refs = sources.get(f"medication:{use.name}", ())
        match = kb.medication(use.name)
        if match is None:
            core = medication_core(use.name)
            match = kb.medication(core) if core is not None else None
        if match is not None and refs:
            out[match.id] = out.get(match.id, ()) + tuple(r for r in refs if r not in out.get(match.id, ()))
    return out


def _implicated(
    finding: Finding, sources: Mapping[str, tuple[str, ...]], med_keys: Mapping[str, tuple[str, ...]]
) -> list[str]:
    refs: list[str] = []

    def add(items: tuple[str, ...]) -> None:
        refs.extend(r for r in items if r not in refs)

    for entry in finding.entries:
        add(sources.get(f"entry:{entry}", ()))
    for medication in finding.medications:
        add(med_keys.get(medication, ()))
    for condition in finding.conditions:
        add(sources.get(f"condition:{condition}", ()))
    if finding.code == "contraindication.life_stage":
        add(sources.get("stage:pregnant", ()) + sources.get("stage:lactating", ()))
    return refs


# -- a regimen as FHIR ------------------------------------------------------------------


def regimen_to_fhir(
    regimen: RegimenFile, *, as_of: dt.date | None = None, knowledge: KnowledgeBase | None = None
) -> dict[str, Any]:
    """A regimen as a FHIR R4 Bundle (type ``collection``) that :func:`regimen_from_fhir` reads back.

    Patient (``birthDate`` from the age at ``as_of``), a Condition per
    condition, a pregnancy-status Observation, a MedicationStatement per
    medication and per entry (a product as a contained Medication with
    ingredient strengths), an Observation per eGFR and potassium result. An
    elemental amount of a salt form is written as the salt's weight, as a
    label's RxNorm name gives it. Ferritin and the ``day`` have no place in
    these resources and are not written.
    """
    kb = knowledge if knowledge is not None else default_knowledge()
    when = as_of or dt.date.today()
    profile = regimen.profile
    patient_id = regimen.id or "patient"
    resources: list[dict[str, Any]] = []
    patient: dict[str, Any] = {"resourceType": "Patient", "id": patient_id}
    if profile.sex is not None:
        patient["gender"] = profile.sex
    if profile.age is not None:
        patient["birthDate"] = _birth_date(profile.age, when).isoformat()
    resources.append(patient)
    subject = {"reference": f"Patient/{patient_id}"}
    for i, name in enumerate(profile.conditions):
        resources.append(_condition(f"c{i}", name, subject))
    if profile.lactating and not any(n for n, flag in profile.life_stage_conditions() if flag == "lactating"):
        resources.append(_condition("lactation", "lactation", subject))
    if profile.pregnant and not any(n for n, flag in profile.life_stage_conditions() if flag == "pregnant"):
        resources.append(
            {
                "resourceType": "Observation",
                "id": "pregnancy",
                "status": "final",
                "code": {"coding": [{"system": terms.LOINC, "code": terms.PREGNANCY_STATUS}]},
                "subject": subject,
                "effectiveDateTime": when.isoformat(),
                "valueCodeableConcept": {"text": "Pregnant"},
            }
        )
    for lab, value in profile.labs.given().items():
        code = terms.LAB_CODE.get(lab)
        if code is None:
            continue  # ferritin: no LOINC code read for it yet
        resources.append(
            {
                "resourceType": "Observation",
                "id": lab,
                "status": "final",
                "code": {"coding": [{"system": terms.LOINC, "code": code}]},
                "subject": subject,
                "effectiveDateTime": when.isoformat(),
                "valueQuantity": {
                    "value": value,
                    "unit": terms.LAB_UNIT[lab],
                    "system": terms.UCUM,
                    "code": terms.LAB_UNIT[lab],
                },
            }
        )
    slots = profile.day.slots()
    custom_day = slots != _clock.DEFAULT_DAY
    for i, use in enumerate(profile.medications):
        statement: dict[str, Any] = {
            "resourceType": "MedicationStatement",
            "id": f"m{i}",
            "status": "active",
            "medicationCodeableConcept": _concept(use.name, use.code),
            "subject": subject,
        }
        if use.times is not None:
            statement["dosage"] = [{"timing": _timing(len(use.times), None, use.times, None, slots, custom_day)}]
        resources.append(statement)
    for i, entry in enumerate(regimen.regimen):
        resources.append(_entry_statement(f"e{i}", entry, subject, slots, custom_day, kb))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"urn:suppcheck:{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }


def _concept(name: str, code: str | None) -> dict[str, Any]:
    """A CodeableConcept: the code as a coding, the name as text (a name that is only the code is not repeated)."""
    from .._codes import parse_code

    coded = parse_code(code) if code else parse_code(name)
    if coded is None:
        return {"text": name}
    concept: dict[str, Any] = {"coding": [{"system": coded[0], "code": coded[1]}]}
    if parse_code(name) is None:
        concept["text"] = name
    return concept


def _condition(ident: str, name: str, subject: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": ident,
        "clinicalStatus": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/condition-clinical", "code": "active"}]
        },
        "code": _concept(name, None),
        "subject": subject,
    }


def _birth_date(age: float, as_of: dt.date) -> dt.date:
    if age >= 1:
        years = int(age)
        try:
            return as_of.replace(year=as_of.year - years)
        except ValueError:  # 29 February
            return as_of.replace(year=as_of.year - years, day=28)
    months = round(age * 12)
    year, month = as_of.year, as_of.month - months
    while month < 1:
        year, month = year - 1, month + 12
    return dt.date(year, month, min(as_of.day, 28))


def _entry_statement(
    ident: str,
    entry: RegimenEntry,
    subject: dict[str, Any],
    slots: dict[str, str],
    custom_day: bool,
    kb: KnowledgeBase,
) -> dict[str, Any]:
    per_day = entry.per_day or 1
    count = 1  # one unit of the contained Medication per dose
    timing = _timing(
        per_day if entry.per_week is None else entry.per_week,
        entry.per_week,
        entry.times,
        entry.with_food,
        slots,
        custom_day,
    )
    statement: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": ident,
        "status": "active",
        "subject": subject,
    }
    dosage: dict[str, Any] = {"timing": timing}
    if entry.with_food is not None:
        dosage["additionalInstruction"] = [{"text": "with food" if entry.with_food else "without food"}]
    if entry.ingredients is None:
        part = entry.parts()[0]
        name, value, unit = _ingredient(part, kb)
        statement["medicationCodeableConcept"] = _concept(name, part.code)
        dosage["doseAndRate"] = [{"doseQuantity": _quantity(value, unit)}]
    else:
        ingredients = []
        for part in entry.ingredients:
            name, value, unit = _ingredient(part, kb)
            ingredients.append(
                {
                    "itemCodeableConcept": _concept(name, part.code),
                    "strength": {
                        "numerator": _quantity(value, unit),
                        "denominator": {"value": 1, "unit": "tablet", "system": terms.UCUM, "code": "{tablet}"},
                    },
                }
            )
        statement["contained"] = [
            {"resourceType": "Medication", "id": "med", "code": {"text": entry.product}, "ingredient": ingredients}
        ]
        statement["medicationReference"] = {"reference": "#med"}
        dosage["doseAndRate"] = [
            {"doseQuantity": {"value": count, "unit": "tablet", "system": terms.UCUM, "code": "{tablet}"}}
        ]
    statement["dosage"] = [dosage]
    return statement


def _ingredient(part: Ingredient, kb: KnowledgeBase) -> tuple[str, float, str]:
    """The name a reader resolves to the same substance and form, and the amount that name weighs."""
    resolved = kb.resolve(part.substance, part.form)
    value, unit = part.amount.value, part.amount.unit
    if resolved is None:
        return part.substance, value, unit
    substance, form = resolved
    if form is None:
        # A form the knowledge base does not know is written after its substance, to be reported again.
        return (f"{substance.name} {part.form}" if part.form else part.substance), value, unit
    name = form.name if kb.resolve(form.name) == (substance, form) else f"{substance.name} {form.name}"
    if part.basis == "elemental" and form.elemental_fraction is not None:
        spec = parse_unit(unit)
        if spec.is_mass:
            # The reader weighs a salt's name as the salt: write the salt's weight.
            return name, value * spec.mg_per_unit / form.elemental_fraction, "mg"
    return name, value, unit


_UCUM = {"mg": "mg", "mcg": "ug", "g": "g", "IU": "[iU]", "mcg RAE": "ug{RAE}", "mcg DFE": "ug{DFE}"}


def _quantity(value: float, unit: str) -> dict[str, Any]:
    spec = parse_unit(unit)
    if spec.is_mass:
        return {"value": value * spec.mg_per_unit, "unit": "mg", "system": terms.UCUM, "code": "mg"}
    code = _UCUM.get(spec.dimension, spec.dimension)
    return {"value": value * spec.mg_per_unit, "unit": code, "system": terms.UCUM, "code": code}


def _timing(
    frequency: int,
    per_week: int | None,
    times: tuple[str, ...] | None,
    with_food: bool | None,
    slots: dict[str, str],
    custom_day: bool,
) -> dict[str, Any]:
    repeat: dict[str, Any] = {"frequency": frequency, "period": 1, "periodUnit": "wk" if per_week else "d"}
    if times is not None:
        named = [_clock.slot_name(t) for t in times]
        if all(n is not None for n in named) and not custom_day:
            repeat["when"] = [_when(n, with_food) for n in named if n is not None]
        else:
            repeat["timeOfDay"] = [_clock.format_minutes(_clock.resolve(t, slots)) + ":00" for t in times]
    return {"repeat": repeat}


def _when(slot: str, with_food: bool | None) -> str:
    if with_food is False and slot in terms.SLOT_WHEN_FASTING:
        return terms.SLOT_WHEN_FASTING[slot]
    if with_food is None and slot in terms.MEAL_ORDER:
        return {"breakfast": "MORN", "lunch": "NOON", "dinner": "EVE"}[slot]
    return terms.SLOT_WHEN[slot]
