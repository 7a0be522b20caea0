"""Golden regimens: each input file sits beside ``<name>.expected.yaml``.

An expectation matches a finding when every key it gives agrees: ``code``,
``rule_id``, ``severity``, ``severity_at_least``, ``evidence``, and for the
lists (``substances``, ``medications``, ``conditions``, ``entries``, ``foods``) every
listed item is in the finding's list; ``suggestions_include`` checks one
suggestion; ``hours_required``/``hours_scheduled`` compare numbers;
``message_contains`` is a piece of text the message must contain.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from suppcheck import Finding, Severity, check, load_regimen

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p for p in GOLDEN.iterdir() if p.suffix in (".yaml", ".json") and ".expected." not in p.name)
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _expected(case: Path) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(case.with_name(case.stem + ".expected.yaml").read_text(encoding="utf-8"))
    return data


def _hours(got: float | None, value: Any) -> bool:
    return got is not None and abs(got - value) <= 1e-6


# An expectation key and whether a finding meets it; any other key is a field compared for equality.
_TESTS: dict[str, Callable[[Finding, Any], bool]] = {
    "severity_at_least": lambda f, v: not f.severity < Severity(v),
    "substances": lambda f, v: set(v) <= set(f.substances),
    "medications": lambda f, v: set(v) <= set(f.medications),
    "conditions": lambda f, v: set(v) <= set(f.conditions),
    "entries": lambda f, v: set(v) <= set(f.entries),
    "foods": lambda f, v: set(v) <= set(f.foods),
    "message_contains": lambda f, v: v in f.message,
    "suggestions_include": lambda f, v: v in f.suggestions,
    "hours_required": lambda f, v: _hours(f.hours_required, v),
    "hours_scheduled": lambda f, v: _hours(f.hours_scheduled, v),
    "severity": lambda f, v: f.severity == Severity(v),
    "evidence": lambda f, v: f.evidence is not None and f.evidence.value == v,
}


def matches(finding: Finding, want: dict[str, Any]) -> bool:
    for key, value in want.items():
        meets = _TESTS.get(key)
        if not (meets(finding, value) if meets is not None else getattr(finding, key) == value):
            return False
    return True


def describe(findings: tuple[Finding, ...]) -> str:
    return "\n".join(
        f"  {f.severity.value:15} {f.code:30} {f.rule_id:45} s={list(f.substances)} m={list(f.medications)} "
        f"c={list(f.conditions)} e={list(f.entries)}"
        for f in findings
    )


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden(case: Path) -> None:
    expected = _expected(case)
    report = check(load_regimen(case))
    shown = describe(report.findings)
    for want in expected.get("present", []):
        assert any(matches(f, want) for f in report.findings), f"missing {want}\nfindings:\n{shown}"
    for unwanted in expected.get("absent", []):
        hits = [f for f in report.findings if matches(f, unwanted)]
        assert not hits, f"unexpected {unwanted}:\n{describe(tuple(hits))}"
    if "complete" in expected:
        assert report.complete is expected["complete"], shown
    totals = {t.substance: t for t in report.totals}
    for substance, fields in expected.get("totals", {}).items():
        for key, value in fields.items():
            got = getattr(totals[substance], key)
            assert got == pytest.approx(value) if isinstance(value, float) else got == value, (substance, key)


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_golden_is_deterministic(case: Path) -> None:
    first = json.dumps(check(load_regimen(case)).model_dump(mode="json"), sort_keys=False)
    second = json.dumps(check(load_regimen(case)).model_dump(mode="json"), sort_keys=False)
    assert first == second


def test_every_shared_example_is_a_golden_case() -> None:
    shared = {p.name for p in EXAMPLES.iterdir()}
    assert shared <= {p.name for p in CASES}
    for name in shared:
        assert (EXAMPLES / name).read_bytes() == (GOLDEN / name).read_bytes(), name


def test_golden_cases_raise_every_code_of_the_report_format() -> None:
    contract = (Path(__file__).resolve().parents[1] / "docs" / "report-format.md").read_text(encoding="utf-8")
    table = contract.split("## Finding codes", 1)[1].split("##", 1)[0]
    codes = set(re.findall(r"`([a-z_]+\.[a-z_]+)`", table))
    assert len(codes) >= 19
    raised = {f.code for case in CASES for f in check(load_regimen(case)).findings}
    assert codes - raised == set()
