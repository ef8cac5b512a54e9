"""multus-gen's HelmCharts rendered with the real rke2-multus / rke2-multus-crd archives and the Helm engine.

For every rke2-multus archive in ../shared/fixtures/charts x IPAM x K3s version x data dir: generate the
HelmChart(s) through the CLI, hand ``spec.valuesContent`` (and ``spec.set``) to helm the way helm-controller
does, render the real chart with release = HelmChart name and namespace = ``spec.targetNamespace``, and check
the rendered objects against the K3s paths of FACTS.md section 2 (computed in helmrender.k3s_dirs).
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import helmrender as hr
import pytest

from multus_gen.cli import run
from multus_gen.errors import InputError
from multus_gen.model.options import resolve_chart_version

pytest_plugins = ["conformance_plugin"]

MATRIX = [
    pytest.mark.parametrize("ipam", hr.IPAMS),
    pytest.mark.parametrize("k3s_version", hr.K3S_VERSIONS),
    pytest.mark.parametrize("data_dir", hr.DATA_DIRS, ids=lambda d: d.strip("/").replace("/", "-")),
]


def matrix(fn: Callable[..., None]) -> Callable[..., None]:
    for mark in reversed(MATRIX):
        fn = mark(fn)
    return fn


def accepted_by_multus_gen(version: str) -> bool:
    try:
        resolve_chart_version(version, allow_unknown=False)
    except InputError:
        return False
    return True


@dataclass
class Case:
    archive: hr.Archive
    ipam: str
    k3s_version: str
    data_dir: str
    gen: hr.Generated
    accepted: bool
    multus_hc: dict[str, Any] | None = None
    crd_hc: dict[str, Any] | None = None
    rendered: hr.Rendered | None = None
    crd_rendered: hr.Rendered | None = None
    crd_missing: str | None = None

    @property
    def version(self) -> str:
        return self.archive.version

    @property
    def dirs(self) -> hr.K3sDirs:
        return hr.k3s_dirs(self.k3s_version, self.data_dir)

    @property
    def label(self) -> str:
        return f"rke2-multus {self.version}, ipam {self.ipam}, K3s {self.k3s_version}, data dir {self.data_dir}"

    @property
    def out(self) -> hr.Rendered:
        assert self.rendered is not None
        return self.rendered

    @property
    def releases(self) -> list[hr.Rendered]:
        """The releases rendered: the CRD chart first (when there is one), then rke2-multus."""
        return [*([self.crd_rendered] if self.crd_rendered is not None else []), self.out]

    def multus_daemonset(self) -> dict[str, Any]:
        ds = hr.named(self.out, "DaemonSet", self.out.release)
        assert ds is not None, f"{self.label}: no DaemonSet {self.out.release}"
        return ds


_CASES: dict[tuple[str, str, str, str], Case] = {}


def make_case(
    helm: Any,
    load_chart: Callable[[hr.Archive], Any],
    archives: list[hr.Archive],
    archive: hr.Archive,
    ipam: str,
    k3s_version: str,
    data_dir: str,
) -> Case:
    key = (archive.file_name, ipam, k3s_version, data_dir)
    if key in _CASES:
        return _CASES[key]
    gen = hr.generate(*hr.matrix_argv(archive.version, ipam, k3s_version, data_dir))
    case = Case(archive, ipam, k3s_version, data_dir, gen, accepted_by_multus_gen(archive.version))
    if case.accepted and gen.exit_code == 0:
        case.multus_hc = gen.helmchart(hr.MULTUS)
        case.crd_hc = gen.helmchart(hr.MULTUS_CRD)
        assert case.multus_hc is not None, f"{case.label}: no rke2-multus HelmChart in {gen.stdout}"
        case.rendered = hr.render(helm, load_chart(archive), case.multus_hc)
        hr.MATRIX_CELLS.add(key)
        if case.crd_hc is not None:
            want = str(case.crd_hc["spec"]["version"])
            found = [a for a in archives if a.name == hr.MULTUS_CRD and a.version == want]
            if found:
                case.crd_rendered = hr.render(helm, load_chart(found[0]), case.crd_hc)
            else:
                case.crd_missing = (
                    f"rke2-multus-crd {want} (chosen by multus-gen for {archive.version}) is not in fixtures"
                )
    _CASES[key] = case
    return case


@pytest.fixture
def case(
    helm: Any,
    load_chart: Callable[[hr.Archive], Any],
    archives: list[hr.Archive],
    multus_archive: hr.Archive,
    ipam: str,
    k3s_version: str,
    data_dir: str,
) -> Case:
    return make_case(helm, load_chart, archives, multus_archive, ipam, k3s_version, data_dir)


def usable(case: Case) -> bool:
    """True when multus-gen accepts the archive's version (and it generated); else assert it REFUSES it."""
    if case.accepted:
        assert case.gen.exit_code == 0, case.gen.describe()
        return True
    assert case.gen.exit_code == 1, f"{case.label}: multus-gen should refuse this version: {case.gen.describe()}"
    assert case.gen.stdout == ""
    assert "--chart-version" in case.gen.stderr
    return False


