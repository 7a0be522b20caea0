"""Times, frequencies and amounts as people and systems write them: what is read, what is refused and why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suppcheck import InputError, RegimenFile, check, plan
from suppcheck._clock import TimeError, normalise, normalise_clock, parse_frequency, resolve

SETTINGS = settings(max_examples=80, deadline=None)


def entry_of(**entry: Any) -> Any:
    """The validated entry of a one-entry regimen."""
    data = {"profile": {"age": 40}, "regimen": [{"substance": "magnesium", "amount": "100 mg", **entry}]}
    return RegimenFile.model_validate(data).regimen[0]


def problems_of(profile: dict[str, Any] | None = None, **entry: Any) -> str:
    data = {
        "profile": {"age": 40, **(profile or {})},
        "regimen": [{"substance": "magnesium", "amount": "100 mg", **entry}],
    }
    with pytest.raises(InputError) as info:
        RegimenFile.model_validate(data)
    return "\n".join(info.value.problems)


# -- times ----------------------------------------------------------------------------------------

ACCEPTED_TIMES = [
    ("08:00", "08:00"),
    ("8:05", "08:05"),
    ("08:00:00", "08:00"),
    ("23:59:00.000", "23:59"),
    ("8am", "08:00"),
    ("٠٨:٠٠", "08:00"),
    ("０８：３０", "08:30"),
    ("8 AM", "08:00"),
    ("8 a.m.", "08:00"),
    ("8:30 pm", "20:30"),
    ("8.30pm", "20:30"),
    ("12am", "00:00"),
    ("12pm", "12:00"),
    ("12:15 am", "00:15"),
    ("midnight", "00:00"),
    ("12 noon", "12:00"),
    ("noon", "lunch"),
    ("midday", "lunch"),
    ("breakfast", "breakfast"),
    ("Morning", "breakfast"),
    ("night", "bedtime"),
    ("with breakfast", "breakfast"),
    ("at breakfast", "breakfast"),
    ("before breakfast", "breakfast"),
    ("after dinner", "dinner"),
    ("during lunch", "lunch"),
    ("at bedtime", "bedtime"),
    ("before bed", "bedtime"),
    ("before  Bedtime", "bedtime"),
    ("at night", "bedtime"),
    ("on waking", "wake"),
    ("upon waking", "wake"),
    ("on rising", "wake"),
    ("empty stomach", "wake"),
    ("on an empty stomach", "wake"),
    ("in the morning", "breakfast"),
    ("in the evening", "dinner"),
    # FHIR R4 EventTiming (Timing.repeat.when)
    ("WAKE", "wake"),
    ("CM", "breakfast"),
    ("CD", "lunch"),
    ("CV", "dinner"),
    ("ACM", "breakfast"),
    ("ACD", "lunch"),
    ("ACV", "dinner"),
    ("PCM", "breakfast"),
    ("PCD", "lunch"),
    ("PCV", "dinner"),
    ("HS", "bedtime"),
    ("hs", "bedtime"),
    ("MORN", "breakfast"),
    ("NOON", "lunch"),
    ("EVE", "dinner"),
    ("NIGHT", "bedtime"),
]


@pytest.mark.parametrize(("written", "canonical"), [row for row in ACCEPTED_TIMES if row[1] is not None])
def test_a_time_spelling_is_stored_canonical_in_entries_and_medications(written: str, canonical: str) -> None:
    assert entry_of(times=[written]).times == (canonical,)
    data = {
        "profile": {"age": 40, "medications": [{"name": "levothyroxine", "times": [written]}]},
        "regimen": [{"substance": "zinc", "amount": "10 mg"}],
    }
    assert RegimenFile.model_validate(data).profile.medications[0].times == (canonical,)


REFUSED_TIMES = [
    ("08:00:30", "'08:00:30' has seconds: times are to the minute, write '08:00'"),
    ("8", "'8' could be morning or evening: write '08:00' or '20:00' (24-hour), or add am/pm"),
    ("7:30", None),  # 24-hour H:MM is accepted (as before): not refused
    ("13pm", "'13pm' is not a 12-hour time"),
    ("0am", "'0am' is not a 12-hour time"),
    ("24:00", "'24:00' is not a time of day: write '00:00' for midnight"),
    ("25:00", "'25:00' is not a time"),
    ("AC", "'AC' names no meal: give one time per dose, e.g. 'breakfast', 'lunch' or 'dinner'"),
    ("C", "'C' names no meal"),
    ("PC", "'PC' names no meal"),
    ("with meals", "'with meals' names no meal"),
    ("with food", "'with food' names no meal"),
    ("AFT", "'AFT' has no slot in the day (wake, breakfast, lunch, dinner, bedtime): write the dose's clock time"),
    ("afternoon", "'afternoon' has no slot in the day"),
    ("PHS", "'PHS' has no slot in the day"),
    ("ICM", "'ICM' has no slot in the day"),
    ("between meals", "'between meals' has no slot in the day"),
    ("MORN.early", "'MORN.early' has no slot in the day"),
    ("brunch", "'brunch' is not a time: use HH:MM (24-hour), '8am', a slot name"),
    ("with supper", "'with supper' is not a time"),
]


@pytest.mark.parametrize(("written", "message"), [row for row in REFUSED_TIMES if row[1] is not None])
def test_an_ambiguous_or_unknown_time_is_refused_with_what_to_write(written: str, message: str) -> None:
    assert f"regimen[0] (magnesium).times[0]: {message}" in problems_of(times=[written])


def test_h_mm_stays_accepted() -> None:
    assert entry_of(times=["7:30"]).times == ("07:30",)


@pytest.mark.parametrize(
    ("written", "canonical"),
    [("07:00", "07:00"), ("06:30:00", "06:30"), ("7am", "07:00"), ("10:30 pm", "22:30"), ("midnight", "00:00")],
)
def test_the_day_takes_clock_spellings(written: str, canonical: str) -> None:
    data = {"profile": {"age": 40, "day": {"bedtime": written}}, "regimen": [{"substance": "zinc", "amount": "1 mg"}]}
    assert RegimenFile.model_validate(data).profile.day.bedtime == canonical


@pytest.mark.parametrize("written", ["breakfast", "at bedtime", "HS", "8", "25:00"])
def test_the_day_refuses_slots_and_ambiguous_clock_times(written: str) -> None:
    assert "profile.day.wake: " in problems_of(profile={"day": {"wake": written}})


def test_a_before_meal_time_is_checked_at_the_meal_as_the_docs_say() -> None:
    # The day has one time per meal: calcium "before breakfast" and iron "with breakfast"
    # are at the same minute, so their separation is reported, never missed.
    def separations(calcium_time: str) -> list[str]:
        report = check(
            {
                "profile": {"age": 40},
                "regimen": [
                    {"substance": "iron", "amount": "18 mg", "times": ["with breakfast"]},
                    {"substance": "calcium", "form": "carbonate", "amount": "500 mg", "times": [calcium_time]},
                ],
            }
        )
        return sorted(f.rule_id or f.code for f in report.findings if "separation" in f.code)

    assert separations("before breakfast") == separations("breakfast") == separations("ACM")
    assert separations("breakfast")


@SETTINGS
@given(st.integers(0, 23), st.integers(0, 59))
def test_hh_mm_ss_with_zero_seconds_is_hh_mm(hour: int, minute: int) -> None:
    assert normalise(f"{hour:02d}:{minute:02d}:00") == f"{hour:02d}:{minute:02d}"


@SETTINGS
@given(st.integers(1, 12), st.integers(0, 59), st.sampled_from(["am", "pm", " AM", " p.m."]))
def test_twelve_hour_times_agree_with_the_24_hour_clock(hour: int, minute: int, half: str) -> None:
    expected = (hour % 12 + (12 if "p" in half.lower() else 0)) * 60 + minute
    assert resolve(normalise(f"{hour}:{minute:02d}{half}"), {}) == expected


ALL_TIMES = [w for w, c in ACCEPTED_TIMES if c is not None]


@SETTINGS
@given(st.one_of(st.sampled_from(ALL_TIMES), st.builds("{:02d}:{:02d}".format, st.integers(0, 23), st.integers(0, 59))))
def test_a_normalised_time_normalises_to_itself_and_resolves_the_same(written: str) -> None:
    canonical = normalise(written)
    assert normalise(canonical) == canonical
    assert resolve(canonical, {"bedtime": "23:00"}) == resolve(written, {"bedtime": "23:00"})


@SETTINGS
@given(st.text(max_size=12))
def test_any_text_is_a_time_or_a_time_error(text: str) -> None:
    try:
        canonical = normalise(text)
    except TimeError as exc:
        message = str(exc)
        assert repr(text) in message or "has seconds" in message
    else:
        assert normalise(canonical) == canonical


def test_clock_spellings_only_for_the_day() -> None:
    assert normalise_clock("7am") == "07:00"
    with pytest.raises(ValueError, match="not a time"):
        normalise_clock("breakfast")


# -- frequencies ----------------------------------------------------------------------------------

ACCEPTED_FREQUENCIES: list[tuple[str, dict[str, Any]]] = [
    ("once daily", {"per_day": 1}),
    ("once a day", {"per_day": 1}),
    ("daily", {"per_day": 1}),
    ("every day", {"per_day": 1}),
    ("qd", {"per_day": 1}),
    ("OD", {"per_day": 1}),
    ("1x daily", {"per_day": 1}),
    ("twice daily", {"per_day": 2}),
    ("Twice a day", {"per_day": 2}),
    ("bid", {"per_day": 2}),
    ("b.i.d.", {"per_day": 2}),
    ("BD", {"per_day": 2}),
    ("three times daily", {"per_day": 3}),
    ("tid", {"per_day": 3}),
    ("tds", {"per_day": 3}),
    ("qid", {"per_day": 4}),
    ("four times a day", {"per_day": 4}),
    ("5 times a day", {"per_day": 5}),
    ("3x daily", {"per_day": 3}),
    ("2 times per day", {"per_day": 2}),
    ("2/day", {"per_day": 2}),
    ("q12h", {"per_day": 2}),
    ("every 8 hours", {"per_day": 3}),
    ("qhs", {"per_day": 1, "times": ("bedtime",)}),
    ("q.h.s.", {"per_day": 1, "times": ("bedtime",)}),
    ("nightly", {"per_day": 1, "times": ("bedtime",)}),
    ("every other day", {"every_days": 2}),
    ("alternate days", {"every_days": 2}),
    ("qod", {"every_days": 2}),
    ("every 3 days", {"every_days": 3}),
    ("every 7 days", {"per_week": 1}),
    ("every 1 day", {"per_day": 1}),
    ("weekly", {"per_week": 1}),
    ("once a week", {"per_week": 1}),
    ("twice weekly", {"per_week": 2}),
    ("3 times a week", {"per_week": 3}),
    ("2x weekly", {"per_week": 2}),
]


@pytest.mark.parametrize(("written", "fields"), ACCEPTED_FREQUENCIES)
@pytest.mark.parametrize("field", ["frequency", "per_day"])
def test_a_frequency_in_words_sets_the_schedule(written: str, fields: dict[str, Any], field: str) -> None:
    entry = entry_of(**{field: written})
    expected = {"per_day": None, "per_week": None, "every_days": None, "times": None, **fields}
    assert {name: getattr(entry, name) for name in expected} == expected
    assert entry.frequency is None  # read into the schedule fields


@pytest.mark.parametrize(
    ("fields", "daily"),
    [({"per_day": 2}, 2.0), ({"per_week": 3}, 3 / 7), ({"every_days": 2}, 0.5), ({"frequency": "every 4 days"}, 0.25)],
)
def test_daily_averages(fields: dict[str, Any], daily: float) -> None:
    assert entry_of(**fields).daily_frequency == pytest.approx(daily)


def test_every_other_day_halves_the_daily_total() -> None:
    report = check(
        {
            "profile": {"age": 40},
            "regimen": [{"substance": "vitamin D", "amount": "2,000 IU", "frequency": "every other day"}],
        }
    )
    (total,) = report.totals
    daily = check({"profile": {"age": 40}, "regimen": [{"substance": "vitamin D", "amount": "1,000 IU"}]}).totals[0]
    assert total.daily_amount == pytest.approx(daily.daily_amount)


REFUSED_FREQUENCIES = [
    ({"frequency": "daily", "times": ["08:00", "20:00"]}, "frequency 'daily' is 1 time(s) a day but times gives 2"),
    ({"frequency": "twice daily", "times": ["08:00"]}, "frequency 'twice daily' is 2 time(s) a day but times gives 1"),
    ({"frequency": "weekly", "times": ["08:00", "20:00"]}, "is one dose on the days it is taken but times gives 2"),
    ({"frequency": "qhs", "times": ["08:00"]}, "frequency 'qhs' means at bedtime, but times gives 08:00"),
    ({"per_day": "daily", "times": ["08:00", "20:00"]}, "per_day 'daily' is 1 time(s) a day but times gives 2"),
    ({"frequency": "bid", "per_day": 2}, "give 'frequency' or 'per_day', not both"),
    ({"frequency": "weekly", "per_week": 1}, "give 'frequency' or 'per_week', not both"),
    ({"frequency": "bid", "per_day": "twice daily"}, "give 'frequency' or 'per_day', not both"),
    ({"every_days": 2, "per_day": 1}, "give every_days, per_day or per_week: one of them"),
    ({"every_days": 2, "times": ["08:00", "20:00"]}, "times has 2 item(s) but the entry is taken every 2 days"),
    ({"every_days": 1}, "regimen[0] (magnesium).every_days"),
    ({"frequency": "2 x"}, "frequency '2 x' says how many but not per what"),
    ({"frequency": "2"}, "frequency '2' says how many but not per what"),
    ({"frequency": "1-2 times a day"}, "frequency '1-2 times a day' is a range"),
    ({"frequency": "prn"}, "frequency 'prn' is taken only when needed"),
    ({"frequency": "as needed"}, "frequency 'as needed' is taken only when needed"),
    ({"frequency": "monthly"}, "frequency 'monthly' could be every 28, 30 or 31 days: write 'every 30 days'"),
    ({"frequency": "sometimes"}, "regimen[0] (magnesium).frequency: frequency 'sometimes' is not one this reads"),
    ({"per_day": "sometimes"}, "regimen[0] (magnesium).per_day: frequency 'sometimes' is not one this reads"),
    ({"frequency": "30 times a day"}, "between 1 and 24 doses a day"),
    ({"frequency": "every 5 hours"}, "every 4, 6, 8, 12 or 24 hours divide the day"),
]


@pytest.mark.parametrize(("fields", "message"), REFUSED_FREQUENCIES)
def test_an_ambiguous_frequency_is_refused_with_what_to_write(fields: dict[str, Any], message: str) -> None:
    assert message in problems_of(**fields)


@pytest.mark.parametrize("written", ["2", " 2 ", "2.0"])
def test_per_day_as_a_number_in_text_is_still_the_number(written: str) -> None:
    assert entry_of(per_day=written).per_day == 2
    assert entry_of(per_day=written, amount="400 mg/day").amount.value == 200.0


@SETTINGS
@given(st.integers(1, 24), st.sampled_from(["{} times a day", "{} times daily", "{}x daily", "{} times per day"]))
def test_n_times_a_day_is_per_day_n(n: int, pattern: str) -> None:
    assert parse_frequency(pattern.format(n)).per_day == n


def test_plan_refuses_every_n_days_rather_than_showing_it_daily() -> None:
    with pytest.raises(InputError, match=r"regimen\[0\] \(vitamin D\)\.every_days: plan\(\) schedules daily"):
        plan({"profile": {"age": 40}, "regimen": [{"substance": "vitamin D", "amount": "1000 IU", "every_days": 2}]})


# -- amounts --------------------------------------------------------------------------------------

ACCEPTED_AMOUNTS: list[tuple[dict[str, Any], tuple[float, str]]] = [
    ({"amount": "400 mg"}, (400.0, "mg")),
    ({"amount": "1,000 mg"}, (1000.0, "mg")),
    ({"amount": "1,000.5 mg"}, (1000.5, "mg")),
    ({"amount": "1.025 mg"}, (1.025, "mg")),
    ({"amount": "1.15e+04 mcg"}, (11500.0, "mcg")),
    ({"amount": "1.5E2 mg"}, (150.0, "mg")),
    ({"amount": "4e2mg"}, (400.0, "mg")),
    ({"amount": "４００ｍｇ"}, (400.0, "mg")),
    ({"amount": "400 ㎎"}, (400.0, "mg")),
    ({"amount": "٤٠٠ mg"}, (400.0, "mg")),
    ({"amount": "400 mg/day"}, (400.0, "mg")),
    ({"amount": "400 mg/day", "per_day": None}, (400.0, "mg")),
    ({"amount": "400 mg/day", "per_day": 2}, (200.0, "mg")),
    ({"amount": "400 mg per day", "frequency": "bid"}, (200.0, "mg")),
    ({"amount": "300 mg daily", "frequency": "tid"}, (100.0, "mg")),
    ({"amount": "400 mg a day", "per_day": "twice daily"}, (200.0, "mg")),
    ({"amount": "400 mg/d", "per_day": "2"}, (200.0, "mg")),
    ({"amount": {"value": 400, "unit": "mg/day"}, "per_day": 2}, (200.0, "mg")),
    ({"amount": "2 tablets", "strength": "200 mg"}, (400.0, "mg")),
    ({"amount": "1 capsule", "strength": "0.2 g"}, (0.2, "g")),
    ({"amount": "2 Caps", "strength": {"value": 100, "unit": "mg"}}, (200.0, "mg")),
    ({"amount": {"value": 2, "unit": "softgels"}, "strength": "50 mg"}, (100.0, "mg")),
    ({"amount": "4 tablets/day", "strength": "100 mg", "per_day": 2}, (200.0, "mg")),
]


@pytest.mark.parametrize(("fields", "amount"), ACCEPTED_AMOUNTS)
def test_an_amount_spelling_becomes_the_amount_per_dose(fields: dict[str, Any], amount: tuple[float, str]) -> None:
    entry = entry_of(**fields)
    assert entry.amount is not None
    assert (entry.amount.value, entry.amount.unit) == (pytest.approx(amount[0]), amount[1])
    assert entry.strength is None  # read into the amount


def test_a_product_ingredient_takes_a_count_and_a_daily_total() -> None:
    data = {
        "profile": {"age": 40},
        "regimen": [
            {
                "product": "Daily Multi",
                "per_day": 2,
                "ingredients": [
                    {"substance": "zinc", "amount": "2 tablets", "strength": "5 mg"},
                    {"substance": "magnesium", "amount": "200 mg/day"},
                ],
            }
        ],
    }
    parts = RegimenFile.model_validate(data).regimen[0].parts()
    assert [(p.amount.value, p.amount.unit, p.strength) for p in parts] == [(10.0, "mg", None), (100.0, "mg", None)]


REFUSED_AMOUNTS = [
    ({"amount": "0,5 mg"}, "'0,5 mg': the comma is not a thousands separator"),
    ({"amount": "1,5 mg"}, "write a decimal point, e.g. '1.5 mg'"),
    ({"amount": "0,500 mg"}, "'0,500 mg': the comma is not a thousands separator"),
    ({"amount": "1,00,000 IU"}, "write the number without separators"),
    ({"amount": "2 x"}, "'2 x' is ambiguous (how many doses, or how many tablets in one?)"),
    ({"amount": "400 mg/day", "per_day": 0}, "regimen[0] (magnesium).per_day"),
    ({"amount": {"value": True, "unit": "tablets"}, "strength": "5 mg"}, "regimen[0] (magnesium).amount"),
    ({"amount": "2x400mg"}, "'2x400mg' is ambiguous"),
    ({"amount": "2 × 400 mg"}, "is ambiguous"),
    ({"amount": "200-400 mg"}, "'200-400 mg' is a range: write the amount actually taken"),
    ({"amount": "1 to 2 tablets", "strength": "5 mg"}, "is a range"),
    ({"amount": "2 tablets"}, "'2 tablets' counts tablets: give the strength of one tablet in 'strength'"),
    ({"amount": {"value": 2, "unit": "tablets"}}, "'tablets' counts tablets"),
    ({"amount": "400 mg", "strength": "200 mg"}, "'strength' is what one tablet or capsule holds"),
    ({"amount": "2 tablets", "strength": "2 tablets"}, "strength: '2 tablets' counts tablets"),
    ({"amount": "400 mg/day", "per_week": 2}, "amount '400 mg/day' is a daily total but the entry is not taken daily"),
    ({"amount": "400 mg/day", "frequency": "every other day"}, "is a daily total but the entry is not taken daily"),
    ({"amount": "1e400 mg"}, "amount must be a positive finite number"),
    ({"amount": "400"}, "'400' is not an amount such as '400 mg'"),
]


@pytest.mark.parametrize(("fields", "message"), REFUSED_AMOUNTS)
def test_an_ambiguous_amount_is_refused_with_what_to_write(fields: dict[str, Any], message: str) -> None:
    assert message in problems_of(**fields)


def test_a_product_strength_belongs_to_its_ingredients() -> None:
    data = {
        "profile": {"age": 40},
        "regimen": [{"product": "P", "strength": "5 mg", "ingredients": [{"substance": "zinc", "amount": "5 mg"}]}],
    }
    with pytest.raises(InputError, match="a product's strength belongs to its ingredients"):
        RegimenFile.model_validate(data)


@SETTINGS
@given(st.integers(1, 10), st.integers(1, 500), st.integers(1, 4))
def test_a_count_times_strength_over_doses_is_the_dose(count: int, strength: int, doses: int) -> None:
    entry = entry_of(amount=f"{count} tablets/day", strength=f"{strength} mg", per_day=doses)
    assert entry.amount.value == pytest.approx(count * strength / doses)
    assert entry.daily_frequency * entry.amount.value == pytest.approx(count * strength)


@SETTINGS
@given(st.floats(min_value=1e-3, max_value=1e6, allow_nan=False), st.sampled_from(["mg", "mcg", "IU"]))
def test_scientific_notation_reads_as_the_plain_number(value: float, unit: str) -> None:
    substance = "vitamin D" if unit == "IU" else "magnesium"
    data = {"profile": {"age": 40}, "regimen": [{"substance": substance, "amount": f"{value:e} {unit}"}]}
    amount = RegimenFile.model_validate(data).regimen[0].amount
    assert amount is not None
    assert amount.value == pytest.approx(float(f"{value:e}"))


@SETTINGS
@given(
    st.sampled_from(["08:00:00", "8am", "with breakfast", "HS", "before bed", "on waking", "8:30 pm"]),
    st.sampled_from(["twice daily", "bid", "every other day", "weekly", "3 times a day", "qhs", "daily"]),
    st.sampled_from(["400 mg/day", "2 tablets", "1.5e2 mg", "400 mg"]),
)
def test_a_normalised_regimen_revalidates_to_itself(time: str, frequency: str, amount: str) -> None:
    entry: dict[str, Any] = {"substance": "magnesium", "amount": amount, "frequency": frequency}
    if amount == "2 tablets":
        entry["strength"] = "100 mg"
    doses = parse_frequency(frequency)
    if frequency != "qhs":
        entry["times"] = [time] * (doses.per_day or 1)
    if amount.endswith("/day") and doses.per_day is None:
        entry["amount"] = "400 mg"
    first = RegimenFile.model_validate({"profile": {"age": 40}, "regimen": [entry]})
    again = RegimenFile.model_validate(first.model_dump(mode="json"))
    assert again.regimen == first.regimen
    assert again.regimen[0].daily_frequency == first.regimen[0].daily_frequency


WORDS = st.sampled_from(
    [
        *("2", "x", "tablets", "mg", "/day", "daily", "e3", ",5", "1,000", "-", "bid", "every", "other", "day"),
        *("am", "pm", "8", ":", "00", "with", "breakfast", "HS", "qhs", "weekly", "times", "a", "week", " "),
        *("٤", "４", "µg", "IU"),
    ]
)
PHRASES = st.lists(WORDS, max_size=5).map("".join)


@SETTINGS
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "amount": st.one_of(PHRASES, st.fixed_dictionaries({"value": st.integers(-1, 5), "unit": PHRASES})),
            "strength": PHRASES,
            "frequency": PHRASES,
            "per_day": st.one_of(PHRASES, st.integers(-1, 30), st.none()),
            "per_week": st.one_of(st.integers(0, 8), st.none()),
            "every_days": st.one_of(st.integers(0, 8), st.none()),
            "times": st.lists(PHRASES, max_size=3),
        },
    )
)
def test_any_spelling_validates_or_is_an_input_error(fields: dict[str, Any]) -> None:
    data = {"profile": {"age": 40}, "regimen": [{"substance": "magnesium", "amount": "100 mg", **fields}]}
    try:
        entry = RegimenFile.model_validate(data).regimen[0]
    except InputError as exc:
        problems = exc.problems
    else:
        problems = ()
        assert entry.frequency is None
        assert entry.strength is None
        assert entry.amount is not None
        assert entry.amount.value > 0
        assert entry.times is None or all(normalise(t) == t for t in entry.times)
    assert all(line.startswith("regimen[0] (magnesium)") for line in problems), problems


def test_the_pharmacy_export_spelling_gives_the_report_of_the_canonical_one() -> None:
    from suppcheck import load_regimen

    written = load_regimen(Path(__file__).parent / "golden" / "pharmacy-export-spellings.yaml")
    canonical = {
        "profile": {
            "age": 67,
            "sex": "female",
            "medications": [{"name": "levothyroxine", "times": ["06:30"]}],
            "day": {"wake": "06:00", "breakfast": "07:30", "bedtime": "22:30"},
        },
        "regimen": [
            {
                "substance": "calcium",
                "form": "carbonate",
                "amount": "500 mg",
                "per_day": 2,
                "times": ["breakfast", "dinner"],
            },
            {"substance": "vitamin D", "amount": "1250 mcg", "per_week": 1, "times": ["breakfast"]},
            {"substance": "magnesium", "form": "citrate", "amount": "300 mg", "per_day": 1, "times": ["bedtime"]},
        ],
    }
    assert written == RegimenFile.model_validate(canonical)
    assert check(written).model_dump(mode="json") == check(canonical).model_dump(mode="json")


def test_the_command_line_names_the_file_entry_and_what_to_write(tmp_path: Path) -> None:
    from .test_cli import run

    bad = tmp_path / "export.yaml"
    bad.write_text(
        'regimen:\n  - {substance: zinc, amount: "0,5 mg", frequency: daily, times: ["08:00", "20:00"]}\n'
        '  - {substance: magnesium, amount: "100 mg", times: ["8"]}\n',
        encoding="utf-8",
    )
    result = run(["check", str(bad)], cwd=tmp_path)
    assert result.returncode == 2
    assert f"{bad}: regimen[0] (zinc): frequency 'daily' is 1 time(s) a day but times gives 2" in result.stderr
    assert f"{bad}: regimen[1] (magnesium).times[0]: '8' could be morning or evening" in result.stderr
