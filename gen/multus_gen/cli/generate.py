"""Commands that generate the Multus chart installation: helmchart, values, versions."""

from enum import Enum
from typing import Annotated

import typer

from multus_gen.cli import actions
from multus_gen.cli.common import OutputOpt, runs


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


@runs(actions.helmchart, gen_options=True)
def helmchart(output: OutputOpt = None, output_format: FormatOpt = None) -> None:
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


@runs(actions.values, gen_options=True)
def values(output: OutputOpt = None) -> None:
    """Print only the rke2-multus chart values (a multus-values.yaml for `helm install -f`).

    \b
    Examples:
      multus-gen values --ipam whereabouts > multus-values.yaml
      helm install multus rke2-charts/rke2-multus -n kube-system --version v4.3.017 -f multus-values.yaml
    """


class VersionsFormat(str, Enum):
    table = "table"
    json = "json"


@runs(actions.versions)
def versions(
    output_format: Annotated[
        VersionsFormat, typer.Option("--output", "-o", help="table for people, json for scripts.")
    ] = VersionsFormat.table,
    since: Annotated[
        str | None, typer.Option("--since", metavar="VERSION", help="Only versions at or after VERSION.")
    ] = None,
) -> None:
    """List the rke2-multus versions multus-gen knows and their status on K3s.

    verified = the real chart archive is rendered with the Helm engine in multus-gen's conformance suite.

    \b
    Examples:
      multus-gen versions --since v4.2.100
      multus-gen versions -o json | jq -r '.[] | select(.status != "broken") | .version'
    """


def register(app: typer.Typer) -> None:
    app.command("helmchart")(helmchart)
    app.command("values")(values)
    app.command("versions")(versions)
