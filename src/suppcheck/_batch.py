"""``suppcheck check --batch``: one regimen per JSONL line in, one report per line out.

The input is streamed: lines are read in chunks, at most a few chunks per
worker are in flight, and results are written as soon as the oldest chunk is
done, so memory stays flat however long the file is and the output keeps the
input order.

Lines travel as bytes: each worker decodes its own lines and encodes its
reports, so the parent process, which has no CPU of its own to spare when
every worker is busy, only moves bytes (a report is about 20 KB).

With several workers, each chunk's reports (about 1.5 MB) come back through
a file in a private temporary folder, which the parent reads and deletes,
rather than through the pool's pipe, which pickles them, copies them through
a 64 KB pipe and makes each side wait on the other. Measured over 20,000
lines: two workers together used 14-24% more CPU than one worker alone
before, 1-4% after, and the parent a quarter less. At most
the chunks in flight are on disk at once (up to about 12 MB with two
workers); where no folder or file can be made, the reports come through the
pipe instead.
"""

from __future__ import annotations

import functools
import json
import sys
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import IO, TYPE_CHECKING, Any, BinaryIO

from ._errors import OutputError, SuppcheckError
from ._outcome import report_exit_code, visible, worst_exit_code
from ._reading import configured_limits
from ._severity import Severity

if TYPE_CHECKING:
    import datetime
    from concurrent.futures import Future, ProcessPoolExecutor
    from contextlib import ExitStack

    from rich.progress import Progress

    from ._readers import Document
    from ._report import Report
    from ._screen import Shape

# Lines per task sent to a worker: enough that the parent process, which only
# reads lines and writes reports, stays a small share of a CPU. Chunks in
# flight wait in their workers' files, not in memory, so each worker can have
# four: a worker that finishes early takes the next chunk instead of waiting
# for the oldest one to be written.
CHUNK_LINES = 64
CHUNKS_PER_WORKER = 4
# On a Dask cluster every task also costs the scheduler and the client a round trip, and on one machine
# they share its cores with the workers: fewer, larger tasks leave the workers more of them.
CLUSTER_CHUNK_LINES = 256
DASK_LOG_LENGTH = 16


# What a batch can write: full reports, or the flat screening rows of :mod:`._screen`.
FORMATS = ("jsonl", "summary-csv", "summary-parquet", "findings-csv", "findings-parquet")


@dataclass(frozen=True, slots=True)
class Options:
    """What every worker needs; picklable, so it can travel to worker processes."""

    extra: tuple[str, ...]
    fail_on: Severity
    allow_unknown: bool
    min_severity: Severity
    output: str = "jsonl"  # one of FORMATS
    # The rules files' (name, bytes), for workers on a cluster that does not share this file system.
    extra_files: tuple[tuple[str, bytes], ...] = ()
    # The lines are a CSV export's regimens as JSON (see table_lines), some of them problems to report.
    table: bool = False
    # FHIR lines: the date that turns a birthDate into an age (None: today).
    as_of: datetime.date | None = None

    @property
    def shape(self) -> Shape:
        """The screening shape the output format writes: ``person`` for summaries, ``finding`` for findings."""
        return "person" if self.output.startswith("summary") else "finding"

    @property
    def parquet(self) -> bool:
        """Whether the output format is Parquet (written by pyarrow)."""
        return self.output.endswith("parquet")


@dataclass(frozen=True, slots=True)
class Result:
    """One batch line checked: its number, its JSON record, its exit code, worst severity and input size."""

    line: int
    data: bytes  # the JSON record in UTF-8, without the newline
    code: int
    worst: Severity | None
    nbytes: int


def checked_line(number: int, line: bytes, options: Options) -> Report | list[str]:
    """The report of one JSONL line, or its problems; never an exception."""
    from ._check import check
    from ._files import validate_document
    from ._kb.loader import load_knowledge
    from ._reading import loads_json, too_large

    limits = configured_limits()
    try:
        # The line's own end is not part of the document: without it an error at the
        # end of a truncated line is reported at its true column, not at "column 1".
        content = line.rstrip(b"\r\n")
        if len(content) > limits.max_bytes:
            raise SuppcheckError(too_large(limits.max_bytes))
        raw = loads_json(content, source=None, limits=limits, error=SuppcheckError, one_line=True)
        if options.table and isinstance(raw, dict) and TABLE_PROBLEMS in raw:
            return [str(p) for p in raw[TABLE_PROBLEMS]]
        if options.extra_files:
            from .dask import knowledge_from_files

            kb = knowledge_from_files(options.extra_files)
        else:
            kb = load_knowledge(extra=options.extra) if options.extra else None
        regimen = validate_document(raw, source=f"line {number}", knowledge=kb, as_of=options.as_of)
        return check(regimen, knowledge=kb)
    except SuppcheckError as exc:
        return list(exc.problems)
    except Exception as exc:  # a bug must not cost the other lines their reports
        return [f"internal error: {type(exc).__name__}: {exc}"]


