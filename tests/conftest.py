from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import suppcheck
from suppcheck import KnowledgeBase, Report

# The knowledge-base cache of this session (and of the commands it runs) lives in a
# folder of its own, never in the user's home, and goes when the session ends.
if "SUPPCHECK_CACHE_DIR" not in os.environ:
    os.environ["SUPPCHECK_CACHE_DIR"] = _CACHE = tempfile.mkdtemp(prefix="suppcheck-test-cache-")
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "interactions.json"
MINI = Path(__file__).parent / "data" / "mini_kb.json"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return suppcheck.load_knowledge()


@pytest.fixture(scope="session")
def raw_kb() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def regimen(*entries: dict[str, Any], **profile: Any) -> dict[str, Any]:
    """A regimen mapping; profile defaults to a 40-year-old woman."""
    return {"profile": {"age": 40, "sex": "female", **profile}, "regimen": list(entries)}


def codes(report: Report) -> list[str]:
    return [f.code for f in report.findings]


def find(report: Report, code: str, *, rule: str | None = None) -> list[suppcheck.Finding]:
    return [f for f in report.findings if f.code == code and (rule is None or f.rule_id == rule)]


Check = Callable[..., Report]
