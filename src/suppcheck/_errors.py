r"""Exceptions raised by suppcheck.

Clinical findings are never raised: they are returned as values in a
:class:`~suppcheck.Report`. Exceptions mean the input or the knowledge base
could not be used at all::

    SuppcheckError
    ├── InputError (also a ValueError)   bad regimen: nothing was checked
    └── KnowledgeBaseError               bad knowledge-base or extra-rules file

    SuppcheckWarning (a UserWarning)     something was set aside and the check went on
                                         without it (an unsafe knowledge-base cache)

Both carry ``problems``: one line per problem, each starting with the path to
the offending field (``regimen[2].amount: ...`` or ``rules[41].references[0]:
...``), and :meth:`~SuppcheckError.errors`: the same problems for a program,
each a mapping with ``loc`` (the path as a tuple), ``type`` (a stable code
such as ``unit_not_applicable``), ``msg`` and ``input``, in the shape of
pydantic's ``ValidationError.errors()``. Control characters in a problem (a newline in a field name, an escape
sequence in a value) are shown escaped, as ``\n`` or ``\x1b``, so that no
input can forge a line of its own or drive the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple, TypedDict

# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    r"""``text`` with every control character written as an escape, on one line.

    >>> print(escape_controls("name\nregimen[0]: forged\x1b[31m"))
    name\nregimen[0]: forged\x1b[31m
    """
    return _CONTROL.sub(_escaped, text) if _CONTROL.search(text) else text


class ErrorDetails(TypedDict):
    """One problem for a program: the shape of an item of pydantic's ``ValidationError.errors()``."""

    loc: tuple[int | str, ...]
    """Where: the path to the field (``("regimen", 2, "amount")``); empty for the document as a whole."""
    type: str
    """What kind of problem: a stable code (``unit_not_applicable``, ``json_invalid``, ``missing``)."""
    msg: str
    """The message, for a person."""
    input: Any
    """The value that was refused, where there is one (None otherwise)."""


class Problem(NamedTuple):
    """One problem, as raised: its message, its type code, and where it is.

    ``where`` is ``loc`` written for a reader, naming entries by their
    substance (``regimen[2] (magnesium).amount``); without it ``loc`` is
    written plainly.

    >>> Problem("unknown unit 'mgg'", "unit_unknown", ("regimen", 0, "amount")).line()
    "regimen[0].amount: unknown unit 'mgg'"
    """

    msg: str
    type: str = "invalid"
    loc: tuple[int | str, ...] = ()
    input: Any = None
    where: str | None = None

    def line(self) -> str:
        """The problem as one ``path: message`` line."""
        where = self.where if self.where is not None else loc_text(self.loc)
        return f"{where}: {self.msg}" if where else self.msg


def loc_text(loc: Sequence[int | str]) -> str:
    """A path tuple as text: ``("regimen", 2, "amount")`` is ``regimen[2].amount``.

    >>> loc_text(("profile", "medications", 1, "name"))
    'profile.medications[1].name'
    """
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


class SuppcheckError(Exception):
    """Base class of every exception suppcheck raises on purpose.

    ``problems`` may be lines of text or :class:`Problem` values; a line of
    text is a problem of type ``invalid`` whose path, if any, is in its text.
    """

    def __init__(self, problems: str | Problem | Sequence[str | Problem], *, source: str | None = None) -> None:
        given = (problems,) if isinstance(problems, str | Problem) else tuple(problems)
        self._details = tuple(Problem(escape_controls(p)) if isinstance(p, str) else _escaped_problem(p) for p in given)
        self.problems: tuple[str, ...] = tuple(escape_controls(p.line()) for p in self._details)
        self.source = escape_controls(source) if source else source
        prefix = f"{self.source}: " if self.source else ""
        super().__init__("\n".join(prefix + p for p in self.problems))

    def errors(self) -> list[ErrorDetails]:
        """The problems for a program: ``loc``, ``type``, ``msg`` and ``input`` each, in order.

        >>> from suppcheck import InputError
        >>> InputError(Problem("field is required", "missing", ("regimen",))).errors()
        [{'loc': ('regimen',), 'type': 'missing', 'msg': 'field is required', 'input': None}]
        """
        return [ErrorDetails(loc=p.loc, type=p.type, msg=p.msg, input=p.input) for p in self._details]

    @property
    def details(self) -> tuple[Problem, ...]:
        """The problems as :class:`Problem` values."""
        return self._details

    def with_source(self, source: str) -> SuppcheckError:
        """The same error, each problem prefixed with ``source`` (a file name)."""
        return type(self)(self._details, source=source)


def _escaped_problem(problem: Problem) -> Problem:
    where = escape_controls(problem.where) if problem.where is not None else None
    return problem._replace(msg=escape_controls(problem.msg), where=where)


class InputError(SuppcheckError, ValueError):
    """A regimen file or mapping is malformed; nothing was checked."""


class KnowledgeBaseError(SuppcheckError):
    """The knowledge base (or an extra rules file) is invalid."""


class SuppcheckWarning(UserWarning):
    """Something suppcheck set aside so that a result stays right, such as an unsafe knowledge-base cache.

    A warning never changes a result: the cache it names is simply not used.
    """


class OutputError(Exception):
    """Reports could not be written (an unwritable file, a full disk, a closed pipe).

    Not a :class:`SuppcheckError`: the input was fine, and the command line
    exits 74 (``EX_IOERR``) rather than 2.
    """

    def __init__(self, target: str, error: OSError) -> None:
        self.target = target
        self.reason = error.strerror or str(error)
        self.broken_pipe = isinstance(error, BrokenPipeError)
        super().__init__(f"cannot write {target}: {self.reason}")
