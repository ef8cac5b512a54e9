"""Write manifests into a folder (the K3s auto-deploy folder) or one plain file, atomically.

Guarantees (each one is tested in ``tests/unit/folder_sink_test.py`` / ``tests/real/crash_test.py``):

* Atomic: the bytes go to a temporary file in the target's own folder, named
  ``.<name>.<16 hex>.multus-gen.tmp`` (a dot file: the K3s deploy controller skips names starting
  with ``.``), which is written, fsynced, given its mode and renamed over the target; the folder is
  then fsynced. A reader (or K3s) sees the old complete file or the new complete file, never a
  part, even if the writer is SIGKILLed. On any error the temporary file is removed.
* Stale temporary files: a writer killed between creating and renaming its temporary file leaves it
  behind (harmless to K3s: dot file). The next successful writer of the same target removes every
  ``.<name>.<16 hex>.multus-gen.tmp`` it finds while it holds the lock (only writers holding that
  lock create such files, so none of them can belong to a live writer).
* Idempotent: a target that already holds the same bytes is not touched (no new mtime, so K3s does
  not re-apply it): status ``"up to date"``.
* Locked: compare-and-write of one target runs under ``fcntl.flock`` on ``.<name>.lock`` in the same
  folder, so concurrent writers do not interleave and the last complete write wins. The lock file is
  removed on release, safely: a writer that gets the flock re-checks that the lock path is still the file
  it locked (see ``_locked``), so folders (and Git working trees) stay free of lock files; one left by a
  killed writer is a dot file K3s ignores, reused and removed by the next writer.
* Refused with ``DeliveryError`` before anything is written: a missing or unwritable folder, a
  target that is a symlink, a folder or another non-regular file, a ``<name>.skip`` K3s skip marker
  next to the target, a symlinked sub-folder, and a manifest path that is absolute or contains ``..``.

Nothing here prints: the functions return ``Outcome`` values and the CLI reports them.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import fcntl
import hashlib
import os
import re
import secrets
import stat
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from multus_gen.errors import DeliveryError
from multus_gen.sinks import NO_INPUTS, Inputs, Outcome, clean_relative_path
from multus_gen.yamlio.serialize import Manifest

TEMP_SUFFIX = ".multus-gen.tmp"
"""Every temporary file of ours is ``.<target name>.<16 lowercase hex>`` followed by this suffix."""

_DEFAULT_LOCK_TIMEOUT = 30.0


def temp_file_pattern(name: str) -> re.Pattern[str]:
    """The names of our temporary files for target file ``name`` (used for stale-file cleanup)."""
    return re.compile(r"\." + re.escape(name) + r"\.[0-9a-f]{16}" + re.escape(TEMP_SUFFIX))


def lock_file_name(name: str) -> str:
    """The lock file (kept in the target's folder) that serializes writers of target ``name``."""
    return f".{name}.lock"


#: The lock ``write_manifests`` takes on a whole tree when it writes without fsync (see there).
BATCH_LOCK_NAME = "multus-gen-tree"


def write_manifests(
    directory: Path,
    manifests: Iterable[Manifest],
    *,
    dry_run: bool = False,
    diff: bool = False,
    fsync: bool = True,
    mode: int = 0o600,
    lock_timeout: float = _DEFAULT_LOCK_TIMEOUT,
    locked: bool = False,
    inputs: Inputs = NO_INPUTS,
) -> list[Outcome]:
    """Write every manifest to ``directory / manifest.path`` atomically; return one Outcome each.

    ``directory`` must exist (K3s creates ``$DATA_DIR/server/manifests`` on its first start).
    Manifest paths may name sub-folders, which are created (mode 0755) when missing. All targets
    are checked before the first one is written, so a refusal writes nothing: ``manifests`` is gone over
    twice (check, then write), so it is a list or an iterable that yields the same manifests each time (a
    fleet rendered again from its memo: only the paths are held in between). ``dry_run`` writes
    nothing (not even the lock file) and reports ``"would write"``; ``diff`` adds a unified diff
    (``a/<path>`` / ``b/<path>``, ``/dev/null`` for a missing file). ``fsync=False`` skips the
    fsync calls (for Git working trees); the rename stays atomic. ``mode`` is given to every file
    written (also when it replaces a file with another mode; an up-to-date file keeps its mode).
    Each file is replaced atomically, not the set: if an I/O error stops the run half-way, the
    files before it are written (complete) and the rest are untouched.

    Locking: with ``fsync=True`` (the K3s manifests folder) each target has its own lock, so runs for
    different files never wait on each other. With ``fsync=False`` (a Git working tree, a fleet of thousands
    of files) one lock on ``directory`` covers the whole set: a concurrent run into the same tree waits for
    this one as a whole. Either way a target that already holds the bytes is reported "up to date" without
    taking a lock (reading it needs none: renames are atomic). ``locked``: the caller holds ``tree_lock`` on
    ``directory`` (several calls, one lock). ``inputs``: the files the command read; a target that is one of
    them (by identity) is refused before anything is written.
    """
    directory = Path(directory)
    _check_folder(directory, fix=_folder_fix(directory))
    planned: list[str] = []  # the paths only: the contents are encoded again when written (a fleet's files)
    seen: set[str] = set()
    for manifest in manifests:
        rel = clean_relative_path(manifest.path)
        if rel in seen:
            raise DeliveryError("two manifests have the same path", where=rel)
        seen.add(rel)
        _encode(manifest.content, rel)
        _check_parents(directory, rel, create=False)
        _check_target(directory / rel, rel, check_skip=True)
        inputs.refuse(directory / rel)
        planned.append(rel)
    batch = locked or (not fsync and not dry_run and len(planned) > 1)
    take = batch and not locked
    with _locked(directory, BATCH_LOCK_NAME, str(directory), lock_timeout) if take else contextlib.nullcontext():
        outcomes = []
        for rel, manifest in zip(planned, manifests, strict=True):
            if clean_relative_path(manifest.path) != rel:
                raise AssertionError(f"the manifests changed between the check and the write: {rel}")
            data = _encode(manifest.content, rel)
            if not dry_run:
                _check_parents(directory, rel, create=True, fsync=fsync)
            outcomes.append(
                _deliver(
                    directory / rel,
                    rel,
                    data,
                    dry_run=dry_run,
                    diff=diff,
                    fsync=fsync,
                    mode=mode,
                    lock_timeout=lock_timeout,
                    check_skip=True,
                    locked=batch,
                )
            )
    return outcomes


@contextlib.contextmanager
def tree_lock(directory: Path, *, lock_timeout: float = _DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
    """The lock ``write_manifests`` takes on a tree, held across several calls (pass them ``locked=True``)."""
    directory = Path(directory)
    _check_folder(directory, fix=_folder_fix(directory))
    with _locked(directory, BATCH_LOCK_NAME, str(directory), lock_timeout):
        yield


def verify_manifests(directory: Path, expected: Sequence[tuple[str, str]]) -> list[Outcome] | None:
    """ "up to date" for every (relative path, SHA-256 hex) in ``expected`` when each target holds exactly
    those bytes and passes the checks of a write (no symlink, ``.skip`` marker or leftovers of a killed
    writer); None as soon as one does not, or a check fails (the caller then writes as usual, which reports
    the failure in its own order). Reads only; call it holding ``tree_lock``."""
    directory = Path(directory)
    outcomes = []
    try:
        for raw, digest in expected:
            rel = clean_relative_path(raw)
            _check_parents(directory, rel, create=False)
            target = directory / rel
            _check_target(target, rel, check_skip=True)
            current = _read_current(target, rel)
            if current is None or hashlib.sha256(current).hexdigest() != digest:
                return None
            if _leftovers(target.parent, target.name):
                return None
            outcomes.append(Outcome(target, "up to date"))
    except DeliveryError:
        return None
    return outcomes


def _folder_fix(directory: Path) -> str:
    return f"create it with mkdir -p {directory}, or check --data-dir"


def write_file(
    path: Path,
    content: str,
    *,
    dry_run: bool = False,
    diff: bool = False,
    fsync: bool = True,
    mode: int = 0o600,
    lock_timeout: float = _DEFAULT_LOCK_TIMEOUT,
    inputs: Inputs = NO_INPUTS,
) -> Outcome:
    """Write one file (``--out FILE``) atomically, with the same guarantees as ``write_manifests``.

    The parent folder must exist. The diff labels use the file's name. A ``path`` that is one of ``inputs``
    is refused.
    """
    path = Path(path)
    name = path.name
    if name in ("", ".", ".."):
        raise DeliveryError("output path names no file", where=str(path))
    folder = path.parent
    _check_folder(folder, fix=f"create the folder first: mkdir -p {folder}")
    data = _encode(content, str(path))
    _check_target(path, str(path), check_skip=True)
    inputs.refuse(path)
    return _deliver(
        path,
        name,
        data,
        dry_run=dry_run,
        diff=diff,
        fsync=fsync,
        mode=mode,
        lock_timeout=lock_timeout,
        check_skip=True,
    )


# -- internals (also used by sinks.git for the working-tree copy) ------------------------------------


def _deliver(
    target: Path,
    label: str,
    data: bytes,
    *,
    dry_run: bool,
    diff: bool,
    fsync: bool,
    mode: int,
    lock_timeout: float,
    check_skip: bool,
    locked: bool = False,
) -> Outcome:
    current = _read_current(target, label)
    folder, name = target.parent, target.name
    if dry_run or (current == data and not _leftovers(folder, name)):  # nothing to write or clean: no lock
        return _outcome(target, label, current, data, diff=diff, dry_run=dry_run)
    with contextlib.nullcontext() if locked else _locked(folder, name, label, lock_timeout):
        _remove_stale_temps(folder, name)
        _check_target(target, label, check_skip=check_skip)
        current = _read_current(target, label)
        if current == data:
            return _outcome(target, label, current, data, diff=diff, dry_run=False)
        try:
            _atomic_replace(folder, name, data, mode=mode, fsync=fsync)
        except OSError as exc:
            raise _os_error(exc, label, "could not write the file") from exc
        return _outcome(target, label, current, data, diff=diff, dry_run=False)


def _outcome(target: Path, label: str, current: bytes | None, data: bytes, *, diff: bool, dry_run: bool) -> Outcome:
    text = unified_diff(current, data, label) if diff else None
    if current == data:
        return Outcome(target, "up to date", text)
    return Outcome(target, "would write" if dry_run else "written", text)


def unified_diff(current: bytes | None, new: bytes, label: str) -> str:
    """A unified diff from ``current`` (None: no file) to ``new``; ``""`` when they are equal."""
    if current == new:
        return ""
    old_lines = current.decode("utf-8", errors="replace").splitlines(keepends=True) if current else []
    new_lines = new.decode("utf-8", errors="replace").splitlines(keepends=True)
    out = []
    for line in difflib.unified_diff(
        old_lines,
        new_lines,
        fromfile=f"a/{label}" if current is not None else "/dev/null",
        tofile=f"b/{label}",
    ):
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)


def _encode(content: str, where: str) -> bytes:
    try:
        return content.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise DeliveryError(f"manifest text cannot be encoded as UTF-8 ({exc.reason})", where=where) from exc


def _check_folder(folder: Path, *, fix: str) -> None:
    where = str(folder)
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        raise DeliveryError("folder does not exist", where=where, fix=fix) from None
    except PermissionError:
        raise DeliveryError("cannot reach the folder (permission denied)", where=where, fix=_permission_fix()) from None
    except NotADirectoryError:
        raise DeliveryError("a parent of this path is not a folder", where=where) from None
    except OSError as exc:
        raise _os_error(exc, where, "cannot use the folder") from exc
    if not stat.S_ISDIR(st.st_mode):
        raise DeliveryError("not a folder", where=where)
    if not os.access(folder, os.W_OK | os.X_OK):
        if _read_only(folder):
            raise DeliveryError(
                "folder is on a read-only file system", where=where, fix="write to a folder on a writable file system"
            )
        raise DeliveryError("folder is not writable", where=where, fix=_permission_fix())


def _check_parents(base: Path, rel: str, *, create: bool, fsync: bool = True) -> None:
    """Refuse symlinked or non-folder sub-folders of ``rel`` under ``base``; create missing ones (and, with
    ``fsync``, fsync the folder that got the new entry)."""
    current = base
    for part in rel.split("/")[:-1]:
        current = current / part
        try:
            st = os.lstat(current)
        except FileNotFoundError:
            if not create:
                return
            try:
                os.mkdir(current, 0o755)
            except FileExistsError:
                st = os.lstat(current)
            except OSError as exc:
                raise _os_error(exc, rel, f"cannot create folder {current}") from exc
            else:
                if fsync:
                    with contextlib.suppress(OSError):
                        _fsync_folder(current.parent)
                continue
        except OSError as exc:
            raise _os_error(exc, rel, f"cannot inspect {current}") from exc
        if stat.S_ISLNK(st.st_mode):
            raise DeliveryError(
                f"{current} is a symlink; refusing to write through it",
                where=rel,
                fix="write into the real folder instead",
            )
        if not stat.S_ISDIR(st.st_mode):
            raise DeliveryError(f"{current} is not a folder", where=rel)


def _check_target(target: Path, label: str, *, check_skip: bool) -> None:
    try:
        st: os.stat_result | None = os.lstat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _os_error(exc, label, "cannot inspect the target") from exc
    if st is not None:
        if stat.S_ISLNK(st.st_mode):
            raise DeliveryError(
                f"target {target} is a symlink; refusing to replace it",
                where=label,
                fix="remove the symlink, or write to the file it points to",
            )
        if stat.S_ISDIR(st.st_mode):
            raise DeliveryError(f"target {target} is a folder", where=label)
        if not stat.S_ISREG(st.st_mode):
            raise DeliveryError(f"target {target} is not a regular file", where=label)
    if check_skip:
        skip = target.with_name(target.name + ".skip")
        if os.path.lexists(skip):
            raise DeliveryError(
                f"K3s skip marker {skip} exists: K3s was told to leave {target.name} alone",
                where=label,
                fix=f"delete {skip.name} to let multus-gen manage the file, or use another file name",
            )


def _read_current(target: Path, label: str) -> bytes | None:
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    try:
        fd = os.open(target, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DeliveryError(f"target {target} is a symlink; refusing to replace it", where=label) from None
        raise _os_error(exc, label, "cannot read the current file") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DeliveryError(f"target {target} is not a regular file", where=label)
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise _os_error(exc, label, "cannot read the current file") from exc
    finally:
        os.close(fd)


@contextlib.contextmanager
def _locked(folder: Path, name: str, label: str, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on ``.<name>.lock`` in ``folder``; the lock file is removed on release.

    Removing a lock file is safe only with a check: after the flock is granted, the file at the lock path
    must still be the one locked (another writer may have unlinked it in between); otherwise lock again.
    Folders thus stay free of lock files (a Git working tree shows none); a writer killed while holding
    the lock leaves a dot file that K3s ignores and the next writer reuses and removes.
    """
    lock = folder / lock_file_name(name)
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise _os_error(exc, label, f"cannot create the lock file {lock}") from exc
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise DeliveryError(
                            f"another writer holds {lock} for more than {timeout:g} s",
                            where=label,
                            fix="wait for the other multus-gen run to finish",
                        ) from None
                    time.sleep(0.01)
            try:
                current = os.stat(lock, follow_symlinks=False)
            except FileNotFoundError:
                continue  # unlinked by the writer we waited for: lock the new file
            if (current.st_dev, current.st_ino) != (os.fstat(fd).st_dev, os.fstat(fd).st_ino):
                continue
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(lock)
            return
        finally:
            os.close(fd)  # closing releases the flock


def _leftovers(folder: Path, name: str) -> bool:
    """True if a killed writer of ``name`` left its lock or temp files (the locked path cleans them up)."""
    pattern = temp_file_pattern(name)
    lock = lock_file_name(name)
    try:
        with os.scandir(folder) as entries:
            return any(e.name == lock or pattern.fullmatch(e.name) for e in entries if e.name.startswith("."))
    except OSError:
        return False


def _remove_stale_temps(folder: Path, name: str) -> None:
    """Remove temp files left by killed writers of ``name`` (call only while holding its lock)."""
    pattern = temp_file_pattern(name)
    try:
        with os.scandir(folder) as entries:
            stale = [entry.path for entry in entries if pattern.fullmatch(entry.name)]
    except OSError:
        return
    for path in stale:
        with contextlib.suppress(OSError):
            os.unlink(path)


def _atomic_replace(folder: Path, name: str, data: bytes, *, mode: int, fsync: bool) -> None:
    """Write ``data`` to a dot temp file in ``folder`` and rename it over ``folder/name``."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    tmp: Path | None = None
    fd = -1
    try:
        for _attempt in range(100):
            candidate = folder / f".{name}.{secrets.token_hex(8)}{TEMP_SUFFIX}"
            try:
                fd = os.open(candidate, flags, 0o600)
            except FileExistsError:
                continue
            tmp = candidate
            break
        else:  # pragma: no cover - 100 collisions of 64 random bits
            raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))
        os.fchmod(fd, mode)
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if fsync:
            os.fsync(fd)
        os.close(fd)
        fd = -1
        os.replace(tmp, folder / name)
        tmp = None
        if fsync:
            _fsync_folder(folder)
    finally:
        if fd >= 0:
            os.close(fd)
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _read_only(folder: Path) -> bool:
    """True if ``folder`` is on a file system mounted read-only (no user may write there, root included)."""
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def _permission_fix() -> str:
    """What to do about "permission denied": sudo helps a user, not root (then it is the folder's mode, an
    immutable file, or a security module)."""
    if os.geteuid() == 0:
        return "check the folder's owner, mode and attributes (chattr +i) and any SELinux/AppArmor policy"
    return "run as a user who may write there (the K3s manifests folder belongs to root: use sudo)"


def _os_error(exc: OSError, where: str, what: str) -> DeliveryError:
    reason = exc.strerror or str(exc)
    if exc.errno == errno.EROFS:
        return DeliveryError(f"{what}: read-only file system", where=where)
    if isinstance(exc, PermissionError) or exc.errno in (errno.EACCES, errno.EPERM):
        return DeliveryError(f"{what}: permission denied", where=where, fix=_permission_fix())
    return DeliveryError(f"{what}: {reason}", where=where)