def check_line(number: int, line: bytes, options: Options) -> Result:
    """Check one JSONL line; a bad line becomes an error record, never an exception."""
    nbytes = len(line)
    report = checked_line(number, line, options)
    if isinstance(report, list):
        return Result(number, _error_record(number, report, line), 2, None, nbytes)
    code = report_exit_code(report, fail_on=options.fail_on, allow_unknown=options.allow_unknown)
    # pydantic's own JSON writer, with "line" spliced in first: a fifth of the time of
    # model_dump(mode="json") and json.dumps, and the report is most of a batch's output.
    shown = visible(report, options.min_severity).model_dump_json().encode("utf-8")
    return Result(number, b'{"line":%d,%s' % (number, shown[1:]), code, report.max_severity, nbytes)


def _error_record(number: int, problems: Sequence[str], line: bytes = b"") -> bytes:
    from ._screen import _id_of

    record: dict[str, object] = {"line": number}
    ident = _id_of(line) if line else None
    if ident is not None:
        record["id"] = ident  # so that an error, too, joins back to the caller's record
    record.update(error=problems[0], problems=list(problems))
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True, slots=True)
class ChunkResult:
    """A chunk's reports as one text, so a worker sends one string, not a result per line."""

    data: bytes  # the JSON records, one line each, in UTF-8 (empty while spooled)
    outcomes: tuple[tuple[int, str | None], ...]  # per line: exit code, worst severity (None: none)
    nbytes: int  # input bytes, blank lines included
    spooled: str | None = None  # the file holding ``data``, when a worker left it there
    lost: int = 0  # lines given an error record because their worker process kept stopping


def check_chunk(chunk: list[tuple[int, bytes]], options: Options, skipped: int = 0) -> ChunkResult:
    """Check a chunk of numbered lines in order; a bad line becomes its error record, never an exception."""
    if options.output != "jsonl":
        return screen_chunk(chunk, options, skipped)
    results = [check_line(number, line, options) for number, line in chunk]
    return ChunkResult(
        b"\n".join([*(r.data for r in results), b""]),
        tuple((r.code, r.worst.value if r.worst else None) for r in results),
        skipped + sum(r.nbytes for r in results),
    )


def screen_chunk(chunk: list[tuple[int, bytes]], options: Options, skipped: int = 0) -> ChunkResult:
    """A chunk's screening rows, as CSV lines or one Arrow IPC stream (the parent writes the Parquet file)."""
    from ._screen import rows_of

    rows: list[dict[str, object]] = []
    outcomes: list[tuple[int, str | None]] = []
    nbytes = skipped
    for number, line in chunk:
        nbytes += len(line)
        report = checked_line(number, line, options)
        if isinstance(report, list):
            rows.extend(error_rows(options.shape, number, line, report[0]))
            outcomes.append((2, None))
            continue
        rows.extend(rows_of(visible(report, options.min_severity), line=number, shape=options.shape))
        code = report_exit_code(report, fail_on=options.fail_on, allow_unknown=options.allow_unknown)
        outcomes.append((code, report.max_severity.value if report.max_severity else None))
    return ChunkResult(encode_rows(rows, options), tuple(outcomes), nbytes)


def error_rows(shape: Shape, number: int, line: bytes, problem: str) -> list[dict[str, object]]:
    """The row a line that could not be checked keeps its place with, its ``id`` where one can be read."""
    from ._screen import _error_rows, _id_of

    return list(_error_rows(shape, number, _id_of(line), problem))


def encode_rows(rows: list[dict[str, object]], options: Options) -> bytes:
    """Rows as CSV lines (lists joined with ``;``, no header), or for Parquet as JSON lines of row objects.

    The Parquet file's Arrow batches are built by the process that writes it,
    with Arrow's own JSON reader: a worker that built them would import
    pyarrow and carry it for the rest of its life.
    """
    from ._screen import columns

    if options.parquet:
        return b"".join(
            json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n" for row in rows
        )
    names = [name for name, _, _ in columns(options.shape)]
    import csv
    import io

    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    for row in rows:
        out.writerow(_cell(row[name]) for name in names)
    return text.getvalue().encode("utf-8")


