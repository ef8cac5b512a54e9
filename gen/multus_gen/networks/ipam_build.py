"""The IPAM builder: command-line strings (``--range``, ``--range-start``, ...) -> the CNI ``ipam`` block. It
translates (parsing only what it must to write the block) and then runs the one check
(:func:`multus_gen.networks.ipam.check_ipam_config`); a refusal is located at the flag that set the value."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from multus_gen.errors import InputError
from multus_gen.findings import Finding, JsonPath, Location
from multus_gen.knowledge.k3s import K3sPaths
from multus_gen.networks.addresses import IPAddress, IPNetwork, parse_cidr, parse_ip
from multus_gen.networks.fields import flag_of
from multus_gen.networks.ipam import check_ipam_config
from multus_gen.networks.ipam_rules import Origins, refuses
from multus_gen.networks.models import (
    IPAM_KINDS,
    DhcpIpam,
    DhcpOption,
    HostLocalIpam,
    HostLocalRange,
    IpamModel,
    Route,
    StaticAddress,
    StaticIpam,
    WhereaboutsIpam,
    WhereaboutsRange,
)
from multus_gen.record import record


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
    node_slice_size: str | None = None
    log_level: str | None = None
    log_file: str | None = None
    #: dhcp: options to ask the server for (names or numbers), whether only those (skipDefault), options to send
    #: (``OPTION=VALUE``) and options to send from a CNI_ARGS key (``OPTION=ARG``)
    dhcp_request: tuple[str, ...] = ()
    dhcp_request_skip_default: bool = False
    dhcp_provide: tuple[str, ...] = ()
    dhcp_provide_from_arg: tuple[str, ...] = ()


def _flag_ip(text: str, flag: str) -> IPAddress:
    try:
        return parse_ip(text)[0]
    except ValueError:
        raise InputError(f"{text!r} is not an IP address", where=flag, fix="write e.g. 10.1.0.10 or fd00::10") from None


def _flag_net(text: str, flag: str, what: str) -> IPNetwork:
    try:
        ip, net, _ = parse_cidr(text)
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
    "node_slice_size": "--node-slice-size",
    "log_level": "--log-level",
    "log_file": "--log-file",
    "dhcp_request": "--dhcp-request",
    "dhcp_request_skip_default": "--dhcp-request-skip-default",
    "dhcp_provide": "--dhcp-provide",
    "dhcp_provide_from_arg": "--dhcp-provide-from-arg",
}

_WHEREABOUTS_ONLY = frozenset({"network_name", "enable_overlapping_ranges", "node_slice_size", "log_level", "log_file"})
_DHCP_ONLY = frozenset({"dhcp_request", "dhcp_request_skip_default", "dhcp_provide", "dhcp_provide_from_arg"})


#: The inputs each kind translates into a key of its config; any other input has no place in it.
_TRANSLATED: dict[str, frozenset[str]] = {
    "dhcp": _DHCP_ONLY,
    "static": frozenset({"addresses", "routes"}),
    "host-local": frozenset({"ranges", "range_start", "range_end", "gateway", "routes", "data_dir"}),
    "whereabouts": frozenset({"ranges", "range_start", "range_end", "gateway", "excludes", "routes"})
    | _WHEREABOUTS_ONLY,
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
    given = [g for g in given if g[2] not in (None, ()) and (g[0], g[2]) != ("dhcp_request_skip_default", False)]
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
    elif name in _WHEREABOUTS_ONLY:
        why = f"{flag} is a whereabouts setting; {kind} would ignore it"
    elif name in _DHCP_ONLY:
        why = f"{flag} is a dhcp setting (options of the DHCP exchange); {kind} would ignore it"
    elif name == "addresses":
        why = "whereabouts takes --range, not --address"
    else:
        why = "dataDir is a host-local setting; whereabouts keeps its pools in Kubernetes"
    return InputError(why, where=flag, fix=fix, rule="ipam-flag-not-for-kind")


def _slice_size(text: str | None) -> str | None:
    """``--node-slice-size`` written the one way (``/N``) when it is a prefix length; else as given, for the
    check to refuse."""
    if text is None:
        return None
    digits = text.strip().removeprefix("/")
    return f"/{digits}" if digits.isdigit() else text


def _pair(text: str, flag: str, what: str) -> tuple[str, str]:
    option, eq, value = text.partition("=")
    if not eq or not option.strip():
        raise InputError(f"{flag} {text!r} is not OPTION={what}", where=flag, fix=f"write e.g. {flag} host-name={what}")
    return option.strip(), value


def _dhcp_model(inputs: IpamInputs, origins: Origins) -> DhcpIpam:
    """dhcp's request and provide lists (value entries first, then fromArg ones); ``origins`` gets the flag of
    each fromArg entry."""
    if inputs.dhcp_request_skip_default and not inputs.dhcp_request:
        raise InputError(
            "--dhcp-request-skip-default drops the daemon's default request list, but no --dhcp-request names "
            "what to ask for instead",
            where="--dhcp-request-skip-default",
            fix="add --dhcp-request OPTION (e.g. subnet-mask, routers), or drop the switch",
        )
    skip = inputs.dhcp_request_skip_default
    request = tuple(DhcpOption(o.strip(), skip_default=skip) for o in inputs.dhcp_request)
    provide = [DhcpOption(*_pair(t, "--dhcp-provide", "VALUE")) for t in inputs.dhcp_provide]
    for text in inputs.dhcp_provide_from_arg:
        option, arg = _pair(text, "--dhcp-provide-from-arg", "K8S_POD_NAME")
        at: JsonPath = ("ipam", "provide", len(provide))
        for path in (at, (*at, "option"), (*at, "fromArg")):
            origins[path] = "--dhcp-provide-from-arg"
        provide.append(DhcpOption(option, from_arg=arg.strip()))
    return DhcpIpam(request=request, provide=tuple(provide))


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
        model = _dhcp_model(inputs, origins)
    elif kind == "static":
        addrs: list[StaticAddress] = []
        for text in inputs.addresses:
            a_text, _, gw_text = text.partition(",")
            try:
                ip, net, _ = parse_cidr(a_text.strip())
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
                    last, net, _ = parse_cidr(cidr_text)
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
                    xip, xnet, _ = parse_cidr(text)
                    if xip != xnet.network_address:
                        raise InputError(f"exclude {text} has host bits set", where="--exclude", fix=f"write {xnet}")
                else:
                    xnet = ipaddress.ip_network(parse_ip(text)[0])
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
            node_slice_size=_slice_size(inputs.node_slice_size),
            log_level=inputs.log_level,
            log_file=inputs.log_file,
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
