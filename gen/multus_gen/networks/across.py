"""Networks of one cluster: NADs built from the spec, and the checks that span networks.

Across networks: no two networks' address windows overlap (unless both are whereabouts pools separated
by different ``network_name``), and none overlaps the cluster's pod or service CIDRs (K3s defaults
10.42.0.0/16 and 10.43.0.0/16): pods would get addresses the cluster already routes.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Sequence
from typing import Any

from multus_gen.errors import InputError
from multus_gen.model.record import record
from multus_gen.model.spec import ClusterSpec, Spec
from multus_gen.networks.ipam import Finding
from multus_gen.networks.nad import NadOptions, build_nad

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@record
class Window:
    """An address window of a network: first..last inclusive."""

    first: IPAddress
    last: IPAddress
    text: str

    def overlaps(self, other: Window) -> bool:
        if self.first.version != other.first.version:
            return False
        return int(self.first) <= int(other.last) and int(other.first) <= int(self.last)


def _window(cidr_or_dash: str, start: str | None = None, end: str | None = None) -> Window:
    if "-" in cidr_or_dash:  # whereabouts first-last/prefix
        span, _, _prefix = cidr_or_dash.partition("/")
        a, _, b = span.partition("-")
        first, last = ipaddress.ip_address(a), ipaddress.ip_address(b)
    else:
        net = ipaddress.ip_network(cidr_or_dash, strict=False)
        first, last = net.network_address, net.broadcast_address
    if start:
        first = ipaddress.ip_address(start)
    if end:
        last = ipaddress.ip_address(end)
    text = cidr_or_dash + (f" ({start or first}-{end or last})" if start or end else "")
    return Window(first, last, text)


def windows(ipam: dict[str, Any]) -> list[Window]:
    """Address windows an IPAM block hands out from (dhcp: none)."""
    kind = ipam.get("type")
    out: list[Window] = []
    if kind == "host-local":
        for rset in ipam.get("ranges") or []:
            for r in rset:
                out.append(_window(r["subnet"], r.get("rangeStart"), r.get("rangeEnd")))
        if ipam.get("subnet"):
            out.append(_window(ipam["subnet"], ipam.get("rangeStart"), ipam.get("rangeEnd")))
    elif kind == "whereabouts":
        if ipam.get("range"):
            out.append(_window(ipam["range"], ipam.get("range_start"), ipam.get("range_end")))
        for r in ipam.get("ipRanges") or []:
            out.append(_window(r["range"], r.get("range_start"), r.get("range_end")))
    elif kind == "static":
        for a in ipam.get("addresses") or []:
            ip = ipaddress.ip_interface(a["address"]).ip
            out.append(Window(ip, ip, a["address"]))
    return out


@record
class BuiltNetwork:
    """One network's NAD, its warnings (paths into the NAD) and its parsed IPAM block and address windows:
    everything of it that depends on its own options only."""

    doc: dict[str, Any]
    warnings: tuple[Finding, ...]
    ipam: dict[str, Any]
    windows: tuple[Window, ...]


def build_network(options: NadOptions) -> BuiltNetwork:
    """The NAD of ``options``, checked (InputError names the CLI flag); a pure function of ``options``."""
    result = build_nad(options)
    ipam = json.loads(result.doc["spec"]["config"])["ipam"]
    return BuiltNetwork(result.doc, result.warnings, ipam, tuple(windows(ipam)))


@record
class BuiltNetworks:
    docs: list[dict[str, Any]]
    warnings: tuple[Finding, ...]


def _check_cluster_cidrs(
    name: str, wins: Sequence[Window], cidrs: Sequence[str], what: str, parsed: dict[str, Window]
) -> str | None:
    """The overlap of ``wins`` with one of ``cidrs``, if any (``parsed``: the CIDRs' windows parsed so far)."""
    for cidr in cidrs:
        cw = parsed.get(cidr)
        if cw is None:
            net = ipaddress.ip_network(cidr, strict=False)
            cw = parsed[cidr] = Window(net.network_address, net.broadcast_address, cidr)
        for w in wins:
            if w.overlaps(cw):
                return f"network {name!r} range {w.text} overlaps the cluster's {what} {cidr}"
    return None


def build_networks(
    spec: Spec,
    cluster: ClusterSpec,
    build: Callable[[NadOptions], BuiltNetwork] = build_network,
    cidr_windows: dict[str, Window] | None = None,
) -> BuiltNetworks:
    """Every NAD of ``cluster``, checked one by one and against each other; InputError points into the spec.

    ``build`` makes each network's NAD (a memo of :func:`build_network` lets a fleet build a network once);
    ``cidr_windows`` holds the pod and service CIDRs parsed so far (a fleet's clusters share them).
    """
    docs: list[dict[str, Any]] = []
    warnings: list[Finding] = []
    seen: list[tuple[str, dict[str, Any], Sequence[Window]]] = []
    cidr_windows = {} if cidr_windows is None else cidr_windows
    for network in cluster.networks:
        try:
            built = build(network.options)
        except InputError as exc:
            raise spec.network_error(network, exc) from None
        ipam, wins = built.ipam, built.windows
        name = network.options.name
        at = network.sources.get("ipam.range") or network.sources.get("ipam.ranges") or network.sources[""]
        for what, cidrs in (("pod CIDR", cluster.cluster_cidrs), ("service CIDR", cluster.service_cidrs)):
            problem = _check_cluster_cidrs(name, wins, cidrs, what, cidr_windows)
            if problem:
                raise spec.error(at, problem, fix="pick a range outside the cluster's own networks")
        for other_name, other_ipam, other_wins in seen:
            separate = ipam.get("type") == other_ipam.get("type") == "whereabouts" and ipam.get(
                "network_name"
            ) != other_ipam.get("network_name")
            if separate:
                continue
            for w in wins:
                for o in other_wins:
                    if w.overlaps(o):
                        raise spec.error(
                            at,
                            f"network {name!r} range {w.text} overlaps network {other_name!r} range {o.text}",
                            fix="give each network its own range (whereabouts: set networkName on both "
                            "to share a CIDR on purpose)",
                        )
        seen.append((name, ipam, wins))
        docs.append(built.doc)
        prefix = f"{cluster.name}/" if cluster.name else ""
        warnings += [Finding(f"{prefix}{name}: {w.path}", w.message, w.severity, w.fix) for w in built.warnings]
    return BuiltNetworks(docs, tuple(warnings))
