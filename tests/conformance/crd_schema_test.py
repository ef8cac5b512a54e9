"""Schema conformance: multus-gen's HelmCharts (and NADs) against the upstream CRDs in ../shared/fixtures/crds.

* every HelmChart multus-gen emits validates against helm-controller's HelmChart CRD (tests/crdschema.py);
* the converter is honest for the CRDs in the fixtures (int-or-string, preserve-unknown-fields, nullable,
  list-map keys, null pruning/defaulting as the API server does it);
* our own schema (``multus_gen.check.schemas``) never accepts what upstream rejects: on hand-written documents and
  on hypothesis mutations of generated ones (our-accept => upstream-accept).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helmrender as hr
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from crdschema import cel_rules, crd_errors, crd_json_schema, crd_validator
from helpers import examples
from multus_gen.check.schemas import schema_errors
from multus_gen.knowledge import charts

pytest_plugins = ["conformance_plugin"]

HELMCHART_CRD = "helm.cattle.io_helmcharts.yaml"
HELMCHARTCONFIG_CRD = "helm.cattle.io_helmchartconfigs.yaml"
NAD_CRD = "k8s.cni.cncf.io_network-attachment-definitions.yaml"


def upstream(crds: Path, doc: Any, name: str = HELMCHART_CRD) -> list[str]:
    """The API server's verdict (nulls pruned/defaulted first, as it does); [] = accepted."""
    return crd_errors(crds / name, doc, as_apiserver=True)


def ours(doc: Any) -> list[str]:
    return [f"{e.at.path}: {e.message}" for e in schema_errors("helmchart", doc)]


# --------------------------------------------------------------------------------------------------
# The converter


def test_every_fixture_crd_converts(crds: Path) -> None:
    files = sorted(crds.glob("*.yaml"))
    assert files
    for path in files:
        assert crd_validator(path).schema["properties"]["kind"]["const"]  # built and checked (check_schema)


def test_helmchart_crd_features(crds: Path) -> None:
    path = crds / HELMCHART_CRD
    base: dict[str, Any] = {"apiVersion": "helm.cattle.io/v1", "kind": "HelmChart", "metadata": {"name": "x"}}

    def errs(spec: Any, *, apiserver: bool = False, **top: Any) -> list[str]:
        return crd_errors(path, {**base, "spec": spec, **top}, as_apiserver=apiserver)

    # x-kubernetes-int-or-string (set values)
    assert errs({"set": {"a": 1, "b": "x"}}) == []
    assert errs({"set": {"a": True}}) and errs({"set": {"a": 1.5}}) and errs({"set": {"a": {"b": 1}}})
    # x-kubernetes-preserve-unknown-fields without a type (values): anything goes, nothing is pruned
    assert errs({"values": {"any": [1, {"deep": None}]}}) == [] and errs({"values": "text"}) == []
    # every other object is closed
    assert errs({"valuesContents": "x"}) and errs({"authSecret": {"name": "s", "key": "k"}})
    assert errs({"podSecurityContext": {"runAsUser": 0, "runAsUsr": 0}})
    # enums, types
    assert errs({"failurePolicy": "never"}) and errs({"serverSide": True}) and errs({"driver": "file"})
    assert errs({"backOffLimit": "3"}) and errs({"timeout": 300})
    # x-kubernetes-list-type: map (status.conditions keyed by type)
    cond = {"type": "JobCreated", "status": "True"}
    assert errs({}, status={"conditions": [cond]}) == []
    assert errs({}, status={"conditions": [cond, {**cond, "status": "False"}]})
    # nulls: a type violation as written, but the API server prunes them (or applies the default)
    assert errs({"bootstrap": None}) and errs({"bootstrap": None}, apiserver=True) == []
    assert errs({"failurePolicy": None}, apiserver=True) == []
    assert errs({"set": {"a": None}}, apiserver=True) == []
    assert errs({"valuesSecrets": [None]}, apiserver=True)  # list items are not pruned
    # ObjectMeta
    assert crd_errors(path, {**base, "metadata": {"name": "Bad_Name"}})
    assert crd_errors(path, {**base, "metadata": {"name": "x", "labels": {"a": 1}}})
    assert crd_errors(path, {**base, "metadata": {"name": "x", "labels": None}}, as_apiserver=True) == []


