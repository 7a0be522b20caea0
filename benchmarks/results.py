"""``benchmarks/RESULTS.md`` is written by several scripts: each replaces only its own ``## `` section."""

from __future__ import annotations

from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def replace_section(heading: str, text: str, path: Path = RESULTS) -> None:
    """Put ``text`` (which starts with ``heading``) in place of that section, or at the end; keep the rest."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    marker = f"\n{heading}\n"
    if marker in old:
        head, rest = old.split(marker, 1)
        after = rest.split("\n## ", 1)
        tail = f"\n## {after[1]}" if len(after) == 2 else ""
    else:
        head, tail = old, ""
    path.write_text(f"{head.rstrip()}\n\n{text.rstrip()}\n{tail}", encoding="utf-8")


def replace_head(text: str, path: Path = RESULTS) -> None:
    """Put ``text`` in place of everything before the first ``## `` section; keep the sections."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    kept = old.split("\n## ", 1)
    tail = f"\n## {kept[1]}" if len(kept) == 2 else ""
    path.write_text(text.rstrip("\n") + "\n" + tail, encoding="utf-8")
