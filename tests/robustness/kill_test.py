"""SIGKILL `multus-gen install` and `multus-gen commit` at random points, as real subprocesses.

install (RUNS_INSTALL runs): writes alternate between two large HelmCharts (user values of 60-80 KB) into a
manifests folder, while a reader process reads the target and lists the folder without pause. Half of the
kills land at a random moment of the run, half the moment a temporary file shows up (mid-write). The folder
only ever holds the old or the new complete file under a non-dot name; temporary files are dot files (K3s
skips them), at most one is left behind, and the next writer removes it.

commit (RUNS_COMMIT runs): in a real repository with the user's staged, unstaged, staged-then-modified and
untracked changes; killed at a random moment of the run, in its second half, or the moment the branch
moves; either the multus-gen process alone (its git children finish) or its whole process group (git too).
Afterwards `git fsck --full --strict` passes, the user's changes are byte for byte what they were, and our
file is the old or the new version -- in HEAD, the index and the working tree. A git killed while holding a
lock (``.git/index.lock``, ``.git/refs/heads/main.lock``) leaves it behind, as git itself does; the test
removes it as a user would (git's message says so) and counts it.

No timing asserts: times are measured only to spread the kills over a run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from multus_gen.cli import run
from multus_gen.sinks.folder import TEMP_SUFFIX

RUNS_INSTALL = 30
RUNS_COMMIT = 20
OURS = "clusters/prod/multus.yaml"
TEMP = re.compile(r"^\..+\.[0-9a-f]{16}" + re.escape(TEMP_SUFFIX) + "$")

READER = """
import json, os, sys
from pathlib import Path
os.nice(10)  # leave the CPUs to the writer and the killer: the reader only has to keep looking
folder, stop = Path(sys.argv[1]), Path(sys.argv[2])
versions = {Path(p).read_bytes() for p in sys.argv[3:]}
reads, bad, names_bad = 0, [], []
target = folder / "multus.yaml"
while not stop.exists():
    data = target.read_bytes()
    reads += 1
    if data not in versions:
        bad.append(len(data))
    visible = sorted(n for n in os.listdir(folder) if not n.startswith("."))
    if visible != ["multus.yaml"]:
        names_bad.append(visible)
print(json.dumps({"reads": reads, "bad": bad[:5], "bad_count": len(bad), "names_bad": names_bad[:5]}))
"""


def env() -> dict[str, str]:
    out = dict(os.environ)  # the installed package, as users run it
    out.pop("MULTUS_GEN_DEBUG", None)
    return out


def cli(*argv: str) -> list[str]:
    return [sys.executable, "-m", "multus_gen", *argv]


def helmchart_text(values: Path) -> bytes:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        assert run(["helmchart", "-f", str(values)]) == 0, err.getvalue()
    return out.getvalue().encode("utf-8")


def big_values(folder: Path, name: str, letter: str, count: int) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump({"labels": {f"k{i}": letter * 1000 for i in range(count)}}))
    return path


def temps(folder: Path) -> list[str]:
    return [n for n in os.listdir(folder) if TEMP.match(n)]


@pytest.mark.slow
def test_install_killed_at_random_points(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    a, b = big_values(tmp_path, "a.yaml", "a", 60), big_values(tmp_path, "b.yaml", "b", 80)
    texts = {a: helmchart_text(a), b: helmchart_text(b)}
    for values, text in texts.items():
        (tmp_path / f"{values.stem}.expected").write_bytes(text)

    started = time.monotonic()
    done = subprocess.run(cli("install", "-f", str(a), "--manifests-dir", str(folder)), env=env(), capture_output=True)
    full_run = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert (folder / "multus.yaml").read_bytes() == texts[a]

    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(folder), str(stop), *(str(tmp_path / f"{v.stem}.expected") for v in texts)],
        stdout=subprocess.PIPE,
        text=True,
    )
    rng = random.Random(7301)
    killed_mid_write = completed = 0
    try:
        for i in range(RUNS_INSTALL):
            # always the version the target does not hold, so that every run has something to write
            values = b if (folder / "multus.yaml").read_bytes() == texts[a] else a
            old_temps = set(temps(folder))
            child = subprocess.Popen(
                cli("install", "-f", str(values), "--manifests-dir", str(folder)),
                env=env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            if i % 2 == 0:  # a random moment of the run
                time.sleep(rng.uniform(0, full_run * 1.5))
            else:  # the moment a temporary file appears, i.e. during the write
                deadline = time.monotonic() + full_run * 3
                while child.poll() is None and time.monotonic() < deadline:
                    if set(temps(folder)) - old_temps:
                        break
            child.send_signal(signal.SIGKILL)
            code = child.wait(30)
            completed += code == 0
            stale = temps(folder)
            killed_mid_write += bool(set(stale) - old_temps)
            assert len(stale) <= 1, f"run {i}: stale temporary files pile up: {stale}"
            assert (folder / "multus.yaml").read_bytes() in texts.values(), f"run {i}: a partial target"
            visible = sorted(n for n in os.listdir(folder) if not n.startswith("."))
            assert visible == ["multus.yaml"], f"run {i}: {visible}"
    finally:
        stop.write_text("")
        out, _ = reader.communicate(timeout=60)
    reading = json.loads(out)
    assert reading["bad_count"] == 0 and reading["names_bad"] == [], reading
    assert reading["reads"] > 0

    done = subprocess.run(cli("install", "-f", str(b), "--manifests-dir", str(folder)), env=env(), capture_output=True)
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(folder)) == ["multus.yaml"]  # stale temporary files and the lock are gone
    assert (folder / "multus.yaml").read_bytes() == texts[b]
    print(json.dumps({"runs": RUNS_INSTALL, "completed": completed, "killed_mid_write": killed_mid_write, **reading}))
    assert killed_mid_write > 0, "no kill landed during a write: the test proves nothing"


# -- commit --------------------------------------------------------------------------------------------------


def git(repo: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, env=git_env())
    if check:
        assert done.returncode == 0, f"git {' '.join(args)}: {done.stderr}"
    return done.stdout


GIT_HOME: list[Path] = []


def git_env() -> dict[str, str]:
    home = GIT_HOME[0]
    out = {**env(), "HOME": str(home), "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"), "GIT_CONFIG_NOSYSTEM": "1"}
    for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        out.pop(name, None)
    return out


def user_state(repo: Path) -> dict[str, object]:
    """Everything about the user's changes, leaving out our file and our temporary dot files."""

    def ours(path: str) -> bool:
        return path == OURS or bool(TEMP.match(Path(path).name))

    status = [line for line in git(repo, "status", "--porcelain=v1", "--untracked-files=all").splitlines()]
    files = {}
    for path in sorted(repo.rglob("*")):
        rel = path.relative_to(repo).as_posix()
        if path.is_file() and not rel.startswith(".git/") and not ours(rel):
            files[rel] = path.read_bytes()
    return {
        "status": [line for line in status if not ours(line[3:])],
        "unstaged": git(repo, "diff", "--", ".", f":!{OURS}"),
        "staged": git(repo, "diff", "--cached", "--", ".", f":!{OURS}"),
        "files": files,
    }


