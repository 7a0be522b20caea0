"""The FHIR vocabulary the reader and writer share: code values, UCUM units, RxNorm names.

Every code value here is from the FHIR R4 specification (hl7.org/fhir/R4):
the MedicationStatement, MedicationRequest, Condition and Observation status
value sets, EventTiming, and the v3 ActCode detected-issue codes.
``fhir.resources`` does not check these values, so the reader does, and
tests hold the writer to them.
"""

from __future__ import annotations

import re
from typing import NamedTuple

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
UNII = "http://fdasis.nlm.nih.gov"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
EVENT_TIMING = "http://hl7.org/fhir/event-timing"
PREGNANCY_STATUS = "82810-3"  # LOINC: Pregnancy status
# LOINC codes of the labs the rules read, with the UCUM units each is read in. As Synthea's
# sample records (github.com/smart-on-fhir/generated-sample-data, R4) code them:
# 33914-3 "Glomerular filtration rate/1.73 sq M.predicted" in mL/min/{1.73_m2} (or mL/min),
# 6298-4 "Potassium" in mmol/L.
LABS: dict[str, tuple[str, frozenset[str]]] = {
    "33914-3": ("egfr", frozenset({"mL/min/{1.73_m2}", "mL/min/1.73m2", "mL/min"})),
    "6298-4": ("potassium", frozenset({"mmol/L"})),
}
LAB_CODE = {lab: code for code, (lab, _) in LABS.items()}
LAB_UNIT = {"egfr": "mL/min/{1.73_m2}", "potassium": "mmol/L"}
LAB_MAX = {"egfr": 200.0, "potassium": 15.0}  # the regimen format's bounds

# -- statuses: what counts as being taken -------------------------------------------

# Counted: the person takes it, will, or may resume (on-hold), or nobody knows
# (unknown): a check that left these out could miss what is taken.
STATEMENT_COUNTED = frozenset({"active", "intended", "on-hold", "unknown"})
STATEMENT_LEFT_OUT = frozenset({"completed", "stopped", "entered-in-error", "not-taken"})
# A draft is what a CDS Hooks order-select or order-sign hook sends: the order being written.
REQUEST_COUNTED = frozenset({"active", "on-hold", "draft", "unknown"})
REQUEST_LEFT_OUT = frozenset({"cancelled", "completed", "entered-in-error", "stopped"})
# NutritionOrder.status is RequestStatus in R4; "revoked" is its "cancelled".
NUTRITION_ORDER_COUNTED = frozenset({"active", "on-hold", "draft", "unknown"})
NUTRITION_ORDER_LEFT_OUT = frozenset({"revoked", "completed", "entered-in-error"})
CONDITION_COUNTED = frozenset({"active", "recurrence", "relapse"})
CONDITION_LEFT_OUT = frozenset({"inactive", "remission", "resolved"})
# Unconfirmed, provisional and differential diagnoses count: a caution that may apply is shown.
VERIFICATION_COUNTED = frozenset({"confirmed", "unconfirmed", "provisional", "differential"})
VERIFICATION_LEFT_OUT = frozenset({"refuted", "entered-in-error"})
OBSERVATION_COUNTED = frozenset({"final", "amended", "corrected", "preliminary"})
OBSERVATION_LEFT_OUT = frozenset({"registered", "cancelled", "entered-in-error", "unknown"})

# -- EventTiming codes to the day's slots --------------------------------------------


class When(NamedTuple):
    """A slot of the day (None: a meal not named), and whether it is with food (None: not said)."""

    slot: str | None
    with_food: bool | None


WHEN: dict[str, When] = {
    "WAKE": When("wake", None),
    "PHS": When("wake", None),  # after sleep
    "MORN": When("breakfast", None),
    "MORN.early": When("breakfast", None),
    "MORN.late": When("breakfast", None),
    "NOON": When("lunch", None),
    "AFT": When("lunch", None),
    "AFT.early": When("lunch", None),
    "AFT.late": When("lunch", None),
    "EVE": When("dinner", None),
    "EVE.early": When("dinner", None),
    "EVE.late": When("dinner", None),
    "NIGHT": When("bedtime", None),
    "HS": When("bedtime", None),
    "C": When(None, True),
    "CM": When("breakfast", True),
    "CD": When("lunch", True),
    "CV": When("dinner", True),
    "AC": When(None, False),
    "ACM": When("breakfast", False),
    "ACD": When("lunch", False),
    "ACV": When("dinner", False),
    "PC": When(None, True),
    "PCM": When("breakfast", True),
    "PCD": When("lunch", True),
    "PCV": When("dinner", True),
}
# The writer's choice for each slot, and for a meal slot taken apart from food.
SLOT_WHEN = {"wake": "WAKE", "breakfast": "CM", "lunch": "CD", "dinner": "CV", "bedtime": "HS"}
SLOT_WHEN_FASTING = {"breakfast": "ACM", "lunch": "ACD", "dinner": "ACV"}
MEAL_ORDER = ("breakfast", "lunch", "dinner")

