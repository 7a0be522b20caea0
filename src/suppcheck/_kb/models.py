"""Knowledge-base records: frozen, picklable data with no behaviour.

The engine reads these; nothing here knows about regimens. The JSON Schema
in ``data/interactions.schema.json`` is generated from :class:`KnowledgeFile`.
"""

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .._severity import Evidence, Severity

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", min_length=1, max_length=80)]
RuleId = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$", min_length=1, max_length=120)]
Text = Annotated[str, Field(min_length=1)]
Positive = Annotated[float, Field(gt=0, allow_inf_nan=False)]

_PROVENANCE = (
    "For maintainers: how the record was sourced and reviewed (what was read, where, what is still to "
    "check). Never rendered: explain, lookup and reports leave it out; user-visible text must not need it."
)

BANDS: tuple[str, ...] = (
    "0-6mo",
    "7-12mo",
    "1-3",
    "4-8",
    "9-13",
    "14-18",
    "19-30",
    "31-50",
    "51-70",
    "71+",
)
PREGNANCY_BANDS: tuple[str, ...] = ("14-18", "19-30", "31-50")
_STAGE_KEY = re.compile(
    r"^(?:(?:female|male) (?:" + "|".join(re.escape(b) for b in BANDS) + r"|adult)"
    r"|(?:pregnancy|lactation) (?:" + "|".join(re.escape(b) for b in PREGNANCY_BANDS) + r")"
    r"|" + "|".join(re.escape(b) for b in BANDS) + r"|adult|all)$"
)


class _Record(BaseModel):
    # Validators are built on first use (defer_build): a process that reads the knowledge
    # base from its cache (see cache.py) never builds them. This module has no
    # `from __future__ import annotations`: pydantic would evaluate each annotation
    # from a string, most of the cost of defining a model.
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True, defer_build=True)


class Overridable(_Record):
    """A record an extra rules file may replace, by giving its id with ``override: true``."""

    override: bool = Field(
        default=False,
        description="In an extra rules file: replace the bundled entry with this id.",
    )


class Reference(Overridable):
    """A public source: a label, a report, a fact sheet or a paper, with its URL and PubMed id."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")]
    title: Text
    publisher: Text
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    accessed: dt.date
    pmid: Annotated[str, Field(pattern=r"^[0-9]{1,9}$")] | None = None
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)


class Code(_Record):
    """A code of a terminology for a record: ``{system, code, display}``, with the source it was read in.

    ``system`` is the FHIR system URI (RxNorm
    ``http://www.nlm.nih.gov/research/umls/rxnorm``, ICD-10-CM
    ``http://hl7.org/fhir/sid/icd-10-cm``, FDA UNII ``http://fdasis.nlm.nih.gov``).
    An ICD-10-CM code stands for its category: ``E83.11`` matches ``E83.110``.
    """

    system: Annotated[str, Field(pattern=r"^\S+$", min_length=1, max_length=200)]
    code: Annotated[str, Field(pattern=r"^\S(?:.*\S)?$", min_length=1, max_length=64)]
    display: Text | None = None
    references: tuple[str, ...] = Field(min_length=1, description="Where the code was read")


Codes = Annotated[tuple[Code, ...], Field(description="Terminology codes that name this record")]


class SubstanceKind(StrEnum):
    """What kind of substance: a mineral, vitamin, hormone, botanical or other."""

    MINERAL = "mineral"
    VITAMIN = "vitamin"
    HORMONE = "hormone"
    BOTANICAL = "botanical"
    OTHER = "other"


CanonicalUnit = Literal["mg", "mcg", "mcg RAE"]
UnitFactors = dict[Annotated[str, Field(min_length=1)], Positive]


class Substance(Overridable):
    """A supplement substance: its canonical unit, synonyms and unit conversions (IU, DFE, RAE)."""

    id: Id
    name: Text
    kind: SubstanceKind
    unit: CanonicalUnit
    synonyms: tuple[Text, ...] = ()
    unit_factors: UnitFactors = Field(default_factory=dict)
    upper_limit_unit_factors: UnitFactors = Field(default_factory=dict)
    default_form_note: str | None = None
    references: tuple[str, ...] = ()
    codes: Codes = ()
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)


class Absorption(StrEnum):
    """A form's relative absorption: good, moderate or poor."""

    GOOD = "good"
    MODERATE = "moderate"
    POOR = "poor"


class Form(Overridable):
    """A chemical form of a substance (magnesium citrate): its elemental fraction, absorption and sources."""

    id: Id
    substance: Id
    name: Text
    synonyms: tuple[Text, ...] = ()
    elemental_fraction: Annotated[float, Field(gt=0, le=1)] | None = None
    absorption: Absorption | None = None
    absorption_note: str | None = None
    counts_toward_upper_limit: bool = True
    unit_factors: UnitFactors = Field(default_factory=dict)
    upper_limit_unit_factors: UnitFactors = Field(default_factory=dict)
    evidence: Evidence | None = None
    references: tuple[str, ...] = Field(min_length=1)
    codes: Codes = ()
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)


