"""Where the bundled knowledge base is: kept apart so that finding it imports nothing else."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parents[1]


def bundled_path() -> Path:
    """The bundled ``interactions.json``: inside the installed package, else in the source tree."""
    packaged = _PACKAGE / "data" / "interactions.json"
    if packaged.is_file():
        return packaged
    return _PACKAGE.parents[1] / "data" / "interactions.json"
