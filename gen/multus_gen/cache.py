"""What multus-gen remembers between runs, under one cache folder.

``$MULTUS_GEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/multus-gen`` or ``~/.cache/multus-gen``;
``MULTUS_GEN_CACHE=off`` turns all of it off, and a cache that cannot be read or written is ignored.

Advisory and private: a cache may skip work but never changes what is printed, written or deleted. The
folder must belong to the current user and be writable by nobody else (it is created with mode 0700); a
folder that is a symlink, belongs to another user or has group/other write bits is not used (one warning
on stderr, :func:`take_warnings`; the run goes on without a cache). Files are read without following
symlinks and only when the user owns them, and written to a temporary file of unpredictable name in the
same folder (``tempfile.mkstemp``) that is then renamed into place (``os.replace``): nothing is written
through a planted symlink. Deleting the folder is always safe.

* ``valid/``: schema verdicts (:class:`VerdictStore`, handed to ``multus_gen.check.schemas`` by the CLI).
* ``render/``: remembered renders. ``render --out-dir`` is a pure function of multus-gen's own code and
  data, the spec file's path and bytes, and the flags; the spec names no other file. After a successful
  render, the SHA-256 of every file it produced and its messages are recorded under a key made of all of
  those. A later run with the same key checks the tree first: when every file still holds exactly those
  bytes (and passes the checks a write makes), the files are reported up to date without loading the spec
  or rendering it again. Any difference -- a file changed, deleted, a symlink or a ``.skip`` marker, another
  multus-gen build or PyYAML -- and the run renders as usual.
* ``commit/``: remembered ``commit -c`` runs: under a key made of the same things plus the repository, the
  folder and the branch, the tree id the branch had after a successful run, the delivered paths and the
  messages. A later run whose branch still has exactly that tree is up to date without rendering
  (``sinks.git.memo.up_to_date`` does every other check of an unchanged commit); anything else renders.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import stat
import sys
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from multus_gen.record import record

#: Bump when the layout of a remembered render changes.
_RENDER_FORMAT = "2"
#: Specs larger than this are not remembered (the loader refuses them anyway).
_MAX_SPEC_BYTES = 8 << 20
#: A remembered render larger than this is damaged.
_MAX_RECORD_BYTES = 64 << 20


def _configured_root() -> Path | None:
    if os.environ.get("MULTUS_GEN_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    base = os.environ.get("MULTUS_GEN_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "multus-gen"


#: Warnings not yet shown (the CLI prints them once, :func:`take_warnings`), and the folders warned about.
_pending: list[str] = []
_warned: set[str] = set()


def take_warnings() -> list[str]:
    """The warnings about unusable cache folders found so far and not yet taken (each folder once a run)."""
    out = list(_pending)
    _pending.clear()
    return out


def _unsafe(folder: Path, why: str) -> None:
    key = str(folder)
    if key not in _warned:
        _warned.add(key)
        _pending.append(
            f"cache folder {folder} {why}: running without the cache (fix: remove it, or set "
            "MULTUS_GEN_CACHE_DIR to a folder only you can write; MULTUS_GEN_CACHE=off silences this)"
        )


def private_folder(folder: Path, *, create_parents: bool = False) -> bool:
    """Create ``folder`` (mode 0700) if missing; True if it is a real folder of the current user that nobody
    else may write to. Anything else is not used: a warning for an unsafe folder, silence for one that
    cannot be created (a read-only home)."""
    try:
        if create_parents:
            folder.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return False
    try:
        info = os.lstat(folder)
    except OSError:
        return False
    if stat.S_ISLNK(info.st_mode):
        _unsafe(folder, "is a symlink")
    elif not stat.S_ISDIR(info.st_mode):
        _unsafe(folder, "is not a folder")
    elif info.st_uid != os.geteuid():
        _unsafe(folder, f"belongs to another user (uid {info.st_uid})")
    elif info.st_mode & 0o022:
        _unsafe(folder, f"may be written by others (mode {stat.S_IMODE(info.st_mode):04o})")
    else:
        return True
    return False


def cache_root() -> Path | None:
    """The cache folder, or None when the cache is off or the folder is not private (see the module)."""
    root = _configured_root()
    if root is None or not private_folder(root, create_parents=True):
        return None
    return root


def _own_regular(info: os.stat_result) -> bool:
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid()


def _write_private(path: Path, top: Path, data: bytes) -> None:
    """Write ``path`` (under the private folder ``top``) atomically: every folder from ``top`` down is private
    (created 0700), the bytes go to a ``mkstemp`` file beside it, renamed into place. Errors are ignored: a
    cache that cannot be written only costs the next run the work."""
    parts = path.parent.relative_to(top).parts
    for depth in range(len(parts) + 1):
        if not private_folder(top.joinpath(*parts[:depth])):
            return
    try:
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


class VerdictStore:
    """Schema verdicts: an empty marker per (schema, document) that passed, named by the SHA-256 of the
    schema's digest and the document's canonical JSON. Advisory: a missing, unreadable or unwritable marker
    only costs the next run the full check."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _marker(self, schema_digest: bytes, doc: Any) -> Path | None:
        try:
            payload = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
        except (TypeError, ValueError):
            return None  # not plain JSON data: always validate
        key = hashlib.sha256(schema_digest + payload.encode("utf-8", "surrogatepass")).hexdigest()
        return self.folder / key[:2] / key

    def passed(self, schema_digest: bytes, doc: Any) -> bool:
        marker = self._marker(schema_digest, doc)
        if marker is None:
            return False
        try:
            return _own_regular(os.lstat(marker))
        except OSError:
            return False

    def remember_pass(self, schema_digest: bytes, doc: Any) -> None:
        marker = self._marker(schema_digest, doc)
        if marker is not None:
            _write_private(marker, self.folder.parent, b"")


