"""``make mutation``: mutmut over the rule families and the engine, score into RESULTS.md.

Usage::

    python benchmarks/mutation.py            # run mutmut (configured in pyproject.toml), then write the section
    python benchmarks/mutation.py --no-run   # only write the section from the last run's results
    python benchmarks/mutation.py --no-run --note "how the figure was obtained"

mutmut mutates ``src/suppcheck/_rules/`` and runs, for each mutant, the fast
engine tests that reach the mutated function (``[tool.mutmut]`` in
pyproject.toml). A survivor listed in ``benchmarks/mutation-equivalent.json``
(mutant name -> why no test can tell it from the original) is counted as
equivalent; every other survivor is listed by function in the section. An
entry of the file that names no surviving mutant (killed since, or renumbered
by a change to its function) is listed too, so the file is kept honest.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from results import replace_section  # noqa: E402  (benchmarks/ is not a package)

RESULTS = HERE / "RESULTS.md"
EQUIVALENT = HERE / "mutation-equivalent.json"
HEADING = "## Mutation testing"
MUTMUT = [sys.executable, "-m", "mutmut"]


def run_mutmut() -> float:
    started = time.monotonic()
    subprocess.run([*MUTMUT, "run"], cwd=ROOT, check=False)
    return time.monotonic() - started


def statuses() -> dict[str, str]:
    shown = subprocess.run(
        [*MUTMUT, "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    found = {}
    for line in shown.splitlines():
        match = re.match(r"\s*(\S+): (.+)$", line)
        if match:
            found[match.group(1)] = match.group(2).strip()
    return found


def section(found: dict[str, str], seconds: float | None, note: str | None = None) -> str:
    equivalent: dict[str, str] = json.loads(EQUIVALENT.read_text(encoding="utf-8")) if EQUIVALENT.exists() else {}
    counts = Counter(found.values())
    total = len(found)
    killed = counts["killed"] + counts["timeout"]
    survivors = sorted(name for name, status in found.items() if status in ("survived", "no tests"))
    listed = [name for name in survivors if name in equivalent]
    unexplained = [name for name in survivors if name not in equivalent]
    stale = sorted(set(equivalent) - set(survivors))
    score = killed / total if total else 0.0
    adjusted = killed / (total - len(listed)) if total > len(listed) else 0.0
    lines = [
        HEADING,
        "",
        "Written by `make mutation` (`benchmarks/mutation.py`): mutmut over `src/suppcheck/_rules/` against the",
        "fast engine tests named in `[tool.mutmut]` (pyproject.toml).",
        "",
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        *([f"- Run time: {seconds:.0f} s"] if seconds is not None else []),
        *([f"- How obtained: {note}"] if note else []),
        f"- Mutants: {total}",
        f"- Killed: {killed} (of them {counts['timeout']} by timeout)",
        f"- Survived: {counts['survived']}, and {counts['no tests']} that no selected test reaches",
        f"- Score: {score:.1%} killed; {adjusted:.1%} of the mutants not listed as equivalent",
        f"- Equivalent (listed with a reason in `benchmarks/mutation-equivalent.json`): {len(listed)}",
        *(
            f"- Other outcomes: {k} {v}"
            for k, v in sorted(counts.items())
            if k not in ("killed", "timeout", "survived", "no tests")
        ),
        "",
    ]
    if stale:
        lines += [
            f"Listed as equivalent but not surviving ({len(stale)}): remove or renumber them:",
            "",
            *(f"- `{name}` ({found.get(name, 'no such mutant')})" for name in stale),
            "",
        ]
    if unexplained:
        by_function = Counter(re.sub(r"__mutmut_\d+$", "", name) for name in unexplained)
        lines += [
            f"Survivors not yet killed nor shown equivalent ({len(unexplained)}), by function:",
            "",
            "| function | survivors |",
            "|---|---:|",
            *(f"| `{name}` | {count} |" for name, count in sorted(by_function.items(), key=lambda kv: (-kv[1], kv[0]))),
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-run", action="store_true", help="only write the section from the last run")
    parser.add_argument("--note", help="how the figure was obtained, when it is not one plain run")
    args = parser.parse_args()
    seconds = None if args.no_run else run_mutmut()
    text = section(statuses(), seconds, args.note)
    replace_section(HEADING, text, RESULTS)
    print(text)


if __name__ == "__main__":
    main()
