"""Population screening: flat rows from screen(), the batch's tables, data frames and a real Dask cluster."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow.parquet as pq
import pytest

import suppcheck
from suppcheck import InputError, Report, Severity, check, load_regimen, screen
from suppcheck._screen import screen_table
from suppcheck.frames import check_frame

from .test_cli import run
from .test_golden import CASES

GOLDEN_JSON = [json.dumps(load_regimen(c).model_dump(mode="json", exclude_defaults=True)) for c in CASES]


def lines(count: int) -> list[str]:
    """``count`` varied regimens as JSON lines, each with its own id, a few of them bad."""
    out = []
    for i in range(count):
        if i % 97 == 13:
            out.append(json.dumps({"id": f"bad-{i}", "regimen": []}))
            continue
        regimen = json.loads(GOLDEN_JSON[i % len(GOLDEN_JSON)])
        regimen["id"] = f"m-{i}"
        out.append(json.dumps(regimen))
    return out


def person_row_of(report: Report, line: int) -> dict[str, Any]:
    counts = {s.value: 0 for s in suppcheck.Severity}
    for f in report.findings:
        counts[f.severity.value] += 1
    return {
        "id": report.id,
        "line": line,
        "max_severity": report.max_severity.value if report.max_severity else None,
        "ok": report.ok,
        "complete": report.complete,
        **{f"n_{k}": v for k, v in counts.items()},
        "codes": sorted({f.code for f in report.findings}),
        "rule_ids": sorted({f.rule_id for f in report.findings}),
        "over_upper_limit": sorted(t.substance for t in report.totals if (t.ratio_to_upper_limit or 0) > 1),
        "input_error": None,
    }


# -- screen() -------------------------------------------------------------------------------------


def test_person_rows_say_what_the_reports_say() -> None:
    for line, text in enumerate(GOLDEN_JSON, start=1):
        (row,) = screen([text], first_line=line)
        assert row == person_row_of(check(json.loads(text)), line)


def test_finding_rows_are_the_findings_in_order() -> None:
    for text in GOLDEN_JSON:
        report = check(json.loads(text))
        rows = list(screen([text], shape="finding"))
        assert [(r["code"], r["rule_id"], r["severity"], r["entries"]) for r in rows] == [
            (f.code, f.rule_id, f.severity.value, list(f.entries)) for f in report.findings
        ]


def test_every_record_keeps_its_place_with_its_error() -> None:
    records: list[Any] = [
        GOLDEN_JSON[0],
        b"\xff\xfe not utf-8",
        "{not json",
        {"id": "x", "regimen": [{"substance": "magnesium", "amount": "400 IU"}]},
        json.loads(GOLDEN_JSON[1]),
        load_regimen(CASES[2]),
        42,
    ]
    rows = list(screen(records))
    assert [r["line"] for r in rows] == list(range(1, 8))
    errors = [r["input_error"] for r in rows]
    assert (errors[0], errors[4], errors[5]) == (None, None, None)
    assert str(errors[1]).startswith("not UTF-8 text")
    assert str(errors[2]).startswith("invalid JSON")
    assert "unit 'IU' does not apply to magnesium" in str(errors[3])
    assert rows[3]["id"] == "x", "an error row keeps the id it could read"
    assert errors[6] == "a record is a regimen mapping or a JSON object, not int"
    finding_rows = list(screen(records, shape="finding"))
    assert {r["line"] for r in finding_rows if r["input_error"]} == {2, 3, 4, 7}


def test_an_unknown_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="shape must be 'person' or 'finding'"):
        list(screen([GOLDEN_JSON[0]], shape="people"))  # type: ignore[arg-type]


# -- the batch's tables ---------------------------------------------------------------------------


def batch_file(tmp_path: Path, count: int = 150) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines(count)) + "\n\xff\n", encoding="utf-8", errors="surrogateescape")
    path.write_bytes(path.read_bytes().replace("\xff".encode(), b"\xff"))
    return path


def jsonl_reports(tmp_path: Path, path: Path) -> list[dict[str, Any]]:
    out = tmp_path / "reports.jsonl"
    done = run(["check", "--batch", str(path), "--output", str(out), "--workers", "1"], cwd=tmp_path)
    assert done.returncode == 2, done.stderr  # one line is bad
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def _value(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and value != value) or value == "" else value


def test_summary_and_findings_tables_match_the_json_reports_row_for_row(tmp_path: Path) -> None:
    path = batch_file(tmp_path)
    records = jsonl_reports(tmp_path, path)
    people: list[tuple[Any, ...]] = []
    findings: list[tuple[Any, ...]] = []
    for record in records:
        if "error" in record:
            people.append((record["line"], record.get("id"), None, record["error"]))
            findings.append((record["line"], record.get("id"), None, record["error"]))
            continue
        report = Report.model_validate({k: v for k, v in record.items() if k != "line"})
        worst = report.max_severity.value if report.max_severity else None
        people.append((record["line"], report.id, worst, None))
        findings.extend((record["line"], report.id, f.code, None) for f in report.findings)
    assert len(people) == 151
    assert findings
    for workers in ("1", "2"):
        for table, shape, want, third in (
            ("summary", "person", people, "max_severity"),
            ("findings", "finding", findings, "code"),
        ):
            names = [name for name, _, _ in suppcheck.screen_columns(shape)]  # type: ignore[arg-type]
            parquet = tmp_path / f"{table}-{workers}.parquet"
            text = tmp_path / f"{table}-{workers}.csv"
            for fmt, out in ((f"{table}-parquet", parquet), (f"{table}-csv", text)):
                done = run(
                    ["check", "--batch", str(path), "--format", fmt, "--output", str(out), "--workers", workers],
                    cwd=tmp_path,
                )
                assert done.returncode == 2, done.stderr
            stored = pq.read_table(parquet)
            assert stored.schema.names == names
            assert (
                stored.schema.metadata[b"suppcheck.schema"] == {"person": b"person/1", "finding": b"finding/2"}[shape]
            )
            from_parquet = [(row["line"], row["id"], row[third], row["input_error"]) for row in stored.to_pylist()]
            assert from_parquet == want, (table, workers)
            read = list(csv.DictReader(io.StringIO(text.read_text(encoding="utf-8"))))
            assert list(read[0]) == names
            from_csv = [(int(r["line"]), _value(r["id"]), _value(r[third]), _value(r["input_error"])) for r in read]
            assert from_csv == want, (table, workers)


PARQUET_PROBE = """\
import sys, suppcheck._cli as c
code = c.main({args!r})
print(code, "pandas" in sys.modules, file=sys.stderr)
"""


@pytest.mark.parametrize("shape", ["person", "finding"])
def test_a_parquet_table_holds_every_column_of_screen_and_the_writer_leaves_pandas_alone(
    tmp_path: Path, shape: str
) -> None:
    # Every column and type as screen() gives it, through the writer process that builds the Arrow batches;
    # that process must not import pandas, a heavy import, to do it.
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines(120)) + "\n", encoding="utf-8")
    out = tmp_path / "out.parquet"
    fmt = {"person": "summary-parquet", "finding": "findings-parquet"}[shape]
    args = ["check", "--batch", str(path), "--format", fmt, "--output", str(out), "--workers", "1"]
    done = subprocess.run(
        [sys.executable, "-c", PARQUET_PROBE.format(args=args)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.stderr.splitlines()[-1] == "2 False", done.stderr  # bad lines: exit 2; no pandas
    stored = pq.read_table(out)
    schema = suppcheck.screen_schema(shape)  # type: ignore[arg-type]
    # Parquet names a list's item "element" (its nested-type convention); the types are otherwise the schema's.
    assert [str(f.type).replace("element", "item") for f in stored.schema] == [str(f.type) for f in schema]
    assert stored.schema.names == schema.names
    assert stored.schema.metadata == schema.metadata
    want = list(screen(path.read_bytes().splitlines(), shape=shape))  # type: ignore[arg-type]
    assert stored.to_pylist() == want
    assert any(row["input_error"] for row in want)


def _screened(tmp_path: Path, source: Path, workers: str = "1", fmt: str = "summary-parquet") -> list[dict[str, Any]]:
    out = tmp_path / f"out-{workers}.parquet"
    done = run(
        ["check", "--batch", str(source), "--format", fmt, "--output", str(out), "--workers", workers], cwd=tmp_path
    )
    assert done.returncode == 2, done.stderr  # each input holds a bad regimen
    rows: list[dict[str, Any]] = pq.read_table(out).to_pylist()
    return rows


def test_a_parquet_column_of_regimens_is_screened_row_for_row(tmp_path: Path) -> None:
    import pyarrow as pa

    cells: list[str | None] = [*lines(40), None, "{not json", "  "]
    source = tmp_path / "members.parquet"
    pq.write_table(pa.table({"_member": list(range(len(cells))), "regimen": cells}), source, row_group_size=16)
    want = list(screen(["null" if not (c or "").strip() else c for c in cells]))  # type: ignore[misc]
    for workers in ("1", "2"):
        assert _screened(tmp_path, source, workers) == want
    assert [r["input_error"] for r in want[-3:]] == [
        "a regimen is a mapping with 'profile' and 'regimen', not nothing",
        "invalid JSON at column 2: Expecting property name enclosed in double quotes",
        "a regimen is a mapping with 'profile' and 'regimen', not nothing",
    ]
    # Regimens stored as structs (a null field is one not given), and bytes that are not UTF-8, are read
    # as a JSONL line would be.
    records = [json.loads(line) for line in lines(30)]
    structs = tmp_path / "structs.parquet"
    pq.write_table(pa.table({"regimen": pa.array(records)}), structs)
    assert _screened(tmp_path, structs) == list(screen(records))
    binary = tmp_path / "binary.parquet"
    pq.write_table(pa.table({"regimen": pa.array([lines(1)[0].encode(), b"\xff{}"], pa.binary())}), binary)
    rows = _screened(tmp_path, binary, fmt="findings-parquet")
    assert rows[-1]["line"] == 2
    assert rows[-1]["input_error"] == "not UTF-8 text: invalid start byte at byte 1 of the line"


def test_a_parquet_table_layout_is_screened_as_check_frame_screens_it(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "id": ["m-1", "m-2", "m-1", "m-3"],
            "age": [58, 40, None, 30],
            "medications": ["doxycycline", None, None, None],
            "substance": ["magnesium", "zinc", "vitamin D", "iron"],
            "amount": ["400 mg", "15 mg", "1000 IU", "lots"],
        }
    )
    source = tmp_path / "export.parquet"
    frame.to_parquet(source)
    rows = _screened(tmp_path, source)
    assert rows == list(screen_table(frame.to_dict("records")))  # what check_frame(frame) screens
    assert [(r["id"], r["line"], r["max_severity"]) for r in rows] == [
        ("m-1", 1, "moderate"),
        ("m-2", 2, None),
        ("m-3", 4, None),
    ]
    assert rows[2]["input_error"] == "regimen[0] (iron).amount: 'lots' is not an amount such as '400 mg'"


def test_a_parquet_file_that_cannot_be_screened_is_refused_before_any_output(tmp_path: Path) -> None:
    import pyarrow as pa

    wrong = tmp_path / "wrong.parquet"
    pq.write_table(pa.table({"patient": ["m-1"]}), wrong)
    broken = tmp_path / "broken.parquet"
    broken.write_text("id,substance\n", encoding="utf-8")
    for source, problems in (
        (wrong, [f"{wrong}: column 'patient': unknown column", f"{wrong}: or give a 'regimen' column"]),
        (broken, [f"{broken}: not a readable Parquet file"]),
    ):
        out = tmp_path / "out.parquet"
        done = run(["check", "--batch", str(source), "--format", "summary-parquet", "--output", str(out)], cwd=tmp_path)
        assert done.returncode == 2
        for problem in problems:
            assert problem in done.stderr
        assert not out.exists()  # nothing half-written


def test_parquet_needs_an_output_file(tmp_path: Path) -> None:
    path = batch_file(tmp_path, 3)
    done = run(["check", "--batch", str(path), "--format", "summary-parquet"], cwd=tmp_path)
    assert done.returncode == 2
    assert "--format summary-parquet writes a binary file: give --output FILE.parquet" in done.stderr
    single = run(["check", str(CASES[0]), "--format", "summary-csv"], cwd=tmp_path)
    assert single.returncode == 2
    assert "--format summary-csv is for --batch FILE.jsonl" in single.stderr


# -- data frames ----------------------------------------------------------------------------------

TABLE = {
    "id": ["m-1", "m-1", "m-2", "m-3", "m-3"],
    "age": [58, None, 40, 70, 71],
    "sex": ["female", None, None, None, None],
    "medications": ["doxycycline;furosemide", None, None, None, None],
    "substance": ["magnesium", "vitamin D", "zinc", "iron", "iron"],
    "form": ["citrate", None, None, None, None],
    "amount": ["400 mg", "1000 IU", "15 mg", "18 mg", "18 mg"],
    "per_day": [2, None, None, None, None],
    "times": ["08:00;22:00", None, None, None, None],
    "_source_system": ["a", "b", "c", "d", "e"],
}


def expected_for_table() -> list[dict[str, Any]]:
    m1 = {
        "id": "m-1",
        "profile": {"age": 58.0, "sex": "female", "medications": ["doxycycline", "furosemide"]},
        "regimen": [
            {
                "substance": "magnesium",
                "form": "citrate",
                "amount": "400 mg",
                "per_day": 2,
                "times": ["08:00", "22:00"],
            },
            {"substance": "vitamin D", "amount": "1000 IU"},
        ],
    }
    m2 = {"id": "m-2", "profile": {"age": 40.0}, "regimen": [{"substance": "zinc", "amount": "15 mg"}]}
    rows = [*screen([m1], first_line=1), *screen([m2], first_line=3)]
    rows.append(
        {
            **dict.fromkeys([n for n, _, _ in suppcheck.screen_columns("person")]),
            "id": "m-3",
            "line": 4,
            "complete": False,
            "n_contraindicated": 0,
            "n_major": 0,
            "n_moderate": 0,
            "n_minor": 0,
            "n_info": 0,
            "codes": [],
            "rule_ids": [],
            "over_upper_limit": [],
            "input_error": "row 5.age: '71' disagrees with an earlier row of id 'm-3'",
        }
    )
    return rows


def normalised(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def clean(value: Any) -> Any:
        if hasattr(value, "tolist"):
            value = value.tolist()
        if isinstance(value, float) and value != value:
            return None
        return value

    return [{k: clean(v) for k, v in r.items()} for r in records]


def test_check_frame_pandas_and_polars_in_the_table_layout() -> None:
    want = normalised(expected_for_table())
    by_pandas = check_frame(pd.DataFrame(TABLE))
    assert isinstance(by_pandas, pd.DataFrame)
    assert normalised(by_pandas.to_dict("records")) == want
    by_polars = check_frame(pl.DataFrame(TABLE))
    assert isinstance(by_polars, pl.DataFrame)
    assert normalised(by_polars.to_dicts()) == want


def test_check_frame_with_a_column_of_regimens() -> None:
    frame = pd.DataFrame({"regimen": GOLDEN_JSON, "_note": range(len(GOLDEN_JSON))})
    want = normalised(list(screen(GOLDEN_JSON, shape="finding")))
    assert normalised(check_frame(frame, shape="finding").to_dict("records")) == want
    polars = pl.DataFrame({"regimen": GOLDEN_JSON})
    assert normalised(check_frame(polars, shape="finding").to_dicts()) == want


def test_check_frame_refuses_unknown_columns_and_other_types() -> None:
    with pytest.raises(InputError, match=r"frame: column 'dose': unknown column"):
        check_frame(pd.DataFrame({"id": ["a"], "dose": ["1 mg"]}))
    with pytest.raises(InputError, match="column 'id' is required"):
        check_frame(pd.DataFrame({"substance": ["zinc"]}))
    with pytest.raises(TypeError, match="pandas or polars DataFrame"):
        check_frame([{"id": "a"}])


# -- a real Dask cluster --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as local,
        Client(local) as client,
    ):
        yield client


def test_a_bag_on_the_cluster_gives_the_serial_rows(cluster: Any) -> None:
    import dask.bag as db

    from suppcheck.dask import check_bag

    records = [*lines(60), "\x00 not json", '{"id": "deep", "regimen": ' + "[" * 2000 + "]" * 2000 + "}"]
    serial = list(screen(records))
    bag = db.from_sequence(records, npartitions=5)
    assert check_bag(bag).compute() == serial
    assert check_bag(bag, shape="finding").compute() == list(screen(records, shape="finding"))


def test_a_killed_worker_loses_no_line(cluster: Any) -> None:
    import dask.bag as db

    from suppcheck.dask import check_bag

    records = lines(3000)
    serial = list(screen(records))
    future = cluster.compute(check_bag(db.from_sequence(records, npartitions=40)))
    pids = cluster.run(os.getpid)
    time.sleep(0.8)  # let both workers get going
    victim = sorted(pids.values())[0]
    os.kill(victim, signal.SIGKILL)
    got = future.result(timeout=300)
    assert [r["line"] for r in got] == list(range(1, len(records) + 1)), "every line exactly once, in order"
    assert got == serial


def test_a_dask_dataframe_in_both_layouts(cluster: Any) -> None:
    import dask.dataframe as dd

    from suppcheck.dask import check_dataframe

    frame = dd.from_pandas(pd.DataFrame({"regimen": GOLDEN_JSON}), npartitions=3)
    got = check_dataframe(frame).compute()
    assert normalised(got.to_dict("records")) == normalised(list(screen(GOLDEN_JSON)))
    table = dd.from_pandas(pd.DataFrame(TABLE), npartitions=2)
    rows = check_dataframe(table).compute().sort_values("line")
    assert normalised(rows.to_dict("records")) == normalised(expected_for_table())


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_the_command_line_on_a_scheduler_and_two_worker_processes(tmp_path: Path) -> None:
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    started = [
        subprocess.Popen(
            [str(bin_dir / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
    ]
    try:
        for _ in range(2):
            started.append(
                subprocess.Popen(
                    [
                        str(bin_dir / "dask"),
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--host",
                        "127.0.0.1",
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    env=env,
                )
            )
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=60)
        path = batch_file(tmp_path, 200)
        rules = tmp_path / "clinic.json"
        rules.write_text(json.dumps({"references": []}), encoding="utf-8")
        local = tmp_path / "local.csv"
        remote = tmp_path / "remote.csv"
        common = ["check", "--batch", str(path), "--format", "summary-csv", "--rules", str(rules)]
        first = run([*common, "--output", str(local), "--workers", "1"], cwd=tmp_path)
        second = run([*common, "--output", str(remote), "--scheduler", address], cwd=tmp_path)
        assert (first.returncode, second.returncode) == (2, 2), second.stderr
        assert remote.read_bytes() == local.read_bytes()
        reader = csv.DictReader(io.StringIO(remote.read_text(encoding="utf-8")))
        rows = list(reader)
        assert [int(r["line"]) for r in rows] == list(range(1, 202))
        assert rows[13]["input_error"]
        assert rows[13]["id"] == "bad-13"
        assert rows[-1]["input_error"].startswith("not UTF-8 text")
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


def test_a_local_cluster_keeps_short_debug_logs_so_a_long_batch_stays_flat(monkeypatch: pytest.MonkeyPatch) -> None:
    # Dask keeps its last 1,000 messages per connection for debugging; ours hold a chunk of input each,
    # so a million-line batch grew the client to 593 MiB and each worker to 210 MiB before this.
    import dask
    import distributed

    from suppcheck import _batch

    seen: list[object] = []
    real_client = distributed.Client

    def client(*args: Any, **kwargs: Any) -> Any:
        made = real_client(*args, **kwargs)
        seen.append(dask.config.get("distributed.admin.low-level-log-length"))
        seen.append(sorted(made.run(lambda: dask.config.get("distributed.admin.low-level-log-length")).values()))
        return made

    monkeypatch.setattr(distributed, "Client", client)
    stream = io.BytesIO("".join(line + "\n" for line in lines(20)).encode())
    options = _batch.Options(extra=(), fail_on=Severity.MAJOR, allow_unknown=False, min_severity=Severity.INFO)
    results = list(_batch._results_on_cluster(stream, options, "local", 2))
    assert sum(len(r.outcomes) for r in results) == 20
    assert seen == [_batch.DASK_LOG_LENGTH, [_batch.DASK_LOG_LENGTH] * 2]
    assert dask.config.get("distributed.admin.low-level-log-length") == 1000  # the caller's config is back
