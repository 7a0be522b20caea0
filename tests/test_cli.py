"""The ``suppcheck`` command line, through its real entry points.

Scenarios hold with any knowledge base that has magnesium's 350 mg/day
supplemental upper limit at age 40 and a tetracyclines class with
doxycycline in it; everything else a test needs comes from its own files.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import suppcheck
from suppcheck import Severity, _batch
from suppcheck._cli import main

OVER_UL = {  # 800 mg/day magnesium: above the 350 mg/day upper limit, a major finding
    "profile": {"age": 40, "sex": "female"},
    "regimen": [{"substance": "magnesium", "amount": "400 mg", "per_day": 2}],
}
UNKNOWN = {  # nothing major, but a substance the knowledge base cannot know
    "profile": {"age": 40, "sex": "female"},
    "regimen": [{"substance": "magnesium", "amount": "100 mg"}, {"substance": "unobtainium", "amount": "5 mg"}],
}
CLEAN = {"profile": {"age": 40, "sex": "female"}, "regimen": [{"substance": "magnesium", "amount": "100 mg"}]}
MALFORMED = {"profile": {"age": 40}, "regimen": [{"substance": "magnesium", "amount": "lots"}]}

EXTRA_RULES = {
    "references": [
        {
            "id": "test-ref",
            "title": "A test reference",
            "publisher": "Test publisher",
            "url": "https://example.org/test-ref",
            "accessed": "2026-01-01",
        }
    ],
    "rules": [
        {
            "id": "test.magnesium.tetracyclines",
            "family": "interaction.medication",
            "severity": "contraindicated",
            "evidence": "C",
            "substances": ["magnesium"],
            "medication_classes": ["tetracyclines"],
            "separation": {"other_before_hours": 2, "other_after_hours": 4},
            "mechanism": "Test mechanism: chelation.",
            "recommendation": "Test recommendation: separate them.",
            "references": ["test-ref"],
        }
    ],
}

CLEAN_ENV = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS")}


def write(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data) if path.suffix in (".json", ".jsonl") else to_yaml(data), encoding="utf-8")
    return path


def to_yaml(data: Any) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False)


def run(
    args: Sequence[str], *, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "suppcheck", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env={**CLEAN_ENV, **(env or {})},
        timeout=120,
        check=False,
    )


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def extra_rules(tmp_path: Path) -> Path:
    return write(tmp_path / "extra.json", EXTRA_RULES)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


# -- check: exit codes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "options", "expected"),
    [
        (OVER_UL, [], 1),
        (OVER_UL, ["--fail-on", "moderate"], 1),
        (OVER_UL, ["--fail-on", "major"], 1),
        (OVER_UL, ["--fail-on", "contraindicated"], 0),
        (UNKNOWN, [], 3),
        (UNKNOWN, ["--allow-unknown"], 0),
        (UNKNOWN, ["--fail-on", "minor"], 1),  # the unrecognized name is itself a minor finding
        (UNKNOWN, ["--fail-on", "minor", "--allow-unknown"], 1),
        (CLEAN, [], 0),
        (MALFORMED, [], 2),
        (MALFORMED, ["--allow-unknown", "--fail-on", "contraindicated"], 2),
    ],
)
def test_exit_codes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, document: Any, options: list[str], expected: int
) -> None:
    path = write(tmp_path / "regimen.json", document)
    code, _, _ = cli(capsys, "check", str(path), "--format", "json", *options)
    assert code == expected


def test_over_the_upper_limit_is_major_and_json_is_the_report_format(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = write(tmp_path / "regimen.json", OVER_UL)
    code, out, err = cli(capsys, "check", str(path), "--format", "json")
    assert (code, err) == (1, "")
    document = json.loads(out)
    assert document == suppcheck.check(suppcheck.load_regimen(path)).model_dump(mode="json")
    assert any(f["code"] == "dose.above_upper_limit" and f["severity"] == "major" for f in document["findings"])
    magnesium = next(t for t in document["totals"] if t["substance"] == "magnesium")
    assert (magnesium["daily_amount"], magnesium["upper_limit"]) == (800.0, 350.0)


def test_malformed_input_names_the_file_entry_and_field(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "patient.yaml", MALFORMED)
    code, out, err = cli(capsys, "check", "patient.yaml")
    assert (code, out) == (2, "")
    assert err.startswith("patient.yaml: regimen[0] (magnesium).amount: ")
    assert all(line.startswith("patient.yaml: ") for line in err.splitlines())


def test_a_unit_that_does_not_apply_is_an_input_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    document = {"profile": {"age": 40}, "regimen": [{"substance": "magnesium", "amount": "400 IU"}]}
    write(tmp_path / "patient.yaml", document)
    code, _, err = cli(capsys, "check", "patient.yaml")
    assert code == 2
    assert re.match(r"patient\.yaml: regimen\[0\] \(magnesium\)\.amount: unit 'IU' does not apply to magnesium", err)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("missing.json", None, "cannot read"),
        ("broken.json", '{"profile": ', "invalid JSON"),
        ("broken.yaml", "profile: [", "invalid YAML"),
        ("list.json", "[1, 2]", ""),
        ("binary.json", b"\xff\xfe\x00", "not UTF-8"),
    ],
)
def test_unreadable_files_give_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, name: str, content: str | bytes | None, message: str
) -> None:
    if isinstance(content, bytes):
        (tmp_path / name).write_bytes(content)
    elif content is not None:
        (tmp_path / name).write_text(content, encoding="utf-8")
    code, out, err = cli(capsys, "check", name)
    assert (code, out) == (2, "")
    assert err.startswith(f"{name}: ")
    assert message in err


def test_yaml_and_json_give_the_same_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "a.yaml", OVER_UL)
    write(tmp_path / "a.json", OVER_UL)
    _, from_yaml, _ = cli(capsys, "check", "a.yaml", "--format", "json")
    _, from_json, _ = cli(capsys, "check", "a.json", "--format", "json")
    assert json.loads(from_yaml) == json.loads(from_json)


# -- several files, standard input -----------------------------------------------------


def test_several_files_give_an_array_and_the_worst_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "clean.json", CLEAN)
    write(tmp_path / "unknown.yaml", UNKNOWN)
    write(tmp_path / "over.json", OVER_UL)
    code, out, _ = cli(capsys, "check", "clean.json", "unknown.yaml", "--format", "json")
    assert code == 3
    assert [r["complete"] for r in json.loads(out)] == [True, False]
    code, out, _ = cli(capsys, "check", "unknown.yaml", "over.json", "clean.json", "--format", "json")
    assert code == 1
    assert [r["max_severity"] for r in json.loads(out)][1] == "major"


def test_a_bad_file_among_several_still_checks_the_others(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "over.json", OVER_UL)
    write(tmp_path / "bad.json", MALFORMED)
    write(tmp_path / "clean.yaml", CLEAN)
    code, out, err = cli(capsys, "check", "over.json", "bad.json", "clean.yaml", "--format", "jsonl")
    assert code == 2
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["source"] for r in records] == ["over.json", "bad.json", "clean.yaml"]
    assert records[0]["max_severity"] == "major"
    assert records[1]["error"].startswith("regimen[0]")
    assert "max_severity" not in records[1]
    assert records[2]["complete"] is True
    assert err.startswith("bad.json: regimen[0]")


def test_one_file_in_json_is_an_object_not_an_array(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "clean.json", CLEAN)
    _, out, _ = cli(capsys, "check", "clean.json", "--format", "json")
    assert isinstance(json.loads(out), dict)


@pytest.mark.parametrize("as_yaml", [False, True])
def test_standard_input_json_or_yaml(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, as_yaml: bool
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(to_yaml(OVER_UL) if as_yaml else json.dumps(OVER_UL)))
    code, out, _ = cli(capsys, "check", "-", "--format", "json")
    assert code == 1
    assert json.loads(out)["max_severity"] == "major"


def test_standard_input_errors_are_named_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO('{"profile": {"age": 40}, "regimen": [}'))
    code, _, err = cli(capsys, "check", "-")
    assert code == 2
    assert err.startswith("<stdin>: invalid JSON")


def test_standard_input_through_the_real_process(tmp_path: Path) -> None:
    result = run(["check", "-", "--format", "json", "--allow-unknown"], cwd=tmp_path, stdin=to_yaml(UNKNOWN))
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["complete"] is False


# -- output formats ----------------------------------------------------------------------


def test_min_severity_hides_findings_but_not_from_the_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write(tmp_path / "unknown.json", UNKNOWN)
    code, out, _ = cli(capsys, "check", "unknown.json", "--format", "json", "--min-severity", "major")
    assert code == 3
    report = json.loads(out)
    assert report["findings"] == []
    assert report["complete"] is False
    code, out, _ = cli(capsys, "check", "unknown.json", "--format", "table", "--min-severity", "moderate")
    assert code == 3
    assert "input.unrecognized_substance" not in out
    assert "not shown" in out


def test_markdown(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "over.yaml", OVER_UL)
    code, out, _ = cli(capsys, "check", "over.yaml", "--format", "markdown")
    assert code == 1
    assert out.startswith("# suppcheck: over.yaml")
    assert "| Substance |" in out
    assert "| magnesium | 800 mg | 350 mg" in out
    assert "### Major" in out
    assert "**dose.above_upper_limit**" in out
    assert "\x1b[" not in out


def test_table_without_a_terminal_is_plain_text(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "over.yaml", {**OVER_UL, "profile": {"age": 40, "sex": "female", "medications": ["doxycycline"]}})
    code, out, _ = cli(capsys, "check", "over.yaml")
    assert code == 1
    assert "\x1b[" not in out
    assert "female, 40 years (women 31-50)" in out
    assert "medications: doxycycline" in out
    assert "Daily totals" in out
    assert "229 %" in out
    assert "MAJOR" in out
    assert "dose.above_upper_limit" in out
    assert "ul.magnesium" in out


SGR = re.compile(r"\x1b\[([0-9;]*)m")
COLOURS = {str(n) for n in (*range(30, 39), *range(40, 49), *range(90, 98), *range(100, 108))}


def colour_codes(text: str) -> set[str]:
    return {p for params in SGR.findall(text) for p in params.split(";") if p in COLOURS}


def test_table_on_a_terminal_has_colour_unless_no_color(tmp_path: Path) -> None:
    write(tmp_path / "over.json", OVER_UL)
    coloured = run(["check", "over.json"], cwd=tmp_path, env={"FORCE_COLOR": "1"})
    assert coloured.returncode == 1
    assert colour_codes(coloured.stdout)
    plain = run(["check", "over.json"], cwd=tmp_path, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert plain.returncode == 1
    assert not colour_codes(plain.stdout)
    assert "dose.above_upper_limit" in plain.stdout
    piped = run(["check", "over.json"], cwd=tmp_path)
    assert "\x1b[" not in piped.stdout


def test_render_table_colours_severities_on_a_terminal(tmp_path: Path) -> None:
    from rich.console import Console

    from suppcheck._render import render_table

    regimen = suppcheck.load_regimen(write(tmp_path / "over.json", OVER_UL))
    report = suppcheck.check(regimen)
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="standard", width=100)
    render_table(console, report, source="over.json", min_severity=Severity.INFO)
    assert "31" in colour_codes(buffer.getvalue())  # red, for the major finding


def test_several_files_in_a_table_each_get_a_header(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "a.json", CLEAN)
    write(tmp_path / "b.yaml", OVER_UL)
    code, out, _ = cli(capsys, "check", "a.json", "b.yaml")
    assert code == 1
    assert "suppcheck: a.json" in out
    assert "suppcheck: b.yaml" in out


# -- extra rules -------------------------------------------------------------------------


def test_extra_rules_are_used_by_check(capsys: pytest.CaptureFixture[str], tmp_path: Path, extra_rules: Path) -> None:
    document = {
        "profile": {"age": 40, "medications": ["doxycycline"]},
        "regimen": [{"substance": "magnesium", "amount": "100 mg"}],
    }
    write(tmp_path / "r.json", document)
    code, out, _ = cli(capsys, "check", "r.json", "--format", "json", "--rules", str(extra_rules))
    assert code == 1
    report = json.loads(out)
    found = [f for f in report["findings"] if f["rule_id"] == "test.magnesium.tetracyclines"]
    assert found
    assert found[0]["severity"] == "contraindicated"
    code, out, _ = cli(capsys, "check", "r.json", "--format", "json")
    assert "test.magnesium.tetracyclines" not in out


def test_a_bad_extra_rules_file_is_reported_with_its_json_path(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = json.loads(json.dumps(EXTRA_RULES))
    bad["rules"][0]["references"] = ["no-such-reference"]
    write(tmp_path / "bad-rules.json", bad)
    write(tmp_path / "r.json", CLEAN)
    code, out, err = cli(capsys, "check", "r.json", "--rules", "bad-rules.json")
    assert (code, out) == (2, "")
    assert "bad-rules.json: rules[0].references[0]: unknown reference 'no-such-reference'" in err


# -- batch -------------------------------------------------------------------------------


def batch_lines() -> list[str]:
    lines = [json.dumps(CLEAN), json.dumps(OVER_UL), "", json.dumps(MALFORMED), "not json", json.dumps(UNKNOWN)]
    return [*lines, *(json.dumps(OVER_UL if i % 3 == 0 else CLEAN) for i in range(80))]


@pytest.mark.parametrize("chunk_lines", [7, _batch.CHUNK_LINES])
def test_batch_keeps_order_numbers_lines_and_reports_errors(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk_lines: int
) -> None:
    monkeypatch.setattr(_batch, "CHUNK_LINES", chunk_lines)  # 7: chunk boundaries fall on errors and blanks
    (tmp_path / "in.jsonl").write_text("\n".join(batch_lines()) + "\n", encoding="utf-8")
    code, out, err = cli(capsys, "check", "--batch", "in.jsonl", "--workers", "1")
    assert code == 2
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in records] == [1, 2, *range(4, 87)]  # line 3 is blank
    assert records[0]["ok"] is True
    assert records[1]["max_severity"] == "major"
    assert records[2]["error"].startswith("regimen[0] (magnesium).amount: ")
    assert records[2]["problems"]
    assert records[3]["error"].startswith("invalid JSON")
    assert records[4]["complete"] is False
    assert records[1] == {"line": 2, **suppcheck.check(OVER_UL).model_dump(mode="json")}
    majors = 1 + sum(1 for i in range(80) if i % 3 == 0)
    summary = err.strip().splitlines()[-1]
    assert summary.startswith("batch: 85 lines, 83 checked, 2 errors; ")
    assert f"major {majors}," in summary


def test_batch_exit_code_without_errors_is_as_for_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "over.jsonl").write_text(f"{json.dumps(CLEAN)}\n{json.dumps(OVER_UL)}\n", encoding="utf-8")
    (tmp_path / "unknown.jsonl").write_text(f"{json.dumps(CLEAN)}\n{json.dumps(UNKNOWN)}\n", encoding="utf-8")
    assert cli(capsys, "check", "--batch", "over.jsonl", "--workers", "1")[0] == 1
    assert cli(capsys, "check", "--batch", "over.jsonl", "--workers", "1", "--fail-on", "contraindicated")[0] == 0
    assert cli(capsys, "check", "--batch", "unknown.jsonl", "--workers", "1")[0] == 3
    assert cli(capsys, "check", "--batch", "unknown.jsonl", "--workers", "1", "--allow-unknown")[0] == 0


@pytest.mark.slow
def test_batch_with_two_workers_gives_identical_output(tmp_path: Path, extra_rules: Path) -> None:
    on_doxycycline = {**CLEAN, "profile": {"age": 40, "medications": ["doxycycline"]}}
    # Several chunks for each worker, so that results come back out of order and must be put back.
    lines = [*(batch_lines() * 4), json.dumps(on_doxycycline)]
    assert len(lines) > 2 * _batch.CHUNK_LINES
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    common = ["check", "--batch", "in.jsonl", "--rules", extra_rules.name]
    one = run([*common, "--workers", "1", "--output", "one.jsonl"], cwd=tmp_path)
    spool = tmp_path / "tmp"
    spool.mkdir()
    two = run([*common, "--workers", "2", "--output", "two.jsonl"], cwd=tmp_path, env={"TMPDIR": str(spool)})
    assert list(spool.iterdir()) == [], "the workers' files and their folder are removed"
    assert one.returncode == two.returncode == 2
    assert (one.stdout, two.stdout) == ("", "")
    assert one.stderr == two.stderr  # the summary; no progress bar when standard error is not a terminal
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()
    records = [json.loads(line) for line in (tmp_path / "two.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4 * 85 + 1
    assert [r["line"] for r in records] == [n for n in range(1, len(lines) + 1) if lines[n - 1].strip()]
    assert records[-1]["max_severity"] == "contraindicated"  # the extra rule reached the worker processes


def test_a_worker_leaves_a_chunks_reports_in_a_file_that_the_parent_reads_and_removes(tmp_path: Path) -> None:
    options = _batch.Options((), Severity.MAJOR, False, Severity.INFO)
    chunk = [(1, json.dumps(CLEAN).encode()), (3, b"not json")]
    inline = _batch.check_chunk(chunk, options, skipped=2)
    spooled = _batch.check_chunk_spooled(chunk, options, 2, str(tmp_path))
    assert spooled.data == b""
    assert spooled.spooled is not None
    assert Path(spooled.spooled).read_bytes() == inline.data
    assert _batch.unspooled(spooled) == inline
    assert list(tmp_path.iterdir()) == []
    # Nowhere to write: the reports travel with the result instead.
    assert _batch.check_chunk_spooled(chunk, options, 2, str(tmp_path / "missing")) == inline
    assert _batch.check_chunk_spooled(chunk, options, 2, None) == inline
    assert _batch.unspooled(inline) is inline


def test_no_temporary_folder_means_no_spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile
    from contextlib import ExitStack

    with ExitStack() as stack:
        folder = _batch.spool_folder(stack)
        assert folder is not None
        assert Path(folder).is_dir()
    assert not Path(folder).exists()

    def refuse(**_: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryDirectory", refuse)
    with ExitStack() as stack:
        assert _batch.spool_folder(stack) is None


def test_batch_reports_a_line_that_is_not_utf8_and_checks_the_rest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = json.dumps(CLEAN).encode("utf-8")
    (tmp_path / "in.jsonl").write_bytes(good + b"\n" + b'{"profile": "\xff"}\n' + good + b"\n")
    code, out, err = cli(capsys, "check", "--batch", "in.jsonl", "--workers", "1")
    assert code == 2
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["line"] for r in records] == [1, 2, 3]
    assert records[1]["error"] == "not UTF-8 text: invalid start byte at byte 14 of the line"
    assert records[0]["ok"] is records[2]["ok"] is True
    assert err.strip().splitlines()[-1].startswith("batch: 3 lines, 2 checked, 1 errors; ")


def test_batch_from_standard_input(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{json.dumps(CLEAN)}\n\n{json.dumps(CLEAN)}\n"))
    code, out, _ = cli(capsys, "check", "--batch", "-", "--workers", "1")
    assert code == 0
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 3]


def test_batch_from_standard_input_to_standard_output_through_the_command(tmp_path: Path) -> None:
    # The real streams: lines are read from standard input's bytes and reports written to standard output's.
    lines = f"{json.dumps(CLEAN)}\n\n{json.dumps(OVER_UL)}\n"
    result = run(["check", "--batch", "-", "--workers", "2"], cwd=tmp_path, stdin=lines)
    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r["ok"], r["max_severity"]) for r in records] == [(1, True, "info"), (3, False, "major")]
    assert result.stderr.startswith("batch: 2 lines, 2 checked, 0 errors; ")


def test_batch_usage_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "a.json", CLEAN)
    assert cli(capsys, "check", "a.json", "--batch", "x.jsonl")[0] == 2
    assert cli(capsys, "check", "--batch", "x.jsonl", "--format", "table")[0] == 2
    assert cli(capsys, "check", "--batch", "x.jsonl", "--workers", "0")[0] == 2
    code, _, err = cli(capsys, "check", "--batch", "missing.jsonl", "--workers", "1")
    assert code == 2
    assert "missing.jsonl" in err


# -- explain, lookup, kb -----------------------------------------------------------------


def test_explain_a_limit(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "explain", "ul.magnesium")
    assert code == 0
    assert out.startswith("ul.magnesium (limit)")
    assert "19-30: 350 mg" in out
    assert "supplemental" in out
    assert "https://" in out


def test_explain_a_rule_in_full(capsys: pytest.CaptureFixture[str], extra_rules: Path) -> None:
    code, out, _ = cli(capsys, "explain", "test.magnesium.tetracyclines", "--rules", str(extra_rules))
    assert code == 0
    for text in (
        "interaction.medication",
        "contraindicated",
        "C (case reports",
        "tetracyclines",
        "at least 2 h before or 4 h after magnesium",
        "Test mechanism: chelation.",
        "Test recommendation: separate them.",
        "A test reference",
        "https://example.org/test-ref",
    ):
        assert text in out


@pytest.mark.parametrize("code_name", ["input.missing_age", "duplicate.substance", "input.unrecognized_substance"])
def test_explain_a_finding_code(capsys: pytest.CaptureFixture[str], code_name: str) -> None:
    code, out, _ = cli(capsys, "explain", code_name)
    assert code == 0
    assert out.startswith(f"{code_name} (finding code)")


def test_explain_an_unknown_id_suggests_close_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "explain", "ul.magnesum")
    assert (code, out) == (2, "")
    assert "ul.magnesium" in err


def test_lookup_a_substance(capsys: pytest.CaptureFixture[str], extra_rules: Path) -> None:
    code, out, _ = cli(capsys, "lookup", "Magnesium", "--rules", str(extra_rules))
    assert code == 0
    assert out.startswith("Magnesium (magnesium): substance")
    assert "magnesium_oxide" in out
    assert "60% elemental" in out
    assert "ul.magnesium" in out
    assert "test.magnesium.tetracyclines" in out


def test_lookup_a_form(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "lookup", "magnesium oxide")
    assert code == 0
    assert "Magnesium oxide (magnesium_oxide): form" in out
    assert "60%" in out


def test_lookup_a_medication_and_a_class(capsys: pytest.CaptureFixture[str], extra_rules: Path) -> None:
    code, out, _ = cli(capsys, "lookup", "doxycycline", "--rules", str(extra_rules))
    assert code == 0
    assert out.startswith("Doxycycline (doxycycline): medication")
    assert "tetracyclines" in out
    assert "test.magnesium.tetracyclines" in out
    code, out, _ = cli(capsys, "lookup", "tetracyclines")
    assert code == 0
    assert "medication class" in out
    assert "Doxycycline" in out


def test_lookup_and_explain_leave_out_a_class_rule_that_excepts_the_medication(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = cli(capsys, "lookup", "moxifloxacin")
    assert code == 0
    assert "med.calcium.moxifloxacin" in out
    assert "med.calcium.fluoroquinolones" not in out
    code, out, _ = cli(capsys, "lookup", "ciprofloxacin")
    assert "med.calcium.fluoroquinolones" in out
    code, out, _ = cli(capsys, "explain", "med.calcium.fluoroquinolones")
    assert code == 0
    assert re.search(r"except medications:\s+moxifloxacin \(Moxifloxacin\)", out)


def test_lookup_a_condition(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "lookup", "renal failure")
    assert code == 0
    assert "(kidney_failure): condition" in out


def test_lookup_an_unknown_name_suggests_close_ones(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "lookup", "magnesum")
    assert (code, out) == (2, "")
    assert "Magnesium" in err


def test_kb_stats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "kb", "stats", "--format", "json")
    assert code == 0
    stats = json.loads(out)
    keys = (
        "substances",
        "forms",
        "medications",
        "medication_classes",
        "conditions",
        "rules",
        "references",
        "rules_without_reference",
    )
    assert all(isinstance(stats[k], int) for k in keys)
    assert stats["knowledge_version"] == suppcheck.load_knowledge().version
    assert stats["rules"] == len(suppcheck.load_knowledge().rules)
    code, out, _ = cli(capsys, "kb", "stats")
    assert code == 0
    assert re.search(r"^rules\s+\d+$", out, re.MULTILINE)


def test_kb_validate_the_bundled_knowledge_base(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "kb", "validate")
    assert code == 0
    assert out.startswith("OK: ")


def full_kb() -> dict[str, Any]:
    """A small, complete knowledge base of its own (a fresh copy: tests change it)."""
    document = {
        "knowledge_version": "2026.1.1",
        "references": EXTRA_RULES["references"],
        "substances": [{"id": "magnesium", "name": "Magnesium", "kind": "mineral", "unit": "mg"}],
        "medication_classes": [{"id": "tetracyclines", "name": "Tetracyclines"}],
        "medications": [{"id": "doxycycline", "name": "Doxycycline", "classes": ["tetracyclines"]}],
        "rules": EXTRA_RULES["rules"],
    }
    copy: dict[str, Any] = json.loads(json.dumps(document))
    return copy


def test_kb_validate_files(capsys: pytest.CaptureFixture[str], tmp_path: Path, extra_rules: Path) -> None:
    write(tmp_path / "full.json", full_kb())
    code, out, _ = cli(capsys, "kb", "validate", "full.json")
    assert code == 0
    assert out.startswith("OK: full.json: knowledge base 2026.1.1: 1 substances")
    code, out, _ = cli(capsys, "kb", "validate", str(extra_rules))
    assert code == 0
    assert "extra rules" in out


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda kb: kb["rules"][0].update(severity="catastrophic"), "corrupt.json: rules[0].severity: "),
        (lambda kb: kb["rules"][0].update(references=["nope"]), "corrupt.json: rules[0].references[0]: "),
        (lambda kb: kb["medications"][0].update(classes=["nope"]), "corrupt.json: medications[0].classes[0]: "),
    ],
)
def test_kb_validate_a_corrupted_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, change: Any, expected: str
) -> None:
    kb = full_kb()
    change(kb)
    write(tmp_path / "corrupt.json", kb)
    code, out, err = cli(capsys, "kb", "validate", "corrupt.json")
    assert (code, out) == (2, "")
    assert err.startswith(expected)


def test_kb_validate_invalid_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"rules": [', encoding="utf-8")
    code, _, err = cli(capsys, "kb", "validate", "broken.json")
    assert code == 2
    assert err.startswith("broken.json: invalid JSON")


# -- version, help, start-up ------------------------------------------------------------


def test_version(tmp_path: Path) -> None:
    result = run(["--version"], cwd=tmp_path)
    assert result.returncode == 0
    version = suppcheck.load_knowledge().version
    assert result.stdout == f"suppcheck {suppcheck.__version__} (knowledge base {version})\n"


@pytest.mark.parametrize(
    "command", [[], ["check"], ["explain"], ["lookup"], ["kb"], ["kb", "stats"], ["kb", "validate"]]
)
def test_help_on_every_command_has_an_example(capsys: pytest.CaptureFixture[str], command: list[str]) -> None:
    code, out, _ = cli(capsys, *command, "--help")
    assert code == 0
    assert "example" in out
    assert "suppcheck " in out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli(capsys, "check")[0] == 2
    assert cli(capsys, "check", "x.json", "--format", "xml")[0] == 2
    assert cli(capsys, "check", "x.json", "--fail-on", "severe")[0] == 2
    assert cli(capsys, "frobnicate")[0] == 2
    assert cli(capsys)[0] == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "a.yaml", "b.json", "--format", "json", "--fail-on", "minor", "--rules", "x.json"],
        ["check", "--batch", "in.jsonl", "--workers", "3", "--output", "out.jsonl", "--min-severity", "moderate"],
        ["schedule", "a.yaml", "--format", "ics", "--prefer", "own-times"],
        ["explain", "ul.magnesium", "--rules", "x.json"],
        ["lookup", "Lasix"],
        ["kb", "stats", "--format", "json"],
        ["kb", "validate", "rules.json"],
        ["kb", "cache", "--clear"],
    ],
)
def test_a_parser_built_for_one_command_parses_it_as_the_whole_parser_does(argv: list[str]) -> None:
    from suppcheck._cli import build_parser

    only = build_parser(argv)
    assert list(only._subparsers._group_actions[0].choices) == [argv[0]]  # type: ignore[union-attr]
    whole = build_parser()

    def parsed(parser: Any) -> dict[str, Any]:
        return {k: v for k, v in vars(parser.parse_args(argv)).items() if k != "parser"}

    assert parsed(only) == parsed(whole)


def test_help_and_unknown_commands_see_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "--help")
    assert code == 0
    for command in ("check", "schedule", "explain", "lookup", "kb"):
        assert f"    {command}" in out
    code, _, err = cli(capsys, "chek", "x.yaml")
    assert code == 2
    assert "invalid choice: 'chek' (choose from 'check', 'schedule', 'explain', 'lookup', 'kb', 'serve')" in err


PROBE = """\
import sys, suppcheck._cli as c
code = c.main({args!r})
heavy = ("rich", "yaml", "pint", "suppcheck._render", "suppcheck._batch", "multiprocessing")
print(code, sorted(m for m in heavy if m in sys.modules), file=sys.stderr)
"""


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--version"], "0 []"),
        (["check", "clean.json", "--format", "json"], "0 []"),
        (["check", "clean.json", "--format", "markdown"], "0 ['suppcheck._render']"),
        (["check", "clean.yaml", "--format", "json"], "0 ['yaml']"),
        (["check", "clean.json"], "0 ['rich', 'suppcheck._render']"),
    ],
)
def test_start_up_imports_only_what_is_used(tmp_path: Path, args: list[str], expected: str) -> None:
    write(tmp_path / "clean.json", CLEAN)
    write(tmp_path / "clean.yaml", CLEAN)
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=CLEAN_ENV,
        timeout=60,
        check=False,
    )
    assert result.stderr.strip().splitlines()[-1] == expected, result.stderr


def test_console_script_entry_point_and_module_agree(tmp_path: Path) -> None:
    write(tmp_path / "over.json", OVER_UL)
    result = run(["check", "over.json", "--format", "jsonl"], cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert json.loads(result.stdout)["max_severity"] == "major"


# -- schedule --------------------------------------------------------------------


CLASH = {
    "profile": {"age": 60, "sex": "female", "medications": [{"name": "levothyroxine", "times": ["06:30"]}]},
    "regimen": [
        {"substance": "iron", "amount": "18 mg", "times": ["breakfast"]},
        {"substance": "calcium", "form": "carbonate", "amount": "500 mg", "times": ["breakfast"]},
    ],
}


def test_schedule_table_json_and_exit_codes(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "clash.yaml", CLASH)
    code, out, _ = cli(capsys, "schedule", "clash.yaml")
    assert code == 0
    assert "levothyroxine" in out
    assert "prescribed" in out
    assert "\x1b[" not in out
    code, out, _ = cli(capsys, "schedule", "clash.yaml", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["all_satisfied"] is True
    times = {d["name"]: d["time"] for d in data["doses"]}
    assert times["iron"] != times["calcium"]
    code, out, _ = cli(capsys, "schedule", "clash.yaml", "--format", "json", "--prefer", "own-times")
    assert json.loads(out)["prefer"] == "own_times"


def test_schedule_reports_what_it_cannot_keep(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    same_product = {
        "profile": {"age": 60},
        "regimen": [
            {
                "product": "Multi",
                "ingredients": [{"substance": "iron", "amount": "18 mg"}, {"substance": "calcium", "amount": "200 mg"}],
            }
        ],
    }
    write(tmp_path / "multi.json", same_product)
    code, out, _ = cli(capsys, "schedule", "multi.json")
    assert code == 1
    assert "abs.iron.calcium" in out


def test_schedule_ics_parses_back(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    import icalendar

    write(tmp_path / "clash.yaml", CLASH)
    code, out, _ = cli(capsys, "schedule", "clash.yaml", "--format", "ics")
    assert code == 0
    calendar = icalendar.Calendar.from_ical(out)
    events = [c for c in calendar.walk() if c.name == "VEVENT"]
    assert len(events) == 2
    assert all(e["RRULE"]["FREQ"] == ["DAILY"] for e in events)


def test_schedule_input_errors(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write(tmp_path / "bad.json", MALFORMED)
    code, _, err = cli(capsys, "schedule", "bad.json")
    assert code == 2
    assert err.startswith("bad.json: regimen[0] (magnesium).amount")
    code, _, err = cli(capsys, "schedule", "missing.yaml")
    assert code == 2
    assert "missing.yaml" in err


def test_schedule_through_the_real_entry_point(tmp_path: Path) -> None:
    write(tmp_path / "clash.json", CLASH)
    result = run(["schedule", "clash.json", "--format", "json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["all_satisfied"] is True
    assert run(["schedule", "--help"], cwd=tmp_path).stdout.count("suppcheck schedule") >= 2


def test_a_folder_is_checked_file_by_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    folder = tmp_path / "patients"
    folder.mkdir()
    write(folder / "b-over.json", OVER_UL)
    write(folder / "a-clean.yaml", CLEAN)
    (folder / "notes.txt").write_text("not a regimen", encoding="utf-8")
    code, out, _ = cli(capsys, "check", "patients", "--format", "json")
    assert code == 1
    records = json.loads(out)
    assert [Path(r["source"]).name for r in records] == ["a-clean.yaml", "b-over.json"]
    (tmp_path / "empty").mkdir()
    code, _, err = cli(capsys, "check", "empty")
    assert code == 2
    assert err.startswith("empty: folder holds no")
