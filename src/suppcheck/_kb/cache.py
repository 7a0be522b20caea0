"""A cache of validated, cross-checked knowledge bases, keyed on the bytes they came from.

Building the validators and validating the bundled file is the largest part
of a one-shot ``suppcheck check`` after importing pydantic, so the result is
kept, with its indexes built, in the user's cache directory and read back by
the next process. An entry is found only by a key computed from every file's
bytes, the source of the record models and the indexes, and the versions of
suppcheck, pydantic and Python: an edited file, a changed model or an upgrade
is never served a stale entry, and a knowledge base with problems is never
stored.

The cache may make a run faster; it must never run code or change a result:

- The folder is created private (``0700``). A folder or an entry that is not
  owned by the user, or that others can write, is refused with a one-line
  :class:`~suppcheck.SuppcheckWarning`, and the knowledge base is validated
  from its files as if there were no cache.
- Entries are opened only as regular files: never through a symbolic link,
  and a FIFO or a device is refused without blocking.
- Each entry carries a keyed BLAKE2 digest of its contents, made with a
  random key kept in the folder (``0600``). An entry whose digest does not
  match (torn, bit-flipped, planted, or re-serialised by anyone without the
  key) is ignored and replaced.
- Only then is it read, by an unpickler that can build nothing but the
  knowledge-base records, their enums and dates: no other class or function
  can be named, so no entry can run code, whoever wrote it.

``SUPPCHECK_CACHE_DIR`` moves the cache; set to an empty string, it turns the
cache off. Any problem is a miss, never an error.
"""

from __future__ import annotations

import io
import os
import stat
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._errors import SuppcheckWarning
from .._version import __version__
from .base import KnowledgeBase
from .paths import CACHE_ENV

_PREFIX = "kb-"
_SUFFIX = ".bin"
_KEY_FILE = "key"
_KEEP = 8  # entries kept: the bundled file and a few sets of extra rules files
_PROTOCOL = 5  # pickle.HIGHEST_PROTOCOL on every supported Python
_FORMAT = b"suppcheck knowledge cache 3\n"  # 3: keyed digest, restricted unpickling
_DIGEST = 32  # bytes of the keyed BLAKE2b digest
_KEY_BYTES = 32
_MAX_ENTRY = 64 * 1024 * 1024  # far above any real knowledge base; bounds what a bad file can make us read
_UNSAFE_MODE = stat.S_IWGRP | stat.S_IWOTH


# What an entry may name: the classes the record module defines (records and their enums), the
# knowledge base, the enums of _severity and datetime.date. Everything else (os.system,
# builtins.eval, any class of any other module) makes the entry a miss.
def _allowed() -> dict[str, frozenset[str]]:
    from .. import _severity
    from . import models

    def defined(module: object) -> frozenset[str]:
        name = getattr(module, "__name__", "")
        return frozenset(
            key for key, value in vars(module).items() if isinstance(value, type) and value.__module__ == name
        )

    return {
        "suppcheck._kb.base": frozenset({"KnowledgeBase"}),
        "suppcheck._kb.models": defined(models),
        "suppcheck._severity": defined(_severity),
        "datetime": frozenset({"date"}),
    }


_warned: set[str] = set()


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
    folder = _trusted_folder(create=False)
    if folder is None:
        return None
    secret = _read_private(folder / _KEY_FILE, limit=_KEY_BYTES)
    if secret is None or len(secret) != _KEY_BYTES:
        return None
    data = _read_private(folder / f"{_PREFIX}{entry}{_SUFFIX}", limit=_MAX_ENTRY)
    if data is None or not data.startswith(_FORMAT):
        return None
    recorded = data[len(_FORMAT) : len(_FORMAT) + _DIGEST]
    payload = data[len(_FORMAT) + _DIGEST :]
    if not _compare_digest(recorded, _sign(secret, entry, payload)):
        return None
    try:
        found = _RecordsOnly(io.BytesIO(payload)).load()
    except Exception:  # a refused name or a torn payload is a miss, whatever unpickling raised
        return None
    return found if isinstance(found, KnowledgeBase) else None


def store(entry: str, knowledge: KnowledgeBase) -> None:
    """Keep ``knowledge`` under ``entry``, atomically; keep only the most recent entries."""
    folder = _trusted_folder(create=True)
    if folder is None:
        return
    import tempfile

    secret = _secret(folder)
    if secret is None:
        return
    try:
        payload = pickle.dumps(knowledge, protocol=_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    target = folder / f"{_PREFIX}{entry}{_SUFFIX}"
    try:
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=_SUFFIX)
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(_FORMAT + _sign(secret, entry, payload) + payload)
        # A reader sees the old entry or the whole new one, never a part.
        os.replace(temporary, target)
    except OSError:
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


