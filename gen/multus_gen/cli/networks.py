"""Commands for networks and whole installations: render (a spec file)."""

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from ..knowledge import k3s
from .common import OutputOpt, emit, info, print_notices


class PluginType(str, Enum):
    macvlan = "macvlan"
    ipvlan = "ipvlan"
    bridge = "bridge"
    host_device = "host-device"


class NadIpam(str, Enum):
    host_local = "host-local"
    whereabouts = "whereabouts"
    dhcp = "dhcp"
    static = "static"


NET = "Network"
IPAM = "IPAM (repeat --range for dual stack: whereabouts ipRanges, or several host-local range sets)"
K3S = "Cluster (for the whereabouts paths)"


def _many(flag: str, metavar: str, text: str) -> Any:
    return typer.Option(flag, metavar=metavar, help=text, rich_help_panel=IPAM)


def nad(
    name: Annotated[str, typer.Argument(help="NAD name (a DNS-1123 label); also the CNI network name.")],
    plugin: Annotated[PluginType, typer.Option("--type", help="CNI plugin.", rich_help_panel=NET)] = PluginType.macvlan,
    ipam: Annotated[NadIpam, typer.Option("--ipam", help="IPAM plugin.", rich_help_panel=IPAM)] = NadIpam.whereabouts,
    namespace: Annotated[
        str, typer.Option("--namespace", help="Namespace of the NAD.", rich_help_panel=NET)
    ] = "default",
    master: Annotated[
        str | None,
        typer.Option("--master", metavar="IFACE", help="Parent interface (macvlan, ipvlan).", rich_help_panel=NET),
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
    vlan: Annotated[int | None, typer.Option("--vlan", help="bridge: VLAN tag.", rich_help_panel=NET)] = None,
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
    node: Annotated[
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
    dns: Annotated[list[str], _many("--dns", "IP", "static: a name server.")] = [],  # noqa: B006
    network_name: Annotated[
        str | None, _many("--network-name", "NAME", "whereabouts: separate pool for a CIDR shared with another NAD.")
    ] = None,
    host_local_data_dir: Annotated[
        str | None, _many("--host-local-data-dir", "DIR", "host-local: where leases are kept on the node.")
    ] = None,
    k3s_version: Annotated[
        str | None, typer.Option("--k3s-version", metavar="VERSION", help="K3s version.", rich_help_panel=K3S)
    ] = None,
    data_dir: Annotated[
        str, typer.Option("--data-dir", metavar="DIR", help="K3s --data-dir.", rich_help_panel=K3S)
    ] = k3s.DEFAULT_DATA_DIR,
    output: OutputOpt = None,
) -> None:
    """Print one NetworkAttachmentDefinition whose CNI config is right by construction.

    Every IP, CIDR and window is checked before anything is printed (host bits, /31 and /32, start/end
    outside the subnet or reversed, gateway outside, exclude outside the range, mixed families,
    overlaps); where whereabouts or host-local would silently ignore a setting, multus-gen refuses it.
    whereabouts NADs always get the K3s configuration_path and kubeconfig for --data-dir.

    \b
    Examples:
      multus-gen nad storage --master eth1 --range 192.168.50.0/24 --exclude 192.168.50.1/32
      multus-gen nad dual --master eth1 --range 10.10.0.0/24 --range fd00:10::/64
      multus-gen nad lan --master eth2 --ipam dhcp
      multus-gen nad local --type bridge --bridge br1 --ipam host-local --range 10.30.0.0/24 --node worker-1
    """
    from ..generate import nad_text
    from ..ipam import IpamInputs
    from ..manifests.nad import NadOptions
    from ..options import check_data_dir, parse_k3s_version

    opts = NadOptions(
        name=name,
        namespace=namespace,
        type=plugin.value,
        master=master,
        mode=mode,
        mtu=mtu,
        bridge=bridge,
        is_gateway=is_gateway,
        ip_masq=ip_masq,
        vlan=vlan,
        device=device,
        hwaddr=hwaddr,
        kernelpath=kernelpath,
        pci_bus_id=pci_bus_id,
        node=node,
        cni_version=cni_version,
        k3s_paths=k3s.paths(check_data_dir(data_dir), parse_k3s_version(k3s_version)),
        ipam=IpamInputs(
            kind=ipam.value,
            ranges=tuple(ranges),
            range_start=tuple(range_start),
            range_end=tuple(range_end),
            gateway=tuple(gateway),
            excludes=tuple(exclude),
            routes=tuple(route),
            addresses=tuple(address),
            dns=tuple(dns),
            data_dir=host_local_data_dir,
            network_name=network_name,
        ),
    )
    text, notices = nad_text(opts)
    print_notices(notices)
    emit(text, output)


def render(
    config: Annotated[
        Path, typer.Option("--config", "-c", metavar="FILE", help="Spec file (YAML) describing the installation.")
    ],
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out-dir",
            metavar="DIR",
            help="Write files into DIR (atomically; unchanged files are not touched) instead of stdout.",
        ),
    ] = None,
) -> None:
    """Render a whole installation from a spec file: the HelmChart(s) and every network's NAD.

    The chart values follow from the networks: any whereabouts network enables rke2-whereabouts, any dhcp
    network the DHCP daemon. Ranges are checked across networks and against the cluster's pod and service
    CIDRs. With --out-dir the HelmCharts go to <name>.yaml and the NADs to <name>-networks.yaml, so that a
    NAD applied before its CRD exists cannot hold back the HelmChart.

    \b
    Examples:
      multus-gen render -c multus.yaml
      multus-gen render -c multus.yaml --out-dir clusters/prod/multus

    \b
    A spec file:
      cluster: {k3sVersion: v1.30.6+k3s1, dataDir: /var/lib/rancher/k3s}
      chart: {version: v4.3.017}
      networks:
        - name: storage
          namespace: default
          type: macvlan
          master: eth1
          ipam: {type: whereabouts, range: 192.168.50.0/24, exclude: [192.168.50.1/32]}
    """
    import sys

    from ..generate import render_spec
    from ..spec import load_spec

    spec = load_spec(config)
    rendered = list(render_spec(spec))  # everything is checked before the first file is written
    for cluster in rendered:
        print_notices(cluster.notices)
    if out_dir is None:
        single = len(rendered) == 1 and not spec.fleet
        for cluster in rendered:
            for i, manifest in enumerate(cluster.manifests):
                text = manifest.content
                if single and i > 0:  # one stream: drop the repeated header of the second file
                    text = text[text.index("---\n") :]
                if not single:
                    sys.stdout.write(f"# path: {manifest.path}\n")
                sys.stdout.write(text)
        return
    from ..sinks.folder import write_manifests

    for cluster in rendered:
        for outcome in write_manifests(out_dir, cluster.manifests, fsync=False, mode=0o644):
            info(f"{outcome.path}: {outcome.status}")


def register(app: typer.Typer) -> None:
    app.command("nad")(nad)
    app.command("render")(render)
