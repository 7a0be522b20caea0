"""One way in for every regimen: files, standard input and batch lines go through :func:`read_regimens`.

A reader is a small module behind :data:`READERS`: it turns decoded text
into regimen documents, each with its own label for messages
(``export.csv row 3 (m-1)``). The format is chosen by ``format=``, else by
the file's suffix, else by the content (:func:`sniff`). Every failure of
every reader is an :class:`~suppcheck.InputError` that names the source, and
its line or row where it has one; no other exception leaves a reader.

>>> from suppcheck import read_regimen
>>> read_regimen(b'{"regimen": [{"substance": "zinc", "amount": "15 mg"}]}').regimen[0].substance
'zinc'
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from os import PathLike, fspath
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from .._errors import InputError, Problem
from .._reading import DEFAULT_LIMITS, Limits, read_bounded

if TYPE_CHECKING:
    from .._kb.base import KnowledgeBase
    from .._regimen import RegimenFile

__all__ = [
    "READERS",
    "Document",
    "Read",
    "Reader",
    "decode",
    "format_of",
    "read_regimen",
    "read_regimens",
    "register",
    "sniff",
]

STDIN = "<stdin>"


class Document(NamedTuple):
    """One regimen as a reader found it: the decoded mapping, or why it could not be read."""

    label: str
    """Where it is, for messages: the file, and its line or row when the file holds several."""
    raw: Any
    """The decoded document (a mapping for a well-formed one); None when ``error`` is set."""
    error: InputError | None = None
    line: int | None = None
    """The 1-based line (JSONL) or row (CSV, the header being row 1) it starts on, when the file holds several."""
    id: str | None = None
    """The regimen's id where the reader knows it without validating (a CSV export's id column)."""


class Reader(Protocol):
    """A format: its name, the suffixes it owns, and how to split text into documents."""

    name: str
    suffixes: tuple[str, ...]
    many: bool
    """Whether one file holds many regimens (JSONL lines, CSV ids)."""

    def looks_like(self, text: str) -> bool:
        """Whether ``text`` (the start of a source of unknown format) is in this format."""
        ...

    def documents(self, text: str, *, source: str, limits: Limits) -> Iterator[Document]:
        """The source's documents, in order; a document that cannot be decoded carries its error."""
        ...


READERS: dict[str, Reader] = {}
"""Readers by name, in the order :func:`sniff` tries them."""


def register(reader: Reader) -> None:
    """Add (or replace) a reader, under its name."""
    READERS[reader.name] = reader


def _builtin() -> None:
    from . import csv as csv_reader
    from . import jsonl as jsonl_reader
    from . import structured

    builtin: tuple[Reader, ...] = (
        jsonl_reader.READER,
        structured.JSON,
        csv_reader.READER,
        structured.FHIR,
        structured.YAML,
    )
    for reader in builtin:
        READERS.setdefault(reader.name, reader)


def _readers() -> dict[str, Reader]:
    if not READERS or "yaml" not in READERS:
        _builtin()
    return READERS


class Read(NamedTuple):
    """One regimen read and validated, or the error that stopped it."""

    label: str
    regimen: RegimenFile | None
    error: InputError | None = None
    line: int | None = None


def format_of(name: str) -> str | None:
    """The reader that owns ``name``'s suffix, or None when the content must decide.

    >>> format_of("export.CSV"), format_of("a.yml"), format_of("notes.txt")
    ('csv', 'yaml', None)
    """
    lower = name.lower()
    for reader in _readers().values():
        if lower.endswith(reader.suffixes):
            return reader.name
    return None


def sniff(text: str) -> str:
    r"""The format of ``text`` by its content: JSON, JSON lines, CSV with a header, else YAML.

    >>> sniff('{"regimen": []}'), sniff('{"a": 1}\n{"b": 2}\n'), sniff("id,substance,amount\nm1,zinc,15 mg\n")
    ('json', 'jsonl', 'csv')
    """
    for reader in _readers().values():
        if reader.looks_like(text):
            return reader.name
    return "yaml"