def _cell(value: object) -> object:
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def check_chunk_spooled(
    chunk: list[tuple[int, bytes]], options: Options, skipped: int, spool: str | None
) -> ChunkResult:
    """:func:`check_chunk` in a worker, with the reports left in a new file in ``spool`` (if any)."""
    import os
    import tempfile

    done = check_chunk(chunk, options, skipped)
    if spool is None:
        return done
    try:
        handle, path = tempfile.mkstemp(dir=spool, suffix=".jsonl")
    except OSError:
        return done  # no room or no folder: through the pipe after all
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(done.data)
    except OSError:
        os.unlink(path)
        return done
    return ChunkResult(b"", done.outcomes, done.nbytes, spooled=path)


def spool_folder(stack: ExitStack) -> str | None:
    """A private temporary folder for the workers' reports, removed with ``stack``; None if none can be made."""
    import tempfile

    try:
        return stack.enter_context(tempfile.TemporaryDirectory(prefix="suppcheck-batch-", ignore_cleanup_errors=True))
    except OSError:
        return None  # the reports come back through the pipe


def unspooled(done: ChunkResult) -> ChunkResult:
    """The result with its reports read back from the worker's file, which is deleted."""
    if done.spooled is None:
        return done
    import os

    with open(done.spooled, "rb") as spooled:
        data = spooled.read()
    os.unlink(done.spooled)
    return ChunkResult(data, done.outcomes, done.nbytes, lost=done.lost)


# A chunk also ends once its lines add up to this many bytes, so that the chunks
# in flight stay a few megabytes however long the lines are.
CHUNK_BYTES = 1 << 20


# The key under which a CSV regimen that could not be read carries its problems; no cell can write a key.
TABLE_PROBLEMS = "\0problems"


class NumberedLines:
    """Lines that carry their own numbers: a CSV export's regimens, each at the row where its id first appears."""

    def __init__(self, items: Iterable[tuple[int, bytes]]) -> None:
        self.items = items


def table_lines(path: str) -> NumberedLines:
    """A CSV export's regimens as JSON lines numbered by row (the header is row 1), the whole file grouped first.

    A regimen whose cells cannot be read keeps its row, as a line that carries
    its problems (under :data:`TABLE_PROBLEMS`) and its id.
    """
    from ._readers import decode
    from ._readers.csv import READER

    with open(path, "rb") as handle:
        text = decode(handle.read(), source=path)
    # The file as a whole is not bounded by max_bytes (a batch may be any size); each regimen is, by the reader.
    limits = configured_limits()

    return NumberedLines(numbered_lines(READER.documents(text, source=path, limits=limits)))


def numbered_lines(documents: Iterable[Document]) -> Iterator[tuple[int, bytes]]:
    """A table's documents as JSON lines at their rows; one that could not be read carries its problems and id."""
    for document in documents:
        assert document.line is not None
        if document.error is not None:
            record: dict[str, object] = {TABLE_PROBLEMS: list(document.error.problems)}
            if document.id is not None:
                record["id"] = document.id
        else:
            record = document.raw
        yield document.line, json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parquet_input(path: str) -> bool:
    """Whether the batch reads ``path`` as a Parquet file (by its suffix, as CSV is known by its own)."""
    return path != "-" and path.lower().endswith(".parquet")


def _chunks(stream: Iterable[bytes] | NumberedLines, size: int) -> Iterator[tuple[list[tuple[int, bytes]], int]]:
    """Non-blank lines with their 1-based numbers, ``size`` at a time, plus the bytes skipped.

    A blank line (only spaces and line ends) holds no regimen and gets no
    record: its number is skipped, so every record still carries the number of
    its own line.
    """
    chunk: list[tuple[int, bytes]] = []
    skipped = 0
    held = 0
    numbered = (
        stream.items
        if isinstance(stream, NumberedLines)
        else enumerate(_bounded_lines(stream, configured_limits().max_bytes), start=1)
    )
    for number, line in numbered:
        if not line.strip():
            skipped += len(line)
            continue
        chunk.append((number, line))
        held += len(line)
        if len(chunk) >= size or held >= CHUNK_BYTES:
            yield chunk, skipped
            chunk, skipped, held = [], 0, 0
    if chunk or skipped:
        yield chunk, skipped


