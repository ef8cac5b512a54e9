"""Commit manifests into a GitOps repository, touching nothing else of the user's.

This is the only module that imports GitPython; the CLI imports it only for ``commit``.

How a commit is made (plumbing only, never ``git add``/``git commit``/``git stash``):

1. every manifest becomes a blob (``git hash-object -w --stdin``: the bytes as given, no filters);
2. a temporary index (``GIT_INDEX_FILE`` in a temp folder) is read from the branch tip's tree, our
   blobs are added to it and ``git write-tree`` gives the new tree; if it equals the tip's tree the
   result is ``"up to date"`` and nothing is written;
3. ``git commit-tree`` makes the commit and ``git update-ref refs/heads/B NEW OLD`` moves the branch
   with compare-and-swap (a concurrent change of the branch makes us fail, not overwrite);
4. only when B is the checked-out branch: each of our files is replaced atomically in the working
   tree and its entry in the real index is set to our blob. Every other path -- staged, unstaged or
   untracked -- stays byte-for-byte and state-for-state as it was.

Identity is git's own: ``git commit-tree`` reads GIT_AUTHOR_NAME/EMAIL/DATE,
GIT_COMMITTER_NAME/EMAIL/DATE, EMAIL and the config (``user.*``, ``author.*``, ``committer.*``) exactly as
``git commit`` does; ``author`` (if given) overrides the author name and email. When git has no identity
(``git var GIT_AUTHOR_IDENT`` fails) the commit is refused (``NO_IDENTITY``) unless the user opted in to
one for multus-gen with ``MULTUS_GEN_GIT_IDENTITY="Name <email>"`` (``default`` means
``FALLBACK_IDENTITY``), which then fills in only what git lacks.

Signing: with ``commit.gpgsign`` true, commits are signed by ``git commit-tree -S`` (git's gpg.format,
gpg.program and user.signingkey apply); a failing signer refuses the commit, never an unsigned one.

Hooks: commit hooks (pre-commit, prepare-commit-msg, commit-msg, post-commit) never run -- no path
uses ``git commit``. ``--push`` runs ``git push``, so pre-push runs (and can stop the push: the
local commit is kept); the reference-transaction hook runs for every ref update, as for any git
command; the remote runs its own receive hooks.

Line endings: a path with eol/text/filter attributes (or ``core.autocrlf`` set) is hashed through
git's filters (``git hash-object --path``) for both our blob and the working-tree file, and written
to the working tree as git would check it out; other paths are hashed in-process (no filters apply).

A process killed while replacing a working-tree file may leave one untracked dot file
``.<name>.<hex>.multus-gen.tmp`` next to it (the same pattern as ``sinks.folder``); the commit
itself is all-or-nothing (``update-ref`` is atomic). Network commands never prompt
(``GIT_TERMINAL_PROMPT=0``; ssh in batch mode unless the user configured ssh), and every message
has credentials removed from URLs (``redact_credentials``), including the configured URL of the
remote however odd its password.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import tempfile
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path

import git

from multus_gen.errors import DeliveryError
from multus_gen.record import record, replace
from multus_gen.sinks import CommitOutcome, clean_relative_path
from multus_gen.sinks import folder as _folder
from multus_gen.yamlio.serialize import Manifest

__all__ = [
    "FALLBACK_IDENTITY",
    "IDENTITY_ENV",
    "NO_IDENTITY",
    "CommitOutcome",
    "commit_manifests",
    "redact_credentials",
]

FALLBACK_IDENTITY = ("multus-gen", "multus-gen@localhost")
"""The identity ``MULTUS_GEN_GIT_IDENTITY=default`` opts in to."""

IDENTITY_ENV = "MULTUS_GEN_GIT_IDENTITY"
"""Opt-in identity (``Name <email>``, or ``default``) used only where git itself has none."""

NO_IDENTITY = "no git identity: set user.name and user.email (git config) or GIT_AUTHOR_*"

# scheme:// then everything up to the last '@' of the same token (a password may hold '@', '/', ':').
_URL_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s'\"<>]*@")
_FILE_MODES = ("100644", "100755")
_REDACTED = "***"


_KNOWN_URL = re.compile(r"(?is)([a-z][a-z0-9+.\-]*://)(.*)@([^@]*)")


def _redact_known(text: str, url: str) -> str:
    """``text`` without the user info of ``url``: wherever ``scheme://...@host`` shows it (git may show it
    cut at its first ``@``), and its user info and password anywhere -- raw, decoded or encoded."""
    match = _KNOWN_URL.fullmatch(url.strip())
    if match is None:
        return text
    scheme, userinfo, rest = match.groups()
    host = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if host:
        text = re.sub(re.escape(scheme) + r"[^\n]*?@(?=" + re.escape(host) + ")", scheme, text, flags=re.I)
    password = userinfo.partition(":")[2]
    forms = {
        form
        for part in ((userinfo, password) if password else (userinfo,))
        for form in (part, urllib.parse.unquote(part), urllib.parse.quote(part, safe=""))
        if len(form) >= 4  # shorter ones would blank out ordinary words; the URL shape still catches them
    }
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, _REDACTED)
    return text


def redact_credentials(text: str, urls: Sequence[str] = ()) -> str:
    """Remove credentials from every URL in ``text``.

    ``scheme://user:password@`` and ``scheme://token@`` go (up to the token's last ``@``, so passwords
    holding ``@``, ``/`` or ``:`` go whole). The user info and password of each known URL in ``urls``
    (a remote's configured URL) are also removed wherever they appear -- raw, percent-decoded or
    percent-encoded -- which covers passwords with spaces that split the URL in a message."""
    for url in urls:
        text = _redact_known(text, url)
    return _URL_CREDENTIALS.sub(r"\1", text)


@record
class _Entry:
    mode: str
    kind: str
    sha: str


@record
class _Item:
    path: str
    data: bytes
    blob: str
    mode: str


def blob_sha(data: bytes) -> str:
    """The object name git gives ``data`` as a blob (``git hash-object --no-filters``)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _file_sha(path: Path) -> str | None:
    try:
        return blob_sha(path.read_bytes())
    except OSError:
        return None


class _Git:
    """Runs git commands in one repository; errors become DeliveryError with credentials removed."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        self._trees: dict[str, dict[str, _Entry]] = {}
        self._index: dict[str, str] | None = None
        self.commit_env: dict[str, str] = {}  # identity overrides for commit-tree (see _identity_env)
        self.sign = False  # commit.gpgsign: commit-tree -S
        self.filtered: set[str] = set()  # our paths that git's eol/clean filters apply to

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        stdin: bytes | None = None,
        check: bool = True,
    ) -> tuple[int, str, str]:
        full_env = {"GIT_LITERAL_PATHSPECS": "1", "GIT_TERMINAL_PROMPT": "0", **(env or {})}
        command = ["git", *args]
        if stdin is None:
            status, out, err = self.repo.git.execute(
                command, with_extended_output=True, with_exceptions=False, env=full_env
            )
        else:
            with tempfile.TemporaryFile() as handle:
                handle.write(stdin)
                handle.seek(0)
                status, out, err = self.repo.git.execute(
                    command, istream=handle, with_extended_output=True, with_exceptions=False, env=full_env
                )
        if check and status != 0:
            raise DeliveryError(f"git {args[0]} failed: {_last_lines(err or out)}", where=self.where)
        return status, out, err

    def out(self, *args: str, env: Mapping[str, str] | None = None, stdin: bytes | None = None) -> str:
        return self.run(*args, env=env, stdin=stdin)[1]

    def ok(self, *args: str) -> str | None:
        """stdout of a command that may fail (None then)."""
        status, out, _err = self.run(*args, check=False)
        return out if status == 0 else None

    @property
    def where(self) -> str:
        return str(self.repo.working_tree_dir or self.repo.git_dir)

    def commit_of(self, rev: str) -> str | None:
        return self.ok("rev-parse", "--verify", "-q", f"{rev}^{{commit}}")

    def tree(self, treeish: str) -> dict[str, _Entry]:
        """Every entry (blobs, trees, links) of ``treeish``, read with one ``git ls-tree -r -t`` and kept."""
        if treeish not in self._trees:
            entries: dict[str, _Entry] = {}
            for record in self.out("ls-tree", "-r", "-t", "-z", "--full-tree", treeish).split("\0"):
                meta, _, name = record.partition("\t")
                if name:
                    mode, kind, sha = meta.split(" ")
                    entries[name] = _Entry(mode, kind, sha)
            self._trees[treeish] = entries
        return self._trees[treeish]

    def entry(self, treeish: str | None, path: str) -> _Entry | None:
        """The tree entry at ``path`` in ``treeish`` (None if absent or treeish is None)."""
        if treeish is None:
            return None
        return self.tree(treeish).get(path)

    def blob_at(self, treeish: str | None, path: str) -> str | None:
        found = self.entry(treeish, path)
        return found.sha if found is not None and found.kind == "blob" else None

    def index_blob(self, path: str) -> str | None:
        """The real index's blob for ``path``; ``"unmerged"`` for a conflict, None if absent.

        The index is read once (``git ls-files -s``) and kept until ``forget_index``."""
        if self._index is None:
            index: dict[str, str] = {}
            for record in self.out("ls-files", "-s", "-z").split("\0"):
                meta, _, name = record.partition("\t")
                if name:
                    _mode, sha, stage = meta.split(" ")
                    index[name] = sha if stage == "0" and name not in index else "unmerged"
            self._index = index
        return self._index.get(path)

    def forget_index(self) -> None:
        self._index = None

    def write_blobs(self, blobs: Mapping[str, bytes]) -> None:
        """Store blobs (sha -> bytes, as given: no filters) that the object database may lack, in one
        ``git fast-import`` run: one pack instead of a loose object (and a file) per blob, as ``git add``
        writes them. Git's names for them (its exported marks) must be the ones computed here."""
        known = {e.sha for tree in self._trees.values() for e in tree.values()}  # one set, not a scan per blob
        missing = [(sha, data) for sha, data in blobs.items() if sha not in known]
        if not missing:
            return
        stream = bytearray()
        for mark, (_sha, data) in enumerate(missing, 1):
            stream += b"blob\nmark :%d\ndata %d\n" % (mark, len(data))
            stream += data
            stream += b"\n"
        stream += b"done\n"
        with tempfile.TemporaryDirectory(prefix="multus-gen-blobs-") as folder:
            marks = os.path.join(folder, "marks")
            self.run("fast-import", "--quiet", "--done", f"--export-marks={marks}", stdin=bytes(stream))
            with open(marks, encoding="ascii") as fh:
                named = dict(line.split() for line in fh if line.strip())
        if [named.get(f":{mark}") for mark in range(1, len(missing) + 1)] != [sha for sha, _ in missing]:
            raise DeliveryError("git stored the manifests under other object names than expected", where=self.where)


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
            repo_path, manifests, message=message, branch=branch, force=force, push=push, remote=remote, author=author
        )
    except DeliveryError as exc:  # every message, whatever raised it, loses the remote's credentials
        urls = _remote_urls(Path(repo_path), remote)

        def clean(text: str) -> str:
            return redact_credentials(text, urls)

        raise DeliveryError(
            clean(exc.message), fix=clean(exc.fix) if exc.fix else None, at=exc.finding.at, rule=exc.finding.rule
        ) from exc


