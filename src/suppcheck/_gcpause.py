"""Whether the console script paused garbage collection, and how a long command resumes it.

Kept apart from :mod:`._console` (which imports the command line) so that
the command line can resume collection without importing its own entry
point.
"""

import gc

__all__ = ["pause", "resume_collection"]

_paused = False


def pause() -> None:
    """Stop collecting garbage until :func:`resume_collection` (the console script, at start-up)."""
    global _paused
    gc.disable()
    _paused = True


def resume_collection() -> None:
    """Collect garbage again from here on, if :func:`pause` stopped it.

    What start-up made is frozen first, so later collections do not walk it.
    Outside the console script (tests, library users) this does nothing.
    """
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
