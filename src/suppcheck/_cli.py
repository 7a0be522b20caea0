"""The ``suppcheck`` command line: a thin layer over the public API.

Start-up stays light: rich is imported only to print a table, yaml only to
read YAML, and ``--version`` reads the knowledge base's version without
building it.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._errors import InputError, KnowledgeBaseError, OutputError, Problem, SuppcheckError, escape_controls
from ._gcpause import resume_collection
from ._kb.paths import CACHE_ENV, bundled_path
from ._readers import STDIN, Read
from ._severity import Severity
from ._version import __version__

if TYPE_CHECKING:
    import datetime as dt

    from ._kb.base import KnowledgeBase
    from ._regimen import RegimenFile
    from ._report import Report

SEVERITIES = [s.value for s in Severity]
BATCH_TABLES = ("summary-csv", "summary-parquet", "findings-csv", "findings-parquet")
EX_INTERNAL = 70  # sysexits.h EX_SOFTWARE
EX_IOERR = 74  # sysexits.h: the output could not be written
# errno values of a write that failed for want of room or a working device: a report that was
# not written must not pass for an input error. (A closed pipe on standard output, as with
# `| head`, stays quiet, except in batch mode, where every line's report matters.)
_WRITE_FAILURES = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO})

MAIN_EPILOG = """\
exit codes:
  0  checked; no finding at or above --fail-on, every input recognized
  1  checked; at least one finding at or above --fail-on (default: major)
  2  input error: nothing was checked (batch: at least one line failed)
  3  checked, nothing at or above --fail-on, but some input not recognized
 74  the output could not be written (unwritable --output, full disk, closed pipe)

examples:
  suppcheck check patient.yaml
  suppcheck schedule patient.yaml
  suppcheck explain ul.magnesium
  suppcheck lookup "magnesium citrate"
"""

CHECK_EPILOG = """\
examples:
  suppcheck check patient.yaml
  suppcheck check a.yaml b.json --format json --fail-on moderate
  cat patient.json | suppcheck check - --format markdown
  suppcheck check --batch regimens.jsonl --workers 4 --output reports.jsonl
  suppcheck check bundle.json --as-of 2026-06-01 --format fhir

FILE is YAML (.yaml/.yml) or JSON; '-' reads standard input (JSON, else YAML);
a FHIR R4 JSON document (a Bundle, a resource or a list of resources, known
by its resourceType) is read as the regimen it describes (docs/fhir.md);
a folder stands for the .yaml, .yml and .json files directly inside it.
--format json prints one report, or an array for several files; with several
files each record has a "source" field, and a file that failed keeps its
place as {"source": ..., "error": ..., "problems": [...]}.
Batch mode reads one JSON regimen per line and writes one JSON record per
non-blank line, in input order, each with a "line" field (its line number in
the input); a bad line gives {"line": N, "error": ..., "problems": [...]} and
the others are still checked. A blank line holds no regimen and gets no record.
A worker process that is lost is replaced and its lines checked again; a line
that stops its worker every time gets an error record ("not checked: ...").
A failure to write the reports exits 74, not 2.

limits (on every file, standard input and batch line; a larger input is an
input error naming the limit): max_bytes=1000000 per file or line,
max_depth=64 levels of nesting, max_entries=1000 regimen entries,
max_items=1000 items per list or keys per mapping, max_string=2000 characters,
max_values=100000 values per document (YAML aliases counted each time used).
Raise them with SUPPCHECK_LIMITS, e.g. SUPPCHECK_LIMITS=max_bytes=5000000,max_entries=5000
"""


SCHEDULE_EPILOG = """\
examples:
  suppcheck schedule patient.yaml
  suppcheck schedule patient.yaml --format ics > supplements.ics
  suppcheck schedule patient.yaml --format json --prefer own-times