class LimitType(StrEnum):
    """What a limit states: an upper limit, a recommended intake, a usual range's ends, a per-dose maximum."""

    UPPER_LIMIT = "upper_limit"
    RECOMMENDED = "recommended"
    USUAL_MAX = "usual_max"
    USUAL_MIN = "usual_min"
    PER_DOSE_MAX = "per_dose_max"


class LimitBasis(StrEnum):
    """What an upper limit counts: total intake, supplements only, folic acid, preformed or synthetic forms."""

    TOTAL = "total"
    SUPPLEMENTAL = "supplemental"
    FOLIC_ACID = "folic_acid"
    PREFORMED = "preformed"
    SYNTHETIC = "synthetic"


class SeverityStep(_Record):
    """A daily amount from which a finding is more severe, and why (the source's threshold).

    Exactly one of ``min_daily_amount`` (at or above) and ``above_daily_amount``
    (strictly above) is given, in the substance's canonical unit, on the same
    basis as the record it belongs to.
    """

    min_daily_amount: Positive | None = Field(default=None, description="Applies at or above this daily amount")
    above_daily_amount: Positive | None = Field(default=None, description="Applies strictly above this daily amount")
    severity: Severity
    note: Text = Field(description="The risk at this amount, as the source states it; shown in the finding")
    references: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_threshold(self) -> Self:
        if (self.min_daily_amount is None) == (self.above_daily_amount is None):
            raise ValueError("give exactly one of min_daily_amount and above_daily_amount")
        return self

    @property
    def threshold(self) -> float:
        """The daily amount at which this step's severity starts."""
        value = self.min_daily_amount if self.min_daily_amount is not None else self.above_daily_amount
        assert value is not None
        return value

    @property
    def inclusive(self) -> bool:
        """Whether the threshold itself is in the step (``min_daily_amount``) or only above it."""
        return self.min_daily_amount is not None


def _check_steps(steps: tuple[SeverityStep, ...], base: Severity | None) -> None:
    """Thresholds strictly increasing, severities never decreasing (from ``base``)."""
    previous: SeverityStep | None = None
    for i, step in enumerate(steps):
        if previous is not None and step.threshold <= previous.threshold:
            raise ValueError(
                f"severity_steps[{i}]: threshold {step.threshold:g} is not above the previous "
                f"step's {previous.threshold:g} (steps are sorted by strictly increasing amount)"
            )
        floor = previous.severity if previous is not None else base
        if floor is not None and step.severity < floor:
            what = "the previous step's" if previous is not None else "the record's own"
            raise ValueError(
                f"severity_steps[{i}]: severity {step.severity.value!r} is below {what} {floor.value!r} "
                "(a larger amount is never less severe)"
            )
        previous = step


