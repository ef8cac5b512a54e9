"""multus_gen.sinks.folder: atomic, idempotent, locked writes into the K3s manifests folder.

Real folders, real processes, no mocks (two tests inject an OS failure with monkeypatch to prove the
temporary file is cleaned up on error).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from multus_gen.errors import DeliveryError
from multus_gen.sinks import Outcome
from multus_gen.sinks.folder import TEMP_SUFFIX, lock_file_name, write_file, write_manifests
from multus_gen.yamlio.serialize import Manifest


def temps(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(TEMP_SUFFIX))


def visible(folder: Path) -> list[str]:
    """What the K3s deploy controller would look at (no dot files)."""
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


# -- writing ------------------------------------------------------------------------------------------


def test_writes_file_with_mode_0600_and_no_leftovers(tmp_path: Path) -> None:
    (out,) = write_manifests(tmp_path, [Manifest("multus.yaml", "kind: HelmChart\n")])
    target = tmp_path / "multus.yaml"
    assert out == Outcome(target, "written", None)
    assert target.read_bytes() == b"kind: HelmChart\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert temps(tmp_path) == []
    assert visible(tmp_path) == ["multus.yaml"]
    assert not (tmp_path / lock_file_name("multus.yaml")).exists()  # removed on release: no litter in Git trees


def test_mode_is_configurable_and_applied_on_replace(tmp_path: Path) -> None:
    target = tmp_path / "multus.yaml"
    target.write_text("old\n")
    target.chmod(0o666)
    write_manifests(tmp_path, [Manifest("multus.yaml", "new\n")], mode=0o640)
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_replace_is_a_rename_not_an_in_place_write(tmp_path: Path) -> None:
    target = tmp_path / "multus.yaml"
    write_manifests(tmp_path, [Manifest("multus.yaml", "one\n")])
    inode = target.stat().st_ino
    with target.open("rb") as held:  # a reader holding the old file keeps the old complete bytes
        write_manifests(tmp_path, [Manifest("multus.yaml", "two\n" * 1000)])
        assert held.read() == b"one\n"
    assert target.stat().st_ino != inode
    assert target.read_text() == "two\n" * 1000


def test_same_bytes_do_not_touch_the_file(tmp_path: Path) -> None:
    target = tmp_path / "multus.yaml"
    write_manifests(tmp_path, [Manifest("multus.yaml", "same\n")])
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    before = target.stat()
    (out,) = write_manifests(tmp_path, [Manifest("multus.yaml", "same\n")])
    after = target.stat()
    assert out.status == "up to date"
    assert (after.st_mtime_ns, after.st_ino, after.st_ctime_ns) == (
        before.st_mtime_ns,
        before.st_ino,
        before.st_ctime_ns,
    )


def test_fsync_false_still_atomic_rename(tmp_path: Path) -> None:
    (out,) = write_manifests(tmp_path, [Manifest("a.yaml", "x\n")], fsync=False)
    assert out.status == "written" and (tmp_path / "a.yaml").read_text() == "x\n"
    assert temps(tmp_path) == []


def test_sub_folders_are_created(tmp_path: Path) -> None:
    outs = write_manifests(tmp_path, [Manifest("multus/nad.yaml", "a\n"), Manifest("multus.yaml", "b\n")])
    assert [o.status for o in outs] == ["written", "written"]
    assert (tmp_path / "multus" / "nad.yaml").read_text() == "a\n"


def test_dry_run_writes_nothing_and_diff_is_unified(tmp_path: Path) -> None:
    target = tmp_path / "multus.yaml"
    (out,) = write_manifests(tmp_path, [Manifest("multus.yaml", "a: 1\n")], dry_run=True, diff=True)
    assert out.status == "would write"
    assert out.diff is not None and out.diff.startswith("--- /dev/null\n+++ b/multus.yaml\n")
    assert list(tmp_path.iterdir()) == []  # not even a lock file

    target.write_text("a: 1\nb: 2\n")
    (out,) = write_manifests(tmp_path, [Manifest("multus.yaml", "a: 1\nb: 3\n")], dry_run=True, diff=True)
    assert out.status == "would write"
    assert out.diff is not None
    assert out.diff.splitlines()[:2] == ["--- a/multus.yaml", "+++ b/multus.yaml"]
    assert "-b: 2" in out.diff.splitlines() and "+b: 3" in out.diff.splitlines()
    assert target.read_text() == "a: 1\nb: 2\n"

    (out,) = write_manifests(tmp_path, [Manifest("multus.yaml", "a: 1\nb: 3")], diff=True)
    assert out.status == "written" and out.diff is not None
    assert "\\ No newline at end of file" in out.diff
    (out,) = write_manifests(tmp_path, [Manifest("multus.yaml", "a: 1\nb: 3")], diff=True)
    assert out == Outcome(target, "up to date", "")
    (out,) = write_manifests(tmp_path, [Manifest("multus.yaml", "a: 1\nb: 3")], dry_run=True)
    assert out == Outcome(target, "up to date", None)


def test_write_file_for_dash_o(tmp_path: Path) -> None:
    path = tmp_path / "out.yaml"
    out = write_file(path, "x: 1\n", diff=True)
    assert out.status == "written" and out.diff is not None and "+++ b/out.yaml" in out.diff
    assert write_file(path, "x: 1\n").status == "up to date"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(DeliveryError, match="does not exist") as info:
        write_file(tmp_path / "missing" / "out.yaml", "x\n")
    assert "mkdir -p" in info.value.one_line()


# -- refusals -----------------------------------------------------------------------------------------


def test_symlink_target_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("precious\n")
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "multus.yaml").symlink_to(outside)
    with pytest.raises(DeliveryError, match="symlink"):
        write_manifests(folder, [Manifest("multus.yaml", "x\n")])
    assert outside.read_text() == "precious\n"
    assert (folder / "multus.yaml").is_symlink()
    with pytest.raises(DeliveryError, match="symlink"):
        write_file(folder / "multus.yaml", "x\n")


def test_symlinked_sub_folder_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / "sub").symlink_to(elsewhere)
    with pytest.raises(DeliveryError, match="symlink"):
        write_manifests(folder, [Manifest("sub/x.yaml", "x\n")])
    assert list(elsewhere.iterdir()) == []


def test_skip_marker_refused(tmp_path: Path) -> None:
    (tmp_path / "multus.yaml").write_text("user's own\n")
    (tmp_path / "multus.yaml.skip").write_text("")
    with pytest.raises(DeliveryError, match=r"skip marker") as info:
        write_manifests(tmp_path, [Manifest("multus.yaml", "ours\n")])
    assert "multus.yaml.skip" in info.value.one_line()
    assert (tmp_path / "multus.yaml").read_text() == "user's own\n"


def test_target_that_is_a_folder_refused(tmp_path: Path) -> None:
    (tmp_path / "multus.yaml").mkdir()
    with pytest.raises(DeliveryError, match="is a folder"):
        write_manifests(tmp_path, [Manifest("multus.yaml", "x\n")])


@pytest.mark.parametrize("bad", ["/etc/x.yaml", "../x.yaml", "a/../../x.yaml", "", "a/"])
def test_bad_manifest_paths_refused(tmp_path: Path, bad: str) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    with pytest.raises(DeliveryError):
        write_manifests(folder, [Manifest(bad, "x\n")])
    assert list(folder.iterdir()) == [] and list(tmp_path.iterdir()) == [folder]


def test_a_refusal_writes_nothing_at_all(tmp_path: Path) -> None:
    (tmp_path / "b.yaml.skip").write_text("")
    with pytest.raises(DeliveryError):
        write_manifests(tmp_path, [Manifest("a.yaml", "a\n"), Manifest("b.yaml", "b\n")])
    assert not (tmp_path / "a.yaml").exists()
    with pytest.raises(DeliveryError, match="same path"):
        write_manifests(tmp_path, [Manifest("a.yaml", "a\n"), Manifest("./a.yaml", "b\n")])


def test_missing_folder_refused_with_a_fix(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError) as info:
        write_manifests(tmp_path / "server" / "manifests", [Manifest("a.yaml", "a\n")])
    line = info.value.one_line()
    assert "does not exist" in line and "mkdir -p" in line and "\n" not in line
    (tmp_path / "file").write_text("")
    with pytest.raises(DeliveryError, match="not a folder"):
        write_manifests(tmp_path / "file", [Manifest("a.yaml", "a\n")])


def test_unwritable_folder_refused_cleanly(tmp_path: Path) -> None:
    """As root, chmod does not stop writes: then the write runs in a forked child as uid 65534.

    The folder lives directly under /tmp (world-traversable), because pytest's tmp_path is 0700.
    """
    base = Path(tempfile.mkdtemp(prefix="multus-gen-ro-", dir="/tmp"))
    folder = base / "manifests"
    folder.mkdir()
    base.chmod(0o755)
    folder.chmod(0o555)
    try:
        if os.geteuid() != 0:
            with pytest.raises(DeliveryError, match="not writable") as info:
                write_manifests(folder, [Manifest("a.yaml", "a\n")])
            result = f"DeliveryError: {info.value.one_line()}"
        else:
            result = _as_nobody(folder)
        assert result.startswith(f"DeliveryError: {folder}: folder is not writable (run as a user who")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o755)
        shutil.rmtree(base)


def _as_nobody(folder: Path) -> str:
    """Fork, drop to uid/gid 65534, try the write; return the child's result line."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(read_end)
        try:
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            write_manifests(folder, [Manifest("a.yaml", "a\n")])
            result = "written"
        except DeliveryError as exc:
            result = f"DeliveryError: {exc.one_line()}"
        except BaseException as exc:
            result = f"{type(exc).__name__}: {exc}"
        os.write(write_end, result.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        result = pipe.read().decode()
    os.waitpid(pid, 0)
    return result


# -- failures clean up --------------------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["replace", "fsync", "write"])
def test_no_temp_file_left_after_an_os_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str) -> None:
    target = tmp_path / "multus.yaml"
    target.write_text("old\n")

    def boom(*_args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(DeliveryError, match="No space left on device"):
        write_manifests(tmp_path, [Manifest("multus.yaml", "new\n")])
    monkeypatch.undo()
    assert target.read_text() == "old\n"
    assert temps(tmp_path) == []


def test_unencodable_text_refused_before_any_file(tmp_path: Path) -> None:
    with pytest.raises(DeliveryError, match="UTF-8"):
        write_manifests(tmp_path, [Manifest("multus.yaml", "bad \ud800\n")])
    assert list(tmp_path.iterdir()) == []


def test_stale_temp_files_of_ours_are_removed_and_nothing_else(tmp_path: Path) -> None:
    stale = tmp_path / f".multus.yaml.0123456789abcdef{TEMP_SUFFIX}"
    other_target = tmp_path / f".multus.yaml.b.yaml.0123456789abcdef{TEMP_SUFFIX}"
    users = tmp_path / ".multus.yaml.notes"
    for path in (stale, other_target, users):
        path.write_text("x")
    write_manifests(tmp_path, [Manifest("multus.yaml", "a\n")])
    assert not stale.exists() and other_target.exists() and users.exists()


# -- locking and concurrency --------------------------------------------------------------------------


def test_second_writer_waits_for_the_lock(tmp_path: Path) -> None:
    lock = os.open(tmp_path / lock_file_name("multus.yaml"), os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(lock, fcntl.LOCK_EX)
    results: list[Outcome] = []
    writer = threading.Thread(
        target=lambda: results.extend(write_manifests(tmp_path, [Manifest("multus.yaml", "a\n")]))
    )
    writer.start()
    time.sleep(0.3)
    assert writer.is_alive() and not (tmp_path / "multus.yaml").exists()
    with pytest.raises(DeliveryError, match="another writer"):
        write_manifests(tmp_path, [Manifest("multus.yaml", "b\n")], lock_timeout=0.1)
    os.close(lock)  # releases the flock
    writer.join(5)
    assert [r.status for r in results] == ["written"]


WRITER = """
import sys
from pathlib import Path
from multus_gen.yamlio.serialize import Manifest
from multus_gen.sinks.folder import write_manifests
folder, tag, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(rounds):
    body = "".join(f"{tag}-{n}\\n" for n in range(2000 + 3000 * (i % 2)))
    write_manifests(folder, [Manifest("multus.yaml", f"# writer {tag} round {i}\\n" + body + "# end\\n")])
"""


def test_concurrent_writers_leave_one_complete_version(tmp_path: Path) -> None:
    writers, rounds = 4, 40
    versions = {
        f"# writer {tag} round {i}\n".encode()
        + "".join(f"{tag}-{n}\n" for n in range(2000 + 3000 * (i % 2))).encode()
        + b"# end\n"
        for tag in "ABCD"[:writers]
        for i in range(rounds)
    }
    env = dict(os.environ)  # the installed package, as users run it
    seen: list[bytes] = []
    stop = threading.Event()

    def reader() -> None:
        target = tmp_path / "multus.yaml"
        while not stop.is_set():
            with contextlib.suppress(FileNotFoundError):
                seen.append(target.read_bytes())

    thread = threading.Thread(target=reader)
    thread.start()
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), tag, str(rounds)], env=env)
        for tag in "ABCD"[:writers]
    ]
    codes = [p.wait(60) for p in procs]
    stop.set()
    thread.join()
    assert codes == [0] * writers
    assert (tmp_path / "multus.yaml").read_bytes() in versions
    assert seen and all(s in versions for s in seen), "a reader saw a partial or mixed file"
    assert temps(tmp_path) == []
    assert visible(tmp_path) == ["multus.yaml"]
    print(json.dumps({"writes": writers * rounds, "reads": len(seen)}))


def test_folder_sink_does_not_import_gitpython() -> None:
    code = "import sys, multus_gen.sinks, multus_gen.sinks.folder; print('git' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=dict(os.environ),  # the installed package, as users run it
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False"
