"""Shared test fixtures.

``own_cache`` keeps the run's multus-gen cache out of ~/.cache. ``shared`` is the one way tests reach
../shared (FACTS, upstream fixtures): it honours ``MULTUS_GEN_SHARED`` and defaults to ``../shared`` next to
the checkout. ``require_real`` turns a missing real part (helm engine, CNI plugins, root, kubectl, ../shared)
into a skip with a clear reason, or into a failure when ``MULTUS_GEN_REQUIRE_REAL=1`` (as CI sets it).
Plain helper functions and constants the test modules share live in tests/helpers.py.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

import helpers
from helpers import CHECKOUT, GIT_SETUP_ENV


def pytest_configure(config: pytest.Config) -> None:
    """``-m "not slow"`` (the inner loop) also shrinks the property tests: see ``helpers.examples``."""
    helpers.FAST = "not slow" in (config.getoption("markexpr", "") or "")
    for name in ("MULTUS_GEN_K3S_VERSION", "MULTUS_GEN_DATA_DIR", "MULTUS_GEN_CHART_VERSION", "MULTUS_GEN_DISTRO"):
        os.environ.pop(name, None)  # the flags' variables: the tests expect the defaults


def real_required() -> bool:
    return os.environ.get("MULTUS_GEN_REQUIRE_REAL", "") not in ("", "0", "false", "no")


def missing_real_part(reason: str) -> NoReturn:
    """Skip (or, under MULTUS_GEN_REQUIRE_REAL=1, fail) because a real part is missing."""
    if real_required():
        pytest.fail(f"MULTUS_GEN_REQUIRE_REAL=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def shared_dir() -> Path:
    env = os.environ.get("MULTUS_GEN_SHARED")
    return Path(env).resolve() if env else (CHECKOUT.parent / "shared").resolve()


@pytest.fixture(scope="session", autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The whole run keeps multus-gen's cache (verdicts, remembered renders) in a folder of its own, not in
    the user's ~/.cache; subprocesses inherit it. Tests about the cache set their own."""
    folder = tmp_path_factory.mktemp("multus-gen-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MULTUS_GEN_CACHE_DIR", str(folder))
        patch.delenv("MULTUS_GEN_CACHE", raising=False)
        yield folder


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder (FACTS.md, fixtures/), read-only."""
    path = shared_dir()
    if not (path / "fixtures").is_dir():
        missing_real_part(
            f"../shared fixtures not found at {path} (set MULTUS_GEN_SHARED to the folder holding fixtures/)"
        )
    return path


@pytest.fixture(scope="session")
def crds(shared: Path) -> Path:
    """The upstream CRDs in ../shared/fixtures/crds (HelmChart, NAD, Flux, Argo CD ...)."""
    return shared / "fixtures" / "crds"


@pytest.fixture(scope="session")
def require_real():  # type: ignore[no-untyped-def]
    """Call ``require_real("why")`` to skip/fail for a missing real part."""
    return missing_real_part


def isolate_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gitconfig: str) -> Path:
    """HOME and a global git config of the test's own, so the machine's git settings cannot leak in."""
    import shutil

    if shutil.which("git") is None:
        missing_real_part("git is not installed")
    home = tmp_path / "home"
    home.mkdir()
    config = home / ".gitconfig"
    config.write_text(gitconfig)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in [*GIT_SETUP_ENV, "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "EMAIL"]:
        monkeypatch.delenv(name, raising=False)
    return config


@pytest.fixture
def remote(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, require_real) -> Path:  # type: ignore[no-untyped-def]
    """A bare repository as the remote (main as the default branch), with git isolated from the machine's
    settings; a module may define its own ``remote`` (git_sink_test, git_setup_test do)."""
    config = "[init]\n\tdefaultBranch = main\n[user]\n\tname = Jane\n\temail = j@example.org\n"
    isolate_git(tmp_path, monkeypatch, config)
    bare = tmp_path / "remote.git"
    helpers.git(tmp_path, "init", "-q", "--bare", str(bare))
    return bare


@pytest.fixture
def repo(tmp_path: Path, remote: Path) -> Path:
    """A clone of ``remote`` with one pushed commit (README.md) on main."""
    work = tmp_path / "repo"
    helpers.git(tmp_path, "clone", "-q", str(remote), str(work))
    (work / "README.md").write_text("fleet\n")
    helpers.git(work, "add", "-A")
    helpers.git(work, "commit", "-q", "-m", "seed")
    helpers.git(work, "push", "-q", "origin", "main")
    return work
