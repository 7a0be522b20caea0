"""The checker end to end: limits and their bases, boundaries, timing, report shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import suppcheck
from suppcheck import InputError, RegimenFile, Severity, check

from .conftest import MINI, codes, find, regimen


def mg(amount: str, **extra: Any) -> dict[str, Any]:
    return {"substance": "magnesium", "amount": amount, **extra}


# -- upper limits, their bases and severity ---------------------------------------------


@pytest.mark.parametrize(("amount", "above"), [("350 mg", False), ("351 mg", True), ("0.35 g", False)])
def test_total_exactly_at_the_upper_limit_is_not_above_it(amount: str, above: bool) -> None:
    report = check(regimen(mg(amount)))
    assert bool(find(report, "dose.above_upper_limit")) is above


def test_severity_scales_with_the_excess_and_the_message_has_numbers() -> None:
    (slight,) = find(check(regimen(mg("360 mg"))), "dose.above_upper_limit")
    (far,) = find(check(regimen(mg("400 mg", per_day=2), age=58)), "dose.above_upper_limit")
    assert slight.severity is Severity.MODERATE
    assert far.severity is Severity.MAJOR
    assert "800 mg/day" in far.message
    assert "350 mg/day upper limit for women 51-70" in far.message
    assert "supplemental magnesium" in far.message
    assert far.evidence is not None
    assert far.references


def test_compound_basis_uses_the_elemental_fraction() -> None:
    report = check(regimen(mg("500 mg", form="oxide", basis="compound")))
    (total,) = report.totals
    assert total.daily_amount == pytest.approx(
        500 * suppcheck.load_knowledge().forms["magnesium_oxide"].elemental_fraction
    )


def test_per_week_doses_are_averaged() -> None:
    report = check(regimen({"substance": "vitamin D", "amount": "50,000 IU", "per_week": 1}))
    (total,) = report.totals
    assert total.daily_amount == pytest.approx(1250 / 7, rel=1e-6)
    assert find(report, "dose.above_upper_limit")


@pytest.mark.parametrize(
    ("entry", "above"),
    [
        ({"substance": "folate", "form": "folic acid", "amount": "1,500 mcg"}, True),
        ({"substance": "folate", "form": "L-methylfolate", "amount": "1,500 mcg"}, False),
        ({"substance": "folate", "amount": "1,500 mcg"}, True),  # unknown form: counted as folic acid
        ({"substance": "vitamin A", "form": "beta-carotene", "amount": "25,000 IU"}, False),
        ({"substance": "vitamin A", "form": "retinyl palmitate", "amount": "12,000 IU"}, True),
        ({"substance": "vitamin E", "form": "dl-alpha-tocopherol", "amount": "1,100 IU"}, False),
        ({"substance": "vitamin E", "form": "dl-alpha-tocopherol", "amount": "1,200 IU"}, True),
        ({"substance": "vitamin E", "form": "d-alpha-tocopherol", "amount": "1,400 IU"}, False),
        ({"substance": "vitamin E", "form": "d-alpha-tocopherol", "amount": "1,600 IU"}, True),
    ],
)
def test_upper_limit_basis(entry: dict[str, Any], above: bool) -> None:
    assert bool(find(check(regimen(entry)), "dose.above_upper_limit")) is above


def test_natural_vitamin_e_is_counted_and_not_called_synthetic() -> None:
    report = check(regimen({"substance": "vitamin E", "form": "d-alpha-tocopherol", "amount": "1,600 IU"}))
    (finding,) = find(report, "dose.above_upper_limit")
    assert "synthetic" not in finding.message
    assert "from supplements and fortified food, in any form" in finding.message
    (total,) = report.totals
    assert total.amount_counted_for_upper_limit == total.daily_amount


# -- rules that name a class but not some of its members ----------------------------------


def test_calcium_is_cleared_for_moxifloxacin_but_not_for_ciprofloxacin() -> None:
    calcium = {"substance": "calcium", "amount": "500 mg", "times": ["08:00"]}
    report = check(regimen(calcium, medications=[{"name": "moxifloxacin", "times": ["08:00"]}]))
    (cleared,) = [f for f in report.findings if "moxifloxacin" in f.medications]
    assert (cleared.rule_id, cleared.severity) == ("med.calcium.moxifloxacin", Severity.INFO)
    assert cleared.hours_required is None
    assert not find(report, "timing.separation")
    report = check(regimen(calcium, medications=[{"name": "ciprofloxacin", "times": ["08:00"]}]))
    (broken,) = find(report, "timing.separation", rule="med.calcium.fluoroquinolones")
    assert broken.medications == ("ciprofloxacin",)


@pytest.mark.parametrize(
    ("medication", "rule", "broken"),
    [("doxycycline", "med.iron.tetracyclines", False), ("Nuzyra", "med.minerals.omadacycline", True)],
)
def test_omadacycline_needs_four_hours_before_the_mineral(medication: str, rule: str, broken: bool) -> None:
    # Taken 3.5 h before iron: enough for the class (3 h), not for omadacycline's label (4 h).
    iron = {"substance": "iron", "amount": "65 mg", "times": ["08:00"]}
    report = check(regimen(iron, medications=[{"name": medication, "times": ["04:30"]}]))
    (finding,) = [f for f in report.findings if "iron" in f.substances and f.medications]
    assert finding.rule_id == rule
    assert (finding.code == "timing.separation") is broken


@pytest.mark.parametrize(("medication", "separated"), [("alendronate", True), ("zoledronic acid", False)])
def test_minerals_are_separated_from_oral_bisphosphonates_only(medication: str, separated: bool) -> None:
    minerals = [{"substance": s, "amount": "100 mg"} for s in ("calcium", "iron", "magnesium")]
    report = check(regimen(*minerals, medications=[medication]))
    rules = {f.rule_id for f in report.findings if f.rule_id.endswith(".bisphosphonates")}
    assert rules == (
        {"med.calcium.bisphosphonates", "med.iron.bisphosphonates", "med.magnesium.bisphosphonates"}
        if separated
        else set()
    )


@pytest.mark.parametrize(
    ("medication", "rule", "severity"),
    [
        ("amiloride", "med.potassium.amiloride_triamterene", Severity.CONTRAINDICATED),
        ("Dyazide", "med.potassium.amiloride_triamterene", Severity.CONTRAINDICATED),
        ("spironolactone", "med.potassium.potassium_sparing_diuretics", Severity.MAJOR),
        ("eplerenone", "med.potassium.potassium_sparing_diuretics", Severity.MAJOR),
    ],
)
def test_potassium_with_each_potassium_sparing_diuretic(medication: str, rule: str, severity: Severity) -> None:
    report = check(regimen({"substance": "potassium", "amount": "99 mg"}, medications=[medication]))
    (finding,) = find(report, "interaction.medication")
    assert (finding.rule_id, finding.severity) == (rule, severity)


def test_beta_carotene_counts_toward_the_total_but_not_the_upper_limit() -> None:
    report = check(regimen({"substance": "vitamin A", "form": "beta-carotene", "amount": "25,000 IU"}))
    (total,) = report.totals
    assert total.daily_amount > total.upper_limit  # type: ignore[operator]
    assert total.amount_counted_for_upper_limit == 0
    assert total.basis == "preformed"


# -- life-stage boundaries ------------------------------------------------------------


@pytest.mark.parametrize(("age", "above"), [(50, False), (51, True)])
def test_calcium_upper_limit_changes_at_51(age: int, above: bool) -> None:
    report = check(regimen({"substance": "calcium", "amount": "550 mg", "per_day": 4}, age=age))
    assert bool(find(report, "dose.above_upper_limit")) is above


@pytest.mark.parametrize(("age", "below"), [(70, False), (71, True)])
def test_vitamin_d_recommendation_changes_at_71(age: int, below: bool) -> None:
    report = check(regimen({"substance": "vitamin D", "amount": "600 IU"}, age=age))
    hits = [f for f in find(report, "dose.below_typical") if "vitamin_d" in f.substances]
    assert bool(hits) is below


@pytest.mark.parametrize(("age", "above"), [(8, True), (9, False)])
def test_magnesium_upper_limit_changes_at_9(age: int, above: bool) -> None:
    assert bool(find(check(regimen(mg("200 mg"), age=age)), "dose.above_upper_limit")) is above


def test_missing_age_uses_adult_limits_and_says_so() -> None:
    data = {"profile": {}, "regimen": [mg("400 mg")]}
    report = check(data)
    assert "input.missing_age" in codes(report)
    (finding,) = find(report, "dose.above_upper_limit")
    assert "age not given" in finding.message


def test_pregnancy_selects_its_own_limits() -> None:
    report = check(regimen({"substance": "vitamin A", "form": "retinol", "amount": "2,900 mcg"}, age=17, pregnant=True))
    (finding,) = find(report, "dose.above_upper_limit")
    assert "2,800" in finding.message
    assert "pregnancy 14-18" in finding.message


# -- per-dose limit -------------------------------------------------------------------


def test_per_dose_limit_counts_doses_taken_together() -> None:
    calcium = {"substance": "calcium", "form": "citrate"}
    assert not find(check(regimen({**calcium, "amount": "500 mg"})), "dose.per_dose_limit")
    assert find(check(regimen({**calcium, "amount": "501 mg"})), "dose.per_dose_limit")
    split = check(regimen({**calcium, "amount": "500 mg", "per_day": 2, "times": ["08:00", "20:00"]}))
    assert not find(split, "dose.per_dose_limit")
    together = check(
        regimen(
            {**calcium, "amount": "300 mg", "times": ["08:00"]}, {**calcium, "amount": "300 mg", "times": ["08:00"]}
        )
    )
    (finding,) = find(together, "dose.per_dose_limit")
    assert finding.entries == (0, 1)


# -- timing ---------------------------------------------------------------------------


def doxy(*times: str) -> dict[str, Any]:
    return {"name": "doxycycline", "times": list(times)}


def separation(magnesium_time: str, doxycycline_time: str) -> list[suppcheck.Finding]:
    report = check(regimen(mg("100 mg", times=[magnesium_time]), medications=[doxy(doxycycline_time)]))
    return [f for f in report.findings if "doxycycline" in f.medications and f.hours_required is not None]


@pytest.mark.parametrize(
    ("magnesium", "antibiotic", "violated"),
    [
        ("08:00", "06:00", False),  # antibiotic 2 h before: kept
        ("08:00", "07:00", True),  # 1 h before: too close
        ("08:00", "12:00", False),  # 4 h after: kept
        ("08:00", "11:00", True),  # 3 h after: asymmetric window wants 4
        ("08:00", "09:00", True),
        ("23:30", "01:00", True),  # across midnight, 1.5 h after
        ("23:30", "03:30", False),  # across midnight, 4 h after
        ("01:00", "23:00", False),  # across midnight, 2 h before
    ],
)
def test_asymmetric_window(magnesium: str, antibiotic: str, violated: bool) -> None:
    (finding,) = separation(magnesium, antibiotic)
    if violated:
        assert finding.code == "timing.separation"
        assert finding.severity >= Severity.MODERATE
        assert finding.hours_scheduled is not None
        assert finding.hours_scheduled < 4
    else:
        assert finding.severity is Severity.INFO
        assert finding.code != "timing.separation"


def test_unknown_times_give_advice_at_the_rule_severity() -> None:
    report = check(regimen(mg("100 mg"), medications=["doxycycline"]))
    (finding,) = [f for f in report.findings if "doxycycline" in f.medications and f.hours_required]
    assert finding.code == "interaction.medication"
    assert finding.severity >= Severity.MODERATE
    assert "2 h before or 4 h after" in finding.message


def test_slots_come_from_the_profile_day() -> None:
    iron = {"substance": "iron", "amount": "18 mg", "times": ["breakfast"]}
    calcium = {"substance": "calcium", "amount": "200 mg", "times": ["09:00"]}
    early = check(regimen(iron, calcium, day={"breakfast": "06:00"}))
    late = check(regimen(iron, calcium))
    assert not find(early, "timing.separation")
    assert find(late, "timing.separation")


def test_timing_advice_window_and_food() -> None:
    on_time = check(regimen({"substance": "melatonin", "amount": "1 mg", "times": ["22:00"]}))
    assert not [f for f in find(on_time, "timing.advice") if "melatonin" in f.substances]
    early = check(regimen({"substance": "melatonin", "amount": "1 mg", "times": ["18:00"]}))
    (advice,) = [f for f in find(early, "timing.advice") if "melatonin" in f.substances]
    assert "18:00" in advice.message
    with_food = check(regimen({"substance": "calcium", "form": "carbonate", "amount": "500 mg", "with_food": True}))
    assert not [f for f in find(with_food, "timing.advice") if "calcium" in f.substances]
    fasting = check(regimen({"substance": "calcium", "form": "carbonate", "amount": "500 mg", "with_food": False}))
    assert [f for f in find(fasting, "timing.advice") if "calcium" in f.substances]


# -- names ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Vitamin D", "vitamin_d", "vitamin-d", "cholecalciferol", "  VITAMIN D  "])
def test_substance_names(name: str) -> None:
    report = check(regimen({"substance": name, "amount": "25 mcg"}))
    assert [t.substance for t in report.totals] == ["vitamin_d"]
    assert report.complete


@pytest.mark.parametrize("name", ["Lasix", "furosemide", "loop diuretics", "Loop-Diuretic"])
def test_medication_names_brands_and_classes(name: str) -> None:
    report = check(regimen(mg("100 mg"), medications=[name]))
    assert report.complete
    assert find(report, "depletion.medication")


def test_a_form_name_stands_for_its_substance() -> None:
    report = check(regimen({"substance": "magnesium citrate", "amount": "100 mg"}))
    assert [t.substance for t in report.totals] == ["magnesium"]
    # "L-methylfolate" names folate and a form outside the folic-acid upper limit.
    methylfolate = check(regimen({"substance": "L-methylfolate", "amount": "1,500 mcg"}))
    assert not find(methylfolate, "dose.above_upper_limit")
    assert find(check(regimen({"substance": "folic acid", "amount": "1,500 mcg"})), "dose.above_upper_limit")


# -- report shape ---------------------------------------------------------------------


def test_report_fields_are_the_contract() -> None:
    data = check(regimen(mg("400 mg", per_day=2))).model_dump(mode="json")
    assert list(data) == [
        "id",
        "suppcheck_version",
        "knowledge_version",
        "extra_files",
        "overrides",
        "ok",
        "complete",
        "max_severity",
        "person",
        "entries",
        "foods",
        "totals",
        "findings",
        "disclaimer",
    ]
    assert data["person"] == {
        "life_stage": "women 31-50",
        "description": "female, 40 years (women 31-50)",
        "age": 40.0,
        "sex": "female",
        "pregnant": False,
        "lactating": False,
        "conditions": [],
        "medications": [],
        "day": {"wake": "07:00", "breakfast": "07:30", "lunch": "12:30", "dinner": "18:30", "bedtime": "22:30"},
    }
    assert data["entries"] == [
        {
            "name": "magnesium",
            "substances": ["magnesium"],
            "times": None,
            "clock": None,
            "substance_ids": ["magnesium"],
            "amount": "400 mg",
            "per_day": 2,
            "per_week": None,
            "every_days": None,
        }
    ]

    total = data["totals"][0]
    for key in ("substance", "daily_amount", "unit", "basis", "upper_limit", "ratio_to_upper_limit", "entries"):
        assert key in total
    assert total["ratio_to_upper_limit"] == pytest.approx(2.29)
    finding = data["findings"][0]
    for key in (
        "code",
        "severity",
        "evidence",
        "substances",
        "medications",
        "conditions",
        "entries",
        "rule_id",
        "message",
        "recommendation",
        "mechanism",
        "references",
    ):
        assert key in finding
    assert {"id", "title", "publisher", "url"} <= set(finding["references"][0])
    json.dumps(data)


def test_report_names_medications_and_clock_times_as_recognized() -> None:
    data = check(
        {
            "profile": {
                "age": 50,
                "medications": [
                    {"name": "Doxycycline 100 mg", "times": ["breakfast"]},
                    "no such pill",
                    {"name": "levothyroxine", "times": ["6am"]},
                ],
                "day": {"breakfast": "08:15"},
            },
            "regimen": [
                {"substance": "magnesium", "amount": "200 mg", "per_day": 2, "times": ["with breakfast", "21:00"]},
                {"substance": "unobtainium", "amount": "1 mg"},
            ],
        }
    ).model_dump(mode="json")
    assert [(m["name"], m["id"], m["clock"]) for m in data["person"]["medications"]] == [
        ("Doxycycline 100 mg", "doxycycline", ["08:15"]),
        ("no such pill", None, None),
        ("levothyroxine", "levothyroxine", ["06:00"]),
    ]
    assert data["person"]["day"]["breakfast"] == "08:15"
    assert [(e["clock"], e["substance_ids"]) for e in data["entries"]] == [
        (["08:15", "21:00"], ["magnesium"]),
        (None, []),
    ]


def test_findings_are_sorted_worst_first_then_code_then_rule() -> None:
    report = check(
        regimen(
            mg("800 mg", times=["08:00"]),
            {"substance": "iron", "amount": "65 mg", "times": ["08:00"]},
            {"substance": "calcium", "amount": "600 mg", "times": ["08:00"]},
            medications=[doxy("09:00"), "furosemide"],
            conditions=["kidney failure"],
        )
    )
    keys = [(-f.severity.rank, f.code, f.rule_id) for f in report.findings]
    assert keys == sorted(keys)
    assert report.max_severity == report.findings[0].severity
    assert report.ok is False


def test_ok_and_complete() -> None:
    clean = check(regimen({"substance": "vitamin C", "amount": "100 mg"}))
    assert clean.ok
    assert clean.complete
    unknown = check(regimen({"substance": "unobtainium", "amount": "1 mg"}))
    assert not unknown.complete
    (finding,) = find(unknown, "input.unrecognized_substance")
    assert finding.entries == (0,)


def test_check_accepts_a_model_and_rechecks_units_for_another_knowledge_base(tmp_path: Path) -> None:
    parsed = RegimenFile.model_validate(regimen({"substance": "vitamin D", "amount": "1,000 IU"}))
    assert check(parsed).totals[0].daily_amount == pytest.approx(25.0)
    other = json.loads(MINI.read_text(encoding="utf-8"))
    other["substances"][1]["unit_factors"] = {}
    path = tmp_path / "kb.json"
    path.write_text(json.dumps(other), encoding="utf-8")
    with pytest.raises(InputError, match="unit 'IU' does not apply to vitamin_d"):
        check(parsed, knowledge=suppcheck.load_knowledge(path))


def test_public_api_is_pinned() -> None:
    assert suppcheck.__all__ == sorted(suppcheck.__all__)
    assert set(suppcheck.__all__) == {
        "Amount",
        "Day",
        "Evidence",
        "ExtraFile",
        "Finding",
        "FoodInfo",
        "FoodMove",
        "Ingredient",
        "InputError",
        "KnowledgeBase",
        "KnowledgeBaseError",
        "Labs",
        "Limits",
        "MedicationInfo",
        "MedicationUse",
        "Override",
        "Plan",
        "PlannedDose",
        "PlannedFood",
        "PlannedMedication",
        "PlannedSplit",
        "Profile",
        "ReferenceInfo",
        "RegimenEntry",
        "RegimenFile",
        "Report",
        "RuleStatus",
        "Severity",
        "SuppcheckError",
        "SuppcheckWarning",
        "Total",
        "__version__",
        "check",
        "html_handout",
        "html_report",
        "load_knowledge",
        "load_regimen",
        "plan",
        "screen",
        "screen_columns",
        "screen_schema",
        "preload",
        "Problem",
        "ErrorDetails",
        "read_regimen",
        "read_regimens",
        "PersonInfo",
        "EntryInfo",
    }
    for name in suppcheck.__all__:
        assert getattr(suppcheck, name) is not None
    assert set(suppcheck.__all__) <= set(dir(suppcheck))
    with pytest.raises(AttributeError):
        _ = suppcheck.not_a_name  # type: ignore[attr-defined]
    assert issubclass(InputError, ValueError)


def test_a_report_read_back_from_json_is_the_report() -> None:
    report = check(
        {
            "profile": {"age": 61, "medications": [{"name": "levothyroxine", "times": ["06:00"]}, "mystery"]},
            "regimen": [{"substance": "calcium", "amount": "500 mg", "times": ["breakfast"]}],
        }
    )
    again = suppcheck.Report.model_validate_json(report.model_dump_json())
    assert again.model_dump() == report.model_dump()
