"""The bundled botanicals: every common and Latin name a label uses finds its substance.

Looked up through the real ``suppcheck lookup`` entry point; a misspelt herb is
refused there and reported (not dropped) by a check.
"""

from __future__ import annotations

import pytest

import suppcheck
from suppcheck._cli import main

NAMES = [
    ("turmeric", "turmeric"), ("curcumin", "turmeric"), ("Curcuma longa", "turmeric"),
    ("ashwagandha", "ashwagandha"), ("Withania somnifera", "ashwagandha"),
    ("green tea extract", "green_tea_extract"), ("Camellia sinensis extract", "green_tea_extract"),
    ("EGCG", "green_tea_extract"),
    ("kava", "kava"), ("kava kava", "kava"), ("Piper methysticum", "kava"),
    ("garlic", "garlic"), ("Allium sativum", "garlic"),
    ("Panax ginseng", "panax_ginseng"), ("Asian ginseng", "panax_ginseng"), ("Korean ginseng", "panax_ginseng"),
    ("echinacea", "echinacea"), ("Echinacea purpurea", "echinacea"),
    ("black cohosh", "black_cohosh"), ("Actaea racemosa", "black_cohosh"), ("Cimicifuga racemosa", "black_cohosh"),
    ("licorice root", "licorice"), ("liquorice", "licorice"), ("Glycyrrhiza glabra", "licorice"),
    ("milk thistle", "milk_thistle"), ("Silybum marianum", "milk_thistle"), ("silymarin", "milk_thistle"),
    ("saw palmetto", "saw_palmetto"), ("Serenoa repens", "saw_palmetto"),
]  # fmt: skip
BOTANICALS = sorted({substance for _, substance in NAMES})


@pytest.mark.parametrize(("name", "substance"), NAMES)
def test_lookup_finds_the_botanical_by_each_name(capsys: pytest.CaptureFixture[str], name: str, substance: str) -> None:
    code = main(["lookup", name])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.splitlines()[0].endswith(f"({substance}): substance")


@pytest.mark.parametrize("misspelt", ["ashwaganda", "turmerik", "Withania somnifira", "echinacia"])
def test_a_misspelt_herb_is_refused_by_lookup_and_reported_by_a_check(
    capsys: pytest.CaptureFixture[str], misspelt: str
) -> None:
    assert main(["lookup", misspelt]) == 2
    assert capsys.readouterr().out == ""
    regimen = suppcheck.RegimenFile.model_validate(
        {"profile": {"age": 40, "sex": "female"}, "regimen": [{"substance": misspelt, "amount": "300 mg"}]}
    )
    report = suppcheck.check(regimen)
    assert [f.code for f in report.findings if f.entries == (0,)] == ["input.unrecognized_substance"]
    assert report.complete is False


@pytest.mark.parametrize("substance", BOTANICALS)
def test_each_botanical_is_sourced_and_has_a_rule(substance: str) -> None:
    kb = suppcheck.load_knowledge()
    record = kb.substances[substance]
    assert record.kind.value == "botanical"
    assert record.unit == "mg"
    assert record.references
    assert all(ref in kb.references for ref in record.references)
    assert any(substance in rule.substances for rule in kb.rules.values())
