"""One reader for every way a regimen arrives: YAML, JSON, JSON lines and CSV, through the library and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import suppcheck
from suppcheck import InputError, read_regimen, read_regimens
from suppcheck._readers import sniff

from .test_cli import run

REGIMEN: dict[str, Any] = {
    "id": "m-1",
    "profile": {"age": 58, "sex": "female", "medications": ["doxycycline"], "conditions": ["hypertension"]},
    "regimen": [
        {"substance": "magnesium", "form": "citrate", "amount": "400 mg", "per_day": 2, "times": ["08:00", "22:00"]},
        {"substance": "vitamin D", "amount": "1000 IU"},
    ],
}
CSV_TEXT = (
    "id,age,sex,conditions,medications,substance,form,amount,per_day,times,_note\n"
    "m-1,58,female,hypertension,doxycycline,magnesium,citrate,400 mg,2,08:00;22:00,ours\n"
    "m-2,40,male,,,zinc,,15 mg,,,\n"
    "m-1,,,,,vitamin D,,1000 IU,,,\n"
)


def _report(regimen: suppcheck.RegimenFile) -> dict[str, Any]:
    return suppcheck.check(regimen).model_dump(mode="json")


def _as_csv(doc: dict[str, Any]) -> str:
    out = io.StringIO()
    columns = ["id", "age", "sex", "conditions", "medications", "substance", "form", "amount", "per_day", "times"]
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    profile = doc.get("profile", {})
    for number, entry in enumerate(doc["regimen"]):
        row = {"id": doc["id"], **{k: entry.get(k, "") for k in ("substance", "form", "amount", "per_day")}}
        row["times"] = ";".join(entry.get("times", []))
        if number == 0:
            row.update(
                age=profile.get("age", ""),
                sex=profile.get("sex", ""),
                conditions=";".join(profile.get("conditions", [])),
                medications=";".join(profile.get("medications", [])),
            )
        writer.writerow(row)
    return out.getvalue()


# -- each format, through the library ------------------------------------------------


def test_the_same_regimen_in_every_format_gives_the_same_report(tmp_path: Path) -> None:
    files = {
        "r.yaml": yaml.safe_dump(REGIMEN),
        "r.json": json.dumps(REGIMEN, indent=2),
        "r.jsonl": json.dumps(REGIMEN) + "\n",
        "r.csv": _as_csv(REGIMEN),
    }
    reports = []
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        reports.append(_report(read_regimen(tmp_path / name)))
        reports.append(_report(read_regimen(text.encode())))  # the content alone decides
    assert all(r == reports[0] for r in reports)
    assert reports[0]["id"] == "m-1"


def test_a_csv_export_gives_one_regimen_per_id_in_first_seen_order(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(CSV_TEXT)
    reads = list(read_regimens(path))
    assert [(r.label, r.line) for r in reads] == [(f"{path} row 2 (m-1)", 2), (f"{path} row 3 (m-2)", 3)]
    first = reads[0].regimen
    assert first is not None
    assert [e.substance for e in first.regimen] == ["magnesium", "vitamin D"]
    assert first.profile.medications[0].name == "doxycycline"
    assert first.id == "m-1"


def test_read_regimen_refuses_a_file_of_several(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(CSV_TEXT)
    with pytest.raises(InputError) as caught:
        read_regimen(path)
    assert caught.value.errors()[0]["type"] == "several_regimens"
    assert str(caught.value).startswith(f"{path}: holds more than one regimen")


def test_load_regimen_reads_through_the_same_reader(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("id,substance,amount\np,zinc,15 mg\n")
    assert suppcheck.load_regimen(path).regimen[0].substance == "zinc"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"regimen": []}', "json"),
        ("[1]", "json"),
        ('{"regimen": [{"substance": "zinc", "amount": "15 mg"}]}\n{"regimen": []}\n', "jsonl"),
        ("id,substance,amount\nm1,zinc,15 mg\n", "csv"),
        ("\ufeffid,substance,amount\n", "csv"),
        ("regimen:\n  - substance: zinc\n", "yaml"),
        ("a,b\n1,2\n", "yaml"),
    ],
)
def test_content_decides_the_format(text: str, expected: str) -> None:
    assert sniff(text) == expected


# -- every failure is an InputError naming the source ---------------------------------

BROKEN = [
    ("empty.yaml", b"", "empty"),
    ("empty.json", b"", "json_invalid"),
    ("empty.csv", b"", "csv_header"),
    ("latin1.yaml", "regimen:\n  - substance: caf\xe9\n".encode("latin-1"), "not_utf8"),
    ("latin1.csv", "id,substance,amount\nm,caf\xe9,1 mg\n".encode("latin-1"), "not_utf8"),
    ("latin1.json", '{"regimen": [{"substance": "caf\xe9"}]}'.encode("latin-1"), "not_utf8"),
    ("cut.json", b'{"regimen": [{"substance": "zinc", "amou', "json_invalid"),
    ("cut.yaml", b"regimen:\n  - {substance: zinc, amount: '15", "yaml_invalid"),
    ("cut.csv", b'id,substance,amount\nm,zinc,"15 mg\n', "csv_invalid"),
    ("unknown-column.csv", b"id,substance,amount,dose\nm,zinc,15 mg,1\n", "invalid"),
    ("no-id.csv", b"substance,amount\nzinc,15 mg\n", "invalid"),
    ("twice.csv", b"id,substance,substance,amount\nm,zinc,zinc,15 mg\n", "csv_header"),
    ("extra-cells.csv", b"id,substance,amount\nm,zinc,15 mg,oops\n", "csv_row"),
    ("a-list.yaml", b"- substance: zinc\n", "model_type"),
]


@pytest.mark.parametrize(("name", "data", "kind"), BROKEN, ids=[b[0] for b in BROKEN])
def test_every_broken_file_is_an_input_error_naming_it(tmp_path: Path, name: str, data: bytes, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        read_regimen(path)
    assert caught.value.source == str(path)
    assert caught.value.errors()[0]["type"] == kind
    result = run(["check", name], cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"{name}: ")
    assert "Traceback" not in result.stderr


def test_a_bad_cell_names_its_row_and_keeps_the_other_ids(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text("id,substance,amount,per_week\na,zinc,15 mg,1\nb,zinc,15 mg,2.5\nc,zinc,15 mgg,\n")
    reads = list(read_regimens(path))
    assert [r.regimen is not None for r in reads] == [True, False, False]
    assert reads[1].error is not None
    assert "row 3.per_week" in reads[1].error.problems[0]
    assert reads[2].error is not None
    assert str(reads[2].error).startswith(f"{path} row 4 (c): regimen[0] (zinc).amount")


def test_a_jsonl_file_is_read_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "many.jsonl"
    lines = [json.dumps(REGIMEN), "", '{"regimen": [', json.dumps({**REGIMEN, "id": "m-3"})]
    path.write_text("\n".join(lines) + "\n")
    reads = list(read_regimens(path))
    assert [(r.line, r.regimen is not None) for r in reads] == [(1, True), (3, False), (4, True)]
    assert reads[1].error is not None
    assert reads[1].error.source == f"{path} line 3"


def test_an_unknown_format_is_named() -> None:
    with pytest.raises(InputError) as caught:
        read_regimen(b"regimen: []", format="toml")
    assert "unknown format 'toml'" in str(caught.value)


def test_a_fhir_resource_is_read_as_fhir_by_content_or_by_format() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p", "birthDate": "1980-01-01"}},
            {
                "resource": {
                    "resourceType": "MedicationStatement",
                    "status": "active",
                    "medicationCodeableConcept": {"text": "magnesium oxide 400 MG Oral Tablet"},
                    "subject": {"reference": "Patient/p"},
                }
            },
        ],
    }
    data = json.dumps(bundle).encode()
    by_content = read_regimen(data, as_of=date(2026, 1, 1))
    by_format = read_regimen(data, format="fhir", as_of=date(2026, 1, 1))
    assert by_content == by_format
    assert by_content.profile.age == 46
    assert by_content.regimen[0].substance == "Magnesium"
    assert by_content.regimen[0].basis == "compound"  # the strength is the salt's weight
    with pytest.raises(InputError) as caught:
        read_regimen(b'{"regimen": []}', format="fhir")
    assert caught.value.errors()[0]["type"] == "not_fhir"


# -- the command line -----------------------------------------------------------------


def test_a_csv_per_day_may_be_a_frequency_in_words(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        "id,substance,amount,strength,per_day\na,magnesium,2 tablets,200 mg,twice daily\nb,zinc,15 mg,,2 x\n"
    )
    reads = list(read_regimens(path))
    assert reads[0].regimen is not None
    assert (reads[0].regimen.regimen[0].per_day, str(reads[0].regimen.regimen[0].amount)) == (2, "400 mg")
    assert reads[1].error is not None
    assert reads[1].error.errors()[0]["loc"][:3] == ("regimen", 0, "per_day")


def test_cli_checks_each_id_of_a_csv_export(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text(CSV_TEXT)
    result = run(["check", "--format", "json", "export.csv"], cwd=tmp_path)
    assert result.returncode == 1, result.stderr  # magnesium 800 mg/day is above the upper limit
    records = json.loads(result.stdout)
    assert [(r["source"], r["id"]) for r in records] == [
        ("export.csv row 2 (m-1)", "m-1"),
        ("export.csv row 3 (m-2)", "m-2"),
    ]


def test_cli_reads_csv_and_jsonl_from_standard_input(tmp_path: Path) -> None:
    result = run(["check", "--format", "jsonl", "-"], cwd=tmp_path, stdin=CSV_TEXT)
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["m-1", "m-2"]
    lines = json.dumps(REGIMEN) + "\n" + json.dumps({**REGIMEN, "id": "m-9"}) + "\n"
    result = run(["check", "--format", "jsonl", "-"], cwd=tmp_path, stdin=lines)
    assert [json.loads(line)["source"] for line in result.stdout.splitlines()] == ["<stdin> line 1", "<stdin> line 2"]


def test_cli_batch_reads_a_csv_export_with_rows_and_ids(tmp_path: Path) -> None:
    (tmp_path / "export.csv").write_text(CSV_TEXT + "m-3,,,,,zinc,,15 mgg,,,\n")
    result = run(["check", "--batch", "export.csv"], cwd=tmp_path)
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["line"], r.get("id")) for r in records] == [(2, "m-1"), (3, "m-2"), (5, "m-3")]
    assert records[0]["max_severity"] == "major"
    assert records[2]["error"].startswith("regimen[0] (zinc).amount")
    result = run(["check", "--batch", "export.csv", "--format", "summary-csv"], cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["id"], r["line"]) for r in rows] == [("m-1", "2"), ("m-2", "3"), ("m-3", "5")]


def test_cli_folder_includes_csv_and_jsonl(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.csv").write_text("id,substance,amount\np,zinc,15 mg\n")
    (folder / "b.jsonl").write_text(json.dumps(REGIMEN) + "\n")
    result = run(["check", "--format", "json", "in"], cwd=tmp_path)
    assert [r["source"] for r in json.loads(result.stdout)] == [
        str(Path("in") / "a.csv") + " row 2 (p)",
        str(Path("in") / "b.jsonl") + " line 1",
    ]


# -- property: the format never changes the findings -----------------------------------

_ENTRY = st.fixed_dictionaries(
    {
        "substance": st.sampled_from(["magnesium", "zinc", "iron", "vitamin D", "calcium", "unobtainium"]),
        "amount": st.sampled_from(["15 mg", "400 mg", "1000 IU", "50 mcg", "2 g"]),
        "per_day": st.integers(1, 3),
    }
)


@st.composite
def _regimens(draw: st.DrawFn) -> dict[str, Any]:
    entries = draw(st.lists(_ENTRY, min_size=1, max_size=4))
    profile: dict[str, Any] = {"age": draw(st.integers(1, 99))}
    if draw(st.booleans()):
        profile["sex"] = draw(st.sampled_from(["female", "male"]))
    profile["medications"] = draw(st.lists(st.sampled_from(["doxycycline", "levothyroxine", "warfarin"]), unique=True))
    profile["conditions"] = draw(st.lists(st.sampled_from(["hemochromatosis", "kidney disease"]), unique=True))
    return {"id": "p-1", "profile": profile, "regimen": entries}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_regimens())
def test_yaml_json_and_csv_give_the_same_report(doc: dict[str, Any]) -> None:
    outcomes = []
    for data, fmt in ((yaml.safe_dump(doc), "yaml"), (json.dumps(doc), "json"), (_as_csv(doc), "csv")):
        try:
            outcomes.append(_report(read_regimen(data.encode(), format=fmt)))
        except InputError as exc:
            outcomes.append({"error": [(e["loc"], e["type"]) for e in exc.errors()]})
    assert outcomes[0] == outcomes[1] == outcomes[2]


# -- lookup and explain for a program --------------------------------------------------


def test_lookup_and_explain_speak_json(tmp_path: Path) -> None:
    result = run(["lookup", "doxycycline", "--format", "json"], cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    match = data["matches"][0]
    assert (match["kind"], match["id"]) == ("medication", "doxycycline")
    assert "tetracyclines" in match["classes"]
    assert any("tetracyclines" in rule for rule in match["rules"])
    assert "provenance" not in match["record"]
    result = run(["explain", "ul.magnesium", "--format", "json"], cwd=tmp_path)
    found = json.loads(result.stdout)["found"]
    assert (found["kind"], found["record"]["substance"]) == ("limit", "magnesium")
    assert found["references"][0]["url"].startswith("https://")
    result = run(["lookup", "magnesium", "--format", "json"], cwd=tmp_path)
    kinds = {m["kind"] for m in json.loads(result.stdout)["matches"]}
    assert "substance" in kinds


def test_unknown_names_in_json_exit_2_with_suggestions(tmp_path: Path) -> None:
    result = run(["lookup", "magnesum", "--format", "json"], cwd=tmp_path)
    assert result.returncode == 2
    data = json.loads(result.stdout)
    assert data["matches"] == []
    assert "Magnesium" in data["suggestions"]
    result = run(["explain", "ul.magnesum", "--format", "json"], cwd=tmp_path)
    assert result.returncode == 2
    assert json.loads(result.stdout)["found"] is None


def test_json_lines_whose_first_line_is_too_deep_to_parse_are_an_input_error_naming_the_line() -> None:
    # Found by the fuzzer: telling the format apart parsed the first line without the depth limit.
    deep = '{"regimen": ' + "[" * 5000 + "]" * 5000 + "}\n" + '{"regimen": []}\n'
    assert sniff(deep) == "jsonl"
    first, second = read_regimens(deep.encode(), name="<stdin>")
    assert isinstance(first.error, InputError)
    assert re.match(r"<stdin> line 1: invalid JSON: column \d+: nested deeper than 64 levels", str(first.error))
    assert second.error is not None  # each line keeps its own place and error
