"""Every reader of untrusted bytes, as one function each: the fuzzer's and the property tests' targets.

The first byte of an input picks the reader, the rest is the reader's
input. A target returns normally or raises one of :data:`ALLOWED`; any other
exception is a bug (the fuzzer reports it as a crash).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from suppcheck import InputError, KnowledgeBaseError, RegimenFile, check, load_regimen, read_regimen
from suppcheck._batch import Options, check_line
from suppcheck._kb import loader
from suppcheck._severity import Severity

ALLOWED: tuple[type[Exception], ...] = (InputError, KnowledgeBaseError)
OPTIONS = Options((), Severity.MAJOR, False, Severity.INFO)
_FOLDER: list[Path] = []


def _folder() -> Path:
    """A temporary folder for the file target, made on first use and removed at exit."""
    if not _FOLDER:
        import atexit
        import shutil

        _FOLDER.append(Path(tempfile.mkdtemp(prefix="suppcheck-fuzz-")))
        atexit.register(shutil.rmtree, _FOLDER[0], ignore_errors=True)
    return _FOLDER[0]


def _checked(regimen: RegimenFile) -> None:
    report = check(regimen)
    json.loads(report.model_dump_json())


def model_validate_json(data: bytes) -> None:
    _checked(RegimenFile.model_validate_json(data))


def json_text(data: bytes) -> None:
    _checked(read_regimen(data, format="json", name="fuzz.json"))


def yaml_text(data: bytes) -> None:
    _checked(read_regimen(data, format="yaml", name="fuzz.yaml"))


def file(data: bytes) -> None:
    """load_regimen on a file, YAML or JSON by the input's parity."""
    path = _folder() / ("fuzz.yaml" if len(data) % 2 else "fuzz.json")
    path.write_bytes(data)
    _checked(load_regimen(path))


def standard_input(data: bytes) -> None:
    """The command line's reader of standard input (JSON, else YAML)."""
    from suppcheck._cli import _read

    saved = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")
    try:
        _checked(_read("-", None))
    finally:
        sys.stdin = saved


def batch_line(data: bytes) -> None:
    """A batch line never raises: it becomes a report or an error record, never an internal error."""
    result = check_line(3, data.replace(b"\n", b" ") + b"\n", OPTIONS)
    record = json.loads(result.data)
    assert record["line"] == 3
    if "error" in record:
        assert not record["error"].startswith("internal error"), record["error"]
        assert result.code == 2


_BUNDLED: list[tuple[str, object]] = []


def rules_file(data: bytes) -> None:
    """An extra rules file over the bundled knowledge base."""
    parsed = loader._decode(data, "fuzz-rules.json")
    if not _BUNDLED:
        path = loader.bundled_path()
        _BUNDLED.append((str(path), loader.read_file(path)))
    loader.build([_BUNDLED[0], ("fuzz-rules.json", parsed)])  # type: ignore[list-item]


def _every_regimen(data: bytes, fmt: str | None) -> None:
    from suppcheck import read_regimens

    for read in read_regimens(data, format=fmt, name="fuzz"):
        if read.regimen is not None:
            _checked(read.regimen)
        else:
            assert isinstance(read.error, InputError)


def csv_text(data: bytes) -> None:
    """A CSV export: one regimen per id, each checked or refused on its own."""
    _every_regimen(data, "csv")


def jsonl_text(data: bytes) -> None:
    """JSON lines read as one file (not the batch path): one regimen per line."""
    _every_regimen(data, "jsonl")


def sniffed(data: bytes) -> None:
    """Bytes of no stated format: the content chooses the reader."""
    _every_regimen(data, None)


TARGETS: tuple[Callable[[bytes], None], ...] = (
    model_validate_json,
    json_text,
    yaml_text,
    file,
    standard_input,
    batch_line,
    rules_file,
    csv_text,
    jsonl_text,
    sniffed,
)


def run_one(data: bytes) -> None:
    """Feed ``data[1:]`` to the reader that ``data[0]`` picks; only the allowed errors may escape."""
    if not data:
        return
    target = TARGETS[data[0] % len(TARGETS)]
    with contextlib.suppress(ALLOWED):
        target(data[1:])
