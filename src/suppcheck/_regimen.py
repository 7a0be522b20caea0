"""The regimen file (input format v1) as pydantic models.

Structural problems (types, units, frequencies, times) are caught here.
Whether a unit applies to a substance (IU for magnesium) needs a knowledge
base, which the model never loads by itself: :meth:`RegimenFile.model_validate`
checks it against the knowledge base passed as ``context={"knowledge": kb}``,
and without one leaves it to :func:`~suppcheck.check` (and ``plan``), which
check the units against the knowledge base they use before anything else.
:func:`~suppcheck.load_regimen` and the other readers pass their knowledge
base (the bundled one unless told otherwise). Every failure becomes one
:class:`~suppcheck.InputError` listing each problem with its path:
``regimen[2] (magnesium).amount: ...``.

>>> r = RegimenFile.model_validate(
...     {"profile": {"age": 40}, "regimen": [{"substance": "zinc", "amount": "15mg"}]}
... )
>>> r.regimen[0].amount
Amount(value=15.0, unit='mg')
>>> iu = {"regimen": [{"substance": "magnesium", "amount": "400 IU"}]}
>>> r = RegimenFile.model_validate(iu)  # no knowledge base: the unit is checked by check()
>>> from suppcheck import check, load_knowledge
>>> check(r)
Traceback (most recent call last):
...
suppcheck._errors.InputError: regimen[0] (magnesium).amount: ...
>>> RegimenFile.model_validate(iu, context={"knowledge": load_knowledge()})
Traceback (most recent call last):
...
suppcheck._errors.InputError: regimen[0] (magnesium).amount: ...
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
    GetJsonSchemaHandler,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError

from . import _clock
from ._errors import InputError, Problem
from ._names import name_key
from ._units import AmountText, UnitError, parse_unit, read_amount, split_amount, unit_form

if TYPE_CHECKING:
    from ._kb.base import KnowledgeBase
    from ._reading import Limits

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _invalid(code: str, message: str) -> PydanticCustomError:
    """A validation error with a stable type code (see ``InputError.errors()``).

    No context is given, so braces in the message (a unit such as ``{tablet}``) stay as written.
    """
    return PydanticCustomError(code, message)


def _printable(value: str) -> str:
    # A newline or an escape sequence in a name would reach every report and terminal.
    found = _CONTROL.search(value)
    if found:
        raise _invalid(
            "control_character", f"contains the control character {found.group()!r}: names are printable text"
        )
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


def _name_or_code(name_field: str) -> Any:
    """A schema edit: the name may be left out when a ``code`` stands for it (the validator copies it over)."""

    def edit(schema: dict[str, Any]) -> None:
        required = [f for f in schema.get("required", []) if f != name_field]
        if required:
            schema["required"] = required
        else:
            schema.pop("required", None)
        schema["anyOf"] = [{"required": [name_field]}, {"required": ["code"]}]

    return edit


def _count_or_words(schema: dict[str, Any]) -> None:
    # per_day also takes a frequency in words ("twice daily") or a number written as text ("2").
    schema["anyOf"] = [*schema.get("anyOf", []), {"type": "string", "minLength": 1, "maxLength": 60}]


class _Input(BaseModel):
    # Built on first use, once for the whole file rather than once per model. No
    # `from __future__ import annotations` here: see _kb/models.py.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def _check_time(value: str) -> str:
    # Normalised here, so every later reader sees only HH:MM or a slot name.
    try:
        return _clock.normalise(value)
    except _clock.TimeError as exc:
        raise _invalid("time_invalid", str(exc)) from None


TimeText = Annotated[str, Field(min_length=1, max_length=20), AfterValidator(_check_time)]


def _some_times(value: tuple[str, ...] | None) -> tuple[str, ...] | None:
    if value is not None and not value:
        raise _invalid(
            "times_empty", "an empty list of times: give each dose's time, or leave 'times' out when it is not known"
        )
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
                raise _invalid(
                    "amount_too_long",
                    f"an amount of {len(data):,} characters: write a number and a unit, e.g. '400 mg'",
                )
            try:
                value, unit = split_amount(data)
            except UnitError as exc:
                raise _invalid("amount_invalid", str(exc)) from None
            return {"value": value, "unit": unit}
        if isinstance(data, (int, float)) and not isinstance(data, bool):
            raise _invalid("unit_missing", f"{data!r} has no unit: write e.g. '{data} mg'")
        return data

    @field_validator("value")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not math.isfinite(value) or value <= 0:
            raise _invalid("amount_not_positive", f"amount must be a positive finite number, not {value!r}")
        return value

    @field_validator("unit")
    @classmethod
    def _known_unit(cls, unit: str) -> str:
        noun, per_day, counted = unit_form(unit)
        if counted:
            raise _invalid(
                "strength_required", f"{unit!r} counts {noun}s: give the strength of one in 'strength' (e.g. '400 mg')"
            )
        if per_day:
            raise _invalid(
                "amount_daily_total",
                f"{unit!r} is a daily total: it needs a valid per_day or frequency on its entry; "
                "or write the amount of one dose",
            )
        try:
            parse_unit(unit)
        except UnitError as exc:
            raise _invalid("unit_unknown", str(exc)) from None
        return unit.strip()

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # The validator takes "400 mg" as well as {value, unit}: so must the published schema.
        mapping = handler.resolve_ref_schema(handler(core_schema))
        return {
            "anyOf": [
                {"type": "string", "minLength": 1, "maxLength": 60, "description": "A number and a unit: '400 mg'"},
                mapping,
            ],
            "description": mapping.get("description", ""),
            "title": "Amount",
        }


class Ingredient(_Input):
    """One substance in a product (or the substance of a single entry)."""

    model_config = ConfigDict(json_schema_extra=_name_or_code("substance"))

    substance: Name
    form: Name | None = None
    amount: Amount
    basis: Literal["elemental", "compound"] = "elemental"
    strength: Amount | None = Field(
        default=None, description="The amount in one tablet or capsule, for an amount counted in them ('2 tablets')"
    )
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
            raise _invalid("form_required", "basis 'compound' needs a form, to know the elemental fraction")
        return self


class RegimenEntry(_Input):
    """A single-substance entry, or a product with ingredients (never both)."""

    substance: Name | None = None
    form: Name | None = None
    amount: Amount | None = None
    basis: Literal["elemental", "compound"] = "elemental"
    product: Name | None = None
    ingredients: tuple[Ingredient, ...] | None = None
    strength: Amount | None = Field(
        default=None, description="The amount in one tablet or capsule, for an amount counted in them ('2 tablets')"
    )
    per_day: Annotated[int, Field(ge=1, le=24)] | None = Field(default=None, json_schema_extra=_count_or_words)
    per_week: Annotated[int, Field(ge=1, le=70)] | None = None
    every_days: Annotated[int, Field(ge=2, le=90)] | None = Field(
        default=None, description="One dose every N days (2: every other day)"
    )
    frequency: Annotated[str, Field(min_length=1, max_length=60)] | None = Field(
        default=None,
        description="How often in words ('twice daily', 'bid', 'every other day'); read into per_day, per_week "
        "or every_days",
    )
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

    @model_validator(mode="before")
    @classmethod
    def _read_spellings(cls, data: Any) -> Any:
        # Frequencies in words and amounts that need the entry (a daily total, a count
        # of tablets) become per_day/per_week/every_days and per-dose amounts here. What
        # cannot be read is left in place for its field to report where it stands.
        if not isinstance(data, Mapping) or _plain(data):
            return data
        data = dict(data)
        _read_frequency(data)
        _read_amounts(data)
        return data

    @field_validator("per_day", mode="before")
    @classmethod
    def _per_day_words(cls, value: Any) -> Any:
        if _in_words(value):
            try:
                _clock.parse_frequency(value)
            except _clock.TimeError as exc:
                raise _invalid("frequency_invalid", str(exc)) from None
        return value

    @field_validator("frequency")
    @classmethod
    def _frequency_words(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                _clock.parse_frequency(value)
            except _clock.TimeError as exc:
                raise _invalid("frequency_invalid", str(exc)) from None
        return value

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if (self.substance is None) == (self.product is None):
            raise _invalid("entry_shape", "an entry names either a substance or a product (with ingredients)")
        if self.product is not None:
            self._product_shape()
        else:
            self._substance_shape()
        if self.per_day is not None and self.per_week is not None:
            raise _invalid("frequency_conflict", "give per_day or per_week, not both")
        if self.every_days is not None and (self.per_day is not None or self.per_week is not None):
            raise _invalid("frequency_conflict", "give every_days, per_day or per_week: one of them")
        if self.times is not None:
            self._times_shape(self.times)
        return self

    def _product_shape(self) -> None:
        if not self.ingredients:
            raise _invalid("ingredients_missing", "a product needs a non-empty 'ingredients' list")
        if self.form is not None or self.amount is not None or self.basis != "elemental":
            raise _invalid("entry_shape", "a product's form, amount and basis belong to its ingredients")
        if self.strength is not None:
            raise _invalid(
                "entry_shape", "a product's strength belongs to its ingredients (with amounts such as '2 tablets')"
            )

    def _substance_shape(self) -> None:
        if self.ingredients is not None:
            raise _invalid("entry_shape", "'ingredients' belongs to a product entry")
        if self.amount is None:
            raise _invalid("amount_required", "field 'amount' is required")
        if self.basis == "compound" and self.form is None:
            raise _invalid("form_required", "basis 'compound' needs a form, to know the elemental fraction")

    def _times_shape(self, times: tuple[str, ...]) -> None:
        expected = 1 if self.per_week is not None or self.every_days is not None else self.doses_per_day_scheduled
        if len(times) != expected:
            raise _invalid(
                "times_count",
                f"times has {len(times)} item(s) but the entry is taken "
                + (
                    f"{self.per_day or 1} time(s) a day"
                    if self.per_week is None and self.every_days is None
                    else ("weekly" if self.every_days is None else f"every {self.every_days} days") + " (give one time)"
                ),
            )

    @property
    def doses_per_day_scheduled(self) -> int:
        """How many times a day the entry is taken on a day it is taken (1 for weekly dosing)."""
        return self.per_day or 1

    @property
    def daily_frequency(self) -> float:
        """Average doses per day (weekly dosing averaged over 7 days, every-N-days dosing over N)."""
        if self.every_days is not None:
            return 1.0 / self.every_days
        return self.per_week / 7.0 if self.per_week is not None else float(self.per_day or 1)

    @property
    def display_name(self) -> str:
        """The entry's name as written: its product or its substance."""
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


