"""The one table from a key of a NAD the builders write back to what set it: the CLI flag and the spec field.

The builders only translate flags and spec fields into a CNI config; the one strict check
(:func:`multus_gen.networks.nad.check_nad`, the same ``validate`` runs) finds what is wrong with the result,
and this table says where the user wrote it: ``("spec", "config", "ipam", "ranges", 0, 0, "rangeStart")``
was ``--range-start`` on the command line and ``ipam.rangeStart`` in a spec's network. Paths are into the
NAD document (``metadata``, ``spec.config`` parsed) or into ``spec.config`` alone; list indexes match
:data:`ANY`. A path without an entry of its own takes the entry of its nearest ancestor.
"""

from __future__ import annotations

from multus_gen.findings import JsonPath
from multus_gen.record import record

ANY = "*"
#: The annotation of a NAD that records its node (also :data:`multus_gen.networks.nad.NODE_ANNOTATION`).
NODE_ANNOTATION = "multus-gen/node"


@record
class Field:
    """What sets a key: the CLI flag, and the spec keys of a network entry (dotted; the first the entry has
    is the one named)."""

    flag: str
    spec: tuple[str, ...]


def _f(flag: str, *spec: str) -> Field:
    return Field(flag, spec)


_RANGE = _f("--range", "ipam.range", "ipam.ranges")
_START = _f("--range-start", "ipam.rangeStart")
_END = _f("--range-end", "ipam.rangeEnd")
_GATEWAY = _f("--gateway", "ipam.gateway")
_EXCLUDE = _f("--exclude", "ipam.exclude")
_K3S = _f("--data-dir", "ipam")  # the K3s paths whereabouts reads come from the cluster, not the network