Medications keep the times the profile gives; supplement doses move, between
wake and bedtime on a 15-minute grid, to keep every separation window, timing
rule and per-dose limit of the checker. Exit 0 when every rule is kept, 1 when
some could not be (each is named, with why), 2 on an input error.
"""


def _severity(text: str) -> Severity:
    try:
        return Severity(text.strip().lower())
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid severity {text!r} (choose from {', '.join(SEVERITIES)})") from None


def _date(text: str) -> dt.date:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _workers(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"--workers needs a whole number of at least 1, not {text!r}")
    return value


class _Version(argparse.Action):
    """``--version``: the knowledge-base version is read lazily, only when asked."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        print(f"suppcheck {__version__} (knowledge base {_kb_version()})")
        parser.exit(0)


def _kb_version() -> str:
    # A plain json read: building the knowledge base would validate every record.
    try:
        raw = json.loads(bundled_path().read_text(encoding="utf-8"))
        return str(raw.get("knowledge_version") or "unversioned") if isinstance(raw, dict) else "unreadable"
    except (OSError, ValueError):
        return "unreadable"


def _command(
    subparsers: Any, name: str, help_text: str, epilog: str, func: Callable[[argparse.Namespace], int] | None
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=help_text, description=help_text, epilog=epilog, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.set_defaults(parser=parser)
    if func is not None:
        parser.set_defaults(func=func)
    return parser


def _rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        action="append",
        default=[],
        metavar="EXTRA.json",
        help="an extra rules file merged over the bundled knowledge base (repeatable)",
    )


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser; given ``argv`` naming a command, with only that command's subparser.

    Building every subparser is a few milliseconds of a cold start that uses one.
    """
    parser = argparse.ArgumentParser(
        prog="suppcheck",
        description="Check dietary-supplement regimens against a sourced knowledge base.",
        epilog=MAIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_Version, help="print the version and the knowledge-base version")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    named = argv[0] if argv else None
    for name, add in _COMMANDS.items():
        if named not in _COMMANDS or name == named:
            add(commands)
    return parser


def _add_check(commands: Any) -> None:
    p = _command(commands, "check", "check regimen files and print a report", CHECK_EPILOG, cmd_check)
    p.add_argument("files", nargs="*", metavar="FILE", help="regimen file (YAML or JSON), or '-' for standard input")
    p.add_argument(
        "--format",
        choices=["table", "json", "jsonl", "markdown", "html", "fhir", *BATCH_TABLES],
        help="output format (default: table); html is one self-contained printable page; fhir is a FHIR R4 Bundle "
        "of DetectedIssue, one per finding; with --batch: jsonl "
        "(default, full reports) or a flat table, summary-csv|summary-parquet (a row per regimen) or "
        "findings-csv|findings-parquet (a row per finding)",
    )
    p.add_argument(
        "--fail-on",
        type=_severity,
        default=Severity.MAJOR,
        metavar="SEVERITY",
        help="exit 1 at or above this (default: major)",
    )
    p.add_argument(
        "--min-severity",
        type=_severity,
        default=Severity.INFO,
        metavar="SEVERITY",
        help="hide findings below this (exit codes still count them)",
    )
    p.add_argument("--allow-unknown", action="store_true", help="exit 0 instead of 3 when some input is not recognized")
    p.add_argument(
        "--as-of",
        type=_date,
        metavar="YYYY-MM-DD",
        help="FHIR input: the date that turns birthDate into an age, and of each DetectedIssue (default: today)",
    )
    _rules_option(p)
    p.add_argument(
        "--batch",
        metavar="FILE.jsonl",
        help="check one JSON regimen per line ('-': standard input), or the regimens of a CSV export or a Parquet file",
    )
    p.add_argument(
        "--workers",
        type=_workers,
        default=os.cpu_count() or 1,
        metavar="N",
        help="batch: parallel processes (default: CPU count)",
    )
    p.add_argument("--output", metavar="OUT.jsonl", help="batch: write the reports here instead of standard output")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="batch: run on a Dask cluster: a scheduler's tcp://HOST:PORT, or 'local' for a local cluster of "
        "--workers processes (needs suppcheck[dask])",
    )


def _add_schedule(commands: Any) -> None:
    p = _command(
        commands,
        "schedule",
        "plan a daily timetable that keeps every separation and timing rule",
        SCHEDULE_EPILOG,
        cmd_schedule,
    )
    p.add_argument("file", metavar="FILE", help="regimen file (YAML or JSON), or '-' for standard input")
    p.add_argument(
        "--format",
        choices=["table", "json", "ics", "html"],
        default="table",
        help="output format (default: table); html is a printable patient handout",
    )
    p.add_argument(
        "--prefer",
        choices=["fewest-times", "own-times"],
        default="fewest-times",
        help="after breaking the fewest rules: fewest times a day first (default), or the regimen's own times first",
    )
    _rules_option(p)


def _add_explain(commands: Any) -> None:
    p = _command(
        commands,
        "explain",
        "explain a rule, limit or finding code: what it covers, why, and its sources",
        "examples:\n  suppcheck explain ul.magnesium\n  suppcheck explain input.missing_age --format json\n",
        cmd_explain,
    )
    p.add_argument("rule_id", metavar="RULE_ID", help="a rule id, limit id (ul.magnesium) or finding code")
    _text_or_json(p)
    _rules_option(p)


def _text_or_json(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for a person (default), or json: the records (documented in docs/report-format.md)",
    )


def _add_lookup(commands: Any) -> None:
    p = _command(
        commands,
        "lookup",
        "what the knowledge base holds on a substance, form, medication, class or condition",
        'examples:\n  suppcheck lookup magnesium\n  suppcheck lookup "magnesium citrate"\n'
        "  suppcheck lookup Lasix --format json\n",
        cmd_lookup,
    )
    p.add_argument("name", metavar="NAME", help="any name or synonym, any case")
    _text_or_json(p)
    _rules_option(p)


def _add_kb(commands: Any) -> None:
    p = _command(
        commands,
        "kb",
        "knowledge-base statistics and validation",
        "examples:\n  suppcheck kb stats --format json\n  suppcheck kb validate my-rules.json\n",
        None,  # its subcommands run
    )
    kb_commands = p.add_subparsers(dest="kb_command", metavar="KB_COMMAND", required=True)
    s = _command(
        kb_commands,
        "stats",
        "count what the knowledge base holds",
        "example:\n  suppcheck kb stats --format json\n",
        cmd_kb_stats,
    )
    s.add_argument("--format", choices=["table", "json"], default="table", help="output format (default: table)")
    _rules_option(s)
    s = _command(
        kb_commands,
        "validate",
        "validate the bundled knowledge base, a full knowledge-base file, or an extra rules file",
        "examples:\n  suppcheck kb validate\n  suppcheck kb validate my-rules.json\n",
        cmd_kb_validate,
    )
    s.add_argument(
        "file", nargs="?", metavar="FILE", help="a knowledge-base or extra rules file (default: the bundled one)"
    )
    s = _command(
        kb_commands,
        "cache",
        "show or clear the cache of validated knowledge bases",
        "The cache keeps each knowledge base that passed validation, keyed on its files' bytes, so that\n"
        f"later commands need not validate it again. {CACHE_ENV} moves it; set empty, it is off.\n\n"
        "examples:\n  suppcheck kb cache\n  suppcheck kb cache --clear\n",
        cmd_kb_cache,
    )
    s.add_argument("--clear", action="store_true", help="remove every cached knowledge base")


def _add_serve(commands: Any) -> None:
    p = _command(
        commands,
        "serve",
        "run the CDS Hooks service (needs suppcheck[server])",
        "examples:\n  suppcheck serve\n  suppcheck serve --host 0.0.0.0 --issuers issuers.json "
        "--public-url https://cds.example.org\n\nWithout --issuers the service listens on loopback only and "
        "authenticates no call. See docs/server.md.\n",
        cmd_serve,
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    _rules_option(p)
    p.add_argument(
        "--min-severity",
        type=_severity,
        default=Severity.MODERATE,
        metavar="SEVERITY",
        help="cards for findings at or above this (default: moderate)",
    )
    p.add_argument(
        "--issuers",
        metavar="ISSUERS.json",
        help="trusted CDS clients: a JSON list of {issuer, jwks_file | jwks_url}; their JWTs are required",
    )
    p.add_argument("--public-url", metavar="URL", help="the service's base URL as the EHR calls it (the JWT audience)")
    p.add_argument(
        "--cors-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a browser origin allowed to call ('*' for any; repeatable)",
    )
    p.add_argument("--max-body-bytes", type=_workers, default=1_000_000, metavar="N", help="default: 1000000")
    p.add_argument(
        "--fetch-timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="each call to an EHR's FHIR server (default: 5)",
    )
    p.add_argument("--allow-http-fhir", action="store_true", help="allow a plain-http fhirServer off loopback")
    p.add_argument("--log-patient-ids", action="store_true", help="name the patient id in each request's log line")
    p.add_argument("--workers", type=_workers, default=1, metavar="N", help="worker processes (default: 1)")


_COMMANDS: dict[str, Callable[[Any], None]] = {
    "check": _add_check,
    "schedule": _add_schedule,
    "explain": _add_explain,
    "lookup": _add_lookup,
    "kb": _add_kb,
    "serve": _add_serve,
}


# -- errors ----------------------------------------------------------------------


def _error(line: str) -> None:
    # A file name or a value may hold a newline or an escape sequence: one line each, printed inert.
    print(escape_controls(line), file=sys.stderr)


def _show_warning(message: Warning | str, category: type[Warning], *args: object, **kwargs: object) -> None:
    """A warning as one line on standard error: ``suppcheck: warning: ...``."""
    _error(f"suppcheck: warning: {message}")


def _report_error(exc: SuppcheckError, source: str | None = None, rename: dict[str, str] | None = None) -> None:
    """One line per problem, each naming the file it is about."""
    rename = rename or {}
    prefix = rename.get(exc.source, exc.source) if exc.source else source
    for problem in exc.problems:
        for long, short in rename.items():
            if problem.startswith(f"{long}: "):
                problem = f"{short}: {problem[len(long) + 2 :]}"
                break
        else:
            if prefix:
                problem = f"{prefix}: {problem}"
        _error(problem)


def _knowledge(extra: Sequence[str]) -> KnowledgeBase | None:
    """The knowledge base with extra rules, or None for the bundled one (loaded on first use)."""
    from ._kb.loader import load_knowledge

    if not extra:
        return None
    try:
        return load_knowledge(extra=extra)
    except KnowledgeBaseError as exc:
        rename = {str(Path(p).resolve()): p for p in extra}
        _report_error(exc, None, rename)
        raise SystemExit(2) from None


def _need_frames(parser: argparse.ArgumentParser, what: str) -> None:
    """Stop with a clear message when pyarrow (the ``frames`` extra) is not installed."""
    import importlib.util

    if importlib.util.find_spec("pyarrow") is None:
        parser.error(f"{what} needs pyarrow: pip install 'suppcheck[frames]'")


# -- check -----------------------------------------------------------------------


def _source(name: str) -> str | bytes:
    """A file name, or standard input's bytes, read no further than the limit: a stream may be endless."""
    from ._reading import configured_limits, too_large

    if name != "-":
        return name
    limits = configured_limits()
    buffer = getattr(sys.stdin, "buffer", None)
    data: bytes = (
        buffer.read(limits.max_bytes + 1)
        if buffer is not None
        else sys.stdin.read(limits.max_bytes + 1).encode("utf-8", "surrogatepass")
    )
    if len(data) > limits.max_bytes:
        raise InputError(Problem(too_large(limits.max_bytes), "too_large"), source=STDIN)
    return data


