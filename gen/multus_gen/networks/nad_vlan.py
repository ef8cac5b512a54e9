"""The bridge plugin's VLAN keys, checked for :mod:`.nad`: ``vlan`` (the port's one untagged VLAN) and
``vlanTrunk`` (the tagged VLANs of a trunk port).

What the bridge plugin does with them (containernetworking/plugins plugins/main/bridge/bridge.go, loadNetConf
and collectVlanTrunk; the docs at cni.dev/plugins/current/main/bridge): ``vlan`` must be 0-4094; ``vlanTrunk``
is a list of ``{"id": N}`` and ``{"minID": A, "maxID": B}`` entries, each id in 1-4094, min not above max, min
and max always together. ``vlanTrunk`` is read from v1.3.0 (PR 829); up to v1.7.x ``vlan`` above 0 together with
``vlanTrunk`` is refused ("cannot set vlan and vlanTrunk at the same time"), from v1.8.0 (PR 1180) ``vlan`` is the
trunk's native VLAN. rke2-multus v4.2.106/v4.2.202 install hardened-cni-plugins v1.7.1, v4.3.017 v1.9.1 (values.yaml
``cniplugins.image.tag``): the pair is a warning, not an error. Either key turns on ``vlan_filtering`` when the
plugin creates the bridge; a bridge that already exists keeps its setting. Overlapping entries are merged by the
plugin; multus-gen refuses them (one id written twice is a typo in one of them). Go's JSON reader matches keys
regardless of case, so ``ID`` is ``id``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from multus_gen.findings import JsonPath
from multus_gen.networks.ipam_rules import Collector

VLAN_ID_MIN, VLAN_ID_MAX = 1, 4094


_TRUNK_KEYS = {"id": "id", "minid": "minID", "maxid": "maxID"}


def _vid(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not VLAN_ID_MIN <= value <= VLAN_ID_MAX:
        return None
    return value


def trunk_ranges(entries: object, where: JsonPath, out: Collector) -> list[tuple[int, int, int]]:
    """The (first, last, entry index) VLAN ranges of a ``vlanTrunk`` list; each wrong entry reported."""
    if not isinstance(entries, list) or not entries:
        out.add(
            "nad-vlan-trunk-invalid",
            where,
            "vlanTrunk must be a non-empty list of {id} and {minID, maxID} entries",
            fix="give --vlan-trunk ID or --vlan-trunk MIN-MAX",
        )
        return []
    ranges: list[tuple[int, int, int]] = []
    for i, entry in enumerate(entries):
        path = (*where, i)
        if not isinstance(entry, dict):
            out.add("nad-vlan-trunk-invalid", path, f"vlanTrunk entry {entry!r} is not an object such as {{id: 100}}")
            continue
        keys = {_TRUNK_KEYS.get(str(k).lower(), str(k)): v for k, v in entry.items()}
        unknown = sorted(k for k in keys if k not in _TRUNK_KEYS.values())
        if unknown:
            out.add(
                "nad-vlan-trunk-invalid",
                (*path, unknown[0]),
                f"vlanTrunk entry key {unknown[0]!r} is none of id, minID, maxID: the plugin ignores it",
            )
            continue
        if not keys:
            out.add("nad-vlan-trunk-invalid", path, "an empty vlanTrunk entry trunks no VLAN", fix="remove it")
            continue
        fix = f"use VLAN ids in {VLAN_ID_MIN}-{VLAN_ID_MAX}"
        if ("minID" in keys) != ("maxID" in keys):
            missing = "maxID" if "minID" in keys else "minID"
            out.add("nad-vlan-trunk-invalid", path, f"vlanTrunk entry has no {missing} (the plugin refuses it)")
            continue
        if "minID" in keys:
            lo, hi = _vid(keys["minID"]), _vid(keys["maxID"])
            if lo is None or hi is None:
                bad = "minID" if lo is None else "maxID"
                out.add("nad-vlan-trunk-invalid", (*path, bad), f"vlanTrunk {bad} {keys[bad]!r} is not a VLAN id", fix)
                continue
            if lo > hi:
                out.add("nad-vlan-trunk-invalid", path, f"vlanTrunk minID {lo} is above maxID {hi}", "swap them")
                continue
            ranges.append((lo, hi, i))
        if "id" in keys:
            vid = _vid(keys["id"])
            if vid is None:
                out.add("nad-vlan-trunk-invalid", (*path, "id"), f"vlanTrunk id {keys['id']!r} is not a VLAN id", fix)
                continue
            ranges.append((vid, vid, i))
    return ranges


def _shown(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"


def check_bridge_vlans(conf: Mapping[str, Any], where: JsonPath, out: Collector) -> None:
    """bridge: ``vlan`` 0-4094 (0 tags nothing), ``vlanTrunk`` entries, no overlap, not both."""
    vlan = conf.get("vlan")
    if vlan is not None and (isinstance(vlan, bool) or not isinstance(vlan, int) or not 0 <= vlan <= 4094):
        out.add("nad-vlan-invalid", (*where, "vlan"), f"vlan {vlan!r} is not a VLAN id (0-4094)")
    elif vlan == 0:
        out.add(
            "nad-vlan-zero", (*where, "vlan"), "vlan 0 is no VLAN (the bridge plugin ignores it)", fix="leave it out"
        )
    if "vlanTrunk" not in conf:
        return
    path = (*where, "vlanTrunk")
    ranges = sorted(trunk_ranges(conf["vlanTrunk"], path, out))
    for (lo1, hi1, i), (lo2, hi2, j) in itertools.pairwise(ranges):
        if lo2 <= hi1 and i != j:
            out.add(
                "nad-vlan-trunk-overlap",
                (*path, max(i, j)),
                f"vlanTrunk {_shown(lo2, hi2)} overlaps {_shown(lo1, hi1)}: VLAN {lo2} is given twice",
                fix="give each VLAN once (one MIN-MAX range instead of overlapping ones)",
            )
    if isinstance(vlan, int) and not isinstance(vlan, bool) and vlan > 0:
        out.add(
            "nad-vlan-trunk-with-vlan",
            path,
            f"vlan {vlan} with vlanTrunk: the bridge plugin from v1.8.0 makes it the trunk's native VLAN (rke2-multus "
            "v4.3.017 installs v1.9.1), plugins v1.3-v1.7 refuse the pair (rke2-multus v4.2.x installs v1.7.1): there "
            "the pod does not start",
            fix="drop --vlan on nodes with CNI plugins older than v1.8.0",
        )
