"""Every HelmChart multus-gen emits for a K3s release validates against the HelmChart CRD of the helm-controller
that release ships (knowledge/helm_controller.py), for each upstream CRD in ../shared/fixtures/crds/helm-controller/
with the K3s releases mapping to it (for a CRD no release ships: the older K3s releases whose controller it
accepts all of); what that controller lacks is refused (rule helm-controller-field)."""

from __future__ import annotations

from pathlib import Path

import helmrender as hr
import pytest

from crdschema import crd_errors
from multus_gen.knowledge import charts, helm_controller

pytest_plugins = ["conformance_plugin"]

HELMCHART_CRD = "helm.cattle.io_helmcharts.yaml"
#: K3s releases across the table's rows (and the default).
K3S = (
    "v1.30.6+k3s1",
    "v1.31.2+k3s1",
    "v1.32.5+k3s1",
    "v1.33.7+k3s1",
    "v1.34.2+k3s1",
    "v1.34.5+k3s1",
    "v1.35.4+k3s1",
    "v1.36.2+k3s1",
    "v1.37.0+k3s1",
)


def _fixture_versions(shared: Path) -> list[str]:
    return sorted((p.name for p in (shared / "fixtures/crds/helm-controller").iterdir()), key=helm_controller.parse)


def _k3s_for(crd_version: str) -> list[str]:
    """The K3s releases whose controller has the same CRD capabilities as ``crd_version``."""
    want = helm_controller.capability(crd_version)
    return [k for k in K3S if helm_controller.capability(_ships(k)) == want]


def _ships(k3s: str) -> str:
    from multus_gen.knowledge.k3s import K3sVersion

    return helm_controller.for_k3s(K3sVersion.parse(k3s)).ships


def _k3s_below(crd_version: str) -> list[str]:
    """For a CRD no K3s release maps to (v0.16.20, v0.16.26: K3s moved from v0.16.17 to v0.17.1): the K3s releases
    whose controller is older but accepts no field and no failurePolicy the CRD lacks; what multus-gen writes
    for them must fit this CRD too (a controller upgrade within K3s never drops a field)."""
    want = helm_controller.capability(crd_version)
    out = []
    for k in K3S:
        ships = helm_controller.capability(_ships(k))
        if helm_controller.parse(_ships(k)) > helm_controller.parse(crd_version) or not ships.fields <= want.fields:
            continue
        policies, wanted = ships.failure_policies, want.failure_policies
        if policies is not None and wanted is not None and not set(policies) <= set(wanted):
            continue
        out.append(k)
    return out


def test_some_fixture_crd_is_shipped_by_a_known_k3s(shared: Path) -> None:
    assert [v for v in _fixture_versions(shared) if _k3s_for(v)], "no K3s in the table maps to a fixture CRD"


@pytest.mark.parametrize("crd_version", ["v0.16.14", "v0.16.20", "v0.16.26", "v0.17.1", "v0.17.5", "v0.17.7"])
def test_generated_helmcharts_fit_the_targets_crd(shared: Path, crd_version: str) -> None:
    crd = shared / "fixtures/crds/helm-controller" / crd_version / HELMCHART_CRD
    assert crd.is_file()
    k3s_versions = _k3s_for(crd_version) or _k3s_below(crd_version)
    assert k3s_versions, f"no K3s release in the table ships {crd_version} or an older controller of its kind"
    cap = helm_controller.capability(crd_version)
    for k3s in k3s_versions:
        for policy in helm_controller.FAILURE_POLICIES_ALL:
            for version in ("v4.2.202", charts.DEFAULT_CHART_VERSION):
                argv = ("helmchart", "--k3s-version", k3s, "--failure-policy", policy, "--chart-version", version)
                gen = hr.generate(*argv, "--ipam", "whereabouts")
                accepted = cap.failure_policies is not None and policy in cap.failure_policies
                if not accepted:
                    assert gen.stdout == "" and "[helm-controller-field]" in gen.stderr, gen.describe()
                    continue
                assert gen.exit_code == 0, gen.describe()
                for doc in gen.docs:
                    assert crd_errors(crd, doc, as_apiserver=True) == [], (k3s, policy, doc)
                    own = helm_controller.accepts_field(_ships(k3s), "takeOwnership")  # the target's controller
                    assert ("takeOwnership" in doc["spec"]) is (doc["spec"]["chart"] == charts.CRD_CHART_NAME and own)


def test_retry_names_the_k3s_that_accept_it() -> None:
    gen = hr.generate("helmchart", "--k3s-version", "v1.33.7+k3s1", "--failure-policy", "retry")
    assert gen.stdout == ""
    assert "v0.16.17" in gen.stderr and "v1.37.0+k3s1 and later" in gen.stderr, gen.stderr


def test_no_take_ownership_where_the_controller_lacks_it() -> None:
    gen = hr.generate("helmchart", "--k3s-version", "v1.30.6+k3s1", "--chart-version", charts.DEFAULT_CHART_VERSION)
    assert gen.exit_code == 0, gen.describe()
    assert all("takeOwnership" not in d["spec"] for d in gen.docs)


#: Chart sources (issue 14) and the HelmChart fields they set.
SOURCES = (
    (("--repo", "https://charts.mirror.example/rke2", "--auth-secret", "a"), {"repo", "authSecret"}),
    (("--repo", "oci://10.0.0.5:5000/charts", "--auth-secret", "a"), {"dockerRegistrySecret"}),
    (("--repo", "http://10.0.0.5:8080/charts", "--plain-http"), {"repo", "plainHTTP"}),
    (("--repo", "https://charts.mirror.example/rke2", "--insecure-skip-tls-verify"), {"insecureSkipTLSVerify"}),
)


@pytest.mark.parametrize("crd_version", ["v0.16.14", "v0.16.20", "v0.16.26", "v0.17.1", "v0.17.5", "v0.17.7"])
def test_chart_sources_fit_every_controllers_crd(shared: Path, crd_version: str) -> None:
    """Every chart source field multus-gen writes is in the HelmChart CRD of each fixture release, and the K3s
    releases whose controller lacks plainHTTP/insecureSkipTLSVerify (before v0.16.4) are refused."""
    crd = shared / "fixtures/crds/helm-controller" / crd_version / HELMCHART_CRD
    for argv, fields in SOURCES:
        gen = hr.generate("helmchart", *argv)
        assert gen.exit_code == 0, gen.describe()
        for doc in gen.docs:
            assert fields <= set(doc["spec"]), (argv, doc["spec"])
            assert crd_errors(crd, doc, as_apiserver=True) == [], (crd_version, argv, doc)
    for argv, fields in SOURCES:
        old = hr.generate("helmchart", "--k3s-version", "v1.29.10+k3s1", *argv)  # helm-controller v0.16.1
        refused = bool(fields & {"plainHTTP", "insecureSkipTLSVerify"})
        assert (old.stdout == "" and "[helm-controller-field]" in old.stderr) is refused, old.describe()
        assert ("v1.30.5+k3s1 and later" in old.stderr) is refused, old.describe()  # the accepting K3s, merged
