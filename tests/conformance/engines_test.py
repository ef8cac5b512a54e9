"""GitOps engines and RKE2 against the upstream CRDs and the real charts (issue 6).

* Every document multus-gen emits in every format validates against its upstream CRD in
  ../shared/fixtures/crds (tests/crdschema.py): HelmChart, HelmChartConfig, Flux HelmRepository and HelmRelease,
  Argo CD Application, NetworkAttachmentDefinition. The Flux Kustomization, kustomization.yaml and fleet.yaml
  have no CRD in the fixtures (fleet.yaml has none at all): they are validated against our own schemas only.
* The values each engine carries render the real rke2-multus / rke2-multus-crd archives exactly as the K3s
  HelmChart's valuesContent does (same objects, DaemonSets included).
* RKE2: the HelmChartConfig rke2-multus validates, carries no K3s path, and the real chart rendered the way
  helm-controller merges RKE2's own HelmChart (chart defaults, ``set: global.*``) with it (FACTS.md 5) runs
  Multus on /etc/cni/net.d and /opt/cni/bin. Expected paths are written here from FACTS.md 2, not taken
  from multus_gen.knowledge.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import helmrender as hr
import pytest
import yaml

from crdschema import crd_errors
from multus_gen.check.schemas import schema_errors
from multus_gen.knowledge import charts, rke2

pytest_plugins = ["conformance_plugin"]

CRD_OF_KIND = {
    "HelmChart": "helm.cattle.io_helmcharts.yaml",
    "HelmChartConfig": "helm.cattle.io_helmchartconfigs.yaml",
    "HelmRepository": "source.toolkit.fluxcd.io_helmrepositories.yaml",
    "HelmRelease": "helm.toolkit.fluxcd.io_helmreleases.yaml",
    "Application": "argoproj.io_applications.yaml",
    "NetworkAttachmentDefinition": "k8s.cni.cncf.io_network-attachment-definitions.yaml",
}
#: Documents without an upstream CRD in the fixtures: our schema is the only check.
OWN_SCHEMA_ONLY = {
    ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"): "flux-kustomization",
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"): "kustomization",
}
FORMATS = ("helmchart", "helmchartconfig", "flux", "argocd", "fleet")
#: FACTS.md 2: RKE2 keeps CNI files in the standard dirs.
RKE2_CONF, RKE2_BIN = "/etc/cni/net.d", "/opt/cni/bin"
#: RKE2's own HelmChart passes these to every packaged chart with ``spec.set`` (rancher/rke2 pkg/bootstrap).
RKE2_SET = {
    "global.clusterCIDR": "10.42.0.0/16",
    "global.clusterCIDRv4": "10.42.0.0/16",
    "global.clusterDNS": "10.43.0.10",
    "global.clusterDomain": "cluster.local",
    "global.rke2DataDir": "/var/lib/rancher/rke2",
    "global.serviceCIDR": "10.43.0.0/16",
    "global.systemDefaultRegistry": "",
}
#: Option variants whose values every engine must carry the same way (nulls, hazards, data dirs).
VARIANTS: tuple[tuple[str, ...], ...] = (
    (),
    ("--data-dir", "/srv/k3s", "--k3s-version", "v1.30.5+k3s1"),
    ("--set", "manifests.configMap=null,config.cni_conf.logLevel=debug"),
    ("--set-string", "labels.nodeSelector.zone=yes,labels.nodeSelector.rack=0777"),
)


def fmt_docs(gen: hr.Generated) -> list[dict[str, Any]]:
    assert gen.exit_code == 0, gen.describe()
    return gen.docs


def check_doc(crds: Path, doc: dict[str, Any], where: str) -> None:
    kind = doc.get("kind")
    if kind in CRD_OF_KIND:
        assert crd_errors(crds / CRD_OF_KIND[kind], doc) == [], f"{where}: {kind} {doc['metadata']}"
        assert crd_errors(crds / CRD_OF_KIND[kind], doc, as_apiserver=True) == [], where
    else:
        # a fleet.yaml has no apiVersion and no CRD anywhere
        name = OWN_SCHEMA_ONLY[(doc["apiVersion"], kind)] if "apiVersion" in doc else "fleet"
        assert schema_errors(name, doc) == [], f"{where}: {name}: {doc}"


def _versions(archives: list[hr.Archive]) -> list[str]:
    found = {a.version for a in archives if a.name == hr.MULTUS} | set(charts.VERIFIED)
    return sorted(found, key=hr.chart_key)


# --------------------------------------------------------------------------------------------------
# Every document against its CRD (or, without one, our schema)


@pytest.mark.slow  # every archive x IPAM x format: ~2 s; test_rendered_folders_validate stays fast
def test_every_format_validates_against_the_upstream_crds(archives: list[hr.Archive], crds: Path) -> None:
    count = 0
    for version in _versions(archives):
        for ipam in hr.IPAMS:
            for fmt in FORMATS:
                for extra in VARIANTS:
                    gen = hr.generate("helmchart", "--format", fmt, "--chart-version", version, "--ipam", ipam, *extra)
                    for doc in fmt_docs(gen):
                        check_doc(crds, doc, gen.describe())
                        count += 1
    assert count > len(_versions(archives)) * len(hr.IPAMS) * len(FORMATS) * len(VARIANTS)


def test_rendered_folders_validate(tmp_path: Path, crds: Path) -> None:
    """render of a spec with every network kind, in every format: HelmCharts/engine objects, NADs (Argo CD's
    with their annotations), Flux Kustomizations, kustomization.yaml and fleet.yaml files."""
    spec = tmp_path / "spec.yaml"
    base = """\
