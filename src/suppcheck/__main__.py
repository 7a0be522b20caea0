"""``python -m suppcheck``: the same as the ``suppcheck`` command."""

from ._console import run

if __name__ == "__main__":  # pytest --doctest-modules imports this module too
    raise SystemExit(run())
