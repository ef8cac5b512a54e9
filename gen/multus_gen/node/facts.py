"""What a node says about itself: distribution, K3s version, data dir (each with its source), config.

K3s reads ``/etc/rancher/k3s/config.yaml`` and then ``config.yaml.d/*.yaml`` in name order: a later file's
key replaces an earlier one's, a key ending in ``+`` appends to it; flags on the command line (the systemd
unit's ``ExecStart``) win over the files (docs.k3s.io/installation/configuration). Files are read under
``root`` (``/`` on the node itself; a mounted image or a test tree otherwise); ``k3s --version`` runs only when
``root`` is ``/`` and the binary is on PATH -- a binary under another root is never executed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

from multus_gen.errors import InputError
from multus_gen.findings import ERROR, Finding, Location
from multus_gen.knowledge import k3s, rke2
from multus_gen.record import record

#: Per distribution: its config folder, default data dir, binary and systemd units.
DISTRO_FILES: dict[str, dict[str, Any]] = {
    "k3s": {
        "config": "/etc/rancher/k3s",
        "data_dir": k3s.DEFAULT_DATA_DIR,
        "binary": "k3s",
        "units": ("k3s.service", "k3s-agent.service"),
    },
    "rke2": {
        "config": "/etc/rancher/rke2",
        "data_dir": rke2.DATA_DIR,
        "binary": "rke2",
        "units": ("rke2-server.service", "rke2-agent.service"),
    },
}
UNIT_DIRS = ("/etc/systemd/system", "/lib/systemd/system", "/usr/lib/systemd/system")
_MAX_CONFIG_BYTES = 1 << 20


@record
class NodeFacts:
    """A node as its files say. ``*_source``: where each value came from (shown to the user)."""

    root: str
    distro: str
    version: str | None
    version_source: str
    data_dir: str
    data_dir_source: str
    config: dict[str, Any]
    config_files: tuple[str, ...]
    unit_args: tuple[str, ...]
    findings: tuple[Finding, ...]

    def host(self, path: str) -> Path:
        """The node path ``path`` under the root."""
        return under(self.root, path)

    @property
    def manifests_dir(self) -> str:
        return rke2.MANIFESTS_DIR if self.distro == "rke2" else f"{self.data_dir.rstrip('/')}/server/manifests"

    @property
    def is_server(self) -> bool:
        return self.host(self.manifests_dir).is_dir()

    def value(self, key: str) -> Any:
        """A setting as K3s sees it: the unit's flag wins over the config files."""
        flag = flag_value(self.unit_args, key)
        return flag if flag is not None else self.config.get(key)


def under(root: str, path: str) -> Path:
    return Path(root) / path.lstrip("/") if root not in ("", "/") else Path(path)


def which_distro(root: str) -> str | None:
    """``k3s`` or ``rke2`` when the node's config folder or default data dir is there; None: not a node."""
    for distro, files in DISTRO_FILES.items():
        if under(root, files["config"]).is_dir() or under(root, files["data_dir"]).is_dir():
            return distro
    return None


def merge_config(docs: list[tuple[str, Any]]) -> tuple[dict[str, Any], list[Finding]]:
    """Merge the config files as K3s does: later keys win, ``key+`` appends to ``key``."""
    merged: dict[str, Any] = {}
    findings: list[Finding] = []
    for name, data in docs:
        if data is None:
            continue
        if not isinstance(data, dict):
            findings.append(
                Finding(ERROR, "the K3s config is not a YAML mapping", at=Location(file=name), rule="node-config")
            )
            continue
        for key, value in data.items():
            key = str(key)
            if key.endswith("+"):
                base = key[:-1]
                old = merged.get(base)
                old_list = old if isinstance(old, list) else [] if old is None else [old]
                merged[base] = old_list + (value if isinstance(value, list) else [value])
            else:
                merged[key] = value
    return merged, findings