_SCHEDULE = ("per_day", "per_week", "every_days")
_NUMBER_TEXT = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)\s*")


def _in_words(value: Any) -> bool:
    # "2" and "2.0" stay numbers for pydantic to read (and range-check), as before.
    return isinstance(value, str) and _NUMBER_TEXT.fullmatch(value) is None


def _plain(data: Mapping[str, Any]) -> bool:
    # Most entries are written as the model stores them: nothing to read, no copy.
    if data.get("frequency") is not None or data.get("strength") is not None or _in_words(data.get("per_day")):
        return False
    amount = data.get("amount")
    if isinstance(amount, str):
        read = _written(amount)
        return read is None or not (read.per_day or read.counted)
    return amount is None and data.get("ingredients") is None


def _read_frequency(data: dict[str, Any]) -> None:
    """``frequency`` (or ``per_day`` in words) into per_day / per_week / every_days, in place."""
    text, field = data.get("frequency"), "frequency"
    per_day = data.get("per_day")
    if _in_words(per_day):
        if text is not None:
            raise _invalid("frequency_conflict", "give 'frequency' or 'per_day', not both")
        text, field = per_day, "per_day"
    elif text is None or not isinstance(text, str):
        return
    else:
        for other in _SCHEDULE:
            if data.get(other) is not None:
                raise _invalid("frequency_conflict", f"give 'frequency' or '{other}', not both")
    try:
        found = _clock.parse_frequency(text)
    except _clock.TimeError:
        return  # the field's own validator reports it
    data.pop(field)
    data.update({name: getattr(found, name) for name in _SCHEDULE if getattr(found, name) is not None})
    times = data.get("times")
    if not isinstance(times, (list, tuple)) or not all(isinstance(t, str) for t in times):
        if found.slot is not None and times is None:
            data["times"] = [found.slot]
        return
    given = [_clock.normalise(t) if _clock.is_time(t) else t for t in times]
    if found.slot is not None and given and any(t != found.slot for t in given):
        raise _invalid(
            "frequency_times_disagree",
            f"{field} {text!r} means at {found.slot}, but times gives {', '.join(map(str, times))}",
        )
    expected = found.doses_per_day if found.per_day is not None else 1
    if given and len(given) != expected:
        often = f"{expected} time(s) a day" if found.per_day is not None else "one dose on the days it is taken"
        raise _invalid(
            "frequency_times_disagree",
            f"{field} {text!r} is {often} but times gives {len(given)}: write the frequency that matches "
            f"(e.g. '{len(given)} times a day') or give {expected} time(s)",
        )