def verdict_store() -> VerdictStore | None:
    """The verdict store of the cache folder (None: the cache is off)."""
    root = cache_root()
    return None if root is None else VerdictStore(root / "valid")


@cache
def code_fingerprint() -> str | None:
    """SHA-256 of multus-gen's installed files (code, schemas, overlays, tables) and of what else shapes the
    output (the Python version, PyYAML, jsonschema); None when they cannot be read (then nothing is recalled)."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256(f"{sys.version}\0".encode())
    try:
        for folder, dirs, names in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith((".py", ".json", ".yaml")):
                    path = Path(folder, name)
                    digest.update(f"{path.relative_to(package)}\0".encode())
                    digest.update(path.read_bytes())
        for module in ("yaml", "jsonschema"):
            spec = importlib.util.find_spec(module)
            origin = spec.origin if spec is not None else None
            if origin is not None:
                info = os.stat(origin)
                digest.update(f"{module}\0{origin}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def render_key(config: Path, out_dir: Path, gitops_path: str | None) -> str | None:
    """The key of ``render -c config --out-dir out_dir [--gitops-path ...]``; None: do not remember."""
    if cache_root() is None:
        return None
    fingerprint = code_fingerprint()
    from multus_gen.sinks import read_regular  # render only: a plain run does not load the sinks

    data = read_regular(config, _MAX_SPEC_BYTES, follow=True)
    if fingerprint is None or data is None:
        return None
    head = json.dumps([_RENDER_FORMAT, fingerprint, str(config), str(out_dir), gitops_path])
    return hashlib.sha256(head.encode() + b"\0" + data).hexdigest()


@record
class Remembered:
    """A render's files (relative path, SHA-256 of the content) and messages (level, where, message)."""

    files: tuple[tuple[str, str], ...]
    notices: tuple[tuple[str, str], ...]  # (severity, the finding's one line)
    #: the files the spec names (chart archives, repository CA) and their SHA-256 (see :func:`input_digests`)
    inputs: tuple[tuple[str, str], ...] = ()


