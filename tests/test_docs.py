"""The README's examples run, and the contracts under docs/ name every field the models have."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT


def test_readme_python_examples_run() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert blocks
    for block in blocks:
        namespace: dict[str, object] = {}
        exec(compile(block, "README.md", "exec"), namespace)


def test_readme_quick_start_is_two_make_targets() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    commands = [
        line.split("#")[0].strip() for line in re.findall(r"```sh\n(.*?)```", quick, flags=re.S)[0].splitlines()
    ]
    assert commands == ["make demo", "make test"]
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


# docs/ holds the contracts now (they began as copies of ../shared/spec/ and have grown since):
# each must name every field of the models it describes.
@pytest.mark.parametrize(
    ("name", "models"),
    [
        ("regimen-format.md", ("RegimenFile", "Profile", "RegimenEntry", "Ingredient", "MedicationUse", "Day")),
        ("report-format.md", ("Report", "Finding", "Total", "ReferenceInfo", "PersonInfo", "EntryInfo", "FoodInfo")),
    ],
)
def test_docs_name_every_field_of_the_contract(name: str, models: tuple[str, ...]) -> None:
    import suppcheck

    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    for model in models:
        for field in getattr(suppcheck, model).model_fields:
            assert re.search(rf"[`\"]{field}[`\"]|\b{field}:", text), f"{name} does not name {model}.{field}"


def test_readme_counts_are_the_knowledge_base_counts() -> None:
    import suppcheck

    kb = suppcheck.load_knowledge()
    text = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    said = {
        "substances": len(kb.substances),
        "forms": len(kb.forms),
        "medication classes": len(kb.medication_classes),
        "medications": len(kb.medications),
        "conditions": len(kb.conditions),
        "rules": len(kb.rules),
        "references": len(kb.references),
    }
    for what, count in said.items():
        assert re.search(rf"\b{count} {what}\b", text), f"README does not say {count} {what}"
