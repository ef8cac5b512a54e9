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
from multus_gen.findings import Finding, JsonPath
from multus_gen.networks.addresses import IPAddress, overlap
from multus_gen.networks.ipam import load_ipam
from multus_gen.networks.models import HostLocalIpam, StaticIpam, WhereaboutsIpam
from multus_gen.networks.nad_build import NadOptions, build_nad
from multus_gen.record import record, replace

if TYPE_CHECKING:  # the spec (model) calls down into networks, never the other way
    from multus_gen.model.spec import ClusterSpec, Network, Spec

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
    config = json.loads(result.doc["spec"]["config"])
    ipam = (config["plugins"][0] if "plugins" in config else config)["ipam"]
    return BuiltNetwork(result.doc, result.warnings, ipam, tuple(windows(ipam)))


@record
class BuiltNetworks:
    docs: list[dict[str, Any]]
    warnings: tuple[Finding, ...]


def _check_cluster_cidrs(
    name: str, wins: Sequence[Span], cidrs: Sequence[str], what: str, parsed: dict[str, Span]
) -> str | None:
    """The overlap of ``wins`` with one of ``cidrs`` (one per family), if any (``parsed``: the CIDRs' windows
    parsed so far)."""
    for cidr in cidrs:
        cw = parsed.get(cidr)
        if cw is None:
            net = ipaddress.ip_network(cidr, strict=False)
            cw = parsed[cidr] = (net.network_address, net.broadcast_address, cidr)
        for w in wins:
            if overlap(w[:2], cw[:2]):
                return f"network {name!r} range {w[2]} overlaps the cluster's {what} {cidr}"
    return None


#: A window in the sweep: family, first and last address as integers, the network's index, the window's index
_Item = tuple[int, int, int, int, int]
#: The pool a network allocates from: whereabouts pools are told apart by network_name; every other IPAM
#: shares addresses with everything (None)
_Pool = tuple[str | None] | None


class _Reach:
    """The two windows reaching furthest among those swept so far, from two different networks: enough to
    tell whether a window overlaps one of another network."""

    def __init__(self) -> None:
        self.best: _Item | None = None
        self.second: _Item | None = None

    def add(self, item: _Item) -> None:
        best = self.best
        if best is None or item[2] > best[2]:
            if best is not None and best[3] != item[3]:
                self.second = best
            self.best = item
        elif item[3] != best[3] and (self.second is None or item[2] > self.second[2]):
            self.second = item

    def other_than(self, net: int) -> _Item | None:
        return self.best if self.best is not None and self.best[3] != net else self.second


def overlapping_windows(
    windows_of: Sequence[Sequence[tuple[int, int, int]]], pools: Sequence[_Pool]
) -> tuple[_Item, _Item] | None:
    """Two windows of different networks that share an address and a pool, or None.

    A sweep per family over the windows sorted by their first address (O(n log n) for n windows, where
    comparing every pair took minutes for 10,000 networks): a window overlaps an earlier-starting one iff
    one of them reaches its first address, so the sweep keeps, per pool, the furthest-reaching windows of two
    networks (whereabouts pools meet their own pool and the shared one; the shared one meets everything). Of
    several overlaps one is reported, the same on every run: (later network, earlier network) by spec order."""
    items = sorted((w[0], w[1], w[2], n, i) for n, wins in enumerate(windows_of) for i, w in enumerate(wins))
    found: tuple[_Item, _Item] | None = None
    family = None
    for item in items:
        if item[0] != family:  # a new family: nothing swept so far can overlap
            family, shared, any_pool = item[0], _Reach(), _Reach()  # any_pool: whereabouts windows of any pool
            by_pool: dict[_Pool, _Reach] = {}
        net = item[3]
        pool = pools[net]
        hits = [shared.other_than(net)]
        if pool is None:
            hits.append(any_pool.other_than(net))
        else:
            hits.append(by_pool.setdefault(pool, _Reach()).other_than(net))
        for hit in hits:
            if hit is not None and hit[2] >= item[1]:
                pair = (item, hit) if net > hit[3] else (hit, item)
                if found is None or (pair[0][3], pair[1][3]) < (found[0][3], found[1][3]):
                    found = pair
        (shared if pool is None else by_pool[pool]).add(item)
        if pool is not None:
            any_pool.add(item)
    return found


def _pool(ipam: dict[str, Any]) -> _Pool:
    return (ipam.get("network_name"),) if ipam.get("type") == "whereabouts" else None


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
    built_all: list[BuiltNetwork] = []
    cidr_windows = {} if cidr_windows is None else cidr_windows
    for network in cluster.networks:
        try:
            built = build(network.options)
        except InputError as exc:
            raise spec.network_error(network, exc) from None
        name = network.options.name
        for what, cidrs in (("pod CIDR", cluster.cluster_cidrs), ("service CIDR", cluster.service_cidrs)):
            problem = _check_cluster_cidrs(name, built.windows, cidrs, what, cidr_windows)
            if problem:
                raise spec.error(_range_at(network), problem, fix="pick a range outside the cluster's own networks")
        built_all.append(built)
        docs.append(built.doc)
        prefix = f"{cluster.name}/" if cluster.name else ""
        warnings += [replace(w, at=replace(w.at, label=f"{prefix}{name}")) for w in built.warnings]
    found = overlapping_windows(
        [[(w[0].version, int(w[0]), int(w[1])) for w in b.windows] for b in built_all],
        [_pool(b.ipam) for b in built_all],
    )
    if found is not None:
        (n, i), (m, k) = found[0][3:], found[1][3:]
        network, other = cluster.networks[n], cluster.networks[m]
        raise spec.error(
            _range_at(network),
            f"network {network.options.name!r} range {built_all[n].windows[i][2]} overlaps network "
            f"{other.options.name!r} range {built_all[m].windows[k][2]}",
            fix="give each network its own range (whereabouts: set networkName on both to share a CIDR on purpose)",
        )
    return BuiltNetworks(docs, tuple(warnings))


def _range_at(network: Network) -> JsonPath:
    sources = network.sources
    return sources.get("ipam.range") or sources.get("ipam.ranges") or sources[""]