def _reads(name: str, kb: KnowledgeBase | None, as_of: dt.date | None = None) -> Iterator[Read]:
    """Every regimen in one file (or standard input): one for YAML or JSON, one per line or id for JSONL or CSV."""
    from ._readers import read_regimens
    from ._reading import configured_limits

    source = _source(name)
    label = STDIN if name == "-" else name
    yield from read_regimens(source, name=label, knowledge=kb, limits=configured_limits(), as_of=as_of)


def _read(name: str, kb: KnowledgeBase | None, as_of: dt.date | None = None) -> RegimenFile:
    from ._readers import read_regimen
    from ._reading import configured_limits

    label = STDIN if name == "-" else name
    return read_regimen(_source(name), name=label, knowledge=kb, limits=configured_limits(), as_of=as_of)


def _check(regimen: RegimenFile, kb: KnowledgeBase | None, source: str) -> Report:
    from ._check import check

    try:
        return check(regimen, knowledge=kb)
    except InputError as exc:
        raise exc.with_source(source) from None


def cmd_check(args: argparse.Namespace) -> int:
    """``suppcheck check``: check files, folders or standard input, or a whole batch; returns the exit code."""
    from ._reading import configured_limits

    configured_limits()  # a bad SUPPCHECK_LIMITS is one usage error, before any file
    if args.batch is not None:
        return _check_batch(args)
    if not args.files:
        args.parser.error("give at least one FILE (or '-' for standard input), or --batch")
    if args.format in BATCH_TABLES:
        args.parser.error(f"--format {args.format} is for --batch FILE.jsonl")
    if args.output is not None:
        args.parser.error("--output is for --batch; redirect standard output instead")
    if args.scheduler is not None:
        args.parser.error("--scheduler is for --batch")
    if args.files.count("-") > 1:
        args.parser.error("standard input ('-') can be read only once")
    args.files = _expand_folders(args.files)
    kb = _knowledge(args.rules)
    return _check_files(args, kb)


