"""Commands that deliver the HelmChart manifest: install (K3s manifests folder) and commit (GitOps repo).

The file content is exactly what ``multus-gen helmchart`` prints for the same options (see
``multus_gen.build.delivery``). ``multus_gen.sinks.git`` (GitPython) is imported by ``actions.commit`` only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from multus_gen.cli import actions
from multus_gen.cli.common import (
    AllowOpt,
    AllowUnknownOpt,
    AuthSecretOpt,
    BootstrapOpt,
    ChartArchiveOpt,
    ChartRepoOpt,
    ChartVersionOpt,
    CrdChartArchiveOpt,
    CrdChartVersionOpt,
    DataDirOpt,
    Distro,
    DistroOpt,
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
    PlainHttpOpt,
    QuietOpt,
    RepoCaOpt,
    RepoOpt,
    Rke2VersionOpt,
    SetFileOpt,
    SetJsonOpt,
    SetOpt,
    SetStringOpt,
    StaticChartOpt,
    SystemDefaultRegistryOpt,
    ValuesFilesOpt,
    call,
    env_ignored,
)

DELIVERY_PANEL = "Delivery"

ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        metavar="FILE",
        help="Deliver a whole installation from a spec file (HelmCharts and NADs, as `render` makes them) "
        "instead of the flags; - reads it from standard input.",
        rich_help_panel=DELIVERY_PANEL,
        readable=False,  # the loader checks: an unreadable file is invalid input (exit 1)
    ),
]


def install(
    config: ConfigOpt = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            "--cluster",
            metavar="NAME",
            help="With -c FLEET: install the files of this cluster of the fleet (this server's).",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = None,
    manifests_dir: Annotated[
        Path | None,
        typer.Option(
            "--manifests-dir",
            metavar="DIR",
            help="K3s auto-deploy folder to write <name>.yaml into. [default: <data-dir>/server/manifests]",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Write nothing; say what would be written.", rich_help_panel=DELIVERY_PANEL),
    ] = False,
    diff: Annotated[
        bool,
        typer.Option(
            "--diff",
            help="Like kubectl diff: print a unified diff against the current files on stdout and write nothing; "
            "exit 0 when there are no differences, 1 when there are.",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = False,
    root: Annotated[
        Path | None,
        typer.Option(
            "--root",
            metavar="DIR",
            help="The node's files (config, data dir, manifests folder) are under DIR. [default: /]",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = None,
    detect: Annotated[
        bool,
        typer.Option(
            "--detect",
            help="Take the K3s version and data dir from the node (the default on a K3s node without --k3s-version).",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Use --k3s-version/--data-dir even where the node says otherwise.",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = False,
    quiet: QuietOpt = False,
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
    static_chart: StaticChartOpt = False,
    from_values: FromValuesOpt = None,
    from_chart_version: FromChartVersionOpt = None,
    rke2_version: Rke2VersionOpt = None,
) -> int:
    """Write the HelmChart manifest into the K3s auto-deploy folder of this server.

    The file is DIR/<name>.yaml (default /var/lib/rancher/k3s/server/manifests/multus.yaml), with exactly
    what `multus-gen helmchart` prints for the same options. It is replaced atomically (mode 0600) and only
    when its content changes, so an unchanged run does not make K3s re-apply it. K3s applies the folder
    about every 15 seconds. The folder must exist (K3s creates it on its first start).

    \b
    What deleting the file does and does not do:
      * Deleting <name>.yaml deletes nothing: K3s never deletes anything when a file is deleted;
        the HelmChart and Multus stay installed.
      * Deleting the HelmChart object (kubectl delete helmchart -n kube-system multus) runs
        helm uninstall and removes Multus from every node. Delete the file (or .skip it) first,
        or K3s applies it again on its next start.
      * To stop K3s from managing the file, create <name>.yaml.skip next to it: K3s then leaves
        the file alone (and so does multus-gen, which refuses to write it).
      * K3s applies the folder on every server, but does not sync it between servers: run install
        on each server with the same options, or use GitOps (multus-gen commit).
      * On a K3s node without --k3s-version (or with --detect), the K3s version (`k3s --version`) and
        data dir (config.yaml, config.yaml.d, the systemd unit) come from the node; a flag that
        disagrees with the node is refused unless --force. Agents do not read the folder.

    \b
    Examples:
      sudo multus-gen install --ipam dhcp
      sudo multus-gen install --ipam dhcp --diff      # exit 1: there are differences (nothing written)
      sudo "$(command -v multus-gen)" install --ipam dhcp   # multus-gen in a venv or pipx
      sudo multus-gen install --ipam whereabouts --k3s-version v1.30.5+k3s1 --data-dir /srv/k3s
      multus-gen install --ipam dhcp --manifests-dir ./out
      multus-gen install --ipam dhcp --root /mnt/node --k3s-version v1.30.5+k3s1   # a node's image
      sudo multus-gen install -c multus.yaml     # HelmCharts and NADs, as two files
    """
    return call(actions.install, {**locals(), **env_ignored(config)})


def commit(
    repo: Annotated[
        Path,
        typer.Option(
            "--repo", metavar="PATH", help="Root folder of the Git working tree.", rich_help_panel=DELIVERY_PANEL
        ),
    ],
    path: Annotated[
        str,
        typer.Option(
            "--path",
            metavar="REL",
            help="File path relative to the repository root, e.g. clusters/prod/multus.yaml "
            "(ending in / means REL<name>.yaml); with --config, the folder the files go into.",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ],
    branch: Annotated[
        str | None,
        typer.Option(
            "--branch",
            metavar="B",
            help="Commit on branch B (created when missing) instead of the checked-out branch.",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = None,
    message: Annotated[
        str | None,
        typer.Option(
            "--message",
            "-m",
            metavar="M",
            help="Commit message. [default: names the chart version, IPAM and K3s version]",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = None,
    push: Annotated[
        bool,
        typer.Option("--push", help="Push the branch to the remote afterwards.", rich_help_panel=DELIVERY_PANEL),
    ] = False,
    remote: Annotated[
        str,
        typer.Option("--remote", metavar="R", help="Remote to push to.", rich_help_panel=DELIVERY_PANEL),
    ] = "origin",
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Overwrite uncommitted changes to the manifest file itself.",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = False,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="With --config: delete, in the same commit, files an earlier commit -c of this spec recorded "
            "that it no longer produces (a cluster removed from the spec), if they still hold the recorded bytes.",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Check everything and show what would be committed and deleted; write nothing.",
            rich_help_panel=DELIVERY_PANEL,
        ),
    ] = False,
    config: ConfigOpt = None,
    quiet: QuietOpt = False,
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
    chart_repo: ChartRepoOpt = None,
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
    """Commit the HelmChart manifest into a GitOps repository (that one file; nothing else is touched).

    The file holds exactly what `multus-gen helmchart` prints for the same options. The commit goes on the
    checked-out branch (working tree and index follow for that file only), or on --branch (created from
    <remote>/B or HEAD when missing; the working tree is not touched). Nothing is committed when the branch
    already holds these bytes. Your other changes -- staged, unstaged, untracked -- stay as they are;
    uncommitted changes (staged or not) to the manifest file itself are refused unless --force. With --push,
    the remote is checked before committing, and a remote that moved on is handled by re-making the commit on
    top of it when only this file is involved.

    Git's own settings apply: the author/committer come from GIT_AUTHOR_*/GIT_COMMITTER_* (NAME, EMAIL,
    DATE), EMAIL and git config as for `git commit`; without a git identity nothing is committed unless you
    set MULTUS_GEN_GIT_IDENTITY="Name <email>" (or "default": multus-gen <multus-gen@localhost>), used only
    where git has none. With commit.gpgsign the commit is signed by git (gpg.format, user.signingkey) or
    refused. Commit hooks (pre-commit, commit-msg, ...) never run; with --push your pre-push hook runs
    (as with `git push`) and can stop the push. core.autocrlf and .gitattributes eol rules are honoured.

    With --config the spec's files go under --path, with the spec's record (PATH/.multus-gen/<key>.record, the
    one render keeps) in the same commit. Files an earlier commit of the spec recorded and this one no longer
    produces (a cluster removed from the spec) are reported ("cluster edge-7 is no longer in the spec; its 3
    files are kept (use --prune)"); --prune deletes them in the same commit -- only files that still hold the
    bytes multus-gen committed (an edited file is kept and reported), never anything outside --path.
    An unchanged `commit -c` is answered from the cache when the branch still has the tree it left.
    Every cluster's chart file on the branch is an upgrade: a jump that deletes every NAD (rke2-multus
    <= v4.2.409 straight to >= v4.3.009) is refused naming the cluster, unless the spec's chart.allow allows it.

    \b
    Examples:
      multus-gen commit --ipam dhcp --repo ~/fleet --path clusters/prod/multus.yaml
      multus-gen commit --ipam dhcp --repo . --path clusters/prod/ --branch multus-update --push
      multus-gen commit --repo . --path multus.yaml -m "multus: pin v4.3.017"
      multus-gen commit -c fleet.yaml --repo ~/fleet --path clusters/
      multus-gen commit -c fleet.yaml --repo ~/fleet --path clusters/ --prune --dry-run
      multus-gen commit --from-values multus-values.yaml --repo . --path clusters/prod/   # take over a release
    """
    return call(actions.commit, {**locals(), **env_ignored(config)})


def plan(
    from_file: Annotated[
        Path,
        typer.Option(
            "--from",
            metavar="FILE",
            help="The manifest file in place today (one install or commit wrote, or any HelmChart file).",
        ),
    ],
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
    """Show what replacing an existing manifest with the one for these options changes; write nothing.

    Prints a unified diff of the documents on stdout and every transition note on stderr: the CRD split
    (an upgrade from rke2-multus <= v4.2.409 straight to >= v4.3.009 deletes every NetworkAttachmentDefinition:
    exit 1, with the safe path), the CRD chart adopting the CRDs, a K3s upgrade that moves the CNI bin dir,
    whereabouts enabled on an existing release. install and commit refuse the same unsafe transitions.
    With --from-values (a release installed after the K3s docs), the keys the take-over replaces and the
    transition from the release's --from-chart-version are said too.

    \b
    Examples:
      multus-gen plan --from /var/lib/rancher/k3s/server/manifests/multus.yaml --chart-version v4.3.017
      multus-gen plan --from multus.yaml --k3s-version v1.33.7+k3s1 --ipam whereabouts
      multus-gen plan --from multus.yaml --from-values multus-values.yaml --from-chart-version v4.2.106
    """
    return call(actions.plan, locals())
