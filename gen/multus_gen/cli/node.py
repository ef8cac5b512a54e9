"""The node commands: doctor (read a K3s/RKE2 node's files) and uninstall (remove multus-gen's files).

What the node says is in ``multus_gen.node``; the files are removed by ``multus_gen.sinks.uninstall``.
"""

from pathlib import Path
from typing import Annotated

import typer

from multus_gen.cli import actions
from multus_gen.cli.common import call, report_format_opt

RootOpt = Annotated[
    Path,
    typer.Option(
        "--root",
        metavar="DIR",
        help="Read the node's files under DIR (a mounted image, a container's root); `k3s --version` runs "
        "only when DIR is /.",
    ),
]

_DATA_DIR_HELP = "K3s --data-dir. [default: what the node's config and systemd unit say]"
_VERSION_HELP = "K3s version of the node. [default: `k3s --version` when k3s is on PATH and the root is /]"


def doctor(
    root: RootOpt = Path("/"),
    data_dir: Annotated[str | None, typer.Option("--data-dir", metavar="DIR", help=_DATA_DIR_HELP)] = None,
    k3s_version: Annotated[str | None, typer.Option("--k3s-version", metavar="VERSION", help=_VERSION_HELP)] = None,
    output_format: Annotated[
        str, report_format_opt(("text", "json"), "text (one line per fact and finding) or json (a report).")
    ] = "text",
) -> int:
    """Check this K3s/RKE2 node's Multus set-up; reads only.

    Finds the K3s version, data dir (config.yaml, config.yaml.d/*.yaml, the systemd unit) and primary CNI,
    then checks the CNI conf dir (which config is used, 00-multus.conf and the paths in it, Multus'
    kubeconfig, whereabouts' files, the DHCP socket), the CNI bin dir (multus and the plugins the NADs need)
    and the manifests folder (with validate's rules). Exit 0 without errors, 1 with.

    \b
    Examples:
      sudo multus-gen doctor
      multus-gen doctor --root /mnt/node-image --k3s-version v1.30.5+k3s1
      sudo multus-gen doctor -o json | jq '.findings'
    """
    return call(actions.doctor, locals())


def uninstall(
    manifests_dir: Annotated[
        Path | None,
        typer.Option(
            "--manifests-dir", metavar="DIR", help="K3s auto-deploy folder. [default: the node's, under --root]"
        ),
    ] = None,
    root: RootOpt = Path("/"),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Remove nothing; say what would be removed.")] = False,
) -> int:
    """Remove multus-gen's files from the K3s manifests folder and print the remaining steps.

    Only files whose header says multus-gen wrote them (and, where multus-gen keeps records in the folder,
    that it recorded writing) are removed. Removing a file deletes nothing in the cluster: the steps after it
    (kubectl delete helmchart ...) do, and what stays on every node is listed with the commands to remove it.

    \b
    Examples:
      sudo multus-gen uninstall --dry-run
      sudo multus-gen uninstall
    """
    return call(actions.uninstall, locals())