class Limit(Overridable):
    """A limit of one substance by life stage (NASEM keys such as ``women_51_70``), with its basis and sources."""

    id: RuleId
    substance: Id
    type: LimitType
    unit: Literal["mg", "mcg", "mcg RAE", "mcg DFE"]
    values: dict[str, Annotated[float, Field(ge=0, allow_inf_nan=False)]] = Field(min_length=1)
    basis: LimitBasis = LimitBasis.TOTAL
    intake_kind: Literal["RDA", "AI"] | None = None
    severity: Severity | None = None
    evidence: Evidence
    mechanism: Text
    recommendation: Text
    references: tuple[str, ...] = Field(min_length=1)
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)
    severity_steps: tuple[SeverityStep, ...] = Field(
        default=(),
        description="upper_limit and usual_max only: severities by daily amount, on the amount the limit compares",
    )

    @model_validator(mode="after")
    def _steps(self) -> Self:
        if self.severity_steps:
            if self.type not in (LimitType.UPPER_LIMIT, LimitType.USUAL_MAX):
                raise ValueError("severity_steps apply to upper_limit and usual_max limits only")
            # An upper limit's own severity is computed from the ratio, moderate at least.
            base = Severity.MODERATE if self.type is LimitType.UPPER_LIMIT else (self.severity or Severity.MINOR)
            _check_steps(self.severity_steps, base)
        return self

    @field_validator("values")
    @classmethod
    def _stage_keys(cls, values: dict[str, float]) -> dict[str, float]:
        for key in values:
            if not _STAGE_KEY.match(key):
                raise ValueError(f"unknown life-stage key {key!r}")
        return values


class MedicationClass(Overridable):
    """A class of medications (tetracyclines, loop diuretics) that rules may name as a whole."""

    id: Id
    name: Text
    synonyms: tuple[Text, ...] = ()
    parents: tuple[Id, ...] = ()
    codes: Codes = ()
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)


class Medication(Overridable):
    """A medication by its generic name, with synonyms, brands and the classes it belongs to."""

    id: Id
    name: Text
    synonyms: tuple[Text, ...] = ()
    brands: tuple[Text, ...] = ()
    classes: tuple[Id, ...] = ()
    codes: Codes = ()
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)


class Condition(Overridable):
    """A condition rules may name, with synonyms and the conditions it implies."""

    id: Id
    name: Text
    synonyms: tuple[Text, ...] = ()
    implies: tuple[Id, ...] = ()
    codes: Codes = ()
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)


class RuleFamily(StrEnum):
    """The kind of rule, which decides the family module that evaluates it and its finding code."""

    INTERACTION_MEDICATION = "interaction.medication"
    INTERACTION_SUPPLEMENT = "interaction.supplement"
    ABSORPTION_REDUCED = "absorption.reduced"
    ABSORPTION_ENHANCED = "absorption.enhanced"
    TIMING_ADVICE = "timing.advice"
    CONTRAINDICATION_CONDITION = "contraindication.condition"
    CONTRAINDICATION_LIFE_STAGE = "contraindication.life_stage"
    DEPLETION_MEDICATION = "depletion.medication"


LifeStage = Literal["infant", "child", "pregnancy", "lactation", "older_adult"]
Slot = Literal["wake", "breakfast", "lunch", "dinner", "bedtime"]


class Separation(_Record):
    """The partner must come ``other_before_hours`` before, or ``other_after_hours`` after."""

    other_before_hours: Annotated[float, Field(ge=0, le=12)]
    other_after_hours: Annotated[float, Field(ge=0, le=12)]

    @model_validator(mode="after")
    def _fits_a_day(self) -> Self:
        if self.other_before_hours + self.other_after_hours > 24:
            raise ValueError("the two windows together exceed 24 hours")
        return self