def _check_batch(args: argparse.Namespace) -> int:
    """``suppcheck check --batch``: one regimen a line (or a row), each checked and written as it is done."""
    from . import _batch

    if args.files:
        args.parser.error("give FILE... or --batch FILE.jsonl, not both")
    output = args.format or "jsonl"
    if output not in _batch.FORMATS:
        args.parser.error(f"--batch writes {', '.join(_batch.FORMATS)}, not {output}")
    if output.endswith("parquet"):
        _need_frames(args.parser, "--format " + output)
        if args.output is None:
            args.parser.error(f"--format {output} writes a binary file: give --output FILE.parquet")
    if _batch.parquet_input(args.batch):
        _need_frames(args.parser, "--batch FILE.parquet")
    _kb_or_bundled(args.rules)  # a broken knowledge base is reported once here, not once per line
    extra = tuple(str(Path(p).resolve()) for p in args.rules)  # worker processes need not share our cwd
    files: tuple[tuple[str, bytes], ...] = ()
    if args.scheduler is not None:
        import importlib.util

        if importlib.util.find_spec("distributed") is None:
            args.parser.error("--scheduler needs dask's distributed: pip install 'suppcheck[dask]'")
        # A cluster's workers need not share this file system: the rules travel as bytes.
        files = tuple((Path(p).name, Path(p).read_bytes()) for p in extra)
    from ._readers import format_of

    table = args.batch != "-" and format_of(args.batch) == "csv"
    options = _batch.Options(
        extra, args.fail_on, args.allow_unknown, args.min_severity, output, files, table, as_of=args.as_of
    )
    resume_collection()  # a batch runs long past start-up
    return _batch.run(args.batch, output=args.output, workers=args.workers, options=options, scheduler=args.scheduler)


