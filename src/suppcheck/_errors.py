"""Exceptions raised by suppcheck.

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
...``). Control characters in a problem (a newline in a field name, an escape
sequence in a value) are shown escaped, as ``\\n`` or ``\\x1b``, so that no
input can forge a line of its own or drive the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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


class SuppcheckError(Exception):
    """Base class of every exception suppcheck raises on purpose."""

    def __init__(self, problems: str | Sequence[str], *, source: str | None = None) -> None:
        given = (problems,) if isinstance(problems, str) else tuple(problems)
        self.problems: tuple[str, ...] = tuple(escape_controls(p) for p in given)
        self.source = escape_controls(source) if source else source
        prefix = f"{self.source}: " if self.source else ""
        super().__init__("\n".join(prefix + p for p in self.problems))

    def with_source(self, source: str) -> SuppcheckError:
        """The same error, each problem prefixed with ``source`` (a file name)."""
        return type(self)(self.problems, source=source)


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
