"""The registry of finding codes: every code a report can carry, its family, its severity and its meaning.

In the style of flake8-bugbear's code table: ``suppcheck explain CODE``, the
table in ``docs/report-format.md`` and the rule families all read this one
table, and a test checks that every code a check emits is registered and
documented.

>>> CODES["dose.above_upper_limit"].family
'dose'
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["CODES", "FindingCode", "codes_of"]


class FindingCode(NamedTuple):
    """One finding code: the family that raises it, its severity, and what it means for a pharmacist."""

    code: str
    family: str
    """The rule-family module that raises it (``dose``, ``interactions``, ...) or ``input`` for input findings."""
    severity: str
    """Its severity: a fixed one (``info``), or where the rule or limit that raised it sets it."""
    description: str


def _code(code: str, family: str, severity: str, description: str) -> tuple[str, FindingCode]:
    return code, FindingCode(code, family, severity, description)


CODES: dict[str, FindingCode] = dict(
    [
        _code(
            "dose.above_upper_limit",
            "dose",
            "moderate or worse, by how far the total exceeds the limit, or the limit's severity steps",
            (
                "A substance's daily total exceeds the tolerable upper intake level for the person's life stage. "
                "The limit's basis is respected: some limits count supplements only (magnesium), folic acid only "
                "(folate) or preformed vitamin A only."
            ),
        ),
        _code(
            "dose.above_typical",
            "dose",
            "the limit's (minor by default), or its severity steps",
            (
                "A dose exceeds the usual dose range where no upper limit exists or where the upper limit is more "
                "permissive (melatonin above 5 mg, valerian above its usual extract range). The message gives the "
                "multiple of the range's top; where a source names a higher threshold (melatonin above the 10 mg "
                "specialist maximum) the severity rises and the message says why."
            ),
        ),
        _code(
            "dose.below_typical",
            "dose",
            "info",
            "A dose is below the recommended intake or the usual effective range (info).",
        ),
        _code(
            "dose.per_dose_limit",
            "dose",
            "the limit's (minor by default)",
            "A single dose exceeds what is absorbed well at once (calcium above 500 mg per dose).",
        ),
        _code(
            "interaction.medication",
            "interactions",
            "the rule's",
            (
                "A substance interacts with a medication the person takes: chelation, an additive effect, or an "
                "altered drug level."
            ),
        ),
        _code(
            "interaction.supplement",
            "interactions",
            "the rule's",
            (
                "Two substances interact beyond absorption (additive sedation of melatonin and valerian; high zinc "
                "lowering copper)."
            ),
        ),
        _code(
            "absorption.reduced",
            "interactions",
            "the rule's",
            "Items taken together lower a substance's absorption (calcium with iron).",
        ),
        _code(
            "absorption.enhanced",
            "interactions",
            "the rule's",
            (
                "Items taken together raise absorption (vitamin C with iron): info, or a warning where raising it "
                "is harmful (hemochromatosis)."
            ),
        ),
        _code(
            "timing.separation",
            "interactions",
            "the rule's",
            (
                "Two items that must be separated are scheduled too close together; the finding gives the hours "
                "required and the hours scheduled. With times unknown the rule is reported as advice."
            ),
        ),
        _code(
            "timing.advice",
            "timing",
            "the rule's",
            (
                "A substance is best taken at a particular time or with or without food (melatonin 30-60 min before"
                " bed; iron on an empty stomach) and the schedule differs or is unknown."
            ),
        ),
        _code(
            "contraindication.condition",
            "conditions",
            "the rule's",
            (
                "A substance is contraindicated or needs caution with one of the person's conditions (magnesium "
                "with kidney failure; iron with hemochromatosis), or with a lab value past a sourced threshold "
                "given in profile.labs (magnesium with an eGFR below 30)."
            ),
        ),
        _code(
            "contraindication.life_stage",
            "conditions",
            "the rule's",
            "Pregnancy, lactation, childhood or older age changes the advice.",
        ),
        _code(
            "depletion.medication",
            "depletion",
            "the rule's",
            (
                "A medication the person takes depletes a nutrient (loop diuretics: magnesium and potassium; "
                "metformin and proton-pump inhibitors: vitamin B12)."
            ),
        ),
        _code(
            "duplicate.substance",
            "duplicates",
            "info",
            (
                "The same substance arrives from more than one entry; the totals add them. Usually a reminder to "
                "confirm that several products containing it are intended (info)."
            ),
        ),
        _code(
            "food.absorption",
            "foods",
            "the rule's; info when a separation window is kept",
            (
                "A food or drink in the day lowers or raises the absorption of a supplement or medication (coffee "
                "and tea with iron, dairy with tetracycline, orange juice with iron). With a window and times known, "
                "a kept window gives this at info; with a time unknown the rule is given as advice with its window."
            ),
        ),
        _code(
            "food.separation",
            "foods",
            "the rule's",
            (
                "A food or drink is scheduled too close to a supplement or medication it must be kept apart from "
                "(levothyroxine and breakfast coffee); the finding gives the hours required and the hours scheduled."
            ),
        ),
        _code(
            "food.interaction",
            "foods",
            "the rule's",
            (
                "A food or drink interacts with a medication or supplement whatever the hour (grapefruit with "
                "simvastatin, alcohol with melatonin or sedating medicines, vitamin K-rich greens with warfarin)."
            ),
        ),
        _code(
            "food.condition",
            "foods",
            "the rule's",
            (
                "A food or drink is advised against in one of the person's conditions (caffeine in the hours "
                "before bedtime with insomnia, caffeine and alcohol with restless legs syndrome)."
            ),
        ),
        _code(
            "food.depletion",
            "foods",
            "the rule's",
            (
                "The standard drinks a day or a week are above the low-risk level for the person's sex, and heavy "
                "drinking depletes a nutrient (thiamine, folate, magnesium). The count is an estimate."
            ),
        ),
        _code(
            "food.total",
            "foods",
            "the limit's (moderate by default)",
            (
                "A substance's supplements and the foods listed (where a source gives the amount per serving: "
                "calcium in dairy and fortified drinks) together exceed its total-intake upper limit. The food "
                "amounts are estimates; the report's totals stay the supplements' own."
            ),
        ),
        _code(
            "input.unrecognized_substance",
            "input",
            "minor",
            (
                "A substance name is not in the knowledge base, so nothing about it was checked; the finding "
                "suggests close names. The report is marked incomplete (exit code 3 unless --allow-unknown)."
            ),
        ),
        _code(
            "input.unrecognized_form",
            "input",
            "minor",
            (
                "A form name is not known for its substance; the amount is taken as elemental (or left out of the "
                "totals when it is a compound weight). The report is marked incomplete."
            ),
        ),
        _code(
            "input.unrecognized_medication",
            "input",
            "minor",
            (
                "A medication name is not in the knowledge base, so its interactions and depletions were not "
                "checked. The report is marked incomplete."
            ),
        ),
        _code(
            "input.unrecognized_condition",
            "input",
            "minor",
            (
                "A condition name is not in the knowledge base, so its contraindications were not checked. The "
                "report is marked incomplete."
            ),
        ),
        _code(
            "input.unrecognized_food",
            "input",
            "minor",
            (
                "A food or drink name is not in the knowledge base, so its absorption, timing and interaction "
                "rules were not checked. The report is marked incomplete."
            ),
        ),
        _code(
            "input.fhir_unmapped",
            "input",
            "minor",
            (
                "FHIR input: a resource or field could not be mapped (a dose in mL, a when code no slot stands "
                "for, a Medication not in the bundle); the message names its FHIR path and what was not "
                "counted. The report is marked incomplete."
            ),
        ),
        _code(
            "input.fhir_left_out",
            "input",
            "info",
            (
                "FHIR input: a resource was left out on purpose (a stopped, completed, not-taken or "
                "entered-in-error statement; a cancelled request; a resolved or refuted condition; an old "
                "pregnancy status), named by its path (info)."
            ),
        ),
        _code(
            "input.fhir_as_needed",
            "input",
            "info",
            (
                "FHIR input: a dose taken as needed was counted at its maximum (maxDosePerPeriod), or once a "
                "day when no maximum is given; the person may take more (info)."
            ),
        ),
        _code(
            "input.fhir_assumed",
            "input",
            "info",
            (
                "FHIR input: a value was taken where the record gives none or a range (one unit per dose when "
                "no dose is given; the top of a dose range; the youngest age a partial birth date allows) "
                "(info)."
            ),
        ),
        _code(
            "input.fhir_not_read",
            "input",
            "info",
            (
                "FHIR input: resources that do not bear on supplement safety (Encounter, Claim, other "
                "Observations), counted by type (info)."
            ),
        ),
        _code(
            "input.missing_age",
            "input",
            "info",
            "No age was given, so adult (19-50) limits were used; add the age for exact limits.",
        ),
        _code(
            "input.life_stage_from_condition",
            "input",
            "info",
            (
                "A condition names pregnancy or lactation (pregnancy, pregnant, breastfeeding, lactating, "
                "lactation), so the profile was read as pregnant or lactating and those life stages' limits and "
                "rules were applied (info). Writing 'pregnant: true' or 'lactating: true' in the profile says the "
                "same."
            ),
        ),
    ]
)
"""Every finding code, in the order the report format documents them."""


def codes_of(family: str) -> tuple[str, ...]:
    """The codes one family raises, in registry order.

    >>> codes_of("conditions")
    ('contraindication.condition', 'contraindication.life_stage')
    """
    return tuple(code for code, entry in CODES.items() if entry.family == family)
