"""One registry of finding codes: every code a check emits is registered, raised by its family, and documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import suppcheck
from suppcheck._describe import explain, explain_data
from suppcheck._engine.context import build_context
from suppcheck._findingcodes import CODES, codes_of
from suppcheck._rules import FAMILIES

ROOT = Path(__file__).resolve().parents[1]


def _golden_regimens() -> list[suppcheck.RegimenFile]:
    found = []
    for path in sorted((ROOT / "tests" / "golden").glob("*.yaml")):
        if path.name.endswith(".expected.yaml"):
            continue
        try:
            found.append(suppcheck.load_regimen(path))
        except suppcheck.InputError:
            continue
    return found


def test_each_family_raises_exactly_its_registered_codes() -> None:
    families = {f.__name__.rsplit(".", 1)[-1]: f for f in FAMILIES}  # type: ignore[attr-defined]
    assert {entry.family for entry in CODES.values()} == set(families) | {"input"}
    kb = suppcheck.load_knowledge()
    raised: dict[str, set[str]] = {name: set() for name in families}
    for regimen in _golden_regimens():
        ctx = build_context(regimen, kb)
        for name, family in families.items():
            raised[name] |= {f.code for f in family.evaluate(ctx)}
    for name, codes in raised.items():
        assert codes == set(codes_of(name)), name


def test_every_code_the_engine_emits_is_registered() -> None:
    snapshot = json.loads((ROOT / "tests" / "data" / "engine_snapshot.json").read_text(encoding="utf-8"))
    emitted = {code for case in snapshot for code in case.get("codes", ())}
    for path in sorted((ROOT / "tests" / "golden").glob("*.yaml")):
        if path.name.endswith(".expected.yaml"):
            continue
        try:
            report = suppcheck.check(suppcheck.load_regimen(path))
        except suppcheck.InputError:
            continue
        emitted |= {f.code for f in report.findings}
    assert emitted, "the corpus emits codes"
    assert emitted <= set(CODES), sorted(emitted - set(CODES))


def test_the_report_format_documents_exactly_the_registered_codes() -> None:
    text = (ROOT / "docs" / "report-format.md").read_text(encoding="utf-8")
    table = {
        code
        for row in re.findall(r"^\| (`[a-z_.]+`.*?) \|", text, re.MULTILINE)
        for code in re.findall(r"`([a-z_]+\.[a-z_.]+)`", row)
    }
    assert table == set(CODES)


@pytest.mark.parametrize("code", sorted(CODES))
def test_explain_knows_every_code(code: str) -> None:
    kb = suppcheck.load_knowledge()
    text = explain(kb, code)
    assert text is not None
    assert CODES[code].description[:40] in " ".join(text.split())
    data = explain_data(kb, code)
    assert data is not None
    assert (data["kind"], data["family"]) == ("finding_code", CODES[code].family)
