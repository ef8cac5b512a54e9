"""The generators and `validate` agree: one rule set, one severity (issue "one house").

A kept list of broken inputs: each must be refused by the generator (exit 1, one line, nothing on stdout)
naming the rule; with ``--allow RULE`` the generator prints the output with a warning, `validate` of that
output reports the same rule as an error, and `validate --allow RULE` passes it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import capture

DATA = "/var/lib/rancher/k3s"
CONF = f"{DATA}/agent/etc/cni/net.d"

TRUNK = ["nad", "trunk", "--type", "bridge", "--bridge", "br1", "--ipam", "static", "--address", "10.1.0.5/24"]

#: (generator argv, the rule that refuses it)
BROKEN: list[tuple[list[str], str]] = [
    (["helmchart", "--set", "config.cni_conf.binDir=/opt/cni/bin"], "cni-bin-dir"),
    (["helmchart", "--set", f"config.cni_conf.binDir={DATA}/data/current/bin"], "cni-bin-dir"),
    (
        ["helmchart", "--k3s-version", "v1.28.14+k3s1", "--set", f"config.cni_conf.binDir={DATA}/data/cni"],
        "cni-bin-dir",
    ),
    (["helmchart", "--set", "config.cni_conf.confDir=/etc/cni/net.d"], "cni-conf-dir"),
    (["helmchart", "--set", "config.cni_conf.kubeconfig=/etc/cni/net.d/multus.d/multus.kubeconfig"], "cni-kubeconfig"),
    (["helmchart", "--set", "config.cni_conf.multusAutoconfigDir=/etc/cni/net.d"], "multus-autoconfig-dir"),
    (
        ["helmchart", "--chart-version", "v4.2.202", "--set", "config.cni_conf.multusAutoconfigDir=null"],
        "multus-autoconfig-dir",
    ),
    (
        ["helmchart", "--chart-version", "v4.2.106", "--set", f"config.cni_conf.multusAutoconfigDir={CONF}"],
        "chart-gated-key",
    ),
    (
        ["helmchart", "--ipam", "whereabouts", "--set", "rke2-whereabouts.cniConf.binDir=/opt/cni/bin"],
        "whereabouts-dirs",
    ),
    (["helmchart", "--ipam", "dhcp", "--set", "manifests.dhcpDaemonSet=false"], "ipam-prerequisite"),
    (["helmchart", "--ipam", "whereabouts", "--set", "rke2-whereabouts.enabled=false"], "ipam-prerequisite"),
    (
        ["helmchart", "--set-string", "config.cni_conf.logLevel=1", "--set", "manifests.dhcpDaemonSet=3"],
        "values-schema",
    ),
    (["helmchart", "--format", "flux", "--set", "config.cni_conf.binDir=/opt/cni/bin"], "cni-bin-dir"),
    (["helmchart", "--format", "argocd", "--set", "config.cni_conf.confDir=/etc/cni/net.d"], "cni-conf-dir"),
    (["helmchart", "--format", "helmchartconfig", "--set", "config.cni_conf.binDir=/opt/cni/bin"], "cni-bin-dir"),
    (["values", "--set", "config.cni_conf.binDir=/opt/cni/bin"], "cni-bin-dir"),
    # FACTS 3: what a chart version cannot run on K3s for one IPAM, and the thick plugin's hard-coded dirs
    (["helmchart", "--chart-version", "v4.0.202", "--ipam", "whereabouts"], "chart-version-ipam"),
    (["helmchart", "--chart-version", "v4.0.203", "--ipam", "dhcp"], "chart-version-ipam"),
    (["helmchart", "--set", "thickPlugin.enabled=true"], "thick-plugin"),
    (
        ["nad", "lan", "--master", "eth1", "--range", "10.0.0.0/24", "--range-start", "10.0.0.0"],
        "ipam-range-start-network-address",
    ),
    # issue 16: bridge vlanTrunk, whereabouts node slices and logging, dhcp options
    ([*TRUNK, "--vlan-trunk", "100-110", "--vlan-trunk", "105"], "nad-vlan-trunk-overlap"),
    ([*TRUNK, "--vlan-trunk", "4000-4095"], "nad-vlan-trunk-invalid"),
    ([*TRUNK, "--vlan-trunk", "0"], "nad-vlan-trunk-invalid"),
    (["nad", "big", "--master", "eth1", "--range", "10.4.0.0/24", "--node-slice-size", "/23"], "ipam-node-slice-size"),
    (["nad", "big", "--master", "eth1", "--range", "10.4.0.0/24", "--node-slice-size", "/31"], "ipam-node-slice-size"),
    (["nad", "wl", "--master", "eth1", "--range", "10.4.0.0/24", "--log-level", "info"], "ipam-log-level-invalid"),
    (["nad", "wl", "--master", "eth1", "--range", "10.4.0.0/24", "--log-file", "wa.log"], "ipam-log-file-invalid"),
    (["nad", "lan", "--master", "eth1", "--ipam", "dhcp", "--dhcp-request", "subnet_mask"], "ipam-dhcp-option-unknown"),
    (
        ["nad", "lan", "--master", "eth1", "--ipam", "dhcp", "--dhcp-provide-from-arg", "hostname=K8S_POD_NAME"],
        "ipam-dhcp-option-unknown",
    ),
    (
        ["nad", "lan", "--master", "eth1", "--ipam", "dhcp", "--dhcp-provide", "user-class=" + "x" * 256],
        "ipam-dhcp-option-invalid",
    ),
]


def cluster_flags(argv: list[str]) -> list[str]:
    out: list[str] = []
    for flag in ("--k3s-version", "--data-dir"):
        if flag in argv:
            out += [flag, argv[argv.index(flag) + 1]]
    return out


@pytest.mark.parametrize(("argv", "rule"), BROKEN, ids=[" ".join(a[1:]) for a, _ in BROKEN])
def test_generator_and_validate_agree(argv: list[str], rule: str, tmp_path: Path) -> None:
    code, out, err = capture(argv)
    assert (code, out) == (1, ""), err
    (line,) = err.splitlines()
    assert line.startswith("multus-gen: error: ") and f"[{rule}]" in line, line

    code, out, err = capture([*argv, "--allow", rule])
    assert code == 0, err
    assert f"(allowed by --allow {rule})" in err
    path = tmp_path / "out.yaml"
    path.write_text(out)
    target = ["--values-file", str(path)] if argv[0] == "values" else [str(path)]
    if argv[0] == "values" and "--chart-version" in argv:
        target += ["--chart-version", argv[argv.index("--chart-version") + 1]]
    code, report, err = capture(["validate", *target, *cluster_flags(argv), "-o", "json"])
    rules = {f["rule"] for f in json.loads(report)["findings"] if f["severity"] == "error"}
    assert code == 1 and rule in rules, (rules, err)
    code, report, err = capture(
        ["validate", *target, *cluster_flags(argv), "-o", "json", *[x for r in sorted(rules) for x in ("--allow", r)]]
    )
    assert code == 0, report


SPEC = """\
cluster: {k3sVersion: v1.31.2+k3s1}
networks:
  - {name: storage, type: macvlan, master: eth1, ipam: {type: whereabouts, range: 192.168.50.0/24}}
  - {name: lan, type: ipvlan, master: eth2, ipam: {type: host-local, range: 10.10.0.0/24}, node: w1}
  - {name: dhcp, type: bridge, bridge: br1, ipam: {type: dhcp}}