# --------------------------------------------------------------------------------------------------
# The matrix


@matrix
def test_helmcharts_emitted(case: Case) -> None:
    """One rke2-multus HelmChart pinned to the archive's version; the CRD chart first exactly from v4.3.009."""
    if not usable(case):
        return
    docs = case.gen.docs
    assert all(d["kind"] == "HelmChart" for d in docs)
    assert case.multus_hc is not None
    assert case.multus_hc["spec"]["version"] == case.version
    if hr.ships_no_crds(case.version):
        assert case.crd_hc is not None, f"{case.label}: no rke2-multus-crd HelmChart"
        assert docs[0] is not case.multus_hc and docs[0]["spec"]["chart"] == hr.MULTUS_CRD, "CRD chart must be first"
    else:
        assert case.crd_hc is None, f"{case.label}: rke2-multus ships its CRDs; no rke2-multus-crd expected"


@matrix
def test_multus_daemonset_paths(case: Case) -> None:
    """The multus container's args name the K3s dirs, and the paths inside the container agree with the mounts."""
    if not usable(case):
        return
    dirs, label = case.dirs, case.label
    ds = case.multus_daemonset()
    assert ds["metadata"]["namespace"] == case.out.namespace
    assert ds["metadata"]["labels"]["app"] == hr.MULTUS
    assert ds["spec"]["template"]["metadata"]["labels"]["app"] == hr.MULTUS
    main = hr.container(ds, "kube-rke2-multus")
    args = hr.flag_args(main)

    if hr.host_prefixed(case.version):
        assert args.get("--cni-conf-dir") == f"/host{dirs.conf}", label
        assert args.get("--cni-bin-dir") == f"/host{dirs.bin}", label
        assert args.get("--multus-autoconfig-dir") == f"/host{dirs.conf}", label
    if hr.fixed_mounts(case.version):
        # the chart would pass a path that is not mounted (FACTS 3)
        assert "--multus-autoconfig-dir" not in args, f"{label}: {args}"

    # multus-gen verify's checks (multus_gen.check.rendered) with the suite's dirs: each of --cni-conf-dir,
    # --cni-bin-dir and --multus-autoconfig-dir (thin entrypoint defaults when absent) resolves through the
    # container's mounts to the K3s dir; --multus-kubeconfig-file-host is the K3s kubeconfig, and the file
    # thin_entrypoint writes to <cni-conf-dir>/multus.d is that same host file; the cni-plugins init container
    # installs into the K3s bin dir.
    rules = ("rendered-cni-dirs", "rendered-kubeconfig", "rendered-cni-plugins", "rendered-daemonsets")
    assert hr.findings([case.out], dirs, case.ipam, rules=rules) == [], label
    assert args.get("--multus-kubeconfig-file-host") == dirs.kubeconfig, label  # given, not the default
    hr.container(ds, "cni-plugins")  # there, exactly once


@matrix
def test_no_duplicate_mounts_or_volumes(case: Case) -> None:
    """No two volumeMounts of a container share a mountPath, no two volumes share a name (the v4.2.201 bug)."""
    if not usable(case):
        return
    workloads = [o for _, o in case.out.objects if o.get("kind") in ("DaemonSet", "Deployment", "StatefulSet")]
    assert workloads
    # multus-gen verify's rule rendered-mounts: volumes by name, mountPaths per container, mounts of no volume
    assert hr.findings([case.out], case.dirs, case.ipam, rules=("rendered-mounts",)) == [], case.label