def _read_amounts(data: dict[str, Any]) -> None:
    """Daily totals and counts of tablets into per-dose amounts, in place (see docs/regimen-format.md)."""
    if "amount" in data:
        data["amount"] = _dose(data, data)
    ingredients = data.get("ingredients")
    if isinstance(ingredients, (list, tuple)):
        parts = []
        for part in ingredients:
            if isinstance(part, Mapping) and "amount" in part:
                part = dict(part)
                part["amount"] = _dose(part, data)
            parts.append(part)
        data["ingredients"] = parts


def _written(raw: Any) -> AmountText | None:
    if isinstance(raw, str):
        try:
            return read_amount(raw)
        except UnitError:
            return None
    if isinstance(raw, Mapping):
        value, unit = raw.get("value"), raw.get("unit")
        if isinstance(unit, str) and isinstance(value, (int, float)) and not isinstance(value, bool):
            noun, per_day, counted = unit_form(unit)
            return AmountText(float(value), noun, per_day, counted)
    return None


def _dose(holder: dict[str, Any], entry: Mapping[str, Any]) -> Any:
    """``holder``'s amount per dose; ``strength`` is taken out of ``holder`` once it is used."""
    raw = holder["amount"]
    read = _written(raw)
    if read is None:
        return raw
    if not read.counted:
        if holder.get("strength") is not None:
            raise _invalid(
                "strength_misplaced",
                "'strength' is what one tablet or capsule holds: give it with an amount counted in them "
                f"(e.g. '2 tablets'), not with {raw!r}",
            )
        if not read.per_day:
            return raw
    value, unit = read.value, read.unit
    if read.counted:
        strength = _written(holder.get("strength"))
        if strength is None or strength.counted or strength.per_day:
            return raw  # the amount or the strength reports what is missing
        value, unit = value * strength.value, strength.unit
        holder.pop("strength")
    if read.per_day:
        if entry.get("per_week") is not None or entry.get("every_days") is not None:
            raise _invalid(
                "amount_daily_total",
                f"amount {raw!r} is a daily total but the entry is not taken daily: give the amount of one dose",
            )
        doses = entry.get("per_day")
        if doses is None:
            doses = 1
        elif isinstance(doses, str) and not _in_words(doses) and float(doses).is_integer():
            doses = int(float(doses))
        if not isinstance(doses, int) or isinstance(doses, bool) or not 1 <= doses <= 24:
            return raw  # per_day reports its own problem
        value /= doses
    return {"value": value, "unit": unit}


