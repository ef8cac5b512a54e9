"""The networks' rules: one id and one severity each, wherever they run (``validate`` and the builders).

Same shape as :mod:`multus_gen.check.catalog` (``id, severity, summary``), which registers them. The checks of
:mod:`.ipam` and :mod:`.nad` report through these ids only; a finding's severity is its rule's.

A warning is a warning everywhere: what upstream accepts and its own tests use (host bits in a whereabouts
range, leading zeros, a gateway off the subnet, the legacy subnet form...) is printed as a warning by the
generators as by ``validate``, never refused by one and passed by the other. What upstream accepts but then
silently moves or ignores (a window end on the network or last address, an exclude outside its range or
window; FACTS 7) is an error for both, stricter than upstream on purpose.
"""

from __future__ import annotations

from multus_gen.findings import ERROR, WARNING, Severity

NETWORK_RULES: tuple[tuple[str, Severity, str], ...] = (
    # ipam: shape
    ("ipam-malformed", ERROR, "an IPAM block, range, route or address of the wrong shape or not parseable"),
    ("ipam-type-missing", ERROR, "an IPAM block without type"),
    ("ipam-type-unknown", WARNING, "an IPAM type multus-gen does not check"),
    ("ipam-unknown-key", WARNING, "a key the IPAM plugin does not know (it is ignored)"),
    ("ipam-key-ignored", ERROR, "a top-level window key without the top-level range it belongs to (dropped)"),
    ("ipam-dhcp-ignored-key", ERROR, "a range, route or address on dhcp, which takes them from the server"),
    ("ipam-flag-not-for-kind", ERROR, "a flag that has no key in a config of its IPAM kind"),
    # ipam: ranges and windows
    ("ipam-no-range", ERROR, "host-local or whereabouts without a range"),
    ("ipam-range-too-small", ERROR, "a range too small to allocate from (IPv4 /31, /32; IPv6 /127, /128)"),
    ("ipam-subnet-host-bits", ERROR, "a host-local subnet with host bits set"),
    ("ipam-range-host-bits", WARNING, "a whereabouts range with host bits set (whereabouts masks them)"),
    ("ipam-leading-zeros", WARNING, "an address with leading zeros (decimal to whereabouts, octal to others)"),
    ("ipam-family-mismatch", ERROR, "an address of another family than its range"),
    ("ipam-range-outside-subnet", ERROR, "a window end outside its subnet (ignored or refused upstream)"),
    ("ipam-range-outside-window", ERROR, "a whereabouts window end outside the usable addresses (ignored)"),
    ("ipam-range-network-address", ERROR, "a host-local window that hands out the network address"),
    ("ipam-range-broadcast-address", ERROR, "a host-local window that hands out the broadcast/last address"),
    ("ipam-range-start-network-address", ERROR, "a whereabouts range_start on the network address (moved)"),
    ("ipam-range-end-last-address", ERROR, "a whereabouts range_end on the last address (moved)"),
    ("ipam-range-reversed", ERROR, "a window whose end is before its start"),
    ("ipam-range-reserved", ERROR, "a range or address in multicast, loopback, link-local or unspecified space"),
    ("ipam-gateway-not-host", ERROR, "a gateway that is its subnet's network or (IPv4) broadcast address"),
    ("ipam-two-ranges-one-family", ERROR, "two ranges of one family in a network (each pod gets two addresses)"),
    ("ipam-window-given-twice", ERROR, "range_start/range_end next to a first-last range that sets them"),
    ("ipam-window-gateway-only", ERROR, "a host-local window holding only the gateway (allocates nothing)"),
    ("ipam-range-set-mixed-families", ERROR, "a host-local range set mixing IPv4 and IPv6"),
    ("ipam-range-overlap", ERROR, "ranges of one NAD that overlap"),
    ("ipam-one-address-per-family", ERROR, "two addresses of one family under CNI 0.1.0/0.2.0"),
    ("ipam-whereabouts-ipv6-wide", WARNING, "a whereabouts IPv6 range wider than /65 (only the first /65 is used)"),
    # ipam: excludes, gateways, routes
    ("ipam-exclude-outside-range", ERROR, "an exclude outside its range (it does nothing)"),
    ("ipam-exclude-beyond-range", ERROR, "an exclude reaching outside its range"),
    ("ipam-exclude-outside-window", ERROR, "an exclude outside the allocation window (it does nothing)"),
    ("ipam-exclude-host-bits", WARNING, "an exclude with host bits set"),
    ("ipam-exclude-covers-window", ERROR, "excludes covering the whole window (allocates nothing)"),
    ("ipam-gateway-outside-subnet", WARNING, "a gateway outside its subnet (not reachable on-link)"),
    ("ipam-route-gateway-family", ERROR, "a route whose gateway is of another family than its destination"),
    ("ipam-route-family-unassigned", WARNING, "a route of a family the IPAM assigns no address of"),
    ("ipam-route-host-bits", WARNING, "a route destination with host bits set"),
    # ipam: per kind
    ("ipam-legacy-subnet", WARNING, "host-local's legacy top-level subnet form"),
    ("ipam-data-dir-relative", ERROR, "a host-local dataDir that is not an absolute path"),
    ("ipam-network-name-invalid", ERROR, "a whereabouts network_name that is not a DNS label"),
    ("ipam-log-level-invalid", ERROR, "a whereabouts log_level it does not know"),
    ("ipam-log-file-invalid", ERROR, "a whereabouts log_file that is not an absolute path on the node"),
    ("ipam-overlapping-ranges-off", WARNING, "whereabouts overlapping-range detection turned off"),
    ("ipam-k3s-paths", ERROR, "whereabouts configuration_path/kubeconfig other than the K3s files"),
    ("ipam-no-kubeconfig", WARNING, "whereabouts without kubeconfig or configuration_path (K3s has no flat file)"),
    ("ipam-dns-ignored", WARNING, "dns in an IPAM block (Kubernetes ignores DNS from CNI results)"),
    ("ipam-datastore", WARNING, "a whereabouts datastore other than kubernetes"),
    ("ipam-node-slice-size", ERROR, "a whereabouts node_slice_size that does not slice the range"),
    ("ipam-dhcp-option-unknown", ERROR, "a dhcp request/provide option that is neither a known name nor a number"),
    ("ipam-dhcp-option-invalid", ERROR, "a dhcp request/provide entry of the wrong shape (no value, too long, ...)"),
    ("ipam-dhcp-from-arg-unknown", WARNING, "a dhcp provide fromArg that is not a CNI_ARGS key Multus passes"),
    ("ipam-dhcp-socket", WARNING, "a dhcp daemonSocketPath other than the chart's DaemonSet socket"),
    ("ipam-static-no-addresses", WARNING, "static without addresses (every pod must bring its own)"),
    ("ipam-static-duplicate-address", ERROR, "a static address listed twice"),
    ("ipam-static-network-address", ERROR, "a static address that is its network's address"),
    ("ipam-static-broadcast-address", ERROR, "a static address that is its network's broadcast address"),
    ("ipam-static-gateway-is-address", ERROR, "a static gateway equal to the address"),
    # nad: the document
    ("nad-malformed", ERROR, "a NAD or CNI config of the wrong shape (not a mapping, spec.config not JSON, ...)"),
    ("nad-api-version", ERROR, "a NAD apiVersion other than k8s.cni.cncf.io/v1"),
    ("nad-kind", ERROR, "a kind other than NetworkAttachmentDefinition"),
    ("nad-name-invalid", ERROR, "a NAD name that is not a DNS-1123 label"),
    ("nad-namespace-invalid", ERROR, "a namespace that is not a DNS-1123 label"),
    ("nad-node-invalid", ERROR, "a node annotation that is not a node name"),
    ("nad-node-not-per-node", ERROR, "a node annotation on a NAD whose IPAM is not per node"),
    ("nad-no-config", WARNING, "no spec.config (Multus reads a file on each node)"),
    ("nad-cni-version-missing", ERROR, "a CNI config without cniVersion"),
    ("nad-cni-version-unknown", ERROR, "a cniVersion the CNI spec does not define"),
    ("nad-cni-version-new", WARNING, "cniVersion 1.1.0 (needs CNI plugins v1.5 or later)"),
    ("nad-name-missing", ERROR, "a CNI config without name"),
    ("nad-name-mismatch", WARNING, "a CNI name other than the NAD's name"),
    # nad: the plugin
    ("nad-runtime-key", WARNING, "runtimeConfig/args in a NAD (the runtime fills them in)"),
    ("nad-unknown-key", WARNING, "a key the plugin does not know (it is ignored)"),
    ("nad-foreign-key", ERROR, "a key of another plugin (this one ignores it)"),
    ("nad-no-master", WARNING, "macvlan/ipvlan without master (each node's default-route interface)"),
    ("nad-ifname-invalid", ERROR, "an interface name that is not valid (at most 15 characters)"),
    ("nad-flannel-interface", ERROR, "K3s flannel's interface as a parent or bridge"),
    ("nad-mode-invalid", ERROR, "a macvlan/ipvlan mode the plugin does not know"),
    ("nad-passthru-one-pod", WARNING, "macvlan passthru (one pod per node)"),
    ("nad-ipvlan-dhcp", ERROR, "dhcp on ipvlan (the links share the parent's MAC)"),
    ("nad-no-bridge", ERROR, "bridge without a bridge name (the plugin takes cni0, flannel's)"),
    ("nad-bridge-hairpin-promisc", ERROR, "bridge hairpinMode with promiscMode (the plugin refuses both)"),
    ("nad-vlan-invalid", ERROR, "a bridge vlan that is not a VLAN id"),
    ("nad-vlan-zero", WARNING, "bridge vlan 0 (no VLAN)"),
    ("nad-vlan-trunk-invalid", ERROR, "a bridge vlanTrunk entry that is not {id} or {minID, maxID} in 1-4094"),
    ("nad-vlan-trunk-overlap", ERROR, "bridge vlanTrunk entries that share VLAN ids"),
    (
        "nad-vlan-trunk-with-vlan",
        WARNING,
        "bridge vlan with vlanTrunk (the native VLAN; plugins before v1.8.0 refuse it)",
    ),
    ("nad-host-device-selector", ERROR, "host-device without exactly one of device, hwaddr, kernelpath, pciBusID"),
    ("nad-hwaddr-invalid", ERROR, "a host-device hwaddr that is not a MAC address"),
    ("nad-kernelpath-invalid", ERROR, "a host-device kernelpath outside /sys/devices"),
    ("nad-pci-invalid", ERROR, "a host-device pciBusID that is not a PCI address"),
    ("nad-host-device-one-pod", WARNING, "host-device (one pod per node)"),
    ("nad-sysctl-not-net", ERROR, "a tuning sysctl outside net.* (the plugin sets only network sysctls)"),
    ("nad-chain-order", ERROR, "a chained plugin (tuning, portmap, sbr) first in a conflist"),
    ("nad-chain-unsupported", ERROR, "a chained setting the main plugin cannot carry (tuning mac on ipvlan)"),
    ("nad-sriov-no-resource", ERROR, "sriov without the resourceName annotation (no VF is allocated)"),
    ("nad-sriov-value", ERROR, "an sriov spoofchk/trust other than on/off, link_state or tx rate out of range"),
    ("nad-vlan-no-master", ERROR, "vlan without master (the plugin refuses it)"),
    ("nad-vlan-id-invalid", ERROR, "a vlan plugin vlanId missing or outside 1-4094"),
    ("nad-vlan-dhcp", ERROR, "dhcp on vlan (the link has the parent's MAC)"),
    ("nad-vlan-one-pod", WARNING, "vlan (one link per parent and VLAN id: one pod per node)"),
    ("nad-mtu-invalid", ERROR, "an mtu outside 68-65535"),
    ("nad-mtu-ipv6", ERROR, "an mtu below IPv6's 1280 on a NAD that assigns IPv6"),
    ("nad-host-local-per-node", WARNING, "host-local without a node (the same range on every node)"),
    ("nad-static-shared", WARNING, "static (every pod gets the same addresses)"),
)
#: rule id -> its severity
SEVERITY: dict[str, Severity] = {rule: severity for rule, severity, _ in NETWORK_RULES}