def _bounded_lines(stream: Iterable[bytes], limit: int) -> Iterator[bytes]:
    """The stream's lines, each cut after ``limit`` bytes and a few more.

    The rest of a longer line is read and dropped a block at a time, never
    held (check_line reports the line as too long).
    """
    readline = getattr(stream, "readline", None)
    if readline is None:
        yield from stream
        return
    keep = limit + 2  # room for the line's own "\r\n"
    while True:
        line: bytes = readline(keep + 1)
        if not line:
            return
        if len(line) > keep and not line.endswith(b"\n"):
            while True:
                rest: bytes = readline(1 << 16)
                if not rest or rest.endswith(b"\n"):
                    break
        yield line


def _results_on_cluster(
    stream: Iterable[bytes] | NumberedLines, options: Options, scheduler: str, workers: int
) -> Iterator[ChunkResult]:
    """Each chunk's reports, in input order, computed on a Dask ``distributed`` cluster.

    ``scheduler`` is a scheduler's address (``tcp://HOST:PORT``) or ``local``
    for a :class:`distributed.LocalCluster` of ``workers`` processes. A worker
    lost mid-run costs nothing: the scheduler runs its chunks again elsewhere.
    """
    from contextlib import ExitStack

    import dask
    from distributed import Client, LocalCluster

    with ExitStack() as stack:
        # Dask keeps its last messages and transitions for debugging, 1,000 of each by default; ours
        # carry a chunk of input (a few hundred KB), so the client, the scheduler and each worker grew by
        # hundreds of MB over a long batch. The config reaches a LocalCluster's workers through their nannies.
        stack.enter_context(dask.config.set({"distributed.admin.low-level-log-length": DASK_LOG_LENGTH}))
        if scheduler == "local":
            cluster = stack.enter_context(
                LocalCluster(  # type: ignore[no-untyped-call]
                    n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0"
                )
            )
            client = stack.enter_context(Client(cluster))  # type: ignore[no-untyped-call]
        else:
            client = stack.enter_context(Client(scheduler, timeout="30s"))  # type: ignore[no-untyped-call]
        in_flight = max(len(client.scheduler_info().get("workers", {})), 1) * CHUNKS_PER_WORKER
        pending: deque[Future[ChunkResult]] = deque()
        for chunk, skipped in _chunks(stream, CLUSTER_CHUNK_LINES):
            pending.append(client.submit(check_chunk, chunk, options, skipped, pure=False))
            while len(pending) >= in_flight:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def _results(
    stream: Iterable[bytes] | NumberedLines,
    options: Options,
    workers: int,
    warn: Callable[[str], None],
    scheduler: str | None = None,
) -> Iterator[ChunkResult]:
    """Each chunk's reports, in input order, whatever happens to the worker processes."""
    if scheduler is not None:
        yield from _results_on_cluster(stream, options, scheduler, workers)
        return
    if workers <= 1:
        for chunk, skipped in _chunks(stream, CHUNK_LINES):
            yield check_chunk(chunk, options, skipped)
        return
    from contextlib import ExitStack

    with ExitStack() as stack:
        spool = spool_folder(stack)
        # Left before the folder is removed: every worker has stopped by then.
        pool = stack.enter_context(_Pool(workers, spool, options, warn))
        pending: deque[_Task] = deque()
        for chunk, skipped in _chunks(stream, CHUNK_LINES):
            pending.append(pool.submit(chunk, skipped))
            while len(pending) >= workers * CHUNKS_PER_WORKER:
                yield pool.result(pending)
        while pending:
            yield pool.result(pending)


# A chunk in flight when a worker process is lost is checked again in a fresh pool; one
# lost with its worker this many times is checked in a worker of its own, and where that
# stops too, line by line, which shows the line that stops it (one that crashes the
# interpreter) and checks all the others.
LOSSES_BEFORE_ALONE = 2
# Workers checking on their own that may stop in a row before the batch gives up on
# worker processes (they cannot start, or every line stops them): the remaining lines
# get error records. One bad line costs two in a row (its chunk's, then its own).
ALONE_FAILURES_BEFORE_GIVING_UP = 16
LOST = (
    "not checked: the worker process checking this line stopped abruptly, "
    "also when it was checked on its own (it may crash the interpreter)"
)
GAVE_UP = "not checked: worker processes kept stopping abruptly, so the batch stopped checking"