# -- trust ------------------------------------------------------------------------------------


def _warn(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        warnings.warn(message, SuppcheckWarning, stacklevel=4)


def _owner_problem(info: os.stat_result) -> str | None:
    if info.st_uid != os.geteuid():
        return f"owned by user id {info.st_uid}, not by you ({os.geteuid()})"
    if info.st_mode & _UNSAFE_MODE:
        return f"writable by others (mode {stat.S_IMODE(info.st_mode):04o})"
    return None


def _trusted_folder(*, create: bool) -> Path | None:
    """The cache folder when it is a private directory of this user's (made so when ``create``), else None."""
    folder = directory()
    if folder is None:
        return None
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        if not create:
            return None
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(folder, 0o700)  # the umask can only take bits away from 0700
            info = os.lstat(folder)
        except OSError:
            return None
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a directory"
        _warn(f"knowledge-base cache {folder} not used: it is {kind}")
        return None
    problem = _owner_problem(info)
    if problem is not None:
        _warn(f"knowledge-base cache {folder} not used: it is {problem}")
        return None
    return folder


def _read_private(path: Path, *, limit: int) -> bytes | None:
    """The bytes of a regular file of this user's that others cannot write, else None (warned when unsafe)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        handle = os.open(path, flags)
    except OSError:
        return None  # missing, a symbolic link (ELOOP), or unreadable: a miss
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            _warn(f"knowledge-base cache entry {path} not used: it is not a regular file")
            return None
        problem = _owner_problem(info)
        if problem is not None:
            _warn(f"knowledge-base cache entry {path} not used: it is {problem}")
            return None
        if info.st_size > limit:
            return None
        chunks = []
        left = limit + 1
        while left > 0:
            chunk = os.read(handle, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        return data if len(data) <= limit else None
    except OSError:
        return None
    finally:
        os.close(handle)


def _secret(folder: Path) -> bytes | None:
    """The folder's digest key, made (``0600``, exclusively) when there is none."""
    path = folder / _KEY_FILE
    found = _read_private(path, limit=_KEY_BYTES)
    if found is not None and len(found) == _KEY_BYTES:
        return found
    if os.path.lexists(path):
        _remove(path)  # torn or unsafe (warned): replaced, which also orphans every entry signed with it
    made = os.urandom(_KEY_BYTES)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except OSError:
        return None  # another process made one just now: this store is skipped, the next one uses it
    try:
        os.write(handle, made)
    except OSError:
        return None
    finally:
        os.close(handle)
    return made


def _sign(secret: bytes, entry: str, payload: bytes) -> bytes:
    digest = _blake2b(key=secret, digest_size=_DIGEST)
    digest.update(entry.encode("ascii", "replace"))
    digest.update(payload)
    return digest.digest()


# -- entries ----------------------------------------------------------------------------------


def _entries(folder: Path) -> list[Path]:
    try:
        return [p for p in folder.iterdir() if p.name.startswith(_PREFIX) and p.name.endswith(_SUFFIX)]
    except OSError:
        return []


def _prune(folder: Path, *, keep: Path) -> None:
    def age(path: Path) -> float:
        try:
            return path.lstat().st_mtime
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
    from .. import _codes, _names, _severity
    from . import base, models

    try:
        return [Path(m.__file__ or "").read_bytes() for m in (models, _severity, base, _names, _codes)]
    except OSError:
        return None


try:
    # The C pickler itself: the pickle module around it imports 1.5 ms of helpers a cold start does not use.
    import _pickle as pickle
except ImportError:  # pragma: no cover - every CPython build has it
    import pickle  # type: ignore[no-redef]


_ALLOWED: dict[str, frozenset[str]] | None = None


class _RecordsOnly(pickle.Unpickler):
    """An unpickler that can name only the knowledge-base record classes, their enums and ``datetime.date``."""

    def find_class(self, module: str, name: str) -> Any:
        global _ALLOWED
        if _ALLOWED is None:
            _ALLOWED = _allowed()
        if name not in _ALLOWED.get(module, ()):
            raise pickle.UnpicklingError(f"{module}.{name} is not a knowledge-base record")
        return super().find_class(module, name)


try:
    # The built-in BLAKE2 module: importing hashlib initialises OpenSSL, 5 ms of a 200 ms command.
    from _blake2 import blake2b as _blake2b
except ImportError:  # pragma: no cover - every CPython build has it
    from hashlib import blake2b as _blake2b

try:
    # hmac's compare_digest without importing hmac, which imports hashlib (see above).
    from _operator import _compare_digest
except ImportError:  # pragma: no cover - every CPython build has it
    from hmac import compare_digest as _compare_digest  # type: ignore[no-redef]
