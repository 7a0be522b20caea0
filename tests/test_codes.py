"""Terminology codes in the knowledge base: validation, lookups by (system, code), and reading them from FHIR."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from suppcheck import KnowledgeBase, check, load_knowledge
from suppcheck._codes import ICD10CM, RXNORM, parse_code
from suppcheck.fhir import regimen_from_fhir

from .test_cli import run
from .test_loader import error_of, mini, write

REF = "ods-magnesium-hp"  # the mini knowledge base's one reference


def _code(code: str, system: str = RXNORM) -> dict[str, Any]:
    return {"system": system, "code": code, "display": "x", "references": [REF]}


def test_a_code_claimed_by_two_records_is_a_load_error_with_its_path(tmp_path: Path) -> None:
    data = mini()
    data["medications"][0]["codes"] = [_code("3640")]
    data["substances"][0]["codes"] = [_code("3640")]
    message = error_of(tmp_path, data)
    assert (
        "medications[0].codes[0]: code http://www.nlm.nih.gov/research/umls/rxnorm|3640 is claimed by substances"
        in (message)
    )


def test_an_icd10_code_is_one_code_whatever_its_case(tmp_path: Path) -> None:
    data = mini()
    data["conditions"][0]["codes"] = [_code("N18.5", ICD10CM), _code("n18.5", ICD10CM)]
    assert "conditions[0].codes[1]: code http://hl7.org/fhir/sid/icd-10-cm|N18.5 is claimed again" in error_of(
        tmp_path, data
    )


def test_a_code_cites_a_known_reference(tmp_path: Path) -> None:
    data = mini()
    data["medications"][0]["codes"] = [{**_code("3640"), "references": ["nowhere"]}]
    assert "medications[0].codes[0].references[0]: unknown reference 'nowhere'" in error_of(tmp_path, data)


def test_an_extra_file_adds_codes_to_existing_records(tmp_path: Path) -> None:
    base = write(tmp_path, mini())
    clinic = {"codes": [{"section": "medications", "id": "doxycycline", **_code("local-77", "urn:clinic:formulary")}]}
    kb = load_knowledge(base, extra=[write(tmp_path, clinic, "clinic.json")])
    found = kb.by_code("urn:clinic:formulary", "local-77")
    assert found is not None
    assert found.id == "doxycycline"
    assert [c.code for c in kb.codes_of("medications", "doxycycline")] == ["local-77"]


def test_an_extra_file_cannot_take_a_code_or_name_a_missing_record(tmp_path: Path) -> None:
    data = mini()
    data["medications"][0]["codes"] = [_code("3640")]
    taken = error_of(tmp_path, data, extra={"codes": [{"section": "substances", "id": "magnesium", **_code("3640")}]})
    assert "extra.json: codes[0]: code http://www.nlm.nih.gov/research/umls/rxnorm|3640 is claimed by medications" in (
        taken
    )
    missing = error_of(tmp_path, mini(), extra={"codes": [{"section": "medications", "id": "nope", **_code("1")}]})
    assert "extra.json: codes[0].id: no medications entry 'nope' to give the code to" in missing
    stage = error_of(tmp_path, mini(), extra={"codes": [{"section": "life_stages", "id": "nope", **_code("1")}]})
    assert "extra.json: codes[0].id: life stage 'nope' is not one of pregnant, lactating" in stage


@pytest.mark.parametrize(
    ("code", "owner"),
    [
        ("N18.4", ("conditions", "kidney_failure")),
        ("N18.6", ("conditions", "kidney_failure")),
        ("N18.32", ("conditions", "chronic_kidney_disease")),  # the category N18 holds the meaning
        ("E83.110", ("conditions", "hemochromatosis")),
        ("E83.119", ("conditions", "hemochromatosis")),
        ("G70.01", ("conditions", "myasthenia_gravis")),
        ("z33.1", ("life_stages", "pregnant")),
        ("E83.19", None),  # another iron-metabolism disorder: not hemochromatosis
        ("G70.1", None),
    ],
)
def test_icd10cm_is_matched_by_its_category(kb: KnowledgeBase, code: str, owner: tuple[str, str] | None) -> None:
    assert kb.code_owner(ICD10CM, code) == owner


def test_bundled_rxnorm_codes(kb: KnowledgeBase) -> None:
    cipro = kb.by_code(RXNORM, "2551")
    assert cipro is not None
    assert cipro.id == "ciprofloxacin"
    vitamin_c = kb.by_code(RXNORM, "1151")
    assert vitamin_c is not None
    assert vitamin_c.id == "vitamin_c"
    assert kb.by_code(RXNORM, "3640") is None  # not verified: left out
    assert kb.condition_by_code(ICD10CM, "G70.00") == "myasthenia_gravis"
    assert kb.life_stage_by_code(ICD10CM, "Z33.1") == "pregnant"


def test_every_bundled_code_cites_a_reference(kb: KnowledgeBase) -> None:
    codes = [
        c
        for section in ("substances", "medications", "conditions")
        for r in getattr(kb, section).values()
        for c in r.codes
    ]
    assert len(codes) >= 80
    assert all(c.references and all(ref in kb.references for ref in c.references) for c in codes)
    assert all(c.system in (RXNORM, ICD10CM) for c in codes)  # no SNOMED CT, no ATC


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("rxnorm:3640", (RXNORM, "3640")),
        ("RxNorm: 3640", (RXNORM, "3640")),
        ("icd10:n18.4", (ICD10CM, "N18.4")),
        ("http://www.nlm.nih.gov/research/umls/rxnorm|3640", (RXNORM, "3640")),
        ("urn:clinic|A1", ("urn:clinic", "A1")),
        ("magnesium citrate", None),
        ("rxnorm:", None),
        ("|3640", None),
    ],
)
def test_parse_code(text: str, parsed: tuple[str, str] | None) -> None:
    assert parse_code(text) == parsed


def test_cli_lookup_by_code(tmp_path: Path) -> None:
    out = run(["lookup", "icd10:N18.4"], cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Kidney failure (kidney_failure): condition")
    assert "icd10:N18.4 (Chronic kidney disease, stage 4 (severe))" in out.stdout
    cipro = run(["lookup", "rxnorm:2551"], cwd=tmp_path)
    assert cipro.stdout.startswith("Ciprofloxacin (ciprofloxacin): medication")
    missing = run(["lookup", "rxnorm:0000000"], cwd=tmp_path)
    assert missing.returncode == 2
    assert "no knowledge-base record has the code http://www.nlm.nih.gov/research/umls/rxnorm|0000000" in missing.stderr


def test_fhir_codes_identify_medications_conditions_and_pregnancy() -> None:
    rx = {"system": RXNORM}
    resources = [
        {"resourceType": "Patient", "birthDate": "1990-01-01", "gender": "female"},
        {
            "resourceType": "Condition",
            "code": {"coding": [{"system": ICD10CM, "code": "E83.110"}]},
        },
        {"resourceType": "Condition", "code": {"coding": [{"system": ICD10CM, "code": "Z33.1"}]}},
        {
            "resourceType": "MedicationStatement",
            "status": "active",
            "medicationCodeableConcept": {"coding": [{**rx, "code": "2551"}]},
        },
        {
            "resourceType": "MedicationStatement",
            "status": "active",
            "medicationCodeableConcept": {"coding": [{**rx, "code": "1151"}]},
            "dosage": [
                {"doseAndRate": [{"doseQuantity": {"value": 500, "system": "http://unitsofmeasure.org", "code": "mg"}}]}
            ],
        },
    ]
    regimen = regimen_from_fhir(resources, as_of=dt.date(2026, 6, 1))
    assert regimen.profile.conditions == ("Hemochromatosis",)
    assert regimen.profile.pregnant
    assert [m.name for m in regimen.profile.medications] == ["Ciprofloxacin"]
    assert regimen.regimen[0].substance == "Vitamin C"
    report = check(regimen)
    assert report.complete
    # E83.110 is hemochromatosis and 1151 is vitamin C: the condition rule applies.
    assert "cond.vitamin_c.hemochromatosis" in {f.rule_id for f in report.findings}
