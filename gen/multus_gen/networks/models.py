"""The IPAM models: host-local, whereabouts, dhcp and static, frozen, each with ``to_cni()`` (the CNI ``ipam``
block with keys in a fixed order) and the windows upstream allocates from."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address
from typing import Any, ClassVar, TypeAlias

from multus_gen.networks.addresses import IPAddress, IPInterface, IPNetwork, first_usable, last, last_usable
from multus_gen.record import record

IPAM_KINDS: tuple[str, ...] = ("host-local", "whereabouts", "dhcp", "static")


DHCP_SOCKET = "/run/cni/dhcp.sock"


#: whereabouts pkg/logging getLoggingLevel (it lower-cases the name; anything else leaves the level unchanged).
WHEREABOUTS_LOG_LEVELS: tuple[str, ...] = ("debug", "verbose", "error", "panic")


#: The dhcp daemon's option names (containernetworking/plugins plugins/ipam/dhcp/options.go optionNameToID,
#: the same six in Debian's v1.1.1 binary); any other option is given by its number (1-254).
DHCP_OPTION_NAMES: tuple[str, ...] = (
    "dhcp-client-identifier",
    "subnet-mask",
    "routers",
    "host-name",
    "user-class",
    "vendor-class-identifier",
)


#: The CNI_ARGS Multus passes to every plugin (a provide option's fromArg reads one of them).
MULTUS_CNI_ARGS: tuple[str, ...] = ("K8S_POD_NAME", "K8S_POD_NAMESPACE", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID")


#: CNI versions that allow only one address per family (host-local, static and whereabouts refuse more).
SINGLE_IP_CNI_VERSIONS: frozenset[str] = frozenset({"0.1.0", "0.2.0"})


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
        start = self.range_start if self.range_start is not None else first_usable(self.subnet)
        if self.range_end is not None:
            end = self.range_end
        elif self.subnet.version == 4:
            end = last_usable(self.subnet)
        else:
            end = last(self.subnet)
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
        first, last = first_usable(self.range), last_usable(self.range)
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
    node_slice_size: str | None = None
    log_level: str | None = None
    log_file: str | None = None
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
        if self.node_slice_size is not None:
            out["node_slice_size"] = self.node_slice_size
        if self.log_level is not None:
            out["log_level"] = self.log_level
        if self.log_file is not None:
            out["log_file"] = self.log_file
        if self.configuration_path is not None:
            out["configuration_path"] = self.configuration_path
        if self.kubeconfig is not None:
            out["kubernetes"] = {"kubeconfig": self.kubeconfig}
        return out


@record
class DhcpOption:
    """One entry of dhcp's ``request`` (``{option, skipDefault}``: ask the server for it; skipDefault drops
    the daemon's default request list) or ``provide`` (``{option, value}`` or ``{option, fromArg}``: send it,
    fromArg naming a CNI_ARGS key) list, as the dhcp plugin reads them (plugins/ipam/dhcp main.go)."""

    option: str
    value: str | None = None
    from_arg: str | None = None
    skip_default: bool = False

    def to_cni(self) -> dict[str, Any]:
        out: dict[str, Any] = {"option": self.option}
        if self.skip_default:
            out["skipDefault"] = True
        if self.value is not None:
            out["value"] = self.value
        if self.from_arg is not None:
            out["fromArg"] = self.from_arg
        return out


@record
class DhcpIpam:
    """dhcp: the daemon (run by the chart's ``<release>-dhcp`` DaemonSet) does the work."""

    daemon_socket_path: str | None = None
    request: tuple[DhcpOption, ...] = ()
    provide: tuple[DhcpOption, ...] = ()

    kind: ClassVar[str] = "dhcp"

    def families(self) -> frozenset[int]:
        return frozenset({4})

    def to_cni(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "dhcp"}
        if self.daemon_socket_path is not None:
            out["daemonSocketPath"] = self.daemon_socket_path
        if self.request:
            out["request"] = [r.to_cni() for r in self.request]
        if self.provide:
            out["provide"] = [p.to_cni() for p in self.provide]
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
