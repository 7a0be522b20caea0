"""One million synthetic regimens screened into a Parquet table, on the worker pool and on a LocalCluster.

Usage (``make bench-million``; about half an hour on two cores)::

    python benchmarks/million.py                # writes the "One million regimens" section of RESULTS.md
    python benchmarks/million.py --lines 20000  # a smaller run; prints and leaves RESULTS.md alone

Each run is the command an analyst types (``suppcheck check --batch ... --format summary-parquet``);
the table it writes is read back and checked to hold every input line exactly once, in order.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import results as results_file  # noqa: E402  (benchmarks/ is not a package)
import run  # noqa: E402
import synth  # noqa: E402

HEADING = "## One million regimens"
ENGINES: dict[str, tuple[str, ...]] = {
    "worker pool, --workers 2": (),
    "Dask LocalCluster, --scheduler local --workers 2": ("--scheduler", "local"),
}


def verify(path: Path, lines: int) -> dict[str, Any]:
    """Every input line once, in order; what the rows say."""
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path, columns=["line", "max_severity", "input_error"])
    line = table.column("line")
    if table.num_rows != lines or line.to_pylist() != list(range(1, lines + 1)):
        raise SystemExit(f"{path}: expected lines 1..{lines} once each, in order")
    errors = pc.sum(pc.is_valid(table.column("input_error"))).as_py()
    counts = pc.value_counts(table.column("max_severity")).to_pylist()
    return {"errors": errors, "severity": {c["values"] or "none": c["counts"] for c in counts}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    run.OUT.mkdir(parents=True, exist_ok=True)
    env = run._env()
    source = synth.write_batch(run.OUT / f"batch-{args.lines}.jsonl", args.lines)
    rows = []
    checked: dict[str, Any] = {}
    for name, extra in ENGINES.items():
        output = run.OUT / "million-summary.parquet"
        result = run.run_batch(source, 2, env, ("--format", "summary-parquet", *extra), str(output))
        if result["code"] not in (0, 1, 2, 3):
            raise SystemExit(f"{name} failed: {result['stderr']}")
        checked = verify(output, args.lines)
        size = output.stat().st_size
        row = (
            f"| {name} | {result['wall']:,.0f} s | {args.lines / result['wall']:,.0f} | "
            f"{size / 1024**2:.1f} MiB ({size / args.lines:.0f} B a person) | "
            f"{result['worker_rss_kib'] / 1024:.0f} MiB | {result['main_rss_kib'] / 1024:.0f} MiB |"
        )
        print(row, flush=True)
        rows.append(row)
    severity = ", ".join(f"{k} {v:,}" for k, v in sorted(checked["severity"].items(), key=lambda kv: -kv[1]))
    text = "\n".join(
        [
            HEADING,
            "",
            f"`python benchmarks/million.py`: {args.lines:,} synthetic JSONL lines "
            f"({source.stat().st_size / 1024**3:.2f} GiB) screened into summary-parquet with the command line. "
            f"{dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}, revision {run._revision()}, "
            f"{run._machine()}.",
            "",
            "| Engine | Wall | Rows/s | Output | Largest worker | suppcheck process |",
            "|---|---:|---:|---:|---:|---:|",
            *rows,
            "",
            f"Each table was read back: {args.lines:,} rows, lines 1 to {args.lines:,} once each and in order; "
            f"{checked['errors']:,} rows carry an input error (the generator's deliberate bad lines); worst "
            f"severity: {severity}. Memory is the peak RSS sampled every 50 ms.",
        ]
    )
    print(text)
    if args.lines == 1_000_000:
        results_file.replace_section(HEADING, text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
