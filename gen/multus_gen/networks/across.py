"""Networks of one cluster: NADs built from the spec, and the checks that span networks.

Across networks: no two networks' address windows overlap (unless both are whereabouts pools separated
by different ``network_name``), and none overlaps the cluster's pod or service CIDRs (K3s defaults
10.42.0.0/16 and 10.43.0.0/16): pods would get addresses the cluster already routes.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from multus_gen.errors import InputError
from multus_gen.findings import Finding
from multus_gen.networks.addresses import IPAddress, overlap
from multus_gen.networks.ipam import load_ipam
from multus_gen.networks.models import HostLocalIpam, StaticIpam, WhereaboutsIpam
from multus_gen.networks.nad import NadOptions, build_nad
from multus_gen.record import record, replace

if TYPE_CHECKING:  # the spec (model) calls down into networks, never the other way
    from multus_gen.model.spec import ClusterSpec, Spec

#: An address window first..last (inclusive) and how to name it
Span = tuple[IPAddress, IPAddress, str]


def _named(net: object, start: IPAddress | None, end: IPAddress | None, window: tuple[IPAddress, IPAddress]) -> Span:
    text = f"{net} ({window[0]}-{window[1]})" if start is not None or end is not None else str(net)
    return window[0], window[1], text


def windows(ipam: dict[str, Any]) -> list[Span]:
    """The windows an IPAM block hands out addresses from, as its model computes them (dhcp: none)."""
    model, _ = load_ipam(ipam)
    if isinstance(model, HostLocalIpam):
        return [_named(r.subnet, r.range_start, r.range_end, r.window()) for s in model.range_sets for r in s]
    if isinstance(model, WhereaboutsIpam):
        return [_named(r.range, r.range_start, r.range_end, r.window()) for r in model.all_ranges()]
    if isinstance(model, StaticIpam):
        return [(a.address.ip, a.address.ip, str(a.address)) for a in model.addresses]
    return []


@record
class BuiltNetwork:
    """One network's NAD, its warnings (paths into the NAD) and its parsed IPAM block and address windows:
    everything of it that depends on its own options only."""

    doc: dict[str, Any]
    warnings: tuple[Finding, ...]
    ipam: dict[str, Any]
    windows: tuple[Span, ...]


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
    name: str, wins: Sequence[Span], cidrs: Sequence[str], what: str, parsed: dict[str, Span]
) -> str | None:
    """The overlap of ``wins`` with one of ``cidrs``, if any (``parsed``: the CIDRs' windows parsed so far)."""
    for cidr in cidrs:
        cw = parsed.get(cidr)
        if cw is None:
            net = ipaddress.ip_network(cidr, strict=False)
            cw = parsed[cidr] = (net.network_address, net.broadcast_address, cidr)
        for w in wins:
            if overlap(w[:2], cw[:2]):
                return f"network {name!r} range {w[2]} overlaps the cluster's {what} {cidr}"
    return None


def build_networks(
    spec: Spec,
    cluster: ClusterSpec,
    build: Callable[[NadOptions], BuiltNetwork] = build_network,
    cidr_windows: dict[str, Span] | None = None,
) -> BuiltNetworks:
    """Every NAD of ``cluster``, checked one by one and against each other; InputError points into the spec.

    ``build`` makes each network's NAD (a memo of :func:`build_network` lets a fleet build a network once);
    ``cidr_windows`` holds the pod and service CIDRs parsed so far (a fleet's clusters share them).
    """
    docs: list[dict[str, Any]] = []
    warnings: list[Finding] = []
    seen: list[tuple[str, dict[str, Any], Sequence[Span]]] = []
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
                    if overlap(w[:2], o[:2]):
                        raise spec.error(
                            at,
                            f"network {name!r} range {w[2]} overlaps network {other_name!r} range {o[2]}",
                            fix="give each network its own range (whereabouts: set networkName on both "
                            "to share a CIDR on purpose)",
                        )
        seen.append((name, ipam, wins))
        docs.append(built.doc)
        prefix = f"{cluster.name}/" if cluster.name else ""
        warnings += [replace(w, at=replace(w.at, label=f"{prefix}{name}")) for w in built.warnings]
    return BuiltNetworks(docs, tuple(warnings))
