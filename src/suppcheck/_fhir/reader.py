"""FHIR R4 resources to a regimen: :func:`regimen_from_fhir`.

The reader walks plain JSON (dicts and lists), checking the type of every
field it reads, so a malformed field becomes a finding naming its FHIR path
rather than a failure of the whole bundle. What it cannot map, or leaves out
on purpose, becomes an ``input.fhir_*`` note the check adds to the report
(see :mod:`suppcheck._sourced`). Each rule is documented, with an example,
in ``docs/fhir.md``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from .._engine.findings import input_finding
from .._errors import InputError
from .._kb.base import KnowledgeBase
from .._kb.loader import default_knowledge
from .._kb.models import Form, Substance
from .._names import name_key
from .._regimen import LIFE_STAGE_CONDITIONS
from .._report import Finding
from .._severity import Severity
from .._sourced import SourcedRegimen
from . import is_fhir, terms
from .terms import Component

__all__ = ["is_fhir", "regimen_from_fhir"]

# Resource types whose content can change a check; every other type is counted in one note.
READ_TYPES = frozenset(
    {
        "Patient",
        "Condition",
        "Observation",
        "MedicationStatement",
        "MedicationRequest",
        "Medication",
        "NutritionOrder",
        "Bundle",
    }
)
_NAME_MAX = 200


class _Found(NamedTuple):
    path: str
    resource: Mapping[str, Any]
    full_url: str | None


class _Identity(NamedTuple):
    """What a medication concept names: its components, the product's name, and its source text."""

    components: tuple[tuple[Component, Any], ...]  # each with its resolution: (Substance, Form|None), a name, None
    product: str
    strengths: dict[int, tuple[float, str]]  # component index -> strength per unit, in regimen units


def regimen_from_fhir(
    resource: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    as_of: dt.date | None = None,
    knowledge: KnowledgeBase | None = None,
) -> SourcedRegimen:
    """Read a FHIR R4 Bundle (any type), a resource, or a list of resources as a regimen.

    ``as_of`` is the date that turns ``Patient.birthDate`` into an age and
    ends dosage bounds (default: today). What cannot be mapped becomes an
    ``input.fhir_unmapped`` note naming its FHIR path, and the report of the
    check is then incomplete; what is left out on purpose (a stopped
    statement, a resolved condition) is listed in ``input.fhir_left_out``
    notes. Raises :class:`~suppcheck.InputError` when the input is not FHIR,
    holds two patients, or holds no supplement being taken.

    >>> bundle = {"resourceType": "Bundle", "type": "collection", "entry": [
    ...     {"resource": {"resourceType": "MedicationStatement", "status": "active",
    ...                   "medicationCodeableConcept": {"text": "magnesium oxide 400 MG Oral Tablet"},
    ...                   "dosage": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
    ...                               "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet",
    ...                                   "system": "http://unitsofmeasure.org", "code": "{tablet}"}}]}]}}]}
    >>> entry = regimen_from_fhir(bundle, as_of=dt.date(2026, 1, 1)).regimen[0]
    >>> entry.form, str(entry.amount), entry.basis
    ('Magnesium oxide', '400 mg', 'compound')
    """
    kb = knowledge if knowledge is not None else default_knowledge()
    reader = _Reader(kb, as_of or dt.date.today())
    return reader.read(resource)


