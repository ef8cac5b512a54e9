"""Git process plumbing for the git sink: one runner per repository (errors become ``DeliveryError`` with
credentials removed), the branch tree and index read once and kept, blobs stored in one ``git fast-import``
pack, and the temporary-index tree build and compare-and-swap ref update of a commit."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path

import git

from multus_gen.errors import DeliveryError
from multus_gen.record import record

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

    def blobs(self, shas: Sequence[str]) -> dict[str, bytes]:
        """The bytes of blobs (as stored: no filters), read with one ``git cat-file --batch``."""
        wanted = sorted(set(shas))
        if not wanted:
            return {}
        with tempfile.TemporaryFile() as handle:
            handle.write("".join(f"{sha}\n" for sha in wanted).encode("ascii"))
            handle.seek(0)
            status, out, err = self.repo.git.execute(
                ["git", "cat-file", "--batch"],
                istream=handle,
                with_extended_output=True,
                with_exceptions=False,
                stdout_as_string=False,
                strip_newline_in_stdout=False,
            )
        if status != 0:
            raise DeliveryError(f"git cat-file failed: {_last_lines(str(err))}", where=self.where)
        data, found, at = bytes(out), {}, 0
        for sha in wanted:
            end = data.index(b"\n", at)
            header = data[at:end].split()
            if len(header) != 3 or header[1] != b"blob":
                raise DeliveryError(f"git cat-file: {sha} is not a blob", where=self.where)
            size = int(header[2])
            found[sha] = data[end + 1 : end + 1 + size]
            at = end + 2 + size
        return found

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


def _build_tree(g: _Git, base: str | None, items: Sequence[_Item], drops: Sequence[str] = ()) -> str:
    """The tree of ``base`` with ``items`` put in and the paths ``drops`` taken out, built in a temporary index
    (``GIT_INDEX_FILE``): the real index is not touched."""
    with tempfile.TemporaryDirectory(prefix="multus-gen-index-") as tmp:
        env = {"GIT_INDEX_FILE": os.path.join(tmp, "index")}
        if base is None:
            g.run("read-tree", "--empty", env=env)
        else:
            g.run("read-tree", base, env=env)
        info = "".join(f"{item.mode} {item.blob}\t{item.path}\0" for item in items)
        g.run("update-index", "--add", "-z", "--index-info", env=env, stdin=info.encode("utf-8"))
        if drops:
            listed = "".join(f"{path}\0" for path in drops)
            g.run("update-index", "--force-remove", "-z", "--stdin", env=env, stdin=listed.encode("utf-8"))
        return g.out("write-tree", env=env)


def _update_ref(g: _Git, ref: str, new: str, old: str | None, message: str) -> None:
    reason = "multus-gen: " + (message.strip().splitlines() or [""])[0]
    status, _out, err = g.run("update-ref", "-m", reason, ref, new, old or "", check=False)
    if status != 0:
        raise DeliveryError(
            f"branch {ref.removeprefix('refs/heads/')} changed while committing: {_last_lines(err)}",
            where=g.where,
            fix="run the command again",
        )


def _last_lines(text: str, count: int = 3) -> str:
    lines = [line.strip() for line in redact_credentials(text).splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("hint:")]
    return " / ".join(lines[-count:]) or "no message"
