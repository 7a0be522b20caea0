"""suppcheck benchmarks: ratios measured in one run, each against a baseline taken in the same run.

Usage (``make bench`` runs the first)::

    python benchmarks/run.py                 # everything; writes benchmarks/RESULTS.md
    python benchmarks/run.py --quick         # fewer repeats and batch lines; RESULTS.md untouched
    python benchmarks/run.py --only check,kb # some of: check kb regimen cold batch plan screen fhir

Timings are medians of repeated runs. In-process comparisons alternate the
two sides block by block, so drift on a noisy machine hits both alike; the
ratio of the medians is the figure that counts. Generated inputs go to
``benchmarks/out/`` (ignored by git).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
sys.path.insert(0, str(HERE))

import results as results_file  # noqa: E402  (benchmarks/ is not a package)
import synth  # noqa: E402

EXAMPLE = ROOT / "examples" / "tremor-magnesium-kidney.yaml"
MIB = 1024 * 1024


@dataclass
class Row:
    name: str
    measured: str
    target: str
    ok: bool | None  # None: informational, or not available
    detail: str = ""


@dataclass
class Results:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, row: Row) -> None:
        self.rows.append(row)
        mark = {True: "ok", False: "MISSED", None: "-"}[row.ok]
        print(f"  {row.name:<44} {row.measured:>16}   target {row.target:<12} {mark}", flush=True)
        if row.detail:
            print(f"      {row.detail}", flush=True)


# -- timing helpers ------------------------------------------------------------------


def _block(fn: Callable[[], object], n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def _calibrate(fn: Callable[[], object], seconds: float) -> int:
    n = 1
    while True:
        if _block(fn, n) * n >= seconds / 4 or n >= 1 << 20:
            per_call = _block(fn, n)
            return max(1, int(seconds / max(per_call, 1e-9)))
        n *= 4


def compare(
    baseline: Callable[[], object], subject: Callable[[], object], *, repeats: int, seconds: float
) -> tuple[float, float]:
    """Median seconds per call of ``baseline`` and ``subject``, blocks alternating."""
    baseline()
    subject()
    n_base = _calibrate(baseline, seconds)
    n_subject = _calibrate(subject, seconds)
    base_times: list[float] = []
    subject_times: list[float] = []
    for i in range(repeats):
        order = [(baseline, n_base, base_times), (subject, n_subject, subject_times)]
        if i % 2:
            order.reverse()
        for fn, n, into in order:
            gc.collect()
            into.append(_block(fn, n))
    return statistics.median(base_times), statistics.median(subject_times)


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} us" if seconds < 0.01 else f"{seconds * 1e3:,.1f} ms"


# -- in-process benchmarks -----------------------------------------------------------


def bench_check(results: Results, repeats: int, seconds: float) -> None:
    from suppcheck import RegimenFile, check

    text = synth.REFERENCE.read_text(encoding="utf-8")
    report = check(RegimenFile.model_validate_json(text))
    validate, full = compare(
        lambda: RegimenFile.model_validate_json(text),
        lambda: check(RegimenFile.model_validate_json(text)),
        repeats=repeats,
        seconds=seconds,
    )
    ratio = full / validate
    results.add(
        Row(
            "1. check vs validate (10 entries)",
            f"{ratio:.2f}x",
            "<= 3x",
            ratio <= 3,
            f"validate {_us(validate)}, validate + check {_us(full)}; {len(report.findings)} findings",
        )
    )


def bench_kb(results: Results, repeats: int, seconds: float) -> None:
    from suppcheck import RegimenFile, check, load_knowledge

    extra = OUT / "extra-rules-10000.json"
    extra.write_text(json.dumps(synth.extra_rules(10_000)), encoding="utf-8")
    bundled = load_knowledge()
    # Timed with the knowledge cache off: the figure is the validation of 10,000 rules.
    os.environ["SUPPCHECK_CACHE_DIR"] = ""
    start = time.perf_counter()
    big = load_knowledge(extra=[extra])
    load_seconds = time.perf_counter() - start
    os.environ["SUPPCHECK_CACHE_DIR"] = str(OUT / "kbcache")
    text = synth.REFERENCE.read_text(encoding="utf-8")
    small_report = check(RegimenFile.model_validate_json(text, context={"knowledge": bundled}), knowledge=bundled)
    big_report = check(RegimenFile.model_validate_json(text, context={"knowledge": big}), knowledge=big)
    assert small_report.findings == big_report.findings, "synthetic rules must not reach the reference regimen"
    base, scaled = compare(
        lambda: check(RegimenFile.model_validate_json(text, context={"knowledge": bundled}), knowledge=bundled),
        lambda: check(RegimenFile.model_validate_json(text, context={"knowledge": big}), knowledge=big),
        repeats=repeats,
        seconds=seconds,
    )
    ratio = scaled / base
    results.add(
        Row(
            "2. knowledge base +10,000 rules",
            f"{ratio:.2f}x",
            "<= 1.2x",
            ratio <= 1.2,
            f"bundled ({len(bundled.rules)} rules) {_us(base)}, with extras ({len(big.rules)} rules) {_us(scaled)}; "
            f"loading the extras took {load_seconds:.2f} s once",
        )
    )


def bench_regimen(results: Results, repeats: int, seconds: float) -> None:
    from suppcheck import RegimenFile, check

    small = synth.REFERENCE.read_text(encoding="utf-8")
    large = json.dumps(synth.scaled_regimen(100))
    (OUT / "regimen-100.json").write_text(large, encoding="utf-8")
    n_findings = len(check(RegimenFile.model_validate_json(large)).findings)
    base, scaled = compare(
        lambda: check(RegimenFile.model_validate_json(small)),
        lambda: check(RegimenFile.model_validate_json(large)),
        repeats=repeats,
        seconds=seconds,
    )
    ratio = scaled / base
    results.add(
        Row(
            "3. regimen 100 entries vs 10",
            f"{ratio:.2f}x",
            "<= 12x",
            ratio <= 12,
            f"10 entries {_us(base)}, 100 entries {_us(scaled)} ({n_findings} findings)",
        )
    )


def bench_fhir(results: Results, repeats: int, seconds: float) -> None:
    import datetime as dt

    from suppcheck import RegimenFile, check
    from suppcheck.fhir import regimen_from_fhir, regimen_to_fhir

    as_of = dt.date(2026, 6, 1)
    # The reference regimen's entries repeated until its bundle holds 40 resources.
    entries = 1
    while True:
        regimen = RegimenFile.model_validate(synth.scaled_regimen(entries))
        bundle = regimen_to_fhir(regimen, as_of=as_of)
        if len(bundle["entry"]) >= 40:
            break
        entries += 1
    bundle_text = json.dumps(bundle)
    # The equivalent regimen file: what the bundle reads as.
    regimen_text = regimen_from_fhir(json.loads(bundle_text), as_of=as_of).model_dump_json(exclude_defaults=True)
    (OUT / "bundle-40.json").write_text(bundle_text, encoding="utf-8")
    n_findings = len(check(regimen_from_fhir(json.loads(bundle_text), as_of=as_of)).findings)
    base, fhir = compare(
        lambda: check(RegimenFile.model_validate_json(regimen_text)),
        lambda: check(regimen_from_fhir(json.loads(bundle_text), as_of=as_of)),
        repeats=repeats,
        seconds=seconds,
    )
    ratio = fhir / base
    results.add(
        Row(
            f"8. FHIR bundle ({len(bundle['entry'])} resources) vs regimen file",
            f"{ratio:.2f}x",
            "<= 3x",
            ratio <= 3,
            f"regimen file {_us(base)}, bundle read + check {_us(fhir)} ({entries} entries, {n_findings} findings)",
        )
    )


def bench_plan(results: Results, repeats: int, seconds: float) -> None:
    import suppcheck
    from suppcheck import RegimenFile

    name = "6. plan(), 12 entries, 4 medications"
    text = synth.PLAN_REGIMEN.read_text(encoding="utf-8")
    regimen = RegimenFile.model_validate_json(text)
    plan = getattr(suppcheck, "plan", None)
    if plan is None:
        detail = "suppcheck.plan does not exist yet"
        try:
            from suppcheck._plan import plan as internal
        except ImportError:
            pass
        else:
            internal(regimen)
            _, median = compare(lambda: None, lambda: internal(regimen), repeats=max(3, repeats // 3), seconds=seconds)
            detail += f"; the planner in suppcheck._plan, not yet exported, takes {_us(median)}"
        results.add(Row(name, "not available", "< 50 ms", None, detail))
        return
    plan(regimen)
    _, median = compare(lambda: None, lambda: plan(regimen), repeats=repeats, seconds=seconds)
    results.add(Row(name, _us(median), "< 50 ms", median < 0.05, synth.PLAN_REGIMEN.name))


# -- subprocess benchmarks -----------------------------------------------------------


def _env() -> dict[str, str]:
    """The environment of an installed package: bytecode cached (pip compiles it at install).

    PYTHONDONTWRITEBYTECODE would make every run recompile suppcheck's sources;
    the cache goes to benchmarks/out/pycache, never into the source tree.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    # The knowledge-base cache, likewise written by the first run and read by the next.
    env["SUPPCHECK_CACHE_DIR"] = str(OUT / "kbcache")
    return env