class Timing(_Record):
    """When a substance should be taken: an anchor slot and window, or with or without food."""

    anchor: Slot | None = None
    earliest_minutes: Annotated[int, Field(ge=-720, le=720)] | None = None
    latest_minutes: Annotated[int, Field(ge=-720, le=720)] | None = None
    food: Literal["with", "without"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        window = (self.earliest_minutes, self.latest_minutes)
        if self.anchor is None and window != (None, None):
            raise ValueError("a window needs an anchor")
        if self.anchor is not None and None in window:
            raise ValueError("an anchor needs earliest_minutes and latest_minutes")
        if None not in window and window[0] > window[1]:  # type: ignore[operator]
            raise ValueError("earliest_minutes is after latest_minutes")
        if self.anchor is None and self.food is None:
            raise ValueError("timing needs an anchor or a food requirement")
        return self


LabName = Literal["egfr", "potassium", "ferritin"]


class LabThreshold(_Record):
    """A laboratory value that satisfies a rule as one of its conditions would.

    Exactly one bound is given, as the source words it: ``below`` and
    ``above`` are strict, ``at_most`` and ``at_least`` include the value. Units:
    eGFR mL/min/1.73 m2, serum potassium mmol/L, ferritin ng/mL.
    """

    lab: LabName
    below: Positive | None = None
    at_most: Positive | None = None
    above: Positive | None = None
    at_least: Positive | None = None
    note: str | None = Field(default=None, description="What the source says at this value; shown in the finding")
    references: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_bound(self) -> Self:
        if sum(b is not None for b in (self.below, self.at_most, self.above, self.at_least)) != 1:
            raise ValueError("give exactly one of below, at_most, above and at_least")
        return self

    @property
    def bound(self) -> tuple[str, float]:
        """The bound as words and value: ``("below", 30.0)``, ``("at or above", 5.5)``."""
        for words, value in (
            ("below", self.below),
            ("at or below", self.at_most),
            ("above", self.above),
            ("at or above", self.at_least),
        ):
            if value is not None:
                return words, value
        raise AssertionError("validated to have one bound")

    def holds(self, value: float) -> bool:
        """Whether a measured ``value`` is past the threshold."""
        words, limit = self.bound
        if words == "below":
            return value < limit
        if words == "at or below":
            return value <= limit
        if words == "above":
            return value > limit
        return value >= limit


class Rule(Overridable):
    """One sourced rule: what it applies to, its severity and evidence, mechanism, recommendation and window."""

    id: RuleId
    family: RuleFamily
    severity: Severity
    evidence: Evidence
    substances: tuple[Id, ...] = Field(min_length=1)
    forms: tuple[Id, ...] = ()
    with_substances: tuple[Id, ...] = ()
    medications: tuple[Id, ...] = ()
    medication_classes: tuple[Id, ...] = ()
    except_medications: tuple[Id, ...] = Field(
        default=(), description="Medications of the named classes that the rule does not apply to"
    )
    conditions: tuple[Id, ...] = ()
    life_stages: tuple[LifeStage, ...] = ()
    labs: tuple[LabThreshold, ...] = Field(
        default=(),
        description="Lab thresholds that satisfy the rule as one of its conditions does (either suffices)",
    )
    min_daily_amount: Positive | None = None
    severity_steps: tuple[SeverityStep, ...] = Field(
        default=(),
        description="Severities by the substance's daily amount (the amount min_daily_amount is compared with)",
    )
    separation: Separation | None = None
    timing: Timing | None = None
    mechanism: Text
    recommendation: Text
    references: tuple[str, ...] = Field(min_length=1)
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)

    @model_validator(mode="after")
    def _family_shape(self) -> Self:
        takes_medication = bool(self.medications or self.medication_classes)
        family = self.family
        if family in (RuleFamily.INTERACTION_MEDICATION, RuleFamily.DEPLETION_MEDICATION) and not takes_medication:
            raise ValueError(f"a {family.value} rule needs medications or medication_classes")
        if family is RuleFamily.INTERACTION_SUPPLEMENT and not self.with_substances:
            raise ValueError("an interaction.supplement rule needs with_substances")
        absorption = family in (RuleFamily.ABSORPTION_REDUCED, RuleFamily.ABSORPTION_ENHANCED)
        if absorption and not (self.with_substances or takes_medication):
            raise ValueError(f"a {family.value} rule needs with_substances or medications")
        if family is RuleFamily.CONTRAINDICATION_CONDITION and not (self.conditions or self.labs):
            raise ValueError("a contraindication.condition rule needs conditions or labs")
        if family is RuleFamily.CONTRAINDICATION_LIFE_STAGE and not self.life_stages:
            raise ValueError("a contraindication.life_stage rule needs life_stages")
        if (family is RuleFamily.TIMING_ADVICE) != (self.timing is not None):
            raise ValueError("timing is given exactly on timing.advice rules")
        if self.separation is not None and not (self.with_substances or takes_medication):
            raise ValueError("a separation window needs a partner (with_substances or medications)")
        if self.separation is not None and self.with_substances and takes_medication:
            raise ValueError("a separation window needs exactly one kind of partner")
        if self.except_medications and not self.medication_classes:
            raise ValueError("except_medications narrows medication_classes, which are not given")
        if self.severity_steps:
            if family in (RuleFamily.DEPLETION_MEDICATION, RuleFamily.TIMING_ADVICE):
                raise ValueError(f"a {family.value} rule has no daily amount to step its severity by")
            _check_steps(self.severity_steps, self.severity)
        return self


