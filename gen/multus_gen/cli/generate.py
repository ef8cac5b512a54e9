"""Commands that generate the Multus chart installation: helmchart, values, versions."""

from enum import Enum
from typing import Annotated

import typer

from multus_gen.cli import actions
from multus_gen.cli.common import (
    AllowOpt,
    AllowUnknownOpt,
    BootstrapOpt,
    ChartVersionOpt,
    CrdChartVersionOpt,
    DataDirOpt,
    Distro,
    DistroOpt,
    FailurePolicyOpt,
    Ipam,
    IpamOpt,
    K3sVersionOpt,
    NameOpt,
    NamespaceOpt,
    OutputOpt,
    SetOpt,
    SetStringOpt,
    ValuesFilesOpt,
    gen_flags,
    plain,
)


class Format(str, Enum):
    helmchart = "helmchart"
    helmchartconfig = "helmchartconfig"
    flux = "flux"
    argocd = "argocd"
    fleet = "fleet"


FormatOpt = Annotated[
    Format | None,
    typer.Option(
        "--format",
        help="helmchart: K3s HelmChart(s). helmchartconfig: HelmChartConfig(s) customizing an existing HelmChart "
        "(the only format on RKE2). flux: HelmRepository + HelmRelease(s). argocd: Application(s) with sync "
        "waves. fleet: one fleet.yaml per bundle, each after a '# path: <bundle>/fleet.yaml' line. "
        "[default: helmchart; helmchartconfig on RKE2]",
        show_default=False,
    ),
]


def helmchart(
    output: OutputOpt = None,
    output_format: FormatOpt = None,
    distro: DistroOpt = Distro.k3s,
    ipam: IpamOpt = Ipam.host_local,
    k3s_version: K3sVersionOpt = None,
    data_dir: DataDirOpt = None,
    chart_version: ChartVersionOpt = None,
    allow_unknown_chart_version: AllowUnknownOpt = False,
    crd_chart_version: CrdChartVersionOpt = None,
    name: NameOpt = None,
    namespace: NamespaceOpt = None,
    failure_policy: FailurePolicyOpt = None,
    bootstrap: BootstrapOpt = None,
    allow: AllowOpt = [],  # noqa: B006
    values_files: ValuesFilesOpt = [],  # noqa: B006
    set_values: SetOpt = [],  # noqa: B006
    set_string_values: SetStringOpt = [],  # noqa: B006
) -> int:
    """Print the manifests that install Multus (rke2-multus): K3s HelmChart(s), or a GitOps engine's objects.

    For rke2-multus >= v4.3.009 the output holds two releases: the companion rke2-multus-crd chart first (it
    installs the NetworkAttachmentDefinition CRD), then rke2-multus, ordered for the engine (Flux dependsOn,
    Argo CD sync waves, Fleet dependsOn). Every engine gets the same chart values; none of them uninstalls
    Multus when an upgrade fails or the object is removed.

    \b
    Examples:
      multus-gen helmchart --ipam dhcp
      multus-gen helmchart --ipam whereabouts --k3s-version v1.30.5+k3s1 --data-dir /srv/k3s
      multus-gen helmchart --chart-version v4.2.106 -f my-values.yaml --set config.cni_conf.logLevel=debug
      multus-gen helmchart --ipam dhcp -o multus.yaml
      multus-gen helmchart --ipam whereabouts --format flux
      multus-gen helmchart --format argocd --namespace argocd
      multus-gen helmchart --format fleet

    \b
    RKE2 (RKE2 deploys rke2-multus itself; this customizes it):
      multus-gen helmchart --distro rke2 --ipam whereabouts -o /var/lib/rancher/rke2/server/manifests/multus-config.yaml
    """
    return actions.invoke(
        actions.helmchart,
        {
            "output": output,
            "output_format": plain(output_format),
            **gen_flags(
                distro=distro,
                ipam=ipam,
                k3s_version=k3s_version,
                data_dir=data_dir,
                chart_version=chart_version,
                allow_unknown_chart_version=allow_unknown_chart_version,
                crd_chart_version=crd_chart_version,
                name=name,
                namespace=namespace,
                failure_policy=failure_policy,
                bootstrap=bootstrap,
                allow=allow,
                values_files=values_files,
                set_values=set_values,
                set_string_values=set_string_values,
            ),
        },
    )


def values(
    output: OutputOpt = None,
    distro: DistroOpt = Distro.k3s,
    ipam: IpamOpt = Ipam.host_local,
    k3s_version: K3sVersionOpt = None,
    data_dir: DataDirOpt = None,
    chart_version: ChartVersionOpt = None,
    allow_unknown_chart_version: AllowUnknownOpt = False,
    crd_chart_version: CrdChartVersionOpt = None,
    name: NameOpt = None,
    namespace: NamespaceOpt = None,
    failure_policy: FailurePolicyOpt = None,
    bootstrap: BootstrapOpt = None,
    allow: AllowOpt = [],  # noqa: B006
    values_files: ValuesFilesOpt = [],  # noqa: B006
    set_values: SetOpt = [],  # noqa: B006
    set_string_values: SetStringOpt = [],  # noqa: B006
) -> int:
    """Print only the rke2-multus chart values (a multus-values.yaml for `helm install -f`).

    \b
    Examples:
      multus-gen values --ipam whereabouts > multus-values.yaml
      helm install multus rke2-charts/rke2-multus -n kube-system --version v4.3.017 -f multus-values.yaml
    """
    return actions.invoke(
        actions.values,
        {
            "output": output,
            **gen_flags(
                distro=distro,
                ipam=ipam,
                k3s_version=k3s_version,
                data_dir=data_dir,
                chart_version=chart_version,
                allow_unknown_chart_version=allow_unknown_chart_version,
                crd_chart_version=crd_chart_version,
                name=name,
                namespace=namespace,
                failure_policy=failure_policy,
                bootstrap=bootstrap,
                allow=allow,
                values_files=values_files,
                set_values=set_values,
                set_string_values=set_string_values,
            ),
        },
    )


class VersionsFormat(str, Enum):
    table = "table"
    json = "json"


def versions(
    output_format: Annotated[
        VersionsFormat, typer.Option("--output", "-o", help="table for people, json for scripts.")
    ] = VersionsFormat.table,
    since: Annotated[
        str | None, typer.Option("--since", metavar="VERSION", help="Only versions at or after VERSION.")
    ] = None,
) -> int:
    """List the rke2-multus versions multus-gen knows and what each can run on K3s, per IPAM.

    broken = Multus itself does not work on K3s with it; "no dhcp" (etc.) = Multus works, that IPAM does not.
    WHY says what breaks; the generators refuse those versions for those IPAMs and name one that works.
    verified = the real chart archive is rendered with the Helm engine in multus-gen's conformance suite.

    \b
    Examples:
      multus-gen versions --since v4.2.100
      multus-gen versions -o json | jq -r '.[] | select(.ipams.whereabouts == "works") | .version'
    """
    return actions.invoke(actions.versions, {"output_format": output_format.value, "since": since})
