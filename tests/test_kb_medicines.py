"""Medicines supplements are taken with: names that must resolve and rules that must not be missed.

Integrase inhibitors, hormonal contraceptives and the potassium-raising medicines
are where a silent miss hurts most (viral resistance, pregnancy, hyperkalaemia),
so these tests walk the classes rather than a few names: a medicine added to a
class later without a rule that covers it makes them fail.
"""

from __future__ import annotations

import pytest

from suppcheck import KnowledgeBase, Report, Severity, check

from .conftest import regimen

# Long-acting injections only: nothing is chelated in the gut.
INJECTABLE_INTEGRASE_INHIBITORS = {"cabotegravir_rilpivirine"}


def _members(kb: KnowledgeBase, class_id: str) -> list[str]:
    return sorted(m for m in kb.medications if (match := kb.medication(m)) and class_id in match.classes)


def _interactions(report: Report, substance: str) -> list[str]:
    return [
        f.rule_id
        for f in report.findings
        if substance in f.substances and f.medications and f.code in ("interaction.medication", "timing.separation")
    ]


@pytest.mark.parametrize(
    "name",
    [
        "ethinyl estradiol", "levonorgestrel", "Plan B One-Step", "etonogestrel", "Nexplanon", "NuvaRing", "Xulane",
        "norgestimate", "ella", "indinavir", "Crixivan", "saquinavir", "Lexiva", "Viracept", "Aptivus", "Prezcobix",
        "Symtuza", "bictegravir", "elvitegravir", "Isentress HD", "CellCept", "mycophenolate", "Myfortic",
        "sirolimus", "Rapamune", "everolimus", "Zortress", "azathioprine", "hormonal contraceptive",
        "HIV protease inhibitor", "immunosuppressant", "mTOR inhibitor",
    ],
)  # fmt: skip
def test_medicine_names_resolve(kb: KnowledgeBase, name: str) -> None:
    assert kb.medication(name) is not None, name


def test_protease_inhibitors_are_antiretrovirals(kb: KnowledgeBase) -> None:
    members = _members(kb, "hiv_protease_inhibitors")
    assert {"atazanavir", "darunavir", "lopinavir_ritonavir", "ritonavir", "indinavir", "saquinavir"} <= set(members)
    for med in members:
        match = kb.medication(med)
        assert match is not None, med
        assert "antiretrovirals" in match.classes, med


def test_no_medicine_is_both_an_oral_and_a_non_oral_hormonal_contraceptive(kb: KnowledgeBase) -> None:
    # Both classes carry a St John's wort rule; a medicine in both would get the warning twice.
    assert set(_members(kb, "hormonal_contraceptives")).isdisjoint(_members(kb, "oral_contraceptives"))


def test_every_hormonal_contraceptive_gets_one_st_johns_wort_warning(kb: KnowledgeBase) -> None:
    members = _members(kb, "hormonal_contraceptives") + _members(kb, "oral_contraceptives")
    assert len(members) >= 15
    for med in members:
        report = check(regimen({"substance": "St John's wort", "amount": "300 mg"}, medications=[med]))
        rules = _interactions(report, "st_johns_wort")
        assert len(rules) == 1, (med, rules)
        (finding,) = [f for f in report.findings if f.rule_id == rules[0]]
        assert finding.severity >= Severity.MAJOR, med


@pytest.mark.parametrize("mineral", ["calcium", "magnesium"])
def test_every_oral_integrase_inhibitor_has_a_rule_for_the_mineral(kb: KnowledgeBase, mineral: str) -> None:
    members = [m for m in _members(kb, "integrase_inhibitors") if m not in INJECTABLE_INTEGRASE_INHIBITORS]
    assert len(members) >= 10
    for med in members:
        report = check(regimen({"substance": mineral, "amount": "200 mg"}, medications=[med]))
        assert _interactions(report, mineral), (med, mineral)


def test_iron_is_separated_from_integrase_inhibitors_whose_label_names_it(kb: KnowledgeBase) -> None:
    for med in ("Tivicay", "Triumeq", "Dovato", "Juluca", "Biktarvy", "Vocabria"):
        report = check(regimen({"substance": "iron", "amount": "65 mg"}, medications=[med]))
        assert _interactions(report, "iron"), med


def test_the_cabotegravir_injection_has_no_mineral_window() -> None:
    report = check(regimen({"substance": "zinc", "amount": "25 mg"}, {"substance": "calcium", "amount": "500 mg"},
                           medications=["Cabenuva"]))  # fmt: skip
    assert not _interactions(report, "zinc")
    assert not _interactions(report, "calcium")


@pytest.mark.parametrize(
    ("medication", "rule", "severity"),
    [
        ("trimethoprim", "med.potassium.trimethoprim", Severity.MAJOR),
        ("co-trimoxazole", "med.potassium.trimethoprim", Severity.MAJOR),
        ("ciclosporin", "med.potassium.calcineurin_inhibitors", Severity.MODERATE),
        ("Envarsus XR", "med.potassium.calcineurin_inhibitors", Severity.MODERATE),
        ("ibuprofen", "med.potassium.nsaids", Severity.MINOR),
        ("celecoxib", "med.potassium.nsaids", Severity.MINOR),
    ],
)
def test_potassium_raising_medicines(medication: str, rule: str, severity: Severity) -> None:
    report = check(regimen({"substance": "potassium", "amount": "99 mg"}, medications=[medication]))
    (finding,) = [f for f in report.findings if f.rule_id == rule]
    assert finding.severity is severity


def test_low_dose_aspirin_is_not_a_potassium_partner() -> None:
    report = check(regimen({"substance": "potassium", "amount": "99 mg"}, medications=["aspirin"]))
    assert not _interactions(report, "potassium")
