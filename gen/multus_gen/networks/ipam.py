"""IPAM models and CIDR rules for the NADs multus-gen writes (FACTS 4 and 7).

Four IPAM kinds: ``host-local``, ``whereabouts``, ``dhcp`` and ``static``. Each has a frozen model
(:class:`HostLocalIpam`, :class:`WhereaboutsIpam`, :class:`DhcpIpam`, :class:`StaticIpam`) whose
``to_cni()`` returns the CNI ``ipam`` block as a plain dict with keys in a fixed order:

* host-local: ``type, ranges, routes, dataDir, resolvConf`` (each range ``subnet, rangeStart, rangeEnd,
  gateway``)
* whereabouts: ``type, range, range_start, range_end, exclude, ipRanges, gateway, routes, network_name,
  enable_overlapping_ranges, log_level, configuration_path, kubernetes`` (each ``ipRanges`` entry
  ``range, range_start, range_end, exclude``)
* dhcp: ``type, daemonSocketPath`` (the latter only if given)
* static: ``type, addresses, routes`` (each address ``address, gateway``; each route ``dst, gw``)

Keys without a value are left out. One range makes a top-level whereabouts ``range``; several make
``ipRanges`` entries only (whereabouts prepends a top-level ``range`` to ``ipRanges``; writing just one
of the two forms keeps the order obvious).

Entry points
------------
Builders translate, the check checks. ``translate_ipam(inputs)`` turns command-line strings into the block
and parses only what it must to write it: addresses and CIDRs, and which ``--range`` each value belongs
to (``range_start``, ``range_end`` and ``gateway`` take one value per range, each attached to the one
``--range`` that contains it, so dual stack is ``ranges=["10.1.0.0/24", "fd00:1::/64"],
range_start=["10.1.0.10"]``; whereabouts also takes ``first-last/prefix`` ranges, normalised to ``range`` +
``range_start`` + ``range_end``). It raises :class:`~multus_gen.errors.InputError` only for what it cannot
write at all (a malformed address, a value in no range, a flag the kind has no key for).
``build_ipam(kind, *, ranges, range_start, ...)`` / ``build_ipam_from(inputs)`` translate, then run
:func:`check_ipam_config` once on the result and raise the :func:`refusal` of its findings: the first one
refused, located at its flag by :mod:`multus_gen.networks.fields` (``--range --range-start --range-end
--gateway --exclude --route --address --dns --host-local-data-dir --network-name
--enable-overlapping-ranges --log-level``), naming the others.

``check_ipam_config(ipam, where=("ipam",))`` checks a block (as found in a NAD) and returns every
:class:`~multus_gen.findings.Finding`, each with its rule id (``ipam-range-outside-subnet``, ...); it never
raises for bad input.

Severity policy (a rule has one severity wherever it runs: :mod:`multus_gen.networks.rules`)
--------------------------------------------------------------------------------------------
* error: upstream rejects the config, or accepts it and then does something other than what it says
  (silently ignores a setting, hands out a network or broadcast address, cannot allocate at all).
* warning: upstream accepts it, or it is true but not fixable by the config -- whereabouts on IPv6 wider
  than /65, overlapping-range detection turned off, a static address shared by every pod, and what upstream
  accepts and its own tests use -- host bits in a whereabouts ``range``, leading zeros, a whereabouts
  ``range_start`` on the network address (whereabouts' own default), a gateway outside its subnet, an
  exclude reaching outside its range or window, a route for an address family the IPAM never assigns,
  unknown keys, dns that Kubernetes ignores. A warning is a warning for ``validate`` and the generators
  alike; the generators refuse errors only.

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

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface, IPv6Network
from typing import Any, ClassVar, TypeAlias

from multus_gen.errors import InputError
from multus_gen.findings import ERROR, NOWHERE, Finding, JsonPath, Location
from multus_gen.knowledge.k3s import K3sPaths
from multus_gen.networks.fields import flag_of
from multus_gen.networks.rules import SEVERITY
from multus_gen.record import record

IPAddress: TypeAlias = IPv4Address | IPv6Address
IPNetwork: TypeAlias = IPv4Network | IPv6Network
IPInterface: TypeAlias = IPv4Interface | IPv6Interface

IPAM_KINDS: tuple[str, ...] = ("host-local", "whereabouts", "dhcp", "static")
DHCP_SOCKET = "/run/cni/dhcp.sock"
WHEREABOUTS_LOG_LEVELS: tuple[str, ...] = ("debug", "verbose", "error", "panic")
#: CNI versions that allow only one address per family (host-local, static and whereabouts refuse more).
SINGLE_IP_CNI_VERSIONS: frozenset[str] = frozenset({"0.1.0", "0.2.0"})


# --------------------------------------------------------------------------------------------------
# Findings


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


def _prefix_loc(prefix: JsonPath) -> Loc:
    """A locator naming fields as JSON paths under ``prefix``."""

    def at(key: str) -> JsonPath:
        return (*prefix, key)

    return at


# --------------------------------------------------------------------------------------------------
# Address parsing

_V4_SLOPPY = re.compile(r"^[0-9]+(?:\.[0-9]+){3}$")


def _parse_ip(text: str, *, sloppy: bool = False) -> tuple[IPAddress, bool]:
    """Parse an IP address. ``sloppy`` accepts IPv4 octets with leading zeros (read as decimal, like
    whereabouts' ParseIPSloppy); the bool says whether that happened. Raises ValueError."""
    if not isinstance(text, str) or not text or "%" in text or text.strip() != text:
        raise ValueError(f"{text!r} is not an IP address")
    try:
        return ipaddress.ip_address(text), False
    except ValueError:
        if sloppy and _V4_SLOPPY.match(text):
            octets = [int(part, 10) for part in text.split(".")]
            if all(o <= 255 for o in octets):
                return IPv4Address(".".join(str(o) for o in octets)), True
    raise ValueError(f"{text!r} is not an IP address")


def _parse_cidr(text: str, *, sloppy: bool = False) -> tuple[IPAddress, IPNetwork, bool]:
    """Parse ``ip/prefix`` into (the ip as written, its network, leading zeros seen); raises ValueError."""
    if not isinstance(text, str) or text.count("/") != 1:
        raise ValueError(f"{text!r} is not a CIDR (address/prefix)")
    addr_text, plen_text = text.split("/")
    try:
        ip, sloppy_seen = _parse_ip(addr_text, sloppy=sloppy)
    except ValueError:
        raise ValueError(f"{text!r} is not a CIDR: {addr_text!r} is not an IP address") from None
    if not plen_text.isascii() or not plen_text.isdigit() or int(plen_text) > ip.max_prefixlen:
        raise ValueError(f"{text!r} has an invalid prefix length")
    # from the parsed address's integer: the same network as parsing f"{ip}/{prefix}", without a second parse
    net = (IPv4Network if ip.version == 4 else IPv6Network)((int(ip), int(plen_text)), strict=False)
    return ip, net, sloppy_seen


def _last(net: IPNetwork) -> IPAddress:
    return net.broadcast_address


def _first_usable(net: IPNetwork) -> IPAddress:
    return net.network_address + 1


def _last_usable(net: IPNetwork) -> IPAddress:
    return net.broadcast_address - 1


def _too_small(net: IPNetwork) -> bool:
    return net.prefixlen > net.max_prefixlen - 2


def _fam(v: int) -> str:
    return f"IPv{v}"


def overlap(a: tuple[IPAddress, IPAddress], b: tuple[IPAddress, IPAddress]) -> bool:
    """Whether two windows (first, last; inclusive) share an address."""
    if a[0].version != b[0].version:
        return False
    return int(a[0]) <= int(b[1]) and int(b[0]) <= int(a[1])


# --------------------------------------------------------------------------------------------------
# Models


@record
class Route:
    """A route in an IPAM block: ``{"dst": CIDR, "gw": IP}`` (gw optional)."""

    dst: IPNetwork
    gw: IPAddress | None = None

    def to_cni(self) -> dict[str, str]:
        out = {"dst": str(self.dst)}
        if self.gw is not None:
            out["gw"] = str(self.gw)
        return out


@record
class HostLocalRange:
    """One host-local range: a subnet and an optional window and gateway."""

    subnet: IPNetwork
    range_start: IPAddress | None = None
    range_end: IPAddress | None = None
    gateway: IPAddress | None = None

    @property
    def version(self) -> int:
        return self.subnet.version

    def effective_gateway(self) -> IPAddress:
        return self.gateway if self.gateway is not None else self.subnet.network_address + 1

    def window(self) -> tuple[IPAddress, IPAddress]:
        """host-local's canonical rangeStart..rangeEnd (defaults: network+1, and broadcast-1 on IPv4 or
        the last address on IPv6)."""
        start = self.range_start if self.range_start is not None else _first_usable(self.subnet)
        if self.range_end is not None:
            end = self.range_end
        elif self.subnet.version == 4:
            end = _last_usable(self.subnet)
        else:
            end = _last(self.subnet)
        return start, end

    def first_assignable(self) -> IPAddress | None:
        """The address a fresh host-local hands out first (the window start, skipping the gateway)."""
        start, end = self.window()
        gw = self.effective_gateway()
        ip = start
        while int(ip) <= int(end):
            if ip != gw:
                return ip
            ip = ip + 1
        return None

    def to_cni(self) -> dict[str, str]:
        out = {"subnet": str(self.subnet)}
        if self.range_start is not None:
            out["rangeStart"] = str(self.range_start)
        if self.range_end is not None:
            out["rangeEnd"] = str(self.range_end)
        if self.gateway is not None:
            out["gateway"] = str(self.gateway)
        return out


@record
class HostLocalIpam:
    """host-local: a list of range sets (one address per set), routes and an optional dataDir."""

    range_sets: tuple[tuple[HostLocalRange, ...], ...]
    routes: tuple[Route, ...] = ()
    data_dir: str | None = None
    resolv_conf: str | None = None

    kind: ClassVar[str] = "host-local"

    def families(self) -> frozenset[int]:
        return frozenset(r.version for s in self.range_sets for r in s)

    def to_cni(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "host-local"}
        out["ranges"] = [[r.to_cni() for r in s] for s in self.range_sets]
        if self.routes:
            out["routes"] = [r.to_cni() for r in self.routes]
        if self.data_dir is not None:
            out["dataDir"] = self.data_dir
        if self.resolv_conf is not None:
            out["resolvConf"] = self.resolv_conf
        return out


@record
class WhereaboutsRange:
    """One whereabouts range: a CIDR, an optional window and exclusions (CIDRs; an IP is a /32 or /128)."""

    range: IPNetwork
    range_start: IPAddress | None = None
    range_end: IPAddress | None = None
    exclude: tuple[IPNetwork, ...] = ()

    @property
    def version(self) -> int:
        return self.range.version

    def window(self) -> tuple[IPAddress, IPAddress]:
        """The window whereabouts really allocates from (its GetIPRange): start/end count only inside
        network+1..last-1, and an end before the start is dropped."""
        first, last = _first_usable(self.range), _last_usable(self.range)
        start = first
        rs = self.range_start
        if rs is not None and rs.version == first.version and int(first) <= int(rs) <= int(last):
            start = rs
        end = last
        re_ = self.range_end
        if re_ is not None and re_.version == first.version and int(start) <= int(re_) <= int(last):
            end = re_
        return start, end

    def first_assignable(self) -> IPAddress | None:
        """The address a fresh pool hands out first (window start, jumping over excluded CIDRs)."""
        start, end = self.window()
        ip = int(start)
        while ip <= int(end):
            hit = next((x for x in self.exclude if x.version == self.version and int(x[0]) <= ip <= int(x[-1])), None)
            if hit is None:
                return IPv4Address(ip) if self.version == 4 else IPv6Address(ip)
            ip = int(hit[-1]) + 1
        return None

    def to_cni(self) -> dict[str, Any]:
        out: dict[str, Any] = {"range": str(self.range)}
        if self.range_start is not None:
            out["range_start"] = str(self.range_start)
        if self.range_end is not None:
            out["range_end"] = str(self.range_end)
        if self.exclude:
            out["exclude"] = [str(x) for x in self.exclude]
        return out


@record
class WhereaboutsIpam:
    """whereabouts: a top-level range and/or ipRanges, one gateway for all, and the K3s file paths."""

    range: WhereaboutsRange | None = None
    ip_ranges: tuple[WhereaboutsRange, ...] = ()
    gateway: IPAddress | None = None
    routes: tuple[Route, ...] = ()
    network_name: str | None = None
    enable_overlapping_ranges: bool | None = None
    log_level: str | None = None
    configuration_path: str | None = None
    kubeconfig: str | None = None
    kind: ClassVar[str] = "whereabouts"

    def all_ranges(self) -> tuple[WhereaboutsRange, ...]:
        """Ranges in whereabouts' own order: the top-level range first, then ipRanges."""
        return ((self.range,) if self.range is not None else ()) + self.ip_ranges

    def families(self) -> frozenset[int]:
        return frozenset(r.version for r in self.all_ranges())

    def to_cni(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "whereabouts"}
        if self.range is not None:
            out.update(self.range.to_cni())
        if self.ip_ranges:
            out["ipRanges"] = [r.to_cni() for r in self.ip_ranges]
        if self.gateway is not None:
            out["gateway"] = str(self.gateway)
        if self.routes:
            out["routes"] = [r.to_cni() for r in self.routes]
        if self.network_name is not None:
            out["network_name"] = self.network_name
        if self.enable_overlapping_ranges is not None:
            out["enable_overlapping_ranges"] = self.enable_overlapping_ranges
        if self.log_level is not None:
            out["log_level"] = self.log_level
        if self.configuration_path is not None:
            out["configuration_path"] = self.configuration_path
        if self.kubeconfig is not None:
            out["kubernetes"] = {"kubeconfig": self.kubeconfig}
        return out


@record
class DhcpIpam:
    """dhcp: the daemon (run by the chart's ``<release>-dhcp`` DaemonSet) does the work."""

    daemon_socket_path: str | None = None

    kind: ClassVar[str] = "dhcp"

    def families(self) -> frozenset[int]:
        return frozenset({4})

    def to_cni(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "dhcp"}
        if self.daemon_socket_path is not None:
            out["daemonSocketPath"] = self.daemon_socket_path
        return out


@record
class StaticAddress:
    address: IPInterface
    gateway: IPAddress | None = None

    def to_cni(self) -> dict[str, str]:
        out = {"address": str(self.address)}
        if self.gateway is not None:
            out["gateway"] = str(self.gateway)
        return out


@record
class StaticIpam:
    """static: fixed addresses (every pod attached to the NAD gets the same ones) and routes."""

    addresses: tuple[StaticAddress, ...]
    routes: tuple[Route, ...] = ()

    kind: ClassVar[str] = "static"

    def families(self) -> frozenset[int]:
        return frozenset(a.address.version for a in self.addresses)

    def to_cni(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "static", "addresses": [a.to_cni() for a in self.addresses]}
        if self.routes:
            out["routes"] = [r.to_cni() for r in self.routes]
        return out


IpamModel: TypeAlias = HostLocalIpam | WhereaboutsIpam | DhcpIpam | StaticIpam


# --------------------------------------------------------------------------------------------------
# Semantic rules on models (the check's; ``at`` names the field's JSON path)


def _rule_hostlocal_range(r: HostLocalRange, at: Loc, out: Collector) -> bool:
    """Rules for one host-local range; returns False if it is broken enough to skip set-level rules."""
    before = out.count_errors()
    net = r.subnet
    if _too_small(net):
        out.add(
            "ipam-range-too-small",
            at("subnet"),
            f"{net} is too small to allocate from (host-local needs at least /{net.max_prefixlen - 2})",
            fix=f"use a prefix of /{net.max_prefixlen - 2} or shorter",
        )
        return False
    low = net.network_address + 1
    high = _last_usable(net) if net.version == 4 else _last(net)
    what_high = "broadcast address" if net.version == 4 else "last address"
    for key, ip in (("rangeStart", r.range_start), ("rangeEnd", r.range_end)):
        if ip is None:
            continue
        if ip.version != net.version:
            out.add(
                "ipam-family-mismatch", at(key), f"{ip} is {_fam(ip.version)} but subnet {net} is {_fam(net.version)}"
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
                f"gateway {gw} is {_fam(gw.version)} but subnet {net} is {_fam(net.version)}",
            )
        elif gw not in net:
            out.add(
                "ipam-gateway-outside-subnet",
                at("gateway"),
                f"gateway {gw} is outside subnet {net}; pods cannot reach it on-link",
                fix=f"use an address in {net}",
            )
    if out.count_errors() == before and r.first_assignable() is None:
        out.add(
            "ipam-window-gateway-only",
            at("rangeStart"),
            f"the window {start}-{end} holds only the gateway {r.effective_gateway()}; host-local allocates nothing",
            fix="widen the window or move the gateway",
        )
    return out.count_errors() == before


def _rule_hostlocal_sets(
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
    if cni_version in SINGLE_IP_CNI_VERSIONS:
        per_family: dict[int, int] = {}
        for items in sets:
            for v in {r.version for r, _, _ in items}:
                per_family[v] = per_family.get(v, 0) + 1
        for v, n in sorted(per_family.items()):
            if n > 1:
                out.add(
                    "ipam-one-address-per-family",
                    set_at(len(sets) - 1),
                    f"CNI version {cni_version} allows one address per family; {n} range sets are {_fam(v)}",
                    fix="use cniVersion 0.3.1 or later",
                )


def _rule_whereabouts_range(r: WhereaboutsRange, at: Loc, out: Collector, *, from_dash: bool = False) -> bool:
    before = out.count_errors()
    net = r.range
    if _too_small(net):
        out.add(
            "ipam-range-too-small",
            at("range"),
            f"{net} is too small to allocate from (whereabouts needs at least /{net.max_prefixlen - 2})",
            fix=f"use a prefix of /{net.max_prefixlen - 2} or shorter",
        )
        return False
    first, last = _first_usable(net), _last_usable(net)
    for key, ip in (("range_start", r.range_start), ("range_end", r.range_end)):
        if ip is None:
            continue
        k = "range" if from_dash else key
        if ip.version != net.version:
            out.add(
                "ipam-family-mismatch",
                at(k),
                f"{key} {ip} is {_fam(ip.version)} but range {net} is {_fam(net.version)}",
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
                f"exclude {x} is {_fam(x.version)} but range {net} is {_fam(net.version)}",
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


def _rule_whereabouts_set(
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
    if cni_version in SINGLE_IP_CNI_VERSIONS:
        fams = [r.version for r, _, _ in items]
        for v in (4, 6):
            if fams.count(v) > 1:
                out.add(
                    "ipam-one-address-per-family",
                    items[-1][1]("range"),
                    f"CNI version {cni_version} allows one address per family; {fams.count(v)} ranges are {_fam(v)}",
                    fix="use cniVersion 0.3.1 or later",
                )


def _rule_routes(routes: Sequence[tuple[Route, JsonPath]], families: frozenset[int], out: Collector) -> None:
    for route, path in routes:
        if route.gw is not None and route.gw.version != route.dst.version:
            out.add(
                "ipam-route-gateway-family",
                path,
                f"route to {route.dst} has an {_fam(route.gw.version)} gateway {route.gw}",
            )
        elif families and route.dst.version not in families:
            out.add(
                "ipam-route-family-unassigned",
                path,
                f"route to {route.dst} is {_fam(route.dst.version)} but this IPAM assigns no "
                f"{_fam(route.dst.version)} address",
                fix="drop the route or add a range of that family",
            )


def _rule_gateway_in(gw: IPAddress, nets: Sequence[IPNetwork], path: JsonPath, out: Collector) -> None:
    if not nets:
        return
    same = [n for n in nets if n.version == gw.version]
    if not same:
        out.add(
            "ipam-gateway-outside-subnet",
            path,
            f"gateway {gw} is {_fam(gw.version)} but no range is",
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


def _rule_static_addresses(
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
                    f"gateway {a.gateway} is {_fam(a.gateway.version)} but address {iface} is {_fam(ip.version)}",
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


# --------------------------------------------------------------------------------------------------
# Checker: an existing ipam block (JSON) -> findings

_HOSTLOCAL_KEYS = frozenset(
    {"type", "ranges", "subnet", "rangeStart", "rangeEnd", "gateway", "routes", "dataDir", "resolvConf"}
)
_HOSTLOCAL_RANGE_KEYS = frozenset({"subnet", "rangeStart", "rangeEnd", "gateway"})
_WHEREABOUTS_KEYS = frozenset(
    {
        "type",
        "range",
        "range_start",
        "range_end",
        "exclude",
        "ipRanges",
        "gateway",
        "routes",
        "dns",
        "network_name",
        "enable_overlapping_ranges",
        "node_slice_size",
        "configuration_path",
        "kubernetes",
        "log_file",
        "log_level",
        "leader_lease_duration",
        "leader_renew_deadline",
        "leader_retry_period",
        "reconciler_cron_expression",
        "datastore",
        "sleep_for_race",
        "addresses",
    }
)
_WHEREABOUTS_RANGE_KEYS = frozenset({"range", "range_start", "range_end", "exclude"})
_DHCP_KEYS = frozenset({"type", "daemonSocketPath", "request", "provide"})
#: Keys that mean something to another IPAM but that dhcp silently ignores.
_DHCP_IGNORED = frozenset(
    {
        "ranges",
        "subnet",
        "rangeStart",
        "rangeEnd",
        "range",
        "range_start",
        "range_end",
        "ipRanges",
        "exclude",
        "gateway",
        "routes",
        "addresses",
        "dns",
        "dataDir",
    }
)
_STATIC_KEYS = frozenset({"type", "addresses", "routes", "dns"})
_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _str_field(obj: Mapping[str, Any], key: str, path: JsonPath, out: Collector) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        out.add("ipam-malformed", path, f"{key} must be a string, not {type(value).__name__}")
        return None
    return value


def _json_ip(
    obj: Mapping[str, Any], key: str, path: JsonPath, out: Collector, *, sloppy: bool = False
) -> IPAddress | None:
    text = _str_field(obj, key, path, out)
    if text is None:
        return None
    try:
        ip, zeros = _parse_ip(text, sloppy=sloppy)
    except ValueError:
        out.add("ipam-malformed", path, f"{key} {text!r} is not an IP address")
        return None
    if zeros:
        out.add(
            "ipam-leading-zeros",
            path,
            f"{text!r} has leading zeros; whereabouts reads them as decimal {ip}, other tools as octal",
            fix=f"write {ip}",
        )
    return ip


def _unknown_keys(obj: Mapping[str, Any], known: frozenset[str], where: JsonPath, what: str, out: Collector) -> None:
    for key in sorted(k for k in obj if k not in known):
        out.add("ipam-unknown-key", (*where, key), f"{what} does not know key {key!r}; it is ignored", fix="remove it")


def _load_routes(value: Any, where: JsonPath, out: Collector) -> list[tuple[Route, JsonPath]]:
    routes: list[tuple[Route, JsonPath]] = []
    if value is None:
        return routes
    if not isinstance(value, list):
        out.add("ipam-malformed", where, "routes must be a list of {dst, gw} objects")
        return routes
    for i, item in enumerate(value):
        path = (*where, i)
        if not isinstance(item, dict):
            out.add("ipam-malformed", path, "a route must be an object with dst and optional gw")
            continue
        dst_text = item.get("dst")
        if not isinstance(dst_text, str):
            out.add(
                "ipam-malformed",
                (*path, "dst"),
                "route dst is missing or not a string",
                fix="write a CIDR such as 0.0.0.0/0",
            )
            continue
        try:
            ip, net, _ = _parse_cidr(dst_text)
        except ValueError as exc:
            out.add("ipam-malformed", (*path, "dst"), str(exc))
            continue
        if ip != net.network_address:
            out.add(
                "ipam-route-host-bits",
                (*path, "dst"),
                f"route dst {dst_text} has host bits set; the kernel route is {net}",
                fix=f"write {net}",
            )
        gw = _json_ip(item, "gw", (*path, "gw"), out)
        for key in sorted(k for k in item if k not in ("dst", "gw")):
            out.add(
                "ipam-unknown-key",
                (*path, key),
                f"route key {key!r} is ignored by the CNI plugins multus-gen targets",
                fix="remove it",
            )
        routes.append((Route(net, gw), path))
    return routes


def _load_hostlocal(
    ipam: Mapping[str, Any], where: JsonPath, out: Collector, cni_version: str | None
) -> HostLocalIpam | None:
    _unknown_keys(ipam, _HOSTLOCAL_KEYS, where, "host-local", out)
    sets: list[list[tuple[HostLocalRange, Loc, bool]]] = []
    set_paths: list[JsonPath] = []

    def load_range(obj: Mapping[str, Any], at: Loc) -> tuple[HostLocalRange, Loc, bool] | None:
        text = obj.get("subnet")
        if not isinstance(text, str):
            out.add(
                "ipam-malformed",
                at("subnet"),
                "subnet is missing or not a string",
                fix="write a CIDR such as 10.1.0.0/24",
            )
            return None
        try:
            ip, net, _ = _parse_cidr(text)
        except ValueError as exc:
            out.add("ipam-malformed", at("subnet"), str(exc))
            return None
        if ip != net.network_address:
            out.add(
                "ipam-subnet-host-bits",
                at("subnet"),
                f"subnet {text} has host bits set; the network address is {net.network_address}",
                fix=f"write {net}",
            )
            return None
        before = out.count_errors()
        start = _json_ip(obj, "rangeStart", at("rangeStart"), out)
        end = _json_ip(obj, "rangeEnd", at("rangeEnd"), out)
        gw = _json_ip(obj, "gateway", at("gateway"), out)
        if out.count_errors() != before:
            return None
        r = HostLocalRange(net, start, end, gw)
        return r, at, _rule_hostlocal_range(r, at, out)

    # Legacy single-range form: top-level subnet (host-local puts it before `ranges`).
    if "subnet" in ipam:
        loaded = load_range(ipam, lambda k: (*where, k))
        set_paths.append(where)
        sets.append([loaded] if loaded else [])
        out.add(
            "ipam-legacy-subnet",
            (*where, "subnet"),
            "legacy top-level subnet form",
            fix="move it into ranges: [[{subnet: ...}]]",
        )
    else:
        for key in ("rangeStart", "rangeEnd", "gateway"):
            if key in ipam:
                out.add(
                    "ipam-key-ignored",
                    (*where, key),
                    f"top-level {key} without a top-level subnet is ignored by host-local",
                    fix="put it into a range in ranges",
                )
    ranges = ipam.get("ranges")
    if ranges is not None:
        if not isinstance(ranges, list):
            out.add("ipam-malformed", (*where, "ranges"), "ranges must be a list of range sets (lists of ranges)")
            ranges = []
        for i, rs in enumerate(ranges):
            spath = (*where, "ranges", i)
            set_paths.append(spath)
            if not isinstance(rs, list) or not rs:
                out.add("ipam-malformed", spath, "a range set must be a non-empty list of ranges")
                sets.append([])
                continue
            items: list[tuple[HostLocalRange, Loc, bool]] = []
            for j, robj in enumerate(rs):
                rpath = (*spath, j)
                if not isinstance(robj, dict):
                    out.add(
                        "ipam-malformed", rpath, "a range must be an object with subnet, rangeStart, rangeEnd, gateway"
                    )
                    continue
                _unknown_keys(robj, _HOSTLOCAL_RANGE_KEYS, rpath, "host-local range", out)
                loaded = load_range(robj, _prefix_loc(rpath))
                if loaded:
                    items.append(loaded)
            sets.append(items)
    if not set_paths:
        out.add(
            "ipam-no-range",
            (*where, "ranges"),
            "host-local needs at least one range (ranges, or the legacy subnet)",
            fix="add a range such as 10.1.0.0/24",
        )
    _rule_hostlocal_sets(sets, lambda i: set_paths[i], out, cni_version)
    routes = _load_routes(ipam.get("routes"), (*where, "routes"), out)
    model = HostLocalIpam(
        tuple(tuple(r for r, _, _ in s) for s in sets),
        tuple(r for r, _ in routes),
        _str_field(ipam, "dataDir", (*where, "dataDir"), out),
        _str_field(ipam, "resolvConf", (*where, "resolvConf"), out),
    )
    _rule_routes(routes, model.families(), out)
    if model.data_dir is not None and not model.data_dir.startswith("/"):
        out.add("ipam-data-dir-relative", (*where, "dataDir"), f"dataDir {model.data_dir!r} is not an absolute path")
    return model


def _load_wa_range(obj: Mapping[str, Any], at: Loc, out: Collector) -> tuple[WhereaboutsRange, bool] | None:
    """Parse one whereabouts range (top-level keys or an ipRanges entry); returns (range, rules ok)."""
    text = obj.get("range")
    if not isinstance(text, str):
        out.add(
            "ipam-malformed", at("range"), "range is missing or not a string", fix="write a CIDR such as 10.1.0.0/24"
        )
        return None
    before = out.count_errors()
    from_dash = False
    start: IPAddress | None
    end: IPAddress | None
    try:
        if "-" in text:
            first_text, cidr_text = text.split("-", 1)
            first, zeros1 = _parse_ip(first_text, sloppy=True)
            last, net, zeros2 = _parse_cidr(cidr_text, sloppy=True)
            if first.version != net.version:
                out.add(
                    "ipam-family-mismatch", at("range"), f"range {text!r} mixes IPv{first.version} and IPv{net.version}"
                )
                return None
            if first not in net:
                out.add(
                    "ipam-range-outside-subnet",
                    at("range"),
                    f"range start {first} is not in {net} (whereabouts refuses this)",
                )
                return None
            start, end, from_dash = first, last, True
            zeros = zeros1 or zeros2
            for key in ("range_start", "range_end"):
                if obj.get(key) is not None:
                    out.add(
                        "ipam-window-given-twice",
                        at(key),
                        f"{key} is overridden by the first-last form of range {text!r}",
                        fix="give the window in one place only",
                    )
        else:
            ip, net, zeros = _parse_cidr(text, sloppy=True)
            if ip != net.network_address:
                out.add(
                    "ipam-range-host-bits",
                    at("range"),
                    f"range {text} has host bits set; whereabouts uses {net} and ignores them",
                    fix=f"write {net} (set range_start to start elsewhere)",
                )
            start = _json_ip(obj, "range_start", at("range_start"), out, sloppy=True)
            end = _json_ip(obj, "range_end", at("range_end"), out, sloppy=True)
    except ValueError as exc:
        out.add("ipam-malformed", at("range"), f"range: {exc}")
        return None
    if zeros:
        out.add(
            "ipam-leading-zeros",
            at("range"),
            f"range {text!r} has leading zeros (whereabouts reads them as decimal)",
            fix="write the addresses without leading zeros",
        )
    excludes: list[IPNetwork] = []
    raw_ex = obj.get("exclude")
    if raw_ex is not None:
        if not isinstance(raw_ex, list) or not all(isinstance(x, str) for x in raw_ex):
            out.add("ipam-malformed", at("exclude"), "exclude must be a list of CIDR or IP strings")
        else:
            for x in raw_ex:
                try:
                    if "/" in x:
                        xip, xnet, _ = _parse_cidr(x)
                        if xip != xnet.network_address:
                            out.add(
                                "ipam-exclude-host-bits",
                                at("exclude"),
                                f"exclude {x} has host bits set; whereabouts excludes {xnet}",
                                fix=f"write {xnet}",
                            )
                    else:
                        xip, _ = _parse_ip(x)
                        xnet = ipaddress.ip_network(xip)
                except ValueError:
                    out.add(
                        "ipam-malformed",
                        at("exclude"),
                        f"exclude {x!r} is not a CIDR or an IP address (whereabouts fails "
                        "with 'could not parse exclude range' when allocating)",
                    )
                    continue
                excludes.append(xnet)
    if out.count_errors() != before:
        return None
    r = WhereaboutsRange(net, start, end, tuple(excludes))
    return r, _rule_whereabouts_range(r, at, out, from_dash=from_dash)


def _load_whereabouts(
    ipam: Mapping[str, Any], where: JsonPath, out: Collector, cni_version: str | None, k3s_paths: K3sPaths | None
) -> WhereaboutsIpam | None:
    _unknown_keys(ipam, _WHEREABOUTS_KEYS, where, "whereabouts", out)
    items: list[tuple[WhereaboutsRange, Loc, bool]] = []
    top: WhereaboutsRange | None = None
    if ipam.get("range") is not None:
        loaded = _load_wa_range(ipam, lambda k: (*where, k), out)
        if loaded:
            top = loaded[0]
            items.append((loaded[0], lambda k: (*where, k), loaded[1]))
    else:
        for key in ("range_start", "range_end", "exclude"):
            if ipam.get(key) is not None:
                out.add(
                    "ipam-key-ignored",
                    (*where, key),
                    f"top-level {key} without a top-level range is dropped by whereabouts",
                    fix="move it into the ipRanges entry it belongs to",
                )
    extra: list[WhereaboutsRange] = []
    raw = ipam.get("ipRanges")
    if raw is not None:
        if not isinstance(raw, list):
            out.add(
                "ipam-malformed",
                (*where, "ipRanges"),
                "ipRanges must be a list of {range, range_start, range_end, exclude}",
            )
            raw = []
        for i, obj in enumerate(raw):
            base = (*where, "ipRanges", i)
            if not isinstance(obj, dict):
                out.add(
                    "ipam-malformed",
                    base,
                    "an ipRanges entry must be an object with range, range_start, range_end, exclude",
                )
                continue
            _unknown_keys(obj, _WHEREABOUTS_RANGE_KEYS, base, "whereabouts ipRanges entry", out)
            at = _prefix_loc(base)
            loaded = _load_wa_range(obj, at, out)
            if loaded:
                extra.append(loaded[0])
                items.append((loaded[0], at, loaded[1]))
    if ipam.get("range") is None and not raw:
        out.add(
            "ipam-no-range",
            (*where, "range"),
            "whereabouts needs at least one range (range or ipRanges)",
            fix="add a range such as 10.1.0.0/24",
        )
    _rule_whereabouts_set(items, out, cni_version)
    gateway = _json_ip(ipam, "gateway", (*where, "gateway"), out, sloppy=True)
    if gateway is not None:
        _rule_gateway_in(gateway, [r.range for r, _, _ in items], (*where, "gateway"), out)
    routes = _load_routes(ipam.get("routes"), (*where, "routes"), out)
    network_name = _str_field(ipam, "network_name", (*where, "network_name"), out)
    if network_name is not None and not _NAME_RE.match(network_name):
        out.add(
            "ipam-network-name-invalid",
            (*where, "network_name"),
            f"network_name {network_name!r} is not a lowercase DNS label; the IPPool name built from it "
            "would be refused by the API server",
            fix="use lowercase letters, digits and '-'",
        )
    overlapping = ipam.get("enable_overlapping_ranges")
    if overlapping is not None and not isinstance(overlapping, bool):
        out.add(
            "ipam-malformed", (*where, "enable_overlapping_ranges"), "enable_overlapping_ranges must be true or false"
        )
        overlapping = None
    if overlapping is False:
        out.add(
            "ipam-overlapping-ranges-off",
            (*where, "enable_overlapping_ranges"),
            "overlapping-range detection is off: another NAD's overlapping range can hand out the same IP",
        )
    log_level = _str_field(ipam, "log_level", (*where, "log_level"), out)
    if log_level is not None and log_level not in WHEREABOUTS_LOG_LEVELS:
        out.add(
            "ipam-log-level-invalid",
            (*where, "log_level"),
            f"log_level {log_level!r} is not one of {', '.join(WHEREABOUTS_LOG_LEVELS)}",
        )
    conf_path = _str_field(ipam, "configuration_path", (*where, "configuration_path"), out)
    kube = ipam.get("kubernetes")
    kubeconfig: str | None = None
    if kube is not None:
        if not isinstance(kube, dict):
            out.add("ipam-malformed", (*where, "kubernetes"), "kubernetes must be an object with kubeconfig")
        else:
            kubeconfig = _str_field(kube, "kubeconfig", (*where, "kubernetes", "kubeconfig"), out)
    if k3s_paths is not None:
        if conf_path != k3s_paths.whereabouts_conf:
            out.add(
                "ipam-k3s-paths",
                (*where, "configuration_path"),
                f"on K3s whereabouts must read {k3s_paths.whereabouts_conf} (got {conf_path!r}); "
                "otherwise it searches /etc/cni/net.d and fails",
                fix=f"set configuration_path: {k3s_paths.whereabouts_conf}",
            )
        if kubeconfig != k3s_paths.whereabouts_kubeconfig:
            out.add(
                "ipam-k3s-paths",
                (*where, "kubernetes", "kubeconfig"),
                f"on K3s the whereabouts kubeconfig is {k3s_paths.whereabouts_kubeconfig} (got {kubeconfig!r})",
                fix=f"set kubernetes.kubeconfig: {k3s_paths.whereabouts_kubeconfig}",
            )
    elif conf_path is None and kubeconfig is None:
        out.add(
            "ipam-no-kubeconfig",
            (*where, "kubernetes", "kubeconfig"),
            "no kubernetes.kubeconfig and no configuration_path: whereabouts finds its kubeconfig only in a "
            "flat file under /etc/cni/net.d, which K3s does not have",
            fix="set configuration_path and kubernetes.kubeconfig to the K3s whereabouts.d files",
        )
    if ipam.get("dns") is not None:
        out.add(
            "ipam-dns-ignored",
            (*where, "dns"),
            "Kubernetes ignores DNS from CNI results (kubelet writes resolv.conf)",
            fix="use the pod's spec.dnsConfig",
        )
    datastore = ipam.get("datastore")
    if datastore is not None and datastore != "kubernetes":
        out.add(
            "ipam-datastore",
            (*where, "datastore"),
            f"datastore {datastore!r}: whereabouts v0.9 keeps its pools in Kubernetes",
        )
    nss = ipam.get("node_slice_size")
    if nss is not None:
        text = str(nss).lstrip("/")
        if not isinstance(nss, str) or not text.isdigit():
            out.add(
                "ipam-node-slice-size",
                (*where, "node_slice_size"),
                f"node_slice_size {nss!r} is not a prefix length such as /26",
            )
        else:
            for r, _at, ok in items:
                if ok and not r.range.prefixlen < int(text) <= r.range.max_prefixlen - 2:
                    out.add(
                        "ipam-node-slice-size",
                        (*where, "node_slice_size"),
                        f"node_slice_size /{text} does not divide range {r.range} into usable slices",
                    )
    model = WhereaboutsIpam(
        range=top,
        ip_ranges=tuple(extra),
        gateway=gateway,
        routes=tuple(r for r, _ in routes),
        network_name=network_name,
        enable_overlapping_ranges=overlapping,
        log_level=log_level,
        configuration_path=conf_path,
        kubeconfig=kubeconfig,
    )
    _rule_routes(routes, model.families(), out)
    return model


def _load_dhcp(ipam: Mapping[str, Any], where: JsonPath, out: Collector) -> DhcpIpam:
    for key in sorted(ipam):
        if key in _DHCP_IGNORED:
            out.add(
                "ipam-dhcp-ignored-key",
                (*where, key),
                f"dhcp ignores {key!r}: addresses and routes come from the DHCP server",
                fix="remove it, or use whereabouts/host-local/static",
            )
        elif key not in _DHCP_KEYS:
            out.add(
                "ipam-unknown-key", (*where, key), f"dhcp does not know key {key!r}; it is ignored", fix="remove it"
            )
    sock = _str_field(ipam, "daemonSocketPath", (*where, "daemonSocketPath"), out)
    if sock is not None and sock != DHCP_SOCKET:
        out.add(
            "ipam-dhcp-socket",
            (*where, "daemonSocketPath"),
            f"the rke2-multus dhcp DaemonSet listens on {DHCP_SOCKET}, not {sock}",
        )
    for key in ("request", "provide"):
        opts = ipam.get(key)
        if opts is not None and (not isinstance(opts, list) or not all(isinstance(o, dict) for o in opts)):
            out.add("ipam-malformed", (*where, key), f"{key} must be a list of option objects")
    return DhcpIpam(sock)


def _load_static(ipam: Mapping[str, Any], where: JsonPath, out: Collector, cni_version: str | None) -> StaticIpam:
    _unknown_keys(ipam, _STATIC_KEYS, where, "static", out)
    items: list[tuple[StaticAddress, JsonPath]] = []
    raw = ipam.get("addresses")
    if raw is None or raw == []:
        out.add(
            "ipam-static-no-addresses",
            (*where, "addresses"),
            "no addresses: every pod must pass its own in the network annotation (ips), which needs "
            'capabilities {"ips": true} on the plugin',
            fix="give the NAD an address such as 10.1.0.5/24",
        )
    elif not isinstance(raw, list):
        out.add("ipam-malformed", (*where, "addresses"), "addresses must be a list of {address, gateway}")
    else:
        for i, obj in enumerate(raw):
            path = (*where, "addresses", i)
            if not isinstance(obj, dict) or not isinstance(obj.get("address"), str):
                out.add("ipam-malformed", path, "an address must be an object with address (CIDR) and optional gateway")
                continue
            try:
                ip, net, _ = _parse_cidr(obj["address"])
            except ValueError as exc:
                out.add("ipam-malformed", (*path, "address"), str(exc))
                continue
            gw = _json_ip(obj, "gateway", (*path, "gateway"), out)
            items.append((StaticAddress(ipaddress.ip_interface(f"{ip}/{net.prefixlen}"), gw), path))
    _rule_static_addresses(items, out, cni_version)
    routes = _load_routes(ipam.get("routes"), (*where, "routes"), out)
    model = StaticIpam(tuple(a for a, _ in items), tuple(r for r, _ in routes))
    _rule_routes(routes, model.families(), out)
    if ipam.get("dns") is not None:
        out.add(
            "ipam-dns-ignored",
            (*where, "dns"),
            "Kubernetes ignores DNS from CNI results (kubelet writes resolv.conf)",
            fix="use the pod's spec.dnsConfig",
        )
    return model


def load_ipam(
    ipam: object,
    where: JsonPath = ("ipam",),
    *,
    cni_version: str | None = None,
    k3s_paths: K3sPaths | None = None,
    base: Location = NOWHERE,
) -> tuple[IpamModel | None, list[Finding]]:
    """Parse and check an IPAM block at JSON path ``where`` (under ``base``: a file, a document). Returns the
    model (None if it could not be parsed or the type is not one of :data:`IPAM_KINDS`) and every finding."""
    out = Collector(base)
    if not isinstance(ipam, dict):
        out.add("ipam-malformed", where, "ipam must be an object")
        return None, out.items
    kind = ipam.get("type")
    model: IpamModel | None = None
    if not isinstance(kind, str) or not kind:
        out.add(
            "ipam-type-missing", (*where, "type"), "ipam.type is missing", fix=f"use one of {', '.join(IPAM_KINDS)}"
        )
    elif kind == "host-local":
        model = _load_hostlocal(ipam, where, out, cni_version)
    elif kind == "whereabouts":
        model = _load_whereabouts(ipam, where, out, cni_version, k3s_paths)
    elif kind == "dhcp":
        model = _load_dhcp(ipam, where, out)
    elif kind == "static":
        model = _load_static(ipam, where, out, cni_version)
    else:
        out.add("ipam-type-unknown", (*where, "type"), f"IPAM type {kind!r} is not one multus-gen checks")
    return model, out.items


def check_ipam_config(
    ipam: object,
    where: JsonPath = ("ipam",),
    *,
    cni_version: str | None = None,
    k3s_paths: K3sPaths | None = None,
    base: Location = NOWHERE,
) -> list[Finding]:
    """Check an IPAM block as found in a NAD's ``spec.config``; see the module docstring for severities.

    ``cni_version`` enables the one-address-per-family rule of CNI 0.1.0/0.2.0; ``k3s_paths`` requires
    whereabouts' ``configuration_path`` and ``kubernetes.kubeconfig`` to be the K3s files.
    """
    return load_ipam(ipam, where, cni_version=cni_version, k3s_paths=k3s_paths, base=base)[1]


def ipam_families(ipam: object) -> frozenset[int]:
    """The address families (4, 6) an IPAM block assigns, as far as it can be parsed."""
    model, _ = load_ipam(ipam)
    return model.families() if model is not None else frozenset()


# --------------------------------------------------------------------------------------------------
# Builder: command-line strings -> ipam block


def _one_or_many(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@record
class IpamInputs:
    """What the user asked for, as strings (one field per CLI flag; see :func:`build_ipam`)."""

    kind: str
    ranges: tuple[str, ...] = ()
    range_start: tuple[str, ...] = ()
    range_end: tuple[str, ...] = ()
    gateway: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()
    dns: tuple[str, ...] = ()
    data_dir: str | None = None
    network_name: str | None = None
    enable_overlapping_ranges: bool | None = None
    log_level: str | None = None


def _flag_ip(text: str, flag: str) -> IPAddress:
    try:
        return _parse_ip(text)[0]
    except ValueError:
        raise InputError(f"{text!r} is not an IP address", where=flag, fix="write e.g. 10.1.0.10 or fd00::10") from None


def _flag_net(text: str, flag: str, what: str) -> IPNetwork:
    try:
        ip, net, _ = _parse_cidr(text)
    except ValueError as exc:
        raise InputError(f"{what}: {exc}", where=flag, fix="write e.g. 10.1.0.0/24 or fd00:1::/64") from None
    if ip != net.network_address:
        raise InputError(
            f"{what} {text} has host bits set; the network address is {net.network_address}",
            where=flag,
            fix=f"write {net}",
        )
    return net


def _flag_route(text: str) -> Route:
    dst_text, _, gw_text = text.partition(",")
    dst = _flag_net(dst_text.strip(), "--route", "route destination")
    gw = _flag_ip(gw_text.strip(), "--route") if gw_text.strip() else None
    return Route(dst, gw)


#: IpamInputs field -> the CLI flag that sets it.
FLAGS: dict[str, str] = {
    "dns": "--dns",
    "ranges": "--range",
    "range_start": "--range-start",
    "range_end": "--range-end",
    "gateway": "--gateway",
    "excludes": "--exclude",
    "routes": "--route",
    "addresses": "--address",
    "data_dir": "--host-local-data-dir",
    "network_name": "--network-name",
    "enable_overlapping_ranges": "--enable-overlapping-ranges",
    "log_level": "--log-level",
}
#: The inputs each kind translates into a key of its config; any other input has no place in it.
_TRANSLATED: dict[str, frozenset[str]] = {
    "dhcp": frozenset(),
    "static": frozenset({"addresses", "routes"}),
    "host-local": frozenset({"ranges", "range_start", "range_end", "gateway", "routes", "data_dir"}),
    "whereabouts": frozenset(
        {"ranges", "range_start", "range_end", "gateway", "excludes", "routes"}
        | {"network_name", "enable_overlapping_ranges", "log_level"}
    ),
}


def _attach(
    values: Sequence[IPAddress],
    nets: Sequence[IPNetwork],
    flag: str,
    taken: dict[int, IPAddress] | None = None,
) -> dict[int, IPAddress]:
    """Attach each address to the one range containing it."""
    attached: dict[int, IPAddress] = dict(taken or {})
    for ip in values:
        hits = [i for i, n in enumerate(nets) if n.version == ip.version and ip in n]
        shown = ", ".join(str(n) for n in nets)
        if not hits:
            raise InputError(
                f"{ip} is in none of the ranges ({shown})",
                where=flag,
                fix="give an address inside one --range",
            )
        if len(hits) > 1:
            raise InputError(f"{ip} lies in several ranges ({shown})", where=flag, fix="make the ranges disjoint")
        if hits[0] in attached:
            raise InputError(
                f"two {flag} values for range {nets[hits[0]]}", where=flag, fix=f"give one {flag} per range"
            )
        attached[hits[0]] = ip
    return attached


def _ipv6(value: object) -> str | None:
    return next((v for v in value if ":" in v), None) if isinstance(value, tuple) else None


def _untranslatable(inputs: IpamInputs) -> InputError | None:
    """The refusal of the first input that a config of its kind has no key for (the builder would have to
    drop it): ``--dns`` first, then on dhcp an IPv6 value, then the rest in :data:`FLAGS` order."""
    kind = inputs.kind
    given = [(n, f, getattr(inputs, n)) for n, f in FLAGS.items() if n not in _TRANSLATED[kind]]
    given = [g for g in given if g[2] not in (None, ())]
    if not given:
        return None
    if kind == "dhcp":
        given.sort(key=lambda g: g[0] != "dns" and _ipv6(g[2]) is None)
    name, flag, value = given[0]
    fix = None
    if name == "dns":
        why = "Kubernetes ignores DNS from CNI results (kubelet writes the pod's resolv.conf)"
        fix = "set spec.dnsConfig on the pod instead"
    elif kind == "dhcp" and _ipv6(value) is not None:
        why = f"{_ipv6(value)}: DHCP is IPv4 only (the dhcp plugin has no DHCPv6 client)"
        fix = "use whereabouts or host-local for IPv6"
    elif kind == "dhcp":
        why = f"dhcp takes no {flag}: addresses, gateway and routes come from the DHCP server"
    elif kind == "static":
        why = f"static takes no {flag}; give --address CIDR[,GW]"
    elif name == "excludes":
        why = "host-local has no exclude; narrow the window with --range-start/--range-end"
    elif name in ("network_name", "enable_overlapping_ranges", "log_level"):
        why = f"{flag} is a whereabouts setting; host-local would ignore it"
    elif name == "addresses":
        why = "whereabouts takes --range, not --address"
    else:
        why = "dataDir is a host-local setting; whereabouts keeps its pools in Kubernetes"
    return InputError(why, where=flag, fix=fix, rule="ipam-flag-not-for-kind")


def translate_ipam(inputs: IpamInputs, *, k3s_paths: K3sPaths | None = None) -> tuple[dict[str, Any], Origins]:
    """The ``ipam`` block ``inputs`` ask for, unchecked, and where it differs from :mod:`.fields` the flag
    that set a key (paths from ``("ipam", ...)``).

    It only parses what it must to write the JSON: addresses and CIDRs, and which ``--range`` each
    ``--range-start``, ``--range-end``, ``--gateway`` and ``--exclude`` belongs to; whether the result is
    right is :func:`check_ipam_config`'s to say. Raises InputError when a flag cannot be written at all.
    """
    kind = inputs.kind
    if kind not in IPAM_KINDS:
        raise InputError(f"unknown IPAM {kind!r}", where="--ipam", fix=f"use one of {', '.join(IPAM_KINDS)}")
    refused = _untranslatable(inputs)
    if refused is not None:
        raise refused
    routes = tuple(_flag_route(t) for t in inputs.routes)
    origins: Origins = {}
    model: IpamModel
    if kind == "dhcp":
        model = DhcpIpam()
    elif kind == "static":
        addrs: list[StaticAddress] = []
        for text in inputs.addresses:
            a_text, _, gw_text = text.partition(",")
            try:
                ip, net, _ = _parse_cidr(a_text.strip())
            except ValueError as exc:
                raise InputError(
                    f"address: {exc}", where="--address", fix="write e.g. 10.1.0.5/24[,10.1.0.1]"
                ) from None
            gw = _flag_ip(gw_text.strip(), "--address") if gw_text.strip() else None
            addrs.append(StaticAddress(ipaddress.ip_interface(f"{ip}/{net.prefixlen}"), gw))
        model = StaticIpam(tuple(addrs), routes)
    elif kind == "host-local":
        nets = [_flag_net(t, "--range", "range") for t in inputs.ranges]
        starts = _attach([_flag_ip(t, "--range-start") for t in inputs.range_start], nets, "--range-start")
        ends = _attach([_flag_ip(t, "--range-end") for t in inputs.range_end], nets, "--range-end")
        gws = _attach([_flag_ip(t, "--gateway") for t in inputs.gateway], nets, "--gateway")
        range_sets = tuple((HostLocalRange(net, starts.get(i), ends.get(i), gws.get(i)),) for i, net in enumerate(nets))
        model = HostLocalIpam(range_sets, routes, inputs.data_dir)
    else:  # whereabouts
        if k3s_paths is None:
            raise InputError(
                "whereabouts on K3s needs the K3s paths for configuration_path and kubeconfig",
                where="--data-dir",
                fix="pass the K3s data dir and version",
            )
        nets = []
        dash: dict[int, tuple[IPAddress, IPAddress]] = {}
        for i, text in enumerate(inputs.ranges):
            if "-" in text:
                first_text, cidr_text = text.split("-", 1)
                first = _flag_ip(first_text, "--range")
                try:
                    last, net, _ = _parse_cidr(cidr_text)
                except ValueError as exc:
                    raise InputError(
                        f"range {text!r}: {exc}",
                        where="--range",
                        fix="write first-last/prefix, e.g. 10.1.0.10-10.1.0.50/24",
                    ) from None
                if first.version != net.version or first not in net:
                    raise InputError(
                        f"range start {first} is not in {net}",
                        where="--range",
                        fix="write first-last/prefix with both ends inside the prefix",
                    )
                dash[i] = (first, last)
                nets.append(net)
            else:
                nets.append(_flag_net(text, "--range", "range"))
        taken_s = {i: v[0] for i, v in dash.items()}
        taken_e = {i: v[1] for i, v in dash.items()}
        starts = _attach([_flag_ip(t, "--range-start") for t in inputs.range_start], nets, "--range-start", taken_s)
        ends = _attach([_flag_ip(t, "--range-end") for t in inputs.range_end], nets, "--range-end", taken_e)
        ex_by: dict[int, list[IPNetwork]] = {}
        for text in inputs.excludes:
            try:
                if "/" in text:
                    xip, xnet, _ = _parse_cidr(text)
                    if xip != xnet.network_address:
                        raise InputError(f"exclude {text} has host bits set", where="--exclude", fix=f"write {xnet}")
                else:
                    xnet = ipaddress.ip_network(_parse_ip(text)[0])
            except ValueError:
                raise InputError(f"exclude {text!r} is not a CIDR or an IP address", where="--exclude") from None
            hits = [i for i, n in enumerate(nets) if n.version == xnet.version and n.overlaps(xnet)]
            if len(hits) != 1:
                shown = ", ".join(str(n) for n in nets)
                raise InputError(
                    f"exclude {xnet} must lie in exactly one range ({shown})",
                    where="--exclude",
                    fix="give an exclude inside one --range",
                )
            ex_by.setdefault(hits[0], []).append(xnet)
        if len(inputs.gateway) > 1:
            raise InputError("whereabouts has one gateway for all ranges", where="--gateway", fix="give one --gateway")
        ranges = tuple(
            WhereaboutsRange(net, starts.get(i), ends.get(i), tuple(ex_by.get(i, ()))) for i, net in enumerate(nets)
        )
        for i in dash:  # a first-last range sets the window: what is wrong with it is the --range
            base: JsonPath = ("ipam",) if len(ranges) == 1 else ("ipam", "ipRanges", i)
            origins[(*base, "range_start")] = origins[(*base, "range_end")] = "--range"
        model = WhereaboutsIpam(
            range=ranges[0] if len(ranges) == 1 else None,
            ip_ranges=ranges if len(ranges) > 1 else (),
            gateway=_flag_ip(inputs.gateway[0], "--gateway") if inputs.gateway else None,
            routes=routes,
            network_name=inputs.network_name,
            enable_overlapping_ranges=inputs.enable_overlapping_ranges,
            log_level=inputs.log_level,
            configuration_path=k3s_paths.whereabouts_conf,
            kubeconfig=k3s_paths.whereabouts_kubeconfig,
        )
    return model.to_cni(), origins


def refusal(findings: Sequence[Finding], origins: Origins | None = None) -> InputError | None:
    """The error a builder raises for its output's ``findings``: the first it refuses (:func:`refuses`),
    located at the flag that set it (``origins``, else :mod:`.fields`), naming every other one it refuses."""
    refused = [f for f in findings if refuses(f)]
    if not refused:
        return None

    def at(f: Finding) -> Location:
        path = f.at.path or ()
        flag = (origins or {}).get(path) or flag_of(path)
        return Location(flag=flag) if flag is not None else f.at

    first = refused[0]
    message = first.message
    if len(refused) > 1:
        more = "; ".join(f"{at(f).text()}: {f.message}" + (f" [{f.rule}]" if f.rule else "") for f in refused[1:])
        message = f"{message}; also {more}"
    return InputError(message, at=at(first), fix=first.fix, rule=first.rule)


def build_ipam_from(
    inputs: IpamInputs, *, k3s_paths: K3sPaths | None = None, cni_version: str | None = None
) -> dict[str, Any]:
    """The checked IPAM block for ``inputs``: :func:`translate_ipam`, then :func:`check_ipam_config` once; raises
    the InputError of :func:`refusal` (located at the flag) when the check refuses it."""
    block, origins = translate_ipam(inputs, k3s_paths=k3s_paths)
    paths = k3s_paths if inputs.kind == "whereabouts" else None
    refused = refusal(check_ipam_config(block, cni_version=cni_version, k3s_paths=paths), origins)
    if refused is not None:
        raise refused
    return block


def build_ipam(
    kind: str,
    *,
    ranges: Sequence[str] = (),
    range_start: str | Sequence[str] | None = None,
    range_end: str | Sequence[str] | None = None,
    gateway: str | Sequence[str] | None = None,
    excludes: Sequence[str] = (),
    routes: Sequence[str] = (),
    addresses: Sequence[str] = (),
    dns: Sequence[str] = (),
    data_dir: str | None = None,
    network_name: str | None = None,
    enable_overlapping_ranges: bool | None = None,
    log_level: str | None = None,
    k3s_paths: K3sPaths | None = None,
    cni_version: str | None = None,
) -> dict[str, Any]:
    """Build a CNI ``ipam`` block from command-line strings (see the module docstring).

    ``ranges``: CIDRs (whereabouts also ``first-last/prefix``), one range set / ipRanges entry each.
    ``range_start``/``range_end``/``gateway``: one per range, attached by containment (whereabouts: one
    gateway in all). ``excludes``: whereabouts only. ``routes``: ``"DST[,GW]"``. ``addresses``: static
    only, ``"CIDR[,GW]"``. ``k3s_paths``: required for whereabouts. Raises InputError naming the flag.
    """
    inputs = IpamInputs(
        kind=kind,
        ranges=tuple(ranges),
        range_start=_one_or_many(range_start),
        range_end=_one_or_many(range_end),
        gateway=_one_or_many(gateway),
        excludes=tuple(excludes),
        routes=tuple(routes),
        addresses=tuple(addresses),
        dns=tuple(dns),
        data_dir=data_dir,
        network_name=network_name,
        enable_overlapping_ranges=enable_overlapping_ranges,
        log_level=log_level,
    )
    return build_ipam_from(inputs, k3s_paths=k3s_paths, cni_version=cni_version)