PERIOD_DAYS = {"s": 1 / 86400, "min": 1 / 1440, "h": 1 / 24, "d": 1.0, "wk": 7.0, "mo": 30.0, "a": 365.0}

# -- quantities ---------------------------------------------------------------------

# UCUM codes (and the common non-UCUM spellings integrators send) to the regimen's units.
MASS_UNITS = {
    "mg": "mg",
    "ug": "mcg",
    "mcg": "mcg",
    "µg": "mcg",
    "g": "g",
    "[iU]": "IU",
    "[IU]": "IU",
    "IU": "IU",
    "iu": "IU",
    "ug{RAE}": "mcg RAE",
    "ug{DFE}": "mcg DFE",
}
# Dosage.additionalInstruction texts read as with or without food.
WITH_FOOD = {"with food": True, "with meals": True, "with a meal": True, "take with food": True}
WITHOUT_FOOD = {
    "without food": False,
    "on an empty stomach": False,
    "take on an empty stomach": False,
    "before food": False,
}
COUNT_UNITS = frozenset(
    {
        "1",
        "tablet",
        "tablets",
        "tab",
        "tabs",
        "capsule",
        "capsules",
        "cap",
        "caps",
        "softgel",
        "softgels",
        "gummy",
        "gummies",
        "lozenge",
        "lozenges",
        "pill",
        "pills",
        "each",
        "ea",
    }
)


def unit_of(quantity: object) -> tuple[str | None, str]:
    """A Quantity's regimen unit (``mg``, ``IU``, ``count``) or None, and the unit as written."""
    if not isinstance(quantity, dict):
        return None, ""
    code = quantity.get("code")
    unit = quantity.get("unit")
    written = code if isinstance(code, str) and code else unit if isinstance(unit, str) else ""
    for text in (code, unit):
        if not isinstance(text, str) or not text:
            continue
        if text in MASS_UNITS:
            return MASS_UNITS[text], written
        if text.strip("{}").casefold() in COUNT_UNITS:
            return "count", written
    return None, written


# -- RxNorm normalized names ---------------------------------------------------------

# "ingredient strength unit dose form": "ferrous sulfate 325 MG Oral Tablet",
# "calcium carbonate 1250 MG / cholecalciferol 200 UNT Chewable Tablet",
# "levothyroxine sodium 0.05 MG Oral Tablet [Synthroid]".
_COMPONENT = re.compile(
    r"^\s*(?P<name>\S.*?)\s+(?P<value>\d+(?:\.\d+)?)\s+(?P<unit>[A-Z%\[\]'_]+(?:/[A-Z]+)?)(?P<rest>.*)$"
)
_BRAND = re.compile(r"\s*\[(?P<brand>[^\]]+)\]\s*$")
RXNORM_UNITS = {"MG": "mg", "MCG": "mcg", "G": "g", "UNT": "IU"}


class Component(NamedTuple):
    """An ingredient of a normalized name: its name, and strength per unit when named."""

    name: str
    value: float | None
    unit: str | None  # RxNorm's unit as written (MG, UNT, MEQ)


def parse_rxnorm(text: str) -> tuple[tuple[Component, ...], str | None] | None:
    """A normalized name's ingredients with their strengths, and its brand; None if it is not one.

    >>> parse_rxnorm("ferrous sulfate 325 MG Oral Tablet")
    ((Component(name='ferrous sulfate', value=325.0, unit='MG'),), None)
    >>> parts, brand = parse_rxnorm("levothyroxine sodium 0.05 MG Oral Tablet [Synthroid]")
    >>> parts[0].name, brand
    ('levothyroxine sodium', 'Synthroid')
    """
    brand = None
    found = _BRAND.search(text)
    if found:
        brand = found.group("brand").strip()
        text = text[: found.start()]
    parts = []
    for piece in text.split(" / "):
        match = _COMPONENT.match(piece)
        if match is None:
            return None
        parts.append(Component(match.group("name").strip(), float(match.group("value")), match.group("unit")))
    return tuple(parts), brand


_SEMANTIC_TAG = re.compile(r"\s*\((?:disorder|finding|situation|morphologic abnormality|observable entity)\)\s*$")


def plain_name(text: str) -> str:
    """A display without a terminology's bracketed tag: ``Anemia (disorder)`` is ``Anemia``."""
    return _SEMANTIC_TAG.sub("", text).strip()
