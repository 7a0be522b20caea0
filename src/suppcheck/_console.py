"""The ``suppcheck`` command: :func:`suppcheck._cli.main` in a process of its own.

Two garbage-collector settings that only a process running one command can
afford; a library imported by someone else's process never touches them.
Measured in ``benchmarks/RESULTS.md``, row 4a:

- Collection is paused from before the first heavy import. Start-up makes
  modules, pydantic classes and the knowledge base, all of which live until
  the process ends, and the 80-odd collections that would walk them cost
  about 10 ms.
- What is left is frozen before exit, so the interpreter's final collection
  does not walk it (about 30 ms) when the operating system is about to
  reclaim the memory anyway.

A command that goes on past start-up (a batch, many files) calls
:func:`resume_collection`, so a long run never grows without collection.
"""

import gc

_paused = False


def run() -> int:
    """The console script's entry point; returns the exit code."""
    global _paused
    gc.disable()
    _paused = True
    from ._cli import main  # imported only now: its imports are most of start-up

    try:
        return main()
    finally:
        gc.freeze()


def resume_collection() -> None:
    """Collect garbage again from here on, if :func:`run` paused it.

    What start-up made is frozen first, so later collections do not walk it.
    Outside the console script (tests, library users) this does nothing.
    """
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
