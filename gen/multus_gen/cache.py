"""What multus-gen remembers between runs, under one cache folder.

``$MULTUS_GEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/multus-gen`` or ``~/.cache/multus-gen``;
``MULTUS_GEN_CACHE=off`` turns all of it off, and a cache that cannot be read or written is ignored.

* ``valid/``: schema verdicts (:class:`VerdictStore`, handed to ``multus_gen.check.schemas`` by the CLI).
* ``render/``: remembered renders. ``render --out-dir`` is a pure function of multus-gen's own code and
  data, the spec file's path and bytes, and the flags; the spec names no other file. After a successful
  render, the SHA-256 of every file it produced and its messages are recorded under a key made of all of
  those. A later run with the same key checks the tree first: when every file still holds exactly those
  bytes (and passes the checks a write makes), the files are reported up to date without loading the spec
  or rendering it again. Any difference -- a file changed, deleted, a symlink or a ``.skip`` marker, another
  multus-gen build or PyYAML -- and the run renders as usual.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import stat
import sys
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

from multus_gen.record import record

#: Bump when the layout of a remembered render changes.
_RENDER_FORMAT = "1"
#: Specs larger than this are not remembered (the loader refuses them anyway).
_MAX_SPEC_BYTES = 8 << 20


def cache_root() -> Path | None:
    """The cache folder, or None when the cache is off."""
    if os.environ.get("MULTUS_GEN_CACHE", "").lower() in ("off", "0", "no", "false"):
        return None
    base = os.environ.get("MULTUS_GEN_CACHE_DIR")
    if base:
        return Path(base)
    xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(xdg) / "multus-gen"


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
        return marker is not None and marker.exists()

    def remember_pass(self, schema_digest: bytes, doc: Any) -> None:
        marker = self._marker(schema_digest, doc)
        if marker is None:
            return
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))
        except OSError:
            pass  # a read-only home or a full disk only costs the next run the full check


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


def _spec_bytes(path: Path) -> bytes | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_SPEC_BYTES:
            return None
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def render_key(config: Path, out_dir: Path, gitops_path: str | None) -> str | None:
    """The key of ``render -c config --out-dir out_dir [--gitops-path ...]``; None: do not remember."""
    if cache_root() is None:
        return None
    fingerprint = code_fingerprint()
    data = _spec_bytes(config)
    if fingerprint is None or data is None:
        return None
    head = json.dumps([_RENDER_FORMAT, fingerprint, str(config), str(out_dir), gitops_path])
    return hashlib.sha256(head.encode() + b"\0" + data).hexdigest()


@record
class Remembered:
    """A render's files (relative path, SHA-256 of the content) and messages (level, where, message)."""

    files: tuple[tuple[str, str], ...]
    notices: tuple[tuple[str, str], ...]  # (severity, the finding's one line)


def _render_file(key: str) -> Path | None:
    root = cache_root()
    return None if root is None else root / "render" / key[:2] / f"{key}.json"


def recall(key: str) -> Remembered | None:
    path = _render_file(key)
    if path is None:
        return None
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        files = tuple((str(rel), str(digest)) for rel, digest in data["files"])
        notices = tuple((str(severity), str(text)) for severity, text in data["notices"])
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or damaged: render
    return Remembered(files, notices)


def digest(content: str) -> str:
    """The SHA-256 (hex) a remembered render records for a file's content."""
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def remember(key: str, files: Sequence[tuple[str, str]], notices: Sequence[tuple[str, str]]) -> None:
    """Record a successful render: (relative path, ``digest``) per file and its notices (written atomically;
    a cache that cannot be written is ignored)."""
    path = _render_file(key)
    if path is None:
        return
    payload = {
        "files": [list(f) for f in files],
        "notices": [list(n) for n in notices],
    }
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