#: Paths inside ``spec.config`` -> what sets them.
CONFIG_FIELDS: dict[JsonPath, Field] = {
    ("name",): _f("--name", "name"),
    ("cniVersion",): _f("--cni-version", "cniVersion"),
    ("type",): _f("--type", "type"),
    ("master",): _f("--master", "master"),
    ("mode",): _f("--mode", "mode"),
    ("mtu",): _f("--mtu", "mtu"),
    ("bridge",): _f("--bridge", "bridge"),
    ("isGateway",): _f("--is-gateway", "isGateway"),
    ("ipMasq",): _f("--ip-masq", "ipMasq"),
    ("isDefaultGateway",): _f("--is-default-gateway", "isDefaultGateway"),
    ("hairpinMode",): _f("--hairpin-mode", "hairpinMode"),
    ("macspoofchk",): _f("--macspoofchk", "macspoofchk"),
    ("promiscMode",): _f("--promisc-mode", "promiscMode"),
    ("vlan",): _f("--vlan", "vlan"),
    ("vlanTrunk",): _f("--vlan-trunk", "vlanTrunk"),
    ("vlanId",): _f("--vlan-id", "vlanId"),
    ("linkInContainer",): _f("--link-in-container", "linkInContainer"),
    ("plugins",): _f("--type", "type"),
    ("spoofchk",): _f("--spoofchk", "spoofchk"),
    ("trust",): _f("--trust", "trust"),
    ("link_state",): _f("--link-state", "linkState"),
    ("min_tx_rate",): _f("--min-tx-rate", "minTxRate"),
    ("max_tx_rate",): _f("--max-tx-rate", "maxTxRate"),
    ("device",): _f("--device", "device"),
    ("hwaddr",): _f("--hwaddr", "hwaddr"),
    ("kernelpath",): _f("--kernelpath", "kernelpath"),
    ("pciBusID",): _f("--pci-bus-id", "pciBusID"),
    ("ipam",): _f("--ipam", "ipam.type", "ipam"),
    ("ipam", "type"): _f("--ipam", "ipam.type"),
    # host-local
    ("ipam", "ranges"): _RANGE,
    ("ipam", "ranges", ANY, ANY, "rangeStart"): _START,
    ("ipam", "ranges", ANY, ANY, "rangeEnd"): _END,
    ("ipam", "ranges", ANY, ANY, "gateway"): _GATEWAY,
    ("ipam", "dataDir"): _f("--host-local-data-dir", "ipam.dataDir"),
    # whereabouts (a top-level range, or ipRanges entries)
    ("ipam", "range"): _RANGE,
    ("ipam", "range_start"): _START,
    ("ipam", "range_end"): _END,
    ("ipam", "exclude"): _EXCLUDE,
    ("ipam", "ipRanges"): _RANGE,
    ("ipam", "ipRanges", ANY, "range_start"): _START,
    ("ipam", "ipRanges", ANY, "range_end"): _END,
    ("ipam", "ipRanges", ANY, "exclude"): _EXCLUDE,
    ("ipam", "gateway"): _GATEWAY,
    ("ipam", "network_name"): _f("--network-name", "ipam.networkName"),
    ("ipam", "enable_overlapping_ranges"): _f("--enable-overlapping-ranges", "ipam.enableOverlappingRanges"),
    ("ipam", "node_slice_size"): _f("--node-slice-size", "ipam.nodeSliceSize"),
    ("ipam", "log_level"): _f("--log-level", "ipam.logLevel"),
    ("ipam", "log_file"): _f("--log-file", "ipam.logFile"),
    # dhcp (a provide entry from --dhcp-provide-from-arg is located by the builder's origins)
    ("ipam", "request"): _f("--dhcp-request", "ipam.request"),
    ("ipam", "request", ANY, "skipDefault"): _f("--dhcp-request-skip-default", "ipam.requestSkipDefault"),
    ("ipam", "provide"): _f("--dhcp-provide", "ipam.provide"),
    ("ipam", "provide", ANY, "fromArg"): _f("--dhcp-provide-from-arg", "ipam.provide"),
    ("ipam", "configuration_path"): _K3S,
    ("ipam", "kubernetes"): _K3S,
    # every kind
    ("ipam", "routes"): _f("--route", "ipam.routes"),
    ("ipam", "addresses"): _f("--address", "ipam.addresses"),
    ("ipam", "dns"): _f("--dns", "ipam.dns"),
}
#: Paths inside a chained plugin of a conflist (``plugins[1:]``) -> what sets them.
CHAIN_FIELDS: dict[JsonPath, Field] = {
    ("sysctl",): _f("--sysctl", "tuning.sysctl"),
    ("mac",): _f("--tuning-mac", "tuning.mac"),
    ("mtu",): _f("--tuning-mtu", "tuning.mtu"),
    ("promisc",): _f("--promisc", "tuning.promisc"),
}
#: Paths into the NAD document outside ``spec.config`` -> what sets them.
DOCUMENT_FIELDS: dict[JsonPath, Field] = {
    ("metadata", "name"): _f("--name", "name"),
    ("metadata", "namespace"): _f("--namespace", "namespace"),
    ("metadata", "annotations", NODE_ANNOTATION): _f("--node", "node"),
    ("metadata", "annotations", "k8s.v1.cni.cncf.io/resourceName"): _f("--resource-name", "resourceName"),
}
_CONFIG = ("spec", "config")


def field_of(path: JsonPath) -> Field | None:
    """What set the key at ``path`` (into the NAD document, or into ``spec.config`` alone); None if the
    builders write it on their own."""
    table = CONFIG_FIELDS
    if path[:2] == _CONFIG:
        path = path[2:]
    elif path[:1] == ("metadata",):
        table = DOCUMENT_FIELDS
    if table is CONFIG_FIELDS and path[:1] == ("plugins",) and len(path) > 1:  # a conflist: main plugin first
        table = CONFIG_FIELDS if path[1] == 0 else CHAIN_FIELDS
        path = path[2:]
    key = tuple(ANY if isinstance(part, int) else part for part in path)
    while key:
        found = table.get(key)
        if found is not None:
            return found
        key = key[:-1]
    return None


def flag_of(path: JsonPath) -> str | None:
    found = field_of(path)
    return found.flag if found is not None else None


#: CLI flag -> the spec keys that set it (dotted, e.g. ``ipam.rangeStart``), in table order.
SPEC_KEYS: dict[str, tuple[str, ...]] = {"--allow": ("allow",)}
for _field in (*DOCUMENT_FIELDS.values(), *CONFIG_FIELDS.values(), *CHAIN_FIELDS.values()):
    SPEC_KEYS.setdefault(_field.flag, ())
    SPEC_KEYS[_field.flag] += tuple(k for k in _field.spec if k not in SPEC_KEYS[_field.flag])
