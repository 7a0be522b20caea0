"""Invariants of the bundled knowledge base: counts, sources, integrity, schema."""

from __future__ import annotations

import re
from typing import Any

import pytest

from suppcheck import KnowledgeBase
from suppcheck._kb import schema
from suppcheck._kb.models import LimitType, RuleFamily

from .conftest import ROOT

PRODUCT_SUBSTANCES = {
    "magnesium", "iron", "vitamin_d", "vitamin_b12", "melatonin", "calcium", "vitamin_c", "folate", "vitamin_e",
    "manganese", "potassium", "valerian", "zinc", "copper", "selenium", "iodine", "vitamin_a", "vitamin_k",
    "vitamin_b6", "niacin", "fish_oil", "st_johns_wort", "ginkgo", "coenzyme_q10", "5_htp",
}  # fmt: skip
REPORT_CONDITIONS = {
    "kidney_failure", "chronic_kidney_disease", "myasthenia_gravis", "celiac_disease", "crohns_disease",
    "hemochromatosis", "hypercalcemia", "hyperparathyroidism", "sarcoidosis", "kidney_stones", "liver_disease",
    "bleeding_disorder", "restless_legs_syndrome", "essential_tremor",
}  # fmt: skip
PRODUCT_FORMS = [
    ("magnesium", "glycinate"), ("magnesium", "citrate"), ("magnesium", "oxide"), ("magnesium", "chloride"),
    ("magnesium", "malate"), ("magnesium", "L-threonate"), ("magnesium", "sulfate"), ("iron", "ferrous sulfate"),
    ("iron", "ferrous gluconate"), ("iron", "ferrous fumarate"), ("iron", "iron bisglycinate"),
    ("iron", "carbonyl iron"), ("calcium", "carbonate"), ("calcium", "citrate"), ("vitamin_d", "D2"),
    ("vitamin_d", "D3"), ("vitamin_b12", "cyanocobalamin"), ("vitamin_b12", "methylcobalamin"),
    ("vitamin_b12", "hydroxocobalamin"), ("folate", "folic acid"), ("folate", "L-methylfolate"),
    ("vitamin_e", "d-alpha-tocopherol"), ("vitamin_e", "dl-alpha-tocopherol"), ("vitamin_a", "retinyl palmitate"),
    ("vitamin_a", "beta-carotene"),
]  # fmt: skip
CORE_MEDICATION_CLASSES = {
    "calcium_channel_blockers", "tetracyclines", "fluoroquinolones", "loop_diuretics", "thiazide_diuretics",
    "potassium_sparing_diuretics", "nsaids", "ssris", "statins", "bisphosphonates", "thyroid_hormones",
    "dopamine_agonists", "proton_pump_inhibitors", "h2_blockers", "anticoagulants", "antiplatelets",
    "benzodiazepines", "z_drugs", "ace_inhibitors", "angiotensin_receptor_blockers", "anticonvulsants",
    "corticosteroids", "oral_contraceptives",
}  # fmt: skip


def test_counts(kb: KnowledgeBase) -> None:
    assert set(kb.substances) >= PRODUCT_SUBSTANCES
    assert len(kb.substances) >= 25
    assert len(kb.forms) >= 30
    assert len(kb.medication_classes) >= 30
    assert len(kb.medications) >= 120
    assert len(kb.conditions) >= 20
    assert len(kb.rules) >= 150
    assert len(kb.references) >= 20
    assert set(kb.conditions) >= REPORT_CONDITIONS
    assert set(kb.medication_classes) >= CORE_MEDICATION_CLASSES


def test_every_family_has_rules(kb: KnowledgeBase) -> None:
    families = {r.family for r in kb.rules.values()}
    assert families == set(RuleFamily)
    asymmetric = [
        r
        for r in kb.rules.values()
        if r.separation and r.separation.other_before_hours != r.separation.other_after_hours
    ]
    assert asymmetric, "tetracyclines: 2 h before or 4-6 h after"


@pytest.mark.parametrize(("substance", "form"), PRODUCT_FORMS)
def test_product_forms_exist(kb: KnowledgeBase, substance: str, form: str) -> None:
    found = kb.form(substance, form)
    assert found is not None, (substance, form)