cluster: {k3sVersion: v1.31.2+k3s1}
networks:
  - {name: storage, type: macvlan, master: eth1, ipam: {type: whereabouts, range: 192.168.50.0/24}}
  - {name: lan, type: ipvlan, master: eth2, ipam: {type: host-local, range: 10.10.0.0/24}, node: w1}
  - {name: dhcp, type: bridge, bridge: br1, ipam: {type: dhcp}}
clusters:
  - name: a
  - name: b
    cluster: {distro: rke2}
"""
    seen: set[str] = set()
    for fmt in FORMATS:
        spec.write_text((f"format: {fmt}\n" if fmt != "helmchart" else "") + base)
        if fmt not in ("helmchart", "helmchartconfig"):
            spec.write_text(spec.read_text().replace("  - name: b\n    cluster: {distro: rke2}\n", ""))
        out = tmp_path / fmt
        out.mkdir()
        gen = hr.generate("render", "-c", str(spec), "--out-dir", str(out), "--gitops-path", fmt)
        assert gen.exit_code == 0, gen.describe()
        for path in sorted(out.rglob("*.yaml")):
            for doc in hr.load_all(path.read_text()):
                check_doc(crds, doc, str(path))
                seen.add(str(doc.get("kind", "fleet.yaml")))
    assert seen == {*CRD_OF_KIND, "Kustomization", "fleet.yaml"}


# --------------------------------------------------------------------------------------------------
# The same values render the same chart in every engine


def engine_values(helm: Any, fmt: str, doc: dict[str, Any]) -> dict[str, Any]:
    """The user values helm gets from one engine's object (helm-controller: valuesContent as a values file)."""
    if fmt == "helmchart":
        return hr.helm_values(helm, doc)
    if fmt == "helmchartconfig":
        return helm.values_from_yaml(doc["spec"].get("valuesContent", "")) or {}
    if fmt == "flux":
        return dict(doc["spec"].get("values") or {})
    if fmt == "argocd":
        return dict(doc["spec"]["source"]["helm"].get("valuesObject") or {})
    return dict(doc["helm"].get("values") or {})


