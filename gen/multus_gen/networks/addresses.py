"""Address parsing for the IPAM checks: IPs and CIDRs as upstream reads them (leading zeros, host bits),
windows and overlaps."""

from __future__ import annotations

import ipaddress
import re
from ipaddress import IPv4Address, IPv4Interface, IPv4Network, IPv6Address, IPv6Interface, IPv6Network
from typing import TypeAlias

IPAddress: TypeAlias = IPv4Address | IPv6Address


IPNetwork: TypeAlias = IPv4Network | IPv6Network


IPInterface: TypeAlias = IPv4Interface | IPv6Interface


_V4_SLOPPY = re.compile(r"^[0-9]+(?:\.[0-9]+){3}$")


def parse_ip(text: str, *, sloppy: bool = False) -> tuple[IPAddress, bool]:
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


def parse_cidr(text: str, *, sloppy: bool = False) -> tuple[IPAddress, IPNetwork, bool]:
    """Parse ``ip/prefix`` into (the ip as written, its network, leading zeros seen); raises ValueError."""
    if not isinstance(text, str) or text.count("/") != 1:
        raise ValueError(f"{text!r} is not a CIDR (address/prefix)")
    addr_text, plen_text = text.split("/")
    try:
        ip, sloppy_seen = parse_ip(addr_text, sloppy=sloppy)
    except ValueError:
        raise ValueError(f"{text!r} is not a CIDR: {addr_text!r} is not an IP address") from None
    if not plen_text.isascii() or not plen_text.isdigit() or int(plen_text) > ip.max_prefixlen:
        raise ValueError(f"{text!r} has an invalid prefix length")
    # from the parsed address's integer: the same network as parsing f"{ip}/{prefix}", without a second parse
    net = (IPv4Network if ip.version == 4 else IPv6Network)((int(ip), int(plen_text)), strict=False)
    return ip, net, sloppy_seen


def cluster_cidrs(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    """K3s's ``--cluster-cidr``/``--service-cidr``: each value one CIDR or a comma-separated IPv4,IPv6 pair (as
    K3s writes it for dual stack), at most one CIDR per family. Raises ValueError naming the bad part."""
    nets: list[IPNetwork] = []
    for value in values:
        for part in value.split(","):
            try:
                net = ipaddress.ip_network(part.strip(), strict=False)
            except ValueError:
                raise ValueError(f"{part.strip()!r} is not a CIDR") from None
            same = next((n for n in nets if n.version == net.version), None)
            if same is not None:
                raise ValueError(f"{same} and {net} are both {fam(net.version)} (one CIDR per family)")
            nets.append(net)
    return tuple(nets)


def last(net: IPNetwork) -> IPAddress:
    return net.broadcast_address


def first_usable(net: IPNetwork) -> IPAddress:
    return net.network_address + 1


def last_usable(net: IPNetwork) -> IPAddress:
    return net.broadcast_address - 1


def too_small(net: IPNetwork) -> bool:
    return net.prefixlen > net.max_prefixlen - 2


def fam(v: int) -> str:
    return f"IPv{v}"


def overlap(a: tuple[IPAddress, IPAddress], b: tuple[IPAddress, IPAddress]) -> bool:
    """Whether two windows (first, last; inclusive) share an address."""
    if a[0].version != b[0].version:
        return False
    return int(a[0]) <= int(b[1]) and int(b[0]) <= int(a[1])