def _suppcheck() -> str:
    exe = Path(sys.executable).parent / "suppcheck"
    return str(exe) if exe.exists() else "suppcheck"


def _wall(cmd: Sequence[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, cwd=ROOT)
    return time.perf_counter() - start


def bench_cold(results: Results, repeats: int) -> None:
    env = _env()
    exe = _suppcheck()
    commands = {
        "baseline": [sys.executable, "-c", "import pydantic, yaml"],
        "check": [exe, "check", str(EXAMPLE.relative_to(ROOT)), "--format", "json"],
        "version": [exe, "--version"],
        "interpreter": [sys.executable, "-c", "pass"],
        "one model": [sys.executable, "-c", "import pydantic, yaml\nclass M(pydantic.BaseModel):\n    x: int"],
    }
    for cmd in commands.values():  # warm the bytecode cache, the knowledge cache and the page cache
        _wall(cmd, env)
        _wall(cmd, env)
    times: dict[str, list[float]] = {name: [] for name in (*commands, "first run")}
    for i in range(repeats):
        for name, cmd in commands.items():
            times[name].append(_wall(cmd, env))
        # The same check with an empty knowledge cache: a first run, which fills it.
        fresh = {**env, "SUPPCHECK_CACHE_DIR": str(OUT / "kbcache-first" / str(i))}
        shutil.rmtree(fresh["SUPPCHECK_CACHE_DIR"], ignore_errors=True)
        times["first run"].append(_wall(commands["check"], fresh))
    shutil.rmtree(OUT / "kbcache-first", ignore_errors=True)
    median = {name: statistics.median(values) for name, values in times.items()}
    base = median["baseline"]
    check_ratio = median["check"] / base
    version_ratio = median["version"] / base
    results.add(
        Row(
            "4a. cold start: check --format json",
            f"{check_ratio:.2f}x",
            "<= 2.5x",
            check_ratio <= 2.5,
            f"{median['check'] * 1e3:.0f} ms vs `python -c 'import pydantic, yaml'` {base * 1e3:.0f} ms "
            f"(bare interpreter {median['interpreter'] * 1e3:.0f} ms)",
        )
    )
    results.add(
        Row(
            "4b. cold start: --version",
            f"{version_ratio:.2f}x",
            "<= 1.5x",
            version_ratio <= 1.5,
            f"{median['version'] * 1e3:.0f} ms",
        )
    )
    results.add(
        Row(
            "4c. (reference) pydantic, yaml and one model",
            f"{median['one model'] / base:.2f}x",
            "-",
            None,
            f"{median['one model'] * 1e3:.0f} ms: `import pydantic, yaml` and one BaseModel subclass, the floor of "
            "any process that defines a pydantic model (its first model imports the rest of pydantic)",
        )
    )
    results.add(
        Row(
            "4d. (reference) check --format json, first run",
            f"{median['first run'] / base:.2f}x",
            "-",
            None,
            f"{median['first run'] * 1e3:.0f} ms with an empty knowledge-base cache, which this run fills "
            "(4a reads it, as every later run on the machine does)",
        )
    )


_WRAPPER = """\
import json, resource, subprocess, sys, time
cmd = json.loads(sys.argv[1])
start = time.perf_counter()
proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "maxrss_kib": usage.ru_maxrss, "code": proc.returncode, "stderr": proc.stderr[-2000:]}))
"""


def _descendants(root: int) -> list[int]:
    """``root`` and every process below it, from each thread's ``children`` list (no scan of all of /proc)."""
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in threads:
            try:
                with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                    todo.extend(int(child) for child in f.read().split())
            except OSError:
                continue
    return out


def _memory_kib(pid: int) -> tuple[int, int]:
    """Resident and proportional set size (shared pages split between their users) of a process."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


_SPIN = (
    "import time\nt = time.perf_counter()\nx = 0\nfor i in range(12_000_000):\n    x += i\n"
    "print(time.perf_counter() - t)"
)


def parallel_capacity() -> float:
    """How many CPUs' worth of work two busy processes get, right now (2.0 on two idle cores)."""

    def spin(n: int) -> list[float]:
        procs = [subprocess.Popen([sys.executable, "-c", _SPIN], stdout=subprocess.PIPE, text=True) for _ in range(n)]
        return [float(p.communicate()[0]) for p in procs]

    alone = min(spin(1)[0] for _ in range(2))
    together = max(spin(2))
    return 2 * alone / together


def run_batch(
    path: Path, workers: int, env: dict[str, str], extra: Sequence[str] = (), output: str = os.devnull
) -> dict[str, Any]:
    """One batch run: wall time, peak RSS of the largest process, peak summed RSS and PSS of the tree."""
    cmd = [_suppcheck(), "check", "--batch", str(path), "--workers", str(workers), "--output", output, *extra]
    proc = subprocess.Popen(
        [sys.executable, "-c", _WRAPPER, json.dumps(cmd)], env=env, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    peak_rss = peak_pss = peak_worker = peak_main = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss, peak_worker, peak_main
        while not stop.is_set():
            sizes = [_memory_kib(p) for p in _descendants(proc.pid)[1:]]  # not the wrapper itself
            peak_rss = max(peak_rss, sum(r for r, _ in sizes))
            peak_pss = max(peak_pss, sum(p for _, p in sizes))
            # What the suppcheck process started: its workers (and the pool's small helpers).
            peak_worker = max([peak_worker, *(r for r, _ in sizes[1:])])
            peak_main = max([peak_main, *(r for r, _ in sizes[:1])])
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stdout, _ = proc.communicate()
    stop.set()
    sampler.join()
    data: dict[str, Any] = json.loads(stdout)
    data["tree_rss_kib"] = peak_rss
    data["tree_pss_kib"] = peak_pss
    data["worker_rss_kib"] = peak_worker
    data["main_rss_kib"] = peak_main
    return data


# Worker counts in the order they run: each side once early and once late, so
# the drift of a shared machine over several minutes hits both alike.
BATCH_ORDER = (1, 2, 2, 1)


def bench_batch(results: Results, lines: int, order: Sequence[int] = BATCH_ORDER) -> None:
    env = _env()
    path = synth.write_batch(OUT / f"batch-{lines}.jsonl", lines)
    size = path.stat().st_size
    capacity = [parallel_capacity()]
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for i, workers in enumerate(order):
        run = run_batch(path, workers, env)
        if run["code"] not in (0, 1, 2, 3):
            raise SystemExit(f"batch run failed: {run['stderr']}")
        runs[workers].append(run)
        if i == len(order) // 2 - 1:
            capacity.append(parallel_capacity())
    capacity.append(parallel_capacity())
    wall = {w: statistics.mean(r["wall"] for r in rs) for w, rs in runs.items()}
    rate = {w: lines / t for w, t in wall.items()}
    speedup = rate[2] / rate[1]
    first = runs[1][0]
    summary = first["stderr"].strip().splitlines()[-1] if first["stderr"].strip() else ""

    def walls(workers: int) -> str:
        times = " and ".join(f"{r['wall']:.1f} s" for r in runs[workers])
        return f"mean of {times}" if len(runs[workers]) > 1 else times

    results.add(
        Row(
            f"5a. batch {lines:,} lines, --workers 1",
            f"{rate[1]:,.0f} /s",
            "-",
            None,
            f"{walls(1)} for {size / MIB:.1f} MiB of JSONL; {summary}",
        )
    )
    results.add(Row(f"5b. batch {lines:,} lines, --workers 2", f"{rate[2]:,.0f} /s", "-", None, walls(2)))
    results.add(
        Row(
            "5c. batch speed-up, 2 workers vs 1",
            f"{speedup:.2f}x",
            ">= 1.6x",
            speedup >= 1.6,
            f"runs in the order {', '.join(map(str, order))} workers; this machine's parallel capacity (two "
            "CPU-bound processes vs one) measured before, between and after them: "
            + ", ".join(f"{c:.2f}x" for c in capacity)
            + " of the ideal 2.00x",
        )
    )
    for workers, label in ((1, "5d"), (2, "5e")):
        worst = max(runs[workers], key=lambda r: r["tree_pss_kib"])
        results.add(
            Row(
                f"{label}. batch peak memory, --workers {workers}",
                f"{worst['tree_pss_kib'] / 1024:.0f} MiB",
                "< 150 MiB",
                worst["tree_pss_kib"] / 1024 < 150,
                ("the larger of its runs: " if len(runs[workers]) > 1 else "")
                + "summed PSS of the process tree; summed RSS "
                f"{worst['tree_rss_kib'] / 1024:.0f} MiB; largest single process {worst['maxrss_kib'] / 1024:.0f} MiB "
                "(getrusage RUSAGE_CHILDREN)",
            )
        )
    if lines < 100_000:
        results.notes.append(
            f"Batch measured on {lines:,} lines, not 100,000: at the measured rates 100,000 lines would take "
            f"about {100_000 / rate[1]:.0f} s with 1 worker and {100_000 / rate[2]:.0f} s with 2 "
            "(throughput is flat in the line count; memory does not grow with it: the file is streamed)."
        )


# -- screening ------------------------------------------------------------------------


def bench_screen(results: Results, lines: int, rounds: int) -> None:
    """Screening tables against full reports, and a Dask cluster of 2 workers against 1, in one run."""
    env = _env()
    path = synth.write_batch(OUT / f"batch-{lines}.jsonl", lines)
    parquet = OUT / "screen-summary.parquet"
    walls: dict[str, list[float]] = {"jsonl": [], "summary-parquet": []}
    for _ in range(rounds):  # alternating, so drift hits both sides alike
        for fmt in walls:
            output = str(parquet) if fmt.endswith("parquet") else os.devnull
            run = run_batch(path, 1, env, ("--format", fmt), output)
            if run["code"] not in (0, 1, 2, 3):
                raise SystemExit(f"screening run failed: {run['stderr']}")
            walls[fmt].append(run["wall"])
    full, summary = (statistics.median(walls[k]) for k in ("jsonl", "summary-parquet"))
    ratio = full / summary
    results.add(
        Row(
            "7a. summary-parquet vs full JSONL, per core",
            f"{ratio:.2f}x",
            ">= 1.5x",
            ratio >= 1.5,
            f"{lines:,} lines, --workers 1: {lines / summary:,.0f} vs {lines / full:,.0f} regimens/s "
            f"(medians of {rounds} alternating runs each)",
        )
    )
    per_person = parquet.stat().st_size / lines
    results.add(Row("7b. summary-parquet size per person", f"{per_person:.0f} B", "< 300 B", per_person < 300, "zstd"))
    capacity = [parallel_capacity()]
    dask: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for workers in (1, 2, 2, 1):
        run = run_batch(path, workers, env, ("--format", "summary-parquet", "--scheduler", "local"), str(parquet))
        if run["code"] not in (0, 1, 2, 3):
            raise SystemExit(f"dask run failed: {run['stderr']}")
        dask[workers].append(run)
    capacity.append(parallel_capacity())
    rate = {w: lines / statistics.mean(r["wall"] for r in rs) for w, rs in dask.items()}
    speedup = rate[2] / rate[1]
    results.add(
        Row(
            "7c. Dask LocalCluster, 2 workers vs 1",
            f"{speedup:.2f}x",
            ">= 1.6x",
            speedup >= 1.6 if min(capacity) >= 1.7 else None,
            f"{rate[1]:,.0f} vs {rate[2]:,.0f} regimens/s, each the mean of two runs (1, 2, 2, 1), a cluster "
            "started by each run; parallel capacity before and after: "
            + ", ".join(f"{c:.2f}x" for c in capacity)
            + (" (below 1.7x, so the target is not judged)" if min(capacity) < 1.7 else ""),
        )
    )
    worst = max(r["tree_rss_kib"] for r in dask[2]) / 1024
    per_worker = max(r["worker_rss_kib"] for r in dask[2]) / 1024
    client = max(r["main_rss_kib"] for r in dask[2]) / 1024
    results.add(
        Row(
            "7d. Dask peak memory per worker",
            f"{per_worker:.0f} MiB",
            "< 150 MiB",
            per_worker < 150,
            "the largest worker process's RSS, sampled every 50 ms; the suppcheck process (client, scheduler "
            f"and nannies of the LocalCluster, and the Parquet writer) peaked at {client:.0f} MiB, the whole "
            f"tree at {worst:.0f} MiB summed RSS",
        )
    )


# -- report --------------------------------------------------------------------------


def _machine() -> str:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 1024**3:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return f"{platform.system()} {platform.release()} {platform.machine()}, {model}, {os.cpu_count()} CPUs{memory}"


def _revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            # The results file itself is the one change a run expects to find.
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!benchmarks/RESULTS.md"],
            capture_output=True,
            text=True,
            cwd=ROOT,
        ).stdout.strip()
        return rev + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_markdown(results: Results, path: Path, seconds_taken: float) -> None:
    import suppcheck

    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`benchmarks/run.py`). Every figure is a median of repeated runs; each ratio",
        "is against a baseline measured in the same run, alternating with it.",
        "",
        f"- Date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Python: {platform.python_implementation()} {platform.python_version()} ({sys.executable})",
        f"- Machine: {_machine()}",
        f"- suppcheck {suppcheck.__version__}, knowledge base {suppcheck.load_knowledge().version}, "
        f"revision {_revision()}",
        f"- Run time: {seconds_taken:.0f} s",
        "",
        "| Benchmark | Measured | Target | Met | Detail |",
        "|---|---:|---|---|---|",
    ]
    for row in results.rows:
        met = {True: "yes", False: "**no**", None: "-"}[row.ok]
        lines.append(f"| {row.name} | {row.measured} | {row.target} | {met} | {row.detail} |")
    lines += [
        "",
        "Notes:",
        "",
        "- Cold start runs with Python's bytecode cache in `benchmarks/out/pycache` (`PYTHONPYCACHEPREFIX`), as "
        "an installed wheel has its bytecode compiled; with `PYTHONDONTWRITEBYTECODE=1` every run would compile "
        "suppcheck's sources again.",
        "- Batch peak memory: the `suppcheck` process and every process it starts (with `--workers 2`: the "
        "resource tracker, the fork server and two workers), sampled every 50 ms. PSS counts a page shared by "
        "several processes once in all; RSS counts it in each. The largest single process is from "
        "`getrusage(RUSAGE_CHILDREN)`.",
        *(f"- {note}" for note in results.notes),
        "",
    ]
    # The sections after the table (mutation testing, the service under load, ...) measure what this run
    # does not: they are kept as they are.
    results_file.replace_head("\n".join(lines), path)


