"""Units: the fast table agrees with pint, and every conversion the format names."""

from __future__ import annotations

import contextlib
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from suppcheck import _units
from suppcheck._units import COMMON_UNITS, UnitError, canonical_factor, convert, parse_unit, split_amount


@pytest.mark.parametrize("spelling", sorted(COMMON_UNITS))
def test_common_table_matches_pint(spelling: str) -> None:
    fast = COMMON_UNITS[spelling]
    slow = _units._parse_with_pint(spelling)
    assert slow.dimension == fast.dimension
    assert math.isclose(slow.mg_per_unit, fast.mg_per_unit, rel_tol=1e-12)


@pytest.mark.parametrize(
    ("text", "value", "unit"),
    [
        ("400 mg", 400.0, "mg"),
        ("400mg", 400.0, "mg"),
        ("0.4 g", 0.4, "g"),
        ("1,000 IU", 1000.0, "IU"),
        ("2,000,000 IU", 2_000_000.0, "IU"),
        ("25 mcg", 25.0, "mcg"),
        ("25 µg", 25.0, "µg"),
        ("25 μg", 25.0, "μg"),
        ("25 ug", 25.0, "ug"),
        (".5 mg", 0.5, "mg"),
        ("900 mcg RAE", 900.0, "mcg RAE"),
    ],
)
def test_split_amount(text: str, value: float, unit: str) -> None:
    assert split_amount(text) == (value, unit)


@pytest.mark.parametrize("text", ["mg", "400", "", "four hundred mg", "1,00 mg"])
def test_split_amount_rejects(text: str) -> None:
    with pytest.raises(UnitError):
        split_amount(text)


@pytest.mark.parametrize("spelling", ["mg", "mcg", "µg", "μg", "ug", "g", "milligrams", "kg"])
def test_mass_spellings(spelling: str) -> None:
    assert parse_unit(spelling).is_mass


def test_uncommon_spelling_goes_through_pint_once() -> None:
    parse_unit.cache_clear()
    assert parse_unit("kilogram").mg_per_unit == pytest.approx(1e6)
    assert parse_unit("kilogram") is parse_unit("kilogram")
    assert parse_unit.cache_info().hits >= 1


@pytest.mark.parametrize("junk", ["furlong", "mg/day", "m", "IU IU", "1/0", "sec"])
def test_unknown_units(junk: str) -> None:
    with pytest.raises(UnitError):
        parse_unit(junk)


def test_volume_needs_a_concentration() -> None:
    assert parse_unit("mL").dimension == "volume"
    with pytest.raises(UnitError, match="concentration"):
        canonical_factor(parse_unit("mL"), "mg", None)


def test_vitamin_d_iu() -> None:
    # NASEM: 1 mcg cholecalciferol = 40 IU.
    assert convert(400, "IU", "mcg", per_unit=0.025) == pytest.approx(10.0)
    assert convert(4000, "IU", "mcg", per_unit=0.025) == pytest.approx(100.0)
    assert canonical_factor(parse_unit("IU"), "mcg", 0.025) == pytest.approx(0.025)


def test_vitamin_e_iu_by_form_and_for_the_upper_limit() -> None:
    natural, synthetic, synthetic_ul = 0.67, 0.45, 0.909
    assert convert(400, "IU", "mg", per_unit=natural) == pytest.approx(268.0)
    assert convert(400, "IU", "mg", per_unit=synthetic) == pytest.approx(180.0)
    # 1,100 IU synthetic is about the 1,000 mg upper limit.
    assert convert(1100, "IU", "mg", per_unit=synthetic_ul) == pytest.approx(1000, rel=1e-3)


def test_vitamin_a_iu_to_rae_and_mass() -> None:
    assert convert(10_000, "IU", "mcg RAE", per_unit=0.3) == pytest.approx(3000.0)
    assert convert(900, "mcg", "mcg RAE") == pytest.approx(900.0)
    assert convert(900, "mcg RAE", "mcg RAE") == pytest.approx(900.0)


def test_folate_dfe_to_folic_acid() -> None:
    assert convert(680, "mcg DFE", "mcg", per_unit=1 / 1.7) == pytest.approx(400.0)


def test_conversion_that_does_not_apply() -> None:
    with pytest.raises(UnitError):
        convert(400, "IU", "mg")
    with pytest.raises(UnitError):
        canonical_factor(parse_unit("IU"), "mg", None)
    with pytest.raises(UnitError):
        convert(1, "mL", "mg", per_unit=1.0)


@given(st.floats(min_value=1e-6, max_value=1e6, allow_nan=False, allow_infinity=False))
def test_mass_in_mg_and_mcg_agree(value: float) -> None:
    mg = value * canonical_factor(parse_unit("mg"), "mg", None)
    mcg = value * 1000 * canonical_factor(parse_unit("mcg"), "mg", None)
    assert math.isclose(mg, mcg, rel_tol=1e-9)
    assert math.isclose(convert(value, "mg", "mcg"), value * 1000, rel_tol=1e-9)


@given(
    st.floats(min_value=1e-9, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.sampled_from(sorted(COMMON_UNITS)),
    st.sampled_from(["mg", "mcg", "mcg RAE"]),
    st.floats(min_value=1e-3, max_value=1e3),
)
def test_fast_path_matches_pint_and_never_crashes(value: float, unit: str, canonical: str, per_unit: float) -> None:
    spec = parse_unit(unit)
    try:
        fast = value * canonical_factor(spec, canonical, per_unit)
    except UnitError:
        with pytest.raises(UnitError):
            convert(value, unit, canonical, per_unit=per_unit)
        return
    assert math.isfinite(fast)
    assert math.isclose(fast, convert(value, unit, canonical, per_unit=per_unit), rel_tol=1e-9)


@given(st.text(max_size=30))
def test_parse_unit_on_junk_raises_only_unit_error(text: str) -> None:
    with contextlib.suppress(UnitError):
        parse_unit(text)
