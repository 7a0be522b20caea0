"""A report says which extra rules files changed the knowledge base, and what they replaced."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

import suppcheck
from suppcheck import check

from .test_cli import CLEAN, EXTRA_RULES, cli, run, write

CLEAN_MG = {"profile": {"age": 40}, "regimen": [{"substance": "magnesium", "amount": "400 mg"}]}


def clinic_file(path: Path) -> Path:
    """Raises magnesium's upper limit at 31-50 and softens a bundled rule: both overrides."""
    kb = suppcheck.load_knowledge()
    limit = kb.limits["ul.magnesium"].model_dump(mode="json", exclude_none=True)
    limit = {**limit, "override": True, "values": {**limit["values"], "31-50": 500}}
    rule = kb.rules["cond.magnesium.intestinal_malabsorption"].model_dump(mode="json", exclude_none=True)
    rule = {**rule, "override": True, "severity": "minor"}
    path.write_text(json.dumps({"limits": [limit], "rules": [rule]}), encoding="utf-8")
    return path


def expected_version(*files: Path) -> str:
    base = suppcheck.load_knowledge().version
    digests = b"".join(hashlib.sha256(f.read_bytes()).digest() for f in files)
    return f"{base}+local.{hashlib.sha256(digests).hexdigest()[:8]}"


def test_the_bundled_knowledge_base_alone_leaves_no_trace() -> None:
    report = check(CLEAN)
    assert report.extra_files == ()
    assert report.overrides == ()
    assert "+" not in report.knowledge_version
    dumped = report.model_dump(mode="json")
    assert dumped["extra_files"] == dumped["overrides"] == []


def test_a_clinic_file_that_overrides_bundled_records_is_named_with_its_digest(tmp_path: Path) -> None:
    clinic = clinic_file(tmp_path / "clinic.json")
    kb = suppcheck.load_knowledge(extra=[clinic])
    report = check(CLEAN_MG, knowledge=kb)
    assert report.knowledge_version == expected_version(clinic)
    assert report.knowledge_version != suppcheck.load_knowledge().version
    assert [(f.name, f.sha256) for f in report.extra_files] == [
        ("clinic.json", hashlib.sha256(clinic.read_bytes()).hexdigest())
    ]
    assert [(o.section, o.id, o.file) for o in report.overrides] == [
        ("limits", "ul.magnesium", "clinic.json"),
        ("rules", "cond.magnesium.intestinal_malabsorption", "clinic.json"),
    ]
    # The override is in effect: 400 mg is within the clinic's 500 mg limit.
    assert report.totals[0].upper_limit == 500


def test_a_file_that_only_adds_records_is_named_but_overrides_nothing(tmp_path: Path) -> None:
    extra = write(tmp_path / "extra.json", EXTRA_RULES)
    report = check(CLEAN, knowledge=suppcheck.load_knowledge(extra=[extra]))
    assert [f.name for f in report.extra_files] == ["extra.json"]
    assert report.overrides == ()
    assert report.knowledge_version == expected_version(extra)


def test_two_files_each_named_and_the_version_covers_both(tmp_path: Path) -> None:
    first = write(tmp_path / "extra.json", EXTRA_RULES)
    second = clinic_file(tmp_path / "clinic.json")
    report = check(CLEAN_MG, knowledge=suppcheck.load_knowledge(extra=[first, second]))
    assert [f.name for f in report.extra_files] == ["extra.json", "clinic.json"]
    assert report.knowledge_version == expected_version(first, second)
    assert report.knowledge_version != expected_version(second)
    assert {o.file for o in report.overrides} == {"clinic.json"}


def test_an_edited_file_changes_the_digest_and_the_version(tmp_path: Path) -> None:
    clinic = clinic_file(tmp_path / "clinic.json")
    before = check(CLEAN_MG, knowledge=suppcheck.load_knowledge(extra=[clinic]))
    data: dict[str, Any] = json.loads(clinic.read_text(encoding="utf-8"))
    data["rules"][0]["severity"] = "moderate"
    clinic.write_text(json.dumps(data, indent=2), encoding="utf-8")
    after = check(CLEAN_MG, knowledge=suppcheck.load_knowledge(extra=[clinic]))
    assert before.extra_files[0].sha256 != after.extra_files[0].sha256
    assert before.knowledge_version != after.knowledge_version


def test_the_trace_survives_the_knowledge_cache(tmp_path: Path) -> None:
    # Two processes: the second reads the validated knowledge base back from the cache.
    clinic = clinic_file(tmp_path / "clinic.json")
    write(tmp_path / "p.json", CLEAN_MG)
    first, second = (run(["check", "p.json", "--rules", clinic.name, "--format", "json"], cwd=tmp_path) for _ in "ab")
    assert first.returncode == second.returncode == 0, first.stderr
    assert first.stdout == second.stdout
    report = json.loads(second.stdout)
    assert report["knowledge_version"] == expected_version(clinic)
    assert report["extra_files"] == [{"name": "clinic.json", "sha256": hashlib.sha256(clinic.read_bytes()).hexdigest()}]
    assert [o["id"] for o in report["overrides"]] == ["ul.magnesium", "cond.magnesium.intestinal_malabsorption"]


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_table_and_markdown_name_the_file_and_what_it_overrode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    clinic = clinic_file(tmp_path / "clinic.json")
    write(tmp_path / "p.json", CLEAN_MG)
    code, out, _ = cli(capsys, "check", "p.json", "--rules", "clinic.json", "--format", fmt)
    assert code == 0
    digest = hashlib.sha256(clinic.read_bytes()).hexdigest()
    assert f"knowledge base {expected_version(clinic)}" in out
    assert f"Extra rules file:{'**' if fmt == 'markdown' else ''} clinic.json (sha256 {digest})" in out
    assert "ul.magnesium (from clinic.json)" in out
    assert "cond.magnesium.intestinal_malabsorption (from clinic.json)" in out
    # Without extra files there is nothing of the kind.
    code, out, _ = cli(capsys, "check", "p.json", "--format", fmt)
    assert "Extra rules file" not in out
    assert "Overridden" not in out


def test_batch_records_carry_the_trace(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    clinic = clinic_file(tmp_path / "clinic.json")
    (tmp_path / "in.jsonl").write_text(json.dumps(CLEAN_MG) + "\n", encoding="utf-8")
    code, out, _ = cli(capsys, "check", "--batch", str(tmp_path / "in.jsonl"), "--workers", "1", "--rules", str(clinic))
    assert code == 0
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert record["knowledge_version"] == expected_version(clinic)
    assert [f["name"] for f in record["extra_files"]] == ["clinic.json"]
    assert len(record["overrides"]) == 2


def test_kb_stats_shows_the_local_version(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    clinic = clinic_file(tmp_path / "clinic.json")
    code, out, _ = cli(capsys, "kb", "stats", "--format", "json", "--rules", str(clinic))
    assert code == 0
    assert json.loads(out)["knowledge_version"] == expected_version(clinic)
