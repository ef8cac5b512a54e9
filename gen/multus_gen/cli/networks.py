"""Commands for networks and whole installations: render (a spec file)."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from multus_gen.cli import actions
from multus_gen.cli.common import (
    ENV_DATA_DIR,
    ENV_DISTRO,
    ENV_K3S_VERSION,
    Distro,
    DocFormatOpt,
    OutFileOpt,
    QuietOpt,
    call,
)
from multus_gen.knowledge import k3s


class PluginType(str, Enum):
    macvlan = "macvlan"
    ipvlan = "ipvlan"
    bridge = "bridge"
    host_device = "host-device"
    vlan = "vlan"
    sriov = "sriov"


class NadIpam(str, Enum):
    host_local = "host-local"
    whereabouts = "whereabouts"
    dhcp = "dhcp"
    static = "static"


NET = "Network"
IPAM = "IPAM (repeat --range for dual stack: whereabouts ipRanges, or several host-local range sets)"
K3S = "Cluster (for the whereabouts paths)"
CHAIN = "Chained plugins (spec.config becomes a conflist: the main plugin first)"


def _many(flag: str, metavar: str, text: str) -> Any:
    return typer.Option(flag, metavar=metavar, help=text, rich_help_panel=IPAM)


def _net(flag: str, text: str, metavar: str | None = None, panel: str = NET) -> Any:
    return typer.Option(flag, metavar=metavar, help=text, rich_help_panel=panel)


def nad(
    name: Annotated[str, typer.Argument(help="NAD name (a DNS-1123 label); also the CNI network name.")],
    plugin: Annotated[PluginType, typer.Option("--type", help="CNI plugin.", rich_help_panel=NET)] = PluginType.macvlan,
    ipam: Annotated[NadIpam, typer.Option("--ipam", help="IPAM plugin.", rich_help_panel=IPAM)] = NadIpam.whereabouts,
    namespace: Annotated[
        str, typer.Option("--namespace", "-n", help="Namespace of the NAD.", rich_help_panel=NET)
    ] = "default",
    master: Annotated[
        str | None,
        typer.Option(
            "--master", metavar="IFACE", help="Parent interface (macvlan, ipvlan, vlan).", rich_help_panel=NET
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option("--mode", help="macvlan: bridge|private|vepa|passthru; ipvlan: l2|l3|l3s.", rich_help_panel=NET),
    ] = None,
    mtu: Annotated[int | None, typer.Option("--mtu", help="Interface MTU.", rich_help_panel=NET)] = None,
    bridge: Annotated[
        str | None, typer.Option("--bridge", metavar="NAME", help="Bridge name (bridge).", rich_help_panel=NET)
    ] = None,
    is_gateway: Annotated[
        bool, typer.Option("--is-gateway", help="bridge: give the bridge the gateway address.", rich_help_panel=NET)
    ] = False,
    ip_masq: Annotated[
        bool, typer.Option("--ip-masq", help="bridge: masquerade traffic leaving the bridge.", rich_help_panel=NET)
    ] = False,
    is_default_gateway: Annotated[
        bool, _net("--is-default-gateway", "bridge: the bridge is the default route.")
    ] = False,
    hairpin_mode: Annotated[bool, _net("--hairpin-mode", "bridge: hairpin mode on the pod's port.")] = False,
    macspoofchk: Annotated[bool, _net("--macspoofchk", "bridge: drop frames from other MACs (nftables).")] = False,
    promisc_mode: Annotated[bool, _net("--promisc-mode", "bridge: the bridge in promiscuous mode.")] = False,
    vlan: Annotated[int | None, _net("--vlan", "bridge, sriov: VLAN tag.")] = None,
    vlan_trunk: Annotated[
        list[str],
        _net(
            "--vlan-trunk",
            "bridge: a tagged VLAN (or range) of the pod's port, 1-4094 (--vlan beside it: the native VLAN, CNI "
            "plugins v1.8.0+). The plugin turns on vlan_filtering when it creates the bridge (an existing bridge "
            "needs it set). Repeatable.",
            "ID|MIN-MAX",
        ),
    ] = [],  # noqa: B006
    resource_name: Annotated[
        str | None,
        _net("--resource-name", "sriov: the device plugin resource (k8s.v1.cni.cncf.io/resourceName).", "NAME"),
    ] = None,
    spoofchk: Annotated[str | None, _net("--spoofchk", "sriov: VF spoof check.", "on|off")] = None,
    trust: Annotated[str | None, _net("--trust", "sriov: VF trust.", "on|off")] = None,
    min_tx_rate: Annotated[int | None, _net("--min-tx-rate", "sriov: minimum TX rate.", "MBPS")] = None,
    max_tx_rate: Annotated[int | None, _net("--max-tx-rate", "sriov: maximum TX rate.", "MBPS")] = None,
    link_state: Annotated[str | None, _net("--link-state", "sriov: VF link state.", "auto|enable|disable")] = None,
    vlan_id: Annotated[int | None, _net("--vlan-id", "vlan: the VLAN id.", "1-4094")] = None,
    link_in_container: Annotated[
        bool, _net("--link-in-container", "vlan: the master is in the pod's network namespace.")
    ] = False,
    sysctl: Annotated[
        list[str], _net("--sysctl", "Chain tuning: set a net.* sysctl in the pod. Repeatable.", "KEY=VALUE", CHAIN)
    ] = [],  # noqa: B006
    tuning_mac: Annotated[str | None, _net("--tuning-mac", "Chain tuning: the MAC.", "MAC", CHAIN)] = None,
    tuning_mtu: Annotated[int | None, _net("--tuning-mtu", "Chain tuning: the MTU.", "N", CHAIN)] = None,
    promisc: Annotated[bool, _net("--promisc", "Chain tuning: promiscuous mode.", None, CHAIN)] = False,
    sbr: Annotated[bool, _net("--sbr", "Chain sbr: source-based routing for this interface.", None, CHAIN)] = False,
    portmap: Annotated[bool, _net("--portmap", "Chain portmap: hostPort mappings.", None, CHAIN)] = False,
    device: Annotated[
        str | None, typer.Option("--device", help="host-device: device name.", rich_help_panel=NET)
    ] = None,
    hwaddr: Annotated[
        str | None, typer.Option("--hwaddr", help="host-device: MAC address.", rich_help_panel=NET)
    ] = None,
    kernelpath: Annotated[
        str | None, typer.Option("--kernelpath", help="host-device: kernel path.", rich_help_panel=NET)
    ] = None,
    pci_bus_id: Annotated[
        str | None, typer.Option("--pci-bus-id", help="host-device: PCI address.", rich_help_panel=NET)
    ] = None,
    node_name: Annotated[
        str | None,
        typer.Option(
            "--node",
            help="host-local/static: the one node this NAD is for (pin its pods with nodeSelector "
            "kubernetes.io/hostname=NODE); silences the per-node state warning.",
            rich_help_panel=NET,
        ),
    ] = None,
    cni_version: Annotated[str, typer.Option("--cni-version", help="0.3.1 or 1.0.0.", rich_help_panel=NET)] = "0.3.1",
    ranges: Annotated[list[str], _many("--range", "CIDR|A-B/P", "Address range (repeatable).")] = [],  # noqa: B006
    range_start: Annotated[list[str], _many("--range-start", "IP", "First address to hand out, per range.")] = [],  # noqa: B006
    range_end: Annotated[list[str], _many("--range-end", "IP", "Last address to hand out, per range.")] = [],  # noqa: B006
    gateway: Annotated[list[str], _many("--gateway", "IP", "Gateway, per range.")] = [],  # noqa: B006
    exclude: Annotated[list[str], _many("--exclude", "CIDR", "whereabouts: addresses never handed out.")] = [],  # noqa: B006
    route: Annotated[list[str], _many("--route", "DST[,GW]", "Route to add in the pod.")] = [],  # noqa: B006
    address: Annotated[list[str], _many("--address", "CIDR[,GW]", "static: an address of the pod.")] = [],  # noqa: B006
    # hidden: Kubernetes ignores DNS from CNI results (the kubelet writes resolv.conf); kept only to refuse it
    # with that explanation (ipam_build._untranslatable) instead of "no such option"
    dns: Annotated[
        list[str], typer.Option("--dns", metavar="IP", help="Refused: use the pod's spec.dnsConfig.", hidden=True)
    ] = [],  # noqa: B006
    network_name: Annotated[
        str | None, _many("--network-name", "NAME", "whereabouts: separate pool for a CIDR shared with another NAD.")
    ] = None,
    node_slice_size: Annotated[
        str | None,
        _many(
            "--node-slice-size",
            "/N",
            "whereabouts: give each node its own /N slice of the range (needs the chart's node-slice controller: "
            "rke2-whereabouts.nodeSliceController.enabled; render sets it).",
        ),
    ] = None,
    enable_overlapping_ranges: Annotated[
        bool | None,
        typer.Option(
            "--enable-overlapping-ranges/--no-enable-overlapping-ranges",
            help="whereabouts: check other NADs' overlapping ranges before handing out an IP (its default: on).",
            rich_help_panel=IPAM,
            show_default=False,
        ),
    ] = None,
    log_level: Annotated[
        str | None, _many("--log-level", "debug|verbose|error|panic", "whereabouts: the plugin's log level.")
    ] = None,
    log_file: Annotated[
        str | None, _many("--log-file", "PATH", "whereabouts: log file on the node (absolute).")
    ] = None,
    dhcp_request: Annotated[
        list[str],
        _many(
            "--dhcp-request",
            "OPTION",
            "dhcp: ask the server for OPTION (subnet-mask, routers, host-name, dhcp-client-identifier, user-class, "
            "vendor-class-identifier, or a number such as 121). Repeatable.",
        ),
    ] = [],  # noqa: B006
    dhcp_request_skip_default: Annotated[
        bool,
        typer.Option(
            "--dhcp-request-skip-default",
            help="dhcp: ask only for the --dhcp-request options, not the daemon's default list.",
            rich_help_panel=IPAM,
        ),
    ] = False,
    dhcp_provide: Annotated[
        list[str], _many("--dhcp-provide", "OPTION=VALUE", "dhcp: send OPTION with VALUE. Repeatable.")
    ] = [],  # noqa: B006
    dhcp_provide_from_arg: Annotated[
        list[str],
        _many(
            "--dhcp-provide-from-arg",
            "OPTION=ARG",
            "dhcp: send OPTION with the value of the CNI_ARGS key ARG Multus passes (K8S_POD_NAME, "
            "K8S_POD_NAMESPACE, K8S_POD_UID, K8S_POD_INFRA_CONTAINER_ID), e.g. host-name=K8S_POD_NAME. Repeatable.",
        ),
    ] = [],  # noqa: B006
    host_local_data_dir: Annotated[
        str | None, _many("--host-local-data-dir", "DIR", "host-local: where leases are kept on the node.")
    ] = None,
    distro: Annotated[
        Distro,
        typer.Option(
            "--distro", envvar=ENV_DISTRO, help="rke2: the standard /etc/cni/net.d paths.", rich_help_panel=K3S
        ),
    ] = Distro.k3s,
    k3s_version: Annotated[
        str | None,
        typer.Option(
            "--k3s-version",
            metavar="VERSION",
            envvar=ENV_K3S_VERSION,
            help="K3s version (K3s only).",
            rich_help_panel=K3S,
        ),
    ] = None,
    data_dir: Annotated[
        str | None,
        typer.Option(
            "--data-dir",
            metavar="DIR",
            envvar=ENV_DATA_DIR,
            help=f"K3s --data-dir (K3s only). [default: {k3s.DEFAULT_DATA_DIR}]",
            rich_help_panel=K3S,
        ),
    ] = None,
    output: DocFormatOpt = "yaml",
    out: OutFileOpt = None,
    allow: Annotated[
        list[str] | None,
        typer.Option(
            "--allow",
            metavar="RULE",
            help="Accept the errors of network rule RULE (ipam-..., nad-...: the id in brackets after the "
            "message); printed as a warning, the NAD is written. Repeatable.",
            rich_help_panel=NET,
        ),
    ] = None,
) -> int:
    """Print one NetworkAttachmentDefinition whose CNI config is right by construction.

    Every IP, CIDR and window is checked before anything is printed (host bits, /31 and /32, start/end
    outside the subnet or reversed, gateway outside, exclude outside the range, mixed families,
    overlaps); where whereabouts or host-local would silently ignore a setting, multus-gen refuses it.
    whereabouts NADs always get the configuration_path and kubeconfig of the node: K3s's for --data-dir, or
    RKE2's (/etc/cni/net.d/whereabouts.d/) with --distro rke2.

    \b
    Examples:
      multus-gen nad storage --master eth1 --range 192.168.50.0/24 --exclude 192.168.50.1/32
      multus-gen nad dual --master eth1 --range 10.10.0.0/24 --range fd00:10::/64
      multus-gen nad lan --master eth2 --ipam dhcp
      multus-gen nad lan --master eth2 --ipam dhcp --dhcp-provide-from-arg host-name=K8S_POD_NAME
      multus-gen nad big --master eth1 --range 10.40.0.0/16 --node-slice-size /24
      multus-gen nad trunk --type bridge --bridge br1 --vlan-trunk 100 --vlan-trunk 200-299 --range 10.60.0.0/24
      multus-gen nad local --type bridge --bridge br1 --ipam host-local --range 10.30.0.0/24 --node worker-1
      multus-gen nad v100 --type vlan --master eth1 --vlan-id 100 --range 10.100.0.0/24
      multus-gen nad storage --distro rke2 --master eth1 --range 192.168.50.0/24
      multus-gen nad lan -n apps --master eth2 --ipam dhcp --out lan-nad.yaml
    """
    return call(actions.nad, locals())


def render(
    config: Annotated[
        Path,
        typer.Option(
            "--config",
            "-c",
            metavar="FILE",
            help="Spec file (YAML) describing the installation; - reads it from standard input.",
            readable=False,
        ),
    ],
    output: DocFormatOpt = "yaml",
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out-dir",
            metavar="DIR",
            help="Write files into DIR (created with its parents when missing; atomically; unchanged files are not "
            "touched) instead of stdout.",
        ),
    ] = None,
    gitops_path: Annotated[
        str | None,
        typer.Option(
            "--gitops-path",
            metavar="REL",
            help="Where DIR is in the Git repository, relative to its root (Flux Kustomizations name it). "
            "[default: the spec's gitops.path, else DIR when relative]",
            show_default=False,
        ),
    ] = None,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Delete files render wrote earlier into DIR that the spec no longer produces (recognised by "
            "their header; nothing else is touched), and the folders that leaves empty.",
        ),
    ] = False,
    quiet: QuietOpt = False,
) -> int:
    """Render a whole installation from a spec file: the chart installation and every network's NAD.

    The chart values follow from the networks: any whereabouts network enables rke2-whereabouts (with
    nodeSliceSize also its node-slice controller), any dhcp network the DHCP daemon. Ranges are checked
    across networks and against the cluster's pod and service CIDRs. The NADs always get their own file
    (Flux Kustomization, Argo CD sync wave, Fleet bundle), so that
    a NAD applied before its CRD exists cannot hold back the chart.

    \b
    Files per cluster (P = <cluster>/ in a fleet spec, N = chart name):
      helmchart        P/N.yaml, P/N-networks.yaml
      helmchartconfig  P/N-config.yaml, P/N-networks.yaml (on RKE2 N is rke2-multus, the files multus-*)
      argocd           P/N.yaml (Applications), P/N-networks.yaml (NADs in a later sync wave)
      flux             P/kustomization.yaml, P/N-flux.yaml (two Flux Kustomizations), P/N/, P/N-networks/
      fleet            P/N-crd/fleet.yaml, P/N/fleet.yaml, P/N-networks/ (bundles ordered by dependsOn)
    A fleet's cluster folders also get a kustomization.yaml (`kubectl kustomize DIR/<cluster>` builds it).
    Files render wrote before that the spec no longer produces (a cluster removed from the spec) are
    listed on stderr, and deleted only with --prune.

    \b
    Examples:
      multus-gen render -c multus.yaml
      multus-gen render -c multus.yaml --out-dir clusters/prod/multus
      multus-gen render -c fleet.yaml --out-dir clusters --prune -q
      multus-gen render -c multus.yaml -o json | kubectl apply --dry-run=server -f -
      cat multus.yaml | multus-gen render -c -

    \b
    A spec file:
      format: helmchart            # or helmchartconfig, flux, argocd, fleet
      cluster: {k3sVersion: v1.30.6+k3s1, dataDir: /var/lib/rancher/k3s}   # or {distro: rke2}
      chart: {version: v4.3.017}
      networks:
        - name: storage
          namespace: default
          type: macvlan
          master: eth1
          ipam: {type: whereabouts, range: 192.168.50.0/24, exclude: [192.168.50.1/32]}
      clusters:                    # optional: a fleet, each entry overriding the above
        - name: edge-1
        - name: edge-2
          cluster: {dataDir: /srv/k3s}
    """
    return call(actions.render, locals())
