"""The planner's branch and bound against OR-Tools CP-SAT on the same objective, over benchmarks/plan_corpus.py.

Not part of ``make bench``: it needs ``pip install ortools`` (not a dependency
of suppcheck). For each regimen of the corpus and each preference it runs

- ``bnb``: ``suppcheck._plan.solver.solve`` as ``plan()`` calls it, and
  ``plan()`` itself (solve, the conflict search, the report);
- ``cpsat``: a CP-SAT model of the same problem (below), solved
  lexicographically: broken rules by severity, then times a day and moves in
  the preference's order, then lateness, each stage fixed before the next.
  One worker and a fixed seed, so that it is deterministic, as a plan must be;
  each stage stops at ``--stage-seconds`` (a safety net; a stage that stops
  there is counted as not proven).

Both timetables are scored by ``problem.evaluate`` (the plain meaning of every
rule, not either solver's view of it), so "same or better" compares
``Score.key(prefer)``. It prints the per-regimen rows and a summary; ``--save``
writes them as JSON, ``--baseline`` compares the branch and bound's keys with
an earlier ``--save`` (the solver before a change), and ``--write`` puts the
summary in benchmarks/RESULTS.md as the section "## Planner solver: branch
and bound vs CP-SAT".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from bisect import bisect_left
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import plan_corpus  # noqa: E402

PREFERS = ("fewest_times", "own_times")
SECTION = "## Planner solver: branch and bound vs CP-SAT"


# -- CP-SAT model ------------------------------------------------------------------------------------


def cpsat_solve(problem: Any, prefer: str, stage_seconds: float) -> tuple[tuple[tuple[int, ...], ...], bool]:
    """The best timetable by CP-SAT (clock minutes per entry) and whether every stage was proven optimal."""
    from ortools.sat.python import cp_model

    from suppcheck._plan.solver import Compiled

    compiled = Compiled.of(problem)
    cands = problem.candidates
    n = len(cands)
    m = cp_model.CpModel()
    y = [[m.NewBoolVar(f"y{e}_{c}") for c in range(n)] for e in range(len(problem.entries))]
    for e, slots in enumerate(problem.entries):
        m.Add(sum(y[e]) == slots.doses)
        for c in range(n):
            # Doses at least `gap` apart: at most one in every window shorter than the gap.
            end = bisect_left(compiled.off, compiled.off[c] + slots.gap)
            if end - c > 1:
                m.AddAtMostOne(y[e][c:end])
    index = {t: i for i, t in enumerate(cands)}
    weight_base = len(problem.groups) + 1
    viol = []
    for g, group in enumerate(problem.groups):
        if group.unplannable is None and group.always_broken is None:
            b = m.NewBoolVar(f"b{g}")
            viol.append(weight_base**group.severity.rank * b)
            _add_group(m, compiled, g, y, b)
    distinct = _distinct(m, problem, y, index)
    moves = sum(
        len(slots.user) - sum(y[e][index[u]] for u in set(slots.user) if u in index)
        for e, slots in enumerate(problem.entries)
    )
    lateness = sum(compiled.off[c] * y[e][c] for e in range(len(problem.entries)) for c in range(n))
    second, third = (distinct, moves) if prefer == "fewest_times" else (moves, distinct)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.max_time_in_seconds = stage_seconds
    proven = True
    for expr in (sum(viol), second, third, lateness):
        m.Minimize(expr)
        status = solver.Solve(m)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            raise RuntimeError(f"CP-SAT: {solver.StatusName(status)}")
        proven = proven and status == cp_model.OPTIMAL
        value = round(solver.ObjectiveValue())
        m.Add(expr == value) if status == cp_model.OPTIMAL else m.Add(expr <= value)
        # The next stage starts from this timetable.
        m.ClearHints()
        for row in y:
            for v in row:
                m.AddHint(v, solver.BooleanValue(v))
    times = tuple(tuple(cands[c] for c, v in enumerate(row) if solver.BooleanValue(v)) for row in y)
    return times, proven


def _distinct(m: Any, problem: Any, y: list[list[Any]], index: dict[int, int]) -> Any:
    """Times a day: the medications' times, and every candidate some dose takes."""
    fixed_in = {index[t] for t in problem.fixed if t in index}
    used = []
    for c in range(len(problem.candidates)):
        if c in fixed_in:
            continue
        u = m.NewBoolVar(f"u{c}")
        column = [row[c] for row in y]
        for v in column:
            m.AddImplication(v, u)
        m.AddBoolOr([*column, u.Not()])
        used.append(u)
    return len({t for t in problem.fixed if t not in index}) + len(fixed_in) + sum(used)


