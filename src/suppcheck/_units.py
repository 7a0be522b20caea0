"""Amounts and units.

One pint registry, built from suppcheck's own small set of definitions on
first use (never at import: ``import pint`` alone costs about 0.2 s). Amounts
are converted to a substance's canonical unit by factors: a mass spelling
gives a factor to milligrams, and a substance-specific unit (IU, mcg RAE, mcg
DFE) takes the factor the knowledge base gives for the substance or its
form. The common spellings resolve from a table that a test checks against
pint; any other spelling goes through pint once and is cached, so the hot
path never parses the same unit string twice.

Substance-specific conversions are pint contexts with one parameter, the
canonical amount per unit, so that the registry can do them too:

>>> convert(400, "IU", "mcg", per_unit=0.025)
10.0
>>> convert(0.4, "g", "mg")
400.0
"""

from __future__ import annotations

import math
import os
import re
import threading
from functools import lru_cache
from typing import Any, Literal, NamedTuple

Dimension = Literal["mass", "IU", "mcg RAE", "mcg DFE", "volume"]


class UnitSpec(NamedTuple):
    """A parsed unit: its dimension and, for masses, milligrams per unit."""

    text: str
    dimension: Dimension
    mg_per_unit: float = 1.0

    @property
    def is_mass(self) -> bool:
        """Whether the unit is a mass (g, mg, mcg), as opposed to an activity or equivalent unit."""
        return self.dimension == "mass"


class UnitError(ValueError):
    """A unit string is unknown or cannot apply; the message says which."""


_DEFINITIONS = """\
gram = [mass] = g = grams = gm
milligram = 1e-3 * gram = mg = milligrams
microgram = 1e-6 * gram = mcg = µg = μg = ug = micrograms
kilogram = 1000 * gram = kg
liter = [volume] = L = l = litre = liters = litres
milliliter = 1e-3 * liter = mL = ml = millilitre = milliliters
teaspoon = 4.92892159375e-3 * liter = tsp
drop = 5e-5 * liter = drops = gtt
international_unit = [vitamin_activity] = IU = iu = IUs
microgram_RAE = [retinol_activity] = mcg_RAE = µg_RAE = μg_RAE = ug_RAE
microgram_DFE = [folate_activity] = mcg_DFE = µg_DFE = μg_DFE = ug_DFE
"""

# Pint dimension -> our dimension name; and the pint unit of each canonical unit.
_DIMENSIONS: dict[str, Dimension] = {
    "[mass]": "mass",
    "[vitamin_activity]": "IU",
    "[retinol_activity]": "mcg RAE",
    "[folate_activity]": "mcg DFE",
    "[volume]": "volume",
}
_PINT_UNIT = {"mg": "mg", "mcg": "mcg", "IU": "IU", "mcg RAE": "mcg_RAE", "mcg DFE": "mcg_DFE"}

# The spellings people write most, resolved without pint. tests/test_units.py
# checks every row against the registry.
_COMMON_ROWS: tuple[tuple[tuple[str, ...], Dimension, float], ...] = (
    (("mg", "milligram", "milligrams"), "mass", 1.0),
    (("g", "gram", "grams"), "mass", 1000.0),
    (("mcg", "µg", "μg", "ug", "microgram", "micrograms"), "mass", 0.001),
    (("IU", "iu"), "IU", 1.0),
    (("mcg RAE", "µg RAE", "μg RAE", "ug RAE"), "mcg RAE", 1.0),
    (("mcg DFE", "µg DFE", "μg DFE", "ug DFE"), "mcg DFE", 1.0),
)
COMMON_UNITS: dict[str, UnitSpec] = {
    spelling: UnitSpec(spelling, dim, factor) for spellings, dim, factor in _COMMON_ROWS for spelling in spellings
}

_registry: Any = None
_registry_lock = threading.Lock()


def _fresh_lock_in_child() -> None:
    # See _kb/loader.py: a forked child must not wait on a lock held by a thread it lacks.
    global _registry_lock
    _registry_lock = threading.Lock()


if hasattr(os, "register_at_fork"):  # POSIX
    os.register_at_fork(after_in_child=_fresh_lock_in_child)


def registry() -> Any:
    """The package's pint registry (built once, thread-safely, on first use).

    Typed ``Any``: pint's own annotations are incomplete under ``mypy --strict``.
    """
    global _registry
    if _registry is None:
        with _registry_lock:
            if _registry is None:
                _registry = _build_registry()
    return _registry


def _build_registry() -> Any:
    import pint

    ureg: Any = pint.UnitRegistry(None, cache_folder=None)
    for line in _DEFINITIONS.splitlines():
        ureg.define(line)
    # One context per substance-specific conversion; the parameter is the
    # target amount per source unit, which the knowledge base gives per
    # substance and form.
    for source, target in _CONVERSIONS:
        ctx = pint.Context(_context_name(source, target), defaults={"per_unit": 1.0})
        ctx.add_transformation(source, target, _scale(source, target))
        ureg.add_context(ctx)
    return ureg


_BASE_UNIT = {
    "[vitamin_activity]": "IU",
    "[retinol_activity]": "mcg_RAE",
    "[folate_activity]": "mcg_DFE",
    "[mass]": "mcg",
}
_CONVERSIONS = [
    (source, target)
    for source in ("[vitamin_activity]", "[retinol_activity]", "[folate_activity]", "[mass]")
    for target in ("[mass]", "[retinol_activity]")
    if source != target
]