REGIMEN_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl", ".ndjson", ".csv")


def _expand_folders(names: Sequence[str]) -> list[str]:
    """A folder stands for the regimen files directly inside it, in name order."""
    out: list[str] = []
    for name in names:
        path = Path(name)
        if name != "-" and path.is_dir():
            found = sorted(str(p) for p in path.iterdir() if p.suffix.lower() in REGIMEN_SUFFIXES and p.is_file())
            if not found:
                raise InputError("folder holds no .yaml, .yml, .json, .jsonl or .csv file", source=name)
            out.extend(found)
        else:
            out.append(name)
    return out


def _check_files(args: argparse.Namespace, kb: KnowledgeBase | None) -> int:
    from ._outcome import report_exit_code, worst_exit_code

    out = _Reports(args, kb)
    code = 0
    for position, name in enumerate(args.files):
        if position == 1:
            resume_collection()  # many files run long past start-up
        try:
            reads = list(_reads(name, kb, args.as_of))
        except InputError as exc:
            reads = [Read(STDIN if name == "-" else name, None, exc)]
        if not reads:
            label = STDIN if name == "-" else name
            reads = [Read(label, None, InputError(Problem("holds no regimen", "empty"), source=label))]
        out.several = out.several or len(reads) > 1
        for read in reads:
            source = read.label
            try:
                if read.error is not None:
                    raise read.error
                assert read.regimen is not None
                regimen = read.regimen
                report = _check(regimen, kb, source)
            except InputError as exc:
                _report_error(exc, source)
                code = worst_exit_code(code, 2)
                out.error(exc, source)
                continue
            code = worst_exit_code(
                code, report_exit_code(report, fail_on=args.fail_on, allow_unknown=args.allow_unknown)
            )
            out.report(report, regimen, source)
    out.finish()
    return code


