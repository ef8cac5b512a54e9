"""Proof against the exact chart: the real archive rendered with the values multus-gen emits, then checked.

``multus-gen verify`` and ``helmchart --verify`` build the chart installation for the options (the same
pipeline as ``helmchart``: plan, documents, validate's checks), hand each HelmChart's values to the Helm engine
the way helm-controller does (on RKE2: the HelmChartConfig's values over the chart defaults, which are RKE2's
dirs, and RKE2's own ``global.systemDefaultRegistry``), render the archive(s) and run the checks of
:mod:`multus_gen.check.rendered` -- the ones the conformance suite runs on every archive it knows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from multus_gen.build.helmchart import TARGET_NAMESPACE, crd_chart_name
from multus_gen.build.pipeline import cluster_of, generate_install
from multus_gen.check.rendered import HostDirs, Rendered, check_installation
from multus_gen.errors import InputError, ValidationError
from multus_gen.findings import Finding, allow
from multus_gen.model.options import GenOptions
from multus_gen.record import record


@record
class Verified:
    """What verify found: the releases rendered (CRD chart first) and the findings on them; ``notices``: the
    generation's own warnings and notes for the same options."""

    releases: tuple[Rendered, ...]
    findings: tuple[Finding, ...]
    notices: tuple[Finding, ...]
    dirs: HostDirs

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.is_error)

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


def host_dirs(opts: GenOptions) -> HostDirs:
    """The cluster's CNI dirs for ``opts`` (K3s: from its version and data dir; RKE2: the standard dirs)."""
    cni = cluster_of(opts).cni
    return HostDirs(cni.conf_dir, cni.bin_dir, cni.kubeconfig)


def _spec_of(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    for doc in docs:
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            spec: dict[str, Any] = doc["spec"]
            return spec
    raise LookupError(f"no {kind} {name} was built")  # a bug: the builders always write both


def verify_install(
    opts: GenOptions,
    chart_archive: Path,
    crd_archive: Path | None = None,
    *,
    registry: str | None = None,
    where: tuple[str, str] = ("--chart-archive", "--crd-chart-archive"),
) -> Verified:
    """Render ``chart_archive`` (and ``crd_archive`` beside rke2-multus >= v4.3.009) with the values of the
    installation multus-gen builds for ``opts``, and check the result. The archives must already be known to be
    the charts and versions of ``opts`` (:func:`multus_gen.model.source.read_archive`); a generation
    that refuses (an error finding) raises as ``helmchart`` would. ``registry``: the images must come from it
    (on RKE2 it is RKE2's own setting, passed as RKE2 passes it)."""
    from multus_gen.check.helm_render import helm_engine, helm_values, render_archive

    rke2 = opts.distro == "rke2"
    plan, install, notices = generate_install(opts, "helmchartconfig" if rke2 else "helmchart")
    if plan.crd_chart_version is not None and crd_archive is None:
        raise InputError(
            f"rke2-multus {opts.chart_version} ships no CRDs: the NetworkAttachmentDefinition CRD comes from "
            f"rke2-multus-crd {plan.crd_chart_version}, which is not given",
            where=where[1],
            fix=f"pass --crd-chart-archive with the rke2-multus-crd {plan.crd_chart_version} archive",
        )
    if plan.crd_chart_version is None and crd_archive is not None:
        raise InputError(
            f"rke2-multus {opts.chart_version} ships the CRDs itself: no rke2-multus-crd is installed beside it",
            where=where[1],
            fix="leave --crd-chart-archive out",
        )
    helm = helm_engine()
    kind = "HelmChartConfig" if rke2 else "HelmChart"
    extra: dict[str, Any] = {}
    if rke2 and registry:  # RKE2 passes it to every packaged chart with spec.set (knowledge/rke2.py)
        extra = helm.parse_set_string_values(f"global.systemDefaultRegistry={registry}")
    releases: list[Rendered] = []
    if crd_archive is not None:
        name = crd_chart_name(opts.name)
        values = helm_values(helm, _spec_of(install.docs, kind, name))
        releases.append(
            render_archive(
                helm,
                crd_archive,
                _merge_extra(values, extra),
                release=name,
                namespace=TARGET_NAMESPACE,
                where=where[1],
                source=crd_archive.name,
            )
        )
    values = helm_values(helm, _spec_of(install.docs, kind, opts.name))
    releases.append(
        render_archive(
            helm,
            chart_archive,
            _merge_extra(values, extra),
            release=opts.name,
            namespace=TARGET_NAMESPACE,
            where=where[0],
            source=chart_archive.name,
        )
    )
    dirs = host_dirs(opts)
    try:
        checked = check_installation(releases, dirs, ipams=opts.ipams, registry=registry)
    except (AttributeError, TypeError, KeyError, IndexError) as exc:  # a list where a map belongs, and the like
        raise ValidationError(
            f"{chart_archive.name}: a rendered object is not shaped as Kubernetes reads it "
            f"({type(exc).__name__}: {exc}); the API server would reject it",
            rule="chart-render",
        ) from None
    # --allow RULE reports a rule's errors as warnings here too, as in validate
    findings = allow(checked, opts.allow)
    return Verified(tuple(releases), tuple(findings), notices, dirs)


def _merge_extra(values: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    from multus_gen.check.helm_render import merge

    return merge(values, extra)
