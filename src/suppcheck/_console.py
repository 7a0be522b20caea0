"""The ``suppcheck`` command: :func:`suppcheck._cli.main` in a process of its own.

Two garbage-collector settings that only a process running one command can
afford; a library imported by someone else's process never touches them
(their effect on start-up is measured in ``benchmarks/RESULTS.md``):

- Collection is paused from before the first heavy import. Start-up makes
  modules, pydantic classes and the knowledge base, all of which live until
  the process ends, and collections that would walk them are wasted.
- What is left is frozen before exit, so the interpreter's final collection
  does not walk it when the operating system is about to reclaim the memory
  anyway.

A command that goes on past start-up (a batch, many files) calls
:func:`~suppcheck._gcpause.resume_collection`, so a long run never grows
without collection.
"""

import gc

from ._gcpause import pause


def run() -> int:
    """The console script's entry point; returns the exit code."""
    pause()
    from ._cli import main  # imported only now: its imports are most of start-up

    try:
        return main()
    finally:
        gc.freeze()