class _Reports:
    """Where ``suppcheck check`` writes each file's report, in the format asked for."""

    def __init__(self, args: argparse.Namespace, kb: KnowledgeBase | None) -> None:
        self.args = args
        self.kb = kb
        self.fmt: str = args.format or "table"
        self.console: Any = None
        self.collected: list[dict[str, Any]] = []
        self.pages: list[tuple[str, Report]] = []
        # With several files each JSON record names its file, and a file that failed
        # keeps its place as an error record, so reports never shift onto another file.
        self.several = len(args.files) > 1
        self.number = 0

    def error(self, exc: InputError, source: str) -> None:
        """A file that could not be checked: an error record in its place, when JSON names the files."""
        if self.several and self.fmt in ("json", "jsonl"):
            record = {"source": source, "error": exc.problems[0], "problems": list(exc.problems)}
            if self.fmt == "json":
                self.collected.append(record)
            else:
                print(json.dumps(record, ensure_ascii=False))

    def report(self, report: Report, regimen: RegimenFile, source: str) -> None:
        """One file's report: printed now, or kept for :meth:`finish` (JSON, FHIR, HTML)."""
        from ._outcome import visible

        args, fmt = self.args, self.fmt
        if fmt == "fhir":
            from ._fhir.writer import detected_issues

            shown = visible(report, args.min_severity)
            self.collected.append(detected_issues(shown, regimen=regimen, as_of=args.as_of, knowledge=self.kb))
        elif fmt in ("json", "jsonl"):
            data = visible(report, args.min_severity).model_dump(mode="json")
            if self.several:
                data = {"source": source, **data}
            if fmt == "json":
                self.collected.append(data)
            else:
                print(json.dumps(data, ensure_ascii=False))
        elif fmt == "html":
            self.pages.append((source, report))
        elif fmt == "markdown":
            from ._render import render_markdown

            print(
                ("\n---\n\n" if self.number else "")
                + render_markdown(report, source=escape_controls(source), min_severity=args.min_severity),
                end="",
            )
        else:
            self._table(report, source)
        self.number += 1

    def _table(self, report: Report, source: str) -> None:
        from ._render import make_console, render_table

        if self.console is None:
            self.console = make_console(sys.stdout)
        elif self.number:
            self.console.print()
        render_table(self.console, report, source=escape_controls(source), min_severity=self.args.min_severity)

    def finish(self) -> None:
        """What is written once every file is read: the JSON or FHIR document, the HTML pages."""
        if self.fmt in ("json", "fhir") and (self.collected or self.several):
            print(json.dumps(self.collected if self.several else self.collected[0], indent=2, ensure_ascii=False))
        if self.pages:
            from ._html import html_reports

            sys.stdout.write(html_reports(self.pages, knowledge=self.kb, min_severity=self.args.min_severity))


# -- explain, lookup, kb ------------------------------------------------------------


def _kb_or_bundled(extra: Sequence[str]) -> KnowledgeBase:
    from ._kb.loader import load_knowledge

    return _knowledge(extra) or load_knowledge()