def decode(data: bytes, *, source: str) -> str:
    """UTF-8 text (a byte-order mark allowed, as spreadsheet exports write one), or an InputError."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        problem = Problem(f"not UTF-8 text: {exc.reason} at byte {exc.start}", "not_utf8")
        raise InputError(problem, source=source) from None


def _label(source: str | PathLike[str] | bytes, name: str | None) -> str:
    """What messages call the source as a whole: ``name``, else the path, else standard input."""
    return name or (STDIN if isinstance(source, bytes | bytearray) else fspath(source))


def _source_text(source: str | PathLike[str] | bytes, name: str | None, limits: Limits) -> tuple[str, str]:
    label = _label(source, name)
    if isinstance(source, bytes | bytearray):
        if len(source) > limits.max_bytes:
            from .._reading import too_large

            raise InputError(Problem(too_large(limits.max_bytes), "too_large"), source=label)
        return label, decode(bytes(source), source=label)
    path = Path(source)
    if path.is_dir():
        raise InputError(Problem("is a directory, not a regimen file", "not_a_file"), source=label)
    return label, decode(read_bounded(path, limits.max_bytes), source=label)


def documents(
    source: str | PathLike[str] | bytes,
    *,
    format: str | None = None,
    name: str | None = None,
    limits: Limits | None = None,
) -> Iterator[Document]:
    """The documents of ``source`` (a path, or the bytes of a document named ``name``), decoded, not validated."""
    bound = limits or DEFAULT_LIMITS
    label, text = _source_text(source, name, bound)
    readers = _readers()
    chosen = format or format_of(label if not isinstance(source, bytes | bytearray) else (name or ""))
    if chosen is None:
        chosen = sniff(text)
    reader = readers.get(chosen)
    if reader is None:
        known = ", ".join(readers)
        raise InputError(Problem(f"unknown format {chosen!r} (known: {known})", "format_unknown"), source=label)
    return reader.documents(text, source=label, limits=bound)


def read_regimens(
    source: str | PathLike[str] | bytes,
    *,
    format: str | None = None,
    name: str | None = None,
    knowledge: KnowledgeBase | None = None,
    limits: Limits | None = None,
    as_of: date | None = None,
) -> Iterator[Read]:
    """Every regimen in ``source``, validated, in order: one for YAML or JSON, one per line or id for JSONL or CSV.

    A regimen that cannot be read or validated keeps its place as a
    :class:`Read` with ``error`` set; an error in the file as a whole (not
    found, not UTF-8, a CSV header naming an unknown column) is raised.
    """
    from .._files import validate_document

    for document in documents(source, format=format, name=name, limits=limits):
        if document.error is not None:
            yield Read(document.label, None, document.error, document.line)
            continue
        try:
            regimen = validate_document(document.raw, source=document.label, knowledge=knowledge, as_of=as_of)
        except InputError as exc:
            yield Read(document.label, None, exc, document.line)
            continue
        yield Read(document.label, regimen, None, document.line)


def read_regimen(
    source: str | PathLike[str] | bytes,
    *,
    format: str | None = None,
    name: str | None = None,
    knowledge: KnowledgeBase | None = None,
    limits: Limits | None = None,
    as_of: date | None = None,
) -> RegimenFile:
    """Read and validate the one regimen in ``source``: a path, or the bytes of a document.

    ``format`` is ``"yaml"``, ``"json"``, ``"jsonl"``, ``"csv"`` (or
    ``"fhir"``); by default the suffix decides, then the content. ``name``
    labels bytes in messages; ``as_of`` is the date that turns a FHIR
    ``birthDate`` into an age (default: today). A source that holds
    several regimens (a CSV export of many patients) is an error here: use
    :func:`read_regimens`. Raises :class:`~suppcheck.InputError` naming the
    source.
    """
    found: list[Read] = []
    for read in read_regimens(source, format=format, name=name, knowledge=knowledge, limits=limits, as_of=as_of):
        found.append(read)
        if len(found) > 1:
            raise InputError(
                Problem(
                    "holds more than one regimen: read it with read_regimens(), or check it with --batch",
                    "several_regimens",
                ),
                source=_label(source, name),
            )
    if not found:
        raise InputError(Problem("holds no regimen", "empty"), source=_label(source, name))
    read = found[0]
    if read.error is not None:
        raise read.error
    assert read.regimen is not None
    return read.regimen
