"""Batch runs that lose a worker process, or cannot write their reports.

Worker processes are found through ``/proc`` (with the forkserver start
method they are the batch process's grandchildren) and killed for real. A
line that stops its worker every time is made by a ``sitecustomize`` module
that only these tests put on ``PYTHONPATH``: it wraps the workers'
``check_line`` so that a line holding a marker kills its own process, as a
line that crashed the interpreter would. Nothing in suppcheck itself knows
about it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from suppcheck import Severity, _batch

from .test_cli import CLEAN, CLEAN_ENV, OVER_UL, cli, run

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")

MARKER = "stops-its-worker"


def lines_of(count: int) -> list[str]:
    return [json.dumps(OVER_UL if i % 5 == 0 else CLEAN) for i in range(count)]


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid``, from /proc."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue  # gone meanwhile
        # The second field (the command) may hold spaces and parentheses; the parent id follows its last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry))
    return found


def records(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_a_batch_survives_a_worker_killed_mid_run(tmp_path: Path) -> None:
    lines = lines_of(2500)
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    common = [sys.executable, "-m", "suppcheck", "check", "--batch", "in.jsonl", "--workers", "2"]
    clean = run([*common[3:], "--output", "clean.jsonl"], cwd=tmp_path)
    assert clean.returncode == 1, clean.stderr

    out = tmp_path / "killed.jsonl"
    batch = subprocess.Popen(
        [*common, "--output", out.name], cwd=tmp_path, env=CLEAN_ENV, stderr=subprocess.PIPE, text=True
    )
    killed = None
    try:
        while killed is None and batch.poll() is None:
            # A worker that has already sent reports back: the run is under way, not starting.
            workers = [w for child in children(batch.pid) for w in children(child)]
            if workers and out.exists() and out.stat().st_size > 0:
                killed = workers[0]
                os.kill(killed, signal.SIGKILL)
            else:
                time.sleep(0.005)
        assert killed is not None, "the batch ended before a worker could be killed"
        assert batch.poll() is None, "the kill came too late to test anything"
        _, stderr = batch.communicate(timeout=300)
    finally:
        if batch.poll() is None:
            batch.kill()
            batch.wait()
    assert batch.returncode == clean.returncode, stderr
    assert "a worker process stopped abruptly; checking lines " in stderr, stderr
    assert stderr.splitlines()[-1] == clean.stderr.splitlines()[-1]  # the same summary
    assert [r["line"] for r in records(out)] == list(range(1, len(lines) + 1))  # each line once, in order
    assert out.read_bytes() == (tmp_path / "clean.jsonl").read_bytes()


def crashing_site(folder: Path, *, every_line: bool = False) -> dict[str, str]:
    """The environment of a batch whose worker processes die on each line holding MARKER (or on every line)."""
    folder.mkdir()
    test = "True" if every_line else f"{MARKER.encode()!r} in line"
    (folder / "sitecustomize.py").write_text(
        textwrap.dedent(
            f"""\
            # Test-only: makes a line kill the worker process that checks it.
            import os
            import signal

            from suppcheck import _batch

            _check_line = _batch.check_line


            def check_line(number, line, options):
                if {test}:
                    os.kill(os.getpid(), signal.SIGKILL)
                return _check_line(number, line, options)


            _batch.check_line = check_line
            """
        ),
        encoding="utf-8",
    )
    return {"PYTHONPATH": os.pathsep.join([str(folder), *filter(None, [os.environ.get("PYTHONPATH")])])}


@pytest.mark.slow
def test_a_line_that_kills_its_worker_every_time_gets_an_error_record(tmp_path: Path) -> None:
    lines = lines_of(300)
    poison = {"profile": {"age": 40, "conditions": [MARKER]}, "regimen": [{"substance": "zinc", "amount": "5 mg"}]}
    for number in (70, 71, 200):
        lines[number - 1] = json.dumps(poison)
    lines[150] = ""  # a blank line keeps its number and gets no record
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = crashing_site(tmp_path / "site")
    result = run(["check", "--batch", "in.jsonl", "--workers", "2", "--output", "out.jsonl"], cwd=tmp_path, env=env)
    assert result.returncode == 2
    got = records(tmp_path / "out.jsonl")
    assert [r["line"] for r in got] == [n for n in range(1, 301) if n != 151]
    lost = [r for r in got if "error" in r]
    assert [r["line"] for r in lost] == [70, 71, 200]
    for record in lost:
        assert record["error"].startswith("not checked: the worker process checking this line stopped abruptly")
        assert record["problems"] == [record["error"]]
    checked = [r for r in got if "error" not in r]
    assert all(r["max_severity"] in ("info", "major") for r in checked)
    assert "batch: line 70 stops the worker process checking it; it is not checked" in result.stderr
    summary = result.stderr.splitlines()[-1]
    assert summary.startswith("batch: 299 lines, 296 checked, 3 errors (3 of them not checked: ")


@pytest.mark.slow
def test_a_batch_whose_workers_always_die_gives_up_with_a_record_for_every_line(tmp_path: Path) -> None:
    lines = lines_of(200)
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = crashing_site(tmp_path / "site", every_line=True)
    result = run(["check", "--batch", "in.jsonl", "--workers", "2", "--output", "out.jsonl"], cwd=tmp_path, env=env)
    assert result.returncode == 2
    got = records(tmp_path / "out.jsonl")
    assert [r["line"] for r in got] == list(range(1, 201))
    assert all(str(r["error"]).startswith("not checked: ") for r in got)
    assert "the remaining lines are not checked" in result.stderr
    assert result.stderr.splitlines()[-1].startswith("batch: 200 lines, 0 checked, 200 errors (200 of them not checked")


# -- reports that cannot be written --------------------------------------------------------


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_full_disk_is_an_output_error_not_an_input_error(tmp_path: Path, workers: str) -> None:
    (tmp_path / "in.jsonl").write_text("\n".join(lines_of(10)) + "\n", encoding="utf-8")
    to_file = run(["check", "--batch", "in.jsonl", "--workers", workers, "--output", "/dev/full"], cwd=tmp_path)
    assert to_file.returncode == 74
    assert to_file.stderr.splitlines() == ["suppcheck: cannot write /dev/full: No space left on device"]
    to_stdout = _to_a_full_disk(["check", "--batch", "in.jsonl", "--workers", workers], tmp_path)
    assert to_stdout.returncode == 74
    assert to_stdout.stderr.splitlines() == ["suppcheck: cannot write standard output: No space left on device"]


def _to_a_full_disk(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command line with its standard output on /dev/full, where every write fails with ENOSPC."""
    with open("/dev/full", "w") as full:
        return subprocess.run(
            [sys.executable, "-m", "suppcheck", *args],
            cwd=cwd,
            env=CLEAN_ENV,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )


