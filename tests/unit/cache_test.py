"""Caches cannot be poisoned: the cache folder is private (the user's, mode 0700) or not used at all, files
are read only when the user owns them and never through symlinks, and writes go through unpredictable temp
names. A cache may skip work, never change what is printed, written or deleted."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from helpers import capture
from multus_gen import cache as memo

ROOT = os.geteuid() == 0


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("MULTUS_GEN_CACHE_DIR", str(folder))
    monkeypatch.delenv("MULTUS_GEN_CACHE", raising=False)
    memo.take_warnings()
    memo._warned.clear()
    return folder


def test_the_folder_is_created_private(cache_dir: Path) -> None:
    assert memo.cache_root() == cache_dir
    assert stat.S_IMODE(cache_dir.stat().st_mode) == 0o700
    memo.remember("ab" + "0" * 62, [("a.yaml", "0" * 64)], [])
    for folder in (cache_dir / "render", cache_dir / "render/ab"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert memo.take_warnings() == []


def _others_may_write(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(0o777)


def _symlink(folder: Path) -> None:
    real = folder.with_name("real")
    real.mkdir(mode=0o700)
    folder.symlink_to(real)


def _another_owner(folder: Path) -> None:
    if not ROOT:
        pytest.skip("only root can give a folder to another user")
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)


@pytest.mark.parametrize(
    ("make", "why"),
    [(_others_may_write, "may be written by others"), (_symlink, "is a symlink"), (_another_owner, "another user")],
)
def test_an_unsafe_folder_is_not_used_and_said_once(cache_dir: Path, make: object, why: str) -> None:
    make(cache_dir)  # type: ignore[operator]
    assert memo.cache_root() is None and memo.verdict_store() is None
    assert memo.cache_root() is None
    warnings = memo.take_warnings()
    assert len(warnings) == 1 and why in warnings[0] and "running without the cache" in warnings[0]
    assert memo.render_key(Path(__file__), cache_dir, None) is None  # nothing remembered or recalled


def test_the_cli_warns_once_and_prints_what_it_prints_without_a_cache(cache_dir: Path) -> None:
    _others_may_write(cache_dir)
    code, out, err = capture(["helmchart", "--ipam", "dhcp"])
    assert code == 0 and err.count("running without the cache") == 1, err
    os.environ["MULTUS_GEN_CACHE"] = "off"
    try:
        assert capture(["helmchart", "--ipam", "dhcp"])[1] == out
    finally:
        del os.environ["MULTUS_GEN_CACHE"]
    assert list(cache_dir.iterdir()) == []  # nothing written into it


def test_writes_never_follow_a_planted_symlink(cache_dir: Path, tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    key = "cd" + "1" * 62
    record = cache_dir / "render" / "cd" / f"{key}.json"
    record.parent.mkdir(parents=True, mode=0o700)
    (cache_dir / "render").chmod(0o700)
    cache_dir.chmod(0o700)
    record.symlink_to(victim)
    assert memo.recall(key) is None  # not read through the symlink
    memo.remember(key, [("a.yaml", "2" * 64)], [])
    assert victim.read_text() == "precious\n"
    assert not record.is_symlink() and memo.recall(key) == memo.Remembered((("a.yaml", "2" * 64),), ())
    assert [p.name for p in record.parent.iterdir()] == [record.name]  # no temp file left behind


def test_a_verdict_marker_is_trusted_only_as_a_regular_file_of_the_user(cache_dir: Path, tmp_path: Path) -> None:
    store = memo.verdict_store()
    assert store is not None
    doc = {"kind": "HelmChart"}
    store.remember_pass(b"schema", doc)
    assert store.passed(b"schema", doc)
    marker = store._marker(b"schema", doc)
    assert marker is not None
    marker.unlink()
    marker.symlink_to(tmp_path)  # a planted symlink is no verdict
    assert not store.passed(b"schema", doc)
    marker.unlink()
    if ROOT:
        marker.touch()
        os.chown(marker, 65534, 65534)  # a marker of another user is no verdict
        assert not store.passed(b"schema", doc)


def test_a_record_of_another_user_is_not_recalled(cache_dir: Path) -> None:
    if not ROOT:
        pytest.skip("only root can give a file to another user")
    key = "ef" + "3" * 62
    memo.remember(key, [("a.yaml", "4" * 64)], [])
    assert memo.recall(key) is not None
    path = cache_dir / "render" / "ef" / f"{key}.json"
    os.chown(path, 65534, 65534)
    assert memo.recall(key) is None
