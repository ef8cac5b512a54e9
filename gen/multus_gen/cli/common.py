"""Shared CLI pieces: option types, the shared generation options, output and notices.

Only parsing and printing lives here; every decision is made in the core.
"""

import functools
import inspect
import sys
from collections.abc import Callable, Iterable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import click
import typer

from ..knowledge import charts, k3s
from ..options import DEFAULT_FAILURE_POLICY, DEFAULT_NAME, DEFAULT_NAMESPACE, GenOptions, make_gen_options
from ..plan import NOTE, Notice


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
_GEN_NAMES = [p.name for p in _GEN_PARAMS]

F = TypeVar("F", bound=Callable[..., Any])


def with_gen_options(func: F) -> F:
    """Give a command the shared generation flags; it receives them as one ``opts: GenOptions``."""
    own = [p for p in inspect.signature(func, eval_str=True).parameters.values() if p.name != "opts"]

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> Any:
        raw = {name: kwargs.pop(name) for name in _GEN_NAMES}
        policy = raw["failure_policy"]
        opts = make_gen_options(
            distro=raw["distro"].value,
            ipam=raw["ipam"].value,
            k3s_version=raw["k3s_version"],
            data_dir=raw["data_dir"],
            chart_version=raw["chart_version"],
            allow_unknown_chart_version=raw["allow_unknown_chart_version"],
            name=raw["name"],
            namespace=raw["namespace"],
            failure_policy=policy.value if policy is not None else None,
            bootstrap=raw["bootstrap"],
            values_files=tuple(raw["values_files"]),
            set_values=tuple(raw["set_values"]),
            set_string_values=tuple(raw["set_string_values"]),
        )
        return func(opts=opts, **kwargs)

    params = own + _GEN_PARAMS
    wrapper.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    del wrapper.__wrapped__
    return wrapper  # type: ignore[return-value]


OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="FILE", help="Write to FILE (atomically) instead of stdout."),
]


def print_notices(notices: Iterable[Notice]) -> None:
    for notice in notices:
        if notice.level == NOTE:
            click.echo(click.style("multus-gen: note: ", fg="cyan") + notice.one_line(), err=True)
        else:
            click.echo(click.style("multus-gen: warning: ", fg="yellow") + notice.one_line(), err=True)


def info(message: str) -> None:
    click.echo(message, err=True)


def emit(text: str, output: Path | None) -> None:
    """Manifests to stdout, or atomically to ``output`` (mode 0644); a note on stderr says what happened."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from ..sinks.folder import write_file

    outcome = write_file(output, text, mode=0o644)
    info(f"{outcome.path}: {outcome.status}")


def gen_options_doc(opts: GenOptions) -> str:
    return f"{opts.ipam} on {opts.distro_label}, rke2-multus {opts.chart_version}"
