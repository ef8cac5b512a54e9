"""Shared Typer pieces: option types, the shared generation flags (``Annotated`` aliases), plain values.

Only declarations live here; what a command does is in ``multus_gen.cli.actions``.
"""

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import click
import typer

from multus_gen.knowledge import charts, helm_controller, k3s
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

# Environment variables for the cluster flags (an explicit flag wins; a spec file given with -c wins too).
ENV_K3S_VERSION = "MULTUS_GEN_K3S_VERSION"
ENV_DATA_DIR = "MULTUS_GEN_DATA_DIR"
ENV_CHART_VERSION = "MULTUS_GEN_CHART_VERSION"
ENV_DISTRO = "MULTUS_GEN_DISTRO"
#: The parameters those variables feed: ignored when a spec file (-c) describes the cluster instead.
ENV_PARAMS = ("distro", "k3s_version", "data_dir", "chart_version")
VALUES_PANEL = "Values (helm order: -f files, then --set, then --set-string)"

# The shared generation flags (helmchart, values, install, commit). A command that takes them declares them
# after its own parameters, in this order and with these defaults; ``call`` hands every parameter to the action:
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
#     set_json_values: SetJsonOpt = [],
#     set_file_values: SetFileOpt = [],

DistroOpt = Annotated[
    Distro,
    typer.Option(
        "--distro",
        envvar=ENV_DISTRO,
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
        envvar=ENV_K3S_VERSION,
        help="K3s version of the cluster, e.g. v1.30.5+k3s1 (`k3s --version`); K3s only. "
        f"[default: {helm_controller.DEFAULT_K3S_VERSION}]",
        rich_help_panel=GEN_PANEL,
    ),
]
DataDirOpt = Annotated[
    str | None,
    typer.Option(
        "--data-dir",
        metavar="DIR",
        envvar=ENV_DATA_DIR,
        help=f"K3s --data-dir (absolute); K3s only. [default: {k3s.DEFAULT_DATA_DIR}]",
        rich_help_panel=GEN_PANEL,
    ),
]
ChartVersionOpt = Annotated[
    str | None,
    typer.Option(
        "--chart-version",
        metavar="VERSION",
        envvar=ENV_CHART_VERSION,
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
        "-n",
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
        help="YAML values file merged over the generated values (repeatable, in order); - reads standard input.",
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
SetJsonOpt = Annotated[
    list[str],
    typer.Option(
        "--set-json",
        metavar="KEY=JSON",
        help='Set a value to a JSON document, helm grammar: a.b={"c":[1,2]} (repeatable; before --set).',
        rich_help_panel=VALUES_PANEL,
    ),
]
SetFileOpt = Annotated[
    list[str],
    typer.Option(
        "--set-file",
        metavar="KEY=PATH",
        help="Set a value to the contents of a file, helm grammar (repeatable; applied last).",
        rich_help_panel=VALUES_PANEL,
    ),
]


# The chart source flags (air-gapped and mirrored clusters), after the values flags, in this order:
#     repo: RepoOpt = None,
#     repo_ca: RepoCaOpt = None,
#     auth_secret: AuthSecretOpt = None,
#     plain_http: PlainHttpOpt = False,
#     insecure_skip_tls_verify: InsecureSkipTlsVerifyOpt = False,
#     chart_archive: ChartArchiveOpt = None,
#     crd_chart_archive: CrdChartArchiveOpt = None,
#     system_default_registry: SystemDefaultRegistryOpt = None,
#     image_pull_secret: ImagePullSecretOpt = None,
SOURCE_PANEL = "Chart source and registry (air-gapped clusters)"
RepoOpt = Annotated[
    str | None,
    typer.Option(
        "--repo",
        metavar="URL",
        help="Chart repository mirror (https://HOST/PATH with an index.yaml) or OCI registry path (oci://HOST/PATH) "
        "holding rke2-multus (and rke2-multus-crd); http:// only with --plain-http. "
        f"[default: {charts.CHART_REPO}]",
        rich_help_panel=SOURCE_PANEL,
    ),
]
#: ``commit`` names its Git working tree --repo: there the chart repository is --chart-repo.
ChartRepoOpt = Annotated[
    str | None,
    typer.Option(
        "--chart-repo",
        metavar="URL",
        help="Chart repository mirror or OCI registry path (what --repo is for the other commands). "
        f"[default: {charts.CHART_REPO}]",
        rich_help_panel=SOURCE_PANEL,
    ),
]
RepoCaOpt = Annotated[
    Path | None,
    typer.Option(
        "--repo-ca",
        metavar="FILE",
        help="PEM CA bundle of the mirror: HelmChart repoCA; Flux certSecretRef (a Secret you create, see README).",
        rich_help_panel=SOURCE_PANEL,
    ),
]
AuthSecretOpt = Annotated[
    str | None,
    typer.Option(
        "--auth-secret",
        metavar="NAME",
        help="Secret with the mirror's credentials (HelmChart authSecret, basic-auth; dockerRegistrySecret for "
        "oci://; Flux secretRef).",
        rich_help_panel=SOURCE_PANEL,
    ),
]
PlainHttpOpt = Annotated[
    bool,
    typer.Option("--plain-http", help="The mirror speaks plain http (unencrypted).", rich_help_panel=SOURCE_PANEL),
]
InsecureSkipTlsVerifyOpt = Annotated[
    bool,
    typer.Option(
        "--insecure-skip-tls-verify",
        help="Do not verify the mirror's certificate (warned; prefer --repo-ca).",
        rich_help_panel=SOURCE_PANEL,
    ),
]
ChartArchiveOpt = Annotated[
    Path | None,
    typer.Option(
        "--chart-archive",
        metavar="FILE",
        help="Local rke2-multus .tgz: embedded as the HelmChart's chartContent (up to about 768 KiB), or served "
        "by K3s with install --static-chart. Its version is the chart version.",
        rich_help_panel=SOURCE_PANEL,
    ),
]
CrdChartArchiveOpt = Annotated[
    Path | None,
    typer.Option(
        "--crd-chart-archive",
        metavar="FILE",
        help="Local rke2-multus-crd .tgz beside --chart-archive (rke2-multus >= v4.3.009).",
        rich_help_panel=SOURCE_PANEL,
    ),
]
SystemDefaultRegistryOpt = Annotated[
    str | None,
    typer.Option(
        "--system-default-registry",
        metavar="HOST[:PORT]",
        help="Private registry every chart image is pulled from (global.systemDefaultRegistry); K3s only: on "
        "RKE2 it is RKE2's own config.yaml setting.",
        rich_help_panel=SOURCE_PANEL,
    ),
]
ImagePullSecretOpt = Annotated[
    str | None,
    typer.Option(
        "--image-pull-secret",
        metavar="NAME",
        help="Secret (kube-system) the chart's pods pull their images with (imagePullSecrets).",
        rich_help_panel=SOURCE_PANEL,
    ),
]
StaticChartOpt = Annotated[
    bool,
    typer.Option(
        "--static-chart",
        help="With --chart-archive: copy the archive(s) into <data-dir>/server/static/charts and point the "
        "HelmChart at https://%{KUBERNETES_API}%/static/charts/<file> (no size limit).",
        rich_help_panel=SOURCE_PANEL,
    ),
]
Rke2VersionOpt = Annotated[
    str | None,
    typer.Option(
        "--rke2-version",
        metavar="VERSION",
        help="RKE2 release of the cluster (--distro rke2), e.g. v1.34.2+rke2r1, the image tag v1.34.2-rke2r1 or the "
        "line `rke2 --version` prints: the HelmChartConfigs follow the rke2-multus it ships (and rke2-multus-crd "
        "from v1.37). See `multus-gen versions --rke2`.",
        rich_help_panel=GEN_PANEL,
    ),
]
TAKEOVER_PANEL = "Taking over a release installed after the K3s docs"
FromValuesOpt = Annotated[
    Path | None,
    typer.Option(
        "--from-values",
        metavar="FILE",
        help="The multus-values.yaml of a release installed with `helm install multus rke2-charts/rke2-multus` as "
        "the K3s docs said: its own settings are kept, the keys multus-gen owns (CNI dirs, multusAutoconfigDir, "
        "cleanupConfigOnExit, whereabouts/dhcp) are replaced, each change is said on stderr; the IPAMs follow the "
        "file unless --ipam is given. The HelmChart (--name, default multus; target namespace kube-system) then "
        "upgrades that release in place. K3s, format helmchart.",
        rich_help_panel=TAKEOVER_PANEL,
        readable=False,
    ),
]
FromChartVersionOpt = Annotated[
    str | None,
    typer.Option(
        "--from-chart-version",
        metavar="VERSION",
        help="With --from-values: the release's chart version, the CHART column of `helm list -n kube-system` "
        "(rke2-multus-v4.2.106). Required when --chart-version ships no CRDs (>= v4.3.009): from <= v4.2.409 that "
        "upgrade would delete every NetworkAttachmentDefinition, and is refused.",
        rich_help_panel=TAKEOVER_PANEL,
    ),
]


def explicit(name: str) -> bool:
    """True when the current command's parameter ``name`` was given (flag or environment), not defaulted."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return False
    source = ctx.get_parameter_source(name)
    return source is not None and source != click.core.ParameterSource.DEFAULT


def plain(value: Any) -> Any:
    """A Typer value as the actions take it: enum members as their value, lists as tuples."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return tuple(plain(v) for v in value)
    return value


def call(action: Callable[..., int], params: dict[str, Any]) -> int:
    """Run ``action`` with a command's parameters (its ``locals()``: every command names its parameters as its
    action names its keyword arguments), as plain values: enum members as their value, lists as tuples."""
    from multus_gen.cli import actions

    kwargs = {key: plain(value) for key, value in params.items()}
    if "from_values" in params:  # a take-over follows the file's IPAMs unless --ipam is given
        kwargs["ipam_given"] = explicit("ipam")
    return actions.invoke(action, kwargs)


# -- output: -o/--output chooses the format (kubectl), --out names the file -------------------------------

#: What a value of --out must not be: a format name (`--out json` is almost always a mistaken `-o json`).
FORMAT_NAMES = ("yaml", "yml", "json", "text", "table")


def _looks_like_a_path(value: str) -> bool:
    return "/" in value or "." in value or value == "-"


class FormatChoice(click.Choice):  # type: ignore[type-arg]
    """-o/--output FORMAT: click's choice, with the fix when the value is a file name (`-o out.yaml`)."""

    def __init__(self, choices: tuple[str, ...], *, out_flag: bool) -> None:
        super().__init__(choices)
        self.out_flag = out_flag

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value not in self.choices and _looks_like_a_path(value):
            where = f"--out {value}" if self.out_flag else f"> {value}"
            self.fail(
                f"{value!r} is a file name, not a format ({'|'.join(map(str, self.choices))}); "
                f"-o chooses the format, write to a file with {where}",
                param,
                ctx,
            )
        return super().convert(value, param, ctx)


def _out_file(value: Path | None) -> Path | None:
    if value is not None and str(value).lower() in FORMAT_NAMES:
        raise typer.BadParameter(
            f"{str(value)!r} is a format, not a file name; choose the format with -o {value} "
            "(and name the file with --out FILE)"
        )
    return value


DocFormatOpt = Annotated[
    str,
    typer.Option(
        "--output",
        "-o",
        metavar="yaml|json",
        click_type=FormatChoice(("yaml", "json"), out_flag=True),
        help="yaml: the documents as a YAML stream with the multus-gen header. json: the one object, or a "
        "Kubernetes List (apiVersion v1, kind List, items) when there are several; no header.",
    ),
]
OutFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        metavar="FILE",
        help="Write to FILE (atomically; - is stdout) instead of stdout.",
        callback=_out_file,
    ),
]
QuietOpt = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="One summary line on stderr instead of one line per file."),
]


def report_format_opt(choices: tuple[str, str], help_text: str) -> Any:
    """-o/--output for a command that prints a report (versions, validate, rules): ``choices[0]`` is the default."""
    return typer.Option(
        "--output", "-o", metavar="|".join(choices), click_type=FormatChoice(choices, out_flag=False), help=help_text
    )


def env_ignored(config: Path | None) -> dict[str, Any]:
    """The cluster flags that came from MULTUS_GEN_* variables, back at their defaults, when a spec file
    (``config``) describes the cluster: the file is explicit, the environment is not. Merge it over the parameters."""
    ctx = click.get_current_context(silent=True)
    if config is None or ctx is None:
        return {}
    from_env = [p for p in ENV_PARAMS if ctx.get_parameter_source(p) == click.core.ParameterSource.ENVIRONMENT]
    return {p: Distro.k3s.value if p == "distro" else None for p in from_env}