def test_helmchartconfig_crd(crds: Path) -> None:
    path = crds / HELMCHARTCONFIG_CRD
    doc: dict[str, Any] = {
        "apiVersion": "helm.cattle.io/v1",
        "kind": "HelmChartConfig",
        "metadata": {"name": "multus", "namespace": "kube-system"},
        "spec": {"valuesContent": "a: 1\n", "values": {"x": {"y": [1]}}, "failurePolicy": "abort"},
    }
    assert crd_errors(path, doc) == []
    assert crd_errors(path, {**doc, "spec": {"chart": "rke2-multus"}})  # not a HelmChartConfig field
    assert crd_errors(path, {**doc, "spec": {"valuesContent": 1}})
    assert crd_errors(path, {**doc, "spec": {"failurePolicy": "never"}})
    assert crd_errors(path, {**doc, "kind": "HelmChart"})


def test_nad_crd(crds: Path) -> None:
    path = crds / NAD_CRD
    doc: dict[str, Any] = {
        "apiVersion": "k8s.cni.cncf.io/v1",
        "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": "lan", "namespace": "default"},
        "spec": {"config": '{"cniVersion":"0.3.1","type":"macvlan"}'},
    }
    assert crd_errors(path, doc) == []
    assert crd_errors(path, {**doc, "spec": {}}) == []  # config is not required; the API server does not look
    assert crd_errors(path, {**doc, "spec": {"config": {"type": "macvlan"}}})  # an object, not a JSON string
    assert crd_errors(path, {**doc, "spec": {"config": "{}", "extra": 1}})
    assert crd_errors(path, {**doc, "apiVersion": "k8s.cni.cncf.io/v2"})
    assert crd_errors(path, {**doc, "metadata": {"name": "LAN"}})


