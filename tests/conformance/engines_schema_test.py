"""Our schemas for the engine documents never accept what the upstream CRD rejects (issue 6).

For HelmChartConfig, Flux HelmRelease and HelmRepository and the Argo CD Application: hand-written documents
(each with the API server's verdict) and hypothesis mutations of generated ones (our-accept => upstream-accept,
as written and as the API server sees it after pruning nulls). CEL rules are not evaluated by tests/crdschema.py:
the Flux HelmRelease rules are listed here and every document our schema accepts satisfies them by construction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helmrender as hr
from hypothesis import given, settings
from hypothesis import strategies as st

from crdschema import cel_rules, crd_errors
from helpers import examples
from multus_gen.check.schemas import schema_errors

pytest_plugins = ["conformance_plugin"]

#: our schema name -> (upstream CRD file, kind)
SCHEMAS = {
    "helmchartconfig": ("helm.cattle.io_helmchartconfigs.yaml", "HelmChartConfig"),
    "flux-helmrelease": ("helm.toolkit.fluxcd.io_helmreleases.yaml", "HelmRelease"),
    "flux-helmrepository": ("source.toolkit.fluxcd.io_helmrepositories.yaml", "HelmRepository"),
    "argocd-application": ("argoproj.io_applications.yaml", "Application"),
}
SCHEMA_OF_KIND = {kind: name for name, (_crd, kind) in SCHEMAS.items()}


_BASES: dict[str, list[dict[str, Any]]] = {}
SOURCES = (
    ("--repo", "https://charts.mirror.example/rke2", "--auth-secret", "mirror-auth"),
    ("--repo", "oci://10.0.0.5:5000/charts", "--plain-http", "--auth-secret", "regcred"),
)


def bases() -> dict[str, list[dict[str, Any]]]:
    """Generated documents per schema: every format that emits the kind, both sides of the CRD split."""
    if not _BASES:
        for fmt in ("helmchartconfig", "flux", "argocd"):
            for chart in ("v4.2.202", "v4.3.017"):
                for ipam in hr.IPAMS:
                    gen = hr.generate("helmchart", "--format", fmt, "--chart-version", chart, "--ipam", ipam)
                    assert gen.exit_code == 0, gen.describe()
                    for doc in gen.docs:
                        _BASES.setdefault(SCHEMA_OF_KIND[doc["kind"]], []).append(doc)
        for ipam in hr.IPAMS:
            gen = hr.generate("helmchart", "--distro", "rke2", "--ipam", ipam)
            _BASES["helmchartconfig"].extend(gen.docs)
        # chart sources (issue 14): a mirror with credentials, an OCI registry over plain http
        for fmt in ("flux", "argocd"):
            for source in SOURCES:
                gen = hr.generate("helmchart", "--format", fmt, *source)
                assert gen.exit_code == 0, gen.describe()
                for doc in gen.docs:
                    _BASES[SCHEMA_OF_KIND[doc["kind"]]].append(doc)
    return _BASES


def ours(name: str, doc: Any) -> list[str]:
    return [f"{e.at.path}: {e.message}" for e in schema_errors(name, doc)]


def upstream(crds: Path, name: str, doc: Any, *, apiserver: bool = True) -> list[str]:
    return crd_errors(crds / SCHEMAS[name][0], doc, as_apiserver=apiserver)


_set = hr.set_path
_drop = hr.drop_path


def first(name: str, pred: Any = None) -> dict[str, Any]:
    return next(d for d in bases()[name] if pred is None or pred(d))


def hand_written() -> list[tuple[str, str, Any, bool]]:
    """(schema, id, document, does the API server accept it?)"""
    hcc = first("helmchartconfig", lambda d: "valuesContent" in d["spec"])
    hr_ = first("flux-helmrelease", lambda d: "dependsOn" in d["spec"])
    repo = first("flux-helmrepository")
    app = first("argocd-application", lambda d: "valuesObject" in d["spec"]["source"]["helm"])
    cases: list[tuple[str, str, Any, bool]] = [
        # HelmChartConfig
        ("helmchartconfig", "generated", hcc, True),
        ("helmchartconfig", "chart-field", _set(hcc, "spec.chart", "rke2-multus"), False),
        ("helmchartconfig", "valuesContent-int", _set(hcc, "spec.valuesContent", 1), False),
        ("helmchartconfig", "valuesContent-object", _set(hcc, "spec.valuesContent", {"a": 1}), False),
        ("helmchartconfig", "failurePolicy-never", _set(hcc, "spec.failurePolicy", "never"), False),
        ("helmchartconfig", "bootstrap", _set(hcc, "spec.bootstrap", True), False),
        ("helmchartconfig", "kind-helmchart", _set(hcc, "kind", "HelmChart"), False),
        ("helmchartconfig", "name-upper", _set(hcc, "metadata.name", "RKE2-multus"), False),
        ("helmchartconfig", "serverSide-bool", _set(hcc, "spec.serverSide", True), False),
        ("helmchartconfig", "values-anything", _set(hcc, "spec.values", "x"), True),
        # HelmRelease
        ("flux-helmrelease", "generated", hr_, True),
        ("flux-helmrelease", "interval-int", _set(hr_, "spec.interval", 10), False),
        ("flux-helmrelease", "interval-words", _set(hr_, "spec.interval", "ten minutes"), False),
        ("flux-helmrelease", "releaseName-long", _set(hr_, "spec.releaseName", "m" * 54), False),
        ("flux-helmrelease", "no-interval", _drop(hr_, "spec.interval"), False),
        ("flux-helmrelease", "no-chart-name", _drop(hr_, "spec.chart.spec.chart"), False),
        ("flux-helmrelease", "no-sourceRef", _drop(hr_, "spec.chart.spec.sourceRef"), False),
        ("flux-helmrelease", "sourceRef-kind", _set(hr_, "spec.chart.spec.sourceRef.kind", "OCIRepository"), False),
        ("flux-helmrelease", "strategy-remove", _set(hr_, "spec.upgrade.remediation.strategy", "remove"), False),
        ("flux-helmrelease", "retries-string", _set(hr_, "spec.install.remediation.retries", "3"), False),
        ("flux-helmrelease", "dependsOn-object", _set(hr_, "spec.dependsOn", {"name": "x"}), False),
        ("flux-helmrelease", "dependsOn-no-name", _set(hr_, "spec.dependsOn", [{"namespace": "x"}]), False),
        ("flux-helmrelease", "targetNamespace-empty", _set(hr_, "spec.targetNamespace", ""), False),
        ("flux-helmrelease", "unknown-field", _set(hr_, "spec.valuesFile", "x"), False),
        ("flux-helmrelease", "values-list", _set(hr_, "spec.values", [1]), True),  # preserve-unknown-fields
        ("flux-helmrelease", "strategy-uninstall", _set(hr_, "spec.upgrade.remediation.strategy", "uninstall"), True),
        # HelmRepository
        ("flux-helmrepository", "generated", repo, True),
        ("flux-helmrepository", "url-ftp", _set(repo, "spec.url", "ftp://charts"), False),
        ("flux-helmrepository", "no-url", _drop(repo, "spec.url"), False),
        ("flux-helmrepository", "type-git", _set(repo, "spec.type", "git"), False),
        ("flux-helmrepository", "interval-days", _set(repo, "spec.interval", "1d"), False),
        ("flux-helmrepository", "url-http", _set(repo, "spec.url", "http://charts"), True),
        ("flux-helmrepository", "oci", first("flux-helmrepository", lambda d: d["spec"].get("type") == "oci"), True),
        ("flux-helmrepository", "type-helm", _set(repo, "spec.type", "helm"), False),
        ("flux-helmrepository", "secretRef-string", _set(repo, "spec.secretRef", "regcred"), False),
        ("flux-helmrepository", "certSecretRef-no-name", _set(repo, "spec.certSecretRef", {}), False),
        ("flux-helmrepository", "insecure-string", _set(repo, "spec.insecure", "true"), False),
        # Application
        ("argocd-application", "generated", app, True),
        ("argocd-application", "no-project", _drop(app, "spec.project"), False),
        ("argocd-application", "no-destination", _drop(app, "spec.destination"), False),
        ("argocd-application", "no-repoURL", _drop(app, "spec.source.repoURL"), False),
        ("argocd-application", "prune-string", _set(app, "spec.syncPolicy.automated.prune", "false"), False),
        ("argocd-application", "retry-limit-string", _set(app, "spec.syncPolicy.retry.limit", "5"), False),
        ("argocd-application", "backoff-factor-string", _set(app, "spec.syncPolicy.retry.backoff.factor", "2"), False),
        ("argocd-application", "helm-unknown", _set(app, "spec.source.helm.valuesObjects", {}), False),
        (
            "argocd-application",
            "wave-int",
            _set(app, "metadata.annotations", {"argocd.argoproj.io/sync-wave": -1}),
            False,
        ),
        ("argocd-application", "syncOptions-string", _set(app, "spec.syncPolicy.syncOptions", "Prune=false"), False),
        ("argocd-application", "prune-true", _set(app, "spec.syncPolicy.automated.prune", True), True),
        ("argocd-application", "destination-name", _set(app, "spec.destination", {"name": "in-cluster"}), True),
        (
            "argocd-application",
            "oci-repo",
            first("argocd-application", lambda d: not d["spec"]["source"]["repoURL"].startswith("https://")),
            True,
        ),
    ]
    return cases


def test_hand_written_documents(crds: Path) -> None:
    cases = hand_written()
    for name, case_id, doc, accepted in cases:
        up = upstream(crds, name, doc)
        assert (up == []) is accepted, f"{name} {case_id}: upstream says {up or 'accepted'}"
        if not accepted:
            assert ours(name, doc), f"{name} {case_id}: our schema accepts what the CRD rejects ({up})"
        if case_id == "generated":
            assert ours(name, doc) == []
    assert {name for name, *_ in cases} == set(SCHEMAS)


def test_flux_cel_rules_hold_for_every_document_our_schema_accepts(crds: Path) -> None:
    rules = cel_rules(crds / SCHEMAS["flux-helmrelease"][0])
    assert sorted(where for where, _ in rules) == [
        "$.spec",
        "$.spec.install.strategy",
        "$.spec.kubeConfig",
        "$.spec.kubeConfig",
        "$.spec.upgrade.strategy",
    ]
    for doc in bases()["flux-helmrelease"]:
        spec = doc["spec"]
        assert "chart" in spec and "chartRef" not in spec  # $.spec: exactly one of chart and chartRef
        assert "kubeConfig" not in spec and "strategy" not in spec["install"] and "strategy" not in spec["upgrade"]
    # and our schema refuses whatever the rules are about
    doc = bases()["flux-helmrelease"][0]
    assert ours("flux-helmrelease", _set(doc, "spec.chartRef", {"kind": "OCIRepository", "name": "x"}))
    assert ours("flux-helmrelease", _set(doc, "spec.kubeConfig", {"secretRef": {"name": "k"}}))
    assert ours("flux-helmrelease", _set(doc, "spec.upgrade.strategy", {"name": "RetryOnFailure"}))
    for name in ("helmchartconfig", "flux-helmrepository", "argocd-application"):
        for where, rule in cel_rules(crds / SCHEMAS[name][0]):
            assert "oldSelf" in rule, f"{name} {where}: {rule} applies on create and is not evaluated"


# --------------------------------------------------------------------------------------------------
# Hypothesis: mutate generated documents


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
    st.sampled_from(
        [
            "abort", "retry", "rollback", "uninstall", "", "kube-system", "Multus", "multus", "4.3.017", "v4.3.017",
            "https://rke2-charts.rancher.io", "oci://x", "10m", "1d", "-1", "HelmRepository", "GitRepository",
            "rke2-multus", "a" * 60, "https://kubernetes.default.svc", "default",
        ]
    ),
)  # fmt: skip
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=2),
    st.dictionaries(st.sampled_from(["name", "a", "kind", "namespace", "retries", "prune"]), SCALARS, max_size=2),
)
KEYS = st.one_of(
    st.sampled_from(
        [
            "values", "valuesContent", "chartRef", "kubeConfig", "strategy", "suspend", "timeout", "interval",
            "dependsOn", "labels", "annotations", "finalizers", "status", "sources", "syncOptions", "server", "name",
            "retries", "remediateLastFailure", "type", "provider", "bootstrap", "foo",
        ]
    ),
    st.text(min_size=1, max_size=8),
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    name = draw(st.sampled_from(sorted(SCHEMAS)))
    return name, hr.mutate(draw(st.sampled_from(bases()[name])), draw, KEYS, VALUES)


@settings(max_examples=examples(500), deadline=None)
@given(case=mutated())
def test_mutations_our_accept_implies_upstream_accept(shared: Path, case: tuple[str, dict[str, Any]]) -> None:
    name, doc = case
    if ours(name, doc):
        return
    crds = shared / "fixtures" / "crds"
    assert upstream(crds, name, doc, apiserver=False) == [], f"our {name} schema accepts what the CRD rejects"
    assert upstream(crds, name, doc) == []
