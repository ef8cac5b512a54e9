"""Commands that generate the Multus chart installation: helmchart, values, versions."""

from enum import Enum
from typing import Annotated

import typer

from multus_gen.cli import actions
from multus_gen.cli.common import (
    AllowOpt,
    AllowUnknownOpt,
    AuthSecretOpt,
    BootstrapOpt,
    ChartArchiveOpt,
    ChartVersionOpt,
    CrdChartArchiveOpt,
    CrdChartVersionOpt,
    DataDirOpt,
    Distro,
    DistroOpt,
    DocFormatOpt,
    FailurePolicyOpt,
    FromChartVersionOpt,
    FromValuesOpt,
    ImagePullSecretOpt,
    InsecureSkipTlsVerifyOpt,
    Ipam,
    IpamOpt,
    K3sVersionOpt,
    NameOpt,
    NamespaceOpt,
    OutFileOpt,
    PlainHttpOpt,
    RepoCaOpt,
    RepoOpt,
    Rke2VersionOpt,
    SetFileOpt,
    SetJsonOpt,
    SetOpt,
    SetStringOpt,
    SystemDefaultRegistryOpt,
    ValuesFilesOpt,
    call,
    report_format_opt,
)


class Format(str, Enum):
    helmchart = "helmchart"
    helmchartconfig = "helmchartconfig"
    flux = "flux"
    argocd = "argocd"
    fleet = "fleet"


VerifyOpt = Annotated[
    bool,
    typer.Option(
        "--verify",
        help="Render --chart-archive with the Helm engine and run `multus-gen verify`'s checks first; an error "
        "prints nothing (exit 1). Needs the extra: pip install 'multus-gen[verify]'.",
    ),
]

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
    output: DocFormatOpt = "yaml",
    out: OutFileOpt = None,
    output_format: FormatOpt = None,
    verify: VerifyOpt = False,
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
    repo: RepoOpt = None,
    repo_ca: RepoCaOpt = None,
    auth_secret: AuthSecretOpt = None,
    plain_http: PlainHttpOpt = False,
    insecure_skip_tls_verify: InsecureSkipTlsVerifyOpt = False,
    chart_archive: ChartArchiveOpt = None,
    crd_chart_archive: CrdChartArchiveOpt = None,
    system_default_registry: SystemDefaultRegistryOpt = None,
    image_pull_secret: ImagePullSecretOpt = None,
    from_values: FromValuesOpt = None,
    from_chart_version: FromChartVersionOpt = None,
    rke2_version: Rke2VersionOpt = None,
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
      multus-gen helmchart --ipam dhcp --out multus.yaml
      multus-gen helmchart --ipam dhcp -o json | jq '.items[].metadata.name'
      multus-gen helmchart --ipam whereabouts --format flux
      multus-gen helmchart --format argocd --namespace argocd
      multus-gen helmchart --format fleet
      multus-gen helmchart --verify --chart-archive rke2-multus-v4.3.017.tgz \\
        --crd-chart-archive rke2-multus-crd-4.3.017.tgz --ipam whereabouts

    \b
    Off the old K3s docs (a release `multus` installed with helm and a multus-values.yaml):
      multus-gen helmchart --from-values multus-values.yaml --from-chart-version rke2-multus-v4.2.106 \\
        --chart-version v4.3.008 --out /var/lib/rancher/k3s/server/manifests/multus.yaml

    \b
    RKE2 (RKE2 deploys rke2-multus itself; this customizes it):
      multus-gen helmchart --distro rke2 --ipam whereabouts \\
        --out /var/lib/rancher/rke2/server/manifests/multus-config.yaml
    """
    return call(actions.helmchart, locals())


def values(
    output: DocFormatOpt = "yaml",
    out: OutFileOpt = None,
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
    system_default_registry: SystemDefaultRegistryOpt = None,
    image_pull_secret: ImagePullSecretOpt = None,
    from_values: FromValuesOpt = None,
    from_chart_version: FromChartVersionOpt = None,
    rke2_version: Rke2VersionOpt = None,
) -> int:
    """Print only the rke2-multus chart values (a multus-values.yaml for `helm install -f`).

    \b
    Examples:
      multus-gen values --ipam whereabouts --out multus-values.yaml
      multus-gen values --ipam whereabouts -o json     # one object: helm reads JSON values too
      helm install multus rke2-charts/rke2-multus -n kube-system --version v4.3.017 -f multus-values.yaml
    """
    return call(actions.values, locals())


def images(
    output_format: Annotated[
        str,
        report_format_opt(
            ("text", "json"),
            "text: one image reference per line (what image mirroring tools such as hauler or an rke2 "
            "images.txt take). json: the chart version, how the list was found, and the images.",
        ),
    ] = "text",
    out: OutFileOpt = None,
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
    chart_archive: ChartArchiveOpt = None,
    crd_chart_archive: CrdChartArchiveOpt = None,
    system_default_registry: SystemDefaultRegistryOpt = None,
    image_pull_secret: ImagePullSecretOpt = None,
    from_values: FromValuesOpt = None,
    from_chart_version: FromChartVersionOpt = None,
    rke2_version: Rke2VersionOpt = None,
) -> int:
    """List every container image (image:tag) the chosen options pull: for mirroring into a private registry.

    With --chart-archive the archive is rendered by the Helm engine (helm-python-sdk) with the values multus-gen
    emits, when it is installed; else the archive's values.yaml is read. Without it, multus-gen's table of the
    versions it keeps (read from their archives) is used. --system-default-registry prefixes every reference,
    as the chart does. stderr says which way the list was found.

    \b
    Examples:
      multus-gen images --ipam whereabouts > images.txt
      multus-gen images --ipam dhcp --system-default-registry registry.example:5000
      multus-gen images --chart-archive rke2-multus-v4.3.017.tgz --crd-chart-archive rke2-multus-crd-4.3.017.tgz -o json
    """
    return call(actions.images, locals())


def versions(
    output_format: Annotated[
        str, report_format_opt(("table", "json"), "table for people, json for scripts.")
    ] = "table",
    since: Annotated[
        str | None, typer.Option("--since", metavar="VERSION", help="Only versions at or after VERSION.")
    ] = None,
    k3s: Annotated[
        bool,
        typer.Option(
            "--k3s",
            help="Instead: the K3s table -- which helm-controller each K3s release ships and which HelmChart "
            "fields and failurePolicy values its CRD accepts, each row with its source.",
        ),
    ] = False,
    rke2: Annotated[
        bool,
        typer.Option(
            "--rke2",
            help="Instead: the RKE2 table -- which rke2-multus each RKE2 release ships and whether it ships the "
            "rke2-multus-crd chart too (what --rke2-version follows), each row with its source.",
        ),
    ] = False,
) -> int:
    """List the rke2-multus versions multus-gen knows and what each can run on K3s, per IPAM.

    broken = Multus itself does not work on K3s with it; "no dhcp" (etc.) = Multus works, that IPAM does not.
    WHY says what breaks; the generators refuse those versions for those IPAMs and name one that works.
    verified = the real chart archive is rendered with the Helm engine in multus-gen's conformance suite.

    \b
    Examples:
      multus-gen versions --since v4.2.100
      multus-gen versions --k3s
      multus-gen versions --rke2
      multus-gen versions -o json | jq -r '.[] | select(.ipams.whereabouts == "works") | .version'
    """
    return call(actions.versions, locals())


def version() -> int:
    """Print the multus-gen version, the date of its snapshot of the published chart versions, and Python's.

    \b
    Examples:
      multus-gen version
      multus-gen --version     # the first line only
    """
    return call(actions.version, locals())
