"""The knowledge-base cache can make a run faster, never run code or change a result.

Every test plants something at a cache path (a payload that would run code, a
knowledge base with its rules emptied, a flipped bit, a link, a FIFO, a
folder or file others can write) and shows that the reports are the ones a
run without a cache gives, and that nothing ran.
"""

from __future__ import annotations

import io
import json
import os
import pickle
import stat
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from suppcheck import KnowledgeBase, SuppcheckWarning, check
from suppcheck._kb import cache, loader
from suppcheck._kb.paths import bundled_path

from .conftest import MINI
from .test_cli import run

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "tremor-magnesium-kidney.yaml"
REGIMEN: dict[str, Any] = {
    "profile": {"age": 40, "conditions": ["kidney failure"], "medications": ["doxycycline"]},
    "regimen": [{"substance": "magnesium", "form": "oxide", "amount": "500 mg"}],
}


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("SUPPCHECK_CACHE_DIR", str(where))
    cache._warned.clear()
    return where


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    path = tmp_path / "kb.json"
    path.write_bytes(MINI.read_bytes())
    return path


def entry_name(*paths: Path) -> str:
    name = cache.key([p.read_bytes() for p in paths])
    assert name is not None
    return name


def entry_path(folder: Path, name: str) -> Path:
    return folder / f"{cache._PREFIX}{name}{cache._SUFFIX}"


def report_of(path: Path) -> str:
    kb = loader._load((path,))
    return check(REGIMEN, knowledge=kb).model_dump_json()


class _RunsCode:
    """Pickles as a call of ``exec`` that creates a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (exec, (f"open({str(self.marker)!r}, 'w').write('ran')",))


def signed(folder: Path, name: str, payload: bytes) -> bytes:
    """An entry as the cache writes it, signed with the folder's own key (an attacker who read it)."""
    secret = (folder / cache._KEY_FILE).read_bytes()
    return cache._FORMAT + cache._sign(secret, name, payload) + payload


def unsigned(payload: bytes) -> bytes:
    """An entry in the cache's format with a digest made without the key."""
    return cache._FORMAT + bytes(cache._DIGEST) + payload


def emptied(kb: KnowledgeBase) -> bytes:
    """The knowledge base re-pickled with every rule removed: the silencing attack."""
    data = kb.data.model_copy(update={"rules": ()})
    return pickle.dumps(KnowledgeBase(data, sources=kb.sources), protocol=5)


def no_cache_report(path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    with monkeypatch.context() as m:
        m.setenv("SUPPCHECK_CACHE_DIR", "")
        return report_of(path)


# -- what a planted entry cannot do -------------------------------------------------------------


def plants(marker: Path, kb: KnowledgeBase) -> Iterator[tuple[str, Any]]:
    code = pickle.dumps(_RunsCode(marker), protocol=5)
    yield "code, unsigned", lambda folder, name: unsigned(code)
    yield "code, signed with the folder's key", lambda folder, name: signed(folder, name, code)
    yield "rules emptied, unsigned", lambda folder, name: unsigned(emptied(kb))
    yield "rules emptied, old format", lambda folder, name: emptied(kb)
    yield "a plain pickle of code", lambda folder, name: code


def test_no_planted_entry_runs_code_or_changes_the_report(
    tmp_path: Path, folder: Path, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = no_cache_report(mini, monkeypatch)
    good = loader._load((mini,))
    assert check(REGIMEN, knowledge=good).model_dump_json() == want
    name = entry_name(mini)
    marker = tmp_path / "ran"
    for label, make in plants(marker, good):
        entry_path(folder, name).write_bytes(make(folder, name))
        assert cache.load(name) is None, label
        assert report_of(mini) == want, label
        assert not marker.exists(), f"{label}: the entry ran code"
        # The planted entry was replaced by a good one.
        served = cache.load(name)
        assert served is not None, label
        assert served.data == good.data, label


def test_every_flipped_bit_of_an_entry_is_ignored(folder: Path, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = no_cache_report(mini, monkeypatch)
    name = entry_name(mini)
    loader._load((mini,))
    path = entry_path(folder, name)
    original = path.read_bytes()
    for index in range(len(original)):
        damaged = bytearray(original)
        damaged[index] ^= 1 << (index % 8)
        path.write_bytes(bytes(damaged))
        assert cache.load(name) is None, f"a flip at byte {index} was accepted"
    path.write_bytes(original)
    assert cache.load(name) is not None
    assert report_of(mini) == want


def test_the_unpickler_names_only_knowledge_base_records(folder: Path, mini: Path) -> None:
    good = loader._load((mini,))
    assert cache._RecordsOnly(io.BytesIO(pickle.dumps(good, protocol=5))).load().data == good.data
    for forbidden in (os.system, exec, Path, io.BytesIO, json.loads):
        with pytest.raises(pickle.UnpicklingError, match="is not a knowledge-base record"):
            cache._RecordsOnly(io.BytesIO(pickle.dumps(forbidden, protocol=5))).load()


# -- what the cache opens -------------------------------------------------------------------------


def test_the_folder_is_made_private_whatever_the_umask(folder: Path, mini: Path) -> None:
    old = os.umask(0)
    try:
        loader._load((mini,))
    finally:
        os.umask(old)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / cache._KEY_FILE).stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o777, 0o770, 0o722])
