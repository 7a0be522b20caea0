"""FHIR R4 in and out: golden bundles, the round trip, DetectedIssues validated with fhir.resources.

Golden bundles sit in ``tests/golden_fhir/<name>.json`` beside
``<name>.expected.yaml``, read as of 2026-06-01. The expectation keys are
those of tests/test_golden.py, plus ``regimen`` (each entry's fields, in
order, must be those given), ``profile`` (fields of the profile) and
``count`` (how many findings of a code).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from suppcheck import InputError, Report, check, load_regimen
from suppcheck.fhir import SourcedRegimen, detected_issues, is_fhir, regimen_from_fhir, regimen_to_fhir

from .test_golden import CASES, GOLDEN, describe, matches

AS_OF = dt.date(2026, 6, 1)
GOLDEN_FHIR = Path(__file__).parent / "golden_fhir"
FHIR_CASES = sorted(p for p in GOLDEN_FHIR.glob("*.json") if ".expected." not in p.name)


def _read(path: Path) -> SourcedRegimen:
    return regimen_from_fhir(json.loads(path.read_text(encoding="utf-8")), as_of=AS_OF)


@pytest.mark.parametrize("case", FHIR_CASES, ids=[c.stem for c in FHIR_CASES])
def test_golden_bundle(case: Path) -> None:
    expected: dict[str, Any] = yaml.safe_load(case.with_name(case.stem + ".expected.yaml").read_text(encoding="utf-8"))
    regimen = _read(case)
    report = check(regimen)
    shown = describe(report.findings)
    for want in expected.get("present", []):
        assert any(matches(f, want) for f in report.findings), f"missing {want}\nfindings:\n{shown}"
    for unwanted in expected.get("absent", []):
        assert not [f for f in report.findings if matches(f, unwanted)], f"unexpected {unwanted}"
    if "complete" in expected:
        assert report.complete is expected["complete"], shown
    for code, count in expected.get("count", {}).items():
        assert sum(f.code == code for f in report.findings) == count, shown
    totals = {t.substance: t for t in report.totals}
    for substance, fields in expected.get("totals", {}).items():
        for key, value in fields.items():
            got = getattr(totals[substance], key)
            assert got == (
                pytest.approx(value) if isinstance(value, float) else tuple(value) if isinstance(value, list) else value
            )
    dumped = regimen.model_dump(mode="json")
    if "regimen" in expected:
        assert len(dumped["regimen"]) == len(expected["regimen"])
        for i, (got, want) in enumerate(zip(dumped["regimen"], expected["regimen"], strict=True)):
            for key, value in want.items():
                assert got[key] == value, (i, key, got)
    for key, value in expected.get("profile", {}).items():
        assert dumped["profile"][key] == value, key


# Golden regimens whose findings depend on what these FHIR resources do not carry.
NOT_IN_FHIR = {
    "sleep-stack-pregnancy": "the person's own day (bedtime 23:00)",
    "every-input-finding": "an elemental amount of an unknown form (FHIR names the salt's weight)",
    "codes-rxnorm-icd10": "a code the knowledge base does not hold cannot say whether it names a supplement",
}
# Notes that only one of the two readings can give: FHIR states a life stage, it is not a condition;
# the regimen format's foods have no FHIR resource here (NutritionOrder is not mapped).
_ONE_SIDED = ("input.life_stage_from_condition", "input.fhir_", "food.", "input.unrecognized_food")


def _key(report: Report) -> list[tuple[Any, ...]]:
    return sorted(
        (f.code, f.rule_id, f.severity.value, f.substances, f.medications, f.conditions, f.entries, f.message)
        for f in report.findings
        if not f.code.startswith(_ONE_SIDED)
    )


ROUND_TRIP = [c for c in CASES if c.stem not in NOT_IN_FHIR]


@pytest.mark.parametrize("case", ROUND_TRIP, ids=[c.stem for c in ROUND_TRIP])
def test_round_trip_gives_the_same_findings(case: Path) -> None:
    try:
        regimen = load_regimen(case)
    except InputError:
        pytest.fail(f"{case.name} is a golden regimen and must load")
    bundle = regimen_to_fhir(regimen, as_of=AS_OF)
    back = regimen_from_fhir(json.loads(json.dumps(bundle)), as_of=AS_OF)
    assert _key(check(back)) == _key(check(regimen))


def test_the_round_trip_leaves_out_few_golden_regimens() -> None:
    assert set(NOT_IN_FHIR) <= {c.stem for c in CASES}
    assert len(ROUND_TRIP) >= len(CASES) - 3


def test_written_bundles_validate_as_r4b_and_use_r4_codes() -> None:
    from fhir.resources.R4B.bundle import Bundle

    from suppcheck._fhir import terms

    when_codes: set[str] = set()
    statuses: set[tuple[str, str]] = set()
    for case in CASES:
        bundle = regimen_to_fhir(load_regimen(case), as_of=AS_OF)
        Bundle.model_validate(bundle)
        for entry in bundle["entry"]:
            resource = entry["resource"]
            if "status" in resource:
                statuses.add((resource["resourceType"], resource["status"]))
            for dosage in resource.get("dosage", ()):
                when_codes.update(dosage.get("timing", {}).get("repeat", {}).get("when", ()))
    # fhir.resources does not check code values: the EventTiming and status value sets of R4 do.
    assert when_codes <= set(terms.WHEN)
    assert len(when_codes) >= 5
    assert statuses == {("MedicationStatement", "active"), ("Observation", "final")}


def test_a_regimen_with_foods_writes_a_valid_bundle_without_them_and_its_food_issues_validate() -> None:
    from fhir.resources.R4B.bundle import Bundle

    regimen = load_regimen(GOLDEN / "food-levothyroxine-coffee-0715.yaml")
    bundle = regimen_to_fhir(regimen, as_of=AS_OF)
    Bundle.model_validate(bundle)
    assert regimen_from_fhir(json.loads(json.dumps(bundle)), as_of=AS_OF).foods == ()
    report = check(regimen)
    issues = detected_issues(report, regimen=regimen, as_of=AS_OF)
    Bundle.model_validate(issues)
    texts = [e["resource"].get("detail", "") for e in issues["entry"]]
    assert any("coffee at 07:15" in text for text in texts)
    (food,) = [e["resource"] for e in issues["entry"] if e["resource"]["code"]["text"] == "food.separation"]
    assert food["code"]["coding"][1] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "FOOD",
        "display": "Food Interaction Alert",
    }


# -- DetectedIssue -------------------------------------------------------------------

SEVERITIES = {"high", "moderate", "low"}
ISSUE_STATUSES = {"registered", "preliminary", "final", "amended", "corrected", "cancelled", "entered-in-error"}


@pytest.mark.parametrize("case", FHIR_CASES, ids=[c.stem for c in FHIR_CASES])
def test_detected_issues_validate_and_implicate_their_sources(case: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle

    regimen = _read(case)
    report = check(regimen)
    bundle = detected_issues(report, regimen=regimen, as_of=AS_OF)
    Bundle.model_validate(bundle)
    assert bundle["type"] == "collection"
    issues = [e["resource"] for e in bundle["entry"]]
    assert len(issues) == len(report.findings)
    for issue, finding in zip(issues, report.findings, strict=True):
        assert issue["resourceType"] == "DetectedIssue"
        assert issue["status"] in ISSUE_STATUSES
        assert issue["status"] == "final"
        assert issue["severity"] in SEVERITIES
        assert issue["identifiedDateTime"] == "2026-06-01"
        assert issue["detail"] == finding.message
        assert issue["code"]["coding"][0]["code"] == finding.code
        assert issue["patient"] == {"reference": "Patient/p"}
        if finding.entries:
            refs = [r["reference"] for r in issue["implicated"]]
            assert all(r.split("/")[0] in ("MedicationStatement", "MedicationRequest", "NutritionOrder") for r in refs)
        if finding.references:
            assert issue["reference"] == finding.references[0].url
    assert detected_issues(report, regimen=regimen, as_of=AS_OF) == bundle  # the same ids each time


def test_severity_and_act_codes() -> None:
    regimen = _read(GOLDEN_FHIR / "pregnancy-doxycycline-iron.json")
    report = check(regimen)
    issues = {
        e["resource"]["code"]["coding"][0]["code"]: e["resource"]
        for e in detected_issues(report, regimen=regimen)["entry"]
    }
    separation = issues["timing.separation"]
    assert separation["severity"] == "moderate"
    assert separation["code"]["coding"][1] == {
        "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
        "code": "DRG",
        "display": "Drug Interaction Alert",
    }
    refs = {r["reference"] for r in separation["implicated"]}
    assert refs == {"MedicationStatement/iron", "MedicationRequest/doxy"}
    assert issues["dose.above_upper_limit"]["code"]["coding"][1]["code"] == "DOSE"
    assert len(issues["timing.advice"]["code"]["coding"]) == 1  # no ActCode fits advice


def test_detected_issues_as_models() -> None:
    from fhir.resources.R4B.bundle import Bundle

    report = check(_read(GOLDEN_FHIR / "salt-strengths.json"))
    assert isinstance(detected_issues(report, as_models=True), Bundle)


# -- reading ------------------------------------------------------------------------


def _statement(**dosage: Any) -> dict[str, Any]:
    dosage.setdefault(
        "doseAndRate", [{"doseQuantity": {"value": 1, "system": "http://unitsofmeasure.org", "code": "{tablet}"}}]
    )
    return {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationCodeableConcept": {"text": "zinc 10 MG Oral Tablet"},
        "dosage": [dosage],
    }


def test_a_list_of_resources_and_a_single_resource() -> None:
    single = regimen_from_fhir(_statement(), as_of=AS_OF)
    listed = regimen_from_fhir([_statement()], as_of=AS_OF)
    assert single.regimen == listed.regimen
    assert str(single.regimen[0].amount) == "10 mg"


def test_nothing_to_check_and_not_fhir_are_input_errors() -> None:
    with pytest.raises(InputError, match="no supplement being taken"):
        regimen_from_fhir({"resourceType": "Bundle", "type": "collection", "entry": []})
    with pytest.raises(InputError, match="not FHIR"):
        regimen_from_fhir({"regimen": []})  # type: ignore[arg-type]


def test_two_patients_are_an_input_error() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient", "id": str(i)}} for i in range(2)]
        + [{"resource": _statement()}],
    }
    with pytest.raises(InputError, match="2 different Patient"):
        regimen_from_fhir(bundle)


@pytest.mark.parametrize(
    ("birth", "age"),
    [("2000-06-01", 26.0), ("2000-06-02", 25.0), ("2000", 25.0), ("2026-01", 0.3333), ("1890-01-01", 130.0)],
)
def test_age_as_of(birth: str, age: float) -> None:
    patient = {"resourceType": "Patient", "birthDate": birth}
    regimen = regimen_from_fhir([patient, _statement()], as_of=AS_OF)
    assert regimen.profile.age == pytest.approx(age)


def test_a_future_birth_date_is_unmapped() -> None:
    regimen = regimen_from_fhir([{"resourceType": "Patient", "birthDate": "2030-01-01"}, _statement()], as_of=AS_OF)
    assert regimen.profile.age is None
    assert [n.code for n in regimen.notes] == ["input.fhir_unmapped"]


def test_instructions_say_with_or_without_food() -> None:
    regimen = regimen_from_fhir(
        _statement(additionalInstruction=[{"text": "On an empty stomach"}], timing={"repeat": {"when": ["CM"]}}),
        as_of=AS_OF,
    )
    assert regimen.regimen[0].with_food is False
    assert regimen.regimen[0].times == ("breakfast",)


def test_an_old_pregnancy_status_is_left_out() -> None:
    observation = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "82810-3"}]},
        "effectiveDateTime": "2024-01-01",
        "valueCodeableConcept": {"text": "Pregnant"},
    }
    regimen = regimen_from_fhir([observation, _statement()], as_of=AS_OF)
    assert not regimen.profile.pregnant
    assert [n.code for n in regimen.notes] == ["input.fhir_left_out"]


def test_other_resources_are_counted_in_one_note() -> None:
    regimen = regimen_from_fhir(
        [{"resourceType": "Encounter"}, {"resourceType": "Encounter"}, _statement()], as_of=AS_OF
    )
    (note,) = regimen.notes
    assert note.code == "input.fhir_not_read"
    assert "Encounter (2)" in note.message
    assert check(regimen).complete


def _nutrition_order(status: str = "active", **supplement: Any) -> dict[str, Any]:
    supplement.setdefault("productName", "magnesium")
    supplement.setdefault("quantity", {"value": 400, "system": "http://unitsofmeasure.org", "code": "mg"})
    return {
        "resourceType": "NutritionOrder",
        "id": "no1",
        "status": status,
        "intent": "order",
        "patient": {"reference": "Patient/p1"},
        "dateTime": "2026-12-01",
        "supplement": [supplement],
    }


def test_a_nutrition_orders_supplement_is_an_entry_for_each_schedule() -> None:
    order = _nutrition_order(
        schedule=[{"repeat": {"timeOfDay": ["08:00:00"]}}, {"repeat": {"when": ["HS"]}}],
    )
    regimen = regimen_from_fhir(order, as_of=AS_OF)
    assert [(e.substance, e.form, str(e.amount), e.times) for e in regimen.regimen] == [
        ("Magnesium", None, "400 mg", ("08:00",)),
        ("Magnesium", None, "400 mg", ("bedtime",)),
    ]
    assert regimen.sources["entry:0"] == regimen.sources["entry:1"] == ("NutritionOrder/no1",)
    report = check(regimen)
    assert any(f.code == "dose.above_upper_limit" for f in report.findings)  # 800 mg/day from supplements


def test_a_nutrition_orders_supplement_without_an_amount_is_not_checked_and_says_where() -> None:
    regimen = regimen_from_fhir([_nutrition_order(quantity={"value": 1, "unit": "chew"}), _statement()], as_of=AS_OF)
    assert [e.substance for e in regimen.regimen] == ["Zinc"]
    (note,) = regimen.notes
    assert note.code == "input.fhir_unmapped"
    assert note.message.startswith("[0].supplement[0].quantity.code: the unit 'chew' has no mapping")


@pytest.mark.parametrize("status", ["revoked", "completed", "entered-in-error"])
def test_a_revoked_or_completed_nutrition_order_is_left_out(status: str) -> None:
    regimen = regimen_from_fhir([_nutrition_order(status), _statement()], as_of=AS_OF)
    assert [e.substance for e in regimen.regimen] == ["Zinc"]
    assert [n.code for n in regimen.notes] == ["input.fhir_left_out"]


def test_a_diet_order_is_counted_among_the_resources_not_read() -> None:
    diet = {"resourceType": "NutritionOrder", "status": "active", "oralDiet": {"type": [{"text": "Low sodium"}]}}
    regimen = regimen_from_fhir([diet, _statement()], as_of=AS_OF)
    (note,) = regimen.notes
    assert note.code == "input.fhir_not_read"
    assert "NutritionOrder (a diet or formula, no supplement) (1)" in note.message


_JUNK: list[Any] = [None, 0, -1, 1.5, float("nan"), float("inf"), True, "", "x", [], {}, [1], {"a": 1}, 10**30]


def _nodes(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _nodes(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _nodes(value, (*path, i))
    return out


@pytest.mark.parametrize("case", FHIR_CASES, ids=[c.stem for c in FHIR_CASES])
def test_junk_anywhere_in_a_bundle_gives_a_regimen_or_an_input_error(case: Path) -> None:
    import random

    rng = random.Random(case.stem)
    original = json.loads(case.read_text(encoding="utf-8"))
    paths = _nodes(original)[1:]
    for _ in range(150):
        doc = json.loads(json.dumps(original))
        for _ in range(rng.randint(1, 3)):
            path = rng.choice(paths)
            node = doc
            try:
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = rng.choice(_JUNK)
            except (KeyError, IndexError, TypeError):
                continue  # an earlier replacement removed the path
        try:
            regimen = regimen_from_fhir(doc, as_of=AS_OF)
        except InputError:
            continue
        detected_issues(check(regimen), regimen=regimen, as_of=AS_OF)


def test_is_fhir() -> None:
    assert is_fhir({"resourceType": "Patient"})
    assert is_fhir([{"resourceType": "Patient"}])
    assert not is_fhir([])
    assert not is_fhir({"profile": {}, "regimen": []})
    assert not is_fhir("Bundle")


def test_a_plain_regimen_carries_no_notes() -> None:
    report = check({"regimen": [{"substance": "zinc", "amount": "10 mg"}], "profile": {"age": 40}})
    assert not any(f.code.startswith("input.fhir") for f in report.findings)


# -- the command line -----------------------------------------------------------------


def test_cli_checks_a_bundle_with_no_flag(tmp_path: Path) -> None:
    from .test_cli import run

    case = GOLDEN_FHIR / "pregnancy-doxycycline-iron.json"
    out = run(["check", str(case), "--as-of", "2026-06-01", "--format", "json"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["id"] == "p"
    assert {f["rule_id"] for f in report["findings"]} >= {"ul.iron", "med.iron.tetracyclines"}
    assert "pregnancy 31-50" in next(f["message"] for f in report["findings"] if f["rule_id"] == "ul.iron")


def test_cli_format_fhir_and_as_of(tmp_path: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle

    from .test_cli import run

    case = GOLDEN_FHIR / "unknown-and-unmapped.json"
    out = run(["check", str(case), "--as-of", "2026-06-01", "--format", "fhir"], cwd=tmp_path)
    assert out.returncode == 3, out.stderr  # incomplete: something could not be read
    bundle = json.loads(out.stdout)
    Bundle.model_validate(bundle)
    assert {e["resource"]["identifiedDateTime"] for e in bundle["entry"]} == {"2026-06-01"}
    bad = run(["check", str(case), "--as-of", "June"], cwd=tmp_path)
    assert bad.returncode == 2
    assert "'June' is not a date YYYY-MM-DD" in bad.stderr


def test_cli_batch_reads_fhir_lines(tmp_path: Path) -> None:
    from .test_cli import run

    bundle = json.loads((GOLDEN_FHIR / "salt-strengths.json").read_text(encoding="utf-8"))
    lines = tmp_path / "in.jsonl"
    lines.write_text(json.dumps(bundle) + "\n" + json.dumps({"resourceType": "Bundle", "entry": []}) + "\n")
    out = run(["check", "--batch", str(lines), "--workers", "1", "--as-of", "2026-06-01"], cwd=tmp_path)
    first, second = (json.loads(line) for line in out.stdout.splitlines())
    assert [t["daily_amount"] for t in first["totals"]] == [65.0, 240.0]
    assert "no supplement being taken" in second["error"]


def test_cli_an_input_error_names_the_file(tmp_path: Path) -> None:
    from .test_cli import run

    empty = tmp_path / "empty.json"
    empty.write_text('{"resourceType": "Bundle", "type": "collection", "entry": []}')
    out = run(["check", str(empty)], cwd=tmp_path)
    assert out.returncode == 2
    assert "empty.json" in out.stderr
    assert "no supplement being taken" in out.stderr


# -- a public bundle this project did not write ------------------------------------------

SYNTHEA = Path(__file__).parent / "fixtures_fhir" / "synthea-veta-nitzsche.json"  # source and licence: README.md there


def test_a_synthea_patient_converts_with_nothing_unexplained() -> None:
    bundle = json.loads(SYNTHEA.read_text(encoding="utf-8"))
    regimen = regimen_from_fhir(bundle, as_of=AS_OF)
    report = check(regimen)
    assert report.complete
    assert [(t.substance, t.daily_amount) for t in report.totals] == [("iron", 65.0)]  # 325 mg ferrous sulfate
    assert regimen.profile.age == 55
    assert regimen.profile.sex == "female"
    notes = [f for f in report.findings if f.code.startswith("input.")]
    assert {f.code for f in notes} == {"input.fhir_assumed", "input.fhir_left_out", "input.fhir_not_read"}
    # Every resource is accounted for: read, left out (and listed), or counted as not read.
    (not_read,) = [f for f in notes if f.code == "input.fhir_not_read"]
    counted = sum(int(n) for n in re.findall(r"\((\d+)\)", not_read.message))
    left_out = sum(f.code == "input.fhir_left_out" for f in notes)
    read = 2 + sum(  # the Patient and the ferrous sulfate request
        e["resource"]["resourceType"] == "Condition"
        and e["resource"]["clinicalStatus"]["coding"][0]["code"] == "active"
        for e in bundle["entry"]
    )
    assert counted + left_out + read == len(bundle["entry"])
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(detected_issues(report, regimen=regimen, as_of=AS_OF))
