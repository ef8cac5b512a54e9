"""The commit transaction: blobs, the new tree, ``commit-tree``, the compare-and-swap ref update, then the
working tree and index of the checked-out branch, then the push."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from multus_gen.errors import DeliveryError
from multus_gen.record import record
from multus_gen.sinks import NO_INPUTS, CommitOutcome, Inputs
from multus_gen.sinks import prune as _prune
from multus_gen.sinks.git.identity import _commit_tree, _identity_env
from multus_gen.sinks.git.paths import (
    _branch_ref,
    _check_paths,
    _check_remote,
    _check_tree_path,
    _check_worktree_path,
    _filtered_paths,
    _open_repo,
    _refuse_if_checked_out_elsewhere,
    _start_point,
)
from multus_gen.sinks.git.push import _push_and_finish, _Pushing
from multus_gen.sinks.git.run import (
    _FILE_MODES,
    _build_tree,
    _Entry,
    _Git,
    _Item,
    _remote_urls,
    _update_ref,
    blob_sha,
    redact_credentials,
)
from multus_gen.sinks.git.worktree import (
    _clear_pending,
    _refuse_dirty,
    _repair_interrupted_sync,
    _sync_worktree,
    _write_pending,
)
from multus_gen.yamlio.serialize import Manifest


@record
class SpecRecord:
    """The record ``commit -c`` keeps for its spec in the repository, as ``render`` keeps it in its folder
    (``sinks.prune``): ``folder`` is where the spec's files go (repository-relative, ``""`` for the top),
    ``written`` what this run delivers there (folder-relative path -> SHA-256 of the content), ``prune``
    deletes the stale files (those of the previous record this run no longer writes)."""

    folder: str
    spec: Path
    written: Mapping[str, str]
    prune: bool = False


def commit_manifests(
    repo_path: Path,
    manifests: Sequence[Manifest],
    *,
    message: str,
    branch: str | None = None,
    force: bool = False,
    push: bool = False,
    remote: str = "origin",
    author: tuple[str, str] | None = None,
    spec_record: SpecRecord | None = None,
    inputs: Inputs = NO_INPUTS,
    dry_run: bool = False,
) -> CommitOutcome:
    """Commit ``manifests`` (paths relative to the repository root) on ``branch``; optionally push.

    * ``branch=None``: the checked-out branch (refused on a detached HEAD; an unborn branch in an
      empty repository gets a root commit). Working tree and index are updated for our paths only.
    * ``branch`` other than the checked-out one: committed on the ref alone (HEAD, index and working
      tree are not touched). A missing branch starts at ``<remote>/<branch>`` when that
      remote-tracking branch exists (as ``git checkout`` would), else at HEAD; if its start point
      already holds our bytes the branch is just created there (status ``"up to date"``).
    * A target path with uncommitted changes (staged, unstaged, or an untracked file in the way) is
      refused unless ``force``; changes that equal exactly our new content are not a conflict.
    * Refused: absolute paths, ``..``, paths inside ``.git``, a target or parent folder that is a
      symlink (in the working tree or in the branch's tree), a target that is a folder.
    * ``spec_record``: the spec's record (``sinks.prune``) is read from the branch's tree and committed
      with the files. Files of the previous record that this run no longer writes are reported in
      ``stale``; with ``prune`` those whose committed bytes still equal the recorded ones are deleted in the
      same commit (from the working tree and index too, on the checked-out branch, with the folders that
      leaves empty inside the spec's folder). Nothing else is ever deleted: a file edited since is kept
      (``"changed"``), and a stale file with uncommitted changes, or one this command read (``inputs``), is
      refused.
    * ``dry_run``: every check, nothing written; status ``"would commit"`` (with ``changed``/``deleted``)
      or ``"up to date"``.
    * ``push``: push the branch to ``remote`` (also when the result is ``"up to date"``: an
      earlier run's commit may still be unpushed). If the remote moved on, the local tip commit is
      re-made on the fetched remote tip -- only if it is a one-parent commit that touches nothing
      but our paths, its parent is on the remote, and the remote left our paths as they were (or
      made them equal to ours) -- and pushed once more (``rebased=True``; on the checked-out branch
      working tree and index follow with ``git read-tree -m -u``, which refuses to overwrite local
      changes). If the remote already holds our bytes nothing is pushed (``pushed=False``; a local
      commit made redundant by it is dropped: the branch moves to the remote tip, status
      ``"up to date"``). Otherwise DeliveryError, with the local commit kept.
    """
    try:
        return _commit_manifests(
            repo_path,
            manifests,
            message=message,
            branch=branch,
            force=force,
            push=push and not dry_run,
            remote=remote,
            author=author,
            spec_record=spec_record,
            inputs=inputs,
            dry_run=dry_run,
        )
    except DeliveryError as exc:  # every message, whatever raised it, loses the remote's credentials
        urls = _remote_urls(Path(repo_path), remote)

        def clean(text: str) -> str:
            return redact_credentials(text, urls)

        raise DeliveryError(
            clean(exc.message), fix=clean(exc.fix) if exc.fix else None, at=exc.finding.at, rule=exc.finding.rule
        ) from exc


def _commit_manifests(
    repo_path: Path,
    manifests: Sequence[Manifest],
    *,
    message: str,
    branch: str | None,
    force: bool,
    push: bool,
    remote: str,
    author: tuple[str, str] | None,
    spec_record: SpecRecord | None,
    inputs: Inputs,
    dry_run: bool,
) -> CommitOutcome:
    if not manifests:
        raise DeliveryError("no manifests to commit")
    if not message.strip():
        raise DeliveryError("the commit message is empty", fix="pass a commit message")
    repo = _open_repo(Path(repo_path))
    g = _Git(repo)
    worktree = Path(repo.working_tree_dir or ".")
    paths_data = _check_paths(manifests)
    delivered = tuple(path for path, _data in paths_data)

    head_ref = g.ok("symbolic-ref", "-q", "HEAD")
    if branch is None:
        if head_ref is None or not head_ref.startswith("refs/heads/"):
            raise DeliveryError(
                "HEAD is detached: there is no branch to commit on",
                where=g.where,
                fix="pass --branch NAME (created from HEAD when it does not exist)",
            )
        ref = head_ref
    else:
        ref = _branch_ref(g, branch)
    branch_name = ref.removeprefix("refs/heads/")
    checked_out = ref == head_ref
    if not checked_out:
        _refuse_if_checked_out_elsewhere(g, ref, worktree)

    g.commit_env = _identity_env(g, author)
    g.sign = g.ok("config", "--type=bool", "--get", "commit.gpgsign") == "true"
    if push:
        _check_remote(g, remote)

    old = g.commit_of(ref)
    created = old is None and not checked_out
    base = old if not created else _start_point(g, remote, branch_name)
    stale: list[_prune.Stale] = []
    drops: list[str] = []
    if spec_record is not None:
        record_path, record_data, stale, drops = _settle_record(g, base, spec_record, worktree, inputs)
        if record_path in set(delivered):
            raise DeliveryError("two manifests have the same path", where=record_path)
        paths_data.append((record_path, record_data))
    items = []
    sha1_objects = (g.ok("rev-parse", "--show-object-format") or "sha1").strip() == "sha1"
    g.filtered = _filtered_paths(g, [path for path, _data in paths_data])
    for path, data in paths_data:
        _check_tree_path(g, base, path, branch_name)
        found = g.entry(base, path)
        mode = found.mode if found is not None and found.mode in _FILE_MODES else "100644"
        if sha1_objects and path not in g.filtered:
            items.append(_Item(path, data, blob_sha(data), mode))
        elif dry_run:  # let git name (and normalize) the blob, without storing it
            blob = g.out("hash-object", "--stdin", f"--path={path}", stdin=data)
            items.append(_Item(path, data, blob, mode))
        else:  # a SHA-256 repository or a filtered path: let git name (and normalize) the blob
            blob = g.out("hash-object", "-w", "--stdin", f"--path={path}", stdin=data)
            items.append(_Item(path, data, blob, mode))
    ours = set(delivered)
    changed = tuple(i.path for i in items if i.path in ours and g.entry(base, i.path) != _entry_of(i))
    reported = tuple((s.path, s.status) for s in stale)

    pushing = _Pushing(remote, checked_out, created, message) if push else None
    unchanged = base is not None and not drops and all(g.entry(base, i.path) == _entry_of(i) for i in items)
    if unchanged:  # every entry already there (the tree git would write is the tip's): no tree to build
        assert base is not None
        if created and not dry_run:  # the start point already holds our bytes: the new branch starts there
            _update_ref(g, ref, base, None, message)
        if checked_out and not dry_run:
            _repair_interrupted_sync(g, worktree, items, base, branch_name)
        outcome = CommitOutcome("up to date", branch_name, base, delivered, stale=reported)
        return _push_and_finish(g, outcome, ref, items, pushing) if pushing else outcome

    if checked_out:
        for path in [*(item.path for item in items), *drops]:
            _check_worktree_path(worktree, path)
        _refuse_dirty(g, worktree, base, [] if force else items, drops)
    if dry_run:
        return CommitOutcome(
            "would commit", branch_name, base, delivered, changed=changed, deleted=tuple(drops), stale=reported
        )

    if sha1_objects:
        g.write_blobs({item.blob: item.data for item in items if item.path not in g.filtered})
    new_tree = _build_tree(g, base, items, drops)
    if base is not None and new_tree == g.out("rev-parse", f"{base}^{{tree}}"):
        # the same tree after all (an entry git normalizes, e.g. a filtered path): nothing to commit
        if created:
            _update_ref(g, ref, base, None, message)
        if checked_out:
            _repair_interrupted_sync(g, worktree, items, base, branch_name)
        outcome = CommitOutcome("up to date", branch_name, base, delivered, stale=reported)
        return _push_and_finish(g, outcome, ref, items, pushing) if pushing else outcome

    new = _commit_tree(g, new_tree, base, message)
    if checked_out:
        _write_pending(g, ref, new, base, items, drops)
    _update_ref(g, ref, new, old, message)
    if checked_out:
        top = spec_record.folder if spec_record is not None else ""
        _sync_worktree(g, worktree, items, new, branch_name, drops, top)
        _clear_pending(g)
    outcome = CommitOutcome(
        "committed", branch_name, new, delivered, changed=changed, deleted=tuple(drops), stale=reported
    )
    return _push_and_finish(g, outcome, ref, items, pushing, drops) if pushing else outcome


def _entry_of(item: _Item) -> _Entry:
    return _Entry(item.mode, "blob", item.blob)


def _settle_record(
    g: _Git, base: str | None, rec: SpecRecord, worktree: Path, inputs: Inputs
) -> tuple[str, bytes, list[_prune.Stale], list[str]]:
    """The spec's record in ``base`` against what this run writes (``sinks.prune.settle``, read from the
    branch's tree instead of a folder): (the record's repository path, its new bytes, the stale files, the
    repository paths to delete). A stale file is deleted (with ``prune``) only when its committed blob still
    holds exactly the recorded bytes; a stale file kept stays in the record so a later ``--prune`` finds it."""
    folder = rec.folder.strip("/")

    def in_repo(rel: str) -> str:
        return f"{folder}/{rel}" if folder else rel

    record_path = in_repo(_prune.record_name(rec.spec))
    record_blob = g.blob_at(base, record_path)
    previous = _prune.parse_record(g.blobs([record_blob])[record_blob], rec.spec) if record_blob else {}
    candidates = {}
    for rel, sha in previous.items():
        found = g.entry(base, in_repo(rel)) if rel not in rec.written else None
        if found is not None and found.kind == "blob" and found.mode in _FILE_MODES:
            candidates[rel] = (sha, found.sha)  # a regular file still there (gone or replaced: nothing of ours)
    contents = g.blobs([blob for _sha, blob in candidates.values()])
    owned = dict(rec.written)
    stale, drops = [], []
    for rel, (sha, blob) in sorted(candidates.items()):
        owned[rel] = sha
        if _prune.digest(contents[blob]) != sha:
            stale.append(_prune.Stale(rel, "changed"))
            continue
        inputs.refuse(worktree / in_repo(rel), what="prune")
        if not rec.prune:
            stale.append(_prune.Stale(rel, "stale"))
            continue
        del owned[rel]
        drops.append(in_repo(rel))
        stale.append(_prune.Stale(rel, "removed"))
    return record_path, _prune.record_bytes(rec.spec, owned), stale, drops
