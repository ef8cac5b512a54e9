"""The core pipeline behind the commands: options -> plan -> documents -> validation.

Returns plain data (documents, notices); the CLI renders and delivers it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import __version__
from .errors import InputError
from .knowledge import charts
from .manifests.helmchart import build_helmcharts
from .options import GenOptions
from .plan import ChartPlan, Notice, make_plan
from .render import Manifest, documents, dump_values, header

if TYPE_CHECKING:  # the network modules load only when networks are built
    from .manifests.nad import NadOptions
    from .spec import ClusterSpec, Spec
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


@dataclass(frozen=True)
class RenderedCluster:
    """One cluster of a spec, ready for a sink: its files and what to tell the user."""

    name: str | None
    manifests: list[Manifest]
    notices: tuple[Notice, ...]


def render_cluster(spec: Spec, cluster: ClusterSpec) -> RenderedCluster:
    """HelmChart(s) and NADs of one cluster, as files: ``<name>.yaml`` and ``<name>-networks.yaml``.

    The NADs get their own file so that a NAD applied before its CRD exists cannot hold back the
    HelmChart (K3s applies each file on its own and retries a failing one; FACTS.md 6, 9).
    """
    if spec.format != "helmchart":
        raise InputError(
            f"format {spec.format!r} is not supported by this multus-gen yet",
            where=spec.where(("format",)),
            fix="use format: helmchart",
        )
    from .networks import build_networks

    gen = generate_helmcharts(cluster.gen)
    built = build_networks(spec, cluster)
    for doc in built.docs:
        require_valid("networkattachmentdefinition", doc, where=f"NAD {doc['metadata']['name']}")
    inputs = [("spec", str(spec.path))] + ([("cluster", cluster.name)] if cluster.name else [])
    head = header("render", inputs + inputs_of(cluster.gen)[:5], __version__)
    prefix = f"{cluster.name}/" if cluster.name else ""
    manifests = [Manifest(f"{prefix}{cluster.gen.name}.yaml", documents(gen.docs, head))]
    if built.docs:
        manifests.append(Manifest(f"{prefix}{cluster.gen.name}-networks.yaml", documents(built.docs, head)))
    if spec.fleet:
        kustomization = {
            "apiVersion": "kustomize.config.k8s.io/v1beta1",
            "kind": "Kustomization",
            "resources": [m.path.rsplit("/", 1)[-1] for m in manifests],
        }
        manifests.append(Manifest(f"{prefix}kustomization.yaml", documents([kustomization], head)))
    notices = gen.notices + tuple(Notice(w.message, w.path) for w in built.warnings)
    return RenderedCluster(cluster.name, manifests, notices)


def render_spec(spec: Spec) -> Iterator[RenderedCluster]:
    """Each cluster of the spec in order, one at a time (a fleet is streamed, not held in memory)."""
    for cluster in spec.clusters:
        yield render_cluster(spec, cluster)


def nad_text(opts: NadOptions) -> tuple[str, tuple[Notice, ...]]:
    """One NetworkAttachmentDefinition, validated, as YAML text with the header."""
    from .manifests.nad import build_nad

    result = build_nad(opts)
    require_valid("networkattachmentdefinition", result.doc, where=f"NAD {opts.name}")
    inputs = [("name", opts.name), ("namespace", opts.namespace), ("type", opts.type), ("ipam", opts.ipam.kind)]
    notices = tuple(Notice(w.message + (f" ({w.fix})" if w.fix else ""), w.path) for w in result.warnings)
    return documents([result.doc], header("nad", inputs, __version__)), notices
