"""A cache of validated, cross-checked knowledge bases, keyed on the bytes they came from.

Validating and cross-checking the bundled file, and building the validators
that do it, is the largest part of a one-shot ``suppcheck check`` after
importing pydantic, so the result is pickled, with its indexes built, into the
user's cache directory and read back by the next process, as Python keeps
compiled bytecode. An entry is found only by a key computed from every file's
bytes, the source of the record models and the indexes, and the versions of
suppcheck, pydantic and Python: an edited file, a changed model or index, or
an upgrade is never served a stale entry, and a knowledge base with problems
is never stored.

``SUPPCHECK_CACHE_DIR`` moves the cache; set to an empty string, it turns the
cache off. The cache is best effort: an unreadable, torn or foreign entry is a
miss, and a directory that cannot be written is skipped, never an error.
Pickles are read only from this directory, which has the trust of the user's
own home (as ``__pycache__`` has).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .._version import __version__
from .base import KnowledgeBase
from .paths import CACHE_ENV

_PREFIX = "kb-"
_SUFFIX = ".pickle"
_KEEP = 8  # entries kept: the bundled file and a few sets of extra rules files
_PROTOCOL = 5  # pickle.HIGHEST_PROTOCOL on every supported Python
_FORMAT = b"suppcheck knowledge cache 2"  # 2: the knowledge base with its indexes


def directory() -> Path | None:
    """The cache directory, or ``None`` when caching is off."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen is not None:
        return Path(chosen) if chosen else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "suppcheck"


def key(contents: Sequence[bytes]) -> str | None:
    """The entry name for files with these contents, or ``None`` when it cannot be made safely."""
    sources = _model_sources()
    if sources is None:
        return None
    digest = _blake2b(digest_size=20)
    from pydantic.version import VERSION

    for part in (_FORMAT, __version__.encode(), VERSION.encode(), sys.version.encode(), *sources, *contents):
        # Each part with its length, so that no two sequences of parts hash alike by concatenation.
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def load(entry: str) -> KnowledgeBase | None:
    """The knowledge base stored under ``entry``; ``None`` on a miss of any kind."""
    folder = directory()
    if folder is None:
        return None
    try:
        data = (folder / f"{_PREFIX}{entry}{_SUFFIX}").read_bytes()
    except OSError:
        return None
    try:
        found = pickle.loads(data)
    except Exception:  # a torn or foreign file is a miss, whatever unpickling raised
        return None
    return found if isinstance(found, KnowledgeBase) else None


def store(entry: str, knowledge: KnowledgeBase) -> None:
    """Keep ``knowledge`` under ``entry``, atomically; keep only the most recent entries."""
    folder = directory()
    if folder is None:
        return
    import tempfile

    target = folder / f"{_PREFIX}{entry}{_SUFFIX}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=_SUFFIX)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            pickle.dump(knowledge, out, protocol=_PROTOCOL)
        # A reader sees the old entry or the whole new one, never a part.
        os.replace(temporary, target)
    except (OSError, pickle.PicklingError):
        _remove(Path(temporary))
        return
    _prune(folder, keep=target)


def entries() -> list[Path]:
    """The cache's entries (none when the cache is off)."""
    folder = directory()
    return [] if folder is None else _entries(folder)


def clear() -> int:
    """Remove every cache entry; the number removed."""
    return sum(_remove(path) for path in entries())


def _entries(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.name.startswith(_PREFIX) and p.name.endswith(_SUFFIX)]
    except OSError:
        return []


def _prune(folder: Path, *, keep: Path) -> None:
    def age(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except OSError:
            return 0.0

    older = sorted((p for p in _entries(folder) if p != keep), key=age, reverse=True)
    for path in older[_KEEP - 1 :]:
        _remove(path)


def _remove(path: Path) -> int:
    try:
        path.unlink()
    except OSError:
        return 0
    return 1


def _model_sources() -> list[bytes] | None:
    # The source of the records and of the indexes built on them (base.py, and the name
    # keys they are spelled in) is in the key: a field or an index changed during
    # development, with the version unchanged, must not be served an old entry.
    from .. import _names, _severity
    from . import base, models

    try:
        return [Path(m.__file__ or "").read_bytes() for m in (models, _severity, base, _names)]
    except OSError:
        return None


try:
    # The C pickler itself: the pickle module around it imports 1.5 ms of helpers a cold start does not use.
    import _pickle as pickle
except ImportError:  # pragma: no cover - every CPython build has it
    import pickle  # type: ignore[no-redef]

try:
    # The built-in BLAKE2 module: importing hashlib initialises OpenSSL, 5 ms of a 200 ms command.
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - every CPython build has it
    from hashlib import blake2b as _blake2b
