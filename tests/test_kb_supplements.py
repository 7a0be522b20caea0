"""The commonly bought supplements added to the knowledge base: names, intakes, limits and forms."""

from __future__ import annotations

from typing import Any

import pytest

from suppcheck import KnowledgeBase, check
from suppcheck._kb.models import LimitType

from .conftest import find, regimen

COMMON_NAMES = [
    ("vitamin B1", "thiamine"), ("vitamin B-1", "thiamine"), ("thiamin", "thiamine"), ("B1", "thiamine"),
    ("thiamine mononitrate", "thiamine"), ("vitamin B2", "riboflavin"), ("B2", "riboflavin"),
    ("riboflavin 5'-phosphate", "riboflavin"), ("vitamin B7", "biotin"), ("vitamin H", "biotin"),
    ("D-biotin", "biotin"), ("chromium", "chromium"), ("trivalent chromium", "chromium"),
    ("chromium picolinate", "chromium"), ("glucosamine sulfate", "glucosamine"),
    ("glucosamine HCl", "glucosamine"), ("berberine HCl", "berberine"), ("red yeast rice", "red_yeast_rice"),
    ("RYR", "red_yeast_rice"), ("Monascus purpureus", "red_yeast_rice"), ("DHEA", "dhea"),
    ("prasterone", "dhea"), ("dehydroepiandrosterone", "dhea"), ("L-tryptophan", "l_tryptophan"),
    ("tryptophan", "l_tryptophan"), ("probiotic", "probiotics"), ("Lactobacillus", "probiotics"),
    ("Saccharomyces boulardii", "probiotics"), ("S. boulardii", "probiotics"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "substance"), COMMON_NAMES)
def test_common_names_and_abbreviations_find_the_substance(kb: KnowledgeBase, name: str, substance: str) -> None:
    found = kb.resolve(name)
    assert found is not None, name
    assert found[0].id == substance


@pytest.mark.parametrize("name", ["Cr", "7-keto DHEA", "N-acetyl glucosamine", "5-hydroxytryptophan"])
def test_names_of_other_products_do_not_reach_these_substances(kb: KnowledgeBase, name: str) -> None:
    # Cr is creatine in sports nutrition, 7-keto DHEA is not converted to sex hormones,
    # N-acetylglucosamine is another amino sugar, and 5-HTP has its own record.
    found = kb.resolve(name)
    assert found is None or found[0].id not in {"chromium", "dhea", "glucosamine", "l_tryptophan"}


@pytest.mark.parametrize("substance", ["thiamine", "riboflavin", "biotin", "chromium"])
def test_no_upper_limit_where_nasem_set_none_and_the_note_says_so(kb: KnowledgeBase, substance: str) -> None:
    assert kb.limits_for(substance, LimitType.UPPER_LIMIT) == ()
    assert kb.limits_for(substance, LimitType.RECOMMENDED)
    note = kb.substances[substance].note
    assert note is not None
    assert "No UL established" in note


@pytest.mark.parametrize(
    ("entry", "profile", "substance", "value", "kind"),
    [
        ({"substance": "thiamine", "amount": "1 mg"}, {"age": 40, "sex": "male"}, "thiamine", 1.2, "RDA"),
        ({"substance": "thiamine", "amount": "1 mg"}, {"age": 40, "sex": "female"}, "thiamine", 1.1, "RDA"),
        ({"substance": "riboflavin", "amount": "1 mg"}, {"age": 25, "sex": "female", "lactating": True}, "riboflavin",
         1.6, "RDA"),
        ({"substance": "biotin", "amount": "10 mcg"}, {"age": 6}, "biotin", 12.0, "AI"),
        ({"substance": "biotin", "amount": "10 mcg"}, {"age": 30, "sex": "female", "lactating": True}, "biotin", 35.0,
         "AI"),
        ({"substance": "chromium", "amount": "10 mcg"}, {"age": 60, "sex": "male"}, "chromium", 30.0, "AI"),
        ({"substance": "chromium", "amount": "10 mcg"}, {"age": 17, "sex": "female", "pregnant": True}, "chromium",
         29.0, "AI"),
    ],
)  # fmt: skip
def test_recommended_intakes_follow_the_nasem_tables(
    entry: dict[str, Any], profile: dict[str, Any], substance: str, value: float, kind: str
) -> None:
    report = check(regimen(entry, **profile))
    (total,) = [t for t in report.totals if t.substance == substance]
    assert total.recommended_intake == pytest.approx(value)
    assert total.recommended_intake_kind == kind
    assert total.upper_limit is None


def test_chromium_picolinate_compound_amount_counts_its_chromium() -> None:
    # Cr(C6H4NO2)3 is 418.3 g/mol, 52.0 of it chromium: 12.4%.
    report = check(regimen({"substance": "chromium", "form": "picolinate", "amount": "1000 mcg", "basis": "compound"}))
    (total,) = report.totals
    assert total.daily_amount == pytest.approx(124.0)


@pytest.mark.parametrize(("amount", "above"), [("1500 mg", False), ("1501 mg", True)])
def test_glucosamine_usual_maximum_is_1500_mg(amount: str, above: bool) -> None:
    report = check(regimen({"substance": "glucosamine", "amount": amount}))
    assert bool(find(report, "dose.above_typical", rule="usual_max.glucosamine")) is above


def test_biotin_lab_test_caution_needs_a_condition_that_names_a_test() -> None:
    with_test = check(regimen({"substance": "biotin", "amount": "5 mg"}, conditions=["blood test"]))
    without = check(regimen({"substance": "biotin", "amount": "5 mg"}))
    assert find(with_test, "contraindication.condition", rule="cond.biotin.upcoming_lab_test")
    assert not find(without, "contraindication.condition")


@pytest.mark.parametrize(("amount", "flagged"), [("30 mcg", False), ("31 mcg", True), ("10 mg", True)])
def test_biotin_cautions_start_above_the_adequate_intake(amount: str, flagged: bool) -> None:
    report = check(
        regimen({"substance": "biotin", "amount": amount}, conditions=["hypothyroidism"], medications=["levothyroxine"])
    )
    assert bool(find(report, "contraindication.condition", rule="cond.biotin.thyroid_disease")) is flagged
    assert bool(find(report, "interaction.medication", rule="med.biotin.thyroid_hormones")) is flagged