clusters:
  - name: new
  - name: old
    cluster: {k3sVersion: v1.29.9+k3s1, dataDir: /srv/k3s}
  - name: pinned
    chart: {version: v4.2.106}
"""
CLUSTER_FLAGS = {
    "new": ["--k3s-version", "v1.31.2+k3s1"],
    "old": ["--k3s-version", "v1.29.9+k3s1", "--data-dir", "/srv/k3s"],
    "pinned": ["--k3s-version", "v1.31.2+k3s1"],
}


@pytest.mark.parametrize("fmt", ["helmchart", "flux", "argocd", "fleet"])
def test_rendered_fleet_passes_validate(fmt: str, tmp_path: Path) -> None:
    """Everything a render writes (charts, NADs, engine objects) passes validate for its own cluster."""
    spec = tmp_path / "fleet.yaml"
    spec.write_text(("" if fmt == "helmchart" else f"format: {fmt}\n") + SPEC)
    out = tmp_path / "clusters"
    out.mkdir()
    code, _, err = capture(["render", "-c", str(spec), "--out-dir", str(out), "--gitops-path", "clusters"])
    assert code == 0, err
    for cluster, flags in CLUSTER_FLAGS.items():
        code, report, err = capture(["validate", str(out / cluster), *flags, "-o", "json"])
        data = json.loads(report)
        errors = [f for f in data["findings"] if f["severity"] == "error"]
        assert (code, errors) == (0, []), (cluster, errors, err)
        assert data["summary"]["files"] >= 2  # the chart install and the NADs were both checked


def test_a_whole_fleet_validates_against_each_files_own_cluster(tmp_path: Path) -> None:
    """Without --k3s-version, validate checks each file of multus-gen's against the cluster its `# inputs:`
    header names (a pre-commit run over a fleet of mixed K3s versions and data dirs passes); an explicit
    --k3s-version checks every file against that one cluster (and the other clusters' paths are errors)."""
    spec = tmp_path / "fleet.yaml"
    spec.write_text(SPEC)
    out = tmp_path / "clusters"
    code, _, err = capture(["render", "-c", str(spec), "--out-dir", str(out), "-q"])
    assert code == 0, err
    code, report, err = capture(["validate", str(out), "-o", "json"])
    data = json.loads(report)
    assert (code, [f for f in data["findings"] if f["severity"] == "error"]) == (0, []), err
    assert data["summary"]["files"] == 6  # a chart file and a networks file per cluster
    code, report, _ = capture(["validate", str(out), "--k3s-version", "v1.31.2+k3s1", "-o", "json"])
    wrong = {f["path"].split("/")[-2] for f in json.loads(report)["findings"] if f["severity"] == "error"}
    assert code == 1 and wrong == {"old"}


def test_install_one_cluster_of_a_fleet(tmp_path: Path) -> None:
    """`install -c FLEET --cluster NAME` writes that cluster's files (not its kustomization.yaml), byte for byte
    what render writes for it; a fleet without --cluster, or an unknown cluster, is refused."""
    spec = tmp_path / "fleet.yaml"
    spec.write_text(SPEC)
    rendered = tmp_path / "clusters"
    assert capture(["render", "-c", str(spec), "--out-dir", str(rendered), "-q"])[0] == 0
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    code, _, err = capture(["install", "-c", str(spec), "--cluster", "old", "--manifests-dir", str(manifests)])
    assert code == 0, err
    assert sorted(p.name for p in manifests.iterdir() if not p.name.startswith(".")) == [
        "multus-networks.yaml",
        "multus.yaml",
    ]
    for name in ("multus.yaml", "multus-networks.yaml"):
        assert (manifests / name).read_bytes() == (rendered / "old" / name).read_bytes()
    code, _, err = capture(["install", "-c", str(spec), "--manifests-dir", str(manifests)])
    assert code == 1 and "--cluster NAME" in err
    code, _, err = capture(["install", "-c", str(spec), "--cluster", "nope", "--manifests-dir", str(manifests)])
    assert code == 1 and "no cluster 'nope'" in err and "new, old, pinned" in err


def test_format_fleet_never_puts_two_bundles_into_one_file(tmp_path: Path) -> None:
    out = tmp_path / "fleet.yaml"
    code, _, err = capture(["helmchart", "--format", "fleet", "--out", str(out)])  # CRD chart + rke2-multus
    assert code == 1 and "2 bundles" in err and "--out-dir" in err and not out.exists()
    code, _, err = capture(["helmchart", "--format", "fleet", "--chart-version", "v4.2.202", "--out", str(out)])
    assert code == 0 and out.read_text().count("defaultNamespace") == 1, err


@pytest.mark.parametrize("fmt", ["helmchart", "argocd", "fleet"])
def test_printed_output_of_an_older_k3s_passes_validate(fmt: str, tmp_path: Path) -> None:
    """`helmchart --format F --k3s-version OLD --data-dir /srv/k3s > f; validate f` passes without repeating
    the flags: validate reads the cluster from the header, also behind the `# path:` line a fleet stream
    starts with (it used to miss it and check the fleet stream against the default K3s: 4 errors)."""
    old = ["--k3s-version", "v1.25.4+k3s1", "--data-dir", "/srv/k3s", "--ipam", "whereabouts"]
    code, text, err = capture(["helmchart", "--format", fmt, *old])
    assert code == 0, err
    printed = tmp_path / "out.yaml"
    printed.write_text(text)
    code, report, err = capture(["validate", str(printed), "-o", "json"])
    assert (code, [f for f in json.loads(report)["findings"] if f["severity"] == "error"]) == (0, []), err


def test_a_chart_version_that_cannot_run_the_ipam_names_the_version(tmp_path: Path) -> None:
    """chart-version-ipam on multus-gen's own values names --chart-version (a spec: chart.version and its
    line); it named `HelmChart multus::$.spec.valuesContent.manifests.dhcpDaemonSet`, a key nobody set."""
    code, out, err = capture(["helmchart", "--chart-version", "v4.0.203", "--ipam", "dhcp"])
    assert (code, out) == (1, "") and err.startswith("multus-gen: error: --chart-version: "), err
    assert "[chart-version-ipam]" in err
    spec = tmp_path / "multus.yaml"
    spec.write_text(
        "cluster: {k3sVersion: v1.31.2+k3s1}\n"
        "chart: {version: v4.0.203}\n"
        "networks:\n"
        "  - {name: lan, type: macvlan, master: eth1, ipam: {type: dhcp}}\n"
    )
    code, out, err = capture(["render", "-c", str(spec)])
    assert (code, out) == (1, "") and err.startswith(f"multus-gen: error: {spec}::$.chart.version (line 2): "), err
    # a key the user set is still named as set
    code, _, err = capture(["helmchart", "--chart-version", "v4.0.203", "--set", "manifests.dhcpDaemonSet=true"])
    assert code == 1 and err.startswith("multus-gen: error: --set manifests.dhcpDaemonSet=true: "), err


def test_a_printed_fleet_passes_validate(tmp_path: Path) -> None:
    """`render -c FLEET > all.yaml; validate all.yaml`: every file of the stream is checked against the cluster
    its own header names, beside the files of its own cluster (the whole stream was checked against one cluster
    and as one file: the /srv/k3s cluster's files failed, and a pinned v4.2.106 met another cluster's CRD chart)."""
    spec = tmp_path / "fleet.yaml"
    spec.write_text(SPEC)
    code, text, err = capture(["render", "-c", str(spec)])
    assert code == 0, err
    assert text.count("# path: ") >= 6
    printed = tmp_path / "all.yaml"
    printed.write_text(text)
    code, report, err = capture(["validate", str(printed), "-o", "json"])
    data = json.loads(report)
    assert (code, [f for f in data["findings"] if f["severity"] == "error"]) == (0, []), err
    # each file of the stream is named as in a rendered tree: <stream>#<cluster>/<file>
    assert data["summary"]["files"] == 6 and all(f.startswith(f"{printed}#") for f in data["files"]), data
    assert {s["path"].rsplit("/", 1)[-1] for s in data["skipped"]} <= {"kustomization.yaml"}


def test_a_nad_without_a_cluster_header_is_checked_beside_the_installs(tmp_path: Path) -> None:
    """`nad` (no --k3s-version: its header names no cluster) and `helmchart --chart-version v4.2.106` in one
    folder: validate checks the NAD beside that install, so a bridge vlan with vlanTrunk is refused there
    (bridge-native-vlan, CNI plugins v1.7.1) and a whereabouts network without whereabouts is an
    ipam-prerequisite error. The headerless file was checked alone and both passed."""
    folder = tmp_path / "cluster"
    folder.mkdir()
    code, text, err = capture(["helmchart", "--chart-version", "v4.2.106"])
    assert code == 0, err
    (folder / "multus.yaml").write_text(text)
    trunk = ["nad", "trunk", "--type", "bridge", "--bridge", "br1", "--vlan", "5", "--vlan-trunk", "100"]
    code, text, err = capture([*trunk, "--ipam", "whereabouts", "--range", "10.9.0.0/24"])
    assert code == 0, err
    (folder / "trunk.yaml").write_text(text)
    code, report, err = capture(["validate", str(folder), "-o", "json"])
    rules = {f["rule"] for f in json.loads(report)["findings"] if f["severity"] == "error"}
    assert code == 1 and rules == {"bridge-native-vlan", "ipam-prerequisite"}, (rules, err)