def _remote_urls(repo_path: Path, remote: str) -> list[str]:
    """The fetch and push URLs configured for ``remote`` (or ``remote`` itself), for redaction."""
    urls = [remote]
    try:
        config = git.Repo(repo_path).git
        for extra in ([], ["--push"]):
            urls += config.execute(["git", "remote", "get-url", "--all", *extra, "--", remote]).splitlines()
    except (git.GitError, OSError, ValueError):
        pass
    return urls


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
) -> CommitOutcome:
    if not manifests:
        raise DeliveryError("no manifests to commit")
    if not message.strip():
        raise DeliveryError("the commit message is empty", fix="pass a commit message")
    repo = _open_repo(Path(repo_path))
    g = _Git(repo)
    worktree = Path(repo.working_tree_dir or ".")
    paths_data = _check_paths(manifests)

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
    items = []
    sha1_objects = (g.ok("rev-parse", "--show-object-format") or "sha1").strip() == "sha1"
    g.filtered = _filtered_paths(g, [path for path, _data in paths_data])
    for path, data in paths_data:
        _check_tree_path(g, base, path, branch_name)
        found = g.entry(base, path)
        mode = found.mode if found is not None and found.mode in _FILE_MODES else "100644"
        if sha1_objects and path not in g.filtered:
            items.append(_Item(path, data, blob_sha(data), mode))
        else:  # a SHA-256 repository or a filtered path: let git name (and normalize) the blob
            blob = g.out("hash-object", "-w", "--stdin", f"--path={path}", stdin=data)
            items.append(_Item(path, data, blob, mode))
    if sha1_objects:
        g.write_blobs({item.blob: item.data for item in items if item.path not in g.filtered})

    pushing = _Pushing(remote, checked_out, created, message) if push else None
    new_tree = _build_tree(g, base, items)
    if base is not None and new_tree == g.out("rev-parse", f"{base}^{{tree}}"):
        if created:  # the start point already holds our bytes: the new branch starts there
            _update_ref(g, ref, base, None, message)
        if checked_out:
            _repair_interrupted_sync(g, worktree, items, base, branch_name)
        outcome = CommitOutcome("up to date", branch_name, base, tuple(i.path for i in items))
        return _push_and_finish(g, outcome, ref, items, pushing) if pushing else outcome

    if checked_out:
        for item in items:
            _check_worktree_path(worktree, item.path)
        if not force:
            _refuse_dirty(g, worktree, base, items)

    new = _commit_tree(g, new_tree, base, message)
    if checked_out:
        _write_pending(g, ref, new, base, items)
    _update_ref(g, ref, new, old, message)
    if checked_out:
        _sync_worktree(g, worktree, items, new, branch_name)
        _clear_pending(g)
    outcome = CommitOutcome("committed", branch_name, new, tuple(i.path for i in items))
    return _push_and_finish(g, outcome, ref, items, pushing) if pushing else outcome


