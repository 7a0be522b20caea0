"""Exceptions raised by suppcheck.

Clinical findings are never raised: they are returned as values in a
:class:`~suppcheck.Report`. Exceptions mean the input or the knowledge base
could not be used at all::

    SuppcheckError
    ├── InputError (also a ValueError)   bad regimen: nothing was checked
    └── KnowledgeBaseError               bad knowledge-base or extra-rules file

Both carry ``problems``: one line per problem, each starting with the path to
the offending field (``regimen[2].amount: ...`` or ``rules[41].references[0]:
...``).
"""

from __future__ import annotations

from collections.abc import Sequence


class SuppcheckError(Exception):
    """Base class of every exception suppcheck raises on purpose."""

    def __init__(self, problems: str | Sequence[str], *, source: str | None = None) -> None:
        self.problems: tuple[str, ...] = (problems,) if isinstance(problems, str) else tuple(problems)
        self.source = source
        prefix = f"{source}: " if source else ""
        super().__init__("\n".join(prefix + p for p in self.problems))

    def with_source(self, source: str) -> SuppcheckError:
        """The same error, each problem prefixed with ``source`` (a file name)."""
        return type(self)(self.problems, source=source)


class InputError(SuppcheckError, ValueError):
    """A regimen file or mapping is malformed; nothing was checked."""


class KnowledgeBaseError(SuppcheckError):
    """The knowledge base (or an extra rules file) is invalid."""


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