@dataclass(slots=True)
class _Task:
    chunk: list[tuple[int, bytes]]
    skipped: int
    future: Future[ChunkResult] | None  # None: to be checked on its own
    losses: int = 0


class _Pool:
    """A process pool that survives the loss of a worker process.

    ``concurrent.futures`` fails every chunk in flight once one worker is
    gone; the chunks that had not come back are then checked again by a
    fresh pool, and a chunk lost repeatedly is checked on its own.
    """

    def __init__(self, workers: int, spool: str | None, options: Options, warn: Callable[[str], None]) -> None:
        import multiprocessing

        # forkserver: forking a process that may hold threads (progress bar, pytest) can deadlock.
        method = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"
        self._context = multiprocessing.get_context(method)
        if method == "forkserver":
            # Workers forked from a server that loaded the knowledge base share its pages.
            self._context.set_forkserver_preload(["suppcheck._forkserver"])
        self._workers = workers
        self._spool = spool
        self._options = options
        self._warn = warn
        self._alone_failures = 0
        self._gave_up = False
        self._pool = self._new_pool(workers)

    def __enter__(self) -> _Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        from concurrent.futures import ProcessPoolExecutor

        return ProcessPoolExecutor(max_workers=workers, mp_context=self._context)

    def _submit(self, task: _Task) -> None:
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool

        try:
            task.future = self._pool.submit(check_chunk_spooled, task.chunk, self._options, task.skipped, self._spool)
        except BrokenProcessPool as exc:
            # A worker was lost since the last result came in: this chunk is checked
            # again, with the others, when its turn comes.
            failed: Future[ChunkResult] = Future()
            failed.set_exception(exc)
            task.future = failed

    def submit(self, chunk: list[tuple[int, bytes]], skipped: int) -> _Task:
        task = _Task(chunk, skipped, None)
        if not self._gave_up:
            self._submit(task)
        return task

    def result(self, pending: deque[_Task]) -> ChunkResult:
        """The oldest chunk's reports (taken off ``pending``), once they are in."""
        from concurrent.futures.process import BrokenProcessPool

        while True:
            task = pending[0]
            if self._gave_up and not (task.future is not None and _came_back(task.future)):
                pending.popleft()
                return _not_checked(task.chunk, task.skipped, GAVE_UP)
            if task.future is None:
                pending.popleft()
                return self._alone(task.chunk, task.skipped)
            try:
                done = task.future.result()
            except BrokenProcessPool:
                self._restart(pending)
                continue
            pending.popleft()
            return unspooled(done)

    def _restart(self, pending: deque[_Task]) -> None:
        """A worker was lost: a fresh pool checks again every chunk that had not come back."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool = self._new_pool(self._workers)
        lost = [t for t in pending if t.future is not None and not _came_back(t.future)]
        for task in lost:
            task.losses += 1
            if task.losses >= LOSSES_BEFORE_ALONE:
                task.future = None
            else:
                self._submit(task)
        if lost:
            first, last = lost[0].chunk, lost[-1].chunk
            span = f"lines {first[0][0]}-{last[-1][0]}" if first and last else "some lines"
            self._warn(
                f"batch: a worker process stopped abruptly; checking {span} again "
                f"({len(lost)} chunk{'s' if len(lost) != 1 else ''}) in fresh worker processes"
            )

    def _alone(self, chunk: list[tuple[int, bytes]], skipped: int) -> ChunkResult:
        """The chunk checked in a worker of its own; where that worker stops too, line by line."""
        from concurrent.futures.process import BrokenProcessPool

        if self._gave_up:
            return _not_checked(chunk, skipped, GAVE_UP)
        try:
            with self._new_pool(1) as alone:
                done = unspooled(alone.submit(check_chunk_spooled, chunk, self._options, skipped, self._spool).result())
        except BrokenProcessPool:
            self._stopped()
        else:
            self._alone_failures = 0
            return done
        # One line at a time in one worker, so that a worker that stops names its line;
        # a fresh worker after each loss, none for the lines that pass.
        parts: list[ChunkResult] = []
        pool: ProcessPoolExecutor | None = None
        try:
            for index, (number, line) in enumerate(chunk):
                before = skipped if index == 0 else 0
                if self._gave_up:
                    parts.append(_not_checked([(number, line)], before, GAVE_UP))
                    continue
                pool = pool or self._new_pool(1)
                try:
                    result = pool.submit(check_chunk_spooled, [(number, line)], self._options, before, self._spool)
                    parts.append(unspooled(result.result()))
                except BrokenProcessPool:
                    pool.shutdown(wait=True, cancel_futures=True)
                    pool = None
                    self._warn(f"batch: line {number} stops the worker process checking it; it is not checked")
                    parts.append(_not_checked([(number, line)], before, LOST))
                    self._stopped()
                else:
                    self._alone_failures = 0
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        return functools.reduce(_joined, parts) if parts else _not_checked([], skipped, LOST)

    def _stopped(self) -> None:
        """A worker checking on its own stopped; too many in a row, and the batch gives up on workers."""
        self._alone_failures += 1
        if self._alone_failures >= ALONE_FAILURES_BEFORE_GIVING_UP and not self._gave_up:
            self._gave_up = True
            self._warn("batch: worker processes keep stopping abruptly; the remaining lines are not checked")


def _came_back(future: Future[ChunkResult]) -> bool:
    return future.done() and not future.cancelled() and future.exception() is None


def _not_checked(chunk: list[tuple[int, bytes]], skipped: int, reason: str) -> ChunkResult:
    """An error record for each line of a chunk that could not be checked."""
    data = b"".join(_error_record(number, [reason]) + b"\n" for number, _ in chunk)
    nbytes = skipped + sum(len(line) for _, line in chunk)
    return ChunkResult(data, tuple((2, None) for _ in chunk), nbytes, lost=len(chunk))


def _joined(first: ChunkResult, second: ChunkResult) -> ChunkResult:
    return ChunkResult(
        first.data + second.data,
        first.outcomes + second.outcomes,
        first.nbytes + second.nbytes,
        lost=first.lost + second.lost,
    )


@dataclass
class Summary:
    """What a batch did, counted as its chunks come back: lines, checks, errors and the worst severities."""

    lines: int = 0
    errors: int = 0
    code: int = 0
    lost: int = 0  # lines not checked because their worker process kept stopping

    def __post_init__(self) -> None:
        self.worst: Counter[str] = Counter()

    def add(self, chunk: ChunkResult) -> None:
        """Count one chunk's results."""
        self.lines += len(chunk.outcomes)
        self.lost += chunk.lost
        for code, worst in chunk.outcomes:
            if code == 2:
                self.errors += 1
            else:
                self.worst[worst or "none"] += 1
        self.code = worst_exit_code(self.code, *(code for code, _ in chunk.outcomes))

    def text(self) -> str:
        """The one-line summary printed on standard error at the end of a batch."""
        order = [s.value for s in reversed(Severity)] + ["none"]
        counts = ", ".join(f"{key} {self.worst[key]}" for key in order)
        checked = self.lines - self.errors
        lost = f" ({self.lost} of them not checked: their worker process stopped)" if self.lost else ""
        return f"batch: {self.lines} lines, {checked} checked, {self.errors} errors{lost}; worst severity: {counts}"


