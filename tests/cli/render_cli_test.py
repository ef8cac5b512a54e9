"""`multus-gen render -c SPEC`: a whole installation from a spec file, and its errors (file, line, path)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from crdschema import crd_errors
from helpers import capture, docs_of, invoke, tree, write_text
from multus_gen.cli import run

SPEC = """\
cluster:
  k3sVersion: v1.30.5+k3s1
  dataDir: /srv/k3s
chart:
  version: v4.3.017
  values:
    config:
      cni_conf:
        logLevel: debug
networks:
  - name: storage
    namespace: storage
    type: macvlan
    master: eth1
    ipam:
      type: whereabouts
      range: 192.168.50.0/24
      exclude: [192.168.50.1/32]
  - name: lan
    type: macvlan
    master: eth2
    ipam: {type: dhcp}
"""


def test_render_to_stdout(tmp_path: Path, crds: Path) -> None:
    result = invoke(*["render", "-c", str(write_text(tmp_path, SPEC))])
    assert result.exit_code == 0, result.stderr
    out = docs_of(result.stdout)
    assert [d["kind"] for d in out] == ["HelmChart", "HelmChart", "NetworkAttachmentDefinition"] * 1 + [
        "NetworkAttachmentDefinition"
    ]
    crd_chart, multus, storage, lan = out
    values = yaml.safe_load(multus["spec"]["valuesContent"])
    # the networks decide the chart values: whereabouts and dhcp both enabled
    assert values["rke2-whereabouts"]["enabled"] is True
    assert values["manifests"]["dhcpDaemonSet"] is True
    assert values["config"]["cni_conf"]["binDir"] == "/srv/k3s/data/current/bin"
    assert values["config"]["cni_conf"]["logLevel"] == "debug"
    assert yaml.safe_load(crd_chart["spec"]["valuesContent"]) == {"rke2-whereabouts": {"enabled": True}}
    config = json.loads(storage["spec"]["config"])
    assert config["name"] == "storage" and storage["metadata"] == {"name": "storage", "namespace": "storage"}
    # whereabouts on K3s: the K3s flat file and kubeconfig for this data dir (k3s-io/docs issue 341)
    assert config["ipam"]["configuration_path"] == "/srv/k3s/agent/etc/cni/net.d/whereabouts.d/whereabouts.conf"
    assert config["ipam"]["kubernetes"] == {
        "kubeconfig": "/srv/k3s/agent/etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig"
    }
    assert json.loads(lan["spec"]["config"])["ipam"] == {"type": "dhcp"}
    for doc in out[:2]:
        assert crd_errors(crds / "helm.cattle.io_helmcharts.yaml", doc) == []
    for doc in out[2:]:
        assert crd_errors(crds / "k8s.cni.cncf.io_network-attachment-definitions.yaml", doc) == []


def test_render_out_dir_separates_charts_and_nads(tmp_path: Path) -> None:
    spec = write_text(tmp_path, SPEC)
    out = tmp_path / "out"
    out.mkdir()
    result = invoke(*["render", "-c", str(spec), "--out-dir", str(out)])
    assert result.exit_code == 0, result.stderr
    assert tree(out) == ["multus-networks.yaml", "multus.yaml"]
    assert {d["kind"] for d in docs_of((out / "multus.yaml").read_text())} == {"HelmChart"}
    assert {d["kind"] for d in docs_of((out / "multus-networks.yaml").read_text())} == {"NetworkAttachmentDefinition"}
    again = invoke(*["render", "-c", str(spec), "--out-dir", str(out)])
    assert again.stderr.count("up to date") == 2


def test_fleet_overrides(tmp_path: Path) -> None:
    spec = write_text(
        tmp_path,
        SPEC
        + """\
clusters:
  - name: edge-1
  - name: edge-2
    cluster: {k3sVersion: v1.31.2+k3s1, dataDir: /var/lib/rancher/k3s}
    networks:
      - name: storage
        master: bond0
        ipam: {type: whereabouts, range: 10.20.0.0/24, exclude: [10.20.0.1/32]}
      - name: lan
        remove: true
