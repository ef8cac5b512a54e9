"""The validate command: check files and folders of manifests (HelmChart, NAD, Flux, Argo CD, Fleet, spec files).

Walking and reading are in ``multus_gen.check.walk``, every rule in ``multus_gen.check.rules``.
"""

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer

from multus_gen.cli import actions
from multus_gen.cli.common import Distro, plain
from multus_gen.knowledge import charts, k3s


class Format(str, Enum):
    text = "text"
    json = "json"


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH...",
            help="Files and folders to check (folders recursively; .yaml, .yml and .json files).",
            show_default=False,
            readable=False,  # an unreadable file is a finding (exit 1), not a usage error
        ),
    ] = None,
    k3s_version: Annotated[
        str | None,
        typer.Option(
            "--k3s-version",
            metavar="VERSION",
            help=f"K3s version of the cluster, e.g. v1.30.5+k3s1. [default: {k3s.DEFAULT_K3S_VERSION}]",
        ),
    ] = None,
    data_dir: Annotated[str, typer.Option("--data-dir", metavar="DIR", help="K3s --data-dir.")] = k3s.DEFAULT_DATA_DIR,
    distro: Annotated[Distro, typer.Option("--distro", help="Distribution of the cluster.")] = Distro.k3s,
    values_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--values-file",
            metavar="FILE",
            help="Also check FILE as plain rke2-multus values (a multus-values.yaml for helm install -f); repeatable.",
        ),
    ] = None,
    chart_version: Annotated[
        str | None,
        typer.Option(
            "--chart-version",
            metavar="VERSION",
            help=f"rke2-multus version the --values-file files are for. [default: {charts.DEFAULT_CHART_VERSION}]",
        ),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--output", "-o", help="text (one finding per line) or json (a report).")
    ] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    allow: Annotated[
        list[str] | None,
        typer.Option(
            "--allow",
            metavar="RULE",
            help="Report the errors of rule RULE (the id in brackets after each finding) as warnings; repeatable.",
        ),
    ] = None,
) -> int:
    """Check Multus manifests in files and folders against a cluster's K3s version and data dir.

    Understands K3s HelmChart/HelmChartConfig for rke2-multus and rke2-multus-crd, NetworkAttachmentDefinitions,
    Flux HelmReleases, Argo CD Applications, Fleet fleet.yaml files and multus-gen spec files; skips
    everything else. Checks the CRD shape, a pinned and known chart version, the CNI dirs, kubeconfig and
    multusAutoconfigDir for the K3s and chart versions, the whereabouts and DHCP prerequisites, the companion
    CRD chart, failurePolicy, and every NAD's CNI and IPAM config.

    Findings go to stdout as FILE::$.json.path (document, line): message (fix); a summary goes to stderr.
    Exit codes: 0 no errors (warnings allowed unless --strict), 1 findings, 2 usage error.

    \b
    Examples:
      multus-gen validate clusters/
      multus-gen validate multus.yaml --k3s-version v1.30.5+k3s1 --data-dir /srv/k3s
      multus-gen validate --values-file multus-values.yaml --chart-version v4.2.202
      multus-gen validate manifests/ -o json | jq '.findings[] | select(.severity == "error")'
    """
    return actions.invoke(
        actions.validate,
        {
            "paths": plain(paths),
            "k3s_version": k3s_version,
            "data_dir": data_dir,
            "distro": distro.value,
            "values_files": plain(values_files),
            "chart_version": chart_version,
            "output_format": output_format.value,
            "strict": strict,
            "allow": plain(allow),
        },
    )