def run(path: str, *, output: str | None, workers: int, options: Options, scheduler: str | None = None) -> int:
    """Check every line of ``path`` (``-``: standard input); return the exit code.

    Raises :class:`~suppcheck._errors.OutputError` when the reports cannot be
    written (an unwritable ``output``, a full disk, a closed pipe).
    """
    from contextlib import ExitStack

    target = "standard output" if output is None else output
    total = None if path == "-" else _size(path)
    with ExitStack() as files:
        source: Iterable[bytes] | NumberedLines
        if parquet_input(path):
            from ._parquet_input import parquet_lines

            source, grouped = parquet_lines(path)
            options = replace(options, table=grouped)
            total = None  # the bar counts JSON bytes, which a compressed file's size does not foretell
        elif options.table:
            source = table_lines(path)
        else:
            source = _byte_lines(sys.stdin) if path == "-" else files.enter_context(open(path, "rb"))
        try:
            # Closed by the sink, so that a failure to write its last bytes is an output error too.
            out = _BytesTo(sys.stdout) if output is None else open(output, "wb")  # noqa: SIM115
        except OSError as exc:
            raise OutputError(target, exc) from None
        sink = _Sink(out, target)
        files.callback(sink.close)
        if options.output.endswith("csv"):
            sink.write(_csv_header(options))
        table = _ParquetFrom(out, options, target) if options.parquet else sink
        summary = _stream(source, table, options, workers, total=total, scheduler=scheduler)
    print(summary.text(), file=sys.stderr)
    return 2 if summary.errors else summary.code


