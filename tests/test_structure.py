"""Structural guarantees behind the speed targets, asserted by counting, never by timing.

tests/test_loader.py already covers a light ``import suppcheck``, a plain
check without pint, rich or yaml, and the bundled knowledge base parsed once;
tests/test_cli.py covers what each command imports. Here: what those leave out.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from suppcheck import KnowledgeBase, RegimenFile, check, load_knowledge
from suppcheck._kb import base, loader
from suppcheck._names import name_key

from .conftest import DATA, regimen

# A regimen that reaches every family: limits, medication and supplement
# interactions with separation windows, timing advice, conditions, life stage,
# depletions, duplicates, and a product.
BUSY: dict[str, Any] = {
    "profile": {
        "age": 72,
        "sex": "female",
        "conditions": ["chronic kidney disease", "restless legs syndrome"],
        "medications": [
            {"name": "levothyroxine", "times": ["06:30"]},
            {"name": "doxycycline", "times": ["08:00"]},
            "omeprazole",
            "warfarin",
            "metformin",
        ],
    },
    "regimen": [
        {
            "product": "Senior Multi",
            "times": ["breakfast"],
            "ingredients": [
                {"substance": "iron", "form": "ferrous fumarate", "amount": "8 mg"},
                {"substance": "calcium", "form": "carbonate", "amount": "200 mg"},
                {"substance": "vitamin D", "form": "D3", "amount": "800 IU"},
                {"substance": "zinc", "form": "zinc gluconate", "amount": "11 mg"},
            ],
        },
        {"substance": "magnesium", "form": "citrate", "amount": "400 mg", "per_day": 2, "times": ["08:00", "bedtime"]},
        {"substance": "calcium", "form": "carbonate", "amount": "600 mg", "times": ["dinner"], "with_food": True},
        {"substance": "vitamin E", "form": "d-alpha-tocopherol", "amount": "400 IU", "times": ["dinner"]},
        {"substance": "fish oil", "amount": "1000 mg", "times": ["breakfast"]},
        {"substance": "ginkgo", "amount": "120 mg", "times": ["breakfast"]},
        {"substance": "melatonin", "amount": "3 mg", "times": ["bedtime"]},
    ],
}


def _run(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return out.stdout.strip().splitlines()


def test_every_common_unit_spelling_is_checked_without_pint() -> None:
    # The common spellings resolve from a table; pint is for the rare ones.
    entries = [
        {"substance": "vitamin D", "amount": "1,000 IU"},
        {"substance": "vitamin D", "amount": "25 µg"},
        {"substance": "vitamin A", "form": "retinyl palmitate", "amount": "3,000 iu"},
        {"substance": "vitamin A", "amount": "900 mcg RAE"},
        {"substance": "folate", "amount": "400 mcg DFE"},
        {"substance": "folate", "form": "folic acid", "amount": "400 ug"},
        {"substance": "calcium", "amount": "0.5 g"},
        {"substance": "magnesium", "amount": "200 milligrams"},
        {"substance": "vitamin B12", "amount": "500 micrograms"},
    ]
    code = (
        "import json, sys, suppcheck\n"
        f"suppcheck.check(json.loads({json.dumps(json.dumps(regimen(*entries)))}))\n"
        "print(sorted(m for m in ('pint', 'rich', 'yaml') if m in sys.modules))\n"
    )
    assert _run(code) == ["[]"]


def test_neither_import_nor_a_check_loads_the_server_stack() -> None:
    code = (
        "import sys, suppcheck\n"
        "suppcheck.check({'profile': {'age': 40}, 'regimen': [{'substance': 'zinc', 'amount': '11 mg'}]})\n"
        "heavy = ('starlette', 'uvicorn', 'httpx', 'jwt', 'cryptography', 'suppcheck.server')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    assert _run(code) == ["[]"]


def test_the_server_module_loads_its_client_and_token_libraries_only_when_used() -> None:
    code = (
        "import sys\n"
        "from suppcheck.server import create_app\n"
        "create_app()\n"
        "print(sorted(m for m in ('uvicorn', 'httpx', 'jwt') if m in sys.modules))\n"
    )
    assert _run(code) == ["[]"]


def test_a_json_regimen_file_is_read_without_yaml(tmp_path: Path) -> None:
    path = tmp_path / "regimen.json"
    path.write_text(json.dumps(BUSY), encoding="utf-8")
    code = (
        "import sys, suppcheck\n"
        f"report = suppcheck.check(suppcheck.load_regimen({str(path)!r}))\n"
        "print(len(report.findings) > 10, sorted(m for m in ('pint', 'rich', 'yaml') if m in sys.modules))\n"
    )
    assert _run(code) == ["True []"]


_FHIR_MODULES = "('fhir', 'suppcheck.fhir', 'suppcheck._fhir.reader', 'suppcheck._fhir.writer')"


def test_a_plain_check_imports_no_fhir_module(tmp_path: Path) -> None:
    # suppcheck.fhir and fhir.resources (the [fhir] extra) load only for FHIR input or output.
    path = tmp_path / "regimen.json"
    path.write_text(json.dumps(BUSY), encoding="utf-8")
    code = (
        "import sys, suppcheck\n"
        f"suppcheck.check(suppcheck.load_regimen({str(path)!r}))\n"
        "suppcheck.check({'profile': {'age': 40}, 'regimen': [{'substance': 'zinc', 'amount': '10 mg'}]})\n"
        f"print(sorted(m for m in sys.modules if m.startswith({_FHIR_MODULES})))\n"
    )
    assert _run(code) == ["[]"]


def test_reading_fhir_does_not_import_the_fhir_models() -> None:
    # The reader and writer work on plain JSON: fhir.resources loads only for detected_issues(as_models=True).
    code = (
        "import sys, suppcheck, suppcheck.fhir as f\n"
        "r = f.regimen_from_fhir({'resourceType': 'MedicationStatement', 'status': 'active',\n"
        "    'medicationCodeableConcept': {'text': 'zinc 10 MG Oral Tablet'}})\n"
        "f.detected_issues(suppcheck.check(r))\n"
        "print(sorted(m for m in sys.modules if m == 'fhir' or m.startswith('fhir.')))\n"
    )
    assert _run(code) == ["[]"]


def test_checking_a_validated_regimen_does_not_check_its_units_again(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[Any, ...]] = []
    real = KnowledgeBase.amount_problem

    def counting(self: KnowledgeBase, *args: Any) -> str | None:
        calls.append(args)
        return real(self, *args)

    monkeypatch.setattr(KnowledgeBase, "amount_problem", counting)
    parsed = RegimenFile.model_validate(BUSY, context={"knowledge": load_knowledge()})
    validated = len(calls)
    assert validated == 10  # one per amount
    check(parsed)
    check(parsed)
    assert len(calls) == validated
    # Validated without a knowledge base, the units are checked by check(), once per check.
    bare = RegimenFile.model_validate(BUSY)
    assert len(calls) == validated
    check(bare)
    assert len(calls) == 2 * validated


def test_extra_rules_are_parsed_once_for_any_number_of_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    extra = tmp_path / "clinic.json"
    extra.write_text(json.dumps(_synthetic(10)), encoding="utf-8")
    read: list[Path] = []
    real = loader._read_bytes

    def counting(path: Path) -> Any:
        read.append(path)
        return real(path)

    monkeypatch.setattr(loader, "_read_bytes", counting)
    loader._load_cached.cache_clear()
    for _ in range(3):
        kb = load_knowledge(extra=[extra])
        check(BUSY, knowledge=kb)
    assert sorted(p.name for p in read) == sorted([loader.bundled_path().name, extra.name])


# -- the cost of a check follows the regimen, not the knowledge base -------------------------


def _synthetic(n_rules: int) -> dict[str, Any]:
    """``n_rules`` rules of every family on synthetic substances, medications and conditions."""
    ref = "synthetic-test"
    n_substances, n_meds = 100, 200
    families = [
        ("interaction.medication", {"medications": ["synth_med_{m}"]}),
        ("interaction.medication", {"medication_classes": ["synth_class_{c}"]}),
        ("interaction.supplement", {"with_substances": ["synth_sub_{p}"]}),
        (
            "absorption.reduced",
            {"medications": ["synth_med_{m}"], "separation": {"other_before_hours": 1, "other_after_hours": 2}},
        ),
        ("contraindication.condition", {"conditions": ["synth_condition_{c}"]}),
        ("contraindication.life_stage", {"life_stages": ["older_adult"]}),
        ("timing.advice", {"timing": {"anchor": "bedtime", "earliest_minutes": -60, "latest_minutes": 0}}),
        ("depletion.medication", {"medications": ["synth_med_{m}"]}),
    ]
    rules = []
    for i in range(n_rules):
        family, extra = families[i % len(families)]
        fields = json.loads(
            json.dumps(extra)
            .replace("{m}", f"{i % n_meds:03d}")
            .replace("{c}", f"{i % 10:02d}")
            .replace("{p}", f"{(i + 1) % n_substances:03d}")
        )
        rules.append(
            {
                "id": f"synthetic.{i:05d}",
                "family": family,
                "severity": "moderate",
                "evidence": "D",
                "substances": [f"synth_sub_{i % n_substances:03d}"],
                "mechanism": "Synthetic.",
                "recommendation": "Synthetic.",
                "references": [ref],
                **fields,
            }
        )
    return {
        "references": [
            {
                "id": ref,
                "title": "Synthetic",
                "publisher": "Tests",
                "url": "https://example.org/s",
                "accessed": "2026-01-01",
            }
        ],
        "substances": [
            {"id": f"synth_sub_{i:03d}", "name": f"Synthetic substance {i:03d}", "kind": "other", "unit": "mg"}
            for i in range(n_substances)
        ],
        "medication_classes": [{"id": f"synth_class_{i:02d}", "name": f"Synthetic class {i:02d}"} for i in range(10)],
        "medications": [
            {
                "id": f"synth_med_{i:03d}",
                "name": f"Synthetic medication {i:03d}",
                "classes": [f"synth_class_{i % 10:02d}"],
            }
            for i in range(n_meds)
        ],
        "conditions": [{"id": f"synth_condition_{i:02d}", "name": f"Synthetic condition {i:02d}"} for i in range(10)],
        "rules": rules,
    }


class _NoScan(tuple):  # type: ignore[type-arg]
    """The knowledge base's list of rules, which a check must never walk."""

    def __iter__(self) -> Iterator[Any]:
        raise AssertionError("a check walked the whole list of rules")


