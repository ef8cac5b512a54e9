"""The checked-out branch's working tree and index: refuse uncommitted changes to our paths, bring our
paths up to date after the branch moved, and finish the update of a run killed in between."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Sequence
from pathlib import Path

from multus_gen.errors import DeliveryError
from multus_gen.sinks import folder as _folder
from multus_gen.sinks.git.run import _file_sha, _Git, _Item, _last_lines

_PENDING = "multus-gen-pending.json"


def _write_pending(
    g: _Git, ref: str, new: str, base: str | None, items: Sequence[_Item], drops: Sequence[str] = ()
) -> None:
    """Before the branch moves: note the commit and our paths' previous blobs (those it writes and those it
    deletes) in the git dir, so a run killed before the working-tree/index update can be told apart from a
    user's staged change."""
    previous = {path: g.blob_at(base, path) for path in [*(i.path for i in items), *drops]}
    data = {"ref": ref, "commit": new, "previous": previous}
    _folder._atomic_replace(Path(g.repo.git_dir), _PENDING, json.dumps(data).encode(), mode=0o644, fsync=False)


def _clear_pending(g: _Git) -> None:
    Path(g.repo.git_dir, _PENDING).unlink(missing_ok=True)


def _pending(g: _Git, head: str | None) -> dict[str, str | None]:
    """Path -> previous blob, if an interrupted run left ``head`` as its commit; else empty."""
    try:
        data = json.loads(Path(g.repo.git_dir, _PENDING).read_text())
        previous = data["previous"] if data["commit"] == head else {}
        return {str(k): v if isinstance(v, str) else None for k, v in previous.items()}
    except (OSError, ValueError, AttributeError, KeyError, TypeError):
        return {}


def _state(g: _Git, worktree: Path, path: str) -> tuple[str | None, str | None]:
    """(index blob, working-tree blob) of ``path``; None where absent. The working-tree file is hashed as
    git would store it (through its filters when they apply)."""
    if not os.path.lexists(worktree / path):
        return g.index_blob(path), None
    if path in g.filtered:
        status, out, _err = g.run("hash-object", f"--path={path}", "--", str(worktree / path), check=False)
        return g.index_blob(path), (out.strip() if status == 0 else None)
    return g.index_blob(path), _file_sha(worktree / path)


def _repair_interrupted_sync(g: _Git, worktree: Path, items: Sequence[_Item], head: str, branch: str) -> None:
    """Finish the working-tree/index update of a run killed after it moved the branch.

    Such a run leaves HEAD with our file and the index/working tree with the version before it, and its
    note in the git dir (``_write_pending``) names HEAD: the user's next ``git commit`` would revert our
    file. Only then, and only paths whose index and working tree hold exactly that previous version (or
    ours, or nothing where there was nothing), are updated; anything else -- a staged revert to the
    previous version without such a note included -- is the user's change and stays.
    """
    stale = []
    pending = _pending(g, head)
    for item in items:
        if item.path not in pending:  # no note of an interrupted run for it: nothing to finish (no hashing)
            continue
        state = _state(g, worktree, item.path)
        if state == (item.blob, item.blob):
            continue
        allowed = {pending[item.path], item.blob}
        if state[0] in allowed and state[1] in allowed:
            stale.append(item)
    # paths the interrupted run deleted (noted, gone from HEAD): still the previous version here -> delete
    ours = {item.path for item in items}
    drops = []
    for path, before in sorted(pending.items()):
        if path in ours or before is None or g.blob_at(head, path) is not None:
            continue
        state = _state(g, worktree, path)
        if state != (None, None) and state[0] in (before, None) and state[1] in (before, None):
            drops.append(path)
    if stale or drops:
        _sync_worktree(g, worktree, stale, head, branch, drops)  # empty folders stay: the spec's folder is unknown
    _clear_pending(g)


def _refuse_dirty(g: _Git, worktree: Path, head: str | None, items: Sequence[_Item], drops: Sequence[str] = ()) -> None:
    """Refuse paths whose index or working-tree content is neither HEAD's nor ours.

    The version before HEAD is allowed only where an interrupted earlier run left it behind (its note
    names HEAD, see ``_repair_interrupted_sync``): it stays in history, so overwriting it loses nothing.
    A staged change of the user's -- even back to an older version -- is refused.
    """
    dirty = []
    pending = _pending(g, head)
    for item in items:
        allowed = {g.blob_at(head, item.path), item.blob}
        if item.path in pending:
            allowed.add(pending[item.path])
        index_blob, work_blob = _state(g, worktree, item.path)
        if index_blob not in allowed or work_blob not in allowed:
            dirty.append(item.path)
    if dirty:
        raise DeliveryError(
            f"uncommitted changes in {', '.join(dirty)} would be overwritten",
            where=g.where,
            fix="commit or discard them first, or pass --force to overwrite them",
        )
    # a file --prune deletes: only as committed (or already gone); never a change of the user's, even with --force
    edited = [path for path in drops if not set(_state(g, worktree, path)) <= {g.blob_at(head, path), None}]
    if edited:
        raise DeliveryError(
            f"uncommitted changes in {', '.join(edited)}, which --prune would delete",
            where=g.where,
            fix="commit or discard them first, or run without --prune",
        )


