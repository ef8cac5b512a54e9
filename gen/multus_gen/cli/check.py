"""The validate command: check files and folders of manifests (HelmChart, NAD, Flux, Argo CD, Fleet, spec files);
the verify command: render a chart archive with the generated values and check it.

Walking and reading are in ``multus_gen.check.walk``, every rule in ``multus_gen.check.rules``.
"""

from pathlib import Path
from typing import Annotated

import typer

from multus_gen.cli import actions
from multus_gen.cli.common import (
    ENV_CHART_VERSION,
    ENV_DATA_DIR,
    ENV_DISTRO,
    ENV_K3S_VERSION,
    AllowOpt,
    AllowUnknownOpt,
    BootstrapOpt,
    ChartVersionOpt,
    CrdChartVersionOpt,
    DataDirOpt,
    Distro,
    DistroOpt,
    FailurePolicyOpt,
    FromChartVersionOpt,
    FromValuesOpt,
    ImagePullSecretOpt,
    Ipam,
    IpamOpt,
    K3sVersionOpt,
    NameOpt,
    NamespaceOpt,
    Rke2VersionOpt,
    SetFileOpt,
    SetJsonOpt,
    SetOpt,
    SetStringOpt,
    ValuesFilesOpt,
    call,
    report_format_opt,
)
from multus_gen.knowledge import charts, helm_controller, k3s


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH...",
            help="Files and folders to check (folders recursively; .yaml, .yml and .json files); - or /dev/stdin "
            "reads one YAML stream from standard input.",
            show_default=False,
            readable=False,  # an unreadable file is a finding (exit 1), not a usage error
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            metavar="SPEC",
            help="The spec the files were rendered from (- reads it from standard input): a file in a cluster's "
            "folder (render's <out-dir>/<cluster name>/; every file for a single-cluster spec) is checked against "
            "that cluster, whatever its # inputs: header says; a header naming another cluster is an error "
            "[file-cluster]. Other files are checked as without it.",
            readable=False,
        ),
    ] = None,
    k3s_version: Annotated[
        str | None,
        typer.Option(
            "--k3s-version",
            metavar="VERSION",
            envvar=ENV_K3S_VERSION,
            help=f"K3s version of the cluster, e.g. v1.30.5+k3s1. [default: {helm_controller.DEFAULT_K3S_VERSION}]",
        ),
    ] = None,
    data_dir: Annotated[
        str, typer.Option("--data-dir", metavar="DIR", envvar=ENV_DATA_DIR, help="K3s --data-dir.")
    ] = k3s.DEFAULT_DATA_DIR,
    distro: Annotated[
        Distro, typer.Option("--distro", envvar=ENV_DISTRO, help="Distribution of the cluster.")
    ] = Distro.k3s,
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
            envvar=ENV_CHART_VERSION,
            help=f"rke2-multus version the --values-file files are for. [default: {charts.DEFAULT_CHART_VERSION}]",
        ),
    ] = None,
    output_format: Annotated[
        str, report_format_opt(("text", "json"), "text (one finding per line) or json (a report).")
    ] = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
    allow_empty: Annotated[
        bool,
        typer.Option(
            "--allow-empty",
            help="Pass when no file was checked (a folder without Multus manifests). Without it that is exit 1, "
            "with the files skipped and why.",
        ),
    ] = False,
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

    Findings go to stdout as FILE::$.json.path (document, line): message (fix) [rule]; a summary goes to
    stderr. The rules are the generators' own (`multus-gen rules` lists them): what validate calls an error,
    helmchart refuses to write. Exit codes: 0 no errors (warnings allowed unless --strict), 1 findings or no
    file checked at all (unless --allow-empty), 2 usage error.

    Which cluster a file is checked against: with -c SPEC, the spec's cluster whose folder holds it; else the
    cluster its `# inputs:` header names (when --k3s-version is not given); else the cluster flags.

    \b
    Examples:
      multus-gen validate clusters/
      multus-gen validate -c fleet.yaml clusters/
      multus-gen validate multus.yaml --k3s-version v1.30.5+k3s1 --data-dir /srv/k3s
      multus-gen validate --values-file multus-values.yaml --chart-version v4.2.202
      multus-gen validate manifests/ -o json | jq '.findings[] | select(.severity == "error")'
      multus-gen validate multus.yaml --allow cni-bin-dir
      multus-gen helmchart --ipam dhcp | multus-gen validate -
    """
    return call(actions.validate, locals())


def rules(
    output_format: Annotated[
        str, report_format_opt(("text", "json"), "text (a table) or json (a list of rules).")
    ] = "text",
) -> int:
    """List the rules behind every finding: id, severity and what it is about.

    One rule has one severity wherever it runs: validate fails on an error, and the generators refuse to write
    an output with one. `--allow RULE` (on validate and every generating command) reports a rule's errors as
    warnings instead, for one run; multus-gen records it in the output's header.

    \b
    Examples:
      multus-gen rules
      multus-gen rules -o json | jq -r '.[] | select(.severity == "error") | .id'
    """
    return call(actions.rules, locals())


def verify(
    chart_archive: Annotated[
        Path,
        typer.Option(
            "--chart-archive",
            metavar="FILE",
            help="The rke2-multus archive (.tgz) the cluster will run. Its version is the chart version "
            "(--chart-version, if given, must match it).",
            readable=False,  # an unreadable file is invalid input (exit 1), not usage
            show_default=False,
        ),
    ],
    crd_chart_archive: Annotated[
        Path | None,
        typer.Option(
            "--crd-chart-archive",
            metavar="FILE",
            help="The rke2-multus-crd archive; required beside rke2-multus >= v4.3.009 (it installs the CRDs).",
            readable=False,
        ),
    ] = None,
    system_default_registry: Annotated[
        str | None,
        typer.Option(
            "--system-default-registry",
            metavar="HOST[:PORT]",
            help="The registry every image must come from (the chart's global.systemDefaultRegistry; on RKE2 "
            "RKE2's own setting of that name).",
        ),
    ] = None,
    output_format: Annotated[
        str, report_format_opt(("text", "json"), "text (one finding per line) or json (a report).")
    ] = "text",
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
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
    set_json_values: SetJsonOpt = [],  # noqa: B006
    set_file_values: SetFileOpt = [],  # noqa: B006
    image_pull_secret: ImagePullSecretOpt = None,
    from_values: FromValuesOpt = None,
    from_chart_version: FromChartVersionOpt = None,
    rke2_version: Rke2VersionOpt = None,
) -> int:
    """Render the chart archive a cluster will run with the values multus-gen emits, and check the result.

    Takes the generating commands' options: the values are exactly those of `multus-gen helmchart` with the same
    options (on RKE2 those of the HelmChartConfig, over the chart's defaults). The Helm engine renders the
    archive as helm-controller's job would; then every DaemonSet is read as a node runs it: Multus' CNI flags
    (conf dir, bin dir, autoconfig dir) and kubeconfig must reach the cluster's CNI dirs through the hostPath
    mounts, the cni-plugins init container must install into the bin dir, no container may mount a path twice,
    the dhcp daemon and the whereabouts DaemonSet must be there and on the right dirs, the CRDs the networks
    need must be installed (rke2-multus >= v4.3.009: by rke2-multus-crd, --crd-chart-archive), and with
    --system-default-registry every image must come from it. The archive must be rke2-multus; its version is
    the chart version. These are the checks multus-gen's conformance suite runs on every chart it knows.

    Findings go to stdout like validate's (where: message (fix) [rule]), a summary to stderr. Exit 0 no
    errors (warnings allowed unless --strict), 1 findings, a refused chart or input, or no Helm engine (install
    it with: pip install 'multus-gen[verify]').

    \b
    Examples:
      multus-gen verify --chart-archive rke2-multus-v4.2.202.tgz --ipam dhcp
      multus-gen verify --chart-archive rke2-multus-v4.3.017.tgz --crd-chart-archive rke2-multus-crd-4.3.017.tgz \\
        --ipam whereabouts --k3s-version v1.30.5+k3s1 --data-dir /srv/k3s
      multus-gen verify --chart-archive rke2-multus-v4.3.017.tgz --crd-chart-archive rke2-multus-crd-4.3.017.tgz \\
        --system-default-registry registry.example.com:5000 -o json
      helm pull rke2-charts/rke2-multus --version v4.2.202 && multus-gen verify --chart-archive rke2-multus-v4.2.202.tgz
    """
    return call(actions.verify, locals())