@matrix
def test_ipam_daemonsets(case: Case) -> None:
    """dhcp renders <name>-dhcp on the K3s bin dir; whereabouts renders its DaemonSet on the K3s dirs; no others."""
    if not usable(case):
        return
    dirs, label, out = case.dirs, case.label, case.out
    names = {ds["metadata"]["name"] for ds in out.of_kind("DaemonSet")}
    want = {out.release}
    if case.ipam == "dhcp":
        want.add(f"{out.release}-dhcp")
    if case.ipam == "whereabouts":
        want.add("whereabouts")
    assert names == want, label

    # multus-gen verify's checks: the dhcp daemon runs `<bin dir>/dhcp daemon` (resolved through its mounts), the
    # whereabouts installer's CNI_CONF_DIR/CNI_BIN_DIR resolve to the K3s dirs, no hard-coded standard dir
    rules = ("rendered-dhcp", "rendered-whereabouts", "rendered-daemonsets", "rendered-daemonset-unchecked")
    assert hr.findings([out], dirs, case.ipam, rules=rules) == [], label

    dhcp = hr.named(out, "DaemonSet", f"{out.release}-dhcp")
    if dhcp is not None:
        volumes = {v["name"]: v for v in hr.pod_spec(dhcp)["volumes"]}
        assert volumes["binpath"]["hostPath"]["path"] == dirs.bin, label
        daemon = hr.container(dhcp, "kube-rke2-multus-dhcp")
        assert daemon["command"][1:] == ["daemon"]

    wb = hr.named(out, "DaemonSet", "whereabouts")
    if wb is not None:
        env = hr.env_of(hr.pod_spec(wb)["containers"][0])
        assert env["CNI_CONF_DIR"] == f"/host{dirs.conf}", label
        assert env["CNI_BIN_DIR"] == f"/host{dirs.bin}", label


@matrix
def test_configmap_cni_conf(case: Case) -> None:
    """The ConfigMap's cni-conf.json carries the same confDir, binDir and kubeconfig."""
    if not usable(case):
        return
    dirs, label, out = case.dirs, case.label, case.out
    cm = hr.named(out, "ConfigMap", f"{out.release}-{case.version}-config")
    assert cm is not None, f"{label}: no ConfigMap; have {[o['metadata']['name'] for o in out.of_kind('ConfigMap')]}"
    conf = json.loads(cm["data"]["cni-conf.json"])
    assert conf["confDir"] == dirs.conf, label
    assert conf["binDir"] == dirs.bin, label
    assert conf["kubeconfig"] == dirs.kubeconfig, label
    if hr.host_prefixed(case.version):
        assert conf["multusAutoconfigDir"] == dirs.conf, label
    if hr.fixed_mounts(case.version):
        assert "multusAutoconfigDir" not in conf, label
    assert hr.findings([out], dirs, case.ipam, rules=("rendered-cni-config",)) == [], label  # verify's own check


@matrix
def test_crds(case: Case, require_real: Any, load_chart: Callable[[hr.Archive], Any]) -> None:
    """Where the NAD and whereabouts CRDs come from: the chart itself before v4.3.009, rke2-multus-crd after."""
    if not usable(case):
        return
    label, out = case.label, case.out
    own = {o["metadata"]["name"] for o in out.of_kind("CustomResourceDefinition")}
    chart = load_chart(case.archive)
    # crds/ of the chart and of every subchart it enables (helm installs those before the templates)
    whereabouts_on = hr.named(out, "DaemonSet", "whereabouts") is not None
    crd_dir = {
        str(c["filename"])
        for c in chart.crds
        if "/charts/rke2-whereabouts/" not in str(c["filename"]) or whereabouts_on
    }
    if hr.ships_no_crds(case.version):
        assert own == set(), f"{label}: rke2-multus renders CRDs {own}"
        assert crd_dir == set(), f"{label}: rke2-multus has crds/ {crd_dir}"
        assert case.crd_hc is not None
        if case.crd_rendered is None:
            require_real(case.crd_missing or "no rke2-multus-crd render")
        assert case.crd_rendered is not None
        crds = {o["metadata"]["name"] for o in case.crd_rendered.of_kind("CustomResourceDefinition")}
        assert hr.NAD_CRD in crds, label
        if case.ipam == "whereabouts":
            assert crds >= hr.WHEREABOUTS_CRDS, f"{label}: CRD chart renders {crds}"
        else:
            assert not (hr.WHEREABOUTS_CRDS & crds), f"{label}: CRD chart renders {crds}"
        assert crds - hr.WHEREABOUTS_CRDS == {hr.NAD_CRD}, label
    else:
        assert hr.NAD_CRD in own, f"{label}: the chart renders no NAD CRD (templates: {sorted(out.manifests)})"
        # the whereabouts CRDs: in the subchart's crds/, installed only when the subchart is enabled
        names = {hr.crd_name(c["data"]) for c in chart.crds if c["filename"] in crd_dir} | own
        if case.ipam == "whereabouts":
            assert names >= hr.WHEREABOUTS_CRDS, f"{label}: whereabouts CRDs {names}"
        else:
            assert not (names & hr.WHEREABOUTS_CRDS), f"{label}: installs whereabouts CRDs {names}"
        # multus-gen's loader reads the same crds/ (helm drops a disabled subchart's when it renders)
        assert {o["metadata"]["name"] for _, o in out.crds} == names - own, label
    # multus-gen verify's CRD checks agree
    rules = ("rendered-crds", "rendered-crd-unneeded")
    assert hr.findings(case.releases, case.dirs, case.ipam, rules=rules) == [], label