def _add_group(m: Any, compiled: Any, g: int, y: list[list[Any]], b: Any) -> None:
    """Constraints that make ``b`` true when the timetable breaks group ``g`` (as problem.violated means it)."""
    from suppcheck._plan.solver import _tables
    from suppcheck._rules.dose import TOLERANCE

    group = compiled.problem.groups[g]
    n = len(compiled.problem.candidates)
    if group.kind == "per_dose":
        scale = 1000
        limit = int(group.limit * (1 + TOLERANCE) * scale)
        amounts = [(e, round(a * scale)) for e, a in group.amounts]
        big = sum(a for _, a in amounts)
        for c in range(n):
            m.Add(sum(a * y[e][c] for e, a in amounts) <= limit + big * b)
    elif group.kind == "timing" or group.fixed_minutes:
        mask, entries = compiled.unary[g]
        for e in entries:
            for c in _bits(mask):
                m.AddImplication(y[e][c], b)
    else:
        forward, _ = _tables(group.window, compiled.problem.candidates)
        for a in group.subject_entries:
            for p in group.partner_entries:
                for i in range(n):
                    for j in _bits(forward[i]):
                        m.AddBoolOr([y[a][i].Not(), y[p][j].Not(), b])


def _bits(mask: int) -> list[int]:
    return [i for i in range(mask.bit_length()) if mask >> i & 1]


# -- runs --------------------------------------------------------------------------------------------


def run_bnb(problem: Any, data: dict[str, Any], prefer: str) -> dict[str, Any]:
    from suppcheck._plan import plan
    from suppcheck._plan.problem import evaluate
    from suppcheck._plan.solver import solve

    start, cpu = time.perf_counter(), time.process_time()
    result = solve(problem, prefer)
    solve_s, solve_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    made = plan(data, prefer=prefer)  # type: ignore[arg-type]
    plan_s, plan_cpu = time.perf_counter() - start, time.process_time() - cpu
    key = evaluate(problem, result.times).key(prefer)
    return {
        "key": [list(key[0]), *key[1:]],
        "optimal": result.optimal,
        "nodes": result.nodes,
        "work": result.work,
        "solve_s": solve_s,
        "solve_cpu": solve_cpu,
        "plan_s": plan_s,
        "plan_cpu": plan_cpu,
        "plan_optimal": made.optimal,
        "times": [list(t) for t in result.times],
    }


def run_cpsat(problem: Any, prefer: str, stage_seconds: float) -> dict[str, Any]:
    from suppcheck._plan.problem import evaluate, structural_problem

    start, cpu = time.perf_counter(), time.process_time()
    times, proven = cpsat_solve(problem, prefer, stage_seconds)
    elapsed, elapsed_cpu = time.perf_counter() - start, time.process_time() - cpu
    assert structural_problem(problem, times) is None
    key = evaluate(problem, times).key(prefer)
    return {"key": [list(key[0]), *key[1:]], "optimal": proven, "solve_s": elapsed, "solve_cpu": elapsed_cpu}


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (tuple(row["key"][0]), *row["key"][1:])


