"""`multus-gen nad`: one NAD through the CLI; semantics are tested in tests/unit/{ipam,nad}_test.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from crdschema import crd_errors
from helpers import docs_of, invoke
from multus_gen.cli import run


def nad(*argv: str) -> Any:
    return invoke("nad", *argv)


def config_of(stdout: str) -> dict[str, Any]:
    (doc,) = docs_of(stdout)
    return json.loads(doc["spec"]["config"])


def test_whereabouts_nad_carries_k3s_paths_for_the_data_dir(crds: Path) -> None:
    result = nad("storage", "--master", "eth1", "--range", "192.168.50.0/24", "--data-dir", "/srv/k3s")
    assert result.exit_code == 0, result.stderr
    (doc,) = docs_of(result.stdout)
    assert crd_errors(crds / "k8s.cni.cncf.io_network-attachment-definitions.yaml", doc) == []
    config = json.loads(doc["spec"]["config"])
    assert config["name"] == "storage" and config["type"] == "macvlan" and config["master"] == "eth1"
    assert config["ipam"]["configuration_path"] == "/srv/k3s/agent/etc/cni/net.d/whereabouts.d/whereabouts.conf"
    assert config["ipam"]["kubernetes"]["kubeconfig"].startswith("/srv/k3s/agent/etc/cni/net.d/whereabouts.d/")
    assert doc["spec"]["config"] == json.dumps(config, separators=(",", ":"))  # compact JSON


def test_dual_stack_whereabouts_uses_ip_ranges() -> None:
    result = nad("dual", "--master", "eth1", "--range", "10.10.0.0/24", "--range", "fd00:10::/120")
    assert result.exit_code == 0, result.stderr
    assert [r["range"] for r in config_of(result.stdout)["ipam"]["ipRanges"]] == ["10.10.0.0/24", "fd00:10::/120"]


def test_host_local_warns_unless_pinned_to_a_node() -> None:
    loose = nad("loc", "--type", "bridge", "--bridge", "br1", "--ipam", "host-local", "--range", "10.30.0.0/24")
    assert loose.exit_code == 0 and "per node" in loose.stderr
    pinned = nad(
        "loc",
        "--type",
        "bridge",
        "--bridge",
        "br1",
        "--ipam",
        "host-local",
        "--range",
        "10.30.0.0/24",
        "--node",
        "worker-1",
    )
    assert pinned.exit_code == 0 and "per node" not in pinned.stderr


def test_deterministic() -> None:
    argv = ["x", "--master", "eth1", "--range", "10.1.0.0/24", "--route", "0.0.0.0/0,10.1.0.1", "--gateway", "10.1.0.1"]
    assert len({nad(*argv).stdout for _ in range(3)}) == 1


BAD = [
    (["x", "--master", "eth1", "--range", "10.0.0.1/24"], "--range"),
    (["x", "--master", "eth1", "--range", "10.0.0.0/32"], "--range"),
    (["x", "--master", "eth1", "--range", "10.0.0.0/24", "--range-start", "10.0.1.5"], "--range-start"),
    (
        ["x", "--master", "eth1", "--range", "10.0.0.0/24", "--range-start", "10.0.0.50", "--range-end", "10.0.0.10"],
        "--range",
    ),
    (["x", "--master", "eth1", "--range", "10.0.0.0/24", "--exclude", "10.9.0.0/28"], "--exclude"),
    (["x", "--master", "eth1", "--range", "10.0.0.0/24", "--range", "10.0.0.128/25"], "--range"),
    (["x", "--type", "ipvlan", "--master", "eth1", "--ipam", "dhcp"], "--ipam"),
    (["x", "--master", "eth1", "--ipam", "dhcp", "--range", "fd00::/64"], "--range"),
    (["x", "--master", "an-interface-name-too-long", "--range", "10.0.0.0/24"], "--master"),
    (["Bad_Name", "--master", "eth1", "--range", "10.0.0.0/24"], "--name"),
    (["x", "--master", "eth1", "--mode", "l2", "--range", "10.0.0.0/24"], "--mode"),
    (["x", "--master", "eth1", "--range", "not-an-ip"], "--range"),
    (["x", "--master", "eth1", "--range", "10.0.0.0/24", "--data-dir", "relative"], "--data-dir"),
]


@pytest.mark.parametrize(("argv", "flag"), BAD, ids=[" ".join(a)[:70] for a, _ in BAD])
def test_bad_nads_one_line(argv: list[str], flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["nad", *argv]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert flag in err


@pytest.mark.parametrize(
    ("argv", "mentions"), [([], "'NAME'"), (["a", "b"], "(b)"), (["x", "--type", "vxlan"], "--type")]
)
def test_usage_errors_are_one_line(argv: list[str], mentions: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["nad", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and mentions in err, err
