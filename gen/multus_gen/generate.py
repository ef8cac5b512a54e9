"""The core pipeline behind the commands: options -> plan -> documents -> validation.

Returns plain data (documents, notices); the CLI renders and delivers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import __version__
from .knowledge import charts
from .manifests.helmchart import build_helmcharts
from .options import GenOptions
from .plan import ChartPlan, Notice, make_plan
from .render import documents, dump_values, header
from .validate import require_valid
from .values import sort_keys


@dataclass(frozen=True)
class Generated:
    docs: list[dict[str, Any]]
    notices: tuple[Notice, ...]
    plan: ChartPlan


def inputs_of(opts: GenOptions) -> list[tuple[str, str]]:
    """The command's inputs, resolved, for the output header (no timestamps, no absolute paths of ours)."""
    items = [
        ("distro", opts.distro),
        ("ipam", opts.ipam),
        ("k3s-version", str(opts.k3s_version)),
        ("data-dir", opts.data_dir),
        ("chart-version", opts.chart_version),
        ("name", opts.name),
        ("namespace", opts.namespace),
        ("failure-policy", opts.failure_policy),
    ]
    if not opts.bootstrap:
        items.append(("bootstrap", "false"))
    items += [("-f", str(path)) for path in opts.user.files]
    items += [("--set", expr) for expr in opts.user.set]
    items += [("--set-string", expr) for expr in opts.user.set_string]
    return items


def _check_values(plan: ChartPlan) -> None:
    require_valid(
        "rke2-multus-values",
        plan.values,
        where="chart values",
        fix="check your -f/--set values for that key",
    )


def generate_helmcharts(opts: GenOptions) -> Generated:
    plan = make_plan(opts)
    _check_values(plan)
    docs = build_helmcharts(plan)
    for doc in docs:
        require_valid("helmchart", doc, where=f"HelmChart {doc['metadata']['name']}")
    return Generated(docs, plan.notices, plan)


def helmchart_text(opts: GenOptions, command: str = "helmchart") -> tuple[str, tuple[Notice, ...]]:
    gen = generate_helmcharts(opts)

    return documents(gen.docs, header(command, inputs_of(opts), __version__)), gen.notices


def values_text(opts: GenOptions) -> tuple[str, tuple[Notice, ...]]:
    """The rke2-multus values alone (a ``multus-values.yaml`` for ``helm install -f``)."""
    plan = make_plan(opts)
    _check_values(plan)
    notices = list(plan.notices)
    if plan.crd_chart_version is not None:
        extra = " --set rke2-whereabouts.enabled=true" if plan.crd_values else ""
        notices.append(
            Notice(
                f"rke2-multus {opts.chart_version} ships no CRDs: also run `helm install {opts.name}-crd "
                f"rke2-charts/{charts.CRD_CHART_NAME} -n kube-system --version {plan.crd_chart_version}{extra}`"
            )
        )
    text = header("values", inputs_of(opts), __version__) + dump_values(sort_keys(plan.values))
    return text, tuple(notices)