# -- repository, paths, identities --------------------------------------------------------------------


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


def _identity_env(g: _Git, author: tuple[str, str] | None) -> dict[str, str]:
    """Environment for ``commit-tree``: ``author`` if given; where git has no identity of its own
    (``git var`` fails, as ``git commit`` would), the opt-in ``MULTUS_GEN_GIT_IDENTITY`` or a refusal."""
    env = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1]} if author else {}
    for role in ("AUTHOR", "COMMITTER"):
        if g.run("var", f"GIT_{role}_IDENT", env=env, check=False)[0] == 0:
            continue
        fallback = _opt_in_identity()
        if fallback is None:
            raise DeliveryError(
                NO_IDENTITY,
                where=g.where,
                fix=f'or let multus-gen use one of its own: {IDENTITY_ENV}="Name <email>"',
            )
        env[f"GIT_{role}_NAME"], env[f"GIT_{role}_EMAIL"] = fallback
    return env


def _opt_in_identity() -> tuple[str, str] | None:
    value = os.environ.get(IDENTITY_ENV, "").strip()
    if not value:
        return None
    if value == "default":
        return FALLBACK_IDENTITY
    match = re.fullmatch(r"([^<>]*?)\s*<([^<>\s]+)>", value)
    if match is None or not match.group(1).strip():
        raise DeliveryError(f"{IDENTITY_ENV} is not 'Name <email>' (or 'default')", where=IDENTITY_ENV)
    return match.group(1).strip(), match.group(2)


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


