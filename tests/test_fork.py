"""``suppcheck.preload()`` makes a process safe to fork while other threads check.

Each scenario runs in a fresh interpreter of its own, with a timeout, so a
deadlocked child can fail the test but never hang the suite; each forked
child also has an alarm that kills it if it waits too long.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .conftest import ROOT

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def python(script: str, *, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        cwd=ROOT,
    )


def regimens() -> list[dict[str, object]]:
    """Every example and golden case, and a few that take the rarer paths (pint, name suggestions)."""
    import yaml

    found: list[dict[str, object]] = []
    for path in sorted([*(ROOT / "examples").iterdir(), *(ROOT / "tests" / "golden").iterdir()]):
        if path.name.endswith(".expected.yaml"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found.append(data.get("input", data) if "regimen" not in data else data)
    found += [
        {"profile": {"age": 30}, "regimen": [{"substance": "iron", "amount": "0.02 gm"}]},
        {
            "profile": {"age": 70, "medications": ["lasix", "xyz"]},
            "regimen": [{"substance": "magnezium", "amount": "1 kg"}],
        },
        {
            "profile": {"conditions": ["pregnant?"]},
            "regimen": [{"substance": "zinc", "form": "gluconat", "amount": "9 mg"}],
        },
    ]
    return found


def test_after_preload_a_check_imports_nothing() -> None:
    result = python(
        f"""
        import json, sys
        import suppcheck
        from suppcheck import InputError

        regimens = json.loads({json.dumps(json.dumps(regimens()))})
        suppcheck.preload()
        before = set(sys.modules)
        checked = 0
        for regimen in regimens:
            try:
                report = suppcheck.check(regimen)
            except InputError:
                continue
            report.model_dump_json()
            report.model_dump(mode="json")
            suppcheck.RegimenFile.model_validate(regimen)
            checked += 1
        print(checked, sorted(set(sys.modules) - before))
        """
    )
    assert result.returncode == 0, result.stderr
    checked, new = result.stdout.split(" ", 1)
    assert int(checked) >= 8
    assert new.strip() == "[]", f"modules a check imported after preload(): {new}"


def test_preload_is_needed_the_first_check_imports_modules() -> None:
    # Without preload() the first check imports (so takes import locks): what makes preload() worth calling.
    result = python(
        """
        import sys
        import suppcheck
        before = set(sys.modules)
        suppcheck.check({"profile": {"age": 40}, "regimen": [{"substance": "zinc", "amount": "9 mg"}]})
        print(len(set(sys.modules) - before))
        """
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 0


FORKS = 40


def test_forking_while_another_thread_checks_leaves_no_child_waiting() -> None:
    result = python(
        f"""
        import json, os, signal, sys, threading
        import suppcheck

        regimens = json.loads({json.dumps(json.dumps(regimens()))})
        suppcheck.preload()
        forked = threading.Event()
        done = threading.Event()

        def check_all():
            # Checks keep running in this thread while the main thread forks.
            while not done.is_set():
                for regimen in regimens:
                    try:
                        suppcheck.check(regimen)
                    except suppcheck.InputError:
                        pass
                forked.wait(0)

        worker = threading.Thread(target=check_all)
        worker.start()
        statuses = []
        for i in range({FORKS}):
            pid = os.fork()
            if pid == 0:
                signal.alarm(30)  # a deadlocked child dies of SIGALRM instead of hanging
                report = suppcheck.check(regimens[i % len(regimens)] if i % 2 else regimens[0])
                os._exit(0 if report.knowledge_version else 1)
            statuses.append(os.waitpid(pid, 0)[1])
        done.set()
        worker.join()
        print(json.dumps(statuses))
        """
    )
    assert result.returncode == 0, result.stderr
    statuses = json.loads(result.stdout)
    assert len(statuses) == FORKS
    assert statuses == [0] * FORKS, "a forked child hung (SIGALRM) or failed"


def test_the_readme_documents_preload() -> None:
    readme = Path(ROOT / "README.md").read_text(encoding="utf-8")
    assert "suppcheck.preload()" in readme


def test_the_batch_fork_server_preload_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    # The fork server imports suppcheck._forkserver before forking workers; a failure there must only
    # mean that each worker loads the knowledge base itself, never a dead fork server.
    import gc
    import importlib

    import suppcheck._forkserver as forkserver
    import suppcheck._preload

    def broken() -> None:
        raise OSError("the knowledge-base cache cannot be read")

    monkeypatch.setattr(suppcheck._preload, "preload", broken)
    try:
        importlib.reload(forkserver)
    finally:
        gc.unfreeze()