class MedicationUse(_Input):
    """A medication the person takes; ``times`` when known."""

    model_config = ConfigDict(json_schema_extra=_name_or_code("name"))

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
        if value is None:
            return None
        try:
            return _clock.normalise_clock(value)
        except _clock.TimeError as exc:
            raise _invalid("time_invalid", str(exc)) from None

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
            raise _invalid("lab_not_number", f"a lab value is a number, not {value!r}")
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


def _name_or_object(schema: dict[str, Any]) -> None:
    # A medication may be written as its name alone: the validator turns it into {name: ...}.
    schema["items"] = {"anyOf": [schema["items"], {"type": "string", "minLength": 1, "maxLength": 200}]}


def _either_case(schema: dict[str, Any]) -> None:
    # The validator folds case and spaces ("Female "), which an enum cannot say.
    words = [str(word) for word in schema.pop("enum", ())]
    schema.pop("const", None)
    schema.pop("type", None)
    pattern = "|".join("".join(f"[{c.upper()}{c}]" for c in word) for word in words)
    schema.update(type="string", pattern=f"^\\s*({pattern})\\s*$")


class Profile(_Input):
    """Who takes the regimen.

    A condition that names pregnancy or lactation (``pregnancy``,
    ``breastfeeding``) sets ``pregnant`` or ``lactating``, so that those
    life stages' limits and rules apply; the report says so.
    """

    age: Annotated[float, Field(ge=0, le=130)] | None = None
    sex: Annotated[Literal["female", "male"], Field(json_schema_extra=_either_case)] | None = None
    pregnant: bool = False
    lactating: bool = False
    conditions: tuple[Name, ...] = ()
    medications: tuple[MedicationUse, ...] = Field(default=(), json_schema_extra=_name_or_object)
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
            raise _invalid(
                "life_stage_conflict",
                f"condition {written[0][0]!r} (a life stage: {written[0][1]}) is given for sex 'male'",
            )
        if self.sex == "male" and (self.pregnant or self.lactating):
            raise _invalid("life_stage_conflict", "pregnant/lactating is set for sex 'male'")
        if self.age is not None and self.age < 9 and (self.pregnant or self.lactating):
            raise _invalid("life_stage_conflict", "pregnant/lactating is set for a child under 9")
        return self


