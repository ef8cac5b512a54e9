"""IPAM configs as found in a NAD: read a CNI ``ipam`` block into the models (:mod:`.models`) and check it
with the IPAM rules (:mod:`.ipam_rules`) -- the one check the builders (:mod:`.ipam_build`) and ``validate``
share. Four kinds: ``host-local``, ``whereabouts``, ``dhcp`` and ``static`` (FACTS 4 and 7).

``check_ipam_config(ipam, where=("ipam",))`` returns every :class:`~multus_gen.findings.Finding` of a block,
each with its rule id (``ipam-range-outside-subnet``, ...); it never raises for bad input. ``load_ipam``
returns the model of a block that has no error.

Severity policy (a rule has one severity wherever it runs: :mod:`multus_gen.networks.rules`)
--------------------------------------------------------------------------------------------
* error: upstream rejects the config, or accepts it and then does something other than what it says
  (silently moves or ignores a setting -- a window end on the network or last address, an exclude outside
  its range or window --, hands out a network or broadcast address, cannot allocate at all).
* warning: upstream accepts it, or it is true but not fixable by the config -- whereabouts on IPv6 wider
  than /65, overlapping-range detection turned off, a static address shared by every pod, and what upstream
  accepts and its own tests use -- host bits in a whereabouts ``range``, leading zeros, a gateway outside its
  subnet, a route for an address family the IPAM never assigns, unknown keys, dns that Kubernetes ignores.
  A warning is a warning for ``validate`` and the generators alike; the generators refuse errors only.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Any

from multus_gen.findings import NOWHERE, Finding, JsonPath, Location
from multus_gen.knowledge.k3s import K3sPaths
from multus_gen.networks.addresses import IPAddress, IPNetwork, parse_cidr, parse_ip
from multus_gen.networks.ipam_options import dhcp_options, whereabouts_options
from multus_gen.networks.ipam_rules import (
    Collector,
    Loc,
    prefix_loc,
    rule_gateway_in,
    rule_hostlocal_range,
    rule_hostlocal_sets,
    rule_routes,
    rule_static_addresses,
    rule_whereabouts_range,
    rule_whereabouts_set,
)
from multus_gen.networks.models import (
    DHCP_SOCKET,
    IPAM_KINDS,
    DhcpIpam,
    HostLocalIpam,
    HostLocalRange,
    IpamModel,
    Route,
    StaticAddress,
    StaticIpam,
    WhereaboutsIpam,
    WhereaboutsRange,
)

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
        ip, zeros = parse_ip(text, sloppy=sloppy)
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
            ip, net, _ = parse_cidr(dst_text)
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
            ip, net, _ = parse_cidr(text)
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
        return r, at, rule_hostlocal_range(r, at, out)

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
                loaded = load_range(robj, prefix_loc(rpath))
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
    rule_hostlocal_sets(sets, lambda i: set_paths[i], out, cni_version)
    routes = _load_routes(ipam.get("routes"), (*where, "routes"), out)
    model = HostLocalIpam(
        tuple(tuple(r for r, _, _ in s) for s in sets),
        tuple(r for r, _ in routes),
        _str_field(ipam, "dataDir", (*where, "dataDir"), out),
        _str_field(ipam, "resolvConf", (*where, "resolvConf"), out),
    )
    rule_routes(routes, model.families(), out)
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
            first, zeros1 = parse_ip(first_text, sloppy=True)
            last, net, zeros2 = parse_cidr(cidr_text, sloppy=True)
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
            ip, net, zeros = parse_cidr(text, sloppy=True)
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
                        xip, xnet, _ = parse_cidr(x)
                        if xip != xnet.network_address:
                            out.add(
                                "ipam-exclude-host-bits",
                                at("exclude"),
                                f"exclude {x} has host bits set; whereabouts excludes {xnet}",
                                fix=f"write {xnet}",
                            )
                    else:
                        xip, _ = parse_ip(x)
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
    return r, rule_whereabouts_range(r, at, out, from_dash=from_dash)


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
            at = prefix_loc(base)
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
    rule_whereabouts_set(items, out, cni_version)
    gateway = _json_ip(ipam, "gateway", (*where, "gateway"), out, sloppy=True)
    if gateway is not None:
        rule_gateway_in(gateway, [r.range for r, _, _ in items], (*where, "gateway"), out)
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
    overlapping, node_slice_size, log_level, log_file = whereabouts_options(
        ipam, where, [(r, ok) for r, _at, ok in items], out
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
    model = WhereaboutsIpam(
        range=top,
        ip_ranges=tuple(extra),
        gateway=gateway,
        routes=tuple(r for r, _ in routes),
        network_name=network_name,
        enable_overlapping_ranges=overlapping,
        node_slice_size=node_slice_size,
        log_level=log_level,
        log_file=log_file,
        configuration_path=conf_path,
        kubeconfig=kubeconfig,
    )
    rule_routes(routes, model.families(), out)
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
    request, provide = dhcp_options(ipam, where, out)
    return DhcpIpam(sock, request, provide)


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
                ip, net, _ = parse_cidr(obj["address"])
            except ValueError as exc:
                out.add("ipam-malformed", (*path, "address"), str(exc))
                continue
            gw = _json_ip(obj, "gateway", (*path, "gateway"), out)
            items.append((StaticAddress(ipaddress.ip_interface(f"{ip}/{net.prefixlen}"), gw), path))
    rule_static_addresses(items, out, cni_version)
    routes = _load_routes(ipam.get("routes"), (*where, "routes"), out)
    model = StaticIpam(tuple(a for a, _ in items), tuple(r for r, _ in routes))
    rule_routes(routes, model.families(), out)
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
