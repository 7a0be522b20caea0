"""The engine's whole output, pinned: about 750 regimens against a frozen knowledge base.

The cases are generated from ``tests/data/engine_kb.json``, a frozen copy of
the bundled knowledge base (2026.11.2), so that editing the bundled data never
touches this test: every rule is triggered with its partner, medication,
condition or life stage, without times, at the same time, apart and (for two
substances) in one product; every substance is taken at several amounts by
people of several ages and sexes. Each report (findings, totals, verdicts;
not the version strings) is reduced to a SHA-256 kept in
``tests/data/engine_snapshot.json`` with its finding codes.

Any change to what the engine reports on these cases fails the test, which is
what catches mutants (``make mutation``). When a change is meant, regenerate
the snapshot and review the codes that moved in its diff::

    .venv/bin/python -m tests.test_engine_snapshot --update
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import suppcheck
from suppcheck import InputError, KnowledgeBase

DATA = Path(__file__).parent / "data"
FROZEN = DATA / "engine_kb.json"
SNAPSHOT = DATA / "engine_snapshot.json"

AGES: tuple[tuple[float | None, str | None], ...] = (
    (40, "female"),
    (40, "male"),
    (None, None),
    (0.5, None),
    (6, "male"),
    (16, "female"),
    (60, "female"),
    (80, "male"),
)
TYPICAL = {"mg": 100.0, "mcg": 100.0, "mcg RAE": 900.0, "mcg DFE": 400.0}


def _person(index: int, rule: Any = None) -> dict[str, Any]:
    age, sex = AGES[index % len(AGES)]
    profile: dict[str, Any] = {"age": age, "sex": sex}
    stages = set(rule.life_stages) if rule is not None else set()
    if "pregnancy" in stages:
        profile = {"age": 28, "sex": "female", "pregnant": True}
    elif "lactation" in stages:
        profile = {"age": 32, "sex": "female", "lactating": True}
    elif "infant" in stages:
        profile = {"age": 0.5}
    elif "child" in stages:
        profile = {"age": 8, "sex": "male"}
    elif "older_adult" in stages:
        profile = {"age": 75, "sex": "female"}
    return {k: v for k, v in profile.items() if v is not None}


def _amount(kb: KnowledgeBase, substance_id: str, rule: Any = None, factor: float = 1.0) -> str:
    unit = kb.substances[substance_id].unit
    value = TYPICAL.get(unit, 100.0)
    if rule is not None and rule.min_daily_amount is not None:
        value = rule.min_daily_amount * 1.5
    return f"{value * factor:g} {unit}"


def _medication_for(kb: KnowledgeBase, rule: Any) -> str | None:
    if rule.medications:
        return str(rule.medications[0])
    excluded = set(rule.except_medications)
    for cls in rule.medication_classes:
        for med in kb.medications.values():
            if med.id not in excluded and cls in _closure_of(kb, med):
                return med.id
        return str(cls)  # the class itself, by name
    return None


def cases(kb: KnowledgeBase) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every case, with a short name, in a fixed order."""
    index = 0
    for rule in sorted(kb.rules.values(), key=lambda r: r.id):
        yield from _rule_cases(kb, rule, _person(index, rule))
        index += len(_TIMINGS)
    for substance_id in sorted(kb.substances):
        for factor in (0.05, 1.0, 4.0, 40.0):
            index += 1
            entry = {"substance": substance_id, "amount": _amount(kb, substance_id, factor=factor)}
            twice = {**entry, "per_day": 2, "times": ["08:00", "08:00" if index % 2 else "20:00"]}
            yield (
                f"{substance_id} x{factor:g}",
                {"profile": _person(index), "regimen": [entry, twice] if index % 3 == 0 else [entry]},
            )
    for path in sorted((Path(__file__).parent / "golden").glob("*.yaml")):
        if not path.name.endswith(".expected.yaml"):
            import yaml

            yield f"golden {path.stem}", yaml.safe_load(path.read_text(encoding="utf-8"))


_TIMINGS = ("untimed", "together", "apart", "product")


def _rule_cases(kb: KnowledgeBase, rule: Any, profile: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """A rule with its partners: untimed, at the same time, apart and (with a partner substance) in one product."""
    subject = rule.substances[0]
    entry: dict[str, Any] = {"substance": subject, "amount": _amount(kb, subject, rule)}
    if rule.forms:
        entry["form"] = rule.forms[0]
    if rule.conditions:
        profile["conditions"] = [rule.conditions[0]]
    medication = _medication_for(kb, rule)
    partners = [{"substance": s, "amount": _amount(kb, s)} for s in rule.with_substances[:1]]
    for timing in _TIMINGS:
        if timing == "product" and not partners:
            continue
        regimen, meds = _timed(entry, partners, medication, timing)
        yield f"{rule.id} {timing}", {"profile": {**profile, "medications": meds}, "regimen": regimen}


def _timed(
    entry: dict[str, Any], partners: list[dict[str, Any]], medication: str | None, timing: str
) -> tuple[list[dict[str, Any]], list[Any]]:
    """The regimen and medications of one timing of a rule's case."""
    subject_entry = dict(entry)
    others = [dict(p) for p in partners]
    meds: list[Any] = [medication] if medication is not None else []
    at = {"together": ("08:00", "08:00"), "apart": ("20:00", "07:00")}.get(timing)
    if at is not None:
        subject_entry["times"] = [at[0]]
        for p in others:
            p["times"] = [at[1]]
        meds = [{"name": medication, "times": [at[1]]}] if medication else []
    if timing == "product":
        keep = ("substance", "form", "amount")
        ingredients = [{k: v for k, v in e.items() if k in keep} for e in (subject_entry, *others)]
        return [{"product": "Combination", "ingredients": ingredients, "times": ["12:00"]}], meds
    return [subject_entry, *others], meds


def _closure_of(kb: KnowledgeBase, med: Any) -> frozenset[str]:
    match = kb.medication(med.id)
    return match.classes if match is not None else frozenset()


def digest(report: suppcheck.Report) -> str:
    data = report.model_dump(
        mode="json", exclude={"suppcheck_version", "knowledge_version", "disclaimer", "person", "entries", "foods"}
    )
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def outcomes() -> list[dict[str, Any]]:
    kb = suppcheck.load_knowledge(FROZEN)
    out: list[dict[str, Any]] = []
    for name, regimen in cases(kb):
        try:
            report = suppcheck.check(regimen, knowledge=kb)
        except InputError as exc:
            out.append({"case": name, "error": list(exc.problems)})
            continue
        out.append({"case": name, "codes": sorted({f.code for f in report.findings}), "sha256": digest(report)})
    return out


def test_the_engine_reports_what_it_reported() -> None:
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    got = outcomes()
    assert len(got) == len(expected) > 700
    assert sum("error" in case for case in got) < len(got) // 20  # nearly every case is checked
    for old, new in zip(expected, got, strict=True):
        assert new == old, f"{old['case']}: the report changed (see this module's docstring to regenerate)"


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        raise SystemExit("usage: python -m tests.test_engine_snapshot --update")
    SNAPSHOT.write_text(json.dumps(outcomes(), indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
