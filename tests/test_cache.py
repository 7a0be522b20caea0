"""The cache of validated knowledge bases: a hit serves the same records, nothing stale or broken is served."""

from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any

import pytest

from suppcheck import KnowledgeBase, KnowledgeBaseError, check
from suppcheck._engine import derived
from suppcheck._kb import cache, loader

from .conftest import MINI
from .test_cli import run


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("SUPPCHECK_CACHE_DIR", str(where))
    return where


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, ...]]:
    """Every full validation and cross-check, by the files it built from."""
    seen: list[tuple[str, ...]] = []
    real = loader.build

    def counting(files: Any) -> Any:
        seen.append(tuple(Path(source).name for source, _ in files))
        return real(files)

    monkeypatch.setattr(loader, "build", counting)
    return seen


def copy_of_mini(tmp_path: Path, name: str = "kb.json") -> Path:
    path = tmp_path / name
    path.write_text(MINI.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_second_load_is_served_from_the_cache(tmp_path: Path, folder: Path, builds: list[tuple[str, ...]]) -> None:
    path = copy_of_mini(tmp_path)
    first = loader._load((path,))
    assert builds == [("kb.json",)]
    assert len(cache.entries()) == 1
    second = loader._load((path,))
    assert builds == [("kb.json",)], "the second load validated again"
    assert second.data == first.data
    assert second.sources == first.sources == (str(path),)
    assert second.substance("magnesium") == first.substance("magnesium")


def test_a_cached_knowledge_base_has_the_indexes_a_fresh_one_builds_and_no_memos(
    tmp_path: Path, folder: Path, builds: list[tuple[str, ...]]
) -> None:
    fresh = loader.default_knowledge()
    check({"profile": {"age": 40}, "regimen": [{"substance": "magnesium", "amount": "400 mg"}]}, knowledge=fresh)
    assert fresh._resolved, "a check leaves memos behind"
    assert derived._by_knowledge[fresh].rule_views, "and derives the engine's indexes beside it"
    cache.store("entry", fresh)
    served = cache.load("entry")
    assert served is not None
    assert served is not fresh
    rebuilt = KnowledgeBase(fresh.data, sources=fresh.sources)
    # Everything but the memos, attribute by attribute; the mapping views stay read-only.
    assert served.__dict__.keys() == rebuilt.__dict__.keys()
    for name, value in rebuilt.__dict__.items():
        assert type(served.__dict__[name]) is type(value), name
        assert served.__dict__[name] == value, name
    assert (served._resolved, served._medication_cache, served._amount_problems) == ({}, {}, {})
    assert served not in derived._by_knowledge, "what the engine derived stays with the process that derived it"
    with pytest.raises(TypeError):
        served.substances["x"] = served.substances["magnesium"]  # type: ignore[index]
    assert served.substance("MAGNESIUM") is served.substances["magnesium"] in served.data.substances


def test_the_same_contents_under_another_path_are_served_with_that_path(
    tmp_path: Path, folder: Path, builds: list[tuple[str, ...]]
) -> None:
    first = loader._load((copy_of_mini(tmp_path, "one.json"),))
    second = loader._load((copy_of_mini(tmp_path, "two.json"),))
    assert len(builds) == 1
    assert (first.sources, second.sources) == ((str(tmp_path / "one.json"),), (str(tmp_path / "two.json"),))


def test_an_edited_file_is_never_served_stale(tmp_path: Path, folder: Path, builds: list[tuple[str, ...]]) -> None:
    path = copy_of_mini(tmp_path)
    loader._load((path,))
    data = json.loads(path.read_text(encoding="utf-8"))
    data["knowledge_version"] = "2099.1.1"
    path.write_text(json.dumps(data), encoding="utf-8")
    kb = loader._load((path,))
    assert kb.version == "2099.1.1"
    assert len(builds) == 2
    assert len(cache.entries()) == 2


def test_extra_files_are_part_of_the_key(tmp_path: Path, folder: Path, builds: list[tuple[str, ...]]) -> None:
    base = copy_of_mini(tmp_path)
    extra = tmp_path / "extra.json"
    extra.write_text(json.dumps({"references": []}), encoding="utf-8")
    loader._load((base,))
    loader._load((base, extra))
    loader._load((base, extra))
    assert builds == [("kb.json",), ("kb.json", "extra.json")]


def test_a_broken_knowledge_base_is_reported_and_never_stored(tmp_path: Path, folder: Path) -> None:
    data = json.loads(MINI.read_text(encoding="utf-8"))
    data["rules"][0]["references"] = ["no-such-reference"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    for _ in range(2):
        with pytest.raises(KnowledgeBaseError, match="unknown reference 'no-such-reference'"):
            loader._load((path,))
    assert cache.entries() == []


@pytest.mark.parametrize(
    "damage",
    [b"", b"not a pickle", pickle.dumps({"substances": []}), pickle.dumps("a string")],
    ids=["empty", "garbage", "a dict", "a string"],
)
def test_a_torn_or_foreign_entry_is_a_miss_and_is_replaced(
    tmp_path: Path, folder: Path, builds: list[tuple[str, ...]], damage: bytes
) -> None:
    path = copy_of_mini(tmp_path)
    good = loader._load((path,))
    (entry,) = cache.entries()
    entry.write_bytes(damage)
    again = loader._load((path,))
    assert again.data == good.data
    assert len(builds) == 2
    name = entry.name.removeprefix(cache._PREFIX).removesuffix(cache._SUFFIX)
    replaced = cache.load(name)
    assert replaced is not None
    assert replaced.data == good.data


def test_an_empty_setting_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, builds: list[tuple[str, ...]]
) -> None:
    monkeypatch.setenv("SUPPCHECK_CACHE_DIR", "")
    path = copy_of_mini(tmp_path)
    loader._load((path,))
    loader._load((path,))
    assert cache.directory() is None
    assert len(builds) == 2
    assert not any(tmp_path.rglob("kb-*.bin"))


def test_a_cache_that_cannot_be_written_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("SUPPCHECK_CACHE_DIR", str(blocker / "cache"))
    kb = loader._load((copy_of_mini(tmp_path),))
    assert kb.substance("magnesium") is not None


def test_old_entries_are_pruned(tmp_path: Path, folder: Path) -> None:
    path = copy_of_mini(tmp_path)
    data = json.loads(path.read_text(encoding="utf-8"))
    for i in range(cache._KEEP + 3):
        data["knowledge_version"] = f"2099.1.{i}"
        path.write_text(json.dumps(data), encoding="utf-8")
        loader._load((path,))
    assert len(cache.entries()) == cache._KEEP
    newest = loader._load((path,))
    assert newest.version == f"2099.1.{cache._KEEP + 2}"
    assert cache.clear() == cache._KEEP
    assert cache.entries() == []


def test_the_key_covers_the_models_and_versions(monkeypatch: pytest.MonkeyPatch) -> None:
    contents = [b"{}"]
    key = cache.key(contents)
    assert key is not None
    assert key == cache.key(contents)
    assert cache.key([b"{} "]) != key
    assert cache.key([b"{", b"}"]) != key, "parts are hashed with their lengths"
    monkeypatch.setattr(cache, "__version__", "0.0.0-other")
    assert cache.key(contents) != key
    monkeypatch.undo()
    monkeypatch.setattr(cache, "_model_sources", lambda: [b"class Rule: ..."])
    assert cache.key(contents) != key
    monkeypatch.setattr(cache, "_model_sources", lambda: None)
    assert cache.key(contents) is None


def test_cli_reports_are_the_same_from_the_cache(tmp_path: Path) -> None:
    env = {"SUPPCHECK_CACHE_DIR": str(tmp_path / "cache")}
    example = str(Path(__file__).resolve().parents[1] / "examples" / "tremor-magnesium-kidney.yaml")
    first = run(["check", example, "--format", "json"], cwd=tmp_path, env=env)
    assert len(list((tmp_path / "cache").glob("kb-*.bin"))) == 1
    second = run(["check", example, "--format", "json"], cwd=tmp_path, env=env)
    off = run(["check", example, "--format", "json"], cwd=tmp_path, env={**env, "SUPPCHECK_CACHE_DIR": ""})
    assert first.returncode == second.returncode == off.returncode == 1
    assert first.stdout == second.stdout == off.stdout
    assert json.loads(first.stdout)["findings"]

    shown = run(["kb", "cache"], cwd=tmp_path, env=env)
    assert shown.returncode == 0
    assert shown.stdout.startswith(f"{tmp_path / 'cache'}: 1 cached knowledge base(s), ")
    cleared = run(["kb", "cache", "--clear"], cwd=tmp_path, env=env)
    assert cleared.stdout == f"{tmp_path / 'cache'}: removed 1 cached knowledge base(s)\n"
    assert not list((tmp_path / "cache").glob("kb-*.bin"))
    off_shown = run(["kb", "cache"], cwd=tmp_path, env={**env, "SUPPCHECK_CACHE_DIR": ""})
    assert off_shown.stdout == "the knowledge-base cache is off (SUPPCHECK_CACHE_DIR is empty)\n"
