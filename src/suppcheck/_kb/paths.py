"""Where the bundled knowledge base and its cache are: kept apart so that finding them imports nothing else."""

from __future__ import annotations

from pathlib import Path

# Moves the cache of validated knowledge bases (see cache.py); empty, turns it off.
CACHE_ENV = "SUPPCHECK_CACHE_DIR"

_PACKAGE = Path(__file__).resolve().parents[1]


def bundled_path() -> Path:
    """The bundled ``interactions.json``: inside the installed package, else in the source tree."""
    packaged = _PACKAGE / "data" / "interactions.json"
    if packaged.is_file():
        return packaged
    return _PACKAGE.parents[1] / "data" / "interactions.json"