# -- plumbing -----------------------------------------------------------------------------------------


def _build_tree(g: _Git, base: str | None, items: Sequence[_Item]) -> str:
    with tempfile.TemporaryDirectory(prefix="multus-gen-index-") as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        if base is None:
            g.run("read-tree", "--empty", env=env)
        else:
            g.run("read-tree", base, env=env)
        info = "".join(f"{item.mode} {item.blob}\t{item.path}\0" for item in items)
        g.run("update-index", "--add", "-z", "--index-info", env=env, stdin=info.encode("utf-8"))
        return g.out("write-tree", env=env)


def _commit_tree(g: _Git, tree: str, parent: str | None, message: str, env: Mapping[str, str] | None = None) -> str:
    """``git commit-tree``: git's identity (with ``g.commit_env``/``env`` overrides), signed when
    ``commit.gpgsign`` is on -- a failing signer refuses the commit."""
    args = ["commit-tree", tree]
    if parent is not None:
        args += ["-p", parent]
    if g.sign:
        args.append("-S")
    text = message.strip("\n") + "\n"
    status, out, err = g.run(*args, "-F", "-", env={**g.commit_env, **(env or {})}, stdin=text.encode(), check=False)
    if status == 0:
        return out
    if g.sign:
        raise DeliveryError(
            f"commit.gpgsign is on but git could not sign the commit: {_last_lines(err)}; nothing was committed",
            where=g.where,
            fix="fix signing (gpg.program, gpg.format, user.signingkey) or set commit.gpgsign false",
        )
    raise DeliveryError(f"git commit-tree failed: {_last_lines(err or out)}", where=g.where)