def read_config(root: str, distro: str) -> tuple[dict[str, Any], tuple[str, ...], list[Finding]]:
    """The merged config of the node (config.yaml, then config.yaml.d/*.yaml by name) and the files read."""
    from multus_gen.yamlio.reader import parse_text, read_text

    base = DISTRO_FILES[distro]["config"]
    names = [f"{base}/config.yaml"]
    drop_in = under(root, f"{base}/config.yaml.d")
    if drop_in.is_dir():
        names += sorted(f"{base}/config.yaml.d/{p.name}" for p in drop_in.iterdir() if p.name.endswith(".yaml"))
    docs: list[tuple[str, Any]] = []
    findings: list[Finding] = []
    read: list[str] = []
    for name in names:
        path = under(root, name)
        if not os.path.lexists(path):
            continue
        try:
            text = read_text(path, where=name, max_bytes=_MAX_CONFIG_BYTES)
            parsed = parse_text(text, where=name)
        except InputError as exc:
            findings.append(Finding(ERROR, exc.message, exc.fix, Location(file=name), "node-config"))
            continue
        read.append(name)
        docs.append((name, parsed[0].data if parsed else None))
    merged, more = merge_config(docs)
    return merged, tuple(read), findings + more


def unit_args(root: str, distro: str) -> tuple[str, ...]:
    """The arguments of the distribution's systemd unit's ExecStart (with line continuations), if any."""
    for folder in UNIT_DIRS:
        for unit in DISTRO_FILES[distro]["units"]:
            path = under(root, f"{folder}/{unit}")
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            joined = text.replace("\\\n", " ")
            for line in joined.splitlines():
                line = line.strip()
                if line.startswith("ExecStart=") and line != "ExecStart=":
                    try:
                        return tuple(shlex.split(line[len("ExecStart=") :].lstrip("-@+!:")))
                    except ValueError:
                        return ()
    return ()


def flag_value(args: tuple[str, ...], key: str) -> str | None:
    """The value of ``--key VALUE`` / ``--key=VALUE`` (the last one) in ``args``."""
    found = None
    for i, arg in enumerate(args):
        if arg == f"--{key}" and i + 1 < len(args):
            found = args[i + 1]
        elif arg.startswith(f"--{key}="):
            found = arg.split("=", 1)[1]
    return found


def run_version(binary: str) -> tuple[str | None, str]:
    """The version ``<binary> --version`` prints (the binary on PATH), and where it came from."""
    exe = shutil.which(binary)
    if exe is None:
        return None, f"`{binary}` is not on PATH"
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return None, f"`{exe} --version` failed: {exc}"
    first = (done.stdout or "").strip().splitlines()
    if done.returncode != 0 or not first:
        return None, f"`{exe} --version` failed (exit {done.returncode})"
    line = first[0].strip()
    parts = line.split()
    if len(parts) >= 3 and parts[1] == "version":
        return parts[2], f"`{exe} --version`"
    return None, f"`{exe} --version` printed {line!r}"


def node_facts(
    root: str = "/", *, data_dir: str | None = None, version: str | None = None, distro: str | None = None
) -> NodeFacts | None:
    """What the node under ``root`` says; None when ``root`` holds no K3s/RKE2 node (and no ``data_dir`` is
    given). ``data_dir``/``version``: given by the user (they win; the source says so)."""
    found = distro or which_distro(root)
    if found is None:
        if data_dir is None:
            return None
        found = "k3s"
    files = DISTRO_FILES[found]
    config, config_files, findings = read_config(root, found)
    args = unit_args(root, found)
    found_version: str | None
    if version is not None:
        found_version, version_source = version, "--k3s-version"
    elif root in ("", "/"):
        found_version, version_source = run_version(files["binary"])
    else:
        found_version, version_source = None, f"not run under --root {root} (only a {files['binary']} on PATH is)"
    if data_dir is not None:
        directory, source = data_dir, "--data-dir"
    elif found == "rke2":
        directory, source = rke2.DATA_DIR, "RKE2's fixed data dir"
    elif flag_value(args, "data-dir") is not None:
        directory, source = str(flag_value(args, "data-dir")), "the systemd unit's ExecStart --data-dir"
    elif isinstance(config.get("data-dir"), str):
        directory, source = str(config["data-dir"]), "data-dir: in " + ", ".join(config_files)
    else:
        directory, source = files["data_dir"], "the default (no --data-dir in the config or the unit)"
    return NodeFacts(
        root=root,
        distro=found,
        version=found_version,
        version_source=version_source,
        data_dir=directory.rstrip("/") or "/",
        data_dir_source=source,
        config=config,
        config_files=config_files,
        unit_args=args,
        findings=tuple(findings),
    )
