"""HelmChart and HelmChartConfig (helm.cattle.io/v1) builders for K3s's and RKE2's helm-controller (FACTS.md 5)."""

from __future__ import annotations

from typing import Any

from multus_gen.build.plan import ChartPlan
from multus_gen.knowledge import charts, helm_controller
from multus_gen.model.options import GenOptions
from multus_gen.model.source import PUBLIC, STATIC_CHART_URL, ChartSource
from multus_gen.values.compose import sort_keys
from multus_gen.yamlio.serialize import dump_values

API_VERSION = "helm.cattle.io/v1"
#: The chart deploys its DaemonSets here, wherever the HelmChart object itself lives.
TARGET_NAMESPACE = "kube-system"


def helmchart(
    *,
    name: str,
    namespace: str,
    chart: str,
    version: str,
    values: dict[str, Any] | None,
    failure_policy: str,
    bootstrap: bool,
    take_ownership: bool = False,
    source: ChartSource = PUBLIC,
) -> dict[str, Any]:
    spec = chart_source(source, chart, version)
    content = spec.pop("chartContent", None)
    spec["targetNamespace"] = TARGET_NAMESPACE
    if bootstrap:
        spec["bootstrap"] = True
    spec["failurePolicy"] = failure_policy
    if take_ownership:
        spec["takeOwnership"] = True
    if values:
        spec["valuesContent"] = dump_values(sort_keys(values))
    if content is not None:
        spec["chartContent"] = content  # last: the long line after what a reader looks for
    return {
        "apiVersion": API_VERSION,
        "kind": "HelmChart",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


#: HelmChart spec field -> the flag that puts it there (spec files: the chart key of that flag), so a check
#: of the built HelmChart refusing one of these fields names what the user gave (see pipeline.settle).
SPEC_FLAGS: dict[str, str] = {
    "repoCA": "--repo-ca",
    "authSecret": "--auth-secret",
    "dockerRegistrySecret": "--auth-secret",
    "plainHTTP": "--plain-http",
    "insecureSkipTLSVerify": "--insecure-skip-tls-verify",
    "chartContent": "--chart-archive",
    "failurePolicy": "--failure-policy",
    "bootstrap": "--bootstrap",
}


def chart_source(source: ChartSource, chart: str, version: str) -> dict[str, Any]:
    """Where helm-controller gets ``chart`` (FACTS.md 2, 5): the K3s static chart URL, the embedded archive
    (``chartContent``, with ``chart``/``version`` kept for readers: the archive overrides them), an OCI chart
    (``oci://<registry path>/<chart>``), or a repository; then the mirror's settings."""
    archive = source.archive_for(chart)
    spec: dict[str, Any]
    if archive is not None and source.static_chart:
        return {"chart": STATIC_CHART_URL + archive.file_name}
    if archive is not None:
        return {"chart": chart, "version": archive.version, "chartContent": archive.base64()}
    if source.oci:
        spec = {"chart": f"{source.repo}/{chart}", "version": version}
    else:
        spec = {"repo": source.repo_url, "chart": chart, "version": version}
    if source.repo_ca is not None:
        spec["repoCA"] = source.repo_ca
    if source.auth_secret is not None:
        # basic auth for a chart repository; an OCI registry takes a docker config Secret (helm-controller CRD)
        spec["dockerRegistrySecret" if source.oci else "authSecret"] = {"name": source.auth_secret}
    if source.plain_http:
        spec["plainHTTP"] = True
    if source.insecure_skip_tls_verify:
        spec["insecureSkipTLSVerify"] = True
    return spec


def can_take_ownership(opts: GenOptions) -> bool:
    """True if the target's helm-controller has ``takeOwnership`` (>= v0.16.14, FACTS 3a, 5): the CRD chart then
    adopts the CRDs an rke2-multus release <= v4.3.008 created (without it Helm refuses them: "invalid
    ownership metadata")."""
    if opts.distro != "k3s":
        return False
    return helm_controller.accepts_field(helm_controller.for_k3s(opts.k3s_version).ships, "takeOwnership")


def crd_chart_name(name: str) -> str:
    return f"{name}-crd"


def build_helmcharts(plan: ChartPlan) -> list[dict[str, Any]]:
    """The HelmChart documents for ``plan``: the companion CRD chart first (when needed), then rke2-multus."""
    opts = plan.opts
    docs: list[dict[str, Any]] = []
    if plan.crd_chart_version is not None:
        docs.append(
            helmchart(
                name=crd_chart_name(opts.name),
                namespace=opts.namespace,
                chart=charts.CRD_CHART_NAME,
                version=plan.crd_chart_version,
                values=plan.crd_values,
                failure_policy=opts.failure_policy,
                bootstrap=opts.bootstrap,
                take_ownership=can_take_ownership(opts),
                source=opts.source,
            )
        )
    docs.append(
        helmchart(
            name=opts.name,
            namespace=opts.namespace,
            chart=charts.CHART_NAME,
            version=opts.chart_version,
            values=plan.values,
            failure_policy=opts.failure_policy,
            bootstrap=opts.bootstrap,
            source=opts.source,
        )
    )
    return docs


def helmchartconfig(*, name: str, namespace: str, values: dict[str, Any] | None, failure_policy: str) -> dict[str, Any]:
    """A HelmChartConfig: same name and namespace as the HelmChart it customizes (FACTS.md 5). Its
    valuesContent ranks above the HelmChart's valuesContent/values, below the HelmChart's ``set``."""
    spec: dict[str, Any] = {"failurePolicy": failure_policy}
    if values:
        spec["valuesContent"] = dump_values(sort_keys(values))
    return {
        "apiVersion": API_VERSION,
        "kind": "HelmChartConfig",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def build_helmchartconfigs(plan: ChartPlan) -> list[dict[str, Any]]:
    """HelmChartConfigs for the HelmChart(s) of ``plan``: the CRD chart's first (when the version splits
    them), then rke2-multus. On RKE2 the names are those of RKE2's packaged charts (``opts.name`` is
    ``rke2-multus`` there)."""
    opts = plan.opts
    docs: list[dict[str, Any]] = []
    if plan.crd_chart_version is not None:
        docs.append(
            helmchartconfig(
                name=crd_chart_name(opts.name),
                namespace=opts.namespace,
                values=plan.crd_values,
                failure_policy=opts.failure_policy,
            )
        )
    docs.append(
        helmchartconfig(
            name=opts.name, namespace=opts.namespace, values=plan.values, failure_policy=opts.failure_policy
        )
    )
    return docs