def test_a_folder_others_can_write_is_refused_with_one_warning(
    folder: Path, mini: Path, mode: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = no_cache_report(mini, monkeypatch)
    loader._load((mini,))
    folder.chmod(mode)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        reports = [report_of(mini), report_of(mini)]
    assert reports == [want, want]
    assert [str(w.message) for w in seen] == [
        f"knowledge-base cache {folder} not used: it is writable by others (mode {mode:04o})"
    ], "warned once, not once per load"
    assert all(w.category is SuppcheckWarning for w in seen)
    assert cache.load(entry_name(mini)) is None


def test_a_folder_of_another_user_is_refused(folder: Path, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = no_cache_report(mini, monkeypatch)
    loader._load((mini,))
    real = os.geteuid()
    monkeypatch.setattr(os, "geteuid", lambda: real + 4321)
    with pytest.warns(SuppcheckWarning, match=r"not used: it is owned by user id \d+, not by you"):
        assert report_of(mini) == want
    assert cache.load(entry_name(mini)) is None


def test_an_entry_others_can_write_is_refused(folder: Path, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    want = no_cache_report(mini, monkeypatch)
    loader._load((mini,))
    path = entry_path(folder, entry_name(mini))
    path.chmod(0o666)
    with pytest.warns(SuppcheckWarning, match=r"entry .* not used: it is writable by others"):
        assert cache.load(entry_name(mini)) is None
    assert report_of(mini) == want  # and the entry is replaced by a private one
    assert stat.S_IMODE(path.stat().st_mode) & 0o022 == 0


def test_a_key_others_can_write_is_refused_and_replaced(
    folder: Path, mini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    want = no_cache_report(mini, monkeypatch)
    loader._load((mini,))
    key = folder / cache._KEY_FILE
    key.chmod(0o666)
    with pytest.warns(SuppcheckWarning, match=r"entry .*key not used: it is writable by others"):
        assert report_of(mini) == want
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert cache.load(entry_name(mini)) is not None


def test_a_link_at_an_entry_path_is_not_followed(tmp_path: Path, folder: Path, mini: Path) -> None:
    good = loader._load((mini,))
    name = entry_name(mini)
    path = entry_path(folder, name)
    elsewhere = tmp_path / "elsewhere.bin"
    elsewhere.write_bytes(path.read_bytes())
    path.unlink()
    path.symlink_to(elsewhere)
    assert cache.load(name) is None
    assert loader._load((mini,)).data == good.data
    assert not path.is_symlink(), "the link was replaced by an entry of the cache's own"
    assert elsewhere.read_bytes() == path.read_bytes(), "the link's target was not written through"


def test_a_folder_that_is_a_link_is_refused(tmp_path: Path, mini: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = tmp_path / "real-cache"
    real.mkdir(mode=0o700)
    link = tmp_path / "cache-link"
    link.symlink_to(real)
    monkeypatch.setenv("SUPPCHECK_CACHE_DIR", str(link))
    cache._warned.clear()
    with pytest.warns(SuppcheckWarning, match="it is a symbolic link"):
        loader._load((mini,))
    assert list(real.iterdir()) == []


@pytest.mark.parametrize("where", ["entry", "key"])
def test_a_fifo_at_a_cache_path_never_blocks(folder: Path, mini: Path, where: str) -> None:
    loader._load((mini,))
    path = entry_path(folder, entry_name(mini)) if where == "entry" else folder / cache._KEY_FILE
    path.unlink()
    os.mkfifo(path, 0o600)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert cache.load(entry_name(mini)) is None  # opening a FIFO for reading would wait for a writer
    assert any("not a regular file" in str(w.message) for w in seen)


# -- end to end -------------------------------------------------------------------------------------


def test_cli_reports_are_the_same_whatever_is_planted(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    env = {"SUPPCHECK_CACHE_DIR": str(folder)}
    off = run(["check", str(EXAMPLE), "--format", "json"], cwd=tmp_path, env={"SUPPCHECK_CACHE_DIR": ""})
    assert off.returncode == 1
    assert json.loads(off.stdout)["findings"]
    first = run(["check", str(EXAMPLE), "--format", "json"], cwd=tmp_path, env=env)
    assert (first.returncode, first.stdout) == (off.returncode, off.stdout)
    name = entry_name(bundled_path())
    path = entry_path(folder, name)
    assert path.is_file(), "the command line keeps its entry under the name the library computes"
    marker = tmp_path / "ran"
    kb = loader.build([(str(bundled_path()), loader.read_file(bundled_path()))])
    for label, make in plants(marker, kb):
        path.write_bytes(make(folder, name))
        planted = run(["check", str(EXAMPLE), "--format", "json"], cwd=tmp_path, env=env)
        assert (planted.returncode, planted.stdout) == (off.returncode, off.stdout), label
        assert not marker.exists(), f"{label}: the entry ran code"
    folder.chmod(0o777)
    unsafe = run(["check", str(EXAMPLE), "--format", "json"], cwd=tmp_path, env=env)
    assert (unsafe.returncode, unsafe.stdout) == (off.returncode, off.stdout)
    (line,) = unsafe.stderr.splitlines()
    assert line == f"suppcheck: warning: knowledge-base cache {folder} not used: it is writable by others (mode 0777)"
