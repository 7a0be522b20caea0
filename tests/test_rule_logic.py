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
from suppcheck import KnowledgeBase, check

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
    assert forward == backward


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
    from suppcheck._rules.separation import Gap, separated

    assert separated(Gap(subject, partner), 2, 4) is kept


def test_the_worst_gap_is_the_closest_violation_and_ties_go_to_the_earliest_times() -> None:
    from suppcheck._rules.separation import Gap, closest_pairs, worst_gap

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


def test_applies_and_matched_conditions_by_rule(tmp_path: Path) -> None:
    from suppcheck._rules.context import build_context

    kb = suppcheck.load_knowledge()
    document = suppcheck.RegimenFile.model_validate(
        regimen({"substance": "magnesium", "amount": "400 mg"}, conditions=["kidney failure"])
    )
    ctx = build_context(document, kb)
    rule = kb.rules[next(r for r in kb.rules if r.startswith("cond.magnesium.kidney"))]
    assert [d.substance.id for d in ctx.applies(rule, "magnesium")] == ["magnesium"]
    assert ctx.applies(rule, "zinc") == []
    assert ctx.matched_conditions(rule) == ["kidney_failure"]
    assert ctx.partners_ok(rule)
    healthy = build_context(
        suppcheck.RegimenFile.model_validate(regimen({"substance": "magnesium", "amount": "400 mg"})), kb
    )
    assert healthy.applies(rule, "magnesium") == []
    assert healthy.matched_conditions(rule) == []
    assert not healthy.partners_ok(rule)


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
    from suppcheck._rules.stage import Stage

    assert Stage.of(age, sex, False, False).label() == label


def test_pregnancy_and_lactation_labels_use_the_reproductive_band() -> None:
    from suppcheck._rules.stage import Stage

    assert Stage.of(17, "female", True, False).label() == "pregnancy 14-18"
    assert Stage.of(25, "female", False, True).label() == "lactation 19-30"
    assert Stage.of(None, "female", True, False).label() == "pregnancy 31-50"
