"""A fleet of 1,000 clusters with mixed K3s versions and data dirs, rendered into folders (issue 6).

Every cluster's HelmChart values and whereabouts NAD carry that cluster's own conf dir and bin dir (all 1,000
parsed; the expected dirs come from helmrender.k3s_dirs, i.e. FACTS.md 2, not from multus_gen.knowledge); a
sample of 20 is rendered with the real rke2-multus chart and its DaemonSet checked. Rendering again changes
nothing; clusters removed from the spec are reported, and deleted only with --prune. No timing asserts (the
README reports measured times).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import helmrender as hr
import pytest

from multus_gen.cli import run

pytest_plugins = ["conformance_plugin"]

CLUSTERS = 1000
SAMPLE = 20
CHART = "v4.3.017"
DATA_DIRS = ("/var/lib/rancher/k3s", "/srv/k3s", "/data/k3s", "/opt/rancher/k3s")


def fleet_spec(names: list[str], members: dict[str, tuple[str, str]]) -> str:
    lines = [
        f"chart: {{version: {CHART}}}",
        "cluster: {k3sVersion: v1.33.5+k3s1}",
        "networks:",
        "  - {name: storage, type: macvlan, master: eth1, ipam: {type: whereabouts, range: 192.168.50.0/24}}",
        "clusters:",
    ]
    for name in names:
        version, data_dir = members[name]
        lines.append(f"  - name: {name}")
        lines.append(f"    cluster: {{k3sVersion: {version}, dataDir: {data_dir}}}")
    return "\n".join(lines) + "\n"


def render(spec: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> list[str]:
    assert run(["render", "-c", str(spec), "--out-dir", str(out), *extra]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    return captured.err.splitlines()


@pytest.mark.slow  # a fleet of a thousand clusters through the Helm engine: ~3 s
def test_a_thousand_clusters(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    helm: Any,
    load_chart: Callable[[hr.Archive], Any],
    charts_dir: Path,
) -> None:
    rng = random.Random(6)
    names = [f"site-{i:04d}" for i in range(CLUSTERS)]
    members = {name: (rng.choice(hr.K3S_VERSIONS), rng.choice(DATA_DIRS)) for name in names}
    spec = tmp_path / "fleet.yaml"
    spec.write_text(fleet_spec(names, members))
    out = tmp_path / "clusters"
    out.mkdir()

    lines = render(spec, out, capsys)
    written = [line for line in lines if line.endswith(": written")]
    assert len(written) == CLUSTERS * 3  # multus.yaml, multus-networks.yaml, kustomization.yaml
    # the bin-dir warning of an old K3s: once per such version and data dir (its fix names the data dir's
    # data/cni), naming its clusters -- not once per cluster
    old = {(v, d) for v, d in members.values() if hr.k3s_dirs(v, d).bin.endswith("/data/current/bin")}
    warnings = [line for line in lines if "warning" in line]
    assert len(warnings) == len(old), warnings[:5]
    assert all("more): HelmChart multus::$.spec.valuesContent.config.cni_conf.binDir" in w for w in warnings)
    assert all(w.endswith("[cni-bin-dir-legacy]") for w in warnings)

    # every cluster carries its own dirs
    charts: dict[str, dict[str, Any]] = {}
    for name in names:
        dirs = hr.k3s_dirs(*members[name])
        helmchart = hr.load_all((out / name / "multus.yaml").read_text())[-1]
        cni = hr.load_all(helmchart["spec"]["valuesContent"])[0]["config"]["cni_conf"]
        assert (cni["confDir"], cni["binDir"], cni["kubeconfig"]) == (dirs.conf, dirs.bin, dirs.kubeconfig), name
        nad = hr.load_all((out / name / "multus-networks.yaml").read_text())[0]
        ipam = json.loads(nad["spec"]["config"])["ipam"]
        assert ipam["configuration_path"] == f"{dirs.conf}/whereabouts.d/whereabouts.conf", name
        charts[name] = helmchart
    assert len({hr.k3s_dirs(*m) for m in members.values()}) >= 8  # the fleet really mixes dirs

    # a sample rendered with the real chart
    archive = hr.read_archive(charts_dir / f"rke2-multus-{CHART}.tgz")
    for name in rng.sample(names, SAMPLE):
        dirs = hr.k3s_dirs(*members[name])
        rendered = hr.render(helm, load_chart(archive), charts[name])
        ds = hr.named(rendered, "DaemonSet", "multus")
        assert ds is not None, name
        main = hr.container(ds, "kube-rke2-multus")
        args = hr.flag_args(main)
        assert hr.host_path_of(ds, main, args["--cni-conf-dir"]) == dirs.conf, name
        assert hr.host_path_of(ds, main, args["--cni-bin-dir"]) == dirs.bin, name
        assert hr.host_path_of(ds, main, args["--multus-autoconfig-dir"]) == dirs.conf, name
        assert hr.host_path_of(ds, hr.container(ds, "cni-plugins"), "/host/opt/cni/bin") == dirs.bin, name
        wb = hr.named(rendered, "DaemonSet", "whereabouts")
        assert wb is not None
        env = hr.env_of(hr.pod_spec(wb)["containers"][0])
        assert env["CNI_CONF_DIR"] == f"/host{dirs.conf}", name

    # unchanged: nothing is rewritten
    lines = render(spec, out, capsys)
    assert sum(line.endswith(": up to date") for line in lines) == CLUSTERS * 3
    assert not [line for line in lines if line.endswith(": written")]

    # three clusters leave the spec: reported, kept; deleted only with --prune
    gone = rng.sample(names, 3)
    spec.write_text(fleet_spec([n for n in names if n not in gone], members))
    lines = render(spec, out, capsys)
    stale = sorted(line for line in lines if "no longer in the spec" in line)
    assert len(stale) == 9, stale
    assert {Path(line.split(":", 1)[0]).parent.name for line in stale} == set(gone)
    assert all((out / name / "multus.yaml").exists() for name in gone)
    assert sum(line.endswith(": up to date") for line in lines) == (CLUSTERS - 3) * 3

    lines = render(spec, out, capsys, "--prune")
    removed = [line for line in lines if "removed (no longer in the spec)" in line]
    assert len(removed) == 9
    assert not any((out / name).exists() for name in gone)
    assert len([p for p in out.iterdir() if not p.name.startswith(".")]) == CLUSTERS - 3
    lines = render(spec, out, capsys, "--prune")
    assert not [line for line in lines if "no longer in the spec" in line]
