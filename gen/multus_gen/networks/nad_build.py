"""The NAD builder: flags or spec fields (:class:`NadOptions`) -> a NetworkAttachmentDefinition. It translates
(the plugin's keys, the IPAM block of :mod:`.ipam_build`, the chained plugins) and then runs the one check,
:func:`multus_gen.networks.nad.check_nad`, once; a refusal is located at the flag that set the value."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from multus_gen.errors import InputError
from multus_gen.findings import Finding, JsonPath, allow
from multus_gen.knowledge.k3s import K3sPaths
from multus_gen.networks.fields import NODE_ANNOTATION
from multus_gen.networks.ipam_build import IpamInputs, refusal, translate_ipam
from multus_gen.networks.ipam_rules import Origins
from multus_gen.networks.nad import (
    API_VERSION,
    CNI_VERSIONS,
    DEFAULT_CNI_VERSION,
    DEFAULT_MODES,
    KIND,
    PLUGIN_TYPES,
    RESOURCE_ANNOTATION,
    check_nad,
)
from multus_gen.networks.rules import SEVERITY
from multus_gen.record import record


@record
class NadOptions:
    """Everything ``multus-gen nad`` needs (one field per flag; see the module docstring)."""

    name: str
    ipam: IpamInputs
    namespace: str = "default"
    type: str = "macvlan"
    master: str | None = None
    mode: str | None = None
    mtu: int | None = None
    bridge: str | None = None
    is_gateway: bool = False
    ip_masq: bool = False
    is_default_gateway: bool = False
    hairpin_mode: bool = False
    macspoofchk: bool = False
    promisc_mode: bool = False
    vlan: int | None = None
    #: bridge: tagged VLANs of the pod's port, each ``ID`` or ``MIN-MAX`` (``--vlan-trunk``)
    vlan_trunk: tuple[str, ...] = ()
    vlan_id: int | None = None
    link_in_container: bool = False
    device: str | None = None
    hwaddr: str | None = None
    kernelpath: str | None = None
    pci_bus_id: str | None = None
    node: str | None = None
    #: sriov: the device plugin's resource (annotation), VF settings (spoofchk/trust: on|off)
    resource_name: str | None = None
    spoofchk: str | None = None
    trust: str | None = None
    min_tx_rate: int | None = None
    max_tx_rate: int | None = None
    link_state: str | None = None
    #: the chain (a conflist when any is given): tuning's sysctls (KEY=VALUE), mac, mtu, promisc; sbr; portmap
    sysctl: tuple[str, ...] = ()
    tuning_mac: str | None = None
    tuning_mtu: int | None = None
    promisc: bool = False
    sbr: bool = False
    portmap: bool = False
    k3s_paths: K3sPaths | None = None
    cni_version: str = DEFAULT_CNI_VERSION
    #: rule ids whose errors the user accepts (``--allow``): reported as warnings, the NAD is written
    allow: tuple[str, ...] = ()


@record
class NadResult:
    """The NAD document and the warnings about it (paths into ``doc``)."""

    doc: dict[str, Any]
    warnings: tuple[Finding, ...] = ()

    @property
    def config(self) -> dict[str, Any]:
        """``spec.config`` parsed back into a dict."""
        parsed: dict[str, Any] = json.loads(self.doc["spec"]["config"])
        return parsed


def config_json(config: Mapping[str, Any]) -> str:
    """The one serialisation of a CNI config: compact, key order as built, ASCII-safe."""
    return json.dumps(config, separators=(",", ":"))


#: NadOptions field -> the key of the plugin config it sets (each plugin's own; the check refuses the others).
_PLUGIN_FIELDS: dict[str, str] = {
    "master": "master",
    "mode": "mode",
    "bridge": "bridge",
    "is_gateway": "isGateway",
    "ip_masq": "ipMasq",
    "is_default_gateway": "isDefaultGateway",
    "hairpin_mode": "hairpinMode",
    "macspoofchk": "macspoofchk",
    "promisc_mode": "promiscMode",
    "vlan": "vlan",
    "vlan_trunk": "vlanTrunk",
    "vlan_id": "vlanId",
    "link_in_container": "linkInContainer",
    "spoofchk": "spoofchk",
    "trust": "trust",
    "link_state": "link_state",
    "min_tx_rate": "min_tx_rate",
    "max_tx_rate": "max_tx_rate",
    "mtu": "mtu",
    "device": "device",
    "hwaddr": "hwaddr",
    "kernelpath": "kernelpath",
    "pci_bus_id": "pciBusID",
}


def _plugin_keys(opts: NadOptions) -> dict[str, Any]:
    """The plugin keys of ``opts``: every option given (a false switch is not given), macvlan's and ipvlan's
    ``mode`` defaulted."""
    keys: dict[str, Any] = {}
    for attr, key in _PLUGIN_FIELDS.items():
        value = getattr(opts, attr)
        if key == "mode" and value is None:
            value = DEFAULT_MODES.get(opts.type)
        if key == "vlanTrunk":
            value = [_trunk_entry(item) for item in value] or None
        if value is not None and value is not False:  # 0 is given (vlan 0 is checked, not dropped)
            keys[key] = value
    return keys


def _trunk_entry(text: str) -> dict[str, int]:
    """One ``--vlan-trunk`` value: ``ID`` -> ``{"id": ID}``, ``MIN-MAX`` -> ``{"minID": MIN, "maxID": MAX}``
    (the bridge plugin's shapes); whether the ids are right is the check's to say."""
    first, dash, second = text.strip().partition("-")
    if first.strip().isdigit() and (not dash or second.strip().isdigit()):
        if not dash:
            return {"id": int(first)}
        return {"minID": int(first), "maxID": int(second)}
    raise InputError(
        f"--vlan-trunk {text!r} is not a VLAN id or a MIN-MAX range",
        where="--vlan-trunk",
        fix="write e.g. --vlan-trunk 100 or --vlan-trunk 200-299",
    )


def translate_nad(opts: NadOptions) -> tuple[dict[str, Any], Origins]:
    """The NAD document ``opts`` ask for, unchecked, and the flags :mod:`.fields` does not name (paths into
    the document); raises InputError for what cannot be written at all."""
    if opts.type not in PLUGIN_TYPES:
        raise InputError(
            f"unknown plugin type {opts.type!r}", where="--type", fix=f"use one of {', '.join(PLUGIN_TYPES)}"
        )
    if opts.cni_version not in CNI_VERSIONS:
        raise InputError(
            f"cniVersion {opts.cni_version!r} is not one multus-gen writes",
            where="--cni-version",
            fix=f"use {' or '.join(CNI_VERSIONS)}",
        )
    ipam, ipam_origins = translate_ipam(opts.ipam, k3s_paths=opts.k3s_paths)
    config: dict[str, Any] = {"cniVersion": opts.cni_version, "name": opts.name, "type": opts.type}
    config.update(_plugin_keys(opts))
    config["ipam"] = ipam
    chain = _chain(opts)
    prefix: JsonPath = ()
    if chain:
        main = {k: v for k, v in config.items() if k not in ("cniVersion", "name")}
        config = {"cniVersion": opts.cni_version, "name": opts.name, "plugins": [main, *chain]}
        prefix = ("plugins", 0)
    metadata: dict[str, Any] = {"name": opts.name, "namespace": opts.namespace}
    annotations = {NODE_ANNOTATION: opts.node, RESOURCE_ANNOTATION: opts.resource_name}
    if any(v is not None for v in annotations.values()):
        metadata["annotations"] = {k: v for k, v in annotations.items() if v is not None}
    doc: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": metadata,
        "spec": {"config": config_json(config)},
    }
    return doc, {("spec", "config", *prefix, *path): flag for path, flag in ipam_origins.items()}


def _chain(opts: NadOptions) -> list[dict[str, Any]]:
    """The plugins chained after the main one, in the order they run: tuning, portmap, sbr."""
    chain: list[dict[str, Any]] = []
    tuning: dict[str, Any] = {"type": "tuning"}
    if opts.sysctl:
        sysctl: dict[str, str] = {}
        for item in opts.sysctl:
            key, eq, value = item.partition("=")
            if not eq or not key.strip():
                raise InputError(
                    f"--sysctl {item!r} is not KEY=VALUE",
                    where="--sysctl",
                    fix="e.g. net.ipv4.conf.IFNAME.arp_notify=1",
                )
            sysctl[key.strip()] = value.strip()
        tuning["sysctl"] = sysctl
    if opts.tuning_mac is not None:
        tuning["mac"] = opts.tuning_mac
    if opts.tuning_mtu is not None:
        tuning["mtu"] = opts.tuning_mtu
    if opts.promisc:
        tuning["promisc"] = True
    if len(tuning) > 1:
        chain.append(tuning)
    if opts.portmap:
        chain.append({"type": "portmap", "capabilities": {"portMappings": True}})
    if opts.sbr:
        chain.append({"type": "sbr"})
    return chain


def build_nad(opts: NadOptions) -> NadResult:
    """The NetworkAttachmentDefinition of ``opts``: :func:`translate_nad`, then :func:`check_nad` once; raises
    the InputError of :func:`~multus_gen.networks.ipam_build.refusal` (located at the flag) when the check refuses
    it, else returns the document with the check's other warnings."""
    unknown = [rule for rule in opts.allow if rule not in SEVERITY]
    if unknown:
        raise InputError(
            f"no network rule {unknown[0]!r}", where="--allow", fix="see `multus-gen rules` for the ipam-/nad- rule ids"
        )
    doc, origins = translate_nad(opts)
    findings = check_nad(doc, k3s_paths=opts.k3s_paths if opts.ipam.kind == "whereabouts" else None)
    findings = allow(findings, opts.allow)
    refused = refusal(findings, origins)
    if refused is not None:
        raise refused
    return NadResult(doc, tuple(findings))