class Constituent(Overridable):
    """Something a food carries that is not a supplement substance: caffeine, ethanol, polyphenols."""

    id: Id
    name: Text
    unit: str | None = None
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)


class FoodCategory(Overridable):
    """A group of foods a rule may name: dairy, caffeinated drinks, alcoholic drinks, any food or drink."""

    id: Id
    name: Text
    synonyms: tuple[Text, ...] = ()
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)


class Serving(_Record):
    """What one serving of a food is: ``1 cup``, ``1 standard drink``."""

    amount: Positive
    unit: Text
    description: Text
    volume_ml: Positive | None = None
    grams: Positive | None = None
    computed: str | None = Field(default=None, description="How volume_ml or grams was computed from the unit")
    references: tuple[str, ...] = ()


class Carried(_Record):
    """A substance or constituent one serving carries; ``amount`` only where a source gives it."""

    substance: Id | None = None
    constituent: Id | None = None
    amount: Positive | None = None
    unit: str | None = None
    per: Literal["serving"] = "serving"
    estimate: bool = True
    references: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _one_thing(self) -> Self:
        if (self.substance is None) == (self.constituent is None):
            raise ValueError("a carried item names exactly one of substance or constituent")
        if self.amount is not None and (self.unit is None or not self.references):
            raise ValueError("a carried amount needs its unit and references")
        return self


class Food(Overridable):
    """A food or drink: its names, categories, serving and what it carries."""

    id: Id
    name: Text
    synonyms: tuple[Text, ...] = ()
    categories: tuple[Id, ...] = ()
    serving: Serving
    carries: tuple[Carried, ...] = ()
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)


Sex = Literal["female", "male"]


class DrinkThreshold(_Record):
    """Above how many standard drinks a day or a week a rule applies, by sex."""

    unit: Literal["standard drink"]
    above_per_day: dict[Sex, Positive] = Field(min_length=2)
    above_per_week: dict[Sex, Positive] = Field(min_length=2)
    references: tuple[str, ...] = Field(min_length=1)


class FoodSeparation(_Record):
    """The food must come ``other_before_hours`` before or ``other_after_hours`` after the subject.

    ``before_first_food_of_day``: the dose comes first in the day, at least
    ``other_after_hours`` before any food or drink (plain water aside), and no
    food before it; ``other_before_hours`` is then not given.
    """

    other_before_hours: Annotated[float, Field(ge=0, le=12)] | None = None
    other_after_hours: Annotated[float, Field(gt=0, le=12)]
    before_first_food_of_day: bool = False

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if (self.other_before_hours is None) != self.before_first_food_of_day:
            raise ValueError("other_before_hours is left out exactly when before_first_food_of_day is set")
        return self


