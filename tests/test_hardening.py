"""Input that must not break the contract: deep, duplicated, oversized or forged input is one clear error.

Each case runs through the library readers and through the real command
line (``test_cli.run``); the limits come from :class:`suppcheck.Limits`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from suppcheck import InputError, KnowledgeBaseError, Limits, RegimenFile, check, load_knowledge, load_regimen
from suppcheck._batch import Options, _chunks, check_line
from suppcheck._errors import escape_controls
from suppcheck._reading import check_depth, limits_from_text
from suppcheck._severity import Severity

from .test_cli import EXTRA_RULES, run

MAG = {"substance": "magnesium", "amount": "100 mg"}
GOOD = {"profile": {"age": 40, "sex": "female"}, "regimen": [MAG]}
OPTIONS = Options((), Severity.MAJOR, False, Severity.INFO)


def deep_json(levels: int) -> str:
    return '{"profile": {"age": 40}, "regimen": [' + "[" * levels + "]" * levels + "]}"


def deep_yaml_block(levels: int) -> str:
    lines = ["regimen:", "  - substance: magnesium", "    amount: 100 mg", "_comment:"]
    lines += [f"{'  ' * (i + 1)}k{i}:" for i in range(levels)]
    return "\n".join(lines) + " 1\n"


# -- the cases: a document, and what its one error must say ---------------------------

JSON_CASES: list[tuple[str, str, str]] = [
    ("deep-json", deep_json(1000), "column 100: nested deeper than 64 levels (limit max_depth)"),
    ("deep-json-just-over", deep_json(64), "nested deeper than 64 levels"),
    (
        "duplicate-top-key",
        '{"profile": {"age": 40, "conditions": ["kidney failure"]}, "profile": {"age": 40}, "regimen": []}',
        "profile: duplicate key 'profile'",
    ),
    (
        "duplicate-nested-key",
        json.dumps({"regimen": [MAG]})[:-1]
        + ', "profile": {"medications": [{"name": "x"}, {"name": "doxycycline", "name": "warfarin"}]}}',
        "profile.medications[1].name: duplicate key 'name'",
    ),
    (
        "duplicate-amount",
        '{"regimen": [{"substance": "magnesium", "amount": "100 mg", "amount": "1 mg"}]}',
        "regimen[0].amount: duplicate key 'amount'",
    ),
    (
        "medication-times-empty",
        json.dumps({**GOOD, "profile": {"medications": [{"name": "doxycycline", "times": []}]}}),
        "profile.medications[0].times: an empty list of times",
    ),
    ("entry-times-empty", json.dumps({"regimen": [{**MAG, "times": []}]}), "regimen[0] (magnesium).times: an empty"),
    (
        "product-ingredients-empty",
        json.dumps({"regimen": [{"product": "Multi", "ingredients": []}]}),
        "regimen[0] (Multi)",
    ),
    (
        "too-many-entries",
        json.dumps({"regimen": [MAG] * 1001}),
        "regimen: 1,001 entries, more than 1,000 (limit max_entries)",
    ),
    (
        "too-many-items",
        json.dumps({"profile": {"conditions": ["gout"] * 1001}, "regimen": [MAG]}),
        "profile.conditions: 1,001 items, more than 1,000 (limit max_items)",
    ),
    (
        "too-long-string",
        json.dumps({"regimen": [MAG], "_comment": "x" * 2001}),
        "_comment: a string of 2,001 characters, more than 2,000 (limit max_string)",
    ),
    (
        "too-long-key",
        json.dumps({"regimen": [{**MAG, "k" * 2001: 1}]}),
        "regimen[0]: a key of 2,001 characters, more than 2,000 (limit max_string)",
    ),
    ("too-long-amount", json.dumps({"regimen": [{**MAG, "amount": "1" * 1000 + " mg"}]}), "an amount of 1,003"),
    ("too-many-bytes", json.dumps({"regimen": [MAG], "_comment": [" " * 1000] * 1000}), "larger than 1,000,000 bytes"),
    (
        "control-character-in-key",
        json.dumps({"regimen": [MAG], "colour\nother.json: regimen[0]: forged": 1}),
        "colour\\nother.json: regimen[0]: forged: unknown field",
    ),
    (
        "control-character-in-name",
        json.dumps({"regimen": [{**MAG, "substance": "magnesium\x1b[2J"}]}),
        "regimen[0] (magnesium\\x1b[2J).substance: contains the control character '\\x1b'",
    ),
    (
        "male-and-pregnancy",
        json.dumps({"profile": {"sex": "male", "conditions": ["Pregnancy"]}, "regimen": [MAG]}),
        "profile: condition 'Pregnancy' (a life stage: pregnant) is given for sex 'male'",
    ),
]

YAML_CASES: list[tuple[str, str, str]] = [
    ("deep-flow", "regimen: " + "[" * 100 + "]" * 100 + "\n", "line 1, column 73: nested deeper than 64 levels"),
    # libyaml stops here itself, scanning ahead; the pure-Python parser would be stopped by the composer.
    ("deep-flow-1000", "regimen: " + "[" * 1000 + "]" * 1000 + "\n", "invalid YAML: line 1, column "),
    ("deep-block", deep_yaml_block(80), "nested deeper than 64 levels (limit max_depth)"),
    (
        "duplicate-key-with-line",
        "profile:\n  age: 40\n  medications:\n    - name: x\n    - name: doxycycline\n      name: warfarin\n"
        "regimen:\n  - {substance: magnesium, amount: 100 mg}\n",
        "profile.medications[1].name: duplicate key 'name' (line 6)",
    ),
    (
        "duplicate-profile",
        "profile: {conditions: [kidney failure]}\nregimen: [{substance: magnesium, amount: 100 mg}]\nprofile: {}\n",
        "profile: duplicate key 'profile' (line 3)",
    ),
    (
        "alias-bomb",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True))
        + "regimen: [{substance: magnesium, amount: 100 mg}]\n",
        "more than 100,000 values in the document, YAML aliases counted each time they are used (limit max_values)",
    ),
    ("python-tag", "regimen: !!python/object/apply:os.system [echo hi]\n", "could not determine a constructor"),
    ("control-character", 'regimen:\n  - substance: "magnesium\\nx"\n    amount: 100 mg\n', "magnesium\\nx"),
]


def _one_line(message: str) -> None:
    assert "\n" not in message
    assert "\x1b" not in message


@pytest.mark.parametrize(("name", "text", "expected"), JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_json_through_every_library_reader(tmp_path: Path, name: str, text: str, expected: str) -> None:
    for reader in (
        lambda: RegimenFile.model_validate_json(text),
        lambda: RegimenFile.model_validate_json(text.encode("utf-8")),
        lambda: load_regimen(_write(tmp_path / f"{name}.json", text)),
    ):
        with pytest.raises(InputError) as info:
            reader()
        assert expected in str(info.value)
        for problem in info.value.problems:
            _one_line(problem)


@pytest.mark.parametrize(("name", "text", "expected"), YAML_CASES, ids=[c[0] for c in YAML_CASES])
def test_yaml_through_load_regimen(tmp_path: Path, name: str, text: str, expected: str) -> None:
    with pytest.raises(InputError) as info:
        load_regimen(_write(tmp_path / f"{name}.yaml", text))
    assert expected in str(info.value)
    assert str(info.value).startswith(str(tmp_path / f"{name}.yaml"))
    for problem in info.value.problems:
        _one_line(problem)


@pytest.mark.parametrize(("name", "text", "expected"), JSON_CASES, ids=[c[0] for c in JSON_CASES])
def test_json_through_the_command_line_file_stdin_and_batch(
    tmp_path: Path, name: str, text: str, expected: str
) -> None:
    path = _write(tmp_path / f"{name}.json", text)
    done = run(["check", str(path), "--format", "json"], cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert f"{path}: " in done.stderr
    assert expected in done.stderr
    assert len(done.stderr.splitlines()) == len(set(done.stderr.splitlines()))
    assert all(line.startswith(f"{path}: ") for line in done.stderr.splitlines())
    piped = run(["check", "-", "--format", "json"], cwd=tmp_path, stdin=text)
    assert piped.returncode == 2
    assert expected in piped.stderr
    assert "<stdin>: " in piped.stderr
    assert all(line.startswith("<stdin>: ") for line in piped.stderr.splitlines())
    if "\n" not in text:
        batch = _write(tmp_path / f"{name}.jsonl", json.dumps(GOOD) + "\n" + text + "\n" + json.dumps(GOOD) + "\n")
        done = run(["check", "--batch", str(batch), "--workers", "1"], cwd=tmp_path)
        records = [json.loads(line) for line in done.stdout.splitlines()]
        assert [r["line"] for r in records] == [1, 2, 3]
        assert "error" not in records[0]
        assert "error" not in records[2]
        assert any(expected in p for p in records[1]["problems"]), records[1]


@pytest.mark.parametrize(("name", "text", "expected"), YAML_CASES, ids=[c[0] for c in YAML_CASES])
def test_yaml_through_the_command_line(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = _write(tmp_path / f"{name}.yaml", text)
    done = run(["check", str(path)], cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert all(line.startswith(f"{path}: ") for line in done.stderr.splitlines())
    piped = run(["check", "-"], cwd=tmp_path, stdin=text)
    assert piped.returncode == 2, piped.stderr
    assert expected in piped.stderr


def test_an_alias_bomb_costs_bounded_time_and_memory() -> None:
    import tracemalloc

    text = {n: t for n, t, _ in YAML_CASES}["alias-bomb"]
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="max_values"):
            RegimenFile.model_validate(_yaml(text))
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 50_000_000


def _yaml(text: str) -> Any:
    from suppcheck._reading import DEFAULT_LIMITS, loads_yaml

    return loads_yaml(text, source="bomb.yaml", limits=DEFAULT_LIMITS)


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- knowledge and extra rules files --------------------------------------------------

RULES_CASES = [
    ("deep", '{"rules": ' + "[" * 1000 + "]" * 1000 + "}", "line 1, column 74: nested deeper than 64 levels"),
    (
        "duplicate-severity",
        json.dumps(EXTRA_RULES).replace('"severity": "contraindicated"', '"severity": "minor", "severity": "major"'),
        "rules[0].severity: duplicate key 'severity'",
    ),
    ("duplicate-section", json.dumps(EXTRA_RULES)[:-1] + ', "rules": []}', "rules: duplicate key 'rules'"),
]


@pytest.mark.parametrize(("name", "text", "expected"), RULES_CASES, ids=[c[0] for c in RULES_CASES])
def test_rules_files_are_bounded_and_keys_unique(tmp_path: Path, name: str, text: str, expected: str) -> None:
    path = _write(tmp_path / f"{name}.json", text)
    with pytest.raises(KnowledgeBaseError) as info:
        load_knowledge(extra=[path])
    assert expected in str(info.value)
    regimen = _write(tmp_path / "r.json", json.dumps(GOOD))
    for args in (["check", str(regimen), "--rules", str(path)], ["kb", "validate", str(path)]):
        done = run(args, cwd=tmp_path)
        assert done.returncode == 2, done.stderr
        assert expected in done.stderr
        assert "Traceback" not in done.stderr


# -- limits are configurable --------------------------------------------------------


def test_limits_are_configurable_in_the_library(tmp_path: Path) -> None:
    many = json.dumps({"regimen": [MAG] * 1200})
    with pytest.raises(InputError, match="max_entries"):
        RegimenFile.model_validate_json(many)
    assert len(RegimenFile.model_validate_json(many, limits=Limits(max_entries=2000)).regimen) == 1200
    path = _write(tmp_path / "many.json", many)
    assert len(load_regimen(path, limits=Limits(max_entries=2000)).regimen) == 1200
    with pytest.raises(InputError, match=r"larger than 100 bytes \(limit max_bytes\)"):
        load_regimen(path, limits=Limits(max_bytes=100))
    with pytest.raises(InputError, match="nested deeper than 2 levels"):
        RegimenFile.model_validate_json(json.dumps(GOOD), limits=Limits(max_depth=2))


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("max_entries=2000", None),
        ("max_entries = 2000, max_bytes=5_000_000", None),
        ("max_entries=0", "SUPPCHECK_LIMITS: max_entries needs a whole number of at least 1, not '0'"),
        ("entries=2000", "SUPPCHECK_LIMITS: 'entries=2000' is not NAME=NUMBER"),
        ("max_entries", "SUPPCHECK_LIMITS: 'max_entries' is not NAME=NUMBER"),
    ],
)
def test_limits_are_configurable_on_the_command_line(tmp_path: Path, setting: str, expected: str | None) -> None:
    path = _write(tmp_path / "many.json", json.dumps({"profile": {"age": 40}, "regimen": [MAG] * 1200}))
    done = run(["check", str(path), "--format", "json"], cwd=tmp_path, env={"SUPPCHECK_LIMITS": setting})
    if expected is None:
        assert done.returncode in (0, 1), done.stderr
        assert json.loads(done.stdout)["totals"][0]["daily_amount"] == pytest.approx(120_000)
    else:
        assert done.returncode == 2
        assert done.stderr.startswith(expected)
        assert done.stderr.count("\n") == 1
    default = run(["check", str(path)], cwd=tmp_path)
    assert default.returncode == 2
    assert "limit max_entries" in default.stderr


def test_limits_from_text_keeps_the_other_defaults() -> None:
    assert limits_from_text("") == Limits()
    assert limits_from_text("max_depth=8") == Limits(max_depth=8)


# -- nesting is measured before parsing ----------------------------------------------


@pytest.mark.parametrize(
    ("data", "depth", "expected"),
    [
        (b"[]", 1, None),
        (b"[[]]", 1, (1, 2)),
        (b'["[[[[", {"a": "]]]]}}"}]', 2, None),
        (b'["\\"[[[["]', 1, None),
        (b"[\n [\n  [1]]]", 2, (3, 3)),
        (b"[}" * 200, 64, None),  # malformed, not deep: the parser says what is wrong
        (b"[" * 100_000, 64, (1, 65)),
        (b"{" * 100, 99, (1, 100)),
        (b"]]]][[[[", 2, None),
    ],
)
def test_check_depth(data: bytes, depth: int, expected: tuple[int, int] | None) -> None:
    assert check_depth(data, depth) == expected


# -- control characters never forge a line -------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("a\rb\tc", "a\\rb\\tc"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("a\u2028b\x85c\x7f", "a\\u2028b\\x85c\\x7f"),
        ("plain: text", "plain: text"),
    ],
)
def test_escape_controls(text: str, shown: str) -> None:
    assert escape_controls(text) == shown
    assert InputError(text, source=f"file{text}.json").problems == (shown,)
    assert str(InputError(text, source=f"file{text}.json")) == f"file{shown}.json: {shown}"


def test_a_file_name_with_a_newline_is_one_line_on_the_command_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "evil\nother.json", '{"regimen": [}')
    done = run(["check", str(path)], cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert "evil\\nother.json: invalid JSON" in done.stderr


# -- batch lines --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            b'{"regimen": [{"substance": "magnesium", "amount": "100',
            "column 51: Unterminated string starting at (the line ends before the document does: is it cut short?)",
        ),
        (b'{"regimen": [{"substance": "magnesium", "amount": "100 mg"}]\n', "column 61: Expecting ',' delimiter (the"),
        (
            b'{"regimen": [{"substance": "magnesium", "amount": "100 mg"}]\r\n',
            "column 61: Expecting ',' delimiter (the",
        ),
        (b'{"regimen": ]}\n', "invalid JSON at column 13: Expecting value"),
        (b'{"regimen": "\xff"}\n', "not UTF-8 text: invalid start byte at byte 14 of the line"),
        (b" " * 1_000_001 + b"{}\n", "larger than 1,000,000 bytes (limit max_bytes)"),
    ],
)
def test_batch_line_errors_give_the_true_position(line: bytes, expected: str) -> None:
    record = json.loads(check_line(7, line, OPTIONS).data)
    assert record["line"] == 7
    assert expected in record["error"], record


def test_batch_truncated_last_line_through_the_command_line(tmp_path: Path) -> None:
    text = json.dumps(GOOD) + "\n" + json.dumps(GOOD)[:-9]
    done = run(["check", "--batch", "-", "--workers", "1"], cwd=tmp_path, stdin=text)
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["line"] for r in records] == [1, 2]
    assert records[1]["error"].startswith("invalid JSON at column 92: Unterminated string")
    assert records[1]["error"].endswith("(the line ends before the document does: is it cut short?)")


def test_blank_lines_get_no_record_but_keep_their_numbers(tmp_path: Path) -> None:
    text = "\n" + json.dumps(GOOD) + "\n   \n\r\n" + json.dumps(GOOD) + "\n\n"
    done = run(["check", "--batch", "-", "--workers", "1"], cwd=tmp_path, stdin=text)
    assert done.returncode in (0, 1), done.stderr
    assert [json.loads(line)["line"] for line in done.stdout.splitlines()] == [2, 5]
    assert "batch: 2 lines" in done.stderr


def test_an_over_long_batch_line_is_read_no_further_than_its_limit(tmp_path: Path) -> None:
    import io

    big = b'{"regimen": [' + b" " * 5_000_000 + b"]}\n"
    stream = io.BytesIO(json.dumps(GOOD).encode() + b"\n" + big + json.dumps(GOOD).encode() + b"\n")
    lines = [line for chunk, _ in _chunks(stream, 64) for line in chunk]
    assert [n for n, _ in lines] == [1, 2, 3]
    assert len(lines[1][1]) <= 1_000_003
    assert "limit max_bytes" in json.loads(check_line(2, lines[1][1], OPTIONS).data)["error"]


def test_chunks_end_at_a_byte_budget_as_well_as_a_line_count() -> None:
    import io

    line = json.dumps({**GOOD, "_comment": "x" * 1900}).encode() + b"\n"
    chunks = list(_chunks(io.BytesIO(line * 2000), 64))
    assert sum(len(c) for c, _ in chunks) == 2000
    assert max(sum(len(b) for _, b in c) for c, _ in chunks) < 2 * (1 << 20)


# -- warnings kept for ordinary writing ------------------------------------------------


@pytest.mark.parametrize(
    ("written", "medication"),
    [
        ("doxycycline 100mg", "doxycycline"),
        ("Doxycycline 100 mg twice daily", "doxycycline"),
        ("doxycycline (100 mg, bid)", "doxycycline"),
        ("minocycline 50mg tablets", "minocycline"),
        ("tetracyclines", None),  # a class, named directly
    ],
)
def test_a_medication_written_with_its_strength_keeps_its_interactions(written: str, medication: str | None) -> None:
    report = check({"profile": {"age": 40, "medications": [written]}, "regimen": [MAG]})
    hits = [f for f in report.findings if f.rule_id == "med.magnesium.tetracyclines"]
    assert hits, [f.code for f in report.findings]
    if medication is not None:
        assert medication in hits[0].medications
    assert not [f for f in report.findings if f.code == "input.unrecognized_medication"]


def test_warfarin_with_strength_and_frequency_is_recognized() -> None:
    plain = check({"profile": {"age": 60, "medications": ["warfarin"]}, "regimen": [MAG]})
    written = check({"profile": {"age": 60, "medications": ["warfarin 5 mg twice daily"]}, "regimen": [MAG]})
    assert [f.rule_id for f in written.findings] == [f.rule_id for f in plain.findings]
    assert written.complete


@pytest.mark.parametrize("written", ["not a drug 100mg", "100 mg daily"])
def test_an_unknown_medication_with_a_strength_is_still_reported_as_written(written: str) -> None:
    report = check({"profile": {"age": 40, "medications": [written]}, "regimen": [MAG]})
    unknown = [f for f in report.findings if f.code == "input.unrecognized_medication"]
    assert unknown
    assert repr(written) in unknown[0].message


VITAMIN_A = {"substance": "vitamin A", "form": "retinyl palmitate", "amount": "10000 IU"}


@pytest.mark.parametrize(
    ("condition", "flag", "rule"),
    [
        ("pregnancy", "pregnant", "stage.vitamin_a.pregnancy"),
        ("Pregnant", "pregnant", "stage.vitamin_a.pregnancy"),
        ("breastfeeding", "lactating", None),
        ("breast-feeding", "lactating", None),
        ("lactating", "lactating", None),
        ("Lactation", "lactating", None),
    ],
)
def test_pregnancy_or_lactation_written_as_a_condition_sets_the_life_stage(
    condition: str, flag: str, rule: str | None
) -> None:
    written = check({"profile": {"age": 30, "sex": "female", "conditions": [condition]}, "regimen": [VITAMIN_A]})
    flagged = check({"profile": {"age": 30, "sex": "female", flag: True}, "regimen": [VITAMIN_A]})
    noted = [f for f in written.findings if f.code == "input.life_stage_from_condition"]
    assert len(noted) == 1
    assert noted[0].severity is Severity.INFO
    assert repr(condition) in noted[0].message
    assert f"{flag}: true" in noted[0].message
    assert [f.rule_id for f in written.findings if f is not noted[0]] == [f.rule_id for f in flagged.findings]
    assert written.complete
    if rule is not None:
        assert rule in [f.rule_id for f in written.findings]


def test_a_life_stage_condition_on_the_command_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "p.json", json.dumps({"profile": {"age": 30, "conditions": ["pregnant"]}, "regimen": [VITAMIN_A]})
    )
    done = run(["check", str(path), "--format", "json"], cwd=tmp_path)
    codes = [f["code"] for f in json.loads(done.stdout)["findings"]]
    assert "input.life_stage_from_condition" in codes
    assert "contraindication.life_stage" in codes
    done = run(["explain", "input.life_stage_from_condition"], cwd=tmp_path)
    assert done.returncode == 0
    assert "pregnan" in done.stdout


def test_the_pure_python_yaml_loader_is_bounded_and_checks_keys_too(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from suppcheck import _reading

    # As where PyYAML was built without libyaml.
    monkeypatch.setattr(_reading, "_loader_class", None)
    monkeypatch.setitem(sys.modules, "yaml.cyaml", None)
    import yaml

    monkeypatch.delattr(yaml, "cyaml", raising=False)
    try:
        loader = _reading._yaml_loader()
        assert "CLoader" not in loader.__name__
        for name, text, expected in YAML_CASES:
            if name == "deep-flow-1000":  # no libyaml to stop first: the composer does
                expected = "line 1, column 73: nested deeper than 64 levels (limit max_depth)"
            with pytest.raises(InputError) as info:
                RegimenFile.model_validate(_yaml(text))
            assert expected in str(info.value), name
        assert _yaml("regimen: [{substance: magnesium, amount: 100 mg}]\n") == {"regimen": [MAG]}
    finally:
        _reading._loader_class = None


def test_a_medication_with_its_strength_through_the_command_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "p.yaml",
        "profile: {age: 40, medications: [doxycycline 100mg twice daily]}\n"
        "regimen: [{substance: magnesium, amount: 100 mg}]\n",
    )
    done = run(["check", str(path), "--format", "json"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["complete"] is True
    assert "med.magnesium.tetracyclines" in [f["rule_id"] for f in report["findings"]]
    table = run(["check", str(path)], cwd=tmp_path)
    assert "doxycycline 100mg twice daily" in table.stdout  # the person's own words are shown


def test_schedule_reads_through_the_same_bounds(tmp_path: Path) -> None:
    path = _write(tmp_path / "deep.json", deep_json(200))
    done = run(["schedule", str(path)], cwd=tmp_path)
    assert done.returncode == 2
    assert f"{path}: invalid JSON: line 1, column 100: nested deeper than 64 levels" in done.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_batch_workers_take_the_limits_from_the_environment(tmp_path: Path, workers: str) -> None:
    many = json.dumps({"profile": {"age": 40}, "regimen": [MAG] * 1200})
    batch = _write(tmp_path / "b.jsonl", json.dumps(GOOD) + "\n" + many + "\n")
    default = run(["check", "--batch", str(batch), "--workers", workers], cwd=tmp_path)
    assert "limit max_entries" in json.loads(default.stdout.splitlines()[1])["error"]
    raised = run(
        ["check", "--batch", str(batch), "--workers", workers],
        cwd=tmp_path,
        env={"SUPPCHECK_LIMITS": "max_entries=2000"},
    )
    assert [json.loads(line).get("error") for line in raised.stdout.splitlines()] == [None, None]


def test_the_help_states_the_default_limits() -> None:
    from suppcheck._cli import CHECK_EPILOG

    text = " ".join(CHECK_EPILOG.split())
    for name, value in Limits()._asdict().items():
        assert f"{name}={value}" in text
    assert "SUPPCHECK_LIMITS" in text
