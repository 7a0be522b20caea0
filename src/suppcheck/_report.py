"""The report (output format v1): what :func:`suppcheck.check` returns."""

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from ._severity import Evidence, Severity

DISCLAIMER = (
    "suppcheck is a decision-support aid for pharmacists and clinicians, not medical advice. "
    "It checks only what its knowledge base covers; a finding's absence is not proof of safety."
)


_M = TypeVar("_M", bound=BaseModel)
_setattr = object.__setattr__


class _Output(BaseModel):
    # Built on first use; no `from __future__ import annotations`: see _kb/models.py.
    model_config = ConfigDict(frozen=True, defer_build=True)


class ReferenceInfo(_Output):
    """A cited source."""

    id: str
    title: str
    publisher: str
    url: str
    pmid: str | None = None


class Finding(_Output):
    """One clinical or input finding. Findings are values, never exceptions."""

    code: str
    severity: Severity
    evidence: Evidence | None
    substances: tuple[str, ...] = ()
    medications: tuple[str, ...] = ()
    conditions: tuple[str, ...] = ()
    entries: tuple[int, ...] = ()
    foods: tuple[str, ...] = Field(default=(), description="food.*: the knowledge-base ids of the foods it is about")
    rule_id: str
    message: str
    recommendation: str
    mechanism: str | None = None
    references: tuple[ReferenceInfo, ...] = ()
    hours_required: float | None = Field(default=None, description="timing.separation: the window")
    hours_scheduled: float | None = Field(default=None, description="timing.separation: the closest gap")
    suggestions: tuple[str, ...] = Field(default=(), description="input.unrecognized_*: close known names")

    def sort_key(self) -> tuple[int, str, str, tuple[str, ...], tuple[str, ...], tuple[int, ...], str]:
        """The order of findings in a report: worst severity first, then code, rule id and what they name."""
        return (
            -SEVERITY_RANK[self.severity.value],
            self.code,
            self.rule_id,
            self.substances,
            self.medications,
            self.entries,
            self.message,
        )


# Severity.rank by value: a str-keyed lookup, without the enum's Python-level __hash__.
SEVERITY_RANK: dict[str, int] = {s.value: s.rank for s in Severity}


def trusted(cls: type[_M], values: dict[str, Any]) -> _M:
    """``cls.model_construct(**values)`` for values that give every field, without its per-field work.

    A check builds dozens of findings, and ``model_construct`` spends most of
    their cost matching each field against aliases and defaults, which output
    models do not have. The result is the one ``model_construct`` gives (a
    test compares them); any class that has aliases, private attributes or a
    post-init hook goes through ``model_construct`` itself.
    """
    if cls not in _PLAIN:
        return cls.model_construct(**values)
    model = cls.__new__(cls)
    _setattr(model, "__dict__", values)
    _setattr(model, "__pydantic_fields_set__", set(values))
    _setattr(model, "__pydantic_extra__", None)
    _setattr(model, "__pydantic_private__", None)
    return model


class Total(_Output):
    """A substance's daily total across all entries, and its limits."""

    substance: str
    daily_amount: float
    unit: str
    basis: str = Field(description="What the upper limit counts: total, supplemental, folic_acid, preformed, synthetic")
    upper_limit: float | None = None
    ratio_to_upper_limit: float | None = None
    amount_counted_for_upper_limit: float | None = None
    recommended_intake: float | None = None
    recommended_intake_unit: str | None = None
    recommended_intake_kind: str | None = None
    life_stage: str
    entries: tuple[int, ...]


class ExtraFile(_Output):
    """An extra rules file merged over the bundled knowledge base for this check."""

    name: str = Field(description="The file's name")
    sha256: str = Field(description="SHA-256 of the file's bytes, in hex")


class Override(_Output):
    """A knowledge-base record that an extra rules file replaced."""

    section: str = Field(description="rules, limits, substances, forms, medications, ...")
    id: str
    file: str = Field(description="The name of the extra file that replaced it")


class MedicationInfo(_Output):
    """A medication the person takes, as given and as recognized."""

    name: str = Field(description="The name as written (a code when only a code was given)")
    id: str | None = Field(default=None, description="The medication (or class) id it was recognized as, or null")
    display: str | None = Field(default=None, description="The recognized medication's name, or null")
    times: tuple[str, ...] | None = Field(default=None, description="Its times as given (normalised), or none")
    clock: tuple[str, ...] | None = Field(default=None, description="Its times as clock times (HH:MM), or none")