def test_elemental_fractions(kb: KnowledgeBase) -> None:
    expected = {
        "magnesium_oxide": 0.60, "magnesium_citrate": 0.16, "magnesium_glycinate": 0.14, "ferrous_sulfate": 0.20,
        "ferrous_gluconate": 0.12, "ferrous_fumarate": 0.33, "calcium_carbonate": 0.40, "calcium_citrate": 0.21,
    }  # fmt: skip
    for form_id, fraction in expected.items():
        assert kb.forms[form_id].elemental_fraction == pytest.approx(fraction, abs=0.005), form_id
    for form in kb.forms.values():
        assert form.elemental_fraction is None or 0 < form.elemental_fraction <= 1
        if kb.substances[form.substance].kind.value == "mineral" and "chelate" not in form.name.lower():
            assert form.references


def test_absorption_ratings_follow_the_sources(kb: KnowledgeBase) -> None:
    assert kb.forms["magnesium_oxide"].absorption is not None
    assert kb.forms["magnesium_oxide"].absorption.value == "poor"
    assert kb.forms["magnesium_citrate"].absorption.value == "good"  # type: ignore[union-attr]
    assert kb.forms["magnesium_glycinate"].absorption.value == "good"  # type: ignore[union-attr]


def test_every_rule_and_limit_is_sourced_and_graded(kb: KnowledgeBase) -> None:
    for record in (*kb.rules.values(), *kb.limits.values()):
        assert record.references, record.id
        assert record.evidence is not None
        assert record.mechanism.strip()
        assert record.recommendation.strip()
    used = {r for rec in (*kb.rules.values(), *kb.limits.values(), *kb.forms.values()) for r in rec.references}
    assert used <= set(kb.references)


def test_references_are_well_formed(kb: KnowledgeBase) -> None:
    for ref in kb.references.values():
        assert re.match(r"^https?://[^\s/]+\.[a-z]{2,}", ref.url), ref.id
        assert ref.title.strip()
        assert ref.publisher.strip()
        if ref.pmid:
            assert ref.pmid.isdigit()


def test_upper_limits_and_recommended_intakes(kb: KnowledgeBase) -> None:
    magnesium = kb.limits["ul.magnesium"]
    assert magnesium.basis.value == "supplemental"
    assert magnesium.values["19-30"] == 350
    assert kb.limits["ul.folate"].basis.value == "folic_acid"
    assert kb.limits["ul.vitamin_a"].basis.value == "preformed"
    assert kb.limits["ul.vitamin_d"].values["31-50"] == 100  # 4,000 IU, the 2011 value
    assert kb.limits["ul.calcium"].values["51-70"] == 2000
    assert kb.limits["per_dose.calcium"].type is LimitType.PER_DOSE_MAX
    for limit in kb.limits.values():
        if limit.type is not LimitType.RECOMMENDED:
            continue
        upper = next(iter(kb.limits_for(limit.substance, LimitType.UPPER_LIMIT)), None)
        if upper is None or upper.unit != limit.unit or upper.basis.value == "supplemental":
            continue
        for stage, value in limit.values.items():
            bound = upper.values.get(stage) or upper.values.get(stage.split(" ")[-1])
            if bound is not None and not stage.startswith(("pregnancy", "lactation")):
                assert value <= bound, (limit.id, stage)


def test_magnesium_propranolol_link_is_graded_weak(kb: KnowledgeBase) -> None:
    rules = [r for r in kb.rules.values() if "propranolol" in r.medications and "magnesium" in r.substances]
    assert rules
    assert all(r.evidence.value in ("C", "D") for r in rules)


def test_committed_schema_matches_the_models() -> None:
    committed = (ROOT / "data" / "interactions.schema.json").read_text(encoding="utf-8")
    assert committed == schema.render(), "run `make schema` and commit data/interactions.schema.json"


def test_bundled_file_passes_the_schema_shape(raw_kb: dict[str, Any]) -> None:
    assert re.match(r"^\d{4}\.\d{1,2}\.\d+$", raw_kb["knowledge_version"])
    assert set(schema.schema()["properties"]) >= set(raw_kb)