def measure_import() -> dict[str, Any]:
    """Import cost of CP-SAT's Python module in a fresh interpreter, and the installed size of ortools."""
    python = sys.executable
    walls = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([python, "-c", "import ortools.sat.python.cp_model"], check=True)
        walls.append(time.perf_counter() - start)
    bare = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([python, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - start)
    out = subprocess.run(
        [python, "-X", "importtime", "-c", "import ortools.sat.python.cp_model"],
        check=True,
        capture_output=True,
        text=True,
    ).stderr
    cumulative = 0
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() == "ortools.sat.python.cp_model":
            cumulative = int(parts[1].strip())
    import ortools

    root = Path(ortools.__file__).resolve().parent
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    return {
        "version": getattr(ortools, "__version__", "?"),
        "import_wall_s": statistics.median(walls),
        "bare_wall_s": statistics.median(bare),
        "importtime_us": cumulative,
        "installed_bytes": size,
    }


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timing_rows(rows: list[dict[str, Any]], solver: str, name: str) -> list[str]:
    """Table rows of one solver's times: CPU and wall, of the solve and (branch and bound) of plan()."""
    lines = []
    for label, field in (
        ("solve, CPU", "solve_cpu"),
        ("solve, wall", "solve_s"),
        ("plan(), CPU", "plan_cpu"),
        ("plan(), wall", "plan_s"),
    ):
        measured = [r for r in rows if solver in r and field in r[solver]]
        if not measured:
            continue
        values = [r[solver][field] for r in measured]
        worst = max(measured, key=lambda r: r[solver][field])
        proven = sum(1 for r in measured if r[solver]["optimal"])
        lines.append(
            f"| {name} | {label} | {len(values)} | {statistics.median(values) * 1000:,.1f} ms "
            f"| {_pct(values, 0.95) * 1000:,.1f} ms | {max(values) * 1000:,.1f} ms ({worst['name']}, "
            f"{worst['prefer']}) | {proven} |"
        )
    return lines


def _differs(a: tuple[Any, ...], b: tuple[Any, ...]) -> str:
    """Which part of the key decides between two keys."""
    parts = ("broken rules", "the preference's first", "the preference's second", "lateness")
    for part, x, y in zip(parts, a, b, strict=True):
        if x != y:
            return part
    return "none"


def compare_lines(rows: list[dict[str, Any]], left: str, right: str, what: str) -> list[str]:
    """How ``left``'s plans compare with ``right``'s, by the part of the key that decides."""
    pairs = [r for r in rows if left in r and right in r]
    if not pairs:
        return []
    better = [r for r in pairs if _key(r[right]) < _key(r[left])]
    worse = [r for r in pairs if _key(r[left]) < _key(r[right])]
    parts: dict[str, int] = {}
    for r in better:
        part = _differs(_key(r[right]), _key(r[left]))
        parts[part] = parts.get(part, 0) + 1
    by_part = ", ".join(f"{n} by {part}" for part, n in sorted(parts.items())) or "none"
    for r in better + worse:
        print(f"  {r['name']} {r['prefer']}: {right} {r[right]['key']} vs {left} {r[left]['key']}")
    return [
        f"- {what}: {len(pairs)} (regimen, preference) pairs; same objective "
        f"{len(pairs) - len(better) - len(worse)}, {right} better {len(better)} ({by_part}), "
        f"{right} worse {len(worse)}"
    ]


def preamble(rows: list[dict[str, Any]]) -> list[str]:
    """When, where and on what the figures were measured."""
    revision = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=HERE, capture_output=True, text=True, check=False
    ).stdout.strip()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    hard = sum(1 for r in rows if r["name"].startswith("hard-")) // len(PREFERS)
    return [
        f"Written by `python benchmarks/plan_cpsat.py --write` (not part of `make bench`; needs `pip install "
        f"ortools`). Date {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, revision {revision}, "
        f"{platform.python_implementation()} {platform.python_version()}.",
        "",
        f"- Corpus (`benchmarks/plan_corpus.py`, regenerated from seeds): {len(rows) // len(PREFERS)} regimens, "
        f"{plan_corpus.RANDOM_COUNT} ordinary random ones, {hard} of the hard corner (7-14 entries, most taken 2-3 "
        "times a day, 2-6 medications at 1-3 fixed times each, some short days) and the 12-entry benchmark "
        "regimen; each planned for both preferences.",
        "- Machine: 2 CPUs shared with three other engineers' jobs, every run under `nice`; load average "
        f"{load} when this summary was written. Wall times are inflated and noisy; CPU times (`time.process_time`) "
        "of the process are the figures to compare. Medians are over the (regimen, preference) pairs.",
        "- CP-SAT model: one Boolean per (entry, candidate time); doses `gap` apart as at-most-one over every "
        "shorter window; a Boolean per rule group, forced by clauses (separation pairs, timing, medication times) "
        "or a linear per-dose sum; solved lexicographically (broken rules weighted by severity as the branch and "
        "bound weighs them, then the preference's two criteria, then lateness), one worker, fixed seed. Both "
        "solvers' timetables are scored by `problem.evaluate`, the plain meaning of every rule.",
        "",
    ]


