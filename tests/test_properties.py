"""Properties of the checker over generated regimens (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from suppcheck import InputError, check, load_knowledge

KB = load_knowledge()
SUBSTANCES = sorted(KB.substances)
MEDICATIONS = [*sorted(KB.medications), "loop diuretics", "Lasix", "PPIs", "tetracyclines"]
CONDITIONS = sorted(KB.conditions)
TIMES = ["06:30", "07:00", "breakfast", "lunch", "dinner", "bedtime", "23:30", "00:15", "13:00"]
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _unit(substance: str) -> str:
    return "mcg" if KB.substances[substance].unit != "mg" else "mg"


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    substance = draw(st.sampled_from(SUBSTANCES))
    forms = [f.id for f in KB.forms_by_substance.get(substance, ())]
    entry: dict[str, Any] = {
        "substance": substance,
        "amount": f"{draw(st.integers(min_value=1, max_value=3000))} {_unit(substance)}",
    }
    if forms and draw(st.booleans()):
        entry["form"] = draw(st.sampled_from(forms))
    per_day = draw(st.integers(min_value=1, max_value=3))
    entry["per_day"] = per_day
    if draw(st.booleans()):
        entry["times"] = draw(st.lists(st.sampled_from(TIMES), min_size=per_day, max_size=per_day))
    if draw(st.booleans()):
        entry["with_food"] = draw(st.booleans())
    return entry


@st.composite
def regimens(draw: st.DrawFn) -> dict[str, Any]:
    meds = draw(st.lists(st.sampled_from(MEDICATIONS), max_size=4, unique=True))
    medications: list[Any] = [
        {"name": m, "times": [draw(st.sampled_from(TIMES))]} if draw(st.booleans()) else m for m in meds
    ]
    profile: dict[str, Any] = {
        "age": draw(st.sampled_from([None, 0.3, 5, 8, 9, 16, 30, 50, 51, 70, 71, 90])),
        "sex": draw(st.sampled_from([None, "female", "male"])),
        "conditions": draw(st.lists(st.sampled_from(CONDITIONS), max_size=3, unique=True)),
        "medications": medications,
    }
    if profile["sex"] == "female" and profile["age"] in (16, 30) and draw(st.booleans()):
        profile["pregnant"] = True
    return {"profile": profile, "regimen": draw(st.lists(entries(), min_size=1, max_size=6))}


def signature(report: Any) -> list[tuple[Any, ...]]:
    """Findings without entry indexes, which renumber when entries move."""
    return sorted(
        (f.code, f.rule_id, f.severity.value, f.substances, f.medications, f.conditions, f.hours_scheduled)
        for f in report.findings
    )


@SETTINGS
@given(regimens(), st.randoms(use_true_random=False))
def test_order_of_entries_medications_and_conditions_does_not_matter(data: dict[str, Any], rnd: Any) -> None:
    shuffled = json.loads(json.dumps(data))
    rnd.shuffle(shuffled["regimen"])
    rnd.shuffle(shuffled["profile"]["medications"])
    rnd.shuffle(shuffled["profile"]["conditions"])
    first, second = check(data), check(shuffled)
    assert signature(first) == signature(second)
    assert [(t.substance, t.daily_amount) for t in first.totals] == [
        (t.substance, t.daily_amount) for t in second.totals
    ]


@SETTINGS
@given(regimens(), st.sampled_from(["g", "mcg", "µg"]))
def test_expressing_an_amount_in_another_unit_changes_no_finding(data: dict[str, Any], unit: str) -> None:
    converted = json.loads(json.dumps(data))
    for entry in converted["regimen"]:
        value, old = entry["amount"].split()
        mg = float(value) * (1000.0 if old == "g" else 1.0 if old == "mg" else 0.001)
        entry["amount"] = {"value": mg / {"g": 1000.0, "mcg": 0.001, "µg": 0.001}[unit], "unit": unit}
    assert signature(check(data)) == signature(check(converted))


@SETTINGS
@given(st.integers(min_value=1, max_value=20_000))
def test_vitamin_d_in_iu_or_mcg_gives_the_same_findings(iu: int) -> None:
    a = check({"profile": {"age": 40}, "regimen": [{"substance": "vitamin D", "amount": f"{iu} IU"}]})
    b = check({"profile": {"age": 40}, "regimen": [{"substance": "vitamin D", "amount": f"{iu / 40} mcg"}]})
    assert signature(a) == signature(b)


@SETTINGS
@given(regimens(), st.data())
def test_raising_a_dose_never_removes_an_upper_limit_finding(data: dict[str, Any], draw: st.DataObject) -> None:
    index = draw.draw(st.integers(min_value=0, max_value=len(data["regimen"]) - 1))
    factor = draw.draw(st.sampled_from([1.5, 2, 10]))
    raised = json.loads(json.dumps(data))
    value, unit = raised["regimen"][index]["amount"].split()
    raised["regimen"][index]["amount"] = f"{float(value) * factor} {unit}"
    before = {f.substances for f in check(data).findings if f.code == "dose.above_upper_limit"}
    after = {f.substances for f in check(raised).findings if f.code == "dose.above_upper_limit"}
    assert before <= after


@SETTINGS
@given(regimens(), st.data())
def test_splitting_an_entry_keeps_the_totals_and_adds_a_duplicate(data: dict[str, Any], draw: st.DataObject) -> None:
    index = draw.draw(st.integers(min_value=0, max_value=len(data["regimen"]) - 1))
    split = json.loads(json.dumps(data))
    entry = split["regimen"][index]
    value, unit = entry["amount"].split()
    half = {**entry, "amount": f"{float(value) / 2} {unit}"}
    split["regimen"][index : index + 1] = [half, dict(half)]
    whole, halves = check(data), check(split)
    assert [(t.substance, round(t.daily_amount, 6)) for t in whole.totals] == [
        (t.substance, round(t.daily_amount, 6)) for t in halves.totals
    ]
    substance = KB.substance(entry["substance"])
    assert substance is not None
    assert any(f.code == "duplicate.substance" and substance.id in f.substances for f in halves.findings)


@SETTINGS
@given(regimens())
def test_valid_input_never_makes_the_checker_raise(data: dict[str, Any]) -> None:
    report = check(data)
    json.dumps(report.model_dump(mode="json"))


JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        JUNK,
        st.fixed_dictionaries(
            {
                "regimen": st.lists(
                    st.dictionaries(
                        st.sampled_from(
                            [
                                "substance",
                                "product",
                                "amount",
                                "form",
                                "per_day",
                                "per_week",
                                "times",
                                "basis",
                                "ingredients",
                            ]
                        ),
                        JUNK,
                        max_size=6,
                    ),
                    max_size=3,
                )
            },
            optional={
                "profile": st.dictionaries(
                    st.sampled_from(["age", "sex", "pregnant", "conditions", "medications", "day"]), JUNK, max_size=4
                )
            },
        ),
    )
)
def test_junk_is_an_input_error_or_a_report(data: Any) -> None:
    problems: tuple[str, ...] = ()
    try:
        report = check(data)
    except InputError as exc:
        problems = exc.problems
    else:
        json.dumps(report.model_dump(mode="json"))
        return
    assert problems
    assert all(isinstance(p, str) and p for p in problems)