def test_nullable_conversion() -> None:
    crd = {
        "spec": {
            "group": "example.com",
            "names": {"kind": "Thing"},
            "scope": "Cluster",
            "versions": [
                {
                    "name": "v1",
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "a": {"type": "string", "nullable": True},
                                "b": {"x-kubernetes-int-or-string": True, "nullable": True},
                                "c": {"x-kubernetes-int-or-string": True},
                            },
                        }
                    },
                }
            ],
        }
    }
    validator = Draft202012Validator(crd_json_schema(crd))
    base = {"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "t"}}
    for good in ({"a": None}, {"a": "x"}, {"b": None}, {"b": 1}, {"b": "1"}, {"c": 2}, {"c": "x"}):
        assert list(validator.iter_errors({**base, **good})) == [], good
    for bad in ({"a": 1}, {"c": None}, {"c": True}, {"d": 1}):
        assert list(validator.iter_errors({**base, **bad})), bad


def test_cel_rules_ignored_by_the_converter_guard_updates_only(crds: Path) -> None:
    """The converter skips CEL; for the CRDs multus-gen targets every rule is a transition rule (oldSelf)."""
    for name in (HELMCHART_CRD, HELMCHARTCONFIG_CRD, NAD_CRD):
        for where, rule in cel_rules(crds / name):
            assert "oldSelf" in rule, f"{name} {where}: {rule} applies on create and is not evaluated"
    assert cel_rules(crds / HELMCHART_CRD) == [("$.spec.driver", "!oldSelf.hasValue() || self == oldSelf.value()")]


# --------------------------------------------------------------------------------------------------
# Every HelmChart multus-gen emits


def _chart_versions(archives: list[hr.Archive]) -> list[str]:
    found = {a.version for a in archives if a.name == hr.MULTUS} | set(charts.VERIFIED)
    return sorted(found, key=hr.chart_key)


OPTION_VARIANTS: tuple[tuple[str, ...], ...] = (
    ("--failure-policy", "retry", "--k3s-version", "v1.37.0+k3s1"),  # the first K3s whose controller has retry
    ("--failure-policy", "reinstall"),
    ("--failure-policy", "abort", "--no-bootstrap"),
    ("--name", "multus-cni", "--namespace", "cni-system"),
    ("--name", "m" * 49),
    ("--name", "m1", "--namespace", "n" * 63),
    ("--set", "config.cni_conf.logLevel=debug,manifests.configMap=null"),
    ("--set-string", "labels.nodeSelector.role=yes"),
    ("--allow-unknown-chart-version",),
    # chart sources (issue 14): a mirror, an OCI registry over plain http, a private image registry
    ("--repo", "https://charts.mirror.example/rke2", "--auth-secret", "mirror-auth", "--insecure-skip-tls-verify"),
    ("--repo", "oci://10.0.0.5:5000/charts", "--plain-http", "--auth-secret", "regcred"),
    ("--system-default-registry", "registry.mirror.example:5000", "--image-pull-secret", "pull"),
)


def _check_emitted(gen: hr.Generated, crds: Path) -> list[dict[str, Any]]:
    assert gen.exit_code == 0, gen.describe()
    docs = gen.docs
    assert docs, gen.describe()
    for doc in docs:
        where = f"{gen.describe()}\n{doc['metadata']}"
        assert crd_errors(crds / HELMCHART_CRD, doc) == [], where  # strict: no null even where it would be pruned
        assert ours(doc) == [], where
    return docs


def test_matrix_helmcharts_validate(archives: list[hr.Archive], crds: Path) -> None:
    """The render matrix (chart x IPAM x K3s x data dir): every document passes the CRD and our schema."""
    count = 0
    for version in _chart_versions(archives):
        for ipam in hr.IPAMS:
            for k3s in hr.K3S_VERSIONS:
                for data_dir in hr.DATA_DIRS:
                    count += len(_check_emitted(hr.generate(*hr.matrix_argv(version, ipam, k3s, data_dir)), crds))
    assert count >= len(_chart_versions(archives)) * len(hr.IPAMS) * len(hr.K3S_VERSIONS) * len(hr.DATA_DIRS)


def test_option_variants_validate(archives: list[hr.Archive], crds: Path, tmp_path: Path) -> None:
    values = tmp_path / "extra-values.yaml"
    values.write_text("config:\n  cni_conf:\n    logLevel: verbose\ntolerations: []\n", encoding="utf-8")
    variants = [*OPTION_VARIANTS, ("-f", str(values))]
    for version in _chart_versions(archives):
        for ipam in hr.IPAMS:
            for extra in variants:
                docs = _check_emitted(
                    hr.generate("helmchart", "--chart-version", version, "--ipam", ipam, *extra), crds
                )
                policy = extra[1] if extra[0] == "--failure-policy" else "abort"
                assert {d["spec"]["failurePolicy"] for d in docs} == {policy}
                assert all(("bootstrap" in d["spec"]) is ("--no-bootstrap" not in extra) for d in docs)


@pytest.mark.slow  # every published version: ~2 s; test_matrix_helmcharts_validate stays fast
def test_every_supported_published_version_validates(crds: Path) -> None:
    """Beyond the archives: every published version multus-gen supports, with the most values (whereabouts)."""
    for version in charts.PUBLISHED:
        if charts.ipam_breakage(version, "whereabouts") is not None:
            continue  # refused for whereabouts (the broken ones, and those whose subchart hard-codes the dirs)
        _check_emitted(hr.generate("helmchart", "--chart-version", version, "--ipam", "whereabouts"), crds)


# --------------------------------------------------------------------------------------------------
# Our schema never accepts what upstream rejects


def _generated(ipam: str = "whereabouts") -> list[dict[str, Any]]:
    gen = hr.generate("helmchart", "--ipam", ipam, "--chart-version", charts.DEFAULT_CHART_VERSION)
    assert gen.exit_code == 0, gen.describe()
    return gen.docs


_set = hr.set_path
_drop = hr.drop_path


def hand_written_cases() -> list[tuple[str, Any, bool]]:
    """(id, document, does the API server accept it?)"""
    base = _generated()[-1]
    rejected: list[tuple[str, Any]] = [
        ("failurePolicy-never", _set(base, "spec.failurePolicy", "never")),
        ("failurePolicy-case", _set(base, "spec.failurePolicy", "Abort")),
        ("bootstrap-string", _set(base, "spec.bootstrap", "true")),
        ("bootstrap-int", _set(base, "spec.bootstrap", 1)),
        ("valuesContent-int", _set(base, "spec.valuesContent", 5)),
        ("valuesContent-object", _set(base, "spec.valuesContent", {"a": 1})),
        ("version-float", _set(base, "spec.version", 4.3)),
        ("version-int", _set(base, "spec.version", 4)),
        ("chart-list", _set(base, "spec.chart", ["rke2-multus"])),
        ("targetNamespace-int", _set(base, "spec.targetNamespace", 1)),
        ("unknown-spec-field", _set(base, "spec.valuesContents", "a: 1")),
        ("unknown-spec-field-2", _set(base, "spec.value", {"a": 1})),
        ("unknown-top-field", _set(base, "specs", {})),
        ("missing-metadata", _drop(base, "metadata")),
        ("missing-name", _drop(base, "metadata.name")),
        ("name-uppercase", _set(base, "metadata.name", "Multus")),
        ("name-underscore", _set(base, "metadata.name", "multus_cni")),
        ("name-leading-dash", _set(base, "metadata.name", "-multus")),
        ("name-too-long", _set(base, "metadata.name", "m" * 254)),
        ("name-int", _set(base, "metadata.name", 7)),
        ("namespace-uppercase", _set(base, "metadata.namespace", "Kube-System")),
        ("namespace-dot", _set(base, "metadata.namespace", "kube.system")),
        ("namespace-too-long", _set(base, "metadata.namespace", "n" * 64)),
        ("label-int", _set(base, "metadata.labels", {"a": 1})),
        ("annotation-bool", _set(base, "metadata.annotations", {"a": True})),
        ("apiVersion-v2", _set(base, "apiVersion", "helm.cattle.io/v2")),
        ("apiVersion-missing", _drop(base, "apiVersion")),
        ("kind-wrong", _set(base, "kind", "HelmChartConfig")),
        ("kind-missing", _drop(base, "kind")),
        ("spec-list", _set(base, "spec", [])),
        ("spec-string", _set(base, "spec", "x")),
        ("set-bool", _set(base, "spec.set", {"a": True})),
        ("set-float", _set(base, "spec.set", {"a": 1.5})),
        ("set-object", _set(base, "spec.set", {"a": {"b": 1}})),
        ("set-list", _set(base, "spec.set", ["a=1"])),
        ("serverSide-yes", _set(base, "spec.serverSide", "yes")),
        ("serverSide-bool", _set(base, "spec.serverSide", True)),
        ("driver-file", _set(base, "spec.driver", "file")),
        ("timeout-int", _set(base, "spec.timeout", 300)),
        ("backOffLimit-string", _set(base, "spec.backOffLimit", "3")),
        ("backOffLimit-float", _set(base, "spec.backOffLimit", 1.5)),
        ("valuesSecrets-object", _set(base, "spec.valuesSecrets", {"name": "x"})),
        ("valuesSecrets-keys-string", _set(base, "spec.valuesSecrets", [{"name": "x", "keys": "values.yaml"}])),
        ("authSecret-unknown-key", _set(base, "spec.authSecret", {"name": "x", "key": "y"})),
        ("authSecret-string", _set(base, "spec.authSecret", "x")),
        ("createNamespace-string", _set(base, "spec.createNamespace", "yes")),
        ("podSecurityContext-string-uid", _set(base, "spec.podSecurityContext", {"runAsUser": "0"})),
        ("securityContext-unknown", _set(base, "spec.securityContext", {"privileged": True, "root": True})),
        ("status-duplicate-condition", _set(base, "status", {"conditions": [{"type": "A", "status": "True"}] * 2})),
        ("status-condition-no-status", _set(base, "status", {"conditions": [{"type": "A"}]})),
        ("document-list", [base]),
        ("document-string", "apiVersion: helm.cattle.io/v1"),
    ]
    accepted: list[tuple[str, Any]] = [
        ("generated", base),
        ("generated-crd-chart", _generated()[0]),
        ("generated-dhcp", _generated("dhcp")[-1]),
        ("extra-valid-fields", {**base, "spec": {**base["spec"], "createNamespace": True, "timeout": "10m"}}),
        ("backOffLimit", _set(base, "spec.backOffLimit", 3)),
        ("no-bootstrap", _drop(base, "spec.bootstrap")),
        ("failurePolicy-retry", _set(base, "spec.failurePolicy", "retry")),
        ("labels", _set(base, "metadata.labels", {"app.kubernetes.io/part-of": "multus"})),
        # upstream accepts these; ours is stricter by design (pinned version, known chart, no dead nulls)
        ("missing-spec", _drop(base, "spec")),
        ("empty-spec", _set(base, "spec", {})),
        ("no-version", _drop(base, "spec.version")),
        ("bootstrap-null", _set(base, "spec.bootstrap", None)),
        ("failurePolicy-null", _set(base, "spec.failurePolicy", None)),
        ("set-int-or-string", _set(base, "spec.set", {"a": 1, "b": "x"})),
        ("values-anything", _set(base, "spec.values", "text")),
        ("chartContent", _set(_drop(base, "spec.chart"), "spec.chartContent", "H4sI")),
        ("repo-http", _set(base, "spec.repo", "http://charts.example")),
        ("serverSide-auto", _set(base, "spec.serverSide", "auto")),
        ("name-subdomain", _set(base, "metadata.name", "multus.cni")),
        ("name-long-subdomain", _set(base, "metadata.name", "m" * 60)),
        ("timeout-free-text", _set(base, "spec.timeout", "soon")),
        ("other-chart", _set(base, "spec.chart", "traefik")),
    ]
    return [(i, d, False) for i, d in rejected] + [(i, d, True) for i, d in accepted]


def test_our_schema_never_accepts_what_upstream_rejects(crds: Path) -> None:
    for case_id, doc, upstream_accepts in hand_written_cases():
        up = upstream(crds, doc)
        assert (up == []) is upstream_accepts, f"{case_id}: upstream says {up or 'accepted'}"
        if not upstream_accepts:
            assert ours(doc), f"{case_id}: our schema accepts what the HelmChart CRD rejects ({up})"
        if case_id.startswith("generated"):
            assert ours(doc) == [], case_id


# Hypothesis: mutate generated HelmCharts, check our-accept => upstream-accept.

_BASES: list[dict[str, Any]] = []


def _bases() -> list[dict[str, Any]]:
    if not _BASES:
        for ipam in hr.IPAMS:
            for version in charts.VERIFIED:
                _BASES.extend(hr.generate("helmchart", "--ipam", ipam, "--chart-version", version).docs)
    return _BASES


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**40), max_value=2**40),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(
        [
            "abort", "retry", "reinstall", "never", "", "kube-system", "Multus", "multus", "4.3.017", "v4.3.017",
            "https://rke2-charts.rancher.io", "http://x", "5m", "true", "auto", "secret", "rke2-multus", "a" * 60,
        ]
    ),
)  # fmt: skip
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=2),
    st.dictionaries(st.sampled_from(["name", "a", "keys", "type", "status"]), SCALARS, max_size=2),
)
KEYS = st.one_of(
    st.sampled_from(
        [
            "valuesContents", "values", "set", "chartContent", "createNamespace", "timeout", "backOffLimit",
            "labels", "annotations", "status", "generateName", "helmVersion", "jobImage", "repoCA", "spec",
            "driver", "serverSide", "takeOwnership", "authSecret", "valuesSecrets", "uid", "foo",
        ]
    ),
    st.text(min_size=1, max_size=8),
)  # fmt: skip