def _context_name(source: str, target: str) -> str:
    return f"{source.strip('[]')}_to_{target.strip('[]')}"


def _scale(source: str, target: str) -> Any:
    src_unit, dst_unit = _BASE_UNIT[source], _BASE_UNIT[target]

    def transform(ureg: Any, x: Any, per_unit: float) -> Any:
        return x.to(src_unit).magnitude * per_unit * ureg.Unit(dst_unit)

    return transform


_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=512)
def parse_unit(text: str) -> UnitSpec:
    """Resolve a unit spelling, through the table or else through pint (cached).

    >>> parse_unit("µg").mg_per_unit
    0.001
    >>> parse_unit("mcg  rae").dimension
    'mcg RAE'
    """
    cleaned = _SPACES.sub(" ", text.strip())
    spec = COMMON_UNITS.get(cleaned) or COMMON_UNITS.get(_activity_spelling(cleaned))
    if spec is not None:
        return spec
    return _parse_with_pint(cleaned)


def _activity_spelling(text: str) -> str:
    head, _, tail = text.rpartition(" ")
    return f"{head} {tail.upper()}" if tail.casefold() in ("rae", "dfe") else text


def _parse_with_pint(text: str) -> UnitSpec:
    ureg = registry()
    try:
        unit: Any = ureg.parse_units(re.sub(r"\s+(RAE|DFE)$", r"_\1", text, flags=re.IGNORECASE))
    except Exception as exc:  # pint raises many kinds on junk; all mean "not a unit"
        raise UnitError(f"unknown unit {text!r}") from exc
    dimension = _DIMENSIONS.get(str(unit.dimensionality))
    if dimension is None:
        raise UnitError(f"unit {text!r} is not an amount (mass, IU, mcg RAE, mcg DFE)")
    if dimension == "mass":
        return UnitSpec(text, "mass", float(ureg.Quantity(1, unit).to("mg").magnitude))
    if dimension == "volume":
        return UnitSpec(text, "volume", 1.0)
    return UnitSpec(text, dimension, float(ureg.Quantity(1, unit).to(_PINT_UNIT[dimension]).magnitude))


_NUMBER = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+"
_AMOUNT = re.compile(rf"^\s*([+-]?(?:{_NUMBER}))\s*([^\d\s,.].*?)?\s*$")


@lru_cache(maxsize=4096)
def split_amount(text: str) -> tuple[float, str]:
    """Split ``"1,000 IU"`` into ``(1000.0, "IU")``; the unit is not checked here.

    >>> split_amount("400mg")
    (400.0, 'mg')
    >>> split_amount("2,000 IU")
    (2000.0, 'IU')
    """
    match = _AMOUNT.match(text)
    if match is None or not match.group(2):
        raise UnitError(f"{text!r} is not an amount such as '400 mg'")
    return float(match.group(1).replace(",", "")), match.group(2)


def canonical_factor(spec: UnitSpec, canonical: str, per_unit: float | None) -> float:
    """Canonical units per one ``spec`` unit, or raise :class:`UnitError`.

    ``per_unit`` is the knowledge base's factor for a non-mass unit (canonical
    units per unit), ``None`` when the substance and form give none.
    """
    if spec.is_mass:
        if canonical == "mg":
            return spec.mg_per_unit
        # mcg, and mcg RAE, which labels state as a mass of retinol
        return spec.mg_per_unit * 1000.0
    if spec.dimension == "volume":
        raise UnitError(f"unit {spec.text!r} needs a known concentration")
    if spec.dimension == canonical:
        return spec.mg_per_unit
    if per_unit is None:
        raise UnitError(f"unit {spec.text!r}")
    return spec.mg_per_unit * per_unit


def convert(value: float, unit: str, canonical: str, *, per_unit: float | None = None) -> float:
    """Convert with the pint registry and its contexts: the reference path.

    The checker multiplies by :func:`canonical_factor`; tests compare the two
    for every unit and factor in the knowledge base.
    """
    if not math.isfinite(value):
        raise UnitError("amount is not a finite number")
    spec = parse_unit(unit)
    ureg = registry()
    source = _pint_spelling(unit, spec)
    target = _PINT_UNIT[canonical]
    quantity = ureg.Quantity(value, source)
    if spec.dimension == "volume":
        raise UnitError(f"unit {unit!r} needs a known concentration")
    if spec.is_mass and canonical == "mcg RAE":
        return float(quantity.to(target, "mass_to_retinol_activity", per_unit=1.0).magnitude)
    if spec.is_mass or spec.dimension == canonical:
        return float(quantity.to(target).magnitude)
    if per_unit is None:
        raise UnitError(f"unit {unit!r} does not convert to {canonical} without a factor")
    source_dim = next(d for d, name in _DIMENSIONS.items() if name == spec.dimension)
    target_dim = "[retinol_activity]" if canonical == "mcg RAE" else "[mass]"
    # The contexts land in the target's base unit (micrograms for a mass).
    scaled = per_unit * (1000.0 if canonical == "mg" else 1.0)
    return float(quantity.to(target, _context_name(source_dim, target_dim), per_unit=scaled).magnitude)


def _pint_spelling(unit: str, spec: UnitSpec) -> str:
    if spec.dimension in ("mcg RAE", "mcg DFE"):
        return _PINT_UNIT[spec.dimension]
    return _SPACES.sub(" ", unit.strip())