class _NoScanMapping(dict):  # type: ignore[type-arg]
    def __iter__(self) -> Iterator[Any]:
        raise AssertionError("a check walked every rule by id")

    def values(self) -> Any:
        raise AssertionError("a check walked every rule by id")

    def items(self) -> Any:
        raise AssertionError("a check walked every rule by id")


def _fresh(extra: dict[str, Any] | None) -> KnowledgeBase:
    """A new knowledge base (nothing remembered from earlier checks), guarded against scans."""
    bundled = loader.bundled_path()
    files = [(str(bundled), loader.read_file(bundled))]
    if extra is not None:
        files.append(("synthetic.json", loader.parse(extra)))
    kb = loader.build(files)
    kb.data = kb.data.model_copy(update={"rules": _NoScan(kb.data.rules)})
    kb.rules = _NoScanMapping(kb.rules)
    return kb


def _rules_examined(kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> int:
    """Rules the index hands out over two checks of BUSY (the first one fills the memo)."""
    handed: list[int] = []
    for name in ("rules_for_substance", "depletion_rules"):
        real = getattr(kb, name)

        def counting(*args: Any, _real: Any = real) -> Any:
            found = _real(*args)
            handed.append(len(found))
            return found

        monkeypatch.setattr(kb, name, counting)
    reports = [check(BUSY, knowledge=kb) for _ in range(2)]
    assert reports[0].findings == reports[1].findings
    assert len(reports[0].findings) > 20
    return sum(handed)


def test_a_check_examines_the_same_rules_with_ten_thousand_unrelated_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = _fresh(None)
    large = _fresh(_synthetic(10_000))
    assert len(large.data.rules) == len(bundled.data.rules) + 10_000
    examined = _rules_examined(bundled, monkeypatch)
    assert examined > 0
    assert _rules_examined(large, monkeypatch) == examined
    assert check(BUSY, knowledge=large).findings == check(BUSY, knowledge=bundled).findings
    with pytest.raises(AssertionError, match="walked"):  # the guard _fresh() sets is live
        list(large.data.rules)


def test_name_caches_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    kb = loader.build([(str(DATA), loader.read_file(DATA))])
    monkeypatch.setattr(base, "CACHE_SIZE", 50)
    for i in range(500):
        kb.resolve(f"no such substance {i}")
        kb.medication(f"no such medication {i}")
        kb.amount_problem("magnesium", f"form {i}", "mg", "elemental")
    caches: list[dict[Any, Any]] = [kb._resolved, kb._medication_cache, kb._amount_problems]
    assert all(0 < len(cache) <= 50 for cache in caches)
    keys = name_key.cache_info()
    assert keys.maxsize is not None
    assert 0 < keys.currsize <= keys.maxsize


# -- findings and totals are built without model_construct's per-field work ------------------


def test_trusted_construction_is_model_construct() -> None:
    from suppcheck import EntryInfo, Finding, FoodInfo, MedicationInfo, Total
    from suppcheck._report import _PLAIN, trusted

    assert {Finding, Total, EntryInfo, MedicationInfo, FoodInfo} == _PLAIN, (
        "an output model grew aliases, private attributes or a post-init hook"
    )
    report = check({**BUSY, "foods": [{"name": "coffee", "amount": "2 cups", "times": ["breakfast"]}, "lemonade"]})
    assert report.findings
    assert report.totals
    assert report.person.medications
    assert [f.id for f in report.foods] == ["coffee", None]
    models = (*report.findings, *report.totals, *report.entries, *report.person.medications, *report.foods)
    for model in models:
        values = dict(model.__dict__)
        fast = trusted(type(model), dict(values))
        slow = type(model).model_construct(**values)
        assert fast == slow
        assert fast.__dict__ == slow.__dict__
        assert fast.model_fields_set == slow.model_fields_set == set(type(model).model_fields)
        assert fast.__pydantic_extra__ is slow.__pydantic_extra__ is None
        assert fast.__pydantic_private__ is slow.__pydantic_private__ is None
        assert fast.model_dump_json() == slow.model_dump_json()
        # And what the engine built validates as it stands: no field of a wrong type.
        assert type(model).model_validate(model.model_dump()) == model


def test_the_console_command_pauses_collection_for_start_up_and_freezes_before_exit() -> None:
    code = (
        "import gc\n"
        "from suppcheck import _cli, _console, _gcpause\n"
        "seen = []\n"
        "def main():\n"
        "    seen.append(gc.isenabled())\n"
        "    _gcpause.resume_collection()\n"
        "    seen.append(gc.isenabled())\n"
        "    return 3\n"
        "_cli.main = main\n"
        "code = _console.run()\n"
        "print(seen, code, gc.get_freeze_count() > 0)\n"
    )
    assert _run(code) == ["[False, True] 3 True"]


def test_resuming_collection_outside_the_console_command_changes_nothing() -> None:
    code = (
        "import gc\n"
        "from suppcheck import _gcpause\n"
        "gc.disable()\n"
        "_gcpause.resume_collection()\n"
        "print(gc.isenabled(), gc.get_freeze_count())\n"
    )
    assert _run(code) == ["False 0"]


@pytest.mark.parametrize(
    ("args", "resumed"),
    [
        (["check", "{one}", "--format", "json"], False),
        (["check", "{one}", "{two}", "--format", "json"], True),
        (["check", "--batch", "{batch}", "--workers", "1"], True),
    ],
)
def test_commands_that_run_past_start_up_collect_again(tmp_path: Path, args: list[str], resumed: bool) -> None:
    one = tmp_path / "one.json"
    one.write_text(json.dumps(BUSY), encoding="utf-8")
    two = tmp_path / "two.json"
    two.write_text(json.dumps(regimen({"substance": "zinc", "amount": "11 mg"})), encoding="utf-8")
    batch = tmp_path / "batch.jsonl"
    batch.write_text(json.dumps(BUSY) + "\n", encoding="utf-8")
    argv = [a.format(one=one, two=two, batch=batch) for a in args]
    code = (
        "import contextlib, gc, io, sys\n"
        "from suppcheck import _cli, _gcpause\n"
        "gc.disable()\n"
        "_gcpause._paused = True  # as run() leaves it\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):\n"
        f"    code = _cli.main({argv!r})\n"
        "print(code < 2, gc.isenabled())\n"
    )
    assert _run(code) == [f"True {resumed}"]