class _Reader:
    def __init__(self, kb: KnowledgeBase, as_of: dt.date) -> None:
        self.kb = kb
        self.as_of = as_of
        self.notes: list[Finding] = []
        self.sources: dict[str, list[str]] = {}
        self.entries: list[dict[str, Any]] = []
        self.medications: list[dict[str, Any]] = []
        self.conditions: list[str] = []
        self.profile: dict[str, Any] = {}
        self.found: list[_Found] = []
        self.by_reference: dict[str, _Found] = {}
        self.patient_id: str | None = None
        self.labs: dict[str, tuple[float, str, _Found]] = {}  # lab -> value, effectiveDateTime, resource

    # -- notes ----------------------------------------------------------------

    def unmapped(self, path: str, message: str, recommendation: str, entries: tuple[int, ...] = ()) -> None:
        self.notes.append(
            input_finding(
                code="input.fhir_unmapped",
                severity=Severity.MINOR,
                message=f"{path}: {message}",
                recommendation=recommendation,
                entries=entries,
            )
        )

    def left_out(self, path: str, what: str, why: str) -> None:
        self.notes.append(
            input_finding(
                code="input.fhir_left_out",
                severity=Severity.INFO,
                message=f"{path}: {what} was left out: {why}.",
                recommendation="Nothing to do if that is right; otherwise correct the record's status and check again.",
            )
        )

    def assumed(self, path: str, message: str, recommendation: str, code: str = "input.fhir_assumed") -> None:
        self.notes.append(
            input_finding(
                code=code, severity=Severity.INFO, message=f"{path}: {message}", recommendation=recommendation
            )
        )

    # -- collecting -------------------------------------------------------------

    def read(self, resource: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> SourcedRegimen:
        if not is_fhir(resource):
            raise InputError("not FHIR JSON: give a Bundle, a resource or a list of resources with 'resourceType'")
        if isinstance(resource, Mapping):
            self._collect(resource, str(resource["resourceType"]), None)
        else:
            for i, item in enumerate(resource):
                self._collect(item, f"[{i}]", None)
        not_read: Counter[str] = Counter()
        for found in self.found:
            kind = found.resource.get("resourceType")
            if kind not in READ_TYPES:
                not_read[str(kind)] += 1
        patients = [f for f in self.found if f.resource.get("resourceType") == "Patient"]
        self._patients(patients)
        for found in self.found:
            kind = found.resource.get("resourceType")
            if kind == "Condition":
                self._condition(found)
            elif kind == "Observation":
                self._observation(found, not_read)
            elif kind in ("MedicationStatement", "MedicationRequest"):
                self._medication_use(found)
            elif kind == "NutritionOrder":
                self._nutrition_order(found, not_read)
        if not_read:
            listed = ", ".join(f"{kind} ({count})" for kind, count in sorted(not_read.items()))
            self.assumed(
                "Bundle" if isinstance(resource, Mapping) else "[...]",
                f"resources that do not bear on supplement safety were not read: {listed}.",
                "Nothing to do: only Patient, Condition, pregnancy status, MedicationStatement, MedicationRequest, "
                "Medication and a NutritionOrder's supplements change this check.",
                code="input.fhir_not_read",
            )
        return self._build()

    def _collect(self, resource: Mapping[str, Any], path: str, full_url: str | None) -> None:
        found = _Found(path, resource, full_url)
        if resource.get("resourceType") == "Bundle":
            entries = resource.get("entry", [])
            if not isinstance(entries, list):
                self.unmapped(f"{path}.entry", "is not a list, so no entry was read.", "Send entry as a list.")
                return
            for i, entry in enumerate(entries):
                where = f"{path}.entry[{i}]"
                inner = entry.get("resource") if isinstance(entry, Mapping) else None
                if not isinstance(inner, Mapping) or not isinstance(inner.get("resourceType"), str):
                    self.unmapped(where, "has no resource with a resourceType, so it was not read.", _REVIEW)
                    continue
                url = entry.get("fullUrl")
                self._collect(inner, f"{where}.resource", url if isinstance(url, str) else None)
            return
        self.found.append(found)
        kind = resource.get("resourceType")
        ident = resource.get("id")
        if isinstance(ident, str):
            self.by_reference.setdefault(f"{kind}/{ident}", found)
        if full_url:
            self.by_reference.setdefault(full_url, found)
            # A full URL ends in the relative reference: https://server/fhir/Medication/1.
            tail = "/".join(full_url.rstrip("/").split("/")[-2:])
            self.by_reference.setdefault(tail, found)

    @staticmethod
    def reference_of(found: _Found) -> str | None:
        ident = found.resource.get("id")
        if isinstance(ident, str) and ident:
            return f"{found.resource.get('resourceType')}/{ident}"
        return found.full_url

    def source(self, key: str, found: _Found) -> None:
        ref = self.reference_of(found)
        if ref is not None and ref not in self.sources.setdefault(key, []):
            self.sources[key].append(ref)

    # -- Patient ------------------------------------------------------------------

    def _patients(self, patients: list[_Found]) -> None:
        ids = {str(p.resource.get("id")) for p in patients}
        if len(patients) > 1 and len(ids) > 1:
            raise InputError(
                f"the input holds {len(patients)} different Patient resources ({', '.join(p.path for p in patients)}): "
                "a regimen belongs to one person"
            )
        if not patients:
            return
        patient = patients[0]
        self.source("patient", patient)
        ident = patient.resource.get("id")
        if isinstance(ident, str) and ident:
            self.patient_id = ident[:200]
        gender = patient.resource.get("gender")
        if gender in ("female", "male"):
            self.profile["sex"] = gender
        elif gender is not None:
            self.assumed(
                f"{patient.path}.gender",
                f"gender {gender!r} sets no sex-specific limits; the limits that do not depend on sex were used.",
                "Nothing to do, unless sex-specific limits (iron, zinc, vitamin C) apply to this person.",
            )
        birth = patient.resource.get("birthDate")
        if birth is None:
            return
        age = _age(birth, self.as_of)
        if age is None:
            self.unmapped(
                f"{patient.path}.birthDate",
                f"{birth!r} is not a FHIR date (YYYY, YYYY-MM or YYYY-MM-DD) on or before {self.as_of}, so no age "
                "was set and adult limits were used.",
                "Correct the birth date, or give the age by hand.",
            )
            return
        self.profile["age"] = age
        if isinstance(birth, str) and len(birth) < 10:
            self.assumed(
                f"{patient.path}.birthDate",
                f"{birth!r} gives no day, so the age was taken as the youngest the date allows ({age:g}).",
                "Give the full birth date if an age limit is near.",
            )

    # -- Condition ------------------------------------------------------------------

    def _condition(self, found: _Found) -> None:
        res = found.resource
        clinical = _code_of(res.get("clinicalStatus"))
        verification = _code_of(res.get("verificationStatus"))
        label = _concept_text(res.get("code")) or "a condition"
        if clinical in terms.CONDITION_LEFT_OUT:
            self.left_out(found.path, f"condition {label!r}", f"its clinical status is {clinical!r}")
            return
        if verification in terms.VERIFICATION_LEFT_OUT:
            self.left_out(found.path, f"condition {label!r}", f"its verification status is {verification!r}")
            return
        for what, value, known in (
            ("clinicalStatus", clinical, terms.CONDITION_COUNTED),
            ("verificationStatus", verification, terms.VERIFICATION_COUNTED),
        ):
            if value is not None and value not in known:
                self.unmapped(
                    f"{found.path}.{what}",
                    f"{value!r} is not a FHIR R4 {what} code; the condition was counted.",
                    "Correct the status code.",
                )
        flag: str | None = self._stage_of_codes(res.get("code"))
        name = None
        if flag is None:
            name = self.condition_name(res.get("code"), f"{found.path}.code")
            if name is None:
                return
            flag = LIFE_STAGE_CONDITIONS.get(name_key(name))
        if flag is not None:
            self.profile[flag] = True
            self.source(f"stage:{flag}", found)
            return
        assert name is not None
        if name not in self.conditions:
            self.conditions.append(name)
        self.source(f"condition:{name}", found)

    def condition_name(self, concept: object, path: str) -> str | None:
        if not isinstance(concept, Mapping):
            self.unmapped(path, "is missing, so the condition is unknown and was not checked.", _REVIEW)
            return None
        for coding in _codings(concept):
            ident = self.kb_condition_by_code(coding)
            if ident is not None:
                return self.kb.conditions[ident].name
        texts = _texts(concept)
        for text in texts:
            ident = self.kb.condition(terms.plain_name(text))
            if ident is not None:
                return self.kb.conditions[ident].name
            if name_key(terms.plain_name(text)) in LIFE_STAGE_CONDITIONS:
                return terms.plain_name(text)
        if texts:
            return terms.plain_name(texts[0])[:_NAME_MAX]  # the check reports it as unrecognized
        self.unmapped(path, "has neither a known code nor a text, so the condition was not checked.", _REVIEW)
        return None

    def kb_condition_by_code(self, coding: Mapping[str, Any]) -> str | None:
        system, code = coding.get("system"), coding.get("code")
        if isinstance(system, str) and isinstance(code, str):
            return self.kb.condition_by_code(system, code)
        return None

    def _stage_of_codes(self, concept: object) -> str | None:
        for coding in _codings(concept):
            system, code = coding.get("system"), coding.get("code")
            if isinstance(system, str) and isinstance(code, str):
                stage = self.kb.life_stage_by_code(system, code)
                if stage is not None:
                    return stage
        return None

    # -- Observation: pregnancy status ----------------------------------------------

    def _observation(self, found: _Found, not_read: Counter[str]) -> None:
        res = found.resource
        codes = {(_text(c.get("system")), _text(c.get("code"))) for c in _codings(res.get("code"))}
        lab = next((terms.LABS[code] for system, code in codes if system == terms.LOINC and code in terms.LABS), None)
        if lab is not None:
            self._lab(found, lab[0], lab[1])
            return
        if (terms.LOINC, terms.PREGNANCY_STATUS) not in codes:
            not_read["Observation other than pregnancy status and the labs read"] += 1
            return
        status = _text(res.get("status"))
        if status in terms.OBSERVATION_LEFT_OUT:
            self.left_out(found.path, "a pregnancy status", f"its status is {status!r}")
            return
        if status not in terms.OBSERVATION_COUNTED:
            self.unmapped(
                f"{found.path}.status",
                f"{status!r} is not a FHIR R4 Observation status; the pregnancy status was read.",
                "Correct the status code.",
            )
        when = _date_of(res.get("effectiveDateTime"))
        if when is not None and (self.as_of - when).days > 294:
            self.left_out(
                found.path,
                f"a pregnancy status of {when}",
                f"it is more than 42 weeks before {self.as_of}, so a pregnancy then has ended",
            )
            return
        value = res.get("valueCodeableConcept")
        texts = [name_key(terms.plain_name(t)) for t in _texts(value)] if isinstance(value, Mapping) else []
        if any(t == name_key("not pregnant") for t in texts):
            return
        if any(t in (name_key("pregnant"), name_key("pregnancy")) for t in texts):
            self.profile["pregnant"] = True
            self.source("stage:pregnant", found)
            return
        self.unmapped(
            f"{found.path}.valueCodeableConcept",
            "names no pregnancy status this check reads ('Pregnant' or 'Not pregnant'), so pregnancy was not "
            "assumed and its limits were not applied.",
            "Confirm whether the person is pregnant, and check again with the status given.",
        )

    def _lab(self, found: _Found, lab: str, units: frozenset[str]) -> None:
        """The latest eGFR or potassium result (by effectiveDateTime), as the rules read ``profile.labs``."""
        res = found.resource
        what = _LAB_NAMES[lab]
        status = _text(res.get("status"))
        if status in terms.OBSERVATION_LEFT_OUT:
            self.left_out(found.path, f"{_article(what)} {what} result", f"its status is {status!r}")
            return
        quantity = res.get("valueQuantity")
        value = quantity.get("value") if isinstance(quantity, Mapping) else None
        unit = (quantity.get("code") or quantity.get("unit")) if isinstance(quantity, Mapping) else None
        if not isinstance(unit, str) or unit not in units:
            self.unmapped(
                f"{found.path}.valueQuantity.code",
                f"the unit {unit!r} is not one this check reads for {what} ({', '.join(sorted(units))}), so the "
                "result was not used.",
                "Give the result in the unit shown.",
            )
            return
        value = _number(value)
        if value is None or not 0 < value <= terms.LAB_MAX[lab]:
            self.unmapped(
                f"{found.path}.valueQuantity.value",
                f"{value!r} is not a {what} result this check reads (a positive number up to {terms.LAB_MAX[lab]:g}), "
                "so it was not used.",
                "Correct the result, or give it in profile.labs.",
            )
            return
        effective = res.get("effectiveDateTime")
        when: str = effective if isinstance(effective, str) else ""
        earlier = self.labs.get(lab)
        if earlier is not None and earlier[1] > when:
            self.left_out(
                found.path, f"{_article(what)} {what} result of {when[:10] or 'no date'}", "a later result was read"
            )
            return
        if earlier is not None:
            self.left_out(
                earlier[2].path,
                f"{_article(what)} {what} result of {earlier[1][:10] or 'no date'}",
                "a later result was read",
            )
        self.labs[lab] = (float(value), when, found)

    # -- MedicationStatement and MedicationRequest ------------------------------------

    def _medication_use(self, found: _Found) -> None:
        res = found.resource
        kind = res.get("resourceType")
        statement = kind == "MedicationStatement"
        status = _text(res.get("status"))
        counted, left = (
            (terms.STATEMENT_COUNTED, terms.STATEMENT_LEFT_OUT)
            if statement
            else (terms.REQUEST_COUNTED, terms.REQUEST_LEFT_OUT)
        )
        identity, med_path = self._medication_of(found)
        label = identity.product if identity is not None else "a medication"
        if status in left:
            self.left_out(found.path, f"{kind} {label!r}", f"its status is {status!r}")
            return
        if status not in counted:
            self.unmapped(
                f"{found.path}.status",
                f"{status!r} is not a FHIR R4 {kind} status; it was counted as being taken.",
                "Correct the status code.",
            )
        if res.get("doNotPerform") is True:
            self.left_out(found.path, f"{kind} {label!r}", "it says not to take it (doNotPerform)")
            return
        ended = _date_of(_get(res, "effectivePeriod", "end"))
        if statement and ended is not None and ended < self.as_of:
            self.left_out(found.path, f"{kind} {label!r}", f"its effectivePeriod ended on {ended}")
            return
        if identity is None:
            return
        key = "dosage" if statement else "dosageInstruction"
        dosages = res.get(key)
        if dosages is None:
            dosages = []
        if not isinstance(dosages, list):
            self.unmapped(f"{found.path}.{key}", "is not a list, so the dose was not read.", _REVIEW)
            dosages = []
        # Each Dosage is one regimen entry: morning 2 tablets and evening 1 are two doses.
        for i, dosage in enumerate(dosages):
            where = f"{found.path}.{key}[{i}]"
            if not isinstance(dosage, Mapping):
                self.unmapped(where, "is not a Dosage, so it was not read.", _REVIEW)
                continue
            ended = _date_of(_get(dosage, "timing", "repeat", "boundsPeriod", "end"))
            if ended is not None and ended < self.as_of:
                self.left_out(where, f"a dose of {label!r}", f"its timing ended on {ended}")
                continue
            self._place(found, identity, dosage, where, med_path)
        if not dosages:
            self._place(found, identity, None, f"{found.path}.{key}", med_path)

    # -- NutritionOrder ---------------------------------------------------------------

    def _nutrition_order(self, found: _Found, not_read: Counter[str]) -> None:
        """A nutrition order's supplements, each an entry: its product (or type), quantity and schedules."""
        res = found.resource
        supplements = res.get("supplement")
        if supplements is None:
            not_read["NutritionOrder (a diet or formula, no supplement)"] += 1
            return
        status = _text(res.get("status"))
        if status in terms.NUTRITION_ORDER_LEFT_OUT:
            listed = supplements if isinstance(supplements, list) else []
            names = [_text(s.get("productName")) for s in listed if isinstance(s, Mapping)]
            label = ", ".join(repr(n) for n in names if n)
            self.left_out(found.path, f"NutritionOrder {label}".rstrip(), f"its status is {status!r}")
            return
        if status not in terms.NUTRITION_ORDER_COUNTED:
            self.unmapped(
                f"{found.path}.status",
                f"{status!r} is not a FHIR R4 NutritionOrder status; it was counted as being taken.",
                "Correct the status code.",
            )
        if not isinstance(supplements, list):
            self.unmapped(f"{found.path}.supplement", "is not a list, so the supplements were not read.", _REVIEW)
            return
        for i, supplement in enumerate(supplements):
            where = f"{found.path}.supplement[{i}]"
            if isinstance(supplement, Mapping):
                self._supplement(found, supplement, where)
            else:
                self.unmapped(where, "is not a supplement, so it was not read.", _REVIEW)

    def _supplement(self, found: _Found, supplement: Mapping[str, Any], where: str) -> None:
        """One supplement of a nutrition order: an entry for each of its schedules."""
        kind = supplement.get("type")
        concept: dict[str, Any] = {"coding": kind.get("coding")} if isinstance(kind, Mapping) else {}
        named = _text(supplement.get("productName")) or (_text(kind.get("text")) if isinstance(kind, Mapping) else None)
        if named:
            concept["text"] = named
        identity = self.identify(concept, where)
        if identity is None:
            return
        # A supplement order names a supplement: a name known as neither is reported as a substance.
        identity = identity._replace(
            components=tuple((c, (None, None) if r is None else r) for c, r in identity.components)
        )
        quantity = supplement.get("quantity")
        schedules = supplement.get("schedule")
        if not isinstance(schedules, list) or not schedules:
            schedules = [None]
        # Each schedule is a dose of the same quantity at its own times: one entry each.
        for j, schedule in enumerate(schedules):
            dosage: dict[str, Any] = {}
            if isinstance(schedule, Mapping):
                dosage["timing"] = schedule
            if quantity is not None:
                dosage["doseAndRate"] = [{"doseQuantity": quantity}]
            self._place(found, identity, dosage, where, where, paths=(f"{where}.schedule[{j}]", f"{where}.quantity"))

    def _medication_of(self, found: _Found) -> tuple[_Identity | None, str]:
        res = found.resource
        concept = res.get("medicationCodeableConcept")
        if isinstance(concept, Mapping):
            return self.identify(concept, f"{found.path}.medicationCodeableConcept"), found.path
        ref = res.get("medicationReference")
        if isinstance(ref, Mapping):
            target = ref.get("reference")
            medication: _Found | None = None
            if isinstance(target, str) and target.startswith("#"):
                contained_list = res.get("contained")
                for i, contained in enumerate(contained_list if isinstance(contained_list, list) else []):
                    if isinstance(contained, Mapping) and contained.get("id") == target[1:]:
                        medication = _Found(f"{found.path}.contained[{i}]", contained, None)
                        break
            elif isinstance(target, str):
                medication = self.by_reference.get(target) or self.by_reference.get(
                    "/".join(target.rstrip("/").split("/")[-2:])
                )
            if medication is not None and medication.resource.get("resourceType") == "Medication":
                return self._identify_medication(medication), medication.path
            display = ref.get("display")
            if isinstance(display, str) and display.strip():
                self.assumed(
                    f"{found.path}.medicationReference",
                    f"the Medication {target!r} is not in the input, so it was identified by its display {display!r}.",
                    "Include the Medication resource for its strength and ingredients.",
                )
                return self.identify({"text": display}, f"{found.path}.medicationReference"), found.path
            self.unmapped(
                f"{found.path}.medicationReference",
                f"the Medication {target!r} is not in the input and has no display, so what is taken is unknown "
                "and was not checked.",
                "Include the Medication resource (contained or in the bundle).",
            )
            return None, found.path
        self.unmapped(
            f"{found.path}.medication[x]",
            "is missing, so what is taken is unknown and was not checked.",
            _REVIEW,
        )
        return None, found.path

    def _identify_medication(self, medication: _Found) -> _Identity | None:
        res = medication.resource
        ingredients = res.get("ingredient")
        code = res.get("code")
        path = medication.path
        if isinstance(ingredients, list) and ingredients:
            components: list[tuple[Component, Any]] = []
            strengths: dict[int, tuple[float, str]] = {}
            for i, item in enumerate(ingredients):
                self._ingredient(item, f"{path}.ingredient[{i}]", components, strengths)
            if not components:
                return None
            name = _concept_text(code) if isinstance(code, Mapping) else None
            product = name or " / ".join(c.name for c, _ in components)
            return _Identity(tuple(components), product[:_NAME_MAX], strengths)
        if isinstance(code, Mapping):
            return self.identify(code, f"{path}.code")
        self.unmapped(path, "has neither a code nor ingredients, so what is taken is unknown.", _REVIEW)
        return None

    def _ingredient(
        self,
        item: Any,
        where: str,
        components: list[tuple[Component, Any]],
        strengths: dict[int, tuple[float, str]],
    ) -> None:
        """One ingredient of a Medication: its components and their strengths, added to the product's."""
        if not isinstance(item, Mapping):
            self.unmapped(where, "is not an ingredient, so it was not read.", _REVIEW)
            return
        if item.get("isActive") is False:
            return  # an excipient
        concept = item.get("itemCodeableConcept")
        if not isinstance(concept, Mapping):
            self.unmapped(
                f"{where}.item[x]",
                "is not a CodeableConcept, so this ingredient was not checked.",
                "Name the ingredient with itemCodeableConcept.",
            )
            return
        single = self.identify(concept, f"{where}.itemCodeableConcept")
        if single is None:
            return
        strength = _ratio(item.get("strength"))
        index = len(components)
        for j, component in enumerate(single.components):
            components.append(component)
            if j in single.strengths:
                strengths[index + j] = single.strengths[j]
        if strength is not None and len(single.components) == 1:
            unit = terms.MASS_UNITS.get(strength[1]) if strength[1] else None
            if unit is None:
                self.unmapped(
                    f"{where}.strength",
                    f"the unit {strength[1]!r} has no mapping to a mass or IU, so this ingredient's amount is unknown.",
                    "Give the strength in mg, ug, g or [iU] per tablet or capsule.",
                )
            else:
                strengths[index] = (strength[0], unit)
        elif item.get("strength") is not None and strength is None:
            self.unmapped(
                f"{where}.strength",
                "is not a ratio of an amount per tablet, capsule or unit, so this ingredient's amount is unknown.",
                "Give the strength as an amount per one unit (400 mg / 1 {tablet}).",
            )

    def identify(self, concept: Mapping[str, Any], path: str) -> _Identity | None:
        """Codes first, then each text: the whole of it as a name, then as an RxNorm normalized name."""
        for coding in _codings(concept):
            by_code = self.kb_by_code(coding)
            if by_code is not None:
                display = _concept_text(concept) or str(coding.get("code"))
                parsed = terms.parse_rxnorm(display)
                name = parsed[0][0].name if parsed is not None and len(parsed[0]) == 1 else display
                return _Identity(((Component(name, None, None), by_code),), display[:_NAME_MAX], _one_strength(parsed))
        texts = _texts(concept)
        for text in texts:
            found = self._by_text(text)
            if found is not None:
                return found
        if texts:
            return self._unknown(texts[0])
        self.unmapped(path, "has neither a known code nor a text, so what is taken is unknown.", _REVIEW)
        return None

    def _by_text(self, text: str) -> _Identity | None:
        """A text as a known name, or as an RxNorm normalized name whose every ingredient is known."""
        whole = self.classify(text, unknown_forms=False)
        if whole is not None:
            return _Identity(((Component(text, None, None), whole),), text[:_NAME_MAX], {})
        parsed = terms.parse_rxnorm(text)
        if parsed is None:
            return None
        parts, brand = parsed
        resolved = [(part, self.classify(part.name)) for part in parts]
        if brand is not None and len(parts) == 1 and resolved[0][1] is None:
            resolved = [(parts[0], self.classify(brand))]
        if not all(r is not None for _, r in resolved):
            return None
        strengths = {}
        for i, (part, _) in enumerate(resolved):
            unit = terms.RXNORM_UNITS.get(part.unit or "")
            if part.value is not None and unit is not None:
                strengths[i] = (part.value, unit)
            elif part.value is not None:
                strengths[-1 - i] = (part.value, part.unit or "")  # kept to name the unit unmapped
        return _Identity(tuple(resolved), text[:_NAME_MAX], strengths)

    def _unknown(self, text: str) -> _Identity:
        """A name not known, passed on so that the check reports it as unrecognized.

        As a substance when it is spelt like one ("ashwaganda") and like no medication, else as a medication.
        """
        parsed = terms.parse_rxnorm(text)
        name = parsed[0][0].name if parsed is not None and len(parsed[0]) == 1 else text
        guess = None
        if self.kb.suggestions("substance", name) and not self.kb.suggestions("medication", name):
            guess = (None, None)
        return _Identity(((Component(name, None, None), guess),), text[:_NAME_MAX], _one_strength(parsed))

    def kb_by_code(self, coding: Mapping[str, Any]) -> Any:
        system, code = coding.get("system"), coding.get("code")
        if not isinstance(system, str) or not isinstance(code, str):
            return None
        record = self.kb.by_code(system, code)
        if record is None:
            return None
        if isinstance(record, Substance):
            return (record, None)
        if isinstance(record, Form):
            return (self.kb.substances[record.substance], record)
        name = getattr(record, "name", None)
        return name if isinstance(name, str) and self.kb.medication(name) is not None else None

    def classify(self, name: str, *, unknown_forms: bool = True) -> Any:
        """A supplement's (substance, form), a medication's name, or None when the name is not known.

        The form is a :class:`Form`, None (the substance itself), or the
        text of a form the knowledge base does not know (``magnesium
        bisglycinate chelate``), which the check then reports.
        """
        resolved = self.kb.resolve(name)
        if resolved is not None:
            return resolved
        # "magnesium citrate": a substance's name, then its form's.
        words = name.split()
        unknown_form = None
        for k in range(1, len(words)):
            substance = " ".join(words[:k])
            if self.kb.substance(substance) is None:
                continue
            resolved = self.kb.resolve(substance, name)
            if resolved is None or resolved[1] is None:
                resolved = self.kb.resolve(substance, " ".join(words[k:]))
            if resolved is not None and resolved[1] is not None:
                return resolved
            if resolved is not None and unknown_form is None:
                unknown_form = (resolved[0], " ".join(words[k:]))
        if self.kb.medication(name) is not None:
            return name
        return unknown_form if unknown_forms else None

    # -- one dose -----------------------------------------------------------------

    def _place(
        self,
        found: _Found,
        identity: _Identity,
        dosage: Mapping[str, Any] | None,
        path: str,
        med_path: str,
        paths: tuple[str, str] | None = None,
    ) -> bool:
        """One dose as a regimen entry; ``paths`` names a NutritionOrder's schedule and quantity."""
        timing = self.timing(dosage, path, paths[0] if paths else None)
        supplements = [(i, c, r) for i, (c, r) in enumerate(identity.components) if isinstance(r, tuple)]
        medicines = [(c, r) for c, r in identity.components if not isinstance(r, tuple)]
        for component, resolved in medicines:
            name = resolved if isinstance(resolved, str) else component.name
            use: dict[str, Any] = {"name": name[:_NAME_MAX]}
            if timing.times is not None and timing.per_week is None:
                use["times"] = list(timing.times)
            self.medications.append(use)
            self.source(f"medication:{use['name']}", found)
        if not supplements:
            return True
        amounts = self.amounts(identity, supplements, dosage, path, med_path, timing, paths[1] if paths else None)
        if amounts is None:
            return False
        ingredients = [
            _part(component, substance, form, value, unit)
            for (_, component, (substance, form)), (value, unit) in zip(supplements, amounts, strict=True)
        ]
        entry: dict[str, Any]
        if len(ingredients) == 1 and not medicines:
            entry = dict(ingredients[0])
        else:
            entry = {"product": identity.product, "ingredients": ingredients}
        _timed(entry, timing)
        index = len(self.entries)
        self.entries.append(entry)
        self.source(f"entry:{index}", found)
        for note in timing.pending:
            self.notes.append(note.model_copy(update={"entries": (index,)}))
        return True

    def _quantity(
        self, dosage: Mapping[str, Any] | None, path: str, quantity_path: str | None = None
    ) -> tuple[Any, str]:
        """The Dosage's first dose quantity (or the top of its range), and its path."""
        dose_path = f"{path}.doseAndRate[0].doseQuantity" if dosage is not None else path
        if quantity_path is not None:
            dose_path = quantity_path
        quantity = None
        if dosage is not None:
            rates = dosage.get("doseAndRate")
            if isinstance(rates, list) and rates and isinstance(rates[0], Mapping):
                quantity = rates[0].get("doseQuantity")
                high = _get(rates[0], "doseRange", "high")
                if quantity is None and isinstance(high, Mapping):
                    quantity = high
                    dose_path = f"{path}.doseAndRate[0].doseRange.high"
                    self.assumed(dose_path, "the dose was counted at the top of its range.", _NOTHING)
                if len(rates) > 1:
                    self.unmapped(
                        f"{path}.doseAndRate[1]",
                        "a second dose or rate was not read; the first was counted.",
                        "Give one dose per Dosage.",
                    )
        return quantity, dose_path

    def amounts(
        self,
        identity: _Identity,
        supplements: list[tuple[int, Component, Any]],
        dosage: Mapping[str, Any] | None,
        path: str,
        med_path: str,
        timing: _Timing,
        quantity_path: str | None = None,
    ) -> list[tuple[float, str]] | None:
        """Each supplement component's amount per dose, or None (and a note) when it cannot be known."""
        quantity, dose_path = self._quantity(dosage, path, quantity_path)
        name = identity.product
        count: float | None = None
        if quantity is None:
            if all(i in identity.strengths for i, _, _ in supplements):
                count = 1.0
                self.assumed(
                    dose_path,
                    f"no dose is given for {name!r}, so one unit ({_strength_text(identity, supplements)}) per dose "
                    "was counted.",
                    "Give the dose (doseAndRate.doseQuantity) if it is more than one unit.",
                )
            else:
                self.unmapped(
                    dose_path,
                    f"no dose and no strength is given for {name!r}, so its amount is unknown and it was NOT checked.",
                    "Give the dose in mg, ug or [iU], or the Medication's strength.",
                )
                return None
        else:
            value = _number(quantity.get("value")) if isinstance(quantity, Mapping) else None
            unit, written = terms.unit_of(quantity)
            if value is None or value <= 0 or value > 1e9:
                self.unmapped(
                    f"{dose_path}.value",
                    f"{value!r} is not a positive number, so the amount of {name!r} is unknown and it was NOT checked.",
                    "Correct the dose.",
                )
                return None
            if unit is None:
                self.unmapped(
                    f"{dose_path}.code",
                    f"the unit {written!r} has no mapping to an amount (mg, ug, g, [iU]) or a count of units "
                    f"({{tablet}}, {{capsule}}), so the amount of {name!r} is unknown and it was NOT checked.",
                    "Give the dose in UCUM mg, ug, g or [iU], or as a count of tablets with the Medication's strength.",
                )
                return None
            if unit != "count":
                if len(supplements) > 1 or len(identity.components) > 1:
                    self.unmapped(
                        dose_path,
                        f"a dose of {value:g} {written} of the multi-ingredient {name!r} cannot be divided among its "
                        "ingredients, so it was NOT checked.",
                        "Give the dose as a count of units ({tablet}) with each ingredient's strength.",
                    )
                    return None
                return [(float(value), unit)]
            count = float(value)
        out = []
        for i, component, _ in supplements:
            strength = identity.strengths.get(i)
            if strength is None:
                odd = identity.strengths.get(-1 - i)
                why = (
                    f"its strength unit {odd[1]!r} has no mapping to a mass or IU"
                    if odd is not None
                    else "no strength is given for it"
                )
                self.unmapped(
                    f"{med_path}",
                    f"{component.name!r} in {name!r}: {why}, so its amount is unknown and it was NOT checked.",
                    "Give the strength in mg, ug, g or [iU] per unit, or the dose as an amount.",
                )
                return None
            out.append((strength[0] * count, strength[1]))
        return out

    # -- timing -----------------------------------------------------------------------

    def timing(self, dosage: Mapping[str, Any] | None, path: str, timing_path: str | None = None) -> _Timing:
        t = _Timing()
        at = timing_path or f"{path}.timing"  # a NutritionOrder's Timing is its schedule
        if dosage is None:
            return t
        as_needed = dosage.get("asNeededBoolean") is True or isinstance(dosage.get("asNeededCodeableConcept"), Mapping)
        repeat = _get(dosage, "timing", "repeat")
        rpath = f"{at}.repeat"
        frequency: float | None = None
        per_days: float | None = None
        if isinstance(repeat, Mapping):
            frequency, per_days = self._frequency(repeat, rpath, t)
            frequency, per_days = self._times(repeat, rpath, t, frequency, per_days)
        else:
            code = _code_of(_get(dosage, "timing", "code"))
            if code is not None:
                t.pending.append(
                    self._gap(
                        f"{at}.code",
                        f"the timing abbreviation {code!r} was not read; once a day was counted.",
                    )
                )
        if frequency is not None and per_days is not None:
            self._count(frequency, per_days, rpath, t)
        self._instructions(dosage, path, t)
        if as_needed:
            self._as_needed(dosage, path, t)
        return t

    def _frequency(self, repeat: Mapping[str, Any], rpath: str, t: _Timing) -> tuple[float | None, float | None]:
        """Doses per period as (doses, days), or (None, None) when the repeat does not say or says it wrongly."""
        freq = _number(repeat.get("frequencyMax")) or _number(repeat.get("frequency"))
        if repeat.get("frequencyMax") is not None:
            t.pending.append(self._note(f"{rpath}.frequencyMax", "the dose was counted at its highest frequency."))
        period = _number(repeat.get("period"))
        unit = repeat.get("periodUnit")
        for field in ("frequency", "frequencyMax", "period"):
            if repeat.get(field) is not None and _number(repeat.get(field)) is None:
                t.pending.append(
                    self._gap(f"{rpath}.{field}", f"{repeat.get(field)!r} is not a number, so it was not read.")
                )
        frequency: float | None = None
        per_days: float | None = None
        if freq is not None or period is not None:
            if period is None:
                period, unit = 1, unit or "d"
            if freq is None:
                freq = 1
            days = terms.PERIOD_DAYS.get(unit) if isinstance(unit, str) else None
            if freq < 1 or freq != int(freq) or freq > 1000 or period <= 0 or period > 1e6:
                t.pending.append(
                    self._gap(rpath, "frequency and period are not positive numbers, so once a day was counted.")
                )
            elif days is None:
                t.pending.append(
                    self._gap(
                        f"{rpath}.periodUnit",
                        f"{unit!r} is not a UCUM period unit (s, min, h, d, wk, mo, a), so once a day was counted.",
                    )
                )
            else:
                frequency, per_days = float(freq), float(period) * days
        days_of_week = repeat.get("dayOfWeek")
        if isinstance(days_of_week, list) and days_of_week:
            frequency = (frequency or 1.0) * len(days_of_week)
            per_days = 7.0
        return frequency, per_days

    def _times(
        self, repeat: Mapping[str, Any], rpath: str, t: _Timing, frequency: float | None, per_days: float | None
    ) -> tuple[float | None, float | None]:
        """The dose times from ``timeOfDay`` or ``when``, where they match the frequency; the frequency they imply."""
        slots = self._when(repeat, rpath, t)
        clock = self._time_of_day(repeat, rpath, t)
        if clock is not None and slots is not None:
            slots = None  # both given: the clock times are the more exact
        chosen = clock if clock is not None else slots
        if chosen is not None:
            if frequency is None:
                frequency, per_days = float(len(chosen)), 1.0
            daily = per_days == 1.0 and frequency == len(chosen)
            if daily or (per_days is not None and per_days >= 7.0 and len(chosen) == 1):
                t.times = tuple(chosen)
            else:
                t.pending.append(
                    self._gap(
                        rpath,
                        f"{len(chosen)} time(s) of day do not match {frequency:g} dose(s) per {per_days:g} day(s), "
                        "so the times were not read.",
                    )
                )
        return frequency, per_days

    def _when(self, repeat: Mapping[str, Any], rpath: str, t: _Timing) -> list[str] | None:
        """The day's slots that ``when`` names (and whether with food), or None when it names no particular one."""
        when = repeat.get("when")
        if not isinstance(when, list) or not when:
            return None
        slots: list[str] = []
        food: set[bool | None] = set()
        for i, code in enumerate(when):
            mapped = terms.WHEN.get(code) if isinstance(code, str) else None
            if mapped is None:
                t.pending.append(
                    self._gap(
                        f"{rpath}.when[{i}]",
                        f"{code!r} is not an EventTiming code this check maps to a time of day, so the dose "
                        "times were not read.",
                    )
                )
                return None
            food.add(mapped.with_food)
            if mapped.slot is not None:
                slots.append(mapped.slot)
        if len(food) == 1:
            t.with_food = next(iter(food))
        if len(slots) < len(when):
            return None  # "at a meal" names no particular meal
        return slots

    def _time_of_day(self, repeat: Mapping[str, Any], rpath: str, t: _Timing) -> list[str] | None:
        """The clock times ``timeOfDay`` gives, or None when it gives none or one that is not a time."""
        times_of_day = repeat.get("timeOfDay")
        if not isinstance(times_of_day, list) or not times_of_day:
            return None
        clock = []
        for i, value in enumerate(times_of_day):
            if not isinstance(value, str) or len(value) < 5 or value[2] != ":":
                t.pending.append(
                    self._gap(f"{rpath}.timeOfDay[{i}]", f"{value!r} is not a time, so the dose times were not read.")
                )
                return None
            clock.append(value[:5])
        return clock

    def _count(self, frequency: float, per_days: float, rpath: str, t: _Timing) -> None:
        """Doses a day, or a week, from doses per period; a count that is neither is noted."""
        per_day = frequency / per_days
        if per_day >= 1:
            if abs(per_day - round(per_day)) > 1e-9 or round(per_day) > 24:
                t.pending.append(
                    self._gap(rpath, f"{per_day:g} doses a day is not a whole number up to 24; once a day was counted.")
                )
            else:
                t.per_day = round(per_day)
            return
        weekly = per_day * 7
        if abs(weekly - round(weekly)) < 1e-9 and round(weekly) >= 1:
            t.per_week = round(weekly)
            if t.times is not None and len(t.times) != 1:
                t.times = None
        else:
            t.pending.append(
                self._gap(
                    rpath,
                    f"{frequency:g} dose(s) every {per_days:g} day(s) is not a whole number of doses a day "
                    "or a week; once a week was counted.",
                )
            )
            t.per_week = 1
            t.times = t.times if t.times is not None and len(t.times) == 1 else None

    def _instructions(self, dosage: Mapping[str, Any], path: str, t: _Timing) -> None:
        """With or without food, said in words; any other instruction is noted as not read."""
        instructions = dosage.get("additionalInstruction")
        if not isinstance(instructions, list):
            return
        for i, concept in enumerate(instructions):
            for text in _texts(concept):
                key = text.strip().rstrip(".").casefold()
                said = terms.WITH_FOOD.get(key, terms.WITHOUT_FOOD.get(key))
                if said is not None:
                    t.with_food = said  # said in words, it outranks what a timing code implies
                    break
            else:
                t.pending.append(
                    self._note(
                        f"{path}.additionalInstruction[{i}]",
                        f"the instruction {_concept_text(concept)!r} was not read; only 'with food' and "
                        "'without food' (or 'on an empty stomach') change this check.",
                    )
                )

    def _as_needed(self, dosage: Mapping[str, Any], path: str, t: _Timing) -> None:
        top = dosage.get("maxDosePerPeriod")
        numerator = _number(_get(top, "numerator", "value")) if isinstance(top, Mapping) else None
        denominator = top.get("denominator") if isinstance(top, Mapping) else None
        dose = _number(_get(dosage, "doseAndRate", 0, "doseQuantity", "value"))
        if numerator is not None and isinstance(denominator, Mapping):
            d_value = _number(denominator.get("value", 1))
            d_unit = denominator.get("code") or denominator.get("unit")
            days = terms.PERIOD_DAYS.get(d_unit) if isinstance(d_unit, str) else None
            per_dose = dose if dose is not None and dose > 0 else 1
            if days is not None and d_value is not None and d_value > 0:
                per_day = numerator / per_dose / (d_value * days)
                if per_day >= 1 and abs(per_day - round(per_day)) < 1e-9 and round(per_day) <= 24:
                    t.per_day, t.per_week, t.times = round(per_day), None, None
                    t.pending.append(
                        self._note(
                            f"{path}.maxDosePerPeriod",
                            f"taken as needed: counted at its maximum, {t.per_day} dose(s) a day.",
                            "input.fhir_as_needed",
                        )
                    )
                    return
        t.pending.append(
            self._note(
                f"{path}.asNeeded[x]",
                "taken as needed, with no maximum this check can read (maxDosePerPeriod), so it was counted as "
                f"{'scheduled' if t.per_day != 1 or t.per_week else 'one dose a day'}; the person may take more.",
                "input.fhir_as_needed",
            )
        )

    def _note(self, path: str, message: str, code: str = "input.fhir_assumed") -> Finding:
        return input_finding(code=code, severity=Severity.INFO, message=f"{path}: {message}", recommendation=_NOTHING)

    def _gap(self, path: str, message: str) -> Finding:
        return input_finding(
            code="input.fhir_unmapped", severity=Severity.MINOR, message=f"{path}: {message}", recommendation=_REVIEW
        )

    # -- the regimen --------------------------------------------------------------------

    def _build(self) -> SourcedRegimen:
        if not self.entries:
            what = f"{len(self.medications)} medication(s)" if self.medications else "nothing being taken"
            raise InputError(
                f"no supplement being taken was found in the FHIR input ({what}): a regimen needs at least one"
            )
        profile = dict(self.profile)
        if self.labs:
            profile["labs"] = {lab: value for lab, (value, _, _) in self.labs.items()}
            for lab, (value, when, found) in self.labs.items():
                self.source(f"lab:{lab}", found)
                self.assumed(
                    found.path,
                    f"{_LAB_NAMES[lab]} {value:g} {terms.LAB_UNIT[lab]} of {when[:10] or 'no date'} was read as the "
                    "latest result.",
                    "Nothing to do if it is recent; otherwise give a current result.",
                )
        if self.conditions:
            profile["conditions"] = list(self.conditions)
        if self.medications:
            profile["medications"] = list(self.medications)
        data: dict[str, Any] = {"profile": profile, "regimen": self.entries}
        if self.patient_id is not None:
            data["id"] = self.patient_id
        sources = {k: tuple(v) for k, v in self.sources.items()}
        return SourcedRegimen.with_notes(data, tuple(self.notes), sources, context={"knowledge": self.kb})


def _part(component: Component, substance: Any, form: Any, value: float, unit: str) -> dict[str, Any]:
    """One supplement of a dose as a regimen entry (or ingredient): substance, amount, form and basis."""
    basis = "elemental"
    if isinstance(form, str) and unit != "IU":
        # A form not known: its weight is the salt's, which cannot be converted; the check says so.
        basis = "compound"
    elif (
        isinstance(form, Form)
        and form.elemental_fraction is not None
        and name_key(component.name) not in _own_names(substance)
    ):
        basis = "compound"  # "magnesium oxide 400 MG" weighs the salt
    if substance is None:
        part: dict[str, Any] = {"substance": component.name[:_NAME_MAX], "amount": {"value": value, "unit": unit}}
    else:
        part = {"substance": substance.name, "amount": {"value": value, "unit": unit}}
    if isinstance(form, Form):
        part["form"] = form.name
    elif isinstance(form, str):
        part["form"] = form[:_NAME_MAX]
    if basis == "compound":
        part["basis"] = basis
    return part


def _timed(entry: dict[str, Any], timing: _Timing) -> None:
    """The entry's frequency, times and food, as the Dosage's timing gave them."""
    if timing.per_week is not None:
        entry["per_week"] = timing.per_week
    elif timing.per_day != 1:
        entry["per_day"] = timing.per_day
    if timing.times is not None:
        entry["times"] = list(timing.times)
    if timing.with_food is not None:
        entry["with_food"] = timing.with_food


def _one_strength(parsed: Any) -> dict[int, tuple[float, str]]:
    """The strength of an RxNorm name with one ingredient (``... 400 MG``), where its unit maps."""
    if parsed is not None and len(parsed[0]) == 1 and parsed[0][0].value is not None:
        unit = terms.RXNORM_UNITS.get(parsed[0][0].unit or "")
        if unit is not None:
            return {0: (parsed[0][0].value, unit)}
    return {}


class _Timing:
    """What a Dosage's timing says: doses a day or a week, times, with food, and notes for its entry."""

    def __init__(self) -> None:
        self.per_day: int = 1
        self.per_week: int | None = None
        self.times: tuple[str, ...] | None = None
        self.with_food: bool | None = None
        self.pending: list[Finding] = []


_LAB_NAMES = {"egfr": "eGFR", "potassium": "potassium"}


def _article(word: str) -> str:
    return "an" if word[:1].casefold() in "aeiou" else "a"


_REVIEW = "Review this part of the record by hand: this report cannot be called clean."
_NOTHING = "Nothing to do if that is right; otherwise correct the record and check again."


def _own_names(substance: Substance) -> set[str]:
    return {name_key(n) for n in (substance.id, substance.name, *substance.synonyms)}


def _strength_text(identity: _Identity, supplements: list[tuple[int, Component, Any]]) -> str:
    parts = []
    for i, component, _ in supplements:
        value, unit = identity.strengths[i]
        parts.append(f"{component.name} {value:g} {unit}")
    return ", ".join(parts)


def _number(value: object) -> float | None:
    """A JSON number that is finite (not a boolean, NaN or infinite), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _get(node: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(key, int):
            node = node[key] if isinstance(node, list) and len(node) > key else None
        else:
            node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _codings(concept: object) -> list[Mapping[str, Any]]:
    if not isinstance(concept, Mapping):
        return []
    codings = concept.get("coding")
    return [c for c in codings if isinstance(c, Mapping)] if isinstance(codings, list) else []


def _texts(concept: object) -> list[str]:
    """A concept's text, then each coding's display: the names to try, in order, each once."""
    out: list[str] = []
    if not isinstance(concept, Mapping):
        return out
    text = concept.get("text")
    if isinstance(text, str) and text.strip():
        out.append(text.strip())
    for coding in _codings(concept):
        display = coding.get("display")
        if isinstance(display, str) and display.strip() and display.strip() not in out:
            out.append(display.strip())
    return out


def _concept_text(concept: object) -> str | None:
    texts = _texts(concept)
    return texts[0] if texts else None


def _code_of(concept: object) -> str | None:
    for coding in _codings(concept):
        code = coding.get("code")
        if isinstance(code, str):
            return code
    return None


def _ratio(value: object) -> tuple[float, str] | None:
    """A strength Ratio as (amount per one unit, its unit code), or None when it is not one."""
    if not isinstance(value, Mapping):
        return None
    numerator, denominator = value.get("numerator"), value.get("denominator")
    if not isinstance(numerator, Mapping):
        return None
    amount = _number(numerator.get("value"))
    if amount is None or amount <= 0 or amount > 1e9:
        return None
    per = 1.0
    if isinstance(denominator, Mapping):
        unit, _ = terms.unit_of(denominator)
        d_value = _number(denominator.get("value", 1))
        if unit not in ("count", None) or d_value is None or d_value <= 0:
            return None
        if unit is None and (denominator.get("code") or denominator.get("unit")):
            return None
        per = float(d_value)
    code = numerator.get("code") if isinstance(numerator.get("code"), str) else numerator.get("unit")
    return float(amount) / per, str(code or "")


def _date_of(value: object) -> dt.date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _age(birth: object, as_of: dt.date) -> float | None:
    """Whole years (months as a fraction under one year) from a FHIR date to ``as_of``; None if not a date."""
    if not isinstance(birth, str):
        return None
    parts = birth.split("-")
    try:
        if len(parts) == 1 and len(parts[0]) == 4:
            born = dt.date(int(parts[0]), 12, 31)  # the youngest the year allows
        elif len(parts) == 2:
            year, month = int(parts[0]), int(parts[1])
            born = (dt.date(year + (month == 12), month % 12 + 1, 1)) - dt.timedelta(days=1)
        elif len(parts) == 3:
            born = dt.date.fromisoformat(birth)
        else:
            return None
    except ValueError:
        return None
    if born > as_of:
        return None if len(parts) == 3 else 0.0
    years = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
    if years >= 1:
        return float(min(years, 130))
    months = (as_of.year - born.year) * 12 + as_of.month - born.month - (as_of.day < born.day)
    return round(max(months, 0) / 12, 4)