def cmd_schedule(args: argparse.Namespace) -> int:
    """``suppcheck schedule``: plan the day of one regimen and print it; 1 when some rule cannot be kept."""
    from ._plan import plan
    from ._plan.render import print_schedule
    from ._reading import configured_limits

    configured_limits()

    kb = _knowledge(args.rules)
    source = STDIN if args.file == "-" else args.file
    regimen = _read(args.file, kb)
    try:
        result = plan(regimen, knowledge=kb, prefer="own_times" if args.prefer == "own-times" else "fewest_times")
    except InputError as exc:
        raise exc.with_source(source) from None
    print_schedule(result, args.format, source=escape_controls(source), knowledge=kb)
    return 0 if result.all_satisfied else 1


def cmd_explain(args: argparse.Namespace) -> int:
    """``suppcheck explain``: a rule, limit or finding code in full, as text or JSON."""
    from ._describe import FINDING_CODES, close_matches, explain

    kb = _kb_or_bundled(args.rules)
    text = explain(kb, args.rule_id)
    if text is None:
        ids = [*kb.rules, *kb.limits, *kb.food_rules, *FINDING_CODES]
        hint = close_matches(args.rule_id, ids)
        suffix = f"; did you mean {', '.join(hint)}?" if hint else ""
        _error(f"suppcheck: no rule, limit or finding code {args.rule_id!r}{suffix}")
        if args.format == "json":
            print(json.dumps({"query": args.rule_id, "found": None, "suggestions": hint}, indent=2))
        return 2
    if args.format == "json":
        from ._describe import explain_data

        print(
            json.dumps({"query": args.rule_id, "found": explain_data(kb, args.rule_id)}, indent=2, ensure_ascii=False)
        )
        return 0
    print(text)
    return 0


def cmd_lookup(args: argparse.Namespace) -> int:
    """``suppcheck lookup``: what the knowledge base holds under a name, as text or JSON."""
    from ._describe import lookup, lookup_suggestions

    kb = _kb_or_bundled(args.rules)
    found = lookup(kb, args.name)
    if not found:
        from ._codes import parse_code

        coded = parse_code(args.name)
        if coded is not None:
            _error(f"suppcheck: no knowledge-base record has the code {coded[0]}|{coded[1]}")
            return 2
        hint = lookup_suggestions(kb, args.name)
        suffix = f"; did you mean {', '.join(repr(h) for h in hint)}?" if hint else ""
        _error(f"suppcheck: nothing named {args.name!r} in the knowledge base{suffix}")
        if args.format == "json":
            print(json.dumps({"query": args.name, "matches": [], "suggestions": hint}, indent=2))
        return 2
    if args.format == "json":
        from ._describe import lookup_data

        matches = lookup_data(kb, args.name)
        print(json.dumps({"query": args.name, "matches": matches}, indent=2, ensure_ascii=False))
        return 0
    print("\n\n".join(found))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """``suppcheck serve``: the CDS Hooks service and the check API, under uvicorn."""
    import importlib.util

    if any(importlib.util.find_spec(m) is None for m in ("starlette", "uvicorn", "httpx", "jwt")):
        args.parser.error("serve needs the server extra: pip install 'suppcheck[server]'")
    from .server._serve import read_issuers, serve

    settings: dict[str, Any] = {
        "rules": [str(Path(p).resolve()) for p in args.rules],
        "min_severity": args.min_severity.value,
        "public_url": args.public_url,
        "max_body_bytes": args.max_body_bytes,
        "cors_origins": args.cors_origin,
        "fetch_timeout": args.fetch_timeout,
        "allow_http_fhir": args.allow_http_fhir,
        "log_patient_ids": args.log_patient_ids,
    }
    if args.issuers:
        if not args.public_url:
            args.parser.error("--issuers needs --public-url: the JWT audience is the service's own URL")
        try:
            settings["trusted_issuers"] = read_issuers(args.issuers)
        except (OSError, ValueError) as exc:
            _error(f"suppcheck serve: {args.issuers}: {exc}")
            return 2
    _kb_or_bundled(args.rules)  # a bad rules file is reported here, as by every command
    try:
        from .server._app import create_app

        create_app(**settings)  # every setting checked before uvicorn starts
    except ValueError as exc:
        _error(f"suppcheck serve: {exc}")
        return 2
    return serve(host=args.host, port=args.port, workers=args.workers, settings=settings)


