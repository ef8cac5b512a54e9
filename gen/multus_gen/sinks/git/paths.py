"""Where a commit may go: the repository's top folder, clean manifest paths, the branch (and where a new
one starts), paths the branch's tree and the working tree can take, the remote to push to, and the paths
git's filters apply to."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Sequence
from pathlib import Path

import git

from multus_gen.errors import DeliveryError
from multus_gen.sinks import clean_relative_path
from multus_gen.sinks.git.run import _Git
from multus_gen.yamlio.serialize import Manifest


def _open_repo(path: Path) -> git.Repo:
    try:
        repo = git.Repo(path)
    except git.NoSuchPathError:
        raise DeliveryError("repository folder does not exist", where=str(path)) from None
    except git.InvalidGitRepositoryError:
        raise DeliveryError(
            "not the top folder of a Git working tree",
            where=str(path),
            fix="pass the repository's root folder (git rev-parse --show-toplevel), or git init/clone it",
        ) from None
    if repo.bare or repo.working_tree_dir is None:
        raise DeliveryError("bare repository: there is no working tree", where=str(path), fix="clone it first")
    top = Path(repo.working_tree_dir).resolve()
    if top != path.resolve():
        raise DeliveryError(
            f"not the top folder of the Git working tree ({top})",
            where=str(path),
            fix="pass the repository root; manifest paths are relative to it",
        )
    return repo


def _check_paths(manifests: Sequence[Manifest]) -> list[tuple[str, bytes]]:
    seen: set[str] = set()
    result = []
    for manifest in manifests:
        path = clean_relative_path(manifest.path)
        if any(part.lower() == ".git" for part in path.split("/")):
            raise DeliveryError("manifest path points into .git", where=path)
        if path in seen:
            raise DeliveryError("two manifests have the same path", where=path)
        seen.add(path)
        try:
            data = manifest.content.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise DeliveryError(f"manifest text cannot be encoded as UTF-8 ({exc.reason})", where=path) from exc
        result.append((path, data))
    return result


def _branch_ref(g: _Git, branch: str) -> str:
    name = branch.removeprefix("refs/heads/")
    if not name or name.startswith("-") or g.ok("check-ref-format", f"refs/heads/{name}") is None:
        raise DeliveryError("not a valid branch name", where=f"--branch {branch}")
    return f"refs/heads/{name}"


def _start_point(g: _Git, remote: str, branch: str) -> str | None:
    """Start of a branch missing locally: ``<remote>/<branch>`` if known (as git checkout does), else HEAD."""
    return g.commit_of(f"refs/remotes/{remote}/{branch}") or g.commit_of("HEAD")


def _refuse_if_checked_out_elsewhere(g: _Git, ref: str, worktree: Path) -> None:
    listing = g.ok("worktree", "list", "--porcelain")
    if not listing:
        return
    current: str | None = None
    for line in listing.splitlines():
        if line.startswith("worktree "):
            current = line[len("worktree ") :]
        elif line == f"branch {ref}" and current is not None and Path(current).resolve() != worktree.resolve():
            raise DeliveryError(
                f"branch {ref.removeprefix('refs/heads/')} is checked out in another worktree",
                where=current,
                fix="commit from that worktree, or choose another --branch",
            )


def _check_tree_path(g: _Git, base: str | None, path: str, branch: str) -> None:
    """Refuse a path the branch's tree cannot take: beneath a file/symlink, or over a folder/symlink."""
    if base is None:
        return
    parts = path.split("/")
    for depth in range(1, len(parts) + 1):
        prefix = "/".join(parts[:depth])
        found = g.entry(base, prefix)
        if found is None:
            return
        last = depth == len(parts)
        if found.mode == "120000":
            what = "is" if last else "lies beneath"
            raise DeliveryError(
                f"{path} {what} a symlink ({prefix}) in branch {branch}; refusing to write through it",
                where=path,
            )
        if found.kind == "commit":
            raise DeliveryError(f"{prefix} is a submodule in branch {branch}", where=path)
        if not last and found.kind != "tree":
            raise DeliveryError(f"{prefix} is a file in branch {branch}, not a folder", where=path)
        if last and found.kind == "tree":
            raise DeliveryError(f"{path} is a folder in branch {branch}", where=path)


def _check_worktree_path(worktree: Path, path: str) -> None:
    """Refuse symlinks (escaping or not) on the way to our file in the working tree."""
    top = worktree.resolve()
    current = worktree
    parts = path.split("/")
    for depth, part in enumerate(parts, start=1):
        current = current / part
        try:
            st_mode = os.lstat(current).st_mode
        except FileNotFoundError:
            break
        except OSError as exc:
            raise DeliveryError(f"cannot inspect {current}: {exc.strerror}", where=path) from exc
        last = depth == len(parts)
        if os.path.islink(current):
            resolved = current.resolve()
            escapes = resolved != top and top not in resolved.parents
            reason = f"resolves outside the repository ({resolved})" if escapes else "is a symlink"
            raise DeliveryError(f"{current.relative_to(worktree)} {reason}; refusing to write", where=path)
        if not last and not _is_dir(st_mode):
            raise DeliveryError(f"{current.relative_to(worktree)} is not a folder", where=path)
        if last and _is_dir(st_mode):
            raise DeliveryError(f"{path} is a folder in the working tree", where=path)
    resolved = (worktree / path).resolve()
    if top not in resolved.parents:
        raise DeliveryError(f"{path} resolves outside the repository ({resolved})", where=path)


def _is_dir(st_mode: int) -> bool:
    return stat.S_ISDIR(st_mode)


def _check_remote(g: _Git, remote: str) -> None:
    """Before committing: ``remote`` must be a configured remote (or a URL); a local one must be a repository."""
    url = g.ok("remote", "get-url", "--push", "--", remote)
    if url is None:
        if "/" not in remote and ":" not in remote:
            raise DeliveryError(
                f"cannot push: no remote named {remote}; nothing was committed",
                where=g.where,
                fix=f"git remote add {remote} URL, or pass --remote NAME",
            )
        url = remote
    url = url.strip()
    scheme = re.match(r"(?i)([a-z][a-z0-9+.\-]*)://", url)
    local = url.removeprefix("file://") if (scheme is None or scheme.group(1).lower() == "file") else None
    if local is not None and (scheme is not None or ":" not in local.split("/")[0]):
        path = Path(local) if os.path.isabs(local) else Path(g.where) / local
        if g.ok("ls-remote", "-q", "--", str(path)) is None:
            raise DeliveryError(
                f"cannot push: remote {remote} ({path}) is not a reachable git repository; nothing was committed",
                where=g.where,
                fix=f"fix the URL (git remote set-url {remote} URL) or pass --remote NAME",
            )


def _filtered_paths(g: _Git, paths: Sequence[str]) -> set[str]:
    """Our paths whose bytes git's filters may change (eol/text/filter/ident/encoding attributes, autocrlf)."""
    autocrlf = (g.ok("config", "--get", "core.autocrlf") or "false").strip().lower()
    if autocrlf not in ("false", "no", "off", "0", ""):
        return set(paths)
    attrs = ("text", "eol", "crlf", "filter", "ident", "working-tree-encoding")
    out = g.out("check-attr", "-z", "--stdin", *attrs, stdin="".join(f"{p}\0" for p in paths).encode())
    fields = out.split("\0")
    return {fields[i] for i in range(0, len(fields) - 2, 3) if fields[i + 2] != "unspecified"}
