"""NetworkAttachmentDefinition (``k8s.cni.cncf.io/v1``): the check (:func:`check_nad`, :func:`check_cni_config`),
shared by ``validate`` and the builder of :mod:`.nad_build` (FACTS 4, 7, 8).

The builder's ``build_nad(opts)`` returns a :class:`NadResult`: ``doc`` (the NAD as a plain dict) and ``warnings``
(:class:`~multus_gen.findings.Finding` objects whose paths point into ``doc``, e.g. ``$.spec.config.ipam``).
It translates (:func:`translate_nad`: the options into the document, no rule decisions), runs
:func:`check_nad` once on the result, and raises the :func:`~multus_gen.networks.ipam_build.refusal` of its
findings: an :class:`~multus_gen.errors.InputError` whose ``where`` is the CLI flag that set the key
(:mod:`multus_gen.networks.fields`): ``--name --namespace --type --master --mode --mtu --bridge --is-gateway
--ip-masq --vlan --device --hwaddr --kernelpath --pci-bus-id --node --cni-version`` plus the IPAM flags of
:mod:`multus_gen.networks.ipam`.

``spec.config`` is compact JSON (``separators=(",", ":")``) with keys in a fixed order: ``cniVersion,
name, type``, the plugin keys (macvlan/ipvlan: ``master, mode, mtu``; bridge: ``bridge, isGateway, ipMasq,
vlan, mtu``; host-device: the one of ``device, hwaddr, kernelpath, pciBusID`` given), then ``ipam``. The
CNI ``name`` is the NAD name (host-local keeps its state under ``dataDir/<name>``).

Decisions
---------
* cniVersion ``0.3.1`` by default (``1.0.0`` on request). Every plugin the rke2-multus chart installs
  accepts 0.3.1 (reference plugins, whereabouts builds linked against the CNI library < 1.0, the dhcp
  daemon, Multus thin), it is what the upstream docs and test vectors use, and 1.0.0 adds nothing these
  plugins use. Debian's plugins v1.1.1 accept both; the real-plugin tests run both.
* macvlan and ipvlan need ``master``. The plugins (v1.1.1) would fall back to the node's default-route
  interface, which differs between nodes and on K3s also carries flannel's traffic: a NAD applied to the
  whole cluster should name its parent. ``mode`` defaults to ``bridge`` (macvlan) / ``l2`` (ipvlan) and is
  always written out.
* bridge needs ``bridge`` and refuses ``cni0`` (the plugin's default, and flannel's bridge on K3s).
* Settings a plugin silently ignores (``mode`` on bridge, ``mtu`` on host-device, ...) are refused.
* host-local state is per node: the same range on two nodes hands out the same address twice. Without
  ``node`` the result carries a warning. ``node="worker-1"`` records the node in the annotation
  :data:`NODE_ANNOTATION`; such a NAD is meant for pods pinned to that node with
  ``nodeSelector: {kubernetes.io/hostname: worker-1}`` (one NAD per node, each with its own range), and
  then no warning is given. ``node`` is accepted for host-local and static only.
* static gives every attached pod the same addresses, so it always warns; host-device moves the device
  into one pod and macvlan ``passthru`` allows one pod per parent, so they warn too.

``check_nad(doc, base=Location(file=...))`` is the one check of a NAD, for ``validate`` and the builders
alike: every finding (with its rule id, ``nad-ifname-invalid``, ...), at a JSON path that continues into the
parsed ``spec.config`` string (``$.spec.config.ipam.range``). ``check_cni_config`` does the same for a bare
CNI config (or conflist) and is what ``check_nad`` calls.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from multus_gen.findings import NOWHERE, Finding, JsonPath, Location
from multus_gen.knowledge.k3s import K3sPaths
from multus_gen.networks.fields import NODE_ANNOTATION
from multus_gen.networks.ipam import load_ipam
from multus_gen.networks.ipam_rules import Collector
from multus_gen.networks.nad_vlan import VLAN_ID_MAX, VLAN_ID_MIN, check_bridge_vlans

API_VERSION = "k8s.cni.cncf.io/v1"


KIND = "NetworkAttachmentDefinition"


PLUGIN_TYPES: tuple[str, ...] = ("macvlan", "ipvlan", "bridge", "host-device", "vlan", "sriov")


#: The annotation the SR-IOV device plugin's resource goes in (Multus adds it to the pod's resource requests).
RESOURCE_ANNOTATION = "k8s.v1.cni.cncf.io/resourceName"


SRIOV_LINK_STATES: tuple[str, ...] = ("auto", "enable", "disable")


#: Plugins multus-gen chains after the main one (a conflist): they change the interface the main one made.
CHAINED_TYPES: tuple[str, ...] = ("tuning", "portmap", "sbr")


MACVLAN_MODES: tuple[str, ...] = ("bridge", "private", "vepa", "passthru")


IPVLAN_MODES: tuple[str, ...] = ("l2", "l3", "l3s")


DEFAULT_MODES: dict[str, str] = {"macvlan": "bridge", "ipvlan": "l2"}


DEFAULT_CNI_VERSION = "0.3.1"


#: cniVersions build_nad writes.
CNI_VERSIONS: tuple[str, ...] = ("0.3.1", "1.0.0")


#: cniVersions the CNI spec defines (check_nad accepts these).
KNOWN_CNI_VERSIONS: tuple[str, ...] = ("0.1.0", "0.2.0", "0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0")


#: Interfaces K3s's flannel owns: not a parent for macvlan/ipvlan, not a name for a new bridge.
FLANNEL_INTERFACES: frozenset[str] = frozenset({"cni0", "flannel.1", "flannel-v6.1", "flannel-wg", "flannel-wg-v6"})


MTU_MIN, MTU_MAX, MTU_MIN_IPV6 = 68, 65535, 1280


_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


_IFNAME = re.compile(r"^[A-Za-z0-9_.-]{1,15}$")


_LABEL_FIX = "1-63 lowercase letters, digits and '-', starting and ending alphanumeric"


_IFNAME_FIX = "1-15 characters from letters, digits, '.', '_' and '-'"


_MAC = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){5}$")


_PCI = re.compile(r"^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-7]$")


_COMMON_KEYS = frozenset({"cniVersion", "name", "type", "ipam", "dns", "capabilities", "runtimeConfig", "args"})


_PLUGIN_KEYS: dict[str, frozenset[str]] = {
    "macvlan": frozenset({"master", "mode", "mtu", "linkInContainer", "mac"}),
    "ipvlan": frozenset({"master", "mode", "mtu", "linkInContainer"}),
    "bridge": frozenset(
        {
            "bridge",
            "isGateway",
            "isDefaultGateway",
            "forceAddress",
            "ipMasq",
            "mtu",
            "hairpinMode",
            "promiscMode",
            "vlan",
            "vlanTrunk",
            "preserveDefaultVlan",
            "enabledad",
            "macspoofchk",
            "disableContainerInterface",
            "portIsolation",
            "mac",
        }
    ),
    "host-device": frozenset({"device", "hwaddr", "kernelpath", "pciBusID"}),
    "vlan": frozenset({"master", "vlanId", "mtu", "linkInContainer"}),
    # k8snetworkplumbingwg/sriov-cni docs/configuration-reference.md (deviceID comes from the device plugin)
    "sriov": frozenset(
        {
            "deviceID",
            "vlan",
            "vlanQoS",
            "vlanProto",
            "mac",
            "spoofchk",
            "trust",
            "link_state",
            "min_tx_rate",
            "max_tx_rate",
            "logLevel",
            "logFile",
        }
    ),
    # chained (containernetworking/plugins meta plugins, v1.1.1)
    "tuning": frozenset({"sysctl", "mac", "mtu", "promisc", "allmulti", "txQLen", "ifName"}),
    "portmap": frozenset({"snat", "markMasqBit", "externalSetMarkChain", "conditionsV4", "conditionsV6", "masqAll"}),
    "sbr": frozenset({"table"}),
}


#: Keys of one plugin that another of the four would silently ignore.
_FOREIGN_KEYS = frozenset(
    {
        "master",
        "mode",
        "mtu",
        "bridge",
        "isGateway",
        "ipMasq",
        "vlan",
        "device",
        "hwaddr",
        "kernelpath",
        "pciBusID",
        "vlanId",
        "isDefaultGateway",
        "hairpinMode",
        "macspoofchk",
        "promiscMode",
        "vlanTrunk",
    }
)


def is_dns_label(text: str) -> bool:
    return len(text) <= 63 and bool(_DNS_LABEL.match(text))


def is_ifname(text: str) -> bool:
    return bool(_IFNAME.match(text)) and text not in (".", "..")


def _check_plugin(
    conf: Mapping[str, Any],
    where: JsonPath,
    out: Collector,
    *,
    cni_version: str | None,
    node: str | None,
    k3s_paths: K3sPaths | None,
) -> None:
    ptype = conf.get("type")
    if not isinstance(ptype, str) or not ptype:
        out.add(
            "nad-malformed",
            (*where, "type"),
            "type (the CNI plugin) is missing",
            fix=f"use one of {', '.join(PLUGIN_TYPES)}",
        )
        return
    for key in ("runtimeConfig", "args"):
        if key in conf:
            out.add(
                "nad-runtime-key",
                (*where, key),
                f"{key} is filled in by the runtime (Multus), not by the NAD",
                fix="remove it; use the pod's network annotation",
            )
    known = _PLUGIN_KEYS.get(ptype)
    if known is not None:
        for key in sorted(conf):
            if key in _COMMON_KEYS or key in known:
                continue
            if key in _FOREIGN_KEYS:
                out.add(
                    "nad-foreign-key",
                    (*where, key),
                    f"{ptype} ignores {key!r} (it belongs to another plugin)",
                    fix="remove it",
                )
            else:
                out.add(
                    "nad-unknown-key",
                    (*where, key),
                    f"{ptype} does not know key {key!r}; it is ignored",
                    fix="remove it",
                )
    families: frozenset[int] = frozenset()
    ipam = conf.get("ipam")
    ipam_type = ipam.get("type") if isinstance(ipam, dict) else None
    if ipam is not None and ipam != {}:
        model, findings = load_ipam(ipam, (*where, "ipam"), cni_version=cni_version, k3s_paths=k3s_paths, base=out.base)
        out.items.extend(findings)
        families = model.families() if model is not None else frozenset()
    if ptype == "vlan":
        _check_vlan(conf, where, out, ipam_type)
    if ptype == "sriov":
        _check_sriov(conf, where, out)
    if ptype in ("macvlan", "ipvlan", "vlan"):
        master = conf.get("master")
        if master is None and ptype == "vlan":
            out.add(
                "nad-vlan-no-master",
                (*where, "master"),
                "vlan needs master, the node interface that carries the VLAN (the plugin refuses it without)",
                fix="name the parent interface, e.g. --master eth1",
            )
        elif master is None:
            out.add(
                "nad-no-master",
                (*where, "master"),
                f"no master: {ptype} uses each node's default-route interface as its parent, which differs "
                "between nodes and on K3s also carries flannel's traffic",
                fix="name the parent interface, e.g. eth1",
            )
        elif not isinstance(master, str) or not is_ifname(master):
            out.add(
                "nad-ifname-invalid",
                (*where, "master"),
                f"master {master!r} is not a valid interface name",
                fix=_IFNAME_FIX,
            )
        elif master in FLANNEL_INTERFACES:
            out.add(
                "nad-flannel-interface",
                (*where, "master"),
                f"master {master} belongs to K3s's flannel",
                fix="use a physical or VLAN interface of the node",
            )
        modes = MACVLAN_MODES if ptype == "macvlan" else IPVLAN_MODES
        mode = conf.get("mode")
        if mode is not None and mode not in modes and ptype != "vlan":
            out.add("nad-mode-invalid", (*where, "mode"), f"{ptype} mode {mode!r} is not one of {', '.join(modes)}")
        if ptype == "macvlan" and mode == "passthru":
            out.add("nad-passthru-one-pod", (*where, "mode"), "passthru lets one pod per node use the parent interface")
        if ptype == "ipvlan" and ipam_type == "dhcp":
            out.add(
                "nad-ipvlan-dhcp",
                (*where, "ipam", "type"),
                "dhcp does not work with ipvlan (the links share the parent's MAC)",
                fix="use macvlan or another IPAM",
            )
    elif ptype == "bridge":
        br = conf.get("bridge")
        if br is None:
            out.add(
                "nad-no-bridge",
                (*where, "bridge"),
                "no bridge name: the plugin uses cni0, which is flannel's bridge on K3s",
                fix="name a bridge of its own",
            )
        elif not isinstance(br, str) or not is_ifname(br):
            out.add(
                "nad-ifname-invalid",
                (*where, "bridge"),
                f"bridge {br!r} is not a valid interface name",
                fix=_IFNAME_FIX,
            )
        elif br in FLANNEL_INTERFACES:
            out.add(
                "nad-flannel-interface",
                (*where, "bridge"),
                f"bridge {br} is K3s flannel's interface",
                fix="name a bridge of its own",
            )
        _check_bools(
            conf,
            ("isGateway", "ipMasq", "isDefaultGateway", "hairpinMode", "promiscMode", "forceAddress", "macspoofchk"),
            where,
            out,
        )
        if conf.get("hairpinMode") is True and conf.get("promiscMode") is True:
            out.add(
                "nad-bridge-hairpin-promisc",
                (*where, "promiscMode"),
                "the bridge plugin refuses hairpinMode and promiscMode together",
                fix="choose one of them",
            )
        check_bridge_vlans(conf, where, out)
    elif ptype == "host-device":
        given = [k for k in ("device", "hwaddr", "kernelpath", "pciBusID") if conf.get(k) is not None]
        if len(given) != 1:
            out.add(
                "nad-host-device-selector",
                (*where, given[1] if given else "device"),
                f"host-device needs exactly one of device, hwaddr, kernelpath, pciBusID (got "
                f"{', '.join(given) or 'none'})",
            )
        dev = conf.get("device")
        if dev is not None and (not isinstance(dev, str) or not is_ifname(dev)):
            out.add(
                "nad-ifname-invalid",
                (*where, "device"),
                f"device {dev!r} is not a valid interface name",
                fix=_IFNAME_FIX,
            )
        _check_mac(conf, "hwaddr", where, out)
        kp = conf.get("kernelpath")
        if kp is not None and (not isinstance(kp, str) or not kp.startswith("/sys/devices/")):
            out.add(
                "nad-kernelpath-invalid", (*where, "kernelpath"), f"kernelpath {kp!r} is not a /sys/devices/... path"
            )
        pci = conf.get("pciBusID")
        if pci is not None and (not isinstance(pci, str) or not _PCI.match(pci)):
            out.add(
                "nad-pci-invalid", (*where, "pciBusID"), f"pciBusID {pci!r} is not a PCI address such as 0000:03:00.0"
            )
        out.add(
            "nad-host-device-one-pod",
            where,
            "host-device moves the device into one pod: one pod per node can use this NAD",
        )
    if ptype in ("macvlan", "ipvlan", "bridge", "vlan"):
        _check_mtu(conf, where, out, families)
    if ipam_type == "host-local" and node is None:
        out.add(
            "nad-host-local-per-node",
            (*where, "ipam"),
            "host-local state is per node: the same range on several nodes hands out duplicate addresses",
            fix=f"give each node its own range and NAD (annotation {NODE_ANNOTATION}, pods pinned with a "
            "nodeSelector), or use whereabouts",
        )
    if ipam_type == "static":
        out.add(
            "nad-static-shared",
            (*where, "ipam"),
            "static gives every pod attached to this NAD the same addresses",
            fix="attach one pod at a time, or use whereabouts",
        )


def _check_chained(conf: Mapping[str, Any], where: JsonPath, out: Collector, main: Mapping[str, Any] | None) -> None:
    """A plugin chained after the main one: tuning's sysctls (net.* only), mac, mtu; what the main one cannot
    carry; a chained plugin first (it has no interface to change)."""
    ptype = conf.get("type")
    if main is None:
        out.add(
            "nad-chain-order",
            (*where, "type"),
            f"{ptype} is first in the conflist; it changes the interface a main plugin made",
            fix="put the main plugin (macvlan, bridge, ...) first",
        )
    if ptype != "tuning":
        return
    sysctl = conf.get("sysctl")
    if sysctl is not None:
        if not isinstance(sysctl, dict):
            out.add("nad-malformed", (*where, "sysctl"), "sysctl must be an object of name: value strings")
        else:
            for key, value in sysctl.items():
                if not key.startswith("net.") or ".." in key or "/" in key.replace("net/", "", 1):
                    out.add(
                        "nad-sysctl-not-net",
                        (*where, "sysctl", key),
                        f"sysctl {key!r} is not a net.* sysctl; tuning sets only the pod's network sysctls",
                        fix="use a net.* key, e.g. net.ipv4.conf.IFNAME.arp_notify=1",
                    )
                elif not isinstance(value, str):
                    out.add("nad-malformed", (*where, "sysctl", key), f"sysctl {key} must be a string value")
    if _check_mac(conf, "mac", where, out) and main is not None and main.get("type") == "ipvlan":
        out.add(
            "nad-chain-unsupported",
            (*where, "mac"),
            "ipvlan links share the parent's MAC: tuning cannot set one",
            fix="use macvlan, or drop the MAC",
        )
    _check_mtu(conf, where, out, frozenset())
    _check_bools(conf, ("promisc",), where, out)


def _check_mac(conf: Mapping[str, Any], key: str, where: JsonPath, out: Collector) -> bool:
    """``conf[key]`` is a MAC address if given; True when it is given and one."""
    mac = conf.get(key)
    if mac is not None and (not isinstance(mac, str) or not _MAC.match(mac)):
        out.add(
            "nad-hwaddr-invalid",
            (*where, key),
            f"{key} {mac!r} is not a MAC address",
            fix="write e.g. 52:54:00:12:34:56",
        )
        return False
    return mac is not None


def _check_mtu(conf: Mapping[str, Any], where: JsonPath, out: Collector, families: frozenset[int]) -> None:
    if "mtu" not in conf:
        return
    mtu = conf["mtu"]
    if isinstance(mtu, bool) or not isinstance(mtu, int) or not MTU_MIN <= mtu <= MTU_MAX:
        out.add("nad-mtu-invalid", (*where, "mtu"), f"mtu {mtu!r} is not an integer in {MTU_MIN}-{MTU_MAX}")
    elif mtu < MTU_MIN_IPV6 and 6 in families:
        out.add("nad-mtu-ipv6", (*where, "mtu"), f"mtu {mtu} is below IPv6's minimum of {MTU_MIN_IPV6}")


def _check_bools(conf: Mapping[str, Any], keys: tuple[str, ...], where: JsonPath, out: Collector) -> None:
    for key in keys:
        if key in conf and not isinstance(conf[key], bool):
            out.add("nad-malformed", (*where, key), f"{key} must be true or false")


def _check_sriov(conf: Mapping[str, Any], where: JsonPath, out: Collector) -> None:
    """sriov-cni's own keys (its configuration reference): vlan 0-4094, on/off switches, link_state, rates."""
    vlan = conf.get("vlan")
    if vlan is not None and (isinstance(vlan, bool) or not isinstance(vlan, int) or not 0 <= vlan <= 4094):
        out.add("nad-vlan-invalid", (*where, "vlan"), f"vlan {vlan!r} is not a VLAN id (0-4094)")
    for key in ("spoofchk", "trust"):
        if key in conf and conf[key] not in ("on", "off"):
            out.add("nad-sriov-value", (*where, key), f"{key} {conf[key]!r} is not on or off", fix="write on or off")
    if "link_state" in conf and conf["link_state"] not in SRIOV_LINK_STATES:
        out.add(
            "nad-sriov-value",
            (*where, "link_state"),
            f"link_state {conf['link_state']!r} is not one of {', '.join(SRIOV_LINK_STATES)}",
        )
    rates = {k: conf.get(k) for k in ("min_tx_rate", "max_tx_rate")}
    for key, rate in rates.items():
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int) or rate < 0):
            out.add("nad-sriov-value", (*where, key), f"{key} {rate!r} is not a rate in Mbps (0: no limit)")
    lo, hi = rates["min_tx_rate"], rates["max_tx_rate"]
    if isinstance(lo, int) and isinstance(hi, int) and hi > 0 and lo > hi:
        out.add(
            "nad-sriov-value", (*where, "min_tx_rate"), f"min_tx_rate {lo} is above max_tx_rate {hi}", fix="swap them"
        )


