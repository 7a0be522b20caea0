"""The regimen file (input format v1) as pydantic models.

Structural problems (types, units, frequencies, times) are caught here.
Whether a unit applies to a substance (IU for magnesium) needs the knowledge
base, so :meth:`RegimenFile.model_validate` checks that too, against the
knowledge base passed as ``context={"knowledge": kb}`` or the bundled one.
Every failure becomes one :class:`~suppcheck.InputError` listing each
problem with its path: ``regimen[2] (magnesium).amount: ...``.

>>> r = RegimenFile.model_validate(
...     {"profile": {"age": 40}, "regimen": [{"substance": "zinc", "amount": "15mg"}]}
... )
>>> r.regimen[0].amount
Amount(value=15.0, unit='mg')
"""

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from . import _clock
from ._errors import InputError
from ._names import name_key
from ._units import UnitError, parse_unit, split_amount

if TYPE_CHECKING:
    from ._kb.base import KnowledgeBase
    from ._reading import Limits

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _printable(value: str) -> str:
    # A newline or an escape sequence in a name would reach every report and terminal.
    found = _CONTROL.search(value)
    if found:
        raise ValueError(f"contains the control character {found.group()!r}: names are printable text")
    return value


Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_printable)]


def _check_code(value: str) -> str:
    from ._codes import parse_code

    parsed = parse_code(value)
    if parsed is None:
        raise ValueError(
            f"{value!r} is not a code: write system|code (FHIR token style) or a prefix rxnorm:, icd10: or unii: "
            "and the code"
        )
    return f"{parsed[0]}|{parsed[1]}"


CodeText = Annotated[str, Field(min_length=3, max_length=300), AfterValidator(_printable), AfterValidator(_check_code)]


def _name_from_code(data: Any, name_field: str) -> Any:
    # A code alone stands for the name, so that every reader of the entry has something to show and resolve.
    if isinstance(data, Mapping) and data.get("code") is not None and data.get(name_field) is None:
        return {**data, name_field: data["code"]}
    return data


class _Input(BaseModel):
    # Built on first use, once for the whole file rather than once per model. No
    # `from __future__ import annotations` here: see _kb/models.py.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def _check_time(value: str) -> str:
    if not _clock.is_time(value):
        raise ValueError(
            f"{value!r} is not a time: use HH:MM (24-hour) or a slot name "
            f"({', '.join(_clock.SLOTS + tuple(_clock.SLOT_ALIASES))})"
        )
    return value.strip()


TimeText = Annotated[str, Field(min_length=1, max_length=20), AfterValidator(_check_time)]


def _some_times(value: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if value is not None and not value:
        raise ValueError("an empty list of times: give each dose's time, or leave 'times' out when it is not known")
    return value


Times = Annotated[tuple[TimeText, ...] | None, AfterValidator(_some_times)]
ClockText = Annotated[str, Field(min_length=1, max_length=20)]


class Amount(_Input):
    """A number and a unit: ``"400 mg"``, ``"1,000 IU"`` or ``{value: 400, unit: mg}``."""

    value: float
    unit: Annotated[str, Field(min_length=1, max_length=40)]

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            if len(data) > 60:
                raise ValueError(f"an amount of {len(data):,} characters: write a number and a unit, e.g. '400 mg'")
            try:
                value, unit = split_amount(data)
            except UnitError as exc:
                raise ValueError(str(exc)) from None
            return {"value": value, "unit": unit}
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            raise ValueError(f"{data!r} has no unit: write e.g. '{data} mg'")
        return data

    @field_validator("value")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"amount must be a positive finite number, not {value!r}")
        return value

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        try:
            parse_unit(unit)
        except UnitError as exc:
            raise ValueError(str(exc)) from None
        return unit.strip()

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"


class Ingredient(_Input):
    """One substance in a product (or the substance of a single entry)."""

    substance: Name
    form: Name | None = None
    amount: Amount
    basis: Literal["elemental", "compound"] = "elemental"
    code: CodeText | None = None

    @model_validator(mode="before")
    @classmethod
    def _code_as_name(cls, data: Any) -> Any:
        return _name_from_code(data, "substance")

    @property
    def identity(self) -> str:
        """What names the substance (or form): the code when given, else the name."""
        return self.code or self.substance

    @model_validator(mode="after")
    def _compound_needs_form(self) -> Self:
        if self.basis == "compound" and self.form is None:
            raise ValueError("basis 'compound' needs a form, to know the elemental fraction")
        return self