def cmd_kb_stats(args: argparse.Namespace) -> int:
    """``suppcheck kb stats``: the knowledge base's record counts and version."""
    from ._kb.loader import stats

    counts = stats(_kb_or_bundled(args.rules))
    if args.format == "json":
        print(json.dumps(counts, indent=2))
        return 0
    keys = [*counts, *(f"  {k}" for v in counts.values() if isinstance(v, dict) for k in v)]
    width = max(len(k) for k in keys) + 2
    for key, value in counts.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for sub, count in value.items():
                print(f"{'  ' + sub:<{width}}{count:>6}")
        else:
            print(f"{key:<{width}}{value:>6}" if isinstance(value, int) else f"{key:<{width}}{value}")
    return 0


def cmd_kb_validate(args: argparse.Namespace) -> int:
    """``suppcheck kb validate``: validate the bundled knowledge base, a full file or an extra rules file."""
    from ._kb.loader import build, read_file, stats

    name: str | None = args.file
    bundled = bundled_path()
    try:
        if name is None:
            kb = build([(str(bundled), read_file(bundled))])
        else:
            data = read_file(Path(name))
            standalone = data.knowledge_version is not None and bool(data.substances)
            files = [(name, data)] if standalone else [(str(bundled), read_file(bundled)), (name, data)]
            kb = build(files)
    except KnowledgeBaseError as exc:
        shown = name or str(bundled)
        _report_error(exc, shown, {shown: shown})
        return 2
    counts = stats(kb)
    summary = ", ".join(
        f"{counts[k]} {k.replace('_', ' ')}"
        for k in (
            "substances",
            "forms",
            "limits",
            "medications",
            "medication_classes",
            "conditions",
            "rules",
            "references",
        )
    )
    what = "extra rules on the bundled knowledge base" if name and len(kb.sources) > 1 else "knowledge base"
    print(f"OK: {name or bundled}: {what} {kb.version}: {summary}")
    return 0


def cmd_kb_cache(args: argparse.Namespace) -> int:
    """``suppcheck kb cache``: show or clear the validated knowledge bases kept between runs."""
    from ._kb import cache

    folder = cache.directory()
    if folder is None:
        print(f"the knowledge-base cache is off ({CACHE_ENV} is empty)")
        return 0
    if args.clear:
        print(f"{folder}: removed {cache.clear()} cached knowledge base(s)")
        return 0
    entries = cache.entries()
    size = sum(p.stat().st_size for p in entries)
    print(f"{folder}: {len(entries)} cached knowledge base(s), {size / 1024:.0f} KiB")
    return 0


# -- entry point --------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code (never raises, never prints a traceback)."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            argv = sys.argv[1:] if argv is None else argv
            args = build_parser(argv).parse_args(argv)
            code: int = args.func(args)
            try:
                sys.stdout.flush()
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise OutputError("standard output", exc) from None
            return code
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except KnowledgeBaseError as exc:
        _report_error(exc, str(bundled_path()))
        return 2
    except SuppcheckError as exc:
        _report_error(exc)
        return 2
    except OutputError as exc:
        return _cannot_write(exc)
    except BrokenPipeError:
        # The reader went away (| head): stop quietly, and keep Python from complaining at exit.
        _silence_stdout()
        return 1
    except OSError as exc:
        if exc.filename is None and exc.errno in _WRITE_FAILURES:
            return _cannot_write(OutputError("standard output", exc))
        where = f"{exc.filename}: " if exc.filename else ""
        _error(f"suppcheck: {where}{exc.strerror or exc}")
        return 2
    except KeyboardInterrupt:
        _error("suppcheck: interrupted")
        return 130
    except Exception as exc:
        _error(f"suppcheck: internal error: {type(exc).__name__}: {exc} (please report this)")
        return EX_INTERNAL


def _cannot_write(exc: OutputError) -> int:
    _error(f"suppcheck: {exc}")
    if exc.target == "standard output":
        _silence_stdout()  # what is still buffered would fail again at exit, with a traceback
    return EX_IOERR


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # no standard output to silence