def _check_vlan(conf: Mapping[str, Any], where: JsonPath, out: Collector, ipam_type: object) -> None:
    """The vlan plugin: a VLAN id, and one pod per node (the kernel allows one link per parent and id)."""
    vid = conf.get("vlanId")
    if isinstance(vid, bool) or not isinstance(vid, int) or not VLAN_ID_MIN <= vid <= VLAN_ID_MAX:
        out.add(
            "nad-vlan-id-invalid",
            (*where, "vlanId"),
            f"vlanId {vid!r} is not a VLAN id" if vid is not None else "vlan needs vlanId",
            fix=f"use an integer in {VLAN_ID_MIN}-{VLAN_ID_MAX}",
        )
    _check_bools(conf, ("linkInContainer",), where, out)
    if ipam_type == "dhcp":
        out.add(
            "nad-vlan-dhcp",
            (*where, "ipam", "type"),
            "dhcp does not work with vlan (the link has the parent's MAC, so the server sees the node)",
            fix="use whereabouts, host-local or static",
        )
    out.add(
        "nad-vlan-one-pod",
        where,
        "the kernel allows one VLAN link per parent and id: one pod per node can use this NAD",
        fix="use macvlan on a VLAN interface of the node for many pods",
    )


def check_cni_config(
    conf: object,
    where: JsonPath = (),
    *,
    nad_name: str | None = None,
    node: str | None = None,
    k3s_paths: K3sPaths | None = None,
    base: Location = NOWHERE,
) -> list[Finding]:
    """Check a CNI config (or conflist) as found in ``spec.config``; ``where`` is its path (under ``base``)."""
    out = Collector(base)
    if not isinstance(conf, dict):
        out.add("nad-malformed", where, "the CNI config must be a JSON object")
        return out.items
    version = conf.get("cniVersion")
    cni_version: str | None = None
    if version is None:
        out.add(
            "nad-cni-version-missing",
            (*where, "cniVersion"),
            "cniVersion is missing",
            fix=f"set cniVersion: {DEFAULT_CNI_VERSION}",
        )
    elif version not in KNOWN_CNI_VERSIONS:
        out.add(
            "nad-cni-version-unknown",
            (*where, "cniVersion"),
            f"cniVersion {version!r} is not a CNI version",
            fix=f"use {DEFAULT_CNI_VERSION}",
        )
    else:
        cni_version = str(version)
        if version == "1.1.0":
            out.add("nad-cni-version-new", (*where, "cniVersion"), "cniVersion 1.1.0 needs CNI plugins v1.5 or later")
    name = conf.get("name")
    if not isinstance(name, str) or not name:
        out.add("nad-name-missing", (*where, "name"), "name is missing", fix="set it to the NAD's name")
    elif nad_name is not None and name != nad_name:
        out.add(
            "nad-name-mismatch",
            (*where, "name"),
            f"CNI name {name!r} differs from the NAD name {nad_name!r}",
            fix=f"set name: {nad_name}",
        )
    if "plugins" in conf:
        plugins = conf["plugins"]
        if not isinstance(plugins, list) or not plugins:
            out.add("nad-malformed", (*where, "plugins"), "plugins must be a non-empty list of plugin configs")
            return out.items
        main: Mapping[str, Any] | None = None
        for i, plugin in enumerate(plugins):
            path = (*where, "plugins", i)
            if not isinstance(plugin, dict):
                out.add("nad-malformed", path, "a plugin config must be an object")
                continue
            _check_plugin(plugin, path, out, cni_version=cni_version, node=node, k3s_paths=k3s_paths)
            if plugin.get("type") in CHAINED_TYPES:
                _check_chained(plugin, path, out, main)
            elif main is None:
                main = plugin
    else:
        _check_plugin(conf, where, out, cni_version=cni_version, node=node, k3s_paths=k3s_paths)
    return out.items