@matrix
def test_verify_finds_nothing(case: Case) -> None:
    """Every check of `multus-gen verify` passes on what multus-gen generates for the cell (warnings included)."""
    if not usable(case) or (case.crd_hc is not None and case.crd_rendered is None):
        return  # the CRD chart's absence is reported by test_crds
    assert hr.findings(case.releases, case.dirs, case.ipam) == [], case.label


# --------------------------------------------------------------------------------------------------
# Overrides and values semantics, per archive


def _render_with(helm: Any, load_chart: Callable[[hr.Archive], Any], archive: hr.Archive, *extra: str) -> Any:
    gen = hr.generate("helmchart", "--chart-version", archive.version, *extra)
    if not accepted_by_multus_gen(archive.version):
        assert gen.exit_code == 1, gen.describe()
        return None
    assert gen.exit_code == 0, gen.describe()
    hc = gen.helmchart(hr.MULTUS)
    assert hc is not None
    return gen, hc, hr.render(helm, load_chart(archive), hc)


def test_allowed_override_still_renders(
    helm: Any, load_chart: Callable[[hr.Archive], Any], multus_archive: hr.Archive
) -> None:
    """User overrides reach the chart: --set logLevel renders the flag; a binDir K3s does not use is refused
    (rule cni-bin-dir) unless allowed, and then renders with the hostPath the user asked for."""
    got = _render_with(helm, load_chart, multus_archive, "--set", "config.cni_conf.logLevel=debug")
    if got is None:
        return
    _, _, out = got
    ds = hr.named(out, "DaemonSet", out.release)
    assert hr.flag_args(hr.container(ds, "kube-rke2-multus"))["--multus-log-level"] == "debug"

    bad = ("--set", "config.cni_conf.binDir=/opt/cni/bin")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(["helmchart", "--chart-version", multus_archive.version, *bad])
    assert (code, out.getvalue()) == (1, ""), err.getvalue()
    assert err.getvalue().rstrip().endswith("[cni-bin-dir]"), err.getvalue()
    got = _render_with(helm, load_chart, multus_archive, *bad, "--allow", "cni-bin-dir")
    assert got is not None
    gen, _, out = got
    assert "warning" in gen.stderr and "allowed by --allow cni-bin-dir" in gen.stderr, gen.describe()
    ds = hr.named(out, "DaemonSet", out.release)
    volumes = {v["name"]: v for v in hr.pod_spec(ds)["volumes"]}
    assert volumes["cnibin"]["hostPath"]["path"] == "/opt/cni/bin"


def test_null_in_values_content_deletes_chart_default(
    helm: Any, load_chart: Callable[[hr.Archive], Any], multus_archive: hr.Archive
) -> None:
    """``--set manifests.configMap=null`` reaches helm as a null in valuesContent and deletes the default."""
    got = _render_with(helm, load_chart, multus_archive, "--set", "manifests.configMap=null")
    if got is None:
        return
    _, hc, out = got
    assert helm.values_from_yaml(hc["spec"]["valuesContent"])["manifests"] == {"configMap": None}
    assert out.of_kind("ConfigMap") == []
    ds = hr.named(out, "DaemonSet", out.release)
    assert "multus-cfg" not in {v["name"] for v in hr.pod_spec(ds)["volumes"]}
    baseline = _render_with(helm, load_chart, multus_archive)
    assert baseline is not None and len(baseline[2].of_kind("ConfigMap")) == 1