ALL = ("check", "kb", "regimen", "cold", "batch", "plan", "screen", "fhir")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer repeats and batch lines; RESULTS.md untouched")
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of: {' '.join(ALL)}")
    parser.add_argument("--batch-lines", type=int, default=None, help="JSONL lines for the batch benchmark")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"), help="where to write the results")
    args = parser.parse_args(argv)
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(ALL))
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    OUT.mkdir(parents=True, exist_ok=True)
    # This process's knowledge cache too stays under benchmarks/out, never in the user's home.
    os.environ["SUPPCHECK_CACHE_DIR"] = str(OUT / "kbcache")
    repeats, seconds = (5, 0.05) if args.quick else (21, 0.1)
    lines = args.batch_lines or (5_000 if args.quick else 100_000)
    results = Results()
    started = time.perf_counter()
    print(f"suppcheck benchmarks ({'quick' if args.quick else 'full'} run; Python {platform.python_version()})")
    steps: dict[str, Callable[[], None]] = {
        "check": lambda: bench_check(results, repeats, seconds),
        "kb": lambda: bench_kb(results, repeats, seconds),
        "regimen": lambda: bench_regimen(results, repeats, seconds),
        "cold": lambda: bench_cold(results, 7 if args.quick else 21),
        "batch": lambda: bench_batch(results, lines, (1, 2) if args.quick else BATCH_ORDER),
        "plan": lambda: bench_plan(results, repeats, seconds),
        "screen": lambda: bench_screen(results, min(lines, 20_000), 2 if args.quick else 3),
        "fhir": lambda: bench_fhir(results, repeats, seconds),
    }
    for name in ALL:
        if name in wanted:
            steps[name]()
    taken = time.perf_counter() - started
    missed = [row.name for row in results.rows if row.ok is False]
    print(
        f"{len(results.rows)} figures in {taken:.0f} s; "
        + (f"missed: {', '.join(missed)}" if missed else "all targets met")
    )
    if not args.quick and wanted == list(ALL):
        write_markdown(results, Path(args.results), taken)
        print(f"wrote {args.results}")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
