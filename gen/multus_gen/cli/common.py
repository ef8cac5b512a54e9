"""Shared Typer pieces: option types, the shared generation flags (``Annotated`` aliases), plain values.

Only declarations live here; what a command does is in ``multus_gen.cli.actions``.
"""

from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from multus_gen.knowledge import charts, k3s
from multus_gen.model.options import DEFAULT_FAILURE_POLICY, DEFAULT_NAME, DEFAULT_NAMESPACE


class Ipam(str, Enum):
    host_local = "host-local"
    whereabouts = "whereabouts"
    dhcp = "dhcp"


class FailurePolicy(str, Enum):
    abort = "abort"
    reinstall = "reinstall"
    retry = "retry"


class Distro(str, Enum):
    k3s = "k3s"
    rke2 = "rke2"


GEN_PANEL = "Cluster and chart"
VALUES_PANEL = "Values (helm order: -f files, then --set, then --set-string)"

# The shared generation flags (helmchart, values, install, commit). A command that takes them declares them
# after its own parameters, in this order and with these defaults, and passes them on with ``gen_flags``:
#     distro: DistroOpt = Distro.k3s,
#     ipam: IpamOpt = Ipam.host_local,
#     k3s_version: K3sVersionOpt = None,
#     data_dir: DataDirOpt = None,
#     chart_version: ChartVersionOpt = None,
#     allow_unknown_chart_version: AllowUnknownOpt = False,
#     crd_chart_version: CrdChartVersionOpt = None,
#     name: NameOpt = None,
#     namespace: NamespaceOpt = None,
#     failure_policy: FailurePolicyOpt = None,
#     bootstrap: BootstrapOpt = None,
#     allow: AllowOpt = [],
#     values_files: ValuesFilesOpt = [],
#     set_values: SetOpt = [],
#     set_string_values: SetStringOpt = [],