@st.composite
def mutated_helmcharts(draw: st.DrawFn) -> dict[str, Any]:
    return hr.mutate(draw(st.sampled_from(_bases())), draw, KEYS, VALUES)


@settings(max_examples=examples(400), deadline=None)
@given(doc=mutated_helmcharts())
def test_mutations_our_accept_implies_upstream_accept(shared: Path, doc: dict[str, Any]) -> None:
    if ours(doc):
        return
    crds = shared / "fixtures" / "crds"
    assert crd_errors(crds / HELMCHART_CRD, doc) == [], "our schema accepts what the HelmChart CRD rejects"
    assert upstream(crds, doc) == []


# --------------------------------------------------------------------------------------------------
# NetworkAttachmentDefinitions


def test_generated_nads_validate_against_the_nad_crd(crds: Path) -> None:
    try:
        from multus_gen.knowledge.k3s import K3sVersion, paths
        from multus_gen.networks.ipam_build import IpamInputs
        from multus_gen.networks.nad_build import NadOptions, build_nad
    except ImportError as exc:
        pytest.skip(f"NAD builder not wired yet: multus_gen.networks.nad.build_nad is missing ({exc})")
    k3s = paths("/var/lib/rancher/k3s", K3sVersion.parse("v1.32.0+k3s1"))
    ipams = {
        "host-local": IpamInputs("host-local", ranges=("10.10.0.0/24",)),
        "whereabouts": IpamInputs("whereabouts", ranges=("10.20.0.0/24", "fd00:20::/120")),
        "dhcp": IpamInputs("dhcp"),
        "static": IpamInputs("static", addresses=("10.30.0.5/24,10.30.0.1",)),
    }
    plugins: list[dict[str, Any]] = [
        {"type": "macvlan", "master": "eth1"},
        {"type": "ipvlan", "master": "eth1"},
        {"type": "bridge", "bridge": "br-lan"},
        {"type": "host-device", "device": "eth2"},
    ]
    built = 0
    for ipam_name, ipam in ipams.items():
        for plugin in plugins:
            if plugin["type"] == "ipvlan" and ipam_name == "dhcp":
                continue
            opts = NadOptions(name=f"net-{ipam_name}", namespace="apps", ipam=ipam, k3s_paths=k3s, **plugin)
            doc = build_nad(opts).doc
            assert crd_errors(crds / NAD_CRD, doc) == [], (ipam_name, plugin, doc)
            built += 1
    assert built == 15