#: Strings a YAML reader could take for something else (YAML 1.1 and 1.2 booleans, nulls, numbers, dates,
#: sexagesimals, indicators). No ',' (``--set`` separates items with it), no ``{...}`` (``--set`` list syntax),
#: no quotes/backslashes (the chart puts some values in a double-quoted YAML string unescaped).
HAZARDS = (
    "yes", "no", "on", "off", "y", "n", "Y", "NO", "True", "FALSE", "null", "Null", "~", "0777", "007", "1e3",
    "1_000", "0x1F", "0o17", ".inf", "-.inf", ".nan", "12:30", "2024-01-01", "+1", "-1", "1.0", ".5", "0b101",
    "=x", "@x", "*x", "&x", "!x", "%x", "|", ">", "- x", "? x", "#x", "x #y", "x: y", "[]", "",
)  # fmt: skip


def test_set_string_hazards_reach_the_manifest_unchanged(
    helm: Any, load_chart: Callable[[hr.Archive], Any], multus_archive: hr.Archive
) -> None:
    """``--set-string`` values survive multus-gen's valuesContent, helm's Go YAML reader and the templates."""
    extra: list[str] = []
    for i, value in enumerate(HAZARDS):
        extra += ["--set-string", f"labels.nodeSelector.hazard-{i}={value}"]
    extra += ["--set-string", "config.cni_conf.globalNamespaces=0777"]
    got = _render_with(helm, load_chart, multus_archive, *extra)
    if got is None:
        return
    _, hc, out = got
    values = helm.values_from_yaml(hc["spec"]["valuesContent"])
    for i, value in enumerate(HAZARDS):
        assert helm.parse_set_string_values(f"k={value}") == {"k": value}  # helm's own --set-string reading
        assert values["labels"]["nodeSelector"][f"hazard-{i}"] == value, f"valuesContent mangles {value!r}"
    # the DaemonSet as Go's YAML reader (helm, the API server) and as PyYAML read it
    ds_path = next(p for p in out.manifests if p.endswith("templates/daemonSet.yaml"))
    for ds in (*hr.go_yaml_docs(helm, out.manifests[ds_path]), hr.named(out, "DaemonSet", out.release)):
        selector = hr.pod_spec(ds)["nodeSelector"]
        for i, value in enumerate(HAZARDS):
            assert selector[f"hazard-{i}"] == value, f"rendered nodeSelector mangles {value!r}"
        args = hr.flag_args(hr.container(ds, "kube-rke2-multus"))
        assert args["--global-namespaces"] == "0777"
    cm = out.of_kind("ConfigMap")[0]
    assert json.loads(cm["data"]["cni-conf.json"])["globalNamespaces"] == "0777"


def test_node_slice_controller_value(
    helm: Any, load_chart: Callable[[hr.Archive], Any], multus_archive: hr.Archive
) -> None:
    """whereabouts' node_slice_size needs the subchart's node-slice controller: the value multus-gen sets
    (rke2-whereabouts.nodeSliceController.enabled, as `render` does for such a network and `nad`'s note says)
    renders a Deployment running /node-slice-controller in every archive multus-gen accepts, and nothing without
    it; multus-gen's table says the archive has it (issue 16)."""
    from multus_gen.knowledge import charts

    base = ("--ipam", "whereabouts")
    got = _render_with(
        helm, load_chart, multus_archive, *base, "--set", "rke2-whereabouts.nodeSliceController.enabled=true"
    )
    if got is None:
        return
    _, _, out = got

    def controllers(rendered: hr.Rendered) -> list[str]:
        return [
            d["metadata"]["name"]
            for d in rendered.of_kind("Deployment")
            for c in hr.pod_spec(d)["containers"]
            if "/node-slice-controller" in (c.get("command") or [])
        ]

    assert controllers(out) == ["whereabouts-controller"], sorted(out.manifests)
    assert charts.has_node_slice_controller(multus_archive.version)
    plain = _render_with(helm, load_chart, multus_archive, *base)
    assert plain is not None and controllers(plain[2]) == []