DistroOpt = Annotated[
    Distro,
    typer.Option(
        "--distro",
        help="Kubernetes distribution. rke2: RKE2 deploys rke2-multus itself; multus-gen emits the "
        "HelmChartConfig rke2-multus with only what differs from RKE2's own values.",
        rich_help_panel=GEN_PANEL,
    ),
]
IpamOpt = Annotated[
    Ipam,
    typer.Option("--ipam", help="IPAM plugin the networks will use.", rich_help_panel=GEN_PANEL),
]
K3sVersionOpt = Annotated[
    str | None,
    typer.Option(
        "--k3s-version",
        metavar="VERSION",
        help="K3s version of the cluster, e.g. v1.30.5+k3s1 (`k3s --version`); K3s only. "
        f"[default: {k3s.DEFAULT_K3S_VERSION}]",
        rich_help_panel=GEN_PANEL,
    ),
]
DataDirOpt = Annotated[
    str | None,
    typer.Option(
        "--data-dir",
        metavar="DIR",
        help=f"K3s --data-dir (absolute); K3s only. [default: {k3s.DEFAULT_DATA_DIR}]",
        rich_help_panel=GEN_PANEL,
    ),
]
ChartVersionOpt = Annotated[
    str | None,
    typer.Option(
        "--chart-version",
        metavar="VERSION",
        help=f"rke2-multus chart version, exactly as published (see `multus-gen versions`). "
        f"[default: {charts.DEFAULT_CHART_VERSION}, the newest verified]",
        rich_help_panel=GEN_PANEL,
    ),
]
AllowUnknownOpt = Annotated[
    bool,
    typer.Option(
        "--allow-unknown-chart-version",
        help="Accept a chart version multus-gen does not know (newer than the index, or a later backport), "
        "with the gates of its number (warns).",
        rich_help_panel=GEN_PANEL,
    ),
]
CrdChartVersionOpt = Annotated[
    str | None,
    typer.Option(
        "--crd-chart-version",
        metavar="VERSION",
        help="rke2-multus-crd version beside an rke2-multus >= v4.3.009 (no 'v'). Required with an unknown "
        "--chart-version; [default: the one published with --chart-version]",
        rich_help_panel=GEN_PANEL,
    ),
]
NameOpt = Annotated[
    str | None,
    typer.Option(
        "--name",
        help=f"HelmChart (and helm release, DaemonSet) name; on RKE2 always rke2-multus. [default: {DEFAULT_NAME}]",
        rich_help_panel=GEN_PANEL,
    ),
]
NamespaceOpt = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        help="Namespace of the HelmChart (HelmChartConfig, Flux HelmRelease, Argo CD Application: "
        f"argocd unless given) object. [default: {DEFAULT_NAMESPACE}]",
        rich_help_panel=GEN_PANEL,
    ),
]
FailurePolicyOpt = Annotated[
    FailurePolicy | None,
    typer.Option(
        "--failure-policy",
        help="What helm-controller does when an install/upgrade fails. abort keeps the last good "
        "release; reinstall (helm-controller's default) uninstalls Multus from every node first. "
        f"[default: {DEFAULT_FAILURE_POLICY}]",
        rich_help_panel=GEN_PANEL,
    ),
]
BootstrapOpt = Annotated[
    bool | None,
    typer.Option(
        "--bootstrap/--no-bootstrap",
        help="Run the helm job with host networking, so a broken CNI config can still be fixed "
        "by the next HelmChart change (K3s HelmChart only). [default: bootstrap]",
        rich_help_panel=GEN_PANEL,
        show_default=False,
    ),
]
AllowOpt = Annotated[
    list[str],
    typer.Option(
        "--allow",
        metavar="RULE",
        help="Accept the errors of rule RULE (the id in brackets after each finding; `multus-gen validate` "
        "takes the same flag): they are printed as warnings and the output is written. Repeatable.",
        rich_help_panel=GEN_PANEL,
    ),
]
ValuesFilesOpt = Annotated[
    list[Path],
    typer.Option(
        "--values",
        "-f",
        metavar="FILE",
        help="YAML values file merged over the generated values (repeatable, in order).",
        rich_help_panel=VALUES_PANEL,
        readable=False,  # the loader checks: an unreadable file is invalid input (exit 1), not usage
    ),
]
SetOpt = Annotated[
    list[str],
    typer.Option(
        "--set",
        metavar="KEY=VAL",
        help="Set a value, helm grammar: a.b=1,l[0]=x,s={a,b} (repeatable).",
        rich_help_panel=VALUES_PANEL,
    ),
]
SetStringOpt = Annotated[
    list[str],
    typer.Option(
        "--set-string",
        metavar="KEY=VAL",
        help="Like --set, but every value stays a string (repeatable).",
        rich_help_panel=VALUES_PANEL,
    ),
]


def plain(value: Any) -> Any:
    """A Typer value as the actions take it: enum members as their value, lists as tuples."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return tuple(plain(v) for v in value)
    return value


def gen_flags(
    *,
    distro: Distro,
    ipam: Ipam,
    k3s_version: str | None,
    data_dir: str | None,
    chart_version: str | None,
    allow_unknown_chart_version: bool,
    crd_chart_version: str | None,
    name: str | None,
    namespace: str | None,
    failure_policy: FailurePolicy | None,
    bootstrap: bool | None,
    allow: list[str],
    values_files: list[Path],
    set_values: list[str],
    set_string_values: list[str],
) -> dict[str, Any]:
    """The shared generation flags as the actions take them (keyword arguments, plain values)."""
    return {
        "distro": distro.value,
        "ipam": ipam.value,
        "k3s_version": k3s_version,
        "data_dir": data_dir,
        "chart_version": chart_version,
        "allow_unknown_chart_version": allow_unknown_chart_version,
        "crd_chart_version": crd_chart_version,
        "name": name,
        "namespace": namespace,
        "failure_policy": plain(failure_policy),
        "bootstrap": bootstrap,
        "allow": tuple(allow),
        "values_files": tuple(values_files),
        "set_values": tuple(set_values),
        "set_string_values": tuple(set_string_values),
    }


OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout."),
]