def check_nad(
    doc: object,
    base: Location = NOWHERE,
    *,
    k3s_paths: K3sPaths | None = None,
) -> list[Finding]:
    """Check a NetworkAttachmentDefinition document: every finding, each at a JSON path into the document
    (under ``base``: a file, a document of it) that continues into the parsed ``spec.config`` string.

    The one strict check of a NAD: ``validate`` runs it on the documents it reads, the builders on the ones
    they write (and refuse what :func:`~multus_gen.networks.ipam.refuses`)."""
    p: JsonPath = ()
    out = Collector(base)
    if not isinstance(doc, dict):
        out.add("nad-malformed", p, "a NetworkAttachmentDefinition must be a mapping")
        return out.items
    if doc.get("apiVersion") != API_VERSION:
        out.add("nad-api-version", (*p, "apiVersion"), f"apiVersion {doc.get('apiVersion')!r} is not {API_VERSION}")
    if doc.get("kind") != KIND:
        out.add("nad-kind", (*p, "kind"), f"kind {doc.get('kind')!r} is not {KIND}")
    meta = doc.get("metadata")
    name: str | None = None
    node: str | None = None
    if not isinstance(meta, dict):
        out.add("nad-malformed", (*p, "metadata"), "metadata is missing")
    else:
        raw_name = meta.get("name")
        if not isinstance(raw_name, str) or not is_dns_label(raw_name):
            out.add(
                "nad-name-invalid",
                (*p, "metadata", "name"),
                f"NAD name {raw_name!r} is not a DNS-1123 label",
                fix=_LABEL_FIX,
            )
        else:
            name = raw_name
        ns = meta.get("namespace")
        if ns is not None and (not isinstance(ns, str) or not is_dns_label(ns)):
            out.add(
                "nad-namespace-invalid",
                (*p, "metadata", "namespace"),
                f"namespace {ns!r} is not a DNS-1123 label",
                fix=_LABEL_FIX,
            )
        annotations = meta.get("annotations")
        if isinstance(annotations, dict) and NODE_ANNOTATION in annotations:
            raw_node = annotations[NODE_ANNOTATION]
            if not isinstance(raw_node, str) or len(raw_node) > 253 or not _DNS_SUBDOMAIN.match(raw_node):
                out.add(
                    "nad-node-invalid",
                    (*p, "metadata", "annotations", NODE_ANNOTATION),
                    f"node name {raw_node!r} is not a DNS-1123 subdomain",
                    fix="use the node's name as kubectl get nodes shows it",
                )
            else:
                node = raw_node
    spec = doc.get("spec")
    config = spec.get("config") if isinstance(spec, dict) else None
    where: JsonPath = (*p, "spec", "config")
    if config is None or config == "":
        out.add(
            "nad-no-config",
            where,
            "no spec.config: Multus looks for a CNI config file named after the NAD on each node",
        )
        return out.items
    if not isinstance(config, str):
        out.add(
            "nad-malformed",
            where,
            "spec.config must be a string holding JSON",
            fix="serialise the CNI config with json.dumps",
        )
        return out.items
    try:
        parsed = json.loads(config)
    except json.JSONDecodeError as exc:
        out.add(
            "nad-malformed", where, f"spec.config is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        )
        return out.items
    out.items.extend(check_cni_config(parsed, where, nad_name=name, node=node, k3s_paths=k3s_paths, base=base))
    main = (parsed.get("plugins") or [{}])[0] if isinstance(parsed, dict) and "plugins" in parsed else parsed
    if isinstance(main, dict) and main.get("type") == "sriov":
        annotations = meta.get("annotations") if isinstance(meta, dict) else None
        resource = annotations.get(RESOURCE_ANNOTATION) if isinstance(annotations, dict) else None
        if not isinstance(resource, str) or not resource:
            out.add(
                "nad-sriov-no-resource",
                (*p, "metadata", "annotations", RESOURCE_ANNOTATION),
                f"sriov without the annotation {RESOURCE_ANNOTATION}: Multus cannot ask the SR-IOV device plugin "
                "for a VF, so the plugin gets no deviceID",
                fix="name the device plugin's resource, e.g. --resource-name intel.com/intel_sriov_netdevice",
            )
    if node is not None:
        plugins = parsed.get("plugins", [parsed]) if isinstance(parsed, dict) else []
        ipams = {c["ipam"].get("type") for c in plugins if isinstance(c, dict) and isinstance(c.get("ipam"), dict)}
        for kind in sorted(str(k) for k in ipams - {"host-local", "static"}):
            out.add(
                "nad-node-not-per-node",
                (*p, "metadata", "annotations", NODE_ANNOTATION),
                f"{NODE_ANNOTATION} is for host-local and static NADs; {kind} is not per node",
                fix="remove the annotation",
            )
    return out.items