def _render_file(key: str) -> Path | None:
    root = cache_root()
    return None if root is None else root / "render" / key[:2] / f"{key}.json"


def recall(key: str) -> Remembered | None:
    path = _render_file(key)
    from multus_gen.sinks import read_regular

    data = read_regular(path, _MAX_RECORD_BYTES, own=True) if path is not None else None
    if data is None:
        return None
    try:
        payload: Any = json.loads(data)
        files = tuple((str(rel), str(digest)) for rel, digest in payload["files"])
        notices = tuple((str(severity), str(text)) for severity, text in payload["notices"])
        inputs = tuple((str(name), str(digest)) for name, digest in payload["inputs"])
    except (ValueError, KeyError, TypeError):
        return None  # damaged: render
    return Remembered(files, notices, inputs)


def input_digests(files: Sequence[tuple[str, bytes | None]]) -> list[tuple[str, str]]:
    """(path, SHA-256) of each file a spec names (a chart archive, a repository CA): ``bytes`` as the run read
    them, or None to read the file now. The key of a remembered render covers the spec's text only; these
    say whether what it names is still the same (an archive replaced under its name changes the output)."""
    from multus_gen.sinks import read_regular

    out = []
    for name, data in files:
        if data is None:
            data = read_regular(Path(name), _MAX_SPEC_BYTES, follow=True)
        out.append((name, hashlib.sha256(data).hexdigest() if data is not None else ""))
    return out


def inputs_unchanged(inputs: Sequence[tuple[str, str]]) -> bool:
    """Whether every file a remembered run read still holds the bytes it read (no file: changed)."""
    now = input_digests([(name, None) for name, _ in inputs])
    return all(digest and digest == then for (_, digest), (_, then) in zip(now, inputs, strict=True))


def digest(content: str) -> str:
    """The SHA-256 (hex) a remembered render records for a file's content."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def remember(
    key: str,
    files: Sequence[tuple[str, str]],
    notices: Sequence[tuple[str, str]],
    inputs: Sequence[tuple[str, str]] = (),
) -> None:
    """Record a successful render: (relative path, ``digest``) per file, its notices and the files the spec
    names (:func:`input_digests`) (written atomically; a cache that cannot be written is ignored)."""
    path = _render_file(key)
    if path is None:
        return
    payload = {
        "files": [list(f) for f in files],
        "notices": [list(n) for n in notices],
        "inputs": [list(i) for i in inputs],
    }
    root = cache_root()
    if root is not None:
        _write_private(path, root, json.dumps(payload, separators=(",", ":")).encode("utf-8"))


def commit_key(config: Path, repo: Path, folder: str, branch: str | None) -> str | None:
    """The key of ``commit -c config --repo repo --path folder [--branch branch]``; None: do not remember."""
    try:
        where = os.path.realpath(repo)
    except (OSError, ValueError):
        return None
    return render_key(config, Path(f"commit\0{where}\0{folder}\0{branch}"), None)


def _commit_file(key: str) -> Path | None:
    root = cache_root()
    return None if root is None else root / "commit" / key[:2] / f"{key}.json"


def recall_commit(key: str) -> dict[str, Any] | None:
    """What :func:`remember_commit` kept under ``key`` (a JSON object), or None."""
    path = _commit_file(key)
    from multus_gen.sinks import read_regular

    data = read_regular(path, _MAX_RECORD_BYTES, own=True) if path is not None else None
    if data is None:
        return None
    try:
        payload = json.loads(data)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


def remember_commit(key: str, payload: dict[str, Any]) -> None:
    """Keep ``payload`` (JSON data) under ``key`` (written atomically; a cache that cannot be written is ignored)."""
    path = _commit_file(key)
    root = cache_root()
    if path is not None and root is not None:
        _write_private(path, root, json.dumps(payload, separators=(",", ":")).encode("utf-8"))