def _update_ref(g: _Git, ref: str, new: str, old: str | None, message: str) -> None:
    reason = "multus-gen: " + (message.strip().splitlines() or [""])[0]
    status, _out, err = g.run("update-ref", "-m", reason, ref, new, old or "", check=False)
    if status != 0:
        raise DeliveryError(
            f"branch {ref.removeprefix('refs/heads/')} changed while committing: {_last_lines(err)}",
            where=g.where,
            fix="run the command again",
        )


_PENDING = "multus-gen-pending.json"


def _write_pending(g: _Git, ref: str, new: str, base: str | None, items: Sequence[_Item]) -> None:
    """Before the branch moves: note the commit and our paths' previous blobs in the git dir, so a run
    killed before the working-tree/index update can be told apart from a user's staged change."""
    data = {"ref": ref, "commit": new, "previous": {i.path: g.blob_at(base, i.path) for i in items}}
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
        state = _state(g, worktree, item.path)
        if state == (item.blob, item.blob) or item.path not in pending:
            continue
        allowed = {pending[item.path], item.blob}
        if state[0] in allowed and state[1] in allowed:
            stale.append(item)
    if stale:
        _sync_worktree(g, worktree, stale, head, branch)
    _clear_pending(g)


def _refuse_dirty(g: _Git, worktree: Path, head: str | None, items: Sequence[_Item]) -> None:
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


def _sync_worktree(g: _Git, worktree: Path, items: Sequence[_Item], new: str, branch: str) -> None:
    """Make our paths clean in the checked-out branch: working-tree files and real index entries.

    Files are replaced atomically one by one; the index is updated for all of them with one
    ``git update-index --stdin`` (which records stat data, so ``git status`` needs no rehash)."""
    current_item = items[0] if items else None
    try:
        for item in items:
            current_item = item
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
        path = current_item.path if current_item is not None else "?"
        raise DeliveryError(
            f"committed {new[:12]} on {branch}, but could not update {path} in the working tree/index: {why}",
            where=g.where,
            fix=f"run: git checkout HEAD -- {path}",
        ) from exc


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


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in redact_credentials(text).splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("hint:")]
    return " / ".join(lines[-count:]) or "no message"