class RegimenEntry(_Input):
    """A single-substance entry, or a product with ingredients (never both)."""

    substance: Name | None = None
    form: Name | None = None
    amount: Amount | None = None
    basis: Literal["elemental", "compound"] = "elemental"
    product: Name | None = None
    ingredients: tuple[Ingredient, ...] | None = None
    per_day: Annotated[int, Field(ge=1, le=24)] | None = None
    per_week: Annotated[int, Field(ge=1, le=70)] | None = None
    times: Times = None
    with_food: bool | None = None
    code: CodeText | None = None

    @model_validator(mode="before")
    @classmethod
    def _code_as_name(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and data.get("product") is not None:
            return data
        return _name_from_code(data, "substance")

    @property
    def identity(self) -> str:
        """What names a single entry's substance (or form): the code when given, else the name."""
        return self.code or self.substance or "?"

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if (self.substance is None) == (self.product is None):
            raise ValueError("an entry names either a substance or a product (with ingredients)")
        if self.product is not None:
            if not self.ingredients:
                raise ValueError("a product needs a non-empty 'ingredients' list")
            if self.form is not None or self.amount is not None or self.basis != "elemental":
                raise ValueError("a product's form, amount and basis belong to its ingredients")
        else:
            if self.ingredients is not None:
                raise ValueError("'ingredients' belongs to a product entry")
            if self.amount is None:
                raise ValueError("field 'amount' is required")
            if self.basis == "compound" and self.form is None:
                raise ValueError("basis 'compound' needs a form, to know the elemental fraction")
        if self.per_day is not None and self.per_week is not None:
            raise ValueError("give per_day or per_week, not both")
        if self.times is not None:
            expected = 1 if self.per_week is not None else self.doses_per_day_scheduled
            if len(self.times) != expected:
                raise ValueError(
                    f"times has {len(self.times)} item(s) but the entry is taken "
                    + (f"{self.per_day or 1} time(s) a day" if self.per_week is None else "weekly (give one time)")
                )
        return self

    @property
    def doses_per_day_scheduled(self) -> int:
        return self.per_day or 1

    @property
    def daily_frequency(self) -> float:
        """Average doses per day (weekly dosing averaged over 7 days)."""
        return self.per_week / 7.0 if self.per_week is not None else float(self.per_day or 1)

    @property
    def display_name(self) -> str:
        return self.product or self.substance or "?"

    def parts(self) -> tuple[Ingredient, ...]:
        """The substances this entry delivers, one :class:`Ingredient` each."""
        if self.ingredients is not None:
            return self.ingredients
        assert self.substance is not None
        assert self.amount is not None
        # Every field was validated on this entry already.
        return (
            Ingredient.model_construct(
                substance=self.substance, form=self.form, amount=self.amount, basis=self.basis, code=self.code
            ),
        )


class MedicationUse(_Input):
    """A medication the person takes; ``times`` when known."""

    name: Name
    times: Times = None
    code: CodeText | None = None

    @model_validator(mode="before")
    @classmethod
    def _code_as_name(cls, data: Any) -> Any:
        return _name_from_code(data, "name")

    @property
    def identity(self) -> str:
        """What names the medication: the code when given, else the name."""
        return self.code or self.name


class Day(_Input):
    """Clock times (``HH:MM``) of the named slots of the person's day."""

    wake: ClockText | None = None
    breakfast: ClockText | None = None
    lunch: ClockText | None = None
    dinner: ClockText | None = None
    bedtime: ClockText | None = None

    @field_validator("wake", "breakfast", "lunch", "dinner", "bedtime")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value is not None and _clock.clock_minutes(value) is None:
            raise ValueError(f"{value!r} is not a 24-hour HH:MM time")
        return value

    def slots(self) -> dict[str, str]:
        """Every slot's clock time, with the defaults filled in."""
        given = {slot: getattr(self, slot) for slot in _clock.DEFAULT_DAY}
        return {slot: default if given[slot] is None else given[slot] for slot, default in _clock.DEFAULT_DAY.items()}


def _lab(low_note: str, high: float, unit: str) -> Any:
    return Field(
        default=None,
        gt=0,
        le=high,
        allow_inf_nan=False,
        description=f"{low_note}, {unit}; a positive number up to {high:g}",
    )


class Labs(_Input):
    """Recent laboratory values; rules with lab thresholds read them (each optional).

    The upper bounds reject values no laboratory reports (a unit mix-up, a
    typing error) rather than plausible extremes.
    """

    egfr: float | None = _lab("estimated glomerular filtration rate", 200, "mL/min/1.73 m2")
    potassium: float | None = _lab("serum potassium", 15, "mmol/L")
    ferritin: float | None = _lab("serum ferritin", 100000, "ng/mL")

    @field_validator("egfr", "potassium", "ferritin", mode="before")
    @classmethod
    def _not_boolean(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError(f"a lab value is a number, not {value!r}")
        return value

    def given(self) -> dict[str, float]:
        """The labs given, by name."""
        return {
            k: v
            for k, v in (("egfr", self.egfr), ("potassium", self.potassium), ("ferritin", self.ferritin))
            if v is not None
        }


# Pregnancy and lactation written as conditions: they are life stages, with limits of their own.
_PREGNANT: Literal["pregnant", "lactating"] = "pregnant"
_LACTATING: Literal["pregnant", "lactating"] = "lactating"
LIFE_STAGE_CONDITIONS: dict[str, Literal["pregnant", "lactating"]] = {
    **{name_key(name): _PREGNANT for name in ("pregnant", "pregnancy")},
    **{name_key(name): _LACTATING for name in ("lactating", "lactation", "breastfeeding", "breast-feeding")},
}


class Profile(_Input):
    """Who takes the regimen.

    A condition that names pregnancy or lactation (``pregnancy``,
    ``breastfeeding``) sets ``pregnant`` or ``lactating``, so that those
    life stages' limits and rules apply; the report says so.
    """

    age: Annotated[float, Field(ge=0, le=130)] | None = None
    sex: Literal["female", "male"] | None = None
    pregnant: bool = False
    lactating: bool = False
    conditions: tuple[Name, ...] = ()
    medications: tuple[MedicationUse, ...] = ()
    labs: Labs = Field(default_factory=Labs)
    day: Day = Field(default_factory=Day)

    @model_validator(mode="before")
    @classmethod
    def _stage_from_conditions(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and isinstance(data.get("conditions"), list | tuple):
            flags = {LIFE_STAGE_CONDITIONS.get(name_key(c)) for c in data["conditions"] if isinstance(c, str)}
            flags.discard(None)
            if flags:
                return {**data, **{flag: True for flag in flags if flag is not None}}
        return data

    def life_stage_conditions(self) -> list[tuple[str, Literal["pregnant", "lactating"]]]:
        """Each condition that names a life stage, with the flag it sets."""
        return [
            (c, LIFE_STAGE_CONDITIONS[name_key(c)]) for c in self.conditions if name_key(c) in LIFE_STAGE_CONDITIONS
        ]

    @field_validator("medications", mode="before")
    @classmethod
    def _names_to_uses(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

    @field_validator("sex", mode="before")
    @classmethod
    def _sex_case(cls, value: Any) -> Any:
        return value.strip().casefold() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _life_stage(self) -> Self:
        written = self.life_stage_conditions()
        if written and self.sex == "male":
            raise ValueError(f"condition {written[0][0]!r} (a life stage: {written[0][1]}) is given for sex 'male'")
        if self.sex == "male" and (self.pregnant or self.lactating):
            raise ValueError("pregnant/lactating is set for sex 'male'")
        if self.age is not None and self.age < 9 and (self.pregnant or self.lactating):
            raise ValueError("pregnant/lactating is set for a child under 9")
        return self


class RegimenFile(_Input):
    """A whole regimen file: ``profile`` and ``regimen``, and the caller's own ``id`` for it."""

    id: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="The caller's id for this regimen (a patient or member id), echoed in the report"
    )
    profile: Profile = Field(default_factory=Profile)
    regimen: tuple[RegimenEntry, ...] = Field(min_length=1)
    # The knowledge base whose units this file was validated against, so that
    # check() need not repeat the work with the same one.
    _checked_against: object = PrivateAttr(default=None)

    def units_checked_against(self, knowledge: "KnowledgeBase") -> bool:
        return self._checked_against is knowledge

    @model_validator(mode="before")
    @classmethod
    def _drop_comments(cls, data: Any) -> Any:
        # JSON has no comments; "_comment" keys are the convention the examples use.
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if not (isinstance(k, str) and k.startswith("_comment"))}
        return data

    @model_validator(mode="after")
    def _units_apply(self, info: ValidationInfo) -> Self:
        knowledge = info.context.get("knowledge") if isinstance(info.context, Mapping) else None
        if knowledge is None:
            from ._kb.loader import default_knowledge

            knowledge = default_knowledge()
        problems = unit_problems(self, knowledge)
        if problems:
            raise ValueError("\n".join(problems))
        self._checked_against = knowledge
        return self

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate a mapping; raise :class:`~suppcheck.InputError` on any problem."""
        try:
            return super().model_validate(obj, *args, **kwargs)
        except ValidationError as exc:
            raise InputError(describe_errors(exc, obj)) from None

    @classmethod
    def model_validate_json(
        cls, json_data: str | bytes | bytearray, *args: Any, limits: "Limits | None" = None, **kwargs: Any
    ) -> Self:
        """Validate a JSON document; raise :class:`~suppcheck.InputError` on any problem.

        The document is bounded by ``limits`` (default: :class:`~suppcheck.Limits`'s
        defaults) and may give each key once.
        """
        from ._reading import DEFAULT_LIMITS, loads_json

        data = bytes(json_data) if isinstance(json_data, bytearray) else json_data
        raw = loads_json(data, source=None, limits=limits or DEFAULT_LIMITS)
        return cls.model_validate(raw, *args, **kwargs)


def unit_problems(regimen: RegimenFile, knowledge: "KnowledgeBase") -> list[str]:
    """One line per amount whose unit cannot apply to its substance and form."""
    problems = []
    amount_problem = knowledge.amount_problem
    for index, entry in enumerate(regimen.regimen):
        if entry.ingredients is None:
            # A single entry is its own part (see parts()), without building an Ingredient.
            assert entry.substance is not None
            assert entry.amount is not None
            message = amount_problem(entry.identity, entry.form, entry.amount.unit, entry.basis)
            if message:
                problems.append(f"{_entry_label(index, entry.display_name)}.amount: {message}")
            continue
        for i, part in enumerate(entry.ingredients):
            message = amount_problem(part.identity, part.form, part.amount.unit, part.basis)
            if message:
                problems.append(
                    f"{_entry_label(index, entry.display_name)}.ingredients[{i}] ({part.substance}).amount: {message}"
                )
    return problems


def _entry_label(index: int, name: str | None) -> str:
    return f"regimen[{index}] ({name})" if name else f"regimen[{index}]"


def describe_errors(exc: ValidationError, raw: Any) -> list[str]:
    """pydantic errors as ``path: message`` lines, entries named by index and name."""
    lines = []
    errors = exc.errors(include_url=False)
    for error in errors:
        loc = list(error["loc"])
        if error["type"] == "too_short" and any(
            len(e["loc"]) > len(loc) and list(e["loc"][: len(loc)]) == loc for e in errors
        ):
            continue  # the list is short only because its bad items were reported already
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (not in regimen format v1)"
        elif error["type"] == "missing":
            message = "field is required"
        elif error["type"] == "json_invalid":
            message = f"invalid JSON: {error.get('ctx', {}).get('error', message)}"
        if loc == [] and "\n" in message:
            lines.extend(message.splitlines())
            continue
        lines.append(f"{_path(loc, raw)}: {message}" if loc else message)
    return lines


def _path(loc: Sequence[int | str], raw: Any) -> str:
    out = ""
    node = raw
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, Sequence) and not isinstance(node, str) and part < len(node) else None
            if i >= 1 and loc[i - 1] in ("regimen", "ingredients") and isinstance(node, Mapping):
                name = node.get("substance") or node.get("product")
                if isinstance(name, str):
                    out += f" ({name})"
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, Mapping) else None
    return out
