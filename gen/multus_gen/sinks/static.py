"""K3s static charts: archives copied into ``<data-dir>/server/static/charts``, which K3s serves to its
helm-controller as ``https://%{KUBERNETES_API}%/static/charts/<file>`` (FACTS.md 2).

Each copy is atomic (a dot temp file renamed over the name, under the file's lock, like the manifests). A file
of the same name with other bytes is never replaced: it may be another chart's, or one the user put there. What
multus-gen copied is recorded in ``.multus-gen-static.json`` (name -> SHA-256) in the same folder: ``uninstall``
removes a static chart only when that record lists it with exactly its bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from multus_gen.errors import DeliveryError
from multus_gen.sinks import Outcome, read_regular, remove_file
from multus_gen.sinks.prune import digest

RECORD_FILE = ".multus-gen-static.json"
_MAX = 64 << 20


def static_dir(manifests_dir: Path) -> Path:
    """``<data-dir>/server/static/charts`` beside ``<data-dir>/server/manifests``."""
    return Path(manifests_dir).parent / "static" / "charts"


def recorded(folder: Path) -> dict[str, str]:
    data = read_regular(Path(folder) / RECORD_FILE, 1 << 20)
    try:
        files = json.loads(data or b"{}").get("files", {})
    except (ValueError, AttributeError):
        return {}
    return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else {}


def copy_charts(folder: Path, archives: Sequence[tuple[str, bytes]], *, dry_run: bool) -> list[Outcome]:
    """Copy each ``(file name, bytes)`` into ``folder`` (created below an existing parent); refuse, before
    writing anything, a file of that name with other bytes."""
    from multus_gen.sinks.folder import _atomic_replace, _locked

    folder = Path(folder)
    server = folder.parent.parent
    if not server.is_dir():
        raise DeliveryError(
            f"{server} does not exist: not a K3s server's data dir",
            where="--static-chart",
            fix="run install on a K3s server (K3s creates <data-dir>/server on its first start)",
        )
    planned: list[tuple[str, bytes, bytes | None]] = []
    for name, data in archives:
        current = read_regular(folder / name, _MAX) if folder.is_dir() else None
        if current is None and (folder / name).exists():
            raise DeliveryError(f"{folder / name} is not a regular file", where="--static-chart")
        if current is not None and current != data:
            raise DeliveryError(
                f"{folder / name} exists with other bytes: multus-gen does not replace a static chart it did not "
                "copy, or one that changed",
                where="--static-chart",
                fix="compare the two archives; remove or rename the file there if it is stale",
            )
        planned.append((name, data, current))
    outcomes: list[Outcome] = []
    if dry_run:
        return [
            Outcome(folder / name, "up to date" if current is not None else "would write")
            for name, _, current in planned
        ]
    folder.mkdir(mode=0o755, parents=True, exist_ok=True)
    with _locked(folder, RECORD_FILE, str(folder), 30.0):
        record = recorded(folder)
        for name, data, current in planned:
            if current is None:
                _atomic_replace(folder, name, data, mode=0o644, fsync=True)
            record[name] = digest(data)
            outcomes.append(Outcome(folder / name, "up to date" if current is not None else "written"))
        text = json.dumps({"files": dict(sorted(record.items()))}, indent=1, sort_keys=True) + "\n"
        _atomic_replace(folder, RECORD_FILE, text.encode(), mode=0o644, fsync=True)
    return outcomes


def ours(folder: Path, names: Sequence[str]) -> list[str]:
    """Those of ``names`` that ``folder`` holds with the bytes multus-gen recorded copying."""
    record = recorded(folder)
    out = []
    for name in names:
        data = read_regular(Path(folder) / name, _MAX)
        if data is not None and record.get(name) == digest(data):
            out.append(name)
    return out


def remove(folder: Path, names: Sequence[str]) -> None:
    from multus_gen.sinks.folder import _atomic_replace, _locked

    with _locked(Path(folder), RECORD_FILE, str(folder), 30.0):
        record = recorded(folder)
        for name in names:
            remove_file(Path(folder) / name, where=str(Path(folder) / name))
            record.pop(name, None)
        text = json.dumps({"files": dict(sorted(record.items()))}, indent=1, sort_keys=True) + "\n"
        _atomic_replace(Path(folder), RECORD_FILE, text.encode(), mode=0o644, fsync=True)
