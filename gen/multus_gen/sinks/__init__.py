"""Sinks: the only place with side effects. Outcome types shared by ``folder`` and ``git``.

This module imports neither GitPython nor anything heavy, so the CLI can use these types freely;
``multus_gen.sinks.git`` (which imports GitPython) is imported only by the ``commit`` command.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from multus_gen.errors import DeliveryError
from multus_gen.record import record

WriteStatus = Literal["written", "up to date", "would write"]
CommitStatus = Literal["committed", "up to date", "would commit"]


@record
class Outcome:
    """What a folder/file write did to one target.

    ``status``: ``"written"`` (the file was replaced atomically), ``"up to date"`` (it already held
    these bytes and was not touched), ``"would write"`` (dry run: it differs or is missing).
    ``diff``: a unified diff against the current file when asked for (``""`` if identical), else None.
    """

    path: Path
    status: WriteStatus
    diff: str | None = None


@record
class CommitOutcome:
    """What ``sinks.git.commit_manifests`` did.

    ``status``: ``"committed"`` (a new commit on ``branch``), ``"up to date"`` (the branch already
    held these bytes; no commit) or ``"would commit"`` (dry run: the commit would change ``changed``).
    ``sha``: the branch tip afterwards (None only if the branch still does not exist). ``pushed``: the
    branch was pushed to the remote in this run. ``rebased``: the remote had moved on and our commit was
    re-made on top of the remote tip before pushing. ``paths``: the repository-relative paths that were
    delivered. ``changed``: those of them whose bytes the commit changes (or would). ``deleted``: the
    repository-relative paths the commit deletes (or would: ``--prune``). ``stale``: files of the spec's
    record it no longer writes, relative to the spec's folder, with ``sinks.prune``'s status
    (``"removed"``, ``"stale"``: kept, ``"changed"``: edited since, kept).
    """

    status: CommitStatus
    branch: str
    sha: str | None
    paths: tuple[str, ...]
    pushed: bool = False
    rebased: bool = False
    changed: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()
    stale: tuple[tuple[str, str], ...] = ()


def read_regular(path: Path | str, limit: int, *, follow: bool = False, own: bool = False) -> bytes | None:
    """The bytes of a regular file of at most ``limit`` bytes, or None (missing, unreadable, too large, not a
    regular file; a symlink unless ``follow``; with ``own``, a file the current user does not own). Never
    blocks on a FIFO."""
    flags = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | (0 if follow else os.O_NOFOLLOW)
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit or (own and info.st_uid != os.geteuid()):
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


class Inputs:
    """The files a command read (spec, ``-f`` values ...), by identity: no sink writes over or prunes one.

    Identity is the file's ``(st_dev, st_ino)`` (``os.path.samefile``), so another name for it -- a symlink, a
    hard link, ``./x`` versus ``x`` -- is the same input. Taken when the command starts, before it writes."""

    def __init__(self, paths: Iterable[Path | str] = ()) -> None:
        self._ids: dict[tuple[int, int], str] = {}
        for path in paths:
            try:
                info = os.stat(path)
            except (OSError, ValueError):
                continue  # not there (yet): nothing to protect
            self._ids[(info.st_dev, info.st_ino)] = str(path)

    def __bool__(self) -> bool:
        return bool(self._ids)

    def input_at(self, path: Path | str) -> str | None:
        """The input ``path`` is (followed through symlinks), as the user named it; None if it is none."""
        try:
            info = os.stat(path)
        except (OSError, ValueError):
            return None
        return self._ids.get((info.st_dev, info.st_ino))

    def refuse(self, path: Path | str, *, what: str = "write over") -> None:
        """Raise ``DeliveryError`` (located at ``path``) if ``path`` is one of the inputs."""
        found = self.input_at(path)
        if found is not None:
            alias = "" if os.path.abspath(found) == os.path.abspath(path) else f" ({found} by another name)"
            raise DeliveryError(
                f"an input of this command{alias}: refusing to {what} it",
                where=str(path),
                fix="write the output somewhere else (another --out-dir, --manifests-dir or --out), "
                "or move the input out of the output folder",
            )


#: No inputs: nothing to protect.
NO_INPUTS = Inputs()


def remove_file(path: Path, *, where: str) -> None:
    """Delete ``path`` (one already gone is fine); any other failure is a DeliveryError at ``where``: the one
    removal of prune, uninstall and the static charts' copies."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise DeliveryError(f"cannot remove the file: {exc.strerror}", where=where) from exc


def clean_relative_path(path: str, *, where: str | None = None) -> str:
    """Normalize a manifest path (POSIX, relative) or refuse it.

    Refused: empty, absolute, containing a ``..`` component, a NUL byte, or ending in ``/``.
    ``.`` and empty components are dropped (``./a//b.yaml`` -> ``a/b.yaml``).
    """
    where = where or (path or "<empty path>")
    if not path or "\0" in path:
        raise DeliveryError("manifest path is empty or contains a NUL byte", where=where)
    if path.startswith("/"):
        raise DeliveryError(
            "manifest path is absolute; it must be relative to the target folder or repository",
            where=where,
            fix="use a relative path such as multus.yaml",
        )
    if path.endswith("/"):
        raise DeliveryError("manifest path names a folder, not a file", where=where)
    parts = [part for part in path.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise DeliveryError(
            "manifest path contains '..'; it must stay inside the target folder or repository",
            where=where,
        )
    if not parts:
        raise DeliveryError("manifest path names no file", where=where)
    return "/".join(parts)


__all__ = [
    "NO_INPUTS",
    "CommitOutcome",
    "CommitStatus",
    "Inputs",
    "Outcome",
    "WriteStatus",
    "clean_relative_path",
    "read_regular",
]