def release_docs(fmt: str, docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """chart name -> the object that installs it, per engine."""
    out = {}
    for doc in docs:
        if fmt in ("helmchart",):
            out[doc["spec"]["chart"]] = doc
        elif fmt == "helmchartconfig":
            out[hr.MULTUS_CRD if doc["metadata"]["name"].endswith("-crd") else hr.MULTUS] = doc
        elif fmt == "flux" and doc["kind"] == "HelmRelease":
            out[doc["spec"]["chart"]["spec"]["chart"]] = doc
        elif fmt == "argocd":
            out[doc["spec"]["source"]["chart"]] = doc
        elif fmt == "fleet":
            out[doc["helm"]["chart"]] = doc
    return out


def release_name(fmt: str, doc: dict[str, Any]) -> str:
    if fmt in ("helmchart", "helmchartconfig"):
        return str(doc["metadata"]["name"])
    if fmt == "flux":
        return str(doc["spec"]["releaseName"])
    if fmt == "argocd":
        return str(doc["spec"]["source"]["helm"]["releaseName"])
    return str(doc["helm"]["releaseName"])


#: Every IPAM plain and with nulls; the other variants with the IPAM with the most values.
RENDER_CASES = [(ipam, v) for ipam in hr.IPAMS for v in (0, 2)] + [("whereabouts", 1), ("whereabouts", 3)]


@pytest.mark.parametrize(("ipam", "variant"), RENDER_CASES)
def test_engines_render_the_chart_like_the_helmchart(
    helm: Any,
    load_chart: Callable[[hr.Archive], Any],
    archives: list[hr.Archive],
    multus_archive: hr.Archive,
    ipam: str,
    variant: int,
) -> None:
    version = multus_archive.version
    base = ("--chart-version", version, "--ipam", ipam, *VARIANTS[variant])
    gens = {fmt: hr.generate("helmchart", "--format", fmt, *base) for fmt in FORMATS}
    if gens["helmchart"].exit_code != 0:
        assert all(g.exit_code == 1 for g in gens.values()), "a refused version is refused in every format"
        return
    per_fmt = {fmt: release_docs(fmt, fmt_docs(gen)) for fmt, gen in gens.items()}
    crd_archives = {a.version: a for a in archives if a.name == hr.MULTUS_CRD}
    for chart, ref_doc in per_fmt["helmchart"].items():
        if chart == hr.MULTUS:
            archive = multus_archive
        else:
            crd_version = str(ref_doc["spec"]["version"])
            if crd_version not in crd_archives:
                continue
            archive = crd_archives[crd_version]
        ref_values = engine_values(helm, "helmchart", ref_doc)
        ref = hr.render(helm, load_chart(archive), ref_doc, values=ref_values)
        assert ref.objects, f"{version} {chart}: nothing rendered"
        for fmt in FORMATS[1:]:
            doc = per_fmt[fmt][chart]
            values = engine_values(helm, fmt, doc)
            assert values == ref_values, f"{fmt} {chart}: values differ from the HelmChart's"
            assert release_name(fmt, doc) == release_name("helmchart", ref_doc)
            got = hr.render(helm, load_chart(archive), {**ref_doc, "metadata": {**ref_doc["metadata"]}}, values=values)
            assert got.objects == ref.objects, f"{fmt} {chart} {version}: the chart renders differently"
            if chart == hr.MULTUS:
                assert hr.named(got, "DaemonSet", ref.release) == hr.named(ref, "DaemonSet", ref.release)


# --------------------------------------------------------------------------------------------------
# RKE2


def rke2_render(helm: Any, chart: Any, hcc: dict[str, Any]) -> hr.Rendered:
    """rke2-multus as RKE2's helm-controller installs it: chart defaults < RKE2's HelmChart (no valuesContent)
    < our HelmChartConfig valuesContent < RKE2's HelmChart ``set`` (FACTS.md 5)."""
    values = helm.values_from_yaml(hcc["spec"].get("valuesContent", "")) or {}
    packaged = {
        "metadata": {"name": rke2.PACKAGED_CHART_NAME, "namespace": "kube-system"},
        "spec": {"set": RKE2_SET},
    }
    values = hr.merge(values, hr.helm_values(helm, packaged))
    return hr.render(helm, chart, {**packaged, "spec": {"targetNamespace": "kube-system"}}, values=values)


@pytest.mark.parametrize("ipam", hr.IPAMS)
def test_rke2_helmchartconfig_runs_multus_on_rke2_paths(
    helm: Any, load_chart: Callable[[hr.Archive], Any], multus_archive: hr.Archive, crds: Path, ipam: str
) -> None:
    version = multus_archive.version
    gen = hr.generate("helmchart", "--distro", "rke2", "--ipam", ipam, "--chart-version", version)
    assert gen.exit_code == 0, gen.describe()
    assert "cni: [multus, canal]" in gen.stderr
    docs = gen.docs
    hcc = next(d for d in docs if d["metadata"]["name"] == "rke2-multus")
    for doc in docs:
        assert doc["kind"] == "HelmChartConfig" and doc["metadata"]["namespace"] == "kube-system"
        assert crd_errors(crds / CRD_OF_KIND["HelmChartConfig"], doc) == []
    body = gen.stdout.split("\n---\n", 1)[1]
    for k3s_path in ("/var/lib/rancher/k3s", "agent/etc/cni", "data/cni", "data/current/bin"):
        assert k3s_path not in body, f"{version} {ipam}: K3s path in {body}"
    out = rke2_render(helm, load_chart(multus_archive), hcc)
    ds = hr.named(out, "DaemonSet", "rke2-multus")
    assert ds is not None, f"{version}: no DaemonSet rke2-multus"
    main = hr.container(ds, "kube-rke2-multus")
    args = hr.flag_args(main)
    for flag, want in (
        ("--cni-conf-dir", RKE2_CONF),
        ("--cni-bin-dir", RKE2_BIN),
        ("--multus-autoconfig-dir", RKE2_CONF),
    ):
        inside = args.get(flag, hr.THIN_ENTRYPOINT_DEFAULTS[flag])
        assert hr.host_path_of(ds, main, inside) == want, f"{version} {ipam}: {flag} {inside}"
    assert args.get("--multus-kubeconfig-file-host") == f"{RKE2_CONF}/multus.d/multus.kubeconfig"
    init = hr.container(ds, "cni-plugins")
    assert hr.host_path_of(ds, init, "/host/opt/cni/bin") == RKE2_BIN
    names = {d["metadata"]["name"] for d in out.of_kind("DaemonSet")}
    want = {"rke2-multus"} | ({"whereabouts"} if ipam == "whereabouts" else set())
    want |= {"rke2-multus-dhcp"} if ipam == "dhcp" else set()
    assert names == want, f"{version} {ipam}: {names}"
    wb = hr.named(out, "DaemonSet", "whereabouts")
    if wb is not None:
        ctr = hr.pod_spec(wb)["containers"][0]
        env = hr.env_of(ctr)
        assert hr.host_path_of(wb, ctr, env["CNI_CONF_DIR"]) == RKE2_CONF
        assert hr.host_path_of(wb, ctr, env["CNI_BIN_DIR"]) == RKE2_BIN
    dhcp = hr.named(out, "DaemonSet", "rke2-multus-dhcp")
    if dhcp is not None:
        volumes = {v["name"]: v for v in hr.pod_spec(dhcp)["volumes"]}
        assert volumes["binpath"]["hostPath"]["path"] == RKE2_BIN
    # multus-gen verify's checks on the RKE2 dirs (the CRDs of a split version come from RKE2's own CRD chart)
    rke2_dirs = hr.K3sDirs(RKE2_CONF, RKE2_BIN, f"{RKE2_CONF}/multus.d/multus.kubeconfig")
    found = hr.findings([out], rke2_dirs, ipam)
    if hr.ships_no_crds(version):
        found = [f for f in found if not f.endswith("[rendered-crds]")]
    assert found == [], f"{version} {ipam}"


def test_rke2_chart_defaults_are_the_rke2_paths(multus_archive: hr.Archive) -> None:
    """knowledge.rke2.CHART_DEFAULT_PATHS (what the HelmChartConfig leaves out) against each archive's values."""
    values = yaml.safe_load(multus_archive.text("values.yaml") or "")
    sub = yaml.safe_load(multus_archive.text("charts/rke2-whereabouts/values.yaml") or "")
    for path, value in rke2.CHART_DEFAULT_PATHS.items():
        node: Any = {**values, "rke2-whereabouts": sub}
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if path[-1] == "multusAutoconfigDir" and not hr.host_prefixed(multus_archive.version):
            assert node is None, f"{multus_archive.version}: {path}"
            continue
        assert node == value, f"{multus_archive.version}: default of {'.'.join(path)} is {node!r}, not {value!r}"
    assert (RKE2_CONF, RKE2_BIN) == (rke2.CONF_DIR, rke2.BIN_DIR)
