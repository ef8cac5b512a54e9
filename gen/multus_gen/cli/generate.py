"""Commands that generate the Multus chart installation: helmchart, values, versions."""

import json
import sys
from enum import Enum
from typing import Annotated

import click
import typer

from ..generate import helmchart_text, values_text
from ..knowledge import charts
from ..options import GenOptions
from .common import OutputOpt, emit, print_notices, with_gen_options


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


def helmchart(opts: GenOptions, output: OutputOpt = None, output_format: FormatOpt = None) -> None:
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
    text, notices = helmchart_text(opts, fmt=output_format.value if output_format is not None else None)
    print_notices(notices)
    emit(text, output)


def values(opts: GenOptions, output: OutputOpt = None) -> None:
    """Print only the rke2-multus chart values (a multus-values.yaml for `helm install -f`).

    \b
    Examples:
      multus-gen values --ipam whereabouts > multus-values.yaml
      helm install multus rke2-charts/rke2-multus -n kube-system --version v4.3.017 -f multus-values.yaml
    """
    text, notices = values_text(opts)
    print_notices(notices)
    emit(text, output)


class VersionsFormat(str, Enum):
    table = "table"
    json = "json"


def _rows() -> list[dict[str, object]]:
    rows = []
    for version in charts.PUBLISHED:
        facts = charts.chart_facts(version)
        if facts.status == charts.BROKEN:
            status = "broken"
            why = f"{facts.layout.note} ({facts.layout.source})"
        elif facts.needs_crd_chart:
            status = "needs CRD chart"
            why = f"install rke2-multus-crd {facts.crd_chart_version} too (multus-gen emits it); {facts.layout.value}"
        else:
            status = "supported"
            why = facts.layout.value + (", sets multusAutoconfigDir" if facts.sets_autoconfig_dir else "")
        rows.append(
            {
                "version": version,
                "status": status,
                "verified": facts.verified,
                "crd_chart": facts.crd_chart_version,
                "layout": facts.layout.value,
                "why": why,
            }
        )
    return rows


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
    rows = _rows()
    if since is not None:
        key = charts.version_key(since)
        if key is None:
            raise typer.BadParameter(f"{since!r} is not a version", param_hint="--since")
        rows = [r for r in rows if (charts.version_key(str(r["version"])) or key) >= key]
    if output_format is VersionsFormat.json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    head = ["VERSION", "STATUS", "VERIFIED", "CRD CHART", "WHY"]
    table = [
        [
            str(r["version"]),
            str(r["status"]),
            "yes" if r["verified"] else "-",
            str(r["crd_chart"] or "-"),
            str(r["why"]),
        ]
        for r in rows
    ]
    widths = [max(len(head[i]), *(len(row[i]) for row in table)) for i in range(4)]
    colours = {"broken": "red", "needs CRD chart": "cyan", "supported": "green"}
    click.echo(click.style("  ".join(h.ljust(w) for h, w in zip(head, [*widths, 0], strict=True)).rstrip(), bold=True))
    for row in table:
        cells = [row[i].ljust(widths[i]) for i in range(4)]
        cells[1] = click.style(cells[1], fg=colours.get(row[1]))
        if row[2] == "yes":
            cells[2] = click.style(cells[2], bold=True)
        click.echo("  ".join([*cells, row[4]]))
    click.echo(
        f"default: {charts.DEFAULT_CHART_VERSION} (newest verified); source: {charts.INDEX_SOURCE}",
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("helmchart")(with_gen_options(helmchart))
    app.command("values")(with_gen_options(values))
    app.command("versions")(versions)
