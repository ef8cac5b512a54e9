"""GitOps engine builders, RKE2 plans, format rules, gitops paths and the prune sink (issue 6), without a CLI."""

from __future__ import annotations

from typing import Any

import pytest

from multus_gen.build import gitops
from multus_gen.build.helmchart import build_helmchartconfigs
from multus_gen.build.pipeline import RenderedCluster, fleet_notices, flux_path, generate_install
from multus_gen.build.plan import make_plan
from multus_gen.check.schemas import schema_errors
from multus_gen.errors import InputError, ValidationError
from multus_gen.findings import NOTE, Finding, Location, warning
from multus_gen.knowledge import rke2
from multus_gen.model.options import (
    GenOptions,
    gitops_path_for,
    make_gen_options,
    normalize_gitops_path,
    paths_for,
    resolve_format,
)
from multus_gen.record import replace
from multus_gen.values.compose import prune_equal

K3S_DIRS = ("/var/lib/rancher/k3s", "/agent/etc/cni", "/data/cni", "/data/current")


def opts(**kwargs: Any) -> GenOptions:
    return make_gen_options(**kwargs)


def walk_strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (k, *walk_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in walk_strings(v)]
    return []


# --------------------------------------------------------------------------------------------------
# Flux


def test_flux_objects_order_names_and_remediation() -> None:
    plan, install, _ = generate_install(opts(ipam="whereabouts", chart_version="v4.3.017"), "flux")
    repo, crd, multus = install.docs
    assert [d["kind"] for d in install.docs] == ["HelmRepository", "HelmRelease", "HelmRelease"]
    assert repo["metadata"] == {"name": "rke2-charts", "namespace": "kube-system"}
    assert repo["spec"]["url"] == "https://rke2-charts.rancher.io"
    assert multus["metadata"]["name"] == multus["spec"]["releaseName"] == "multus"  # DaemonSet name = release
    assert crd["spec"]["releaseName"] == "multus-crd"
    assert crd["spec"]["chart"]["spec"] == {
        "chart": "rke2-multus-crd",
        "version": "4.3.017",  # never a v (FACTS 3)
        "sourceRef": {"kind": "HelmRepository", "name": "rke2-charts", "namespace": "kube-system"},
    }
    assert multus["spec"]["chart"]["spec"]["version"] == "v4.3.017"
    assert multus["spec"]["dependsOn"] == [{"name": "multus-crd"}]
    assert "dependsOn" not in crd["spec"]
    assert multus["spec"]["targetNamespace"] == multus["spec"]["storageNamespace"] == "kube-system"
    # never uninstall a CNI: rollback, and remediate the last failure too
    assert multus["spec"]["upgrade"] == {
        "remediation": {"retries": 3, "remediateLastFailure": True, "strategy": "rollback"}
    }
    assert multus["spec"]["install"] == {"remediation": {"retries": 3}}
    assert multus["spec"]["driftDetection"] == crd["spec"]["driftDetection"] == {"mode": "enabled"}
    # the same merged values the HelmChart carries as valuesContent, as an object
    assert multus["spec"]["values"] == plan.values
    assert crd["spec"]["values"] == {"rke2-whereabouts": {"enabled": True}}
    # fixed key order
    assert list(multus["spec"]) == [
        "interval",
        "releaseName",
        "targetNamespace",
        "storageNamespace",
        "chart",
        "dependsOn",
        "driftDetection",
        "install",
        "upgrade",
        "values",
    ]


def test_flux_before_the_crd_split_has_one_release_and_namespace_follows_the_option() -> None:
    _, install, _ = generate_install(opts(chart_version="v4.2.202", namespace="flux-system"), "flux")
    assert [d["kind"] for d in install.docs] == ["HelmRepository", "HelmRelease"]
    release = install.docs[1]
    assert release["metadata"]["namespace"] == "flux-system"
    assert release["spec"]["chart"]["spec"]["sourceRef"]["namespace"] == "flux-system"
    assert release["spec"]["targetNamespace"] == "kube-system"
    assert "dependsOn" not in release["spec"]