@pytest.mark.parametrize("fmt", ["json", "table"])
def test_a_report_that_cannot_be_written_to_standard_output_exits_74(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "a.json").write_text(json.dumps(OVER_UL), encoding="utf-8")
    result = _to_a_full_disk(["check", "a.json", "--format", fmt], tmp_path)
    assert result.returncode == 74
    assert result.stderr.splitlines() == ["suppcheck: cannot write standard output: No space left on device"]


def test_an_unwritable_output_file_is_exit_74_and_names_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.jsonl").write_text(json.dumps(CLEAN) + "\n", encoding="utf-8")
    code, _, err = cli(capsys, "check", "--batch", "in.jsonl", "--workers", "1", "--output", "no/such/dir.jsonl")
    assert code == 74
    assert err.splitlines() == ["suppcheck: cannot write no/such/dir.jsonl: No such file or directory"]
    (tmp_path / "folder").mkdir()
    code, _, err = cli(capsys, "check", "--batch", "in.jsonl", "--workers", "1", "--output", "folder")
    assert code == 74
    assert err.splitlines() == ["suppcheck: cannot write folder: Is a directory"]
    # An unreadable input is still an input error.
    assert cli(capsys, "check", "--batch", "missing.jsonl", "--workers", "1")[0] == 2


def test_a_closed_pipe_loses_batch_reports_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text("\n".join(lines_of(400)) + "\n", encoding="utf-8")
    batch = subprocess.Popen(
        [sys.executable, "-m", "suppcheck", "check", "--batch", "in.jsonl", "--workers", "1"],
        cwd=tmp_path,
        env=CLEAN_ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert batch.stdout is not None
    batch.stdout.read(100)
    batch.stdout.close()  # the reader goes away with most reports unwritten
    _, stderr = batch.communicate(timeout=120)
    assert batch.returncode == 74
    assert stderr.decode().splitlines() == ["suppcheck: cannot write standard output: Broken pipe"]


class _Executor:
    """Runs each chunk at once in this process; the first pool made breaks after ``breaks_after`` submissions."""

    made = 0

    def __init__(self, breaks_after: int | None) -> None:
        self.breaks_after = breaks_after
        self.submitted = 0

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        from concurrent.futures.process import BrokenProcessPool

        self.submitted += 1
        if self.breaks_after is not None and self.submitted > self.breaks_after:
            raise BrokenProcessPool("a child process terminated abruptly")
        done: Future[Any] = Future()
        done.set_result(fn(*args))
        return done

    def shutdown(self, **_: object) -> None:
        pass

    def __enter__(self) -> _Executor:
        return self

    def __exit__(self, *_: object) -> None:
        pass


def test_a_pool_that_breaks_between_results_is_replaced_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    # The pool can break while chunks are being handed to it (a worker died since the last
    # result): that submission fails at once, and must be retried like a lost chunk.
    made: list[_Executor] = []

    def new_pool(self: object, workers: int) -> _Executor:
        made.append(_Executor(3 if not made else None))
        return made[-1]

    monkeypatch.setattr(_batch._Pool, "_new_pool", new_pool)
    monkeypatch.setattr(_batch, "CHUNK_LINES", 2)
    lines = [f"{json.dumps(CLEAN)}\n".encode() for _ in range(20)]
    warnings: list[str] = []
    options = _batch.Options((), Severity.MAJOR, False, Severity.INFO)
    chunks = list(_batch._results(iter(lines), options, 2, warnings.append))
    numbers = [json.loads(line)["line"] for chunk in chunks for line in chunk.data.splitlines()]
    assert numbers == list(range(1, 21))
    assert len(made) == 2  # the broken pool and its replacement
    assert any("checking lines " in w for w in warnings)
