"""Screen regimens on a local Spark session with ``mapInPandas`` over :func:`suppcheck.frames.check_frame`.

Not part of the test suite or CI (pyspark is a 456 MB download and needs a
JVM): run it by hand where pyspark is installed::

    python benchmarks/spark_screen.py benchmarks/out/batch.jsonl

It prints the rows per second and checks the rows against the serial
:func:`suppcheck.screen` on the same lines (ids and severities).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

import suppcheck
from suppcheck.frames import check_frame


def screen_partition(frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """The whole recipe: each Spark partition's pandas frame of regimen JSON, screened."""
    for frame in frames:
        yield check_frame(frame, regimen_column="regimen")


def main(path: str) -> int:
    try:
        from pyspark.sql import SparkSession
        from pyspark.sql.pandas.types import from_arrow_schema
    except ImportError:
        print("pyspark is not installed: pip install pyspark (and a Java runtime)", file=sys.stderr)
        return 2
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    spark = SparkSession.builder.master("local[2]").appName("suppcheck-screen").getOrCreate()
    try:
        members = spark.createDataFrame(pd.DataFrame({"regimen": lines}))
        schema = from_arrow_schema(suppcheck.screen_schema("person"))
        started = time.perf_counter()
        rows = members.mapInPandas(screen_partition, schema=schema).toPandas()
        seconds = time.perf_counter() - started
    finally:
        spark.stop()
    serial = pd.DataFrame(list(suppcheck.screen(lines)))
    same = (
        rows["id"].tolist() == serial["id"].tolist()
        and rows["max_severity"].fillna("").tolist() == serial["max_severity"].fillna("").tolist()
    )
    print(f"{len(rows)} rows in {seconds:.1f} s ({len(rows) / seconds:,.0f} per second); same as serial: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "benchmarks/out/batch.jsonl"))
