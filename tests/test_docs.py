"""The README's examples run, and the contracts under docs/ are the shared ones."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT

SHARED_SPEC = ROOT.parent / "shared" / "spec"


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


@pytest.mark.parametrize("name", ["regimen-format.md", "report-format.md"])
def test_docs_carry_the_shared_contracts(name: str) -> None:
    if not SHARED_SPEC.is_dir():
        pytest.fail(f"{SHARED_SPEC} is missing: CI runs with ../shared beside the checkout")
    assert (ROOT / "docs" / name).read_text(encoding="utf-8") == (SHARED_SPEC / name).read_text(encoding="utf-8")


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
