"""Branches of the rule families that the bundled knowledge base alone never takes.

Each test here pins a decision that a clinic's rules file (or a future bundled
rule) can reach: a depletion rule whose partner is missing must not hide the
depletion rules after it, a condition rule that names a medication fires only
with that medication, and a person whose sex is not given gets the stricter
upper limit and the higher recommended intake. Each was a surviving mutant of
the engine (see ``make mutation`` and benchmarks/RESULTS.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import suppcheck
from suppcheck import KnowledgeBase, Severity, check

from .conftest import find, regimen

REFERENCE = "ods-magnesium-hp"  # a bundled reference, so the extra files need none of their own


def extra_kb(tmp_path: Path, **sections: list[dict[str, Any]]) -> KnowledgeBase:
    path = tmp_path / "clinic.json"
    path.write_text(json.dumps(sections), encoding="utf-8")
    return suppcheck.load_knowledge(extra=[path])


def rule(ident: str, family: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "family": family,
        "severity": "moderate",
        "evidence": "D",
        "substances": ["magnesium"],
        "mechanism": "Test mechanism.",
        "recommendation": "Test recommendation.",
        "references": [REFERENCE],
        **fields,
    }


# -- depletion: a rule that does not apply is skipped, not the end of the list ----------------


@pytest.mark.parametrize(
    "narrowing",
    [
        {"conditions": ["kidney_failure"]},  # a partner the person lacks
        {"except_medications": ["furosemide"]},  # the medication taken is excepted
    ],
)
def test_a_depletion_rule_that_does_not_apply_leaves_the_later_ones(tmp_path: Path, narrowing: dict[str, Any]) -> None:
    # Sorted before every dep.loop_diuretics.* rule, on the same class.
    early = rule("dep.a_first.magnesium", "depletion.medication", medication_classes=["loop_diuretics"], **narrowing)
    kb = extra_kb(tmp_path, rules=[early])
    report = check(regimen({"substance": "magnesium", "amount": "100 mg"}, medications=["furosemide"]), knowledge=kb)
    fired = {f.rule_id for f in find(report, "depletion.medication")}
    assert "dep.a_first.magnesium" not in fired
    assert {"dep.loop_diuretics.magnesium", "dep.loop_diuretics.potassium", "dep.loop_diuretics.calcium"} <= fired


# -- condition rules that also name a medication ----------------------------------------------


@pytest.mark.parametrize(("medications", "fires"), [(["furosemide"], True), (["metformin"], False), ([], False)])
def test_a_condition_rule_naming_a_medication_fires_only_with_it(
    tmp_path: Path, medications: list[str], fires: bool
) -> None:
    caution = rule(
        "ci.magnesium.kidney_failure.loop_diuretics",
        "contraindication.condition",
        conditions=["kidney_failure"],
        medication_classes=["loop_diuretics"],
    )
    kb = extra_kb(tmp_path, rules=[caution])
    document = regimen(
        {"substance": "magnesium", "amount": "100 mg"}, conditions=["kidney failure"], medications=medications
    )
    found = find(check(document, knowledge=kb), "contraindication.condition", rule=caution["id"])
    assert bool(found) is fires
    if fires:
        (finding,) = found
        assert finding.medications == ("furosemide",)
        assert finding.conditions == ("kidney_failure",)


# -- no sex given: the stricter upper limit, the higher recommended intake ----------------------


def test_without_a_sex_the_higher_recommended_intake_applies() -> None:
    # Iron RDA at 19-30: 18 mg for women, 8 mg for men; not knowing, the report must not promise 8 is enough.
    document = {"profile": {"age": 30}, "regimen": [{"substance": "iron", "amount": "10 mg"}]}
    (total,) = check(document).totals
    assert total.recommended_intake == 18
    (below,) = find(check(document), "dose.below_typical")
    assert "18 mg/day" in below.message
    for sex, rda in (("female", 18), ("male", 8)):
        (total,) = check({**document, "profile": {"age": 30, "sex": sex}}).totals
        assert total.recommended_intake == rda


def test_without_a_sex_the_lower_upper_limit_applies(tmp_path: Path) -> None:
    kb = suppcheck.load_knowledge()
    bundled = kb.limits["ul.iron"].model_dump(mode="json", exclude_none=True)
    by_sex = {**bundled, "override": True, "values": {"female adult": 30, "male adult": 45}}
    clinic = extra_kb(tmp_path, limits=[by_sex])
    document = {"profile": {"age": 30}, "regimen": [{"substance": "iron", "amount": "40 mg"}]}
    report = check(document, knowledge=clinic)
    (total,) = report.totals
    assert total.upper_limit == 30
    assert find(report, "dose.above_upper_limit")
    as_man = check({**document, "profile": {"age": 30, "sex": "male"}}, knowledge=clinic)
    assert as_man.totals[0].upper_limit == 45
    assert not find(as_man, "dose.above_upper_limit")


# -- conditions that imply the same condition --------------------------------------------------


def test_every_condition_that_implies_a_rules_condition_is_named_whatever_the_order() -> None:
    # Both imply intestinal malabsorption; the finding named only whichever came first.
    entry = {"substance": "magnesium", "amount": "100 mg"}
    forward = check(regimen(entry, conditions=["celiac disease", "bariatric surgery"]))
    backward = check(regimen(entry, conditions=["bariatric surgery", "celiac disease"]))
    (first,) = find(forward, "contraindication.condition", rule="cond.magnesium.intestinal_malabsorption")
    (second,) = find(backward, "contraindication.condition", rule="cond.magnesium.intestinal_malabsorption")
    assert first.conditions == second.conditions == ("bariatric_surgery", "celiac_disease")
    assert first.message == second.message
    # Only the person's description follows the order the conditions were written in.
    assert forward.model_copy(update={"person": backward.person}) == backward


# -- separation windows, as the planner reads them ------------------------------------------


@pytest.mark.parametrize(
    ("subject", "partner", "kept"),
    [
        (480, 720, True),  # exactly 4 h after: kept
        (480, 719, False),  # a minute short of 4 h after
        (480, 360, True),  # exactly 2 h before: kept
        (480, 361, False),  # a minute short of 2 h before
        (480, 480, False),  # together
        (1380, 180, True),  # 4 h after, across midnight
        (1380, 179, False),
        (60, 1380, True),  # 2 h before, across midnight
        (60, 1381, False),
    ],
)
def test_a_window_is_kept_from_its_exact_edges(subject: int, partner: int, kept: bool) -> None:
    from suppcheck._engine.separation import Gap, separated

    assert separated(Gap(subject, partner), 2, 4) is kept


def test_the_worst_gap_is_the_closest_violation_and_ties_go_to_the_earliest_times() -> None:
    from suppcheck._engine.separation import Gap, closest_pairs, worst_gap

    # Partner at 09:00 (1 h after, violates) and 07:30 (30 min before, violates, closer).
    assert worst_gap([480], [540, 450], 2, 4) == (Gap(480, 450), Gap(480, 450))
    # Two subjects each 60 min from a partner: the earlier subject wins the tie.
    assert worst_gap([600, 480], [540], 2, 4) == (Gap(480, 540), Gap(480, 540))
    # Kept everywhere: no violation, and the closest pair overall is 4 h apart.
    assert worst_gap([480, 1200], [720], 2, 4) == (None, Gap(480, 720))
    assert closest_pairs([480], [540], 2, 4) == ((60, 480, 540), (60, 480, 540))
    # The closest pair across midnight, measured the short way round.
    assert worst_gap([1430], [10], 1, 1) == (Gap(1430, 10), Gap(1430, 10))
    assert Gap(1430, 10).closest_hours == pytest.approx(0.33)
    with pytest.raises(ValueError, match="at least one subject and one partner"):
        worst_gap([], [540], 2, 4)


# -- how a message names the person's stage -------------------------------------------------


@pytest.mark.parametrize(
    ("age", "sex", "label"),
    [
        (None, None, "adults 19-50 (age not given)"),
        (None, "female", "women 19-50 (age not given)"),
        (None, "male", "men 19-50 (age not given)"),
        (0.4, None, "infants 0-6 months"),
        (0.99, "male", "infants 7-12 months"),
        (1, "female", "children 1-3"),
        (13.9, None, "children 9-13"),
        (14, "female", "girls 14-18"),
        (14, "male", "boys 14-18"),
        (18.9, None, "adolescents 14-18"),
        (19, "female", "women 19-30"),
        (19, "male", "men 19-30"),
        (19, None, "adults 19-30"),
        (75, "male", "men 71+"),
    ],
)
def test_the_stage_label_of_each_age_and_sex(age: float | None, sex: Any, label: str) -> None:
    from suppcheck._engine.stage import Stage

    assert Stage.of(age, sex, False, False).label() == label


def test_pregnancy_and_lactation_labels_use_the_reproductive_band() -> None:
    from suppcheck._engine.stage import Stage

    assert Stage.of(17, "female", True, False).label() == "pregnancy 14-18"
    assert Stage.of(25, "female", False, True).label() == "lactation 19-30"
    assert Stage.of(None, "female", True, False).label() == "pregnancy 31-50"


# -- limits at their exact edges: float noise from unit factors is not an excess ------------

EDGE = 1e-9  # dose.TOLERANCE


def limit(ident: str, kind: str, values: dict[str, float], **fields: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "substance": "magnesium",
        "type": kind,
        "unit": "mg",
        "values": values,
        "evidence": "D",
        "mechanism": "Test mechanism.",
        "recommendation": "Test recommendation.",
        "references": [REFERENCE],
        **fields,
    }


def bundled_limit(ident: str, **changes: Any) -> dict[str, Any]:
    """A bundled limit as a clinic file would override it."""
    record = suppcheck.load_knowledge().limits[ident].model_dump(mode="json", exclude_none=True)
    return {**record, "override": True, **changes}


@pytest.mark.parametrize(
    ("entry", "code"),
    [
        ({"substance": "magnesium", "amount": f"{350 * (1 + EDGE)!r} mg"}, "dose.above_upper_limit"),
        ({"substance": "melatonin", "amount": "5 mg"}, "dose.above_typical"),
        ({"substance": "melatonin", "amount": f"{5 * (1 + EDGE)!r} mg"}, "dose.above_typical"),
        ({"substance": "melatonin", "amount": "0.5 mg"}, "dose.below_typical"),
        ({"substance": "melatonin", "amount": f"{0.5 * (1 - EDGE)!r} mg"}, "dose.below_typical"),
        ({"substance": "magnesium", "amount": "320 mg"}, "dose.below_typical"),  # the RDA, women 31-50
        ({"substance": "magnesium", "amount": f"{320 * (1 - EDGE)!r} mg"}, "dose.below_typical"),
        ({"substance": "calcium", "form": "citrate", "amount": f"{500 * (1 + EDGE)!r} mg"}, "dose.per_dose_limit"),
    ],
)
def test_an_amount_at_a_limit_or_within_float_noise_of_it_is_not_past_it(entry: dict[str, Any], code: str) -> None:
    assert not find(check(regimen(entry)), code)


def test_a_limits_own_severity_is_kept(tmp_path: Path) -> None:
    # Vitamin B12's usual maximum is only informative: no harm is known above it.
    (b12,) = find(check(regimen({"substance": "vitamin B12", "amount": "3000 mcg"})), "dose.above_typical")
    assert b12.severity is Severity.INFO
    clinic = extra_kb(
        tmp_path,
        limits=[
            limit("usual_min.clinic_magnesium", "usual_min", {"adult": 200}, severity="minor"),
            bundled_limit("per_dose.calcium", severity="moderate"),
        ],
    )
    (low,) = find(
        check(regimen({"substance": "magnesium", "amount": "100 mg"}), knowledge=clinic), "dose.below_typical"
    )
    assert (low.rule_id, low.severity) == ("usual_min.clinic_magnesium", Severity.MINOR)
    calcium = regimen({"substance": "calcium", "form": "citrate", "amount": "600 mg"})
    (at_once,) = find(check(calcium, knowledge=clinic), "dose.per_dose_limit")
    assert at_once.severity is Severity.MODERATE


def test_an_upper_limit_of_zero_or_below_one(tmp_path: Path) -> None:
    # Zero: nothing is tolerated, so any amount is far past it and no ratio can be given.
    zero = extra_kb(tmp_path, limits=[bundled_limit("ul.magnesium", values={"adult": 0})])
    report = check(regimen({"substance": "magnesium", "amount": "100 mg"}), knowledge=zero)
    (above,) = find(report, "dose.above_upper_limit")
    assert above.severity is Severity.MAJOR
    assert "above the 0 mg/day upper limit" in above.message
    assert report.totals[0].ratio_to_upper_limit is None
    # Below one unit the ratio is still a ratio.
    (tmp_path / "one").mkdir()
    one = extra_kb(tmp_path / "one", limits=[bundled_limit("ul.magnesium", values={"adult": 0.5})])
    report = check(regimen({"substance": "magnesium", "amount": "1.5 mg"}), knowledge=one)
    (above,) = find(report, "dose.above_upper_limit")
    assert "0.5 mg/day upper limit for women 31-50: 3 times the limit." in above.message
    assert report.totals[0].ratio_to_upper_limit == 3


def test_the_usual_range_is_reported_only_where_the_upper_limit_allows_more(tmp_path: Path) -> None:
    # A usual maximum at the upper limit adds nothing to the upper-limit finding; below it, it does.
    for value, typical in ((350, False), (300, True)):
        folder = tmp_path / str(value)
        folder.mkdir()
        clinic = extra_kb(folder, limits=[limit("usual_max.clinic_magnesium", "usual_max", {"adult": value})])
        report = check(regimen({"substance": "magnesium", "amount": "400 mg"}), knowledge=clinic)
        assert find(report, "dose.above_upper_limit")
        assert bool(find(report, "dose.above_typical")) is typical


def test_the_intake_comparison_uses_the_forms_intake_factor_not_its_upper_limit_factor(tmp_path: Path) -> None:
    form = {
        "id": "clinic_food_folate",
        "substance": "folate",
        "name": "Clinic food folate",
        "counts_toward_upper_limit": False,
        "unit_factors": {"mcg DFE": 1.0},  # one mcg is one mcg DFE, not the substance's 0.588
        "upper_limit_unit_factors": {"mcg DFE": 0.5},
        "references": [REFERENCE],
    }
    clinic = extra_kb(tmp_path, forms=[form])
    entry = {"substance": "folate", "form": "clinic food folate", "amount": "200 mcg"}
    (low,) = find(check(regimen(entry), knowledge=clinic), "dose.below_typical")
    assert low.message.startswith("Supplements provide 200 mcg DFE/day of folate, below the 400 mcg DFE/day RDA")


def test_doses_taken_at_midnight_or_from_two_products_are_named_in_the_per_dose_finding() -> None:
    calcium = {"substance": "calcium", "form": "citrate"}
    (midnight,) = find(check(regimen({**calcium, "amount": "600 mg", "times": ["00:00"]})), "dose.per_dose_limit")
    assert "600 mg of calcium is taken at once at 00:00 (Calcium);" in midnight.message
    products = [
        {"product": name, "times": ["08:00"], "ingredients": [{**calcium, "amount": "300 mg"}]}
        for name in ("Multi", "Bone Plus")
    ]
    (together,) = find(check(regimen(*products)), "dose.per_dose_limit")
    assert "600 mg of calcium is taken at once at 08:00 (Bone Plus, Multi);" in together.message


def test_totals_are_rounded_to_four_places() -> None:
    (total,) = check(regimen({"substance": "magnesium", "amount": "1 mg", "per_week": 3})).totals
    assert total.daily_amount == 0.4286  # 3/7 mg
    assert total.amount_counted_for_upper_limit == 0.4286


def test_a_compound_weight_in_another_unit_is_converted_then_reduced_to_the_element() -> None:
    # 1 g of magnesium oxide is 1,000 mg of compound, 600 mg of magnesium.
    report = check(regimen({"substance": "magnesium", "form": "oxide", "amount": "1 g", "basis": "compound"}))
    (total,) = report.totals
    assert (total.daily_amount, total.amount_counted_for_upper_limit) == (600, 600)
    (above,) = find(report, "dose.above_upper_limit")
    assert "Magnesium totals 600 mg/day" in above.message


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1000.0, "1,000"),
        (37.5, "37.5"),
        (2.2857, "2.29"),
        (0.0004, "0.0004"),
        (0.0125, "0.01"),
        (0.5, "0.5"),
        (0.0, "0"),
    ],
)
def test_numbers_in_messages(value: float, text: str) -> None:
    from suppcheck._engine.shared import fmt

    assert fmt(value) == text


def test_remembered_numbers_print_as_they_did_the_first_time() -> None:
    from suppcheck._engine.shared import fmt

    # 0.0 and -0.0 are one key of the memo but print apart, so zero is never remembered.
    assert (fmt(0.0), fmt(-0.0), fmt(0.0)) == ("0", "-0", "0")


# -- resolving a regimen ------------------------------------------------------------------


def test_an_unrecognized_ingredient_does_not_hide_the_rest_of_the_product() -> None:
    product = {
        "product": "Sleep Mix",
        "ingredients": [{"substance": "unobtainium", "amount": "1 mg"}, {"substance": "magnesium", "amount": "400 mg"}],
    }
    report = check(regimen(product))
    assert [t.substance for t in report.totals] == ["magnesium"]
    assert find(report, "input.unrecognized_substance")
    assert find(report, "dose.above_upper_limit")


def test_an_unknown_condition_gets_close_names_and_a_name_with_none_gets_no_hint() -> None:
    report = check(regimen({"substance": "magnesium", "amount": "100 mg"}, conditions=["diabetis", "zzqx"]))
    close, unknown = sorted(find(report, "input.unrecognized_condition"), key=lambda f: f.message)
    assert close.suggestions == ("Diabetes",)
    assert close.message.endswith("nothing about it was checked. Did you mean 'Diabetes'?")
    assert unknown.suggestions == ()
    assert unknown.message == "Condition 'zzqx' is not in the knowledge base, so nothing about it was checked."


def test_a_medication_taken_at_a_named_slot_is_timed_by_the_persons_day() -> None:
    magnesium = {"substance": "magnesium", "amount": "100 mg", "times": ["08:00"]}
    doxycycline = {"name": "doxycycline", "times": ["breakfast"]}
    early = check(regimen(magnesium, medications=[doxycycline], day={"breakfast": "06:00"}))  # 2 h before: kept
    usual = check(regimen(magnesium, medications=[doxycycline]))  # breakfast at 07:30: too close
    assert not find(early, "timing.separation")
    (broken,) = find(usual, "timing.separation")
    assert "doxycycline at 07:30" in broken.message


def test_the_context_keeps_the_regimen_and_each_medication_as_written() -> None:
    from suppcheck._engine.context import build_context

    # The HTML page and the planner read them back: the times, every dose, the name the person wrote.
    product = {"product": "Multi", "ingredients": [{"substance": "zinc", "amount": "8 mg"}]}
    document = suppcheck.RegimenFile.model_validate(
        regimen({"substance": "magnesium", "amount": "100 mg"}, product, medications=["Doxycycline 100mg"])
    )
    ctx = build_context(document, suppcheck.load_knowledge())
    assert ctx.regimen is document
    assert [(d.entry, d.label) for d in ctx.doses] == [(0, "Magnesium"), (1, "Multi")]
    (taken,) = ctx.medications
    assert (taken.name, taken.id) == ("Doxycycline 100mg", "doxycycline")


def test_a_rule_applies_from_its_minimum_daily_amount_inclusive() -> None:
    # Vitamin C and kidney stones: from 1,000 mg/day.
    for amount, fires in (("1000 mg", True), ("999 mg", False)):
        document = regimen({"substance": "vitamin C", "amount": amount}, conditions=["kidney stones"])
        assert bool(find(check(document), "contraindication.condition", rule="cond.vitamin_c.kidney_stones")) is fires


def test_a_condition_rule_with_a_partner_substance_needs_that_partner(tmp_path: Path) -> None:
    caution = rule(
        "cond.magnesium.kidney_failure.with_vitamin_d",
        "contraindication.condition",
        conditions=["kidney_failure"],
        with_substances=["vitamin_d"],
    )
    kb = extra_kb(tmp_path, rules=[caution])
    magnesium = {"substance": "magnesium", "amount": "100 mg"}
    alone = check(regimen(magnesium, conditions=["kidney failure"]), knowledge=kb)
    both = check(
        regimen(magnesium, {"substance": "vitamin D", "amount": "10 mcg"}, conditions=["kidney failure"]), knowledge=kb
    )
    assert not find(alone, "contraindication.condition", rule=caution["id"])
    assert find(both, "contraindication.condition", rule=caution["id"])


def test_a_findings_medications_are_sorted_whatever_order_they_were_given_in(tmp_path: Path) -> None:
    caution = rule(
        "cond.magnesium.kidney_failure.loop_diuretics",
        "contraindication.condition",
        conditions=["kidney_failure"],
        medication_classes=["loop_diuretics"],
    )
    kb = extra_kb(tmp_path, rules=[caution])
    document = regimen(
        {"substance": "magnesium", "amount": "100 mg"},
        conditions=["kidney failure"],
        medications=["torsemide", "furosemide", "bumetanide"],
    )
    (finding,) = find(check(document, knowledge=kb), "contraindication.condition", rule=caution["id"])
    assert finding.medications == ("bumetanide", "furosemide", "torsemide")
    two = {**document, "profile": {**document["profile"], "medications": ["torsemide", "furosemide"]}}
    (finding,) = find(check(two, knowledge=kb), "contraindication.condition", rule=caution["id"])
    assert finding.medications == ("furosemide", "torsemide")


def test_a_substance_not_taken_sums_to_nothing_and_limits_are_remembered() -> None:
    from suppcheck._engine.context import build_context
    from suppcheck._kb.models import LimitType

    kb = suppcheck.load_knowledge()
    ctx = build_context(suppcheck.RegimenFile.model_validate(regimen({"substance": "magnesium", "amount": "1 mg"})), kb)
    assert ctx.summary("zinc") == ((), 0, 0)
    magnesium = kb.substances["magnesium"]
    first = ctx.first_limit(magnesium, LimitType.UPPER_LIMIT, "low")
    assert first is not None
    assert first[1] == 350
    assert ctx.first_limit(magnesium, LimitType.UPPER_LIMIT, "low") == first


@pytest.mark.parametrize(
    ("kind", "ident", "entry", "code", "fires"),
    [
        # Sex not given: the lower of the two values of every limit but the recommended intake.
        ("usual_max", "usual_max.melatonin", {"substance": "melatonin", "amount": "4 mg"}, "dose.above_typical", True),
        (
            "usual_min",
            "usual_min.melatonin",
            {"substance": "melatonin", "amount": "0.75 mg"},
            "dose.below_typical",
            False,
        ),
        (
            "per_dose_max",
            "per_dose.calcium",
            {"substance": "calcium", "form": "citrate", "amount": "550 mg"},
            "dose.per_dose_limit",
            True,
        ),
    ],
)
def test_without_a_sex_the_lower_value_of_a_usual_range_or_per_dose_limit_applies(
    tmp_path: Path, kind: str, ident: str, entry: dict[str, Any], code: str, fires: bool
) -> None:
    values = {
        "usual_max": {"female adult": 3, "male adult": 5},
        "usual_min": {"female adult": 0.5, "male adult": 1},
        "per_dose_max": {"female adult": 500, "male adult": 600},
    }[kind]
    clinic = extra_kb(tmp_path, limits=[bundled_limit(ident, values=values)])
    report = check({"profile": {"age": 40}, "regimen": [entry]}, knowledge=clinic)
    assert bool(find(report, code)) is fires


# -- condition rules --------------------------------------------------------------------------


def test_a_condition_rule_whose_medication_is_not_taken_leaves_the_later_ones(tmp_path: Path) -> None:
    with_diuretic = rule(
        "cond.magnesium.clinic_a.loop_diuretics",
        "contraindication.condition",
        conditions=["kidney_failure"],
        medication_classes=["loop_diuretics"],
    )
    plain = rule("cond.magnesium.clinic_b", "contraindication.condition", conditions=["kidney_failure"])
    kb = extra_kb(tmp_path, rules=[with_diuretic, plain])
    assert [r.id for r in kb.rules_for_substance("magnesium")][-2:] == [with_diuretic["id"], plain["id"]]
    report = check(regimen({"substance": "magnesium", "amount": "100 mg"}, conditions=["kidney failure"]), knowledge=kb)
    fired = {f.rule_id for f in find(report, "contraindication.condition")}
    assert with_diuretic["id"] not in fired
    assert plain["id"] in fired


def test_a_condition_finding_names_every_condition_and_lab_that_satisfies_it() -> None:
    entry = {"substance": "magnesium", "amount": "100 mg"}
    (two,) = find(
        check(regimen(entry, conditions=["celiac disease", "bariatric surgery"])),
        "contraindication.condition",
        rule="cond.magnesium.intestinal_malabsorption",
    )
    assert two.message.startswith("Magnesium with history of bariatric surgery, celiac disease: ")
    (lab,) = find(
        check(regimen(entry, conditions=["kidney failure"], labs={"egfr": 20})),
        "contraindication.condition",
        rule="cond.magnesium.kidney_failure",
    )
    assert lab.message.startswith("Magnesium with kidney failure and eGFR 20 mL/min/1.73 m² (below 30: ")
    assert lab.conditions == ("kidney_failure",)


# -- timing advice ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("earliest", "latest", "text"),
    [
        (-120, -30, "30-120 min before bedtime"),
        (-120, 0, "within 120 min before bedtime"),
        (0, 30, "0-30 min after bedtime"),
        (30, 60, "30-60 min after bedtime"),
        (-30, 30, "from 30 min before to 30 min after bedtime"),
        (-30, 1, "from 30 min before to 1 min after bedtime"),
        (0, 0, "0-0 min after bedtime"),
    ],
)
def test_how_a_timing_window_is_worded(earliest: int, latest: int, text: str) -> None:
    from suppcheck._engine.shared import wanted
    from suppcheck._kb.models import Timing

    assert wanted(Timing(anchor="bedtime", earliest_minutes=earliest, latest_minutes=latest)) == text
    with_food = Timing(anchor="bedtime", earliest_minutes=earliest, latest_minutes=latest, food="with")
    assert wanted(with_food) == f"{text}, with food"


@pytest.mark.parametrize(
    ("minute", "anchor", "signed"),
    [(1320, 1350, -30), (30, 1410, 60), (480, 480, 0), (0, 720, -720), (720, 0, -720), (1439, 0, -1), (1, 0, 1)],
)
def test_a_time_is_measured_from_the_anchor_the_short_way_round(minute: int, anchor: int, signed: int) -> None:
    from suppcheck._engine.shared import offset

    assert offset(minute, anchor) == signed


def test_a_dose_on_the_edge_of_its_timing_window_is_on_time() -> None:
    # Melatonin: within 120 min before bedtime (22:30 by default).
    edges = check(regimen({"substance": "melatonin", "amount": "1 mg", "per_day": 2, "times": ["20:30", "22:30"]}))
    assert not find(edges, "timing.advice")
    (late,) = find(
        check(regimen({"substance": "melatonin", "amount": "1 mg", "per_day": 2, "times": ["20:29", "22:31"]})),
        "timing.advice",
    )
    assert "scheduled at 20:29, 22:31 (bedtime is at 22:30)" in late.message


def test_timing_advice_says_how_the_food_requirement_was_missed() -> None:
    (iron,) = find(check(regimen({"substance": "iron", "amount": "18 mg", "with_food": True})), "timing.advice")
    assert iron.message == "Iron: best taken on an empty stomach; taken with food."
    (fish,) = find(check(regimen({"substance": "fish oil", "amount": "1000 mg", "with_food": False})), "timing.advice")
    assert fish.message.endswith(": best taken with food; taken without food.")


def test_timing_advice_for_a_condition_names_the_condition(tmp_path: Path) -> None:
    advice = rule(
        "timing.magnesium.clinic_kidney_failure",
        "timing.advice",
        severity="info",
        conditions=["kidney_failure"],
        timing={"food": "with"},
    )
    kb = extra_kb(tmp_path, rules=[advice])
    entry = {"substance": "magnesium", "amount": "100 mg", "with_food": False}
    (finding,) = find(check(regimen(entry, conditions=["kidney failure"]), knowledge=kb), "timing.advice")
    assert finding.conditions == ("kidney_failure",)
    assert not find(check(regimen(entry), knowledge=kb), "timing.advice")


# -- separations --------------------------------------------------------------------------------


def test_a_gap_is_given_in_hours_to_two_places() -> None:
    from suppcheck._engine.separation import hours_apart

    assert hours_apart(20) == 0.33
    assert hours_apart(90) == 1.5
    magnesium = {"substance": "magnesium", "amount": "100 mg", "times": ["08:00"]}
    report = check(regimen(magnesium, medications=[{"name": "doxycycline", "times": ["08:20"]}]))
    (broken,) = find(report, "timing.separation")
    assert broken.hours_scheduled == 0.33
    assert "are scheduled 0.33 h apart (magnesium at 08:00, doxycycline at 08:20)" in broken.message


def test_the_worst_gap_of_no_times_is_an_error_that_says_so() -> None:
    from suppcheck._engine.separation import worst_gap

    with pytest.raises(ValueError, match=r"^worst_gap\(\) needs at least one subject and one partner time$"):
        worst_gap([480], [], 2, 4)


# -- interactions -------------------------------------------------------------------------------


def test_a_rule_with_several_partner_substances_fires_for_the_one_taken(tmp_path: Path) -> None:
    pair = rule("sup.magnesium.clinic_minerals", "interaction.supplement", with_substances=["calcium", "zinc"])
    kb = extra_kb(tmp_path, rules=[pair])
    document = regimen({"substance": "magnesium", "amount": "100 mg"}, {"substance": "calcium", "amount": "200 mg"})
    (finding,) = find(check(document, knowledge=kb), "interaction.supplement", rule=pair["id"])
    assert finding.substances == ("calcium", "magnesium")


def test_a_supplement_pair_that_also_names_medications_lists_every_one_taken(tmp_path: Path) -> None:
    pair = rule(
        "sup.magnesium.clinic_calcium.loop_diuretics",
        "interaction.supplement",
        with_substances=["calcium"],
        medication_classes=["loop_diuretics"],
    )
    kb = extra_kb(tmp_path, rules=[pair])
    document = regimen(
        {"substance": "magnesium", "amount": "100 mg"},
        {"substance": "calcium", "amount": "200 mg"},
        medications=["torsemide", "furosemide"],
    )
    (finding,) = find(check(document, knowledge=kb), "interaction.supplement", rule=pair["id"])
    assert finding.medications == ("furosemide", "torsemide")


def test_a_timed_supplement_with_an_untimed_medication_gets_the_window_as_advice() -> None:
    magnesium = {"substance": "magnesium", "amount": "100 mg", "times": ["08:00"]}
    report = check(regimen(magnesium, medications=["doxycycline"]))
    (advice,) = find(report, "interaction.medication", rule="med.magnesium.tetracyclines")
    assert advice.message.endswith(
        "Times were not given for every dose: take doxycycline at least 2 h before or 4 h after magnesium."
    )
    assert not find(report, "timing.separation")


# -- severity steps and lab thresholds on rules -------------------------------------------------

STEP_SOURCE = "nasem-dri-ca-p-mg-1997"  # bundled, and not among REFERENCE's: a step's source must be cited
LAB_SOURCE = "kdigo-2012-ckd"
STEPS = [
    {"min_daily_amount": 300, "severity": "moderate", "note": "the first threshold.", "references": [STEP_SOURCE]},
    {"above_daily_amount": 600, "severity": "major", "note": "the second threshold.", "references": [STEP_SOURCE]},
]


def ids(finding: suppcheck.Finding) -> list[str]:
    return [r.id for r in finding.references]


@pytest.mark.parametrize(
    ("amount", "severity", "text"),
    [
        ("299 mg", Severity.MINOR, ""),
        ("300 mg", Severity.MODERATE, " Magnesium totals 300 mg/day, at or above 300 mg/day: the first threshold."),
        ("600 mg", Severity.MODERATE, " Magnesium totals 600 mg/day, at or above 300 mg/day: the first threshold."),
        ("700 mg", Severity.MAJOR, " Magnesium totals 700 mg/day, above 600 mg/day: the second threshold."),
    ],
)
def test_a_condition_rules_severity_follows_the_daily_amount(
    tmp_path: Path, amount: str, severity: Severity, text: str
) -> None:
    stepped = rule(
        "cond.magnesium.clinic_stepped",
        "contraindication.condition",
        severity="minor",
        conditions=["kidney_failure"],
        severity_steps=STEPS,
    )
    kb = extra_kb(tmp_path, rules=[stepped])
    document = regimen({"substance": "magnesium", "amount": amount}, conditions=["kidney failure"])
    (finding,) = find(check(document, knowledge=kb), "contraindication.condition", rule=stepped["id"])
    assert finding.severity is severity
    assert finding.message == f"Magnesium with kidney failure: Test mechanism.{text}"
    assert ids(finding) == [REFERENCE, STEP_SOURCE] if text else [REFERENCE]


def test_a_step_is_reached_from_its_exact_threshold_float_noise_aside() -> None:
    from suppcheck._engine.shared import step_for
    from suppcheck._kb.models import SeverityStep

    at_least = SeverityStep(min_daily_amount=300, severity="moderate", note="n", references=("r",))
    above = SeverityStep(above_daily_amount=600, severity="major", note="n", references=("r",))
    steps = (at_least, above)
    assert step_for(steps, 300 * (1 - EDGE)) is at_least
    assert step_for(steps, 300 * (1 - 2 * EDGE)) is None
    assert step_for(steps, 600 * (1 + EDGE)) is at_least
    assert step_for(steps, 600 * (1 + 2 * EDGE)) is above


def test_a_life_stage_rule_carried_by_labs_names_each_one(tmp_path: Path) -> None:
    lab_rule = rule(
        "stage.magnesium.clinic_pregnancy_kidney",
        "contraindication.life_stage",
        life_stages=["pregnancy"],
        labs=[
            {"lab": "egfr", "below": 30, "references": [LAB_SOURCE]},
            {"lab": "potassium", "above": 5, "references": [LAB_SOURCE]},
        ],
    )
    kb = extra_kb(tmp_path, rules=[lab_rule])
    document = {
        "profile": {"age": 28, "sex": "female", "pregnant": True, "labs": {"egfr": 20, "potassium": 5.5}},
        "regimen": [{"substance": "magnesium", "amount": "100 mg"}],
    }
    (finding,) = find(check(document, knowledge=kb), "contraindication.life_stage", rule=lab_rule["id"])
    assert finding.message == (
        "Magnesium in pregnancy 19-30 with eGFR 20 mL/min/1.73 m² (below 30) and serum potassium 5.5 mmol/L "
        "(above 5): Test mechanism."
    )
    assert ids(finding) == [REFERENCE, LAB_SOURCE]
    # Without a lab past its threshold the rule does not apply: the labs stand in for a condition.
    calm = {**document, "profile": {**document["profile"], "labs": {"egfr": 90}}}
    assert not find(check(calm, knowledge=kb), "contraindication.life_stage", rule=lab_rule["id"])


def test_a_condition_finding_cites_the_source_of_the_lab_threshold() -> None:
    entry = {"substance": "magnesium", "amount": "100 mg"}
    (finding,) = find(
        check(regimen(entry, labs={"egfr": 45})),
        "contraindication.condition",
        rule="cond.magnesium.chronic_kidney_disease",
    )
    assert finding.conditions == ()
    assert ids(finding)[-1] == LAB_SOURCE
    assert len(set(ids(finding))) == len(ids(finding))


def test_an_interaction_with_labs_and_steps_names_both_and_cites_both(tmp_path: Path) -> None:
    doxycycline = rule(
        "med.magnesium.clinic_doxycycline_kidney",
        "interaction.medication",
        severity="minor",
        medications=["doxycycline"],
        labs=[{"lab": "egfr", "below": 30, "note": "a test note", "references": [LAB_SOURCE]}],
        severity_steps=STEPS,
        separation={"other_before_hours": 2, "other_after_hours": 4},
    )
    kb = extra_kb(tmp_path, rules=[doxycycline])
    magnesium = {"substance": "magnesium", "amount": "400 mg"}
    untimed = check(regimen(magnesium, medications=["doxycycline"], labs={"egfr": 20}), knowledge=kb)
    (advice,) = find(untimed, "interaction.medication", rule=doxycycline["id"])
    assert advice.severity is Severity.MODERATE
    assert advice.message == (
        "Magnesium with doxycycline: Test mechanism. This applies with eGFR 20 mL/min/1.73 m² (below 30: a test "
        "note). Times were not given for every dose: take doxycycline at least 2 h before or 4 h after magnesium. "
        "Magnesium totals 400 mg/day, at or above 300 mg/day: the first threshold."
    )
    assert ids(advice) == [REFERENCE, LAB_SOURCE, STEP_SOURCE]
    # A kept window is info whatever the amount, and cites the lab that made the rule apply, not the step.
    timed = {**magnesium, "times": ["08:00"]}
    kept = check(
        regimen(timed, medications=[{"name": "doxycycline", "times": ["14:00"]}], labs={"egfr": 20}), knowledge=kb
    )
    (ok,) = find(kept, "interaction.medication", rule=doxycycline["id"])
    assert ok.severity is Severity.INFO
    assert ids(ok) == [REFERENCE, LAB_SOURCE]
    assert not find(
        check(regimen(magnesium, medications=["doxycycline"]), knowledge=kb),
        "interaction.medication",
        rule=doxycycline["id"],
    )


def test_a_stepped_interaction_cites_the_steps_source() -> None:
    document = regimen({"substance": "fish oil", "amount": "4000 mg"}, medications=["warfarin"])
    (finding,) = find(check(document), "interaction.medication", rule="med.fish_oil.anticoagulants")
    assert finding.severity is Severity.MODERATE
    assert "Fish oil (omega-3 EPA + DHA) totals 4,000 mg/day, above 3,000 mg/day: " in finding.message
    assert {"fda-menhaden-oil-1997", "fda-menhaden-oil-2004"} <= set(ids(finding))


def test_a_usual_maximum_with_steps_cites_the_step_and_a_zero_maximum_gives_no_ratio(tmp_path: Path) -> None:
    stepped = limit(
        "usual_max.clinic_magnesium",
        "usual_max",
        {"adult": 300},
        severity="minor",
        severity_steps=[
            {"above_daily_amount": 600, "severity": "moderate", "note": "the step.", "references": [STEP_SOURCE]}
        ],
    )
    kb = extra_kb(tmp_path, limits=[stepped])
    report = check(regimen({"substance": "magnesium", "amount": "700 mg"}), knowledge=kb)
    (typical,) = find(report, "dose.above_typical")
    assert typical.severity is Severity.MODERATE
    assert typical.message.endswith(": 2.33 times the top of that range. Above 600 mg/day: the step.")
    assert ids(typical) == [REFERENCE, STEP_SOURCE]
    for value, ending in ((0, "(at most 0 mg/day) for women 31-50."), (0.5, ": 4 times the top of that range.")):
        folder = tmp_path / str(value)
        folder.mkdir()
        kb = extra_kb(folder, limits=[limit("usual_max.clinic_magnesium", "usual_max", {"adult": value})])
        (typical,) = find(
            check(regimen({"substance": "magnesium", "amount": "2 mg"}), knowledge=kb), "dose.above_typical"
        )
        assert typical.message.endswith(ending)


@pytest.mark.parametrize(("written", "stage"), [("pregnant", "pregnancy"), ("breastfeeding", "lactation")])
def test_a_life_stage_written_as_a_condition_says_which_limits_were_applied(written: str, stage: str) -> None:
    document = regimen({"substance": "magnesium", "amount": "100 mg"}, age=30, conditions=[written])
    (finding,) = find(check(document), "input.life_stage_from_condition")
    assert f"the limits and rules for {stage} were applied." in finding.message


def test_a_depletion_by_several_medications_names_them_all() -> None:
    document = regimen({"substance": "magnesium", "amount": "100 mg"}, medications=["torsemide", "furosemide"])
    (finding,) = find(check(document), "depletion.medication", rule="dep.loop_diuretics.magnesium")
    assert finding.message.startswith("Furosemide, torsemide can lower magnesium")


def test_remembered_numbers_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from suppcheck._engine import shared
    from suppcheck._kb.base import CACHE_SIZE

    monkeypatch.setattr(shared, "_formatted", {})
    assert shared.fmt(1234.5) == "1,234.5"
    assert shared._formatted == {1234.5: "1,234.5"}
    full = {float(i): str(i) for i in range(CACHE_SIZE)}
    monkeypatch.setattr(shared, "_formatted", full)
    assert shared.fmt(0.25) == "0.25"
    assert len(full) == CACHE_SIZE


def test_a_life_stage_written_as_a_condition_leaves_the_conditions_after_it() -> None:
    document = regimen(
        {"substance": "magnesium", "amount": "100 mg"}, age=30, conditions=["pregnant", "kidney failure"]
    )
    report = check(document)
    assert find(report, "input.life_stage_from_condition")
    (finding,) = find(report, "contraindication.condition", rule="cond.magnesium.kidney_failure")
    assert finding.conditions == ("kidney_failure",)
