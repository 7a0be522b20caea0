"""The built wheel carries the knowledge base and loads it with no source tree around."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_wheel_ships_and_loads_the_knowledge_base(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("suppcheck-*.whl")
    env_dir = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", str(wheel)],
        check=True,
        capture_output=True,
    )
    # The fresh environment borrows only the dependencies (pydantic, pint, ...)
    # from this one: a directory named in a .pth file does not run that
    # directory's own .pth files, so the editable checkout stays invisible.
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    code = (
        "import suppcheck, pathlib\n"
        "from suppcheck._kb.loader import bundled_path\n"
        "kb = suppcheck.load_knowledge()\n"
        "print(pathlib.Path(suppcheck.__file__).resolve())\n"
        "print(bundled_path().resolve())\n"
        "print(len(kb.rules), len(kb.substances))\n"
        "r = suppcheck.check({'profile': {'age': 58}, 'regimen': [{'substance': 'magnesium', 'amount': '800 mg'}]})\n"
        "print(r.findings[0].code)\n"
    )
    out = subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True, cwd=tmp_path)
    package, data, counts, code_seen = out.stdout.split("\n")[:4]
    assert package.startswith(str(env_dir.resolve()))
    assert data.startswith(str(env_dir.resolve()))
    assert data.endswith("suppcheck/data/interactions.json")
    rules, substances = map(int, counts.split())
    assert rules >= 150
    assert substances >= 25
    assert code_seen == "dose.above_upper_limit"
    listing = subprocess.run(
        [sys.executable, "-m", "zipfile", "-l", str(wheel)], check=True, capture_output=True, text=True
    ).stdout
    assert "py.typed" in listing
    for schema in ("interactions.schema.json", "regimen.schema.json", "report.schema.json"):
        assert f"suppcheck/data/{schema}" in listing