# -- push ---------------------------------------------------------------------------------------------


def _network_env(g: _Git) -> dict[str, str]:
    """Never prompt: no terminal credential prompts; ssh in batch mode unless the user set ssh up."""
    env = {"GIT_TERMINAL_PROMPT": "0"}
    if not (os.environ.get("GIT_SSH_COMMAND") or os.environ.get("GIT_SSH")) and not g.ok(
        "config", "--get", "core.sshCommand"
    ):
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes"
    return env


def _push(g: _Git, remote: str, ref: str) -> tuple[str, str]:
    """Push ``ref`` to the same name on ``remote``: ("ok"|"rejected"|"error", message)."""
    status, out, err = g.run("push", "--porcelain", "--", remote, f"{ref}:{ref}", env=_network_env(g), check=False)
    if status == 0:
        return "ok", ""
    for line in out.splitlines():
        if line.startswith("!") and "[rejected]" in line and ("fetch first" in line or "non-fast-forward" in line):
            return "rejected", _last_lines(line)
    hook = Path(g.where, g.out("rev-parse", "--git-path", "hooks/pre-push").strip())
    if not any(line.startswith("!") for line in out.splitlines()) and os.access(hook, os.X_OK):
        return "error", f"the pre-push hook refused it ({_last_lines(err + chr(10) + out)})"
    return "error", _last_lines(err + "\n" + out)


def _fetch(g: _Git, remote: str, ref: str) -> str:
    status, _out, err = g.run("fetch", "--no-tags", "--", remote, ref, env=_network_env(g), check=False)
    if status != 0:
        raise DeliveryError(
            f"push was rejected and fetching {ref.removeprefix('refs/heads/')} from "
            f"{redact_credentials(remote)} failed: {_last_lines(err)}",
            where=g.where,
        )
    return g.out("rev-parse", "--verify", "FETCH_HEAD^{commit}")


@record
class _Pushing:
    remote: str
    checked_out: bool
    created: bool  # the local branch did not exist before this run (its start point is not "ours")
    message: str


def _push_and_finish(g: _Git, outcome: CommitOutcome, ref: str, items: Sequence[_Item], how: _Pushing) -> CommitOutcome:
    """Push; if the remote moved on, re-make our commit on the remote tip and push once more."""
    branch, remote = outcome.branch, how.remote
    kept = f"the local commit {outcome.sha[:12]} on {branch} is kept" if outcome.sha else "nothing was committed"
    result, detail = _push(g, remote, ref)
    if result == "ok":
        return replace(outcome, pushed=True)
    if result == "error":
        raise DeliveryError(
            f"push of {branch} to {redact_credentials(remote)} failed: {detail}; {kept}",
            where=g.where,
            fix="check the remote's URL and credentials, then run again",
        )
    tip = outcome.sha
    assert tip is not None  # a rejected push means there was something to push
    remote_tip = _fetch(g, remote, ref)
    conflict_fix = f"pull {branch}, resolve, and run again"
    if how.created:
        # A branch new in this run: its start point was only a guess, so start over from the remote tip.
        return _rebase(g, outcome, ref, items, how, tip, remote_tip, kept, conflict_fix)
    if g.ok("merge-base", "--is-ancestor", tip, remote_tip) is not None:
        # The remote already contains everything we have: it only matters whether it has our bytes.
        changed = [item.path for item in items if g.blob_at(remote_tip, item.path) != item.blob]
        if changed:
            raise DeliveryError(
                f"the remote changed {', '.join(changed)} on {branch} after your last pull",
                where=g.where,
                fix=conflict_fix,
            )
        return outcome
    # Re-make the tip commit on the remote tip: allowed if it is a one-parent commit touching only
    # our paths, its parent is on the remote, and the remote left our paths alone (or made them ours).
    parents = g.out("rev-list", "--parents", "-n", "1", tip).split()[1:]
    parent = parents[0] if parents else None
    if len(parents) > 1:
        raise DeliveryError(
            f"{branch} ends in a merge commit the remote does not have; {kept}",
            where=g.where,
            fix=conflict_fix,
        )
    ours = {item.path for item in items}
    touched = set(
        filter(None, g.out("diff-tree", "-r", "-z", "--name-only", "--no-commit-id", "--root", tip).split("\0"))
    )
    if not touched <= ours or (parent is not None and g.ok("merge-base", "--is-ancestor", parent, remote_tip) is None):
        raise DeliveryError(
            f"{branch} has local commits that are not on {redact_credentials(remote)}, so the push was "
            f"rejected; {kept}",
            where=g.where,
            fix=conflict_fix,
        )
    conflicts = [
        item.path for item in items if g.blob_at(remote_tip, item.path) not in {g.blob_at(parent, item.path), item.blob}
    ]
    if conflicts:
        raise DeliveryError(
            f"the remote changed {', '.join(conflicts)} on {branch} differently; {kept}",
            where=g.where,
            fix=conflict_fix,
        )
    return _rebase(g, outcome, ref, items, how, tip, remote_tip, kept, conflict_fix)