def wait_for_group(pgid: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.005)
    raise AssertionError("the killed commit's git children did not finish")


@pytest.mark.slow
def test_commit_killed_at_random_points(tmp_path: Path, require_real) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("git") is None:
        require_real("git is not installed")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n[user]\n\tname = Jane\n\temail = jane@example.org\n"
    )
    GIT_HOME[:] = [home]
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    for rel, text in {
        "README.md": "readme\n",
        "app/config.yaml": "a: 1\n",
        "clusters/prod/keep.yaml": "k: 1\n",
    }.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "seed")
    # the user's work in progress
    (repo / "README.md").write_text("readme, edited but not staged\n")
    (repo / "app/config.yaml").write_text("a: 2\n")
    git(repo, "add", "app/config.yaml")
    (repo / "app/config.yaml").write_text("a: 3\n")
    (repo / "new-staged.txt").write_text("new and staged\n")
    git(repo, "add", "new-staged.txt")
    (repo / "notes.txt").write_text("untracked\n")
    before = user_state(repo)

    a, b = big_values(tmp_path, "a.yaml", "a", 20), big_values(tmp_path, "b.yaml", "b", 30)
    texts = {helmchart_text(a), helmchart_text(b)}
    blobs = {
        subprocess.run(["git", "hash-object", "--stdin"], input=t, capture_output=True).stdout.strip() for t in texts
    }

    def commit(values: Path) -> subprocess.Popen[bytes]:
        argv = cli("commit", "--repo", str(repo), "--path", OURS, "-f", str(values), "-m", f"multus {values.stem}")
        return subprocess.Popen(
            argv, env=git_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )

    started = time.monotonic()
    first = commit(a)
    _, err = first.communicate(timeout=120)
    full_run = time.monotonic() - started
    assert first.returncode == 0, err

    rng = random.Random(4242)
    stats = {
        "runs": RUNS_COMMIT,
        "completed": 0,
        "killed": 0,
        "committed_then_killed": 0,
        "git_locks_left": 0,
        "interrupted_syncs": 0,
        "group_kills": 0,
    }
    for i in range(RUNS_COMMIT):
        head = git(repo, "rev-parse", "HEAD")
        child = commit(b if i % 2 == 0 else a)
        if i % 4 == 3:  # the moment the branch moves: between update-ref and the working-tree/index update
            ref = repo / ".git/refs/heads/main"
            deadline = time.monotonic() + full_run * 3
            while child.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    if ref.read_text().strip() != head.strip():
                        break
        elif i % 2:  # anywhere in the run
            time.sleep(rng.uniform(0, full_run * 1.2))
        else:  # in its second half, where git does its work
            time.sleep(rng.uniform(full_run * 0.5, full_run * 1.1))
        whole_group = i % 3 == 0
        if child.poll() is None:
            stats["killed"] += 1
            stats["group_kills"] += whole_group
            with contextlib.suppress(ProcessLookupError):
                (os.killpg if whole_group else os.kill)(child.pid, signal.SIGKILL)
        _, err = child.communicate(timeout=120)
        stats["completed"] += child.returncode == 0
        stats["committed_then_killed"] += child.returncode != 0 and git(repo, "rev-parse", "HEAD") != head
        assert child.returncode in (0, -signal.SIGKILL), err
        wait_for_group(child.pid)
        for lock in (repo / ".git").rglob("*.lock"):  # index.lock, refs/heads/main.lock, HEAD.lock...
            stats["git_locks_left"] += 1
            lock.unlink()
        git(repo, "fsck", "--full", "--strict", "--no-progress")
        assert user_state(repo) == before, f"run {i}: the user's changes moved"
        in_head = git(repo, "cat-file", "-p", f"HEAD:{OURS}").encode()
        assert in_head in texts, f"run {i}: HEAD holds a partial file"
        index = git(repo, "ls-files", "-s", "--", OURS).split()
        assert index and index[1].encode() in blobs, f"run {i}: index entry {index}"
        worktree = repo / OURS
        assert not worktree.exists() or worktree.read_bytes() in texts, f"run {i}: a partial working-tree file"
        leftovers = [p.name for p in worktree.parent.iterdir() if p.name not in ("multus.yaml", "keep.yaml")]
        assert all(TEMP.match(n) for n in leftovers), leftovers

    # A run killed between update-ref and the index update leaves our path staged back to the old version
    # (HEAD has the new one); the next run finishes that update (see the test below), so just go on.
    if git(repo, "status", "--porcelain", "--", OURS):
        stats["interrupted_syncs"] = 1
    c = big_values(tmp_path, "c.yaml", "c", 25)
    final = commit(c)
    _, err = final.communicate(timeout=120)
    assert final.returncode == 0, err
    git(repo, "fsck", "--full", "--strict", "--no-progress")
    assert user_state(repo) == before
    assert (repo / OURS).read_bytes() == helmchart_text(c)
    assert git(repo, "status", "--porcelain", "--", OURS) == ""
    stats["stale_temp_files"] = len([n for n in os.listdir(repo / "clusters/prod") if TEMP.match(n)])
    print(json.dumps(stats))
    assert stats["killed"] > 0


