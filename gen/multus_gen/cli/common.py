"""Shared Typer pieces: option types, the shared generation flags, and the bridge to the actions.

Only declarations live here; what a command does is in ``multus_gen.cli.actions``.
"""

import functools
import inspect
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from multus_gen.cli import actions
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

_GEN_PARAMS = [
    inspect.Parameter(
        "distro",
        inspect.Parameter.KEYWORD_ONLY,
        default=Distro.k3s,
        annotation=Annotated[
            Distro,
            typer.Option(
                "--distro",
                help="Kubernetes distribution. rke2: RKE2 deploys rke2-multus itself; multus-gen emits the "
                "HelmChartConfig rke2-multus with only what differs from RKE2's own values.",
                rich_help_panel=GEN_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "ipam",
        inspect.Parameter.KEYWORD_ONLY,
        default=Ipam.host_local,
        annotation=Annotated[
            Ipam,
            typer.Option("--ipam", help="IPAM plugin the networks will use.", rich_help_panel=GEN_PANEL),
        ],
    ),
    inspect.Parameter(
        "k3s_version",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option(
                "--k3s-version",
                metavar="VERSION",
                help="K3s version of the cluster, e.g. v1.30.5+k3s1 (`k3s --version`); K3s only. "
                f"[default: {k3s.DEFAULT_K3S_VERSION}]",
                rich_help_panel=GEN_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "data_dir",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option(
                "--data-dir",
                metavar="DIR",
                help=f"K3s --data-dir (absolute); K3s only. [default: {k3s.DEFAULT_DATA_DIR}]",
                rich_help_panel=GEN_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "chart_version",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option(
                "--chart-version",
                metavar="VERSION",
                help=f"rke2-multus chart version, exactly as published (see `multus-gen versions`). "
                f"[default: {charts.DEFAULT_CHART_VERSION}, the newest verified]",
                rich_help_panel=GEN_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "allow_unknown_chart_version",
        inspect.Parameter.KEYWORD_ONLY,
        default=False,
        annotation=Annotated[
            bool,
            typer.Option(
                "--allow-unknown-chart-version",
                help="Accept a chart version newer than every known one, with the newest gates (warns).",
                rich_help_panel=GEN_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "name",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option(
                "--name",
                help="HelmChart (and helm release, DaemonSet) name; on RKE2 always rke2-multus. "
                f"[default: {DEFAULT_NAME}]",
                rich_help_panel=GEN_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "namespace",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            str | None,
            typer.Option(
                "--namespace",
                help="Namespace of the HelmChart (HelmChartConfig, Flux HelmRelease, Argo CD Application: "
                f"argocd unless given) object. [default: {DEFAULT_NAMESPACE}]",
                rich_help_panel=GEN_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "failure_policy",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            FailurePolicy | None,
            typer.Option(
                "--failure-policy",
                help="What helm-controller does when an install/upgrade fails. abort keeps the last good "
                "release; reinstall (helm-controller's default) uninstalls Multus from every node first. "
                f"[default: {DEFAULT_FAILURE_POLICY}]",
                rich_help_panel=GEN_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "bootstrap",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[
            bool | None,
            typer.Option(
                "--bootstrap/--no-bootstrap",
                help="Run the helm job with host networking, so a broken CNI config can still be fixed "
                "by the next HelmChart change (K3s HelmChart only). [default: bootstrap]",
                rich_help_panel=GEN_PANEL,
                show_default=False,
            ),
        ],
    ),
    inspect.Parameter(
        "allow",
        inspect.Parameter.KEYWORD_ONLY,
        default=[],
        annotation=Annotated[
            list[str],
            typer.Option(
                "--allow",
                metavar="RULE",
                help="Accept the errors of rule RULE (the id in brackets after each finding; `multus-gen validate` "
                "takes the same flag): they are printed as warnings and the output is written. Repeatable.",
                rich_help_panel=GEN_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "values_files",
        inspect.Parameter.KEYWORD_ONLY,
        default=[],
        annotation=Annotated[
            list[Path],
            typer.Option(
                "--values",
                "-f",
                metavar="FILE",
                help="YAML values file merged over the generated values (repeatable, in order).",
                rich_help_panel=VALUES_PANEL,
                readable=False,  # the loader checks: an unreadable file is invalid input (exit 1), not usage
            ),
        ],
    ),
    inspect.Parameter(
        "set_values",
        inspect.Parameter.KEYWORD_ONLY,
        default=[],
        annotation=Annotated[
            list[str],
            typer.Option(
                "--set",
                metavar="KEY=VAL",
                help="Set a value, helm grammar: a.b=1,l[0]=x,s={a,b} (repeatable).",
                rich_help_panel=VALUES_PANEL,
            ),
        ],
    ),
    inspect.Parameter(
        "set_string_values",
        inspect.Parameter.KEYWORD_ONLY,
        default=[],
        annotation=Annotated[
            list[str],
            typer.Option(
                "--set-string",
                metavar="KEY=VAL",
                help="Like --set, but every value stays a string (repeatable).",
                rich_help_panel=VALUES_PANEL,
            ),
        ],
    ),
]
F = TypeVar("F", bound=Callable[..., Any])


def plain(value: Any) -> Any:
    """A Typer value as the actions take it: enum members as their value, lists as tuples."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return tuple(plain(v) for v in value)
    return value


def runs(action: Callable[..., int], *, gen_options: bool = False) -> Callable[[F], F]:
    """Make the decorated function a Typer command that runs ``action``.

    The decorated function only declares: its parameters (plus the shared generation flags with
    ``gen_options``) and its docstring are the command's flags and help. The command calls ``action`` with
    the parsed values as plain keyword arguments, exactly as the fast lane does (``multus_gen.cli.lane``).
    """

    name = action.__name__

    def decorate(declaration: F) -> F:
        own = list(inspect.signature(declaration, eval_str=True).parameters.values())
        params = own + (_GEN_PARAMS if gen_options else [])

        @functools.wraps(declaration)
        def command(**kwargs: Any) -> int:
            # looked up when called, as the lane does, so a test can stand in for an action on both paths
            return actions.invoke(getattr(actions, name), {key: plain(value) for key, value in kwargs.items()})

        command.__multus_action__ = name  # type: ignore[attr-defined]  # read by typer_app.lane_table
        command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        del command.__wrapped__
        return command  # type: ignore[return-value]

    return decorate


OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout."),
]
