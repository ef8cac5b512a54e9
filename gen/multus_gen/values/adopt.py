"""A way off the old docs: take over a ``multus-values.yaml`` written after the K3s docs (``--from-values``).

The user's file keeps every setting of its own (resources, tolerations, image tags, ...); the keys multus-gen
owns -- every leaf of a shipped overlay (the CNI dirs, ``multusAutoconfigDir``, ``cleanupConfigOnExit``, the
whereabouts and dhcp switches and dirs) and the dead ``config.fullnameOverride`` of the docs -- are set to what
multus-gen would write, or removed where the chart version or IPAM wants none. Each replaced key is a
:class:`Change`, which the CLI prints on stderr.

The IPAMs follow the file (``rke2-whereabouts.enabled``, ``manifests.dhcpDaemonSet``) unless ``--ipam`` says
otherwise; a file that enables another IPAM than ``--ipam`` (or disables the one chosen) is refused, not
silently rewritten: dropping whereabouts from a running release strands every whereabouts network.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from multus_gen.errors import InputError
from multus_gen.findings import json_path
from multus_gen.record import record
from multus_gen.values.compose import Values, check_keys, load_overlay, overlay_names
from multus_gen.yamlio.reader import load_mapping_file

Path_ = tuple[str, ...]

#: Keys the K3s docs' values carry that no rke2-multus template reads (FACTS.md 3): removed on take-over.
DEAD_KEYS: dict[Path_, str] = {("config", "fullnameOverride"): "no rke2-multus template uses it"}

#: The key that switches each IPAM's chart part on (host-local needs none), FACTS.md 4.
IPAM_SWITCHES: dict[str, Path_] = {
    "whereabouts": ("rke2-whereabouts", "enabled"),
    "dhcp": ("manifests", "dhcpDaemonSet"),
}


@record
class Change:
    """One key multus-gen owns, as the file had it and as the output has it (``None`` in ``new_found``:
    removed)."""

    keys: Path_
    old: Any
    old_found: bool
    new: Any
    new_found: bool
    why: str = ""

    def line(self) -> str:
        """``config.cni_conf.binDir: /opt/cni/bin -> /var/lib/rancher/k3s/data/cni``."""
        old = _shown(self.old) if self.old_found else "(not set)"
        new = _shown(self.new) if self.new_found else "(removed" + (f": {self.why})" if self.why else ")")
        return f"{'.'.join(self.keys)}: {old} -> {new}"


def _shown(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value.strip() == value and value else repr(value)
    import json

    return json.dumps(value, sort_keys=True)


def _leaves(data: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    if isinstance(data, dict) and data:
        for key, value in data.items():
            yield from _leaves(value, (*prefix, key))
    elif prefix:
        yield prefix


_DUMMY = {"data_dir": "/d", "conf_dir": "/c", "bin_dir": "/b", "multus_kubeconfig": "/k"}


@cache
def owned_keys() -> tuple[Path_, ...]:
    """Every key a shipped chart overlay sets (distribution, IPAM, version gates; not the CRD chart's), and the
    dead keys of the docs, sorted."""
    keys: set[Path_] = set(DEAD_KEYS)
    for name in overlay_names():
        if name.startswith("crd/"):
            continue
        keys.update(_leaves(load_overlay(name, _DUMMY)))
    return tuple(sorted(keys))


def _lookup(data: Any, keys: Path_) -> tuple[bool, Any]:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return False, None
        data = data[key]
    return True, data


def read_values(path: Path) -> Values:
    """The user's values file, read as helm reads it (Go YAML semantics, yamlio), its keys checked."""
    where = f"--from-values {path}"
    data: Values = load_mapping_file(path, where=where).data
    check_keys(data, where)
    return data


def ipams_in(data: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(enabled, disabled)``: the IPAMs whose switch the file sets to true / to false (the others unset)."""
    enabled, disabled = [], []
    for ipam, keys in IPAM_SWITCHES.items():
        found, value = _lookup(data, keys)
        if found and value is True:
            enabled.append(ipam)
        elif found and value is not None:
            disabled.append(ipam)
    return tuple(enabled), tuple(disabled)


def choose_ipams(path: Path, data: Mapping[str, Any], given: tuple[str, ...] | None) -> tuple[str, ...]:
    """The IPAMs of a take-over: the file's, or ``given`` (``--ipam``) when the file does not contradict it.
    Refuses a file that enables an IPAM ``given`` leaves out, or switches off one it names."""
    enabled, disabled = ipams_in(data)
    if given is None:
        return enabled or ("host-local",)
    chosen = tuple(i for i in given if i != "host-local")
    for ipam in enabled:
        if ipam not in chosen:
            keys = IPAM_SWITCHES[ipam]
            raise InputError(
                f"the file enables {ipam} ({'.'.join(keys)}: true), but --ipam {'+'.join(given)} leaves it out: the "
                f"release's {ipam} would be removed and every {ipam} network with it",
                where=f"{path}::{json_path(keys)}",
                fix=f"drop --ipam to keep the file's IPAMs, or pass --ipam {ipam}; to give up {ipam}, delete the key "
                "from the file first",
            )
    for ipam in chosen:
        if ipam in disabled:
            keys = IPAM_SWITCHES[ipam]
            raise InputError(
                f"the file switches {ipam} off ({'.'.join(keys)}), but --ipam {'+'.join(given)} asks for it",
                where=f"{path}::{json_path(keys)}",
                fix=f"delete {'.'.join(keys)} from the file, or drop --ipam",
            )
    return given


def _delete(data: dict[str, Any], keys: Path_) -> None:
    """Delete ``keys`` and the maps that leaves empty."""
    parents: list[dict[str, Any]] = []
    node = data
    for key in keys[:-1]:
        parents.append(node)
        node = node[key]
    del node[keys[-1]]
    for parent, key in zip(reversed(parents), reversed(keys[:-1]), strict=True):
        if parent[key] == {}:
            del parent[key]
        else:
            break


def _set(data: dict[str, Any], keys: Path_, value: Any, path: Path) -> None:
    node = data
    for i, key in enumerate(keys[:-1]):
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        if not isinstance(child, dict):
            raise InputError(
                f"{'.'.join(keys[: i + 1])} is a {type(child).__name__}, but the chart reads it as a map "
                f"({'.'.join(keys)} below it)",
                where=f"{path}::{json_path(keys[: i + 1])}",
                fix="make it a map, or delete it",
            )
        node = child
    node[keys[-1]] = copy.deepcopy(value)


def take_over(data: Values, desired: Values, path: Path) -> tuple[Values, tuple[Change, ...]]:
    """``data`` (the user's file) with every owned key set as in ``desired`` (what multus-gen composes for this
    cluster, chart version and IPAMs) or removed where ``desired`` has none; the other keys as they are."""
    out = copy.deepcopy(data)
    changes: list[Change] = []
    for keys in owned_keys():
        old_found, old = _lookup(out, keys)
        new_found, new = _lookup(desired, keys)
        if new_found:
            if not old_found or old != new or type(old) is not type(new):
                _set(out, keys, new, path)
                changes.append(Change(keys, old, old_found, new, True))
        elif old_found:
            _delete(out, keys)
            why = DEAD_KEYS.get(keys, "not for this chart version and IPAM")
            changes.append(Change(keys, old, True, None, False, why))
    return out, tuple(changes)
