"""Knowledge-base loading: validation errors with JSON paths, extra files, laziness."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import suppcheck
from suppcheck import KnowledgeBaseError, load_knowledge
from suppcheck._kb import loader

from .conftest import MINI


def mini() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MINI.read_text(encoding="utf-8"))
    return data


def write(tmp_path: Path, data: Any, name: str = "kb.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def error_of(tmp_path: Path, data: Any, *, extra: Any = None) -> str:
    path = write(tmp_path, data)
    extras = [write(tmp_path, extra, "extra.json")] if extra is not None else []
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(path, extra=extras)
    return str(info.value)


def test_mini_loads() -> None:
    kb = load_knowledge(MINI)
    assert kb.substance("MG") is not None
    assert kb.medication("vibramycin") is not None


def test_unknown_reference_names_its_path(tmp_path: Path) -> None:
    data = mini()
    data["rules"][0]["references"] = ["ods-zink"]
    assert "rules[0].references[0]: unknown reference 'ods-zink'" in error_of(tmp_path, data)


def test_duplicate_id(tmp_path: Path) -> None:
    data = mini()
    data["rules"].append(copy.deepcopy(data["rules"][0]))
    assert "rules[1].id: duplicate id 'med.magnesium.tetracyclines', already at rules[0]" in error_of(tmp_path, data)


def test_wrong_type(tmp_path: Path) -> None:
    data = mini()
    data["rules"][0]["severity"] = 5
    data["forms"][0]["elemental_fraction"] = 1.5
    message = error_of(tmp_path, data)
    assert "rules[0].severity:" in message
    assert "forms[0].elemental_fraction:" in message


def test_unknown_field_and_bad_json(tmp_path: Path) -> None:
    data = mini()
    data["substances"][0]["colour"] = "grey"
    assert "substances[0].colour: Extra inputs are not permitted" in error_of(tmp_path, data)
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match=r"bad\.json: invalid JSON at line 1"):
        load_knowledge(bad)


def test_cross_references(tmp_path: Path) -> None:
    data = mini()
    data["forms"][0]["substance"] = "unobtainium"
    data["rules"][0]["medication_classes"] = ["tetracyclinez"]
    data["medications"][0]["classes"] = ["nope"]
    data["conditions"][0]["implies"] = ["nowhere"]
    message = error_of(tmp_path, data)
    assert "forms[0].substance: unknown substance 'unobtainium'" in message
    assert "rules[0].medication_classes[0]: unknown medication class 'tetracyclinez'" in message
    assert "medications[0].classes[0]: unknown medication class 'nope'" in message
    assert "conditions[0].implies[0]: unknown condition 'nowhere'" in message


def test_except_medications_are_checked(tmp_path: Path) -> None:
    data = mini()
    data["medications"].append({**data["medications"][0], "id": "ibuprofen", "name": "Ibuprofen", "classes": []})
    data["rules"][0]["except_medications"] = ["ibuprofen", "nosuch"]
    message = error_of(tmp_path, data)
    assert "rules[0].except_medications[0]: 'ibuprofen' is in none of the rule's medication_classes" in message
    assert "rules[0].except_medications[1]: unknown medication 'nosuch'" in message
    data["rules"][0].update(medication_classes=[], medications=["doxycycline"], except_medications=["doxycycline"])
    assert "except_medications narrows medication_classes, which are not given" in error_of(tmp_path, data)


def test_duplicate_synonyms(tmp_path: Path) -> None:
    data = mini()
    data["substances"][1]["synonyms"].append("mg")
    assert "substances[1]: name 'mg' also names 'magnesium'" in error_of(tmp_path, data)


def test_recommended_above_upper_limit(tmp_path: Path) -> None:
    data = mini()
    data["limits"].append(
        {**copy.deepcopy(data["limits"][0]), "id": "rda.magnesium", "type": "recommended", "intake_kind": "RDA"}
    )
    data["limits"][1]["values"]["19-30"] = 400
    # Magnesium's supplemental-only upper limit and its RDA count different intakes.
    load_knowledge(write(tmp_path, data))
    data["limits"][0]["basis"] = "total"
    assert "limits[1].values['19-30']: recommended 400 mg is above the upper limit 350" in error_of(tmp_path, data)


def test_class_cycle(tmp_path: Path) -> None:
    data = mini()
    data["medication_classes"].append({"id": "antibiotics", "name": "Antibiotics", "parents": ["tetracyclines"]})
    data["medication_classes"][0]["parents"] = ["antibiotics"]
    assert "cycle" in error_of(tmp_path, data)


def test_extra_rules_merge_and_override(tmp_path: Path) -> None:
    rule = copy.deepcopy(mini()["rules"][0])
    new = {**rule, "id": "clinic.magnesium.tetracyclines", "severity": "major"}
    kb = load_knowledge(write(tmp_path, mini()), extra=[write(tmp_path, {"rules": [new]}, "clinic.json")])
    assert "clinic.magnesium.tetracyclines" in kb.rules
    collision = error_of(tmp_path, mini(), extra={"rules": [rule]})
    assert "extra.json: rules[0].id: duplicate id" in collision
    assert '"override": true' in collision
    replaced = load_knowledge(
        write(tmp_path, mini()),
        extra=[write(tmp_path, {"rules": [{**rule, "severity": "major", "override": True}]}, "o.json")],
    )
    assert replaced.rules["med.magnesium.tetracyclines"].severity.value == "major"
    nothing = error_of(tmp_path, mini(), extra={"rules": [{**rule, "id": "x.y", "override": True}]})
    assert "nothing to override" in nothing
    dangling = error_of(tmp_path, mini(), extra={"rules": [{**rule, "id": "x.z", "substances": ["zinc"]}]})
    assert "extra.json: rules[0].substances[0]: unknown substance 'zinc'" in dangling


def test_extra_rules_apply_to_the_bundled_base(tmp_path: Path) -> None:
    base = load_knowledge()
    rule = next(iter(base.rules.values())).model_dump(mode="json", exclude_defaults=True)
    rule["id"] = "clinic.extra-rule"
    kb = load_knowledge(extra=[write(tmp_path, {"rules": [rule]}, "clinic.json")])
    assert len(kb.rules) == len(base.rules) + 1
    assert load_knowledge() is base


def test_default_is_loaded_once_and_thread_safely(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = loader._read_bytes

    def counting(path: Path) -> Any:
        calls.append(path)
        return real(path)

    monkeypatch.setattr(loader, "_default", None)
    monkeypatch.setattr(loader, "_read_bytes", counting)
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(load_knowledge())) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    suppcheck.check({"profile": {"age": 30}, "regimen": [{"substance": "magnesium", "amount": "100 mg"}]})
    suppcheck.check({"profile": {"age": 30}, "regimen": [{"substance": "magnesium", "amount": "200 mg"}]})
    assert len(calls) == 1
    assert all(r is results[0] for r in results)


def test_import_is_light() -> None:
    code = (
        "import sys, suppcheck\n"
        "from suppcheck._kb import loader\n"
        "assert loader._default is None, 'knowledge base parsed at import'\n"
        "print(sorted(m for m in ('pint', 'rich', 'yaml', 'rapidfuzz') if m in sys.modules))\n"
        "suppcheck.check({'profile': {'age': 30}, 'regimen': [{'substance': 'magnesium', 'amount': '100 mg'}]})\n"
        "print(sorted(m for m in ('pint', 'rich', 'yaml') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "[]", "a plain check needs neither pint, rich nor yaml"


def test_knowledge_base_pickles() -> None:
    import pickle

    kb = load_knowledge()
    rule = next(iter(kb.rules.values()))
    assert pickle.loads(pickle.dumps(rule)) == rule
    assert pickle.loads(pickle.dumps(kb.data)) == kb.data