def _byte_lines(stream: IO[str]) -> Iterable[bytes]:
    """The stream's lines as bytes: from its binary buffer where it has one (a replaced ``sys.stdin`` may not)."""
    buffer: Iterable[bytes] | None = getattr(stream, "buffer", None)
    return buffer if buffer is not None else (line.encode("utf-8") for line in stream)


def _csv_header(options: Options) -> bytes:
    from ._screen import columns

    return (",".join(name for name, _, _ in columns(options.shape)) + "\n").encode("utf-8")


class _ParquetFrom:
    """Writes each chunk's rows into one Parquet file, in input order.

    Chunks are small (a few dozen lines); their batches are gathered into row
    groups of at least ``ROW_GROUP`` rows, which Parquet stores and reads far
    better than one tiny group per chunk.
    """

    ROW_GROUP = 16_384

    def __init__(self, out: BinaryIO | _BytesTo, options: Options, target: str) -> None:
        import pyarrow.parquet as pq

        from ._screen import arrow_schema

        self._target = target
        self._pending: list[Any] = []
        self._rows = 0
        self._schema = arrow_schema(options.shape)
        try:
            self._writer = pq.ParquetWriter(out, self._schema, compression="zstd")
        except OSError as exc:
            raise OutputError(target, exc) from None

    def write(self, data: bytes) -> None:
        import io

        import pyarrow.json as pj

        if data:
            # Arrow's JSON reader, not pyarrow.array() over Python lists: that imports
            # pandas into the writing process the first time it runs.
            table = pj.read_json(
                io.BytesIO(data),
                read_options=pj.ReadOptions(use_threads=False, block_size=max(len(data), 1 << 20)),
                parse_options=pj.ParseOptions(explicit_schema=self._schema, unexpected_field_behavior="error"),
            )
            self._pending.append(table)
            self._rows += table.num_rows
        if self._rows >= self.ROW_GROUP:
            self._write_pending()

    def _write_pending(self) -> None:
        import pyarrow as pa

        if not self._pending:
            return
        try:
            self._writer.write_table(pa.concat_tables(self._pending))
        except OSError as exc:  # pyarrow's IO errors are OSErrors
            raise OutputError(self._target, exc) from None
        self._pending, self._rows = [], 0

    def flush(self) -> None:
        self._write_pending()
        try:
            self._writer.close()
        except OSError as exc:
            raise OutputError(self._target, exc) from None


class _BytesTo:
    """Writes bytes to a text stream: straight to its binary buffer where it has one."""

    def __init__(self, stream: IO[str]) -> None:
        stream.flush()  # what was printed before goes first
        self._stream = stream
        self._buffer: BinaryIO | None = getattr(stream, "buffer", None)

    def write(self, data: bytes) -> None:
        if self._buffer is not None:
            self._buffer.write(data)
        else:
            self._stream.write(data.decode("utf-8"))

    def flush(self) -> None:
        if self._buffer is not None:
            self._buffer.flush()
        self._stream.flush()

    def close(self) -> None:
        self.flush()  # standard output stays open


class _Sink:
    """Where the reports go: any failure to write them is an :class:`OutputError`, not an input error."""

    def __init__(self, out: BinaryIO | _BytesTo, target: str) -> None:
        self._out = out
        self._target = target
        self._closed = False

    def write(self, data: bytes) -> None:
        try:
            self._out.write(data)
        except OSError as exc:
            raise OutputError(self._target, exc) from None

    def flush(self) -> None:
        try:
            self._out.flush()
        except OSError as exc:
            raise OutputError(self._target, exc) from None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._out.close()  # a file's last bytes are written here: a full disk may show only now
        except OSError as exc:
            raise OutputError(self._target, exc) from None


def _size(path: str) -> int | None:
    import os

    try:
        return os.path.getsize(path)
    except OSError:
        return None


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _stream(
    source: Iterable[bytes] | NumberedLines,
    sink: _Sink | _ParquetFrom,
    options: Options,
    workers: int,
    *,
    total: int | None,
    scheduler: str | None = None,
) -> Summary:
    summary = Summary()
    progress = _progress(total) if sys.stderr.isatty() else None
    warn = _warn if progress is None else progress.console.print
    try:
        for chunk in _results(source, options, workers, warn, scheduler):
            sink.write(chunk.data)
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
