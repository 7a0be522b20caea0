"""Properties of the foods family over generated regimens with foods and drinks (hypothesis)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from suppcheck import InputError, Report, check

from .test_properties import KB, SETTINGS, TIMES, regimens

FOOD_NAMES = sorted(
    {name for food in KB.foods.values() for name in (food.id, food.name, *food.synonyms)}
    | {name for category in KB.food_categories.values() for name in (category.name, *category.synonyms)}
    | {"kombucha", "cofee", "Red Wine ", "GRAPEFRUIT JUICE"}
)
AMOUNTS = [
    None,
    "1",
    "2 cups",
    "2 drinks",
    "3 glasses",
    "1 serving",
    "half",
    "500 ml",
    "two glasses",
    "4 standard drinks",
]


@st.composite
def foods(draw: st.DrawFn) -> list[Any]:
    out: list[Any] = []
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        name = draw(st.sampled_from(FOOD_NAMES))
        if draw(st.booleans()):
            out.append(name)
            continue
        item: dict[str, Any] = {"name": name}
        amount = draw(st.sampled_from(AMOUNTS))
        if amount is not None:
            item["amount"] = amount
        if draw(st.booleans()):
            item["times"] = draw(st.lists(st.sampled_from(TIMES), min_size=1, max_size=3))
        out.append(item)
    return out


def _check(data: dict[str, Any]) -> Report | None:
    try:
        return check(data)
    except InputError as exc:
        error = exc
    # Only a food amount the format refuses ("half") may make valid names an input error.
    assert all(p.type == "food_amount_invalid" for p in error.details), error
    return None


def _food_finding(code: str) -> bool:
    return code.startswith("food.") or code == "input.unrecognized_food"


def _signature(report: Report, *, with_foods: bool) -> list[tuple[Any, ...]]:
    return sorted(
        (f.code, f.rule_id, f.severity.value, f.substances, f.medications, f.conditions, f.entries, f.message)
        for f in report.findings
        if with_foods or not _food_finding(f.code)
    )


@SETTINGS
@given(regimens(), foods())
def test_foods_never_make_the_check_raise_and_leave_the_other_findings(data: dict[str, Any], day: list[Any]) -> None:
    with_foods = {**data, "foods": day}
    report = _check(with_foods)
    if report is None:
        return
    without = check(data)
    assert _signature(report, with_foods=False) == _signature(without, with_foods=False)
    assert [t.model_dump() for t in report.totals] == [t.model_dump() for t in without.totals]
    for finding in report.findings:
        if finding.code.startswith("food."):
            assert finding.foods, finding
            assert finding.references, finding
        else:
            assert finding.foods == (), finding
    unknown = any(f.code == "input.unrecognized_food" for f in report.findings)
    assert report.complete == (without.complete and not unknown)


@SETTINGS
@given(regimens(), foods(), st.randoms(use_true_random=False))
def test_the_order_of_foods_does_not_matter(data: dict[str, Any], day: list[Any], rnd: Any) -> None:
    first = _check({**data, "foods": day})
    if first is None:
        return
    shuffled = json.loads(json.dumps(day))
    rnd.shuffle(shuffled)
    second = check({**data, "foods": shuffled})

    def key(report: Report) -> list[tuple[Any, ...]]:
        return sorted((f.code, f.rule_id, f.severity.value, f.foods, f.hours_scheduled) for f in report.findings)

    assert key(first) == key(second)


@SETTINGS
@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.text(max_size=5),
        st.lists(
            st.one_of(
                st.text(max_size=10),
                st.integers(),
                st.dictionaries(
                    st.sampled_from(["name", "amount", "times", "extra"]),
                    st.one_of(st.text(max_size=8), st.integers(), st.lists(st.text(max_size=6), max_size=2)),
                    max_size=4,
                ),
            ),
            max_size=3,
        ),
    )
)
def test_junk_foods_are_an_input_error_or_a_report(value: Any) -> None:
    data = {"profile": {"age": 40}, "regimen": [{"substance": "iron", "amount": "18 mg"}], "foods": value}
    try:
        report = check(data)
    except InputError as exc:
        error = exc
    else:
        assert isinstance(report, Report)
        return
    assert error.details
    assert all(p.loc[:1] == ("foods",) for p in error.details), error