FOOD_RULE_FAMILIES = frozenset(
    {
        RuleFamily.ABSORPTION_REDUCED,
        RuleFamily.ABSORPTION_ENHANCED,
        RuleFamily.INTERACTION_MEDICATION,
        RuleFamily.INTERACTION_SUPPLEMENT,
        RuleFamily.CONTRAINDICATION_CONDITION,
        RuleFamily.DEPLETION_MEDICATION,
    }
)


class FoodRule(Overridable):
    """A rule with a food or drink as its partner: absorption, interaction, condition advice or depletion.

    The subject is a substance, a medication (or class) or a condition; the
    partner is a food or a food category. ``food_taken_alone``: only when the
    food is not part of a meal. ``food_time_window``: only food taken within
    the window (before bedtime). ``food_amount``: only above a drinking level.
    ``except_brands``: medications written by one of these brand names are not
    subject to the rule (a delayed-release brand taken after breakfast).
    """

    id: RuleId
    family: RuleFamily
    severity: Severity
    evidence: Evidence
    substances: tuple[Id, ...] = ()
    medications: tuple[Id, ...] = ()
    medication_classes: tuple[Id, ...] = ()
    except_brands: tuple[Text, ...] = ()
    conditions: tuple[Id, ...] = ()
    min_daily_amount: Positive | None = Field(default=None, description="Only at or above this daily amount")
    foods: tuple[Id, ...] = ()
    food_categories: tuple[Id, ...] = ()
    food_taken_alone: bool = False
    food_amount: DrinkThreshold | None = None
    food_time_window: Timing | None = None
    separation: FoodSeparation | None = None
    mechanism: Text
    recommendation: Text
    references: tuple[str, ...] = Field(min_length=1)
    note: str | None = None
    provenance: str | None = Field(default=None, description=_PROVENANCE)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.family not in FOOD_RULE_FAMILIES:
            raise ValueError(f"a food rule cannot be of family {self.family.value}")
        if not (self.foods or self.food_categories):
            raise ValueError("a food rule needs foods or food_categories")
        if not (self.substances or self.medications or self.medication_classes or self.conditions):
            raise ValueError("a food rule needs a subject: substances, medications, medication_classes or conditions")
        if self.family is RuleFamily.CONTRAINDICATION_CONDITION and not self.conditions:
            raise ValueError("a contraindication.condition food rule needs conditions")
        if self.family is RuleFamily.DEPLETION_MEDICATION and (self.food_amount is None or not self.substances):
            raise ValueError("a depletion food rule needs food_amount and the substances depleted")
        if self.food_time_window is not None and (
            self.food_time_window.anchor is None or self.food_time_window.latest_minutes is None
        ):
            raise ValueError("food_time_window needs an anchor and a window")
        return self


CodedSection = Literal["substances", "forms", "medication_classes", "medications", "conditions", "life_stages"]


class CodeAssignment(Code):
    """A code given to a record by id (``section`` and ``id``), as an extra rules file adds a clinic's codes.

    ``life_stages`` with id ``pregnant`` or ``lactating``: a condition code that
    states a life stage (ICD-10-CM Z33.1, pregnant state).
    """

    section: CodedSection
    id: Id


class KnowledgeFile(_Record):
    """The whole document: the bundled knowledge base or an extra rules file."""

    knowledge_version: Annotated[str, Field(pattern=r"^\d{4}\.\d{1,2}\.\d+$")] | None = None
    description: str | None = None
    references: tuple[Reference, ...] = ()
    substances: tuple[Substance, ...] = ()
    forms: tuple[Form, ...] = ()
    limits: tuple[Limit, ...] = ()
    medication_classes: tuple[MedicationClass, ...] = ()
    medications: tuple[Medication, ...] = ()
    conditions: tuple[Condition, ...] = ()
    rules: tuple[Rule, ...] = ()
    constituents: tuple[Constituent, ...] = ()
    food_categories: tuple[FoodCategory, ...] = ()
    foods: tuple[Food, ...] = ()
    food_rules: tuple[FoodRule, ...] = ()
    codes: tuple[CodeAssignment, ...] = Field(
        default=(), description="Codes given to records of this or an earlier file, and to life stages"
    )
