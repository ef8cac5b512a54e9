"""The IPAM rules on the models: ranges, windows, range sets, routes, gateways, static addresses. Each reports
through its rule id (:mod:`multus_gen.networks.rules`), so one rule has one severity wherever it runs.

Upstream behaviour encoded here (containernetworking/plugins host-local, whereabouts v0.9.4; the
host-local points were re-checked against Debian's plugins v1.1.1):

* host-local hands out whatever lies between rangeStart and rangeEnd, including the network address and
  the IPv4 broadcast address if the window includes them; its default window is network+1 up to the
  broadcast-1 (IPv4) or the last address (IPv6); it skips the gateway (default network+1); a window
  holding only the gateway allocates nothing; it does not check that the gateway is in the subnet.
* whereabouts silently ignores a range_start/range_end outside network+1..last-1 and a range_end before
  range_start (GetIPRange), masks host bits off ``range``, and parses ``exclude`` (per range: the top-level
  ``exclude`` belongs to the top-level ``range``, each ``ipRanges`` entry has its own) only when
  allocating. A top-level ``range_start``/``range_end``/``exclude`` without a top-level ``range`` is
  dropped. IPv6 ranges wider than /65 use only the first /65 (whereabouts README).
* dhcp is IPv4 only (no DHCPv6 client) and takes its addresses and routes from the server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from ipaddress import ip_network

from multus_gen.findings import ERROR, NOWHERE, Finding, JsonPath, Location
from multus_gen.networks.addresses import IPAddress, IPNetwork, fam, first_usable, last, last_usable, overlap, too_small
from multus_gen.networks.models import SINGLE_IP_CNI_VERSIONS, HostLocalRange, Route, StaticAddress, WhereaboutsRange
from multus_gen.networks.rules import SEVERITY


def refuses(finding: Finding) -> bool:
    """Whether a generator refuses to write a config drawing ``finding``: every error (one rule, one
    severity: ``validate`` fails on the same finding)."""
    return finding.is_error


class Collector:
    """Collects the findings of one check, each with its rule's severity (:mod:`.rules`); paths are JSON paths
    under ``base`` (a file, a document)."""

    def __init__(self, base: Location = NOWHERE) -> None:
        self.base = base
        self.items: list[Finding] = []
        self.errors = 0

    def _at(self, path: JsonPath) -> Location:
        base = self.base
        return Location(base.file, (*base.path, *path) if base.path else path, base.document, base.line)

    def add(self, rule: str, path: JsonPath, message: str, fix: str | None = None) -> None:
        severity = SEVERITY[rule]
        if severity == ERROR:
            self.errors += 1
        self.items.append(Finding(severity, message, fix, self._at(path), rule))

    def count_errors(self) -> int:
        return self.errors


Loc = Callable[[str], JsonPath]


#: JSON path of a key -> the flag that set it, where that is not the one :mod:`.fields` names
Origins = dict[JsonPath, str]


def prefix_loc(prefix: JsonPath) -> Loc:
    """A locator naming fields as JSON paths under ``prefix``."""

    def at(key: str) -> JsonPath:
        return (*prefix, key)

    return at


#: Address blocks no pod range may touch (IANA special-purpose registries; RFC 1122, 4291, 3927, 5771)
RESERVED: tuple[tuple[IPNetwork, str], ...] = tuple(
    (ip_network(block), what)
    for block, what in (
        ("0.0.0.0/8", "unspecified"),
        ("127.0.0.0/8", "loopback"),
        ("169.254.0.0/16", "link-local"),
        ("224.0.0.0/4", "multicast"),
        ("::/128", "unspecified"),
        ("::1/128", "loopback"),
        ("fe80::/10", "link-local"),
        ("ff00::/8", "multicast"),
    )
)


def rule_reserved(net: IPNetwork, path: JsonPath, out: Collector, what: str = "range") -> bool:
    """A range (or a static address's network) inside or across a block pods cannot use; True if it is."""
    for block, kind in RESERVED:
        if block.version == net.version and net.overlaps(block):
            verb = "lies in" if net.subnet_of(block) else "includes"  # type: ignore[arg-type]
            out.add(
                "ipam-range-reserved",
                path,
                f"{what} {net} {verb} {kind} space ({block}); pods cannot use it",
                fix="use a unicast private range (e.g. 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fd00::/8)",
            )
            return True
    return False


def rule_gateway_host(gw: IPAddress, net: IPNetwork, path: JsonPath, out: Collector) -> None:
    """A gateway on its subnet's network address, or on an IPv4 subnet's broadcast address."""
    if too_small(net) or gw.version != net.version:
        return
    if gw == net.network_address:
        what = "network address"
    elif net.version == 4 and gw == net.broadcast_address:
        what = "broadcast address"
    else:
        return
    out.add(
        "ipam-gateway-not-host",
        path,
        f"gateway {gw} is the {what} of {net}; no router can answer there",
        fix=f"use the router's host address in {net} (e.g. {net.network_address + 1})",
    )


def rule_two_ranges_one_family(families: Sequence[int], path: JsonPath, what: str, out: Collector) -> None:
    """More than one range (host-local: range set) of a family: each pod gets an address from each."""
    for v in (4, 6):
        n = list(families).count(v)
        if n > 1:
            out.add(
                "ipam-two-ranges-one-family",
                path,
                f"{n} {what} are {fam(v)}: every pod gets {n} {fam(v)} addresses, one from each",
                fix="use one range per family; to give every pod one of each on purpose: "
                "--allow ipam-two-ranges-one-family",
            )


def rule_hostlocal_range(r: HostLocalRange, at: Loc, out: Collector) -> bool:
    """Rules for one host-local range; returns False if it is broken enough to skip set-level rules."""
    before = out.count_errors()
    net = r.subnet
    if too_small(net):
        out.add(
            "ipam-range-too-small",
            at("subnet"),
            f"{net} is too small to allocate from (host-local needs at least /{net.max_prefixlen - 2})",
            fix=f"use a prefix of /{net.max_prefixlen - 2} or shorter",
        )
        return False
    if rule_reserved(net, at("subnet"), out):
        return False
    low = net.network_address + 1
    high = last_usable(net) if net.version == 4 else last(net)
    what_high = "broadcast address" if net.version == 4 else "last address"
    for key, ip in (("rangeStart", r.range_start), ("rangeEnd", r.range_end)):
        if ip is None:
            continue
        if ip.version != net.version:
            out.add(
                "ipam-family-mismatch", at(key), f"{ip} is {fam(ip.version)} but subnet {net} is {fam(net.version)}"
            )
        elif ip not in net:
            out.add(
                "ipam-range-outside-subnet",
                at(key),
                f"{ip} is not in subnet {net}",
                fix=f"pick an address in {low}-{high}",
            )
        elif ip == net.network_address:
            out.add(
                "ipam-range-network-address",
                at(key),
                f"{ip} is the network address of {net}; host-local would hand it out",
                fix=f"start at {low} or later",
            )
        elif int(ip) > int(high):
            out.add(
                "ipam-range-broadcast-address",
                at(key),
                f"{ip} is the {what_high} of {net}; host-local would hand it out",
                fix=f"use an address in {low}-{high}",
            )
    start, end = r.window()
    if out.count_errors() == before and int(end) < int(start):
        out.add(
            "ipam-range-reversed", at("rangeEnd"), f"range end {end} is before range start {start}", fix="swap them"
        )
    gw = r.gateway
    if gw is not None:
        if gw.version != net.version:
            out.add(
                "ipam-family-mismatch",
                at("gateway"),
                f"gateway {gw} is {fam(gw.version)} but subnet {net} is {fam(net.version)}",
            )
        elif gw not in net:
            out.add(
                "ipam-gateway-outside-subnet",
                at("gateway"),
                f"gateway {gw} is outside subnet {net}; pods cannot reach it on-link",
                fix=f"use an address in {net}",
            )
        else:
            rule_gateway_host(gw, net, at("gateway"), out)
    if out.count_errors() == before and r.first_assignable() is None:
        out.add(
            "ipam-window-gateway-only",
            at("rangeStart"),
            f"the window {start}-{end} holds only the gateway {r.effective_gateway()}; host-local allocates nothing",
            fix="widen the window or move the gateway",
        )
    return out.count_errors() == before


def rule_hostlocal_sets(
    sets: Sequence[Sequence[tuple[HostLocalRange, Loc, bool]]],
    set_at: Callable[[int], JsonPath],
    out: Collector,
    cni_version: str | None,
) -> None:
    windows: list[list[tuple[IPAddress, IPAddress]]] = []
    for i, items in enumerate(sets):
        good = [(r, at) for r, at, ok in items if ok]
        fams = {r.version for r, _, _ in items}
        if len(fams) > 1:
            out.add(
                "ipam-range-set-mixed-families",
                set_at(i),
                "range set mixes IPv4 and IPv6 (host-local takes one family per set)",
                fix="put each family in its own range set",
            )
        mine: list[tuple[IPAddress, IPAddress]] = []
        for r, _at in good:
            w = r.window()
            for other in mine:
                if overlap(w, other):
                    out.add(
                        "ipam-range-overlap",
                        set_at(i),
                        f"ranges {other[0]}-{other[1]} and {w[0]}-{w[1]} of the same set overlap",
                        fix="make the ranges in a set disjoint",
                    )
                    break
            mine.append(w)
        windows.append(mine)
    for i in range(len(windows)):
        for k in range(i):
            if any(overlap(a, b) for a in windows[i] for b in windows[k]):
                out.add(
                    "ipam-range-overlap",
                    set_at(i),
                    f"range set {i} overlaps range set {k} (host-local refuses overlapping sets)",
                    fix="give each range set its own addresses",
                )
                break
    if sets and cni_version not in SINGLE_IP_CNI_VERSIONS:
        fams_of_sets = [v for items in sets for v in {r.version for r, _, _ in items}]
        rule_two_ranges_one_family(fams_of_sets, set_at(len(sets) - 1), "range sets", out)
    else:
        per_family: dict[int, int] = {}
        for items in sets:
            for v in {r.version for r, _, _ in items}:
                per_family[v] = per_family.get(v, 0) + 1
        for v, n in sorted(per_family.items()):
            if n > 1:
                out.add(
                    "ipam-one-address-per-family",
                    set_at(len(sets) - 1),
                    f"CNI version {cni_version} allows one address per family; {n} range sets are {fam(v)}",
                    fix="use cniVersion 0.3.1 or later",
                )


def rule_whereabouts_range(r: WhereaboutsRange, at: Loc, out: Collector, *, from_dash: bool = False) -> bool:
    before = out.count_errors()
    net = r.range
    if too_small(net):
        out.add(
            "ipam-range-too-small",
            at("range"),
            f"{net} is too small to allocate from (whereabouts needs at least /{net.max_prefixlen - 2})",
            fix=f"use a prefix of /{net.max_prefixlen - 2} or shorter",
        )
        return False
    if rule_reserved(net, at("range"), out):
        return False
    first, last = first_usable(net), last_usable(net)
    for key, ip in (("range_start", r.range_start), ("range_end", r.range_end)):
        if ip is None:
            continue
        k = "range" if from_dash else key
        if ip.version != net.version:
            out.add(
                "ipam-family-mismatch",
                at(k),
                f"{key} {ip} is {fam(ip.version)} but range {net} is {fam(net.version)}",
            )
        elif ip not in net:
            out.add(
                "ipam-range-outside-subnet",
                at(k),
                f"{key} {ip} is outside {net}; whereabouts would silently ignore it",
                fix=f"pick an address in {first}-{last}",
            )
        elif key == "range_start" and ip == net.network_address:
            out.add(
                "ipam-range-start-network-address",
                at(k),
                f"range_start {ip} is the network address; whereabouts starts at {first} instead",
                fix=f"write {first} or leave range_start out",
            )
        elif key == "range_end" and ip == net.broadcast_address:
            out.add(
                "ipam-range-end-last-address",
                at(k),
                f"range_end {ip} is the last address of {net}; whereabouts stops at {last} instead",
                fix=f"write {last} or leave range_end out",
            )
        elif not int(first) <= int(ip) <= int(last):
            out.add(
                "ipam-range-outside-window",
                at(k),
                f"{key} {ip} is outside the usable window {first}-{last}; whereabouts silently ignores it",
                fix=f"pick an address in {first}-{last}",
            )
    rs, re_ = r.range_start, r.range_end
    if out.count_errors() == before and rs is not None and re_ is not None and int(re_) < int(rs):
        out.add(
            "ipam-range-reversed",
            at("range" if from_dash else "range_end"),
            f"range_end {re_} is before range_start {rs}; whereabouts would silently ignore the end",
            fix="swap them",
        )
    start, end = r.window()
    for x in r.exclude:
        if x.version != net.version:
            out.add(
                "ipam-family-mismatch",
                at("exclude"),
                f"exclude {x} is {fam(x.version)} but range {net} is {fam(net.version)}",
            )
        elif int(x[-1]) < int(net[0]) or int(x[0]) > int(net[-1]):
            out.add(
                "ipam-exclude-outside-range",
                at("exclude"),
                f"exclude {x} is outside range {net}; it would do nothing",
                fix="remove it or fix the address",
            )
        elif int(x[0]) < int(net[0]) or int(x[-1]) > int(net[-1]):
            out.add(
                "ipam-exclude-beyond-range",
                at("exclude"),
                f"exclude {x} reaches outside range {net}",
                fix=f"narrow it to {net}",
            )
        elif int(x[-1]) < int(start) or int(x[0]) > int(end):
            out.add(
                "ipam-exclude-outside-window",
                at("exclude"),
                f"exclude {x} lies outside the allocation window {start}-{end}; it does nothing",
                fix="remove it",
            )
    if out.count_errors() == before and r.first_assignable() is None:
        out.add(
            "ipam-exclude-covers-window",
            at("exclude"),
            f"the excludes cover the whole window {start}-{end}; whereabouts can allocate nothing",
            fix="exclude less",
        )
    if net.version == 6 and net.prefixlen < 65:
        out.add(
            "ipam-whereabouts-ipv6-wide",
            at("range"),
            f"whereabouts uses only the first /65 of IPv6 range {net} (README, known limitations)",
        )
    return out.count_errors() == before


def rule_whereabouts_set(
    items: Sequence[tuple[WhereaboutsRange, Loc, bool]], out: Collector, cni_version: str | None
) -> None:
    seen: list[tuple[WhereaboutsRange, Loc]] = []
    for r, at, ok in items:
        if not ok:
            continue
        for other, _ in seen:
            if r.range.overlaps(other.range) and overlap(r.window(), other.window()):
                out.add(
                    "ipam-range-overlap",
                    at("range"),
                    f"range {r.range} overlaps range {other.range} of the same NAD; a pod would get two "
                    "addresses from one pool",
                    fix="make the ranges disjoint",
                )
                break
        seen.append((r, at))
    if items and cni_version not in SINGLE_IP_CNI_VERSIONS:
        rule_two_ranges_one_family([r.version for r, _, _ in items], items[-1][1]("range"), "ranges", out)
    if cni_version in SINGLE_IP_CNI_VERSIONS:
        fams = [r.version for r, _, _ in items]
        for v in (4, 6):
            if fams.count(v) > 1:
                out.add(
                    "ipam-one-address-per-family",
                    items[-1][1]("range"),
                    f"CNI version {cni_version} allows one address per family; {fams.count(v)} ranges are {fam(v)}",
                    fix="use cniVersion 0.3.1 or later",
                )


def rule_routes(routes: Sequence[tuple[Route, JsonPath]], families: frozenset[int], out: Collector) -> None:
    for route, path in routes:
        if route.gw is not None and route.gw.version != route.dst.version:
            out.add(
                "ipam-route-gateway-family",
                path,
                f"route to {route.dst} has an {fam(route.gw.version)} gateway {route.gw}",
            )
        elif families and route.dst.version not in families:
            out.add(
                "ipam-route-family-unassigned",
                path,
                f"route to {route.dst} is {fam(route.dst.version)} but this IPAM assigns no "
                f"{fam(route.dst.version)} address",
                fix="drop the route or add a range of that family",
            )


def rule_gateway_in(gw: IPAddress, nets: Sequence[IPNetwork], path: JsonPath, out: Collector) -> None:
    if not nets:
        return
    same = [n for n in nets if n.version == gw.version]
    if not same:
        out.add(
            "ipam-gateway-outside-subnet",
            path,
            f"gateway {gw} is {fam(gw.version)} but no range is",
            fix="use a gateway of the ranges' family",
        )
    elif not any(gw in n for n in same):
        shown = ", ".join(str(n) for n in same)
        out.add(
            "ipam-gateway-outside-subnet",
            path,
            f"gateway {gw} is outside {shown}; pods cannot reach it on-link",
            fix=f"use an address in {shown}",
        )
    else:
        rule_gateway_host(gw, next(n for n in same if gw in n), path, out)


def rule_static_addresses(
    items: Sequence[tuple[StaticAddress, JsonPath]], out: Collector, cni_version: str | None
) -> None:
    seen: set[IPAddress] = set()
    for a, path in items:
        iface = a.address
        net = iface.network
        ip = iface.ip
        if ip in seen:
            out.add("ipam-static-duplicate-address", path, f"address {ip} is listed twice")
        seen.add(ip)
        if rule_reserved(net, path, out, "address"):
            continue
        if net.prefixlen <= net.max_prefixlen - 2 and ip == net.network_address:
            out.add(
                "ipam-static-network-address",
                path,
                f"{iface} is the network address of {net}",
                fix="use a host address",
            )
        elif net.version == 4 and net.prefixlen <= 30 and ip == net.broadcast_address:
            out.add(
                "ipam-static-broadcast-address",
                path,
                f"{iface} is the broadcast address of {net}",
                fix="use a host address",
            )
        if a.gateway is not None:
            if a.gateway.version != ip.version:
                out.add(
                    "ipam-family-mismatch",
                    path,
                    f"gateway {a.gateway} is {fam(a.gateway.version)} but address {iface} is {fam(ip.version)}",
                )
            elif a.gateway not in net:
                out.add(
                    "ipam-gateway-outside-subnet",
                    path,
                    f"gateway {a.gateway} is outside {net}; pods cannot reach it on-link",
                    fix=f"use an address in {net}",
                )
            elif a.gateway == ip:
                out.add("ipam-static-gateway-is-address", path, f"gateway {a.gateway} is the address itself")
            else:
                rule_gateway_host(a.gateway, net, path, out)
    if cni_version in SINGLE_IP_CNI_VERSIONS:
        fams = [a.address.version for a, _ in items]
        for v in (4, 6):
            if fams.count(v) > 1:
                out.add(
                    "ipam-one-address-per-family",
                    items[-1][1],
                    f"CNI version {cni_version} allows one address per family",
                    fix="use cniVersion 0.3.1 or later",
                )