""",
    )
    out = tmp_path / "clusters"
    out.mkdir()
    result = invoke(*["render", "-c", str(spec), "--out-dir", str(out)])
    assert result.exit_code == 0, result.stderr
    edge1 = docs_of((out / "edge-1/multus-networks.yaml").read_text())
    edge2 = docs_of((out / "edge-2/multus-networks.yaml").read_text())
    assert [d["metadata"]["name"] for d in edge1] == ["storage", "lan"]
    assert [d["metadata"]["name"] for d in edge2] == ["storage"]
    cfg2 = json.loads(edge2[0]["spec"]["config"])
    assert cfg2["master"] == "bond0" and cfg2["ipam"]["range"] == "10.20.0.0/24"
    assert cfg2["type"] == "macvlan"  # merged over the top-level network, not replaced wholesale
    assert cfg2["ipam"]["configuration_path"].startswith("/var/lib/rancher/k3s/")
    values2 = yaml.safe_load(docs_of((out / "edge-2/multus.yaml").read_text())[-1]["spec"]["valuesContent"])
    assert values2["config"]["cni_conf"]["binDir"] == "/var/lib/rancher/k3s/data/cni"
    assert "manifests" not in values2  # edge-2 has no dhcp network any more
    kust = yaml.safe_load((out / "edge-1/kustomization.yaml").read_text())
    assert kust["resources"] == ["multus.yaml", "multus-networks.yaml"]


BAD_SPECS = [
    ("cluster: {dataDir: relative}\n", "$.cluster.dataDir", 1),
    ("cluster: {k3sVersion: 1.30}\n", "$.cluster.k3sVersion", 1),
    ("cluster: {}\nchart: {version: v4.2.201}\n", "$.chart.version", 2),
    (
        "cluster: {}\nnetworks:\n  - name: a\n    type: macvlan\n    mastr: eth1\n    ipam: {type: dhcp}\n",
        "$.networks[0]",
        3,
    ),
    (
        "cluster: {}\nnetworks:\n  - name: a\n    type: macvlan\n    master: eth1\n"
        "    ipam: {type: whereabouts, range: 10.42.3.0/24}\n",
        "$.networks[0].ipam.range",
        6,
    ),
    (
        "cluster: {}\nnetworks:\n  - name: a\n    type: ipvlan\n    master: eth1\n    ipam: {type: dhcp}\n",
        "$.networks[0].ipam.type",
        6,
    ),
    (
        "cluster: {}\nnetworks:\n  - name: a\n    type: macvlan\n    master: eth1\n"
        "    ipam: {type: whereabouts, range: 192.168.1.0/24}\n"
        "  - name: b\n    type: macvlan\n    master: eth1\n    ipam: {type: host-local, ranges: [192.168.1.0/25]}\n",
        "$.networks[1].ipam.ranges",
        10,
    ),
    ("cluster: {}\nclusters:\n  - name: x\n  - name: x\n", "$.clusters[1].name", 4),
    (
        "cluster: {}\nclusters:\n  - name: x\n    cluster: {dataDir: nope}\n",
        "$.clusters[0].cluster.dataDir",
        4,
    ),
    ("- not a mapping\n", "must hold a YAML mapping", None),
]


@pytest.mark.parametrize(("text", "path", "line"), BAD_SPECS, ids=[p for _, p, _ in BAD_SPECS])
def test_bad_specs_name_file_line_and_path(
    tmp_path: Path, text: str, path: str, line: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = write_text(tmp_path, text)
    out = tmp_path / "out"
    out.mkdir()
    assert run(["render", "-c", str(spec), "--out-dir", str(out)]) == 1
    stdout, err = capsys.readouterr()
    assert stdout == "" and len(err.strip().splitlines()) == 1, err
    assert path in err
    if line is not None:
        assert f"{spec}::" in err and f"(line {line})" in err
    assert list(out.iterdir()) == []  # nothing written


def test_render_needs_a_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["render"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "--config" in err, err


@pytest.mark.parametrize(
    ("chart", "network", "where", "said", "unsaid"),
    [
        # a chart key without the mirror it belongs to: the spec's words, and the rule
        ("{plainHTTP: true}", "", "$.chart.plainHTTP (line 2)", "no chart.repo is given", "--repo"),
        ("{authSecret: creds}", "", "$.chart.authSecret (line 2)", "add chart.repo", "--repo"),
        # a network key its IPAM ignores
        ("{}", ", nodeSliceSize: /26", "$.networks[0].ipam.nodeSliceSize (line 5)", "ipam.nodeSliceSize is", "--node"),
    ],
)
def test_spec_errors_speak_the_specs_words(
    tmp_path: Path, chart: str, network: str, where: str, said: str, unsaid: str
) -> None:
    """An error located in a spec file names spec keys, not the CLI flags they stand for (it said
    `chart.plainHTTP: --plain-http is a setting of a chart mirror, and no --repo is given (add --repo URL)`)."""
    spec = tmp_path / "multus.yaml"
    spec.write_text(
        "cluster: {k3sVersion: v1.31.2+k3s1}\n"
        f"chart: {chart}\n"
        "networks:\n"
        "  - {name: lan, type: macvlan, master: eth1,\n"
        f"     ipam: {{type: host-local, range: 10.9.0.0/24{network}}}}}\n"
    )
    code, out, err = capture(["render", "-c", str(spec)])
    assert (code, out) == (1, ""), err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"multus-gen: error: {spec}::{where}: "), line
    assert said in line and unsaid not in line and line.endswith("]"), line


def test_a_fix_naming_the_key_beside_the_flag_says_it_once(tmp_path: Path) -> None:
    """It said "pass chart.crdVersion (chart.crdVersion in a spec file): ..." for an unknown chart version."""
    spec = tmp_path / "multus.yaml"
    spec.write_text("cluster: {k3sVersion: v1.33.7+k3s1}\nchart: {version: v4.3.099, allowUnknownVersion: true}\n")
    code, out, err = capture(["render", "-c", str(spec)])
    assert (code, out) == (1, ""), err
    (line,) = err.strip().splitlines()
    assert line.startswith(f"multus-gen: error: {spec}::$.chart.version (line 2): "), line
    assert "(pass chart.crdVersion: the rke2-multus-crd published with it" in line, line
    assert "in a spec file" not in line, line
