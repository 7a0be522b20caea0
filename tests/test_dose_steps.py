"""Severity that follows the daily amount, lab thresholds on rules, and close-only suggestions."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from suppcheck import InputError, KnowledgeBase, KnowledgeBaseError, RegimenFile, Severity, check, load_knowledge
from suppcheck._engine.shared import step_for
from suppcheck._kb.models import LabThreshold, Limit, Rule, SeverityStep

from .conftest import MINI, find, regimen

STEP_RULE: dict[str, Any] = {
    "id": "test.magnesium.doxycycline",
    "family": "interaction.medication",
    "severity": "minor",
    "evidence": "C",
    "substances": ["magnesium"],
    "medications": ["doxycycline"],
    "mechanism": "A test mechanism.",
    "recommendation": "A test recommendation.",
    "references": ["ods-magnesium-hp"],
}
STEPS = [
    {
        "min_daily_amount": 300,
        "severity": "moderate",
        "note": "the first threshold.",
        "references": ["ods-magnesium-hp"],
    },
    {
        "above_daily_amount": 600,
        "severity": "major",
        "note": "the second threshold.",
        "references": ["ods-magnesium-hp"],
    },
]
LAB_RULE: dict[str, Any] = {
    "id": "test.magnesium.kidney",
    "family": "contraindication.condition",
    "severity": "major",
    "evidence": "A",
    "substances": ["magnesium"],
    "conditions": ["kidney_failure"],
    "labs": [{"lab": "egfr", "below": 30, "note": "a test note", "references": ["ods-magnesium-hp"]}],
    "mechanism": "Magnesium accumulates.",
    "recommendation": "Avoid it.",
    "references": ["ods-magnesium-hp"],
}


def mini_with(tmp_path: Path, *, rules: list[dict[str, Any]] = (), limits: list[dict[str, Any]] = ()) -> Path:  # type: ignore[assignment]
    data = json.loads(MINI.read_text(encoding="utf-8"))
    data["rules"] = [*data["rules"], *copy.deepcopy(list(rules))]
    data["limits"] = [*copy.deepcopy(list(limits)), *data["limits"][1:]] if limits else data["limits"]
    path = tmp_path / "kb.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(path)
    return str(info.value)


def mg(amount: str, per_day: int = 1) -> dict[str, Any]:
    return {"substance": "magnesium", "amount": amount, "per_day": per_day}


# -- the model: validation with the JSON path ---------------------------------------------


def test_steps_load_and_are_sorted(tmp_path: Path) -> None:
    kb = load_knowledge(mini_with(tmp_path, rules=[{**STEP_RULE, "severity_steps": STEPS}]))
    steps = kb.rules["test.magnesium.doxycycline"].severity_steps
    assert [(s.threshold, s.inclusive, s.severity) for s in steps] == [
        (300, True, Severity.MODERATE),
        (600, False, Severity.MAJOR),
    ]


@pytest.mark.parametrize(
    ("steps", "problem"),
    [
        ([STEPS[1], STEPS[0]], "rules[1].severity_steps[1]: threshold 300 is not above the previous step's 600"),
        ([STEPS[0], {**STEPS[1], "above_daily_amount": 300}], "rules[1].severity_steps[1]: threshold 300 is not above"),
        (
            [STEPS[0], {**STEPS[1], "severity": "minor"}],
            "rules[1].severity_steps[1]: severity 'minor' is below the previous",
        ),
        (
            [{**STEPS[0], "severity": "info"}],
            "rules[1].severity_steps[0]: severity 'info' is below the record's own 'minor'",
        ),
        ([{**STEPS[0], "above_daily_amount": 400}], "rules[1].severity_steps[0]: give exactly one of min_daily_amount"),
        ([{k: v for k, v in STEPS[0].items() if k != "min_daily_amount"}], "exactly one of min_daily_amount"),
        ([{**STEPS[0], "min_daily_amount": -1}], "rules[1].severity_steps[0].min_daily_amount"),
        ([{**STEPS[0], "min_daily_amount": float("nan")}], "rules[1].severity_steps[0].min_daily_amount"),
        ([{**STEPS[0], "references": []}], "rules[1].severity_steps[0].references"),
        (
            [{**STEPS[0], "references": ["nowhere"]}],
            "rules[1].severity_steps[0].references[0]: unknown reference 'nowhere'",
        ),
        ([{**STEPS[0], "colour": "red"}], "rules[1].severity_steps[0].colour"),
    ],
)
def test_bad_steps_are_rejected_with_their_path(tmp_path: Path, steps: list[dict[str, Any]], problem: str) -> None:
    assert problem in load_error(mini_with(tmp_path, rules=[{**STEP_RULE, "severity_steps": steps}]))


def test_steps_need_a_daily_amount(tmp_path: Path) -> None:
    depletion = {**STEP_RULE, "id": "dep.x", "family": "depletion.medication", "severity_steps": STEPS}
    assert "has no daily amount to step its severity by" in load_error(mini_with(tmp_path, rules=[depletion]))


def test_limit_steps(tmp_path: Path) -> None:
    ul = json.loads(MINI.read_text(encoding="utf-8"))["limits"][0]
    kb = load_knowledge(mini_with(tmp_path, limits=[{**ul, "severity_steps": [{**STEPS[1], "severity": "major"}]}]))
    assert kb.limits["ul.magnesium"].severity_steps[0].threshold == 600
    # An upper limit's own finding is moderate at least: a step may not go below it.
    low = {**ul, "severity_steps": [{**STEPS[0], "severity": "minor"}]}
    assert "limits[0].severity_steps[0]: severity 'minor' is below the record's own 'moderate'" in load_error(
        mini_with(tmp_path, limits=[low])
    )
    per_dose = {**ul, "type": "per_dose_max", "severity": "minor", "severity_steps": STEPS}
    assert "limits[0]: severity_steps apply to upper_limit and usual_max limits only" in load_error(
        mini_with(tmp_path, limits=[per_dose])
    )


def test_lab_thresholds_validate(tmp_path: Path) -> None:
    kb = load_knowledge(mini_with(tmp_path, rules=[LAB_RULE]))
    (threshold,) = kb.rules["test.magnesium.kidney"].labs
    assert threshold.holds(29.9)
    assert not threshold.holds(30)
    both = {**LAB_RULE, "labs": [{**LAB_RULE["labs"][0], "above": 5}]}
    assert "rules[1].labs[0]: give exactly one of below, at_most, above and at_least" in load_error(
        mini_with(tmp_path, rules=[both])
    )
    unknown = {**LAB_RULE, "labs": [{**LAB_RULE["labs"][0], "lab": "creatinine"}]}
    assert "rules[1].labs[0].lab" in load_error(mini_with(tmp_path, rules=[unknown]))
    badref = {**LAB_RULE, "labs": [{**LAB_RULE["labs"][0], "references": ["gone"]}]}
    assert "rules[1].labs[0].references[0]: unknown reference 'gone'" in load_error(mini_with(tmp_path, rules=[badref]))
    # A condition rule may rest on a lab alone, not on nothing.
    lab_only = {**LAB_RULE, "conditions": []}
    assert load_knowledge(mini_with(tmp_path, rules=[lab_only])).rules["test.magnesium.kidney"].conditions == ()
    neither = {**LAB_RULE, "conditions": [], "labs": []}
    assert "needs conditions or labs" in load_error(mini_with(tmp_path, rules=[neither]))


def test_bundled_steps_are_ordered(kb: KnowledgeBase) -> None:
    records: list[Rule | Limit] = [*kb.rules.values(), *kb.limits.values()]
    stepped = [r for r in records if r.severity_steps]
    assert len(stepped) >= 3
    for record in stepped:
        thresholds = [s.threshold for s in record.severity_steps]
        assert thresholds == sorted(set(thresholds)), record.id


# -- the engine: severity follows the amount ----------------------------------------------


def test_rule_severity_follows_the_daily_amount(tmp_path: Path) -> None:
    kb = load_knowledge(mini_with(tmp_path, rules=[{**STEP_RULE, "severity_steps": STEPS}]))

    def finding(amount: str, per_day: int = 1) -> Any:
        report = check(regimen(mg(amount, per_day), medications=["doxycycline"]), knowledge=kb)
        (found,) = find(report, "interaction.medication", rule="test.magnesium.doxycycline")
        return found

    below = finding("299 mg")
    assert below.severity is Severity.MINOR
    assert "totals" not in below.message
    at = finding("150 mg", per_day=2)  # 300 mg/day: at the inclusive threshold
    assert at.severity is Severity.MODERATE
    assert "Magnesium totals 300 mg/day, at or above 300 mg/day: the first threshold." in at.message
    assert finding("600 mg").severity is Severity.MODERATE  # the second threshold is strict
    top = finding("601 mg")
    assert top.severity is Severity.MAJOR
    assert "601 mg/day, above 600 mg/day: the second threshold." in top.message


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=1, max_value=2000, allow_nan=False), min_size=2, max_size=6))
def test_step_severity_is_monotone_in_the_amount(amounts: list[float]) -> None:
    steps = tuple(SeverityStep.model_validate(s) for s in STEPS)
    severities = [(step.severity if step else Severity.MINOR) for step in (step_for(steps, a) for a in sorted(amounts))]
    assert severities == sorted(severities)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=100, max_value=20000), min_size=2, max_size=4, unique=True))
def test_fish_oil_with_warfarin_never_less_severe_for_more(amounts: list[int]) -> None:
    def severity(mg_per_day: int) -> Severity:
        report = check(regimen({"substance": "fish oil", "amount": f"{mg_per_day} mg"}, medications=["warfarin"]))
        (found,) = find(report, "interaction.medication", rule="med.fish_oil.anticoagulants")
        return found.severity

    severities = [severity(a) for a in sorted(amounts)]
    assert severities == sorted(severities)
    assert all((s is Severity.MODERATE) == (a > 3000) for a, s in zip(sorted(amounts), severities, strict=True))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(min_value=5.5, max_value=1000, allow_nan=False), min_size=2, max_size=4))
def test_melatonin_above_the_usual_range_never_less_severe_for_more(amounts: list[float]) -> None:
    def severity(mg_per_day: float) -> Severity:
        (found,) = find(check(regimen({"substance": "melatonin", "amount": f"{mg_per_day} mg"})), "dose.above_typical")
        return found.severity

    severities = [severity(a) for a in sorted(amounts)]
    assert severities == sorted(severities)


def test_upper_limit_step_raises_and_cites() -> None:
    (at,) = find(check(regimen({"substance": "zinc", "amount": "60 mg"})), "dose.above_upper_limit")
    assert at.severity is Severity.MAJOR  # 1.5 times the limit alone would be moderate
    assert "At or above 60 mg/day: NASEM's lowest-observed-adverse-effect level" in at.message
    (below,) = find(check(regimen({"substance": "zinc", "amount": "59 mg"})), "dose.above_upper_limit")
    assert below.severity is Severity.MODERATE
    assert "At or above" not in below.message


def test_a_kept_separation_window_stays_info(tmp_path: Path) -> None:
    separated = {**STEP_RULE, "severity_steps": STEPS, "separation": {"other_before_hours": 2, "other_after_hours": 4}}
    kb = load_knowledge(mini_with(tmp_path, rules=[separated]))
    entry = {**mg("700 mg"), "times": ["08:00"]}
    kept = check(regimen(entry, medications=[{"name": "doxycycline", "times": ["14:00"]}]), knowledge=kb)
    (ok,) = find(kept, "interaction.medication", rule="test.magnesium.doxycycline")
    assert ok.severity is Severity.INFO
    broken = check(regimen(entry, medications=[{"name": "doxycycline", "times": ["09:00"]}]), knowledge=kb)
    (bad,) = find(broken, "timing.separation", rule="test.magnesium.doxycycline")
    assert bad.severity is Severity.MAJOR
    assert "above 600 mg/day" in bad.message


# -- labs: the regimen block and rules that read it ---------------------------------------


@pytest.mark.parametrize(
    ("labs", "problem"),
    [
        ({"egfr": 0}, "profile.labs.egfr: Input should be greater than 0"),
        ({"egfr": -5}, "profile.labs.egfr"),
        ({"egfr": float("inf")}, "profile.labs.egfr"),
        ({"egfr": 900}, "profile.labs.egfr: Input should be less than or equal to 200"),
        ({"potassium": 45}, "profile.labs.potassium"),
        ({"ferritin": 0}, "profile.labs.ferritin"),
        ({"egfr": True}, "profile.labs.egfr: a lab value is a number"),
        ({"egfr": "low"}, "profile.labs.egfr"),
        ({"creatinine": 1.2}, "profile.labs.creatinine: unknown field"),
    ],
)
def test_bad_labs_are_input_errors(labs: dict[str, Any], problem: str) -> None:
    with pytest.raises(InputError) as info:
        RegimenFile.model_validate(regimen(mg("100 mg"), labs=labs))
    assert problem in str(info.value)


def test_labs_are_optional_and_read() -> None:
    r = RegimenFile.model_validate(regimen(mg("100 mg"), labs={"egfr": 20, "potassium": 5.1, "ferritin": 300}))
    assert r.profile.labs.given() == {"egfr": 20, "potassium": 5.1, "ferritin": 300}
    assert RegimenFile.model_validate(regimen(mg("100 mg"))).profile.labs.given() == {}


def test_a_lab_rule_fires_for_the_condition_or_the_lab(tmp_path: Path) -> None:
    kb = load_knowledge(mini_with(tmp_path, rules=[LAB_RULE]))

    def hits(**profile: Any) -> list[Any]:
        return find(check(regimen(mg("100 mg"), **profile), knowledge=kb), "contraindication.condition")

    (by_condition,) = hits(conditions=["kidney failure"])
    (by_lab,) = hits(labs={"egfr": 20})
    assert by_condition.severity is by_lab.severity is Severity.MAJOR
    assert "eGFR" not in by_condition.message
    assert by_lab.message.startswith("Magnesium with eGFR 20 mL/min/1.73 m² (below 30: a test note): ")
    (both,) = hits(conditions=["kidney failure"], labs={"egfr": 20})
    assert "with kidney failure and eGFR 20" in both.message
    assert hits(labs={"egfr": 30}) == []
    assert hits(labs={"egfr": 75}) == []
    assert hits(labs={"ferritin": 20}) == []


def test_bundled_kidney_rules_read_egfr() -> None:
    def rules(egfr: float, substance: str) -> set[str]:
        report = check(regimen({"substance": substance, "amount": "99 mg"}, labs={"egfr": egfr}))
        return {f.rule_id for f in find(report, "contraindication.condition")}

    assert rules(20, "magnesium") == {"cond.magnesium.chronic_kidney_disease", "cond.magnesium.kidney_failure"}
    assert rules(45, "magnesium") == {"cond.magnesium.chronic_kidney_disease"}
    assert rules(60, "magnesium") == set()
    assert rules(10, "potassium") == {"cond.potassium.chronic_kidney_disease", "cond.potassium.kidney_failure"}
    assert rules(20, "potassium") == {"cond.potassium.chronic_kidney_disease"}


# -- did you mean ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "written", "meant"),
    [
        ("substance", "magnesum", "Magnesium"),
        ("substance", "vitamin d3", "Vitamin D"),
        ("substance", "ferous sulfate", "Ferrous sulfate"),
        ("substance", "St Johns wart", "St John's wort"),
        ("substance", "zink", "Zinc"),
        ("substance", "melatonine", "Melatonin"),
        ("medication", "doxycyclin", "Doxycycline"),
        ("medication", "Synthroid", "Levothyroxine"),
        ("medication", "Synthroyd", "Levothyroxine"),
        ("medication", "warfrin", "Warfarin"),
        ("condition", "kidny failure", "Kidney failure"),
    ],
)
def test_misspellings_suggest_the_name_meant(kb: KnowledgeBase, kind: str, written: str, meant: str) -> None:
    assert kb.suggestions(kind, written)[:1] == [meant]


@pytest.mark.parametrize("written", ["boswellia", "tongkat ali", "spirulina", "moringa", "unobtainium", "xyz"])
@pytest.mark.parametrize("kind", ["substance", "medication", "condition"])
def test_unrelated_names_suggest_nothing(kb: KnowledgeBase, kind: str, written: str) -> None:
    assert kb.suggestions(kind, written) == []


def test_unknown_substance_is_still_reported_without_a_suggestion() -> None:
    report = check(regimen({"substance": "boswellia", "amount": "300 mg"}))
    (unknown,) = find(report, "input.unrecognized_substance")
    assert unknown.suggestions == ()
    assert "Did you mean" not in unknown.message
    assert report.complete is False
    (close,) = find(check(regimen({"substance": "magnesum", "amount": "100 mg"})), "input.unrecognized_substance")
    assert close.suggestions == ("Magnesium",)


@pytest.mark.parametrize(
    ("bound", "holds", "fails"),
    [("below", 29.9, 30), ("at_most", 30, 30.1), ("above", 30.1, 30), ("at_least", 30, 29.9)],
)
def test_lab_bounds(bound: str, holds: float, fails: float) -> None:
    threshold = LabThreshold.model_validate({"lab": "ferritin", bound: 30, "references": ["r"]})
    assert threshold.holds(holds)
    assert not threshold.holds(fails)


# -- the command line shows steps and lab thresholds ---------------------------------------


def _explain(ident: str, tmp_path: Path) -> str:
    from .test_cli import run

    result = run(["explain", ident], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_explain_shows_severity_steps(tmp_path: Path) -> None:
    out = _explain("med.fish_oil.anticoagulants", tmp_path)
    assert "severity by daily amount:" in out
    assert "above 3,000 mg/day -> moderate: FDA found" in out
    assert "[fda-menhaden-oil-1997]" in out  # the step's source is listed with the rule's
    limit = _explain("usual_max.melatonin", tmp_path)
    assert "above 10 mg/day -> moderate" in limit
    assert "above 20 mg/day -> moderate" in limit


def test_explain_shows_lab_thresholds(tmp_path: Path) -> None:
    out = _explain("cond.magnesium.kidney_failure", tmp_path)
    assert "applies also with lab values (any one):" in out
    assert "eGFR (mL/min/1.73 m2) below 30: severe renal impairment" in out
    assert "[emc-magnaspartate-30238]" in out


def test_the_plan_weighs_a_broken_window_at_its_stepped_severity(tmp_path: Path) -> None:
    from suppcheck import plan

    rule = {
        **STEP_RULE,
        "id": "test.magnesium.vitamin_d",
        "family": "absorption.reduced",
        "medications": [],
        "with_substances": ["vitamin_d"],
        "separation": {"other_before_hours": 2, "other_after_hours": 2},
        "severity_steps": STEPS,
    }
    kb = load_knowledge(mini_with(tmp_path, rules=[rule]))

    def status(magnesium: str) -> Any:
        product = {
            "product": "Combo",
            "ingredients": [
                {"substance": "magnesium", "amount": magnesium},
                {"substance": "vitamin D", "amount": "10 mcg"},
            ],
        }
        (found,) = [s for s in plan(regimen(product), knowledge=kb).unsatisfied if s.rule_id == rule["id"]]
        return found

    assert status("100 mg").severity is Severity.MINOR
    assert status("700 mg").severity is Severity.MAJOR
    assert status("700 mg").why == "always_broken"


def test_the_rendered_report_names_the_labs(tmp_path: Path) -> None:
    from .test_cli import run

    source = Path(__file__).parent / "golden" / "kidney-egfr-20-magnesium-potassium.yaml"
    result = run(["check", str(source), "--format", "markdown"], cwd=tmp_path)
    assert "labs: eGFR 20 mL/min/1.73 m², serum potassium 4.8 mmol/L" in result.stdout
    assert "Magnesium with eGFR 20 mL/min/1.73 m² (below 30" in result.stdout


def test_a_lab_alone_can_carry_a_rule_and_an_interaction_names_it(tmp_path: Path) -> None:
    lab_only = {**LAB_RULE, "id": "test.magnesium.low_egfr", "conditions": []}
    interaction = {
        **STEP_RULE,
        "id": "test.magnesium.doxycycline.kidney",
        "labs": [{"lab": "egfr", "at_most": 45, "references": ["ods-magnesium-hp"]}],
    }
    kb = load_knowledge(mini_with(tmp_path, rules=[lab_only, interaction]))

    def report(**profile: Any) -> Any:
        return check(regimen(mg("100 mg"), medications=["doxycycline"], **profile), knowledge=kb)

    assert find(report(), "contraindication.condition") == []
    assert find(report(conditions=["kidney failure"]), "contraindication.condition") == []  # needs the lab
    (by_lab,) = find(report(labs={"egfr": 25}), "contraindication.condition")
    assert by_lab.rule_id == "test.magnesium.low_egfr"
    assert by_lab.conditions == ()
    (named,) = find(report(labs={"egfr": 45}), "interaction.medication", rule="test.magnesium.doxycycline.kidney")
    assert "This applies with eGFR 45 mL/min/1.73 m² (at or below 45)." in named.message
    assert find(report(labs={"egfr": 46}), "interaction.medication", rule="test.magnesium.doxycycline.kidney") == []


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["egfr", "potassium", "ferritin", "creatinine"]),
        st.one_of(st.floats(), st.integers(), st.booleans(), st.text(max_size=5), st.none()),
        max_size=3,
    )
)
def test_any_labs_block_validates_or_is_an_input_error(labs: dict[str, Any]) -> None:
    problem = ""
    try:
        parsed = RegimenFile.model_validate(regimen(mg("100 mg"), labs=labs))
    except InputError as exc:
        problem = str(exc)
    if problem:
        assert all(line.startswith("profile.labs.") for line in problem.splitlines() if line.strip())
        return
    for value in parsed.profile.labs.given().values():
        assert 0 < value < float("inf")