def _rebase(
    g: _Git,
    outcome: CommitOutcome,
    ref: str,
    items: Sequence[_Item],
    how: _Pushing,
    tip: str,
    remote_tip: str,
    kept: str,
    conflict_fix: str,
) -> CommitOutcome:
    branch, remote, checked_out, message = outcome.branch, how.remote, how.checked_out, how.message
    for item in items:
        _check_tree_path(g, remote_tip, item.path, f"{remote}/{branch}")
    new_tree = _build_tree(g, remote_tip, items)
    status = outcome.status
    if new_tree == g.out("rev-parse", f"{remote_tip}^{{tree}}"):
        rebased = remote_tip
    elif outcome.status == "committed" or not how.created:
        author, tip_message = _commit_details(g, tip)  # re-make the tip commit (same author and date)
        rebased = _commit_tree(g, new_tree, remote_tip, tip_message, author)
    else:  # a new branch whose start point already had our bytes: a fresh commit of this run
        rebased = _commit_tree(g, new_tree, remote_tip, message)
        status = "committed"
    if checked_out:
        code, _out, err = g.run("read-tree", "-m", "-u", tip, rebased, check=False)
        if code != 0:
            raise DeliveryError(
                f"the remote moved on and changed files you have modified locally ({_last_lines(err)}); {kept}",
                where=g.where,
                fix=conflict_fix,
            )
    try:
        _update_ref(g, ref, rebased, tip, message)
    except DeliveryError:
        if checked_out:
            g.run("read-tree", "-m", "-u", rebased, tip, check=False)
        raise
    if rebased == remote_tip:
        return CommitOutcome("up to date", branch, rebased, outcome.paths, pushed=False, rebased=True)
    result, detail = _push(g, remote, ref)
    if result != "ok":
        raise DeliveryError(
            f"push of {branch} failed again after rebasing onto the remote: {detail}; "
            f"the local commit {rebased[:12]} on {branch} is kept",
            where=g.where,
            fix="run again",
        )
    return CommitOutcome(status, branch, rebased, outcome.paths, pushed=True, rebased=True)


def _commit_details(g: _Git, commit: str) -> tuple[dict[str, str], str]:
    """Author (as commit-tree environment) and message of ``commit`` (to re-make it on the remote tip)."""
    fields = g.out("log", "-1", "--format=%an%x00%ae%x00%ad%x00%B", "--date=raw", commit).split("\0", 3)
    author = {"GIT_AUTHOR_NAME": fields[0], "GIT_AUTHOR_EMAIL": fields[1], "GIT_AUTHOR_DATE": fields[2]}
    return author, fields[3]