def test_flux_kustomization_builder() -> None:
    doc = gitops.flux_kustomization(
        name="multus-networks",
        path=flux_path("clusters/prod", "multus-networks"),
        source=gitops.FluxSource(),
        prune=True,
        wait=False,
        depends_on=["multus"],
    )
    assert doc["metadata"] == {"name": "multus-networks", "namespace": "flux-system"}
    assert doc["spec"] == {
        "interval": "10m",
        "dependsOn": [{"name": "multus"}],
        "path": "./clusters/prod/multus-networks",
        "prune": True,
        "sourceRef": {"kind": "GitRepository", "name": "flux-system"},
    }
    other = gitops.flux_kustomization(
        name="multus",
        path="./multus",
        source=gitops.FluxSource("OCIRepository", "repo", "infra"),
        prune=False,
        wait=True,
    )
    assert other["spec"]["sourceRef"] == {"kind": "OCIRepository", "name": "repo", "namespace": "infra"}
    assert other["spec"]["wait"] is True and other["spec"]["timeout"] == "10m"
    assert schema_errors("flux-kustomization", doc) == [] and schema_errors("flux-kustomization", other) == []
    assert flux_path("", "multus") == "./multus"


# --------------------------------------------------------------------------------------------------
# Argo CD


def test_argocd_applications_waves_and_sync_policy() -> None:
    plan, install, _ = generate_install(opts(ipam="dhcp"), "argocd")
    crd, multus = install.docs
    assert crd["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "-2"}
    assert multus["metadata"]["annotations"] == {"argocd.argoproj.io/sync-wave": "-1"}
    assert int(crd["metadata"]["annotations"][gitops.SYNC_WAVE]) < int(
        multus["metadata"]["annotations"][gitops.SYNC_WAVE]
    )
    assert multus["metadata"]["namespace"] == "argocd"
    assert multus["spec"]["source"] == {
        "repoURL": "https://rke2-charts.rancher.io",
        "chart": "rke2-multus",
        "targetRevision": "v4.3.017",
        "helm": {"releaseName": "multus", "valuesObject": plan.values},
    }
    assert multus["spec"]["destination"] == {"server": "https://kubernetes.default.svc", "namespace": "kube-system"}
    assert multus["spec"]["project"] == "default"
    # a chart without CRDs prunes (its old versioned ConfigMap, FACTS 9), last; the CRD chart never prunes
    assert multus["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
    assert multus["spec"]["syncPolicy"]["syncOptions"] == ["PruneLast=true"]
    assert crd["spec"]["syncPolicy"]["automated"] == {"prune": False, "selfHeal": True}
    assert "syncOptions" not in crd["spec"]["syncPolicy"]
    assert "finalizers" not in multus["metadata"]  # deleting the Application must not delete Multus
    assert "valuesObject" not in crd["spec"]["source"]["helm"]  # no whereabouts: the CRD chart needs no values


def test_argocd_bundling_chart_never_prunes() -> None:
    """Up to v4.3.008 the chart renders the NAD CRD: no automated prune may ever reach it."""
    _, install, _ = generate_install(opts(chart_version="v4.2.202"), "argocd")
    (multus,) = install.docs
    assert multus["spec"]["syncPolicy"]["automated"]["prune"] is False
    assert "syncOptions" not in multus["spec"]["syncPolicy"]


def test_argocd_namespace_only_when_given() -> None:
    _, install, _ = generate_install(opts(namespace="gitops"), "argocd")
    assert {d["metadata"]["namespace"] for d in install.docs} == {"gitops"}


def test_argocd_nad_gets_a_later_wave_and_skips_the_dry_run() -> None:
    nad = {
        "apiVersion": "k8s.cni.cncf.io/v1",
        "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": "lan", "namespace": "default", "annotations": {"multus-gen/node": "w1"}},
        "spec": {"config": "{}"},
    }
    out = gitops.argocd_nad(nad)
    assert out["metadata"]["annotations"] == {
        "multus-gen/node": "w1",
        "argocd.argoproj.io/sync-wave": "0",
        "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true",
    }
    assert int(out["metadata"]["annotations"][gitops.SYNC_WAVE]) > int(gitops.WAVE_CHART)
    assert nad["metadata"]["annotations"] == {"multus-gen/node": "w1"}  # the input is not changed


# --------------------------------------------------------------------------------------------------
# Fleet


def test_fleet_bundles_labels_and_depends_on() -> None:
    plan, install, _ = generate_install(opts(ipam="whereabouts"), "fleet")
    (crd_name, crd), (name, multus) = install.bundles
    assert (crd_name, name) == ("multus-crd", "multus")
    for doc in (crd, multus):
        assert doc["defaultNamespace"] == "kube-system"
        assert "namespace" not in doc  # fails on cluster-scoped objects (FACTS 9)
        assert doc["keepResources"] is True
        assert schema_errors("fleet", doc) == []
    assert crd["labels"] == {"multus-gen/bundle": "multus-crd"}
    assert multus["dependsOn"] == [{"selector": {"matchLabels": {"multus-gen/bundle": "multus-crd"}}}]
    assert multus["helm"] == {
        "repo": "https://rke2-charts.rancher.io",
        "chart": "rke2-multus",
        "version": "v4.3.017",
        "releaseName": "multus",
        "values": plan.values,
    }
    networks = gitops.fleet_networks_bundle(plan, "multus-networks")
    assert networks["dependsOn"] == [{"selector": {"matchLabels": {"multus-gen/bundle": "multus"}}}]
    assert "helm" not in networks and "keepResources" not in networks
    assert list(multus) == ["defaultNamespace", "labels", "dependsOn", "keepResources", "helm"]


@pytest.mark.parametrize(
    ("values", "marker"),
    [
        ({"a": "plain"}, False),
        ({"a": "${ .ClusterName }"}, True),
        ({"a": ["x", {"b": "pre${x}"}]}, True),
        ({"${key}": 1}, True),
        ({"a": "$ {x}", "b": 5, "c": None}, False),
    ],
)
def test_fleet_disables_templating_only_when_values_carry_a_marker(values: dict[str, Any], marker: bool) -> None:
    assert gitops.has_template_marker(values) is marker
    plan = make_plan(make_gen_options())
    plan = replace(plan, values={**plan.values, **values})
    helm = gitops.build_fleet(plan)[-1][1]["helm"]
    assert helm.get("disablePreProcess", False) is marker


# --------------------------------------------------------------------------------------------------
# HelmChartConfig and RKE2


def test_helmchartconfig_on_k3s_customizes_the_helmchart_of_the_same_name() -> None:
    plan = make_plan(opts(ipam="dhcp", name="net", namespace="cni", failure_policy="retry"))
    crd, multus = build_helmchartconfigs(plan)
    assert (crd["metadata"], multus["metadata"]) == (
        {"name": "net-crd", "namespace": "cni"},
        {"name": "net", "namespace": "cni"},
    )
    assert multus["spec"]["failurePolicy"] == "retry"
    assert "valuesContent" not in crd["spec"]  # dhcp needs nothing from the CRD chart
    assert set(multus["spec"]) == {"failurePolicy", "valuesContent"}


@pytest.mark.parametrize("ipam", ["host-local", "whereabouts", "dhcp"])
@pytest.mark.parametrize("chart", ["v4.2.106", "v4.2.202", "v4.3.017"])
def test_rke2_values_hold_only_what_differs_from_rke2(ipam: str, chart: str) -> None:
    plan = make_plan(opts(distro="rke2", ipam=ipam, chart_version=chart))
    assert plan.opts.name == "rke2-multus" and plan.opts.namespace == "kube-system"
    assert plan.paths == rke2.paths()
    strings = walk_strings(plan.values)
    assert not [s for s in strings if any(d in s for d in K3S_DIRS)], plan.values
    assert not [s for s in strings if s.startswith("/")], plan.values
    # every path is the chart default, which is RKE2's; below v4.2.303 only the cleanupConfigOnExit gate
    expected: dict[str, Any] = {}
    if chart != "v4.3.017":
        expected["config"] = {"cni_conf": {"cleanupConfigOnExit": True}}
    if ipam == "whereabouts":
        expected["rke2-whereabouts"] = {"enabled": True, "fullnameOverride": "whereabouts"}
    if ipam == "dhcp":
        expected["manifests"] = {"dhcpDaemonSet": True}
    assert plan.values == expected
    assert [n for n in plan.notices if n.severity != NOTE] == []
    (note,) = [n for n in plan.notices if n.severity == NOTE]
    assert "cni: [multus, canal]" in note.message and "/etc/rancher/rke2/config.yaml" in note.message


def test_rke2_user_values_stay_and_wrong_paths_warn() -> None:
    plan = make_plan(opts(distro="rke2", set_values=("config.cni_conf.logLevel=debug",)))
    assert plan.values == {"config": {"cni_conf": {"logLevel": "debug"}}}
    # a wrong dir is the validate rule cni-bin-dir: an error, so the generator refuses it (one rule, one severity)
    with pytest.raises(ValidationError, match=r"binDir.*RKE2 keeps CNI plugins in /opt/cni/bin") as refused:
        generate_install(opts(distro="rke2", set_values=("config.cni_conf.binDir=/var/lib/rancher/k3s/data/cni",)))
    assert refused.value.finding.rule == "cni-bin-dir"
    assert refused.value.finding.at.flag == "--set config.cni_conf.binDir=/var/lib/rancher/k3s/data/cni"
    plan = make_plan(opts(distro="rke2", primary_cni="cilium"))
    assert any("cni: [multus, cilium]" in n.message for n in plan.notices)


def test_rke2_nad_paths() -> None:
    paths = paths_for(opts(distro="rke2"))
    assert paths.whereabouts_conf == "/etc/cni/net.d/whereabouts.d/whereabouts.conf"
    assert paths.whereabouts_kubeconfig == "/etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig"
    assert (paths.conf_dir, paths.bin_dir) == ("/etc/cni/net.d", "/opt/cni/bin")
    k3s = paths_for(opts(data_dir="/srv/k3s"))
    assert k3s.conf_dir == "/srv/k3s/agent/etc/cni/net.d"


def test_rke2_accepts_versions_broken_only_for_custom_dirs() -> None:
    with pytest.raises(InputError, match="broken on K3s"):
        opts(chart_version="v4.2.107")
    assert opts(distro="rke2", chart_version="v4.2.107").chart_version == "v4.2.107"
    with pytest.raises(InputError, match="broken"):
        opts(distro="rke2", chart_version="v4.2.201")  # the double mount: not known to be harmless


def test_prune_equal() -> None:
    values = {"a": {"b": {"c": 1}, "d": 2}, "x": {"y": "keep"}}
    assert prune_equal(values, {("a", "b", "c"): 1, ("x", "y"): "other", ("q", "r"): 1}) == {
        "a": {"d": 2},
        "x": {"y": "keep"},
    }
    assert values["a"]["b"] == {"c": 1}  # a copy


# --------------------------------------------------------------------------------------------------
# Option and format rules: one line, naming the flag


@pytest.mark.parametrize(
    ("kwargs", "flag"),
    [
        ({"distro": "rke2", "k3s_version": "v1.30.5+k3s1"}, "--k3s-version"),
        ({"distro": "rke2", "data_dir": "/srv/k3s"}, "--data-dir"),
        ({"distro": "rke2", "name": "multus"}, "--name"),
        ({"distro": "rke2", "namespace": "cni"}, "--namespace"),
        ({"distro": "k3s", "primary_cni": "canal"}, "--cni"),
        ({"distro": "rke2", "primary_cni": "weave"}, "--cni"),
        ({"distro": "k8s"}, "--distro"),
    ],
)
def test_distro_refusals(kwargs: dict[str, Any], flag: str) -> None:
    with pytest.raises(InputError) as info:
        opts(**kwargs)
    assert info.value.where == flag
    assert "\n" not in info.value.one_line()


@pytest.mark.parametrize(
    ("kwargs", "fmt", "flag"),
    [
        ({"distro": "rke2"}, "helmchart", "--format"),
        ({"distro": "rke2"}, "flux", "--format"),
        ({"distro": "rke2", "bootstrap": False}, "helmchartconfig", "--bootstrap"),
        ({"name": "rke2-multus"}, "helmchartconfig", "--name"),
        ({"failure_policy": "abort"}, "flux", "--failure-policy"),
        ({"failure_policy": "retry"}, "argocd", "--failure-policy"),
        ({"bootstrap": True}, "fleet", "--bootstrap"),
        ({"bootstrap": False}, "helmchartconfig", "--bootstrap"),
        ({"namespace": "x"}, "fleet", "--namespace"),
        ({}, "kustomize", "--format"),
    ],
)
def test_format_refusals(kwargs: dict[str, Any], fmt: str, flag: str) -> None:
    with pytest.raises(InputError) as info:
        resolve_format(fmt, opts(**kwargs))
    assert info.value.where == flag


def test_format_defaults_and_accepted_combinations() -> None:
    assert resolve_format(None, opts()) == "helmchart"
    assert resolve_format(None, opts(distro="rke2")) == "helmchartconfig"
    assert resolve_format("helmchartconfig", opts(failure_policy="retry")) == "helmchartconfig"
    assert resolve_format("helmchart", opts(bootstrap=False)) == "helmchart"
    assert resolve_format("argocd", opts(namespace="argocd")) == "argocd"
    assert opts().given == frozenset()
    assert opts(name="m", bootstrap=True).given == {"name", "bootstrap"}


@pytest.mark.parametrize(
    ("path", "normal"),
    [("clusters/prod", "clusters/prod"), ("./clusters//prod/", "clusters/prod"), (".", ""), ("", ""), ("a/../b", "b")],
)
def test_normalize_gitops_path(path: str, normal: str) -> None:
    assert normalize_gitops_path(path) == normal


@pytest.mark.parametrize("path", ["/abs", "../up", "a/../../b", "with space", "a:b", "x@y", "c\\d"])
def test_normalize_gitops_path_refuses(path: str) -> None:
    with pytest.raises(InputError) as info:
        normalize_gitops_path(path)
    assert info.value.where == "--gitops-path"


def test_gitops_path_precedence() -> None:
    assert gitops_path_for("opt/x", "spec/y", "out") == "opt/x"
    assert gitops_path_for(None, "spec/y", "out") == "spec/y"
    assert gitops_path_for(None, None, "./clusters/") == "clusters"
    assert gitops_path_for(None, None, None) == ""
    assert gitops_path_for(None, None, "/abs/out") is None


# --------------------------------------------------------------------------------------------------
# Notices of a fleet


def test_fleet_notices_name_each_distinct_notice_once() -> None:
    old = warning("old K3s", at=Location(flag="--k3s-version"))
    net = warning("per node", at=Location(label="c2/lan", path=("spec", "config", "ipam")))
    rendered = [
        RenderedCluster(f"c{i}", [], (old, net) if i == 2 else (old,))
        for i in range(1, 6)  # c1..c5
    ]
    out = fleet_notices(rendered)
    assert out[0] == warning("old K3s", at=Location(flag="--k3s-version", label="c1, c2, c3 (+2 more)"))
    assert out[0].one_line() == "c1, c2, c3 (+2 more): --k3s-version: old K3s"
    assert out[1] == net  # already names its cluster
    assert len(out) == 2
    assert fleet_notices([RenderedCluster(None, [], (old,))]) == [old]


def test_a_networks_warning_in_every_cluster_is_said_once() -> None:
    """A network shared by a fleet warns once, naming the clusters (each cluster's copy is labelled
    `<cluster>/<network>`, and a 1,000-cluster fleet printed 1,000 lines); alone it keeps its own label."""

    def net(cluster: str) -> Finding:
        return warning("overlap off", at=Location(label=f"{cluster}/trunk", path=("spec", "config")))

    rendered = [RenderedCluster(f"c{i}", [], (net(f"c{i}"),)) for i in range(1, 1001)]
    (only,) = fleet_notices(rendered)
    assert only.one_line() == "c1, c2, c3 (+997 more): trunk: $.spec.config: overlap off"
    assert fleet_notices(rendered[:1]) == [net("c1")]
