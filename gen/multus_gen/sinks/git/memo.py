"""What a remembered ``commit -c`` needs from the repository (``cli.actions_deliver`` keeps the memo in the
cache, see ``multus_gen.cache``), and the committed bytes of a file on a branch.

An unchanged ``commit -c`` renders the whole spec only to find that the branch already holds every byte. The
memo skips that: after a successful run it remembers the branch's tree id (only when no git filter applies to
our paths); a later run with the same spec bytes, multus-gen build, repository, folder and branch asks
:func:`up_to_date`, which does every check of an unchanged commit that does not need the rendered files --
the repository, the branch (checked out here, not elsewhere), git's identity, no interrupted run to finish,
no filter on our paths -- and answers "up to date" only when the branch's tree is still exactly the
remembered one (the same tree holds the same bytes at the same paths). Anything else: None, and the run
renders and commits as usual.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from multus_gen.errors import DeliveryError
from multus_gen.sinks import CommitOutcome
from multus_gen.sinks.git.identity import _identity_env
from multus_gen.sinks.git.paths import _branch_ref, _filtered_paths, _open_repo, _refuse_if_checked_out_elsewhere
from multus_gen.sinks.git.run import _Git
from multus_gen.sinks.git.worktree import _pending


def tree_to_remember(repo_path: Path, commit: str, paths: Sequence[str]) -> str | None:
    """The tree id of ``commit`` when it may be remembered (no git filter applies to ``paths``); else None."""
    try:
        g = _Git(_open_repo(Path(repo_path)))
        if _filtered_paths(g, paths):
            return None
        return g.out("rev-parse", "--verify", f"{commit}^{{tree}}").strip() or None
    except DeliveryError:
        return None


def up_to_date(
    repo_path: Path, branch: str | None, tree: str, paths: Sequence[str], stale: tuple[tuple[str, str], ...]
) -> CommitOutcome | None:
    """``"up to date"`` when ``branch`` (None: the checked-out one) still has the tree ``tree`` and an unchanged
    commit would find nothing else to do; None when the run must render and commit as usual (including every
    case where that run would refuse: it then says why)."""
    try:
        repo = _open_repo(Path(repo_path))
        g = _Git(repo)
        head_ref = g.ok("symbolic-ref", "-q", "HEAD")
        if branch is None:
            if head_ref is None or not head_ref.startswith("refs/heads/"):
                return None
            ref = head_ref
        else:
            ref = _branch_ref(g, branch)
        checked_out = ref == head_ref
        if not checked_out:
            _refuse_if_checked_out_elsewhere(g, ref, Path(repo.working_tree_dir or "."))
        _identity_env(g, None)
        tip = g.commit_of(ref)
        if tip is None or g.out("rev-parse", "--verify", f"{tip}^{{tree}}").strip() != tree:
            return None
        if checked_out and _pending(g, tip):
            return None  # an interrupted run to finish: the full run does it
        if _filtered_paths(g, paths):
            return None
    except DeliveryError:
        return None
    return CommitOutcome("up to date", ref.removeprefix("refs/heads/"), tip, tuple(paths), stale=stale)


def committed_bytes(repo_path: Path, branch: str, path: str, limit: int, remote: str = "origin") -> bytes | None:
    """The bytes of ``path`` as committed on ``branch`` -- for a branch not made yet, at the start point
    ``commit`` would create it from (``<remote>/<branch>``, else HEAD) -- or None (no such file, not a regular
    file, larger than ``limit``)."""
    from multus_gen.sinks.git.paths import _start_point
    from multus_gen.sinks.git.run import _FILE_MODES

    g = _Git(_open_repo(Path(repo_path)))
    ref = _branch_ref(g, branch)
    tip = g.commit_of(ref) or _start_point(g, remote, ref.removeprefix("refs/heads/"))
    found = g.entry(tip, path) if tip is not None else None
    if found is None or found.kind != "blob" or found.mode not in _FILE_MODES:
        return None
    data = g.blobs([found.sha])[found.sha]
    return data if len(data) <= limit else None
