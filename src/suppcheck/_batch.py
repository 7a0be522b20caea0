"""``suppcheck check --batch``: one regimen per JSONL line in, one report per line out.

The input is streamed: lines are read in chunks, at most a few chunks per
worker are in flight, and results are written as soon as the oldest chunk is
done, so memory stays flat however long the file is and the output keeps the
input order.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from ._errors import SuppcheckError
from ._outcome import report_exit_code, visible, worst_exit_code
from ._severity import Severity

if TYPE_CHECKING:
    from concurrent.futures import Future

    from rich.progress import Progress

# Lines per task sent to a worker: enough that the parent process, which only
# reads lines and writes reports, stays a small share of a CPU. Each chunk's
# reports are held until written, so chunks in flight bound the memory: 256
# lines with two workers (128-line chunks, four per worker, cost 30 MiB more).
CHUNK_LINES = 64
CHUNKS_PER_WORKER = 2


@dataclass(frozen=True, slots=True)
class Options:
    """What every worker needs; picklable, so it can travel to worker processes."""

    extra: tuple[str, ...]
    fail_on: Severity
    allow_unknown: bool
    min_severity: Severity


@dataclass(frozen=True, slots=True)
class Result:
    line: int
    text: str  # the JSON record, without the newline
    code: int
    worst: Severity | None
    nbytes: int


def check_line(number: int, line: str, options: Options) -> Result:
    """Check one JSONL line; a bad line becomes an error record, never an exception."""
    from ._check import check
    from ._files import validate_document
    from ._kb.loader import load_knowledge

    nbytes = len(line.encode("utf-8"))
    try:
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise SuppcheckError(f"invalid JSON at column {exc.colno}: {exc.msg}") from None
        kb = load_knowledge(extra=options.extra) if options.extra else None
        report = check(validate_document(raw, source=f"line {number}", knowledge=kb), knowledge=kb)
    except SuppcheckError as exc:
        record: dict[str, Any] = {"line": number, "error": exc.problems[0], "problems": list(exc.problems)}
        return Result(number, json.dumps(record, ensure_ascii=False), 2, None, nbytes)
    except Exception as exc:  # a bug must not cost the other lines their reports
        problem = f"internal error: {type(exc).__name__}: {exc}"
        record = {"line": number, "error": problem, "problems": [problem]}
        return Result(number, json.dumps(record, ensure_ascii=False), 2, None, nbytes)
    shown = visible(report, options.min_severity).model_dump(mode="json")
    code = report_exit_code(report, fail_on=options.fail_on, allow_unknown=options.allow_unknown)
    text = json.dumps({"line": number, **shown}, ensure_ascii=False)
    return Result(number, text, code, report.max_severity, nbytes)


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """A chunk's reports as one text, so a worker sends one string, not a result per line."""

    text: str  # the JSON records, one line each
    outcomes: tuple[tuple[int, str | None], ...]  # per line: exit code, worst severity (None: none)
    nbytes: int  # input bytes, blank lines included


def check_chunk(chunk: list[tuple[int, str]], options: Options, skipped: int = 0) -> ChunkResult:
    results = [check_line(number, line, options) for number, line in chunk]
    return ChunkResult(
        "\n".join([*(r.text for r in results), ""]),
        tuple((r.code, r.worst.value if r.worst else None) for r in results),
        skipped + sum(r.nbytes for r in results),
    )


def _chunks(stream: IO[str], size: int) -> Iterator[tuple[list[tuple[int, str]], int]]:
    """Non-blank lines with their 1-based numbers, ``size`` at a time, plus the bytes skipped."""
    chunk: list[tuple[int, str]] = []
    skipped = 0
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            skipped += len(line.encode("utf-8"))
            continue
        chunk.append((number, line))
        if len(chunk) >= size:
            yield chunk, skipped
            chunk, skipped = [], 0
    if chunk or skipped:
        yield chunk, skipped


def _results(stream: IO[str], options: Options, workers: int) -> Iterator[ChunkResult]:
    """Each chunk's reports, in input order."""
    if workers <= 1:
        for chunk, skipped in _chunks(stream, CHUNK_LINES):
            yield check_chunk(chunk, options, skipped)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # forkserver: forking a process that may hold threads (progress bar, pytest) can deadlock.
    method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
    context = multiprocessing.get_context(method)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        pending: deque[Future[ChunkResult]] = deque()
        for chunk, skipped in _chunks(stream, CHUNK_LINES):
            pending.append(pool.submit(check_chunk, chunk, options, skipped))
            while len(pending) >= workers * CHUNKS_PER_WORKER:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


@dataclass
class Summary:
    lines: int = 0
    errors: int = 0
    code: int = 0

    def __post_init__(self) -> None:
        self.worst: Counter[str] = Counter()

    def add(self, chunk: ChunkResult) -> None:
        self.lines += len(chunk.outcomes)
        for code, worst in chunk.outcomes:
            if code == 2:
                self.errors += 1
            else:
                self.worst[worst or "none"] += 1
        self.code = worst_exit_code(self.code, *(code for code, _ in chunk.outcomes))

    def text(self) -> str:
        order = [s.value for s in reversed(Severity)] + ["none"]
        counts = ", ".join(f"{key} {self.worst[key]}" for key in order)
        checked = self.lines - self.errors
        return f"batch: {self.lines} lines, {checked} checked, {self.errors} errors; worst severity: {counts}"


def run(path: str, *, output: str | None, workers: int, options: Options) -> int:
    """Check every line of ``path`` (``-``: standard input); return the exit code."""
    from contextlib import ExitStack

    with ExitStack() as files:
        source = sys.stdin if path == "-" else files.enter_context(open(path, encoding="utf-8"))
        sink = sys.stdout if output is None else files.enter_context(open(output, "w", encoding="utf-8"))
        summary = _stream(source, sink, options, workers, total=None if path == "-" else _size(path))
    print(summary.text(), file=sys.stderr)
    return 2 if summary.errors else summary.code


def _size(path: str) -> int | None:
    import os

    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _stream(source: IO[str], sink: IO[str], options: Options, workers: int, *, total: int | None) -> Summary:
    summary = Summary()
    progress = _progress(total) if sys.stderr.isatty() else None
    try:
        for chunk in _results(source, options, workers):
            sink.write(chunk.text)
            summary.add(chunk)
            if progress is not None and chunk.nbytes:
                progress.advance(progress.task_ids[0], chunk.nbytes)
    finally:
        if progress is not None:
            progress.stop()
    sink.flush()
    return summary


def _progress(total: int | None) -> Progress:
    """A bar over the bytes read (the line count is unknown until the end), on standard error."""
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("checking"),
        BarColumn(),
        DownloadColumn(),
        TimeRemainingColumn(),
        console=Console(file=sys.stderr),
        transient=True,
    )
    bar.add_task("batch", total=total)
    bar.start()
    return bar