def _sync_worktree(
    g: _Git,
    worktree: Path,
    items: Sequence[_Item],
    new: str,
    branch: str,
    drops: Sequence[str] = (),
    top: str | None = None,
) -> None:
    """Make our paths clean in the checked-out branch: working-tree files and real index entries.

    Files are replaced atomically one by one; the index is updated for all of them with one
    ``git update-index --stdin`` (which records stat data, so ``git status`` needs no rehash). ``drops``
    are deleted (file and index entry), and with ``top`` the folders that leaves empty up to, not including,
    ``top``."""
    current = items[0].path if items else drops[0] if drops else "?"
    try:
        for path in drops:
            current = path
            with contextlib.suppress(FileNotFoundError):
                os.unlink(worktree / path)
        if drops and top is not None:
            _remove_empty(worktree, top, drops)
        if drops:
            listed = "".join(f"{path}\0" for path in drops)
            g.run("update-index", "--force-remove", "-z", "--stdin", stdin=listed.encode("utf-8"))
            g.forget_index()
        for item in items:
            current = item.path
            target = worktree / item.path
            # no fsync, as for the files below: the commit is the durable record, the working tree its copy
            _folder._check_parents(worktree, item.path, create=True, fsync=False)
            data = _checkout_form(g, item) if item.path in g.filtered else item.data
            if _folder._read_current(target, item.path) != data:
                file_mode = 0o755 if item.mode == "100755" else 0o644
                _folder._atomic_replace(target.parent, target.name, data, mode=file_mode, fsync=False)
        if items:
            paths = "".join(f"{item.path}\0" for item in items)
            g.run("update-index", "--add", "-z", "--stdin", stdin=paths.encode("utf-8"))
            g.forget_index()
            # Clean/eol filters changed the bytes of some: record our blobs themselves.
            off = [item for item in items if g.index_blob(item.path) != item.blob]
            if off:
                info = "".join(f"{item.mode} {item.blob}\t{item.path}\0" for item in off)
                g.run("update-index", "--add", "-z", "--index-info", stdin=info.encode("utf-8"))
                g.forget_index()
    except (DeliveryError, OSError) as exc:
        why = exc.message if isinstance(exc, DeliveryError) else (exc.strerror or str(exc))
        fix = f"run: git rm --cached -- {current}" if current in drops else f"run: git checkout HEAD -- {current}"
        raise DeliveryError(
            f"committed {new[:12]} on {branch}, but could not update {current} in the working tree/index: {why}",
            where=g.where,
            fix=fix,
        ) from exc


def _remove_empty(worktree: Path, top: str, drops: Sequence[str]) -> None:
    """Remove the folders deleting ``drops`` left empty, from each file's folder up to (not including) the
    folder ``top`` (repository-relative): nothing outside it, and only empty folders (``os.rmdir``)."""
    stop = [part for part in top.split("/") if part]
    for path in sorted(drops, key=lambda p: p.count("/"), reverse=True):
        parts = path.split("/")[:-1]
        if parts[: len(stop)] != stop:
            continue
        while len(parts) > len(stop):
            try:
                os.rmdir(worktree.joinpath(*parts))
            except FileNotFoundError:
                pass  # removed on the way up from a sibling
            except OSError:
                break  # not empty (or not ours to remove): stop here
            parts = parts[:-1]


def _checkout_form(g: _Git, item: _Item) -> bytes:
    """The bytes ``git checkout`` would write for our blob (eol conversion, smudge filters)."""
    status, out, err = g.repo.git.execute(
        ["git", "cat-file", "--filters", f"--path={item.path}", item.blob],
        with_extended_output=True,
        with_exceptions=False,
        stdout_as_string=False,
        strip_newline_in_stdout=False,
    )
    if status != 0:
        raise DeliveryError(f"git cat-file --filters failed: {_last_lines(str(err))}", where=item.path)
    return bytes(out)