class PersonInfo(_Output):
    """Who the regimen is for, as a reader of the report needs it."""

    life_stage: str = Field(
        description="The life stage whose limits apply: 'women 51-70', 'adults 19-50 (age not given)'"
    )
    description: str = Field(
        description="One line for a reader: age, life stage, conditions, medications and labs as given"
    )
    age: float | None = Field(default=None, description="Age in years as given, or null")
    sex: str | None = Field(default=None, description="'female', 'male', or null")
    pregnant: bool = False
    lactating: bool = False
    conditions: tuple[str, ...] = Field(default=(), description="The conditions as written")
    medications: tuple[MedicationInfo, ...] = Field(default=(), description="The medications, in input order")
    day: dict[str, str] = Field(
        default_factory=dict,
        description="The clock time (HH:MM) of each slot the check used: wake, breakfast, lunch, dinner, bedtime",
    )


class EntryInfo(_Output):
    """One regimen entry as given, so that a finding's or a total's ``entries`` index can be shown by name."""

    name: str = Field(description="The substance or product as written")
    substances: tuple[str, ...] = Field(description="The substances it delivers, as written (a product's ingredients)")
    times: tuple[str, ...] | None = Field(default=None, description="Its times as given (normalised), or none")
    clock: tuple[str, ...] | None = Field(default=None, description="Its times as clock times (HH:MM), or none")
    substance_ids: tuple[str, ...] = Field(default=(), description="The substance ids recognized in it, in order")
    amount: str | None = Field(default=None, description="The amount per dose as given ('400 mg'), or null")
    per_day: int | None = Field(default=None, description="Doses a day as given, or null")
    per_week: int | None = Field(default=None, description="Doses a week as given, or null")
    every_days: int | None = Field(default=None, description="One dose every this many days, or null")


class FoodInfo(_Output):
    """A food or drink of the day, as given and as recognized."""

    name: str = Field(description="The name as written")
    id: str | None = Field(default=None, description="The food (or category) id it was recognized as, or null")
    display: str | None = Field(default=None, description="The recognized food's name, or null")
    amount: str | None = Field(default=None, description="The amount as given ('2 cups'), or null")
    times: tuple[str, ...] | None = Field(default=None, description="Its times as given (normalised), or none")
    clock: tuple[str, ...] | None = Field(default=None, description="Its times as clock times (HH:MM), or none")
    with_meal: tuple[bool, ...] | None = Field(
        default=None,
        description="Per time: part of a meal (at breakfast, lunch or dinner, or listed with a meal at that time), "
        "or none",
    )

    def as_given(self) -> str:
        """``coffee 1 cup at 07:15``, and ``(not recognized)`` after a name the knowledge base does not know."""
        return (
            self.name
            + (f" {self.amount}" if self.amount else "")
            + (f" at {', '.join(self.times)}" if self.times else "")
            + ("" if self.id is not None else " (not recognized)")
        )


class Report(_Output):
    """The result of checking one regimen."""

    id: str | None = Field(default=None, description="The regimen's own id, when it gave one")
    suppcheck_version: str
    knowledge_version: str = Field(description="With extra rules files: the base version, then +local.<digest>")
    extra_files: tuple[ExtraFile, ...] = Field(default=(), description="Extra rules files applied, in order")
    overrides: tuple[Override, ...] = Field(default=(), description="Records the extra files replaced")
    ok: bool
    complete: bool
    max_severity: Severity | None
    person: PersonInfo = Field(description="Who the regimen is for")
    entries: tuple[EntryInfo, ...] = Field(description="The regimen's entries in order: what every entries index names")
    foods: tuple[FoodInfo, ...] = Field(default=(), description="The day's foods and drinks, in input order")
    totals: tuple[Total, ...]
    findings: tuple[Finding, ...]
    disclaimer: str = DISCLAIMER

    def at_or_above(self, severity: Severity) -> tuple[Finding, ...]:
        """Findings at ``severity`` or worse."""
        rank = SEVERITY_RANK[severity.value]
        return tuple(f for f in self.findings if SEVERITY_RANK[f.severity.value] >= rank)


def _plain(cls: type[BaseModel]) -> bool:
    """Whether ``model_construct`` of ``cls`` with every field given only sets these four attributes."""
    return (
        not cls.__pydantic_post_init__
        and not cls.__private_attributes__
        and not cls.__pydantic_root_model__
        and cls.model_config.get("extra") != "allow"
        and all(f.alias is None and f.validation_alias is None for f in cls.__pydantic_fields__.values())
    )


_PLAIN = frozenset(cls for cls in (Finding, Total, EntryInfo, MedicationInfo, FoodInfo) if _plain(cls))
