"""``make fuzz``: coverage-guided fuzzing (atheris) of every reader and ``check``.

Run from the repository root as ``python -m tests.fuzz.fuzz_readers
[libFuzzer options] CORPUS...``. Any exception other than InputError or
KnowledgeBaseError is a crash: libFuzzer writes the input to its artifact
prefix and the run exits non-zero. Each crash found is kept in
``tests/fuzz/corpus/`` (as ``crash-<what>``), which the test suite replays
(tests/test_reader_properties.py), so that it stays fixed. The ``crash-*``
seeds there now are the inputs of issue 19 that crashed before the readers
were bounded (``times: []``, JSON nested 1,000 deep in a regimen, on standard
input and in a rules file).
"""

from __future__ import annotations

import sys
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"


def main() -> None:
    import atheris

    from tests.fuzz.targets import run_one

    # Every module a reader or a check uses is imported lazily: run the seeds once so
    # that all of them are loaded, then instrument every loaded function for coverage.
    for seed in sorted(CORPUS.iterdir()):
        run_one(seed.read_bytes())
    atheris.instrument_all()
    atheris.Setup(sys.argv, run_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