_FOOD_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?|\.\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten)(?:\s*(\S.*))?$")
_COUNT_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_COUNT_WORDS.update({"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10})


def _read_food_amount(value: str) -> tuple[float, str]:
    """``"2 cups"`` -> ``(2.0, "cups")``; a number alone counts servings (``"2"`` -> ``(2.0, "")``).

    >>> _read_food_amount("two glasses"), _read_food_amount(" 1.5  standard drinks ")
    ((2.0, 'glasses'), (1.5, 'standard drinks'))
    """
    text = " ".join(value.split()).casefold()
    found = _FOOD_AMOUNT.match(text)
    number = None if found is None else _COUNT_WORDS.get(found.group(1)) or float(found.group(1))
    if found is None or number is None or not (0 < number <= 100):
        raise _invalid(
            "food_amount_invalid",
            f"{value!r} is not an amount of a food or drink: write a number from 0 to 100 and what it counts, "
            "e.g. '2 cups', '1 drink', '1 serving'",
        )
    return float(number), found.group(2) or ""


def _check_food_amount(value: str) -> str:
    number, unit = _read_food_amount(value)
    return f"{number:g} {unit}".strip()


FoodAmountText = Annotated[str, Field(min_length=1, max_length=40), AfterValidator(_check_food_amount)]


class FoodItem(_Input):
    """A food or drink in the person's day: its name, how much each time, and its times or slots when known.

    ``amount`` is per time it is taken (``2 drinks`` at dinner), like a
    regimen entry's amount per dose; left out, one serving each time.
    """

    name: Name
    amount: FoodAmountText | None = Field(
        default=None,
        description="How much each time: '2 cups', '2 drinks', '1 serving'; a number alone counts servings",
    )
    times: Times = None

    @property
    def quantity(self) -> tuple[float, str]:
        """The amount each time as ``(number, unit)``; one serving (``(1.0, "")``) when not given."""
        return (1.0, "") if self.amount is None else _read_food_amount(self.amount)


def _comments_allowed(schema: dict[str, Any]) -> None:
    schema["patternProperties"] = {"^_comment": {}}


class RegimenFile(_Input):
    """A whole regimen file: ``profile``, ``regimen``, the day's ``foods``, and the caller's own ``id`` for it."""

    # Its docstring is the schema's description; how units are checked without a
    # knowledge base is said on model_validate and in the module's docstring.

    model_config = ConfigDict(json_schema_extra=_comments_allowed)

    id: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="The caller's id for this regimen (a patient or member id), echoed in the report"
    )
    profile: Profile = Field(default_factory=Profile)
    regimen: tuple[RegimenEntry, ...] = Field(min_length=1)
    foods: tuple[FoodItem, ...] = Field(
        default=(),
        json_schema_extra=_name_or_object,
        description="Foods and drinks in the person's day ('coffee', {name: wine, amount: 2 drinks, times: [dinner]})",
    )
    # The knowledge base whose units this file was validated against, so that
    # check() need not repeat the work with the same one.
    _checked_against: "_Checked" = PrivateAttr(default_factory=lambda: _Checked(None))

    def units_checked_against(self, knowledge: "KnowledgeBase") -> bool:
        """Whether the units were already checked against ``knowledge`` when the file was validated."""
        return self._checked_against.knowledge is knowledge

    @field_validator("foods", mode="before")
    @classmethod
    def _names_to_foods(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [{"name": item} if isinstance(item, str) else item for item in value]
        return value

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
            return self  # no knowledge base given: check() checks the units against its own
        problems = unit_problems(self, knowledge)
        if problems:
            raise _Problems(problems)
        self._checked_against = _Checked(knowledge)
        return self

    @classmethod
    def model_validate(cls, obj: Any, *args: Any, **kwargs: Any) -> Self:
        """Validate a mapping; raise :class:`~suppcheck.InputError` on any problem.

        Units are checked against a knowledge base only when one is passed as
        ``context={"knowledge": kb}``; otherwise :func:`~suppcheck.check` checks them.
        """
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


class _Checked:
    """The knowledge base a regimen's units were checked against: a note for check(), not part of the regimen.

    Two regimens of the same content are equal whichever knowledge base (or
    none) checked their units, and the note is not pickled: a knowledge base
    read back in another process is another object, so there it would never
    match anyway.
    """

    __slots__ = ("knowledge",)

    def __init__(self, knowledge: object) -> None:
        self.knowledge = knowledge

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Checked)

    def __hash__(self) -> int:
        return 0  # every note is equal to every other

    def __reduce__(self) -> tuple[type["_Checked"], tuple[None]]:
        return _Checked, (None,)


def unit_problems(regimen: RegimenFile, knowledge: "KnowledgeBase") -> list[Problem]:
    """One problem per amount whose unit cannot apply to its substance and form."""
    problems = []
    amount_problem = knowledge.amount_problem
    for index, entry in enumerate(regimen.regimen):
        if entry.ingredients is None:
            # A single entry is its own part (see parts()), without building an Ingredient.
            assert entry.substance is not None
            assert entry.amount is not None
            message = amount_problem(entry.identity, entry.form, entry.amount.unit, entry.basis)
            if message:
                where = f"{_entry_label(index, entry.display_name)}.amount"
                loc: tuple[int | str, ...] = ("regimen", index, "amount")
                problems.append(Problem(message, "unit_not_applicable", loc, str(entry.amount), where))
            continue
        for i, part in enumerate(entry.ingredients):
            message = amount_problem(part.identity, part.form, part.amount.unit, part.basis)
            if message:
                where = f"{_entry_label(index, entry.display_name)}.ingredients[{i}] ({part.substance}).amount"
                loc = ("regimen", index, "ingredients", i, "amount")
                problems.append(Problem(message, "unit_not_applicable", loc, str(part.amount), where))
    return problems


def _entry_label(index: int, name: str | None) -> str:
    return f"regimen[{index}] ({name})" if name else f"regimen[{index}]"


# pydantic's own codes for what any reader of the format can fix, renamed only where ours says more.
_MESSAGES = {
    "extra_forbidden": "unknown field (not in regimen format v1)",
    "missing": "field is required",
}


def describe_errors(exc: ValidationError, raw: Any) -> list[Problem]:
    """Pydantic's errors as :class:`Problem` values, entries named by index and name.

    The type is pydantic's code (``missing``, ``extra_forbidden``,
    ``float_parsing``...) or, for a rule of the regimen format, the code the
    validator raised (``unit_not_applicable``); a validator that raised a
    plain ``ValueError`` gives ``value_error``.
    """
    problems: list[Problem] = []
    errors = exc.errors(include_url=False)
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(
            len(e["loc"]) > len(loc) and tuple(e["loc"][: len(loc)]) == loc for e in errors
        ):
            continue  # the list is short only because its bad items were reported already
        kind = error["type"]
        message = _MESSAGES.get(kind) or str(error["msg"]).removeprefix("Value error, ")
        if not loc and kind == "model_type":
            message = f"a regimen is a mapping with 'profile' and 'regimen', not {_kind_of(error.get('input'))}"
        if kind == "json_invalid":
            message = f"invalid JSON: {error.get('ctx', {}).get('error', message)}"
        found = error.get("ctx", {}).get("error")
        if isinstance(found, _Problems):
            problems.extend(found.problems)
            continue
        value = error.get("input") if kind != "missing" else None
        problems.append(Problem(message, kind, loc, _echoed(value), _path(loc, raw) if loc else None))
    return problems


def _kind_of(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, str):
        return "text"
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _echoed(value: Any) -> Any:
    # The refused value, as JSON would carry it: a model or a long list is not echoed back.
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return None


class _Problems(ValueError):
    """Several problems found by one validator, each with its own path."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(p.line() for p in problems))
        self.problems = problems


def _path(loc: Sequence[int | str], raw: Any) -> str:
    out = ""
    node = raw
    for i, part in enumerate(loc):
        if isinstance(part, int):
            out += f"[{part}]"
            node = node[part] if isinstance(node, Sequence) and not isinstance(node, str) and part < len(node) else None
            if i >= 1 and loc[i - 1] in ("regimen", "ingredients", "foods") and isinstance(node, Mapping):
                name = node.get("substance") or node.get("product") or node.get("name")
                if isinstance(name, str):
                    out += f" ({name})"
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, Mapping) else None
    return out