def import_line() -> str:
    cost = measure_import()
    return (
        f"- ortools {cost['version']}: `import ortools.sat.python.cp_model` takes "
        f"{cost['import_wall_s'] * 1000:.0f} ms wall in a fresh interpreter (bare interpreter "
        f"{cost['bare_wall_s'] * 1000:.0f} ms; it imports numpy and pandas); -X importtime cumulative "
        f"{cost['importtime_us'] / 1000:.0f} ms; the installed ortools package is "
        f"{cost['installed_bytes'] / 2**20:.0f} MiB"
    )


def run_corpus(
    rows: dict[tuple[str, str], dict[str, Any]], solvers: list[str], only: set[str] | None, stage: float
) -> None:
    """Run the solvers on every regimen of the corpus (or those named), adding to ``rows``."""
    for name, data in plan_corpus.corpus():
        if only and name not in only:
            continue
        problem = plan_corpus.problem_of(data)
        if problem is None:
            continue
        for prefer in PREFERS:
            row = rows.setdefault((name, prefer), {"name": name, "prefer": prefer})
            row["entries"] = len(problem.entries)
            row["doses"] = sum(s.doses for s in problem.entries)
            row["groups"] = len(problem.groups)
            if "bnb" in solvers:
                row["bnb"] = run_bnb(problem, data, prefer)
            if "cpsat" in solvers:
                row["cpsat"] = run_cpsat(problem, prefer, stage)
            parts = [f"{name:14} {prefer:12} e{row['entries']:2} d{row['doses']:2} g{row['groups']:3}"]
            for solver in ("bnb", "cpsat"):
                if solver in row:
                    r = row[solver]
                    parts.append(
                        f"{solver} {r['solve_cpu'] * 1000:8.1f} ms {'opt' if r['optimal'] else '---'} {r['key']}"
                    )
            print("  ".join(parts), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--solvers", default="bnb,cpsat")
    parser.add_argument("--stage-seconds", type=float, default=20.0)
    parser.add_argument("--only", help="comma-separated regimen names")
    parser.add_argument("--save", type=Path)
    parser.add_argument("--load", type=Path, action="append", default=[], help="rows of an earlier --save to add to")
    parser.add_argument("--baseline", type=Path, help="an earlier --save: compare the branch and bound's keys")
    parser.add_argument("--import-cost", action="store_true")
    parser.add_argument("--budget", type=int, help="the branch and bound's WORK_BUDGET for this run")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    solvers = [s for s in args.solvers.split(",") if s]
    if args.budget is not None:
        from suppcheck._plan import solver

        solver.WORK_BUDGET = args.budget
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for path in args.load:
        for row in json.loads(path.read_text()):
            rows.setdefault((row["name"], row["prefer"]), {}).update(row)
    run_corpus(rows, solvers, set(args.only.split(",")) if args.only else None, args.stage_seconds)
    table = list(rows.values())
    if args.save:
        args.save.write_text(json.dumps(table, indent=1))
    if args.baseline:
        base = {(r["name"], r["prefer"]): r["bnb"] for r in json.loads(args.baseline.read_text())}
        for row in table:
            if (row["name"], row["prefer"]) in base:
                row["before"] = base[(row["name"], row["prefer"])]
    lines = [
        *preamble(table),
        *compare_lines(table, "bnb", "cpsat", "CP-SAT against the branch and bound"),
        *compare_lines(table, "before", "cpsat", "CP-SAT against the branch and bound before this change"),
        *compare_lines(table, "before", "bnb", "The branch and bound against itself before this change"),
        "",
        "| solver | what | runs | median | p95 | worst | proven optimal |",
        "|---|---|---:|---:|---:|---|---:|",
        *timing_rows(table, "before", "branch and bound before"),
        *timing_rows(table, "bnb", "branch and bound"),
        *timing_rows(table, "cpsat", "CP-SAT"),
    ]
    if args.import_cost:
        lines += ["", import_line()]
    print("\n".join(lines))
    if args.write:
        _write(lines)
    return 0


def _write(lines: list[str]) -> None:
    """Put the measured lines in RESULTS.md's section, before its "### Decision" (kept as written)."""
    path = HERE / "RESULTS.md"
    text = path.read_text(encoding="utf-8")
    start = text.find(SECTION)
    body = "\n".join([SECTION, "", *lines, ""])
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + body
    else:
        end = text.find("\n## ", start + len(SECTION))
        kept = text.find("\n### Decision", start)
        if kept >= 0 and (end < 0 or kept < end):
            end = kept
        text = text[:start] + body + (text[end:] if end >= 0 else "")
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


if __name__ == "__main__":
    sys.exit(main())