@pytest.mark.slow
def test_rerun_after_a_kill_between_update_ref_and_index_update(tmp_path: Path, require_real) -> None:  # type: ignore[no-untyped-def]
    if shutil.which("git") is None:
        require_real("git is not installed")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n[user]\n\tname = Jane\n\temail = j@example.org\n")
    GIT_HOME[:] = [home]
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README.md").write_text("readme\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "seed")
    a, b = big_values(tmp_path, "a.yaml", "a", 20), big_values(tmp_path, "b.yaml", "b", 20)
    argv = cli("commit", "--repo", str(repo), "--path", OURS)
    assert subprocess.run([*argv, "-f", str(a)], env=git_env(), capture_output=True).returncode == 0
    ref = repo / ".git/refs/heads/main"
    for _attempt in range(10):
        head = ref.read_text()
        child = subprocess.Popen([*argv, "-f", str(b)], env=git_env(), start_new_session=True)
        while child.poll() is None:
            with contextlib.suppress(OSError):
                if ref.read_text() != head:
                    os.killpg(child.pid, signal.SIGKILL)
                    break
        child.wait(60)
        wait_for_group(child.pid)
        for lock in (repo / ".git").rglob("*.lock"):
            lock.unlink()
        if child.returncode != 0 and git(repo, "status", "--porcelain", "--", OURS):
            break  # HEAD holds b, the index still a: the window was hit
        assert subprocess.run([*argv, "-f", str(a)], env=git_env(), capture_output=True).returncode == 0
    else:
        pytest.skip("no kill landed between update-ref and the index update in 10 tries")
    done = subprocess.run([*argv, "-f", str(b)], env=git_env(), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert git(repo, "status", "--porcelain", "--", OURS) == "", "the index/working tree still hold the old file"
