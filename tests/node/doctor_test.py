"""doctor, install --detect/--root and uninstall on real node trees (tests/node/nodes.py), no mocks."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from nodes import at, k3s_node, multus_conf, rke2_node, write

from helpers import capture

OLD = "v1.30.5+k3s1"  # before the bin-dir gate (data/current/bin)
NEW = "v1.30.6+k3s1"  # from the gate on (data/cni)


def doctor(root: Path, *args: str) -> tuple[int, dict[str, object], str]:
    code, out, err = capture(["doctor", "--root", str(root), "-o", "json", *args])
    return code, json.loads(out) if out.strip() else {}, err


def rules_of(report: dict[str, object]) -> list[str]:
    return [f["rule"] for f in report["findings"]]  # type: ignore[index,union-attr]


def install(root: Path, *args: str) -> tuple[int, str, str]:
    return capture(["install", "--root", str(root), "--quiet", *args])


def test_healthy_k3s_node_after_install(tmp_path: Path) -> None:
    k3s_node(tmp_path)
    code, _, err = install(tmp_path, "--k3s-version", NEW, "--ipam", "host-local")
    assert code == 0, err
    assert "node: k3s" in err and "data-dir: in /etc/rancher/k3s/config.yaml" in err
    assert at(tmp_path, "/var/lib/rancher/k3s/server/manifests/multus.yaml").is_file()
    code, report, err = doctor(tmp_path, "--k3s-version", NEW)
    assert code == 0, (report, err)
    assert report["files"], "validate's rules ran on the manifests folder"
    assert rules_of(report) == []
    seen = {s["what"]: s["value"] for s in report["seen"]}  # type: ignore[union-attr]
    assert seen["primary CNI"] == "10-flannel.conflist"
    assert seen["CNI config used"].endswith("/00-multus.conf")
    assert seen["Multus delegates to"] == "cbr0"


def test_text_output_and_unknown_version(tmp_path: Path) -> None:
    k3s_node(tmp_path)
    code, out, err = capture(["doctor", "--root", str(tmp_path)])
    assert "ok: data dir: /var/lib/rancher/k3s" in out
    assert "[node-version-unknown]" in out  # under --root the binary is never run
    assert "[node-multus-leftover]" in out and code == 1  # 00-multus.conf but nothing in the manifests folder
    assert "Traceback" not in err


def test_old_k3s_legacy_bin_dir(tmp_path: Path) -> None:
    k3s_node(tmp_path, legacy_bin=True)
    assert install(tmp_path, "--k3s-version", OLD)[0] == 0
    code, report, _ = doctor(tmp_path, "--k3s-version", OLD)
    assert "cni-bin-dir-legacy" in rules_of(report) and code == 0


def test_wrong_bin_dir_in_multus_conf(tmp_path: Path) -> None:
    """A node upgraded past the gate whose Multus still writes the legacy bin dir."""
    paths = k3s_node(tmp_path, legacy_bin=True)
    assert install(tmp_path, "--k3s-version", NEW)[0] == 0
    code, report, _ = doctor(tmp_path, "--k3s-version", NEW)
    assert code == 1
    assert "node-multus-bin-dir" in rules_of(report)
    assert "node-plugin-missing" in rules_of(report)  # data/cni is missing on this tree
    assert paths["bin"].endswith("current/bin")


def test_custom_data_dir_from_drop_in_and_unit(tmp_path: Path) -> None:
    k3s_node(tmp_path, data_dir="/srv/k3s", config="write-kubeconfig-mode: '0644'\n")
    write(tmp_path, "/etc/rancher/k3s/config.yaml.d/10-data.yaml", "data-dir: /srv/other\n")
    write(tmp_path, "/etc/rancher/k3s/config.yaml.d/20-data.yaml", "data-dir: /srv/k3s\nnode-label+: [a=b]\n")
    _, report, _ = doctor(tmp_path, "--k3s-version", NEW)
    node = report["node"]
    assert node["data_dir"] == "/srv/k3s" and "20-data.yaml" in node["data_dir_source"]  # type: ignore[index]
    # the unit's flag wins over the files
    root2 = tmp_path / "unit"
    k3s_node(root2, data_dir="/opt/k3s", config="data-dir: /srv/k3s\n", unit_data_dir="/opt/k3s")
    _, report, _ = doctor(root2, "--k3s-version", NEW)
    assert report["node"]["data_dir"] == "/opt/k3s"  # type: ignore[index]
    assert "ExecStart" in report["node"]["data_dir_source"]  # type: ignore[index]


def test_config_merge_appends() -> None:
    from multus_gen.node.facts import merge_config

    merged, findings = merge_config([("a", {"node-label": ["x"], "cni": "canal"}), ("b", {"node-label+": ["y"]})])
    assert merged == {"node-label": ["x", "y"], "cni": "canal"} and not findings


def test_missing_kubeconfig_and_whereabouts(tmp_path: Path) -> None:
    paths = k3s_node(tmp_path)
    at(tmp_path, f"{paths['conf']}/multus.d/multus.kubeconfig").unlink()
    assert install(tmp_path, "--k3s-version", NEW, "--ipam", "whereabouts")[0] == 0
    nad = capture(["nad", "wb", "--master", "eth1", "--ipam", "whereabouts", "--range", "192.168.50.0/24"])
    assert nad[0] == 0, nad[2]
    write(tmp_path, f"{paths['manifests']}/nads.yaml", nad[1])
    code, report, _ = doctor(tmp_path, "--k3s-version", NEW)
    found = rules_of(report)
    assert code == 1
    assert "node-multus-kubeconfig-missing" in found
    assert "node-whereabouts-files" in found


def test_exclusive_primary_cni(tmp_path: Path) -> None:
    paths = k3s_node(tmp_path)
    assert install(tmp_path, "--k3s-version", NEW)[0] == 0
    conf = at(tmp_path, paths["conf"])
    os.rename(conf / "00-multus.conf", conf / "00-multus.conf.cilium_bak")
    write(
        tmp_path,
        f"{paths['conf']}/05-cilium.conflist",
        json.dumps({"name": "cilium", "plugins": [{"type": "cilium-cni"}]}),
    )
    code, report, _ = doctor(tmp_path, "--k3s-version", NEW)
    assert code == 1 and "node-primary-exclusive" in rules_of(report)


def test_broken_config_is_a_finding(tmp_path: Path) -> None:
    k3s_node(tmp_path, config="data-dir: [unclosed\n")
    code, report, err = doctor(tmp_path, "--k3s-version", NEW)
    assert code == 1 and "node-config" in rules_of(report) and "Traceback" not in err


def test_not_a_node_is_one_line(tmp_path: Path) -> None:
    code, out, err = capture(["doctor", "--root", str(tmp_path)])
    assert code == 1 and not out and len(err.strip().splitlines()) == 1 and "not a K3s or RKE2 node" in err


def test_unreadable_multus_conf(tmp_path: Path) -> None:
    paths = k3s_node(tmp_path)
    assert install(tmp_path, "--k3s-version", NEW)[0] == 0
    write(tmp_path, f"{paths['conf']}/00-multus.conf", "{not json")
    code, report, _ = doctor(tmp_path, "--k3s-version", NEW)
    assert code == 1 and "node-file-unreadable" in rules_of(report)


def test_rke2_node(tmp_path: Path) -> None:
    rke2_node(tmp_path)
    code, report, err = doctor(tmp_path)
    assert report["node"]["distro"] == "rke2"  # type: ignore[index]
    assert code == 0, (report, err)
    rke2_node(tmp_path / "off", cni="canal")
    code, report, _ = doctor(tmp_path / "off")
    assert code == 1 and "node-multus-leftover" in rules_of(report)


def test_k3s_version_from_path_binary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fake k3s on PATH printing a real `k3s --version`; it runs only when the root is /."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "k3s"
    fake.write_text(f"#!/bin/sh\necho 'k3s version {NEW} (1829eaae)'\necho 'go version go1.22.8'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    from multus_gen.node.facts import node_facts, run_version

    assert run_version("k3s") == (NEW, f"`{fake} --version`")
    k3s_node(tmp_path / "root")
    facts = node_facts(str(tmp_path / "root"))
    assert facts is not None and facts.version is None  # never executed under --root


def test_install_detect_disagreement_and_agent(tmp_path: Path) -> None:
    k3s_node(tmp_path, data_dir="/srv/k3s")
    code, _, err = install(tmp_path, "--k3s-version", NEW, "--data-dir", "/var/lib/rancher/k3s")
    assert code == 1 and "the node uses /srv/k3s" in err
    code, _, err = install(tmp_path, "--k3s-version", NEW, "--data-dir", "/var/lib/rancher/k3s", "--force")
    assert "the node uses" not in err  # forced: the flag's manifests folder, which this node does not have
    assert install(tmp_path, "--k3s-version", NEW)[0] == 0
    assert at(tmp_path, "/srv/k3s/server/manifests/multus.yaml").is_file()
    code, _, err = install(tmp_path, "--detect")
    assert code == 1 and "version is unknown" in err
    agent = tmp_path / "agent"
    k3s_node(agent, server=False)
    code, _, err = install(agent, "--k3s-version", NEW)
    assert code == 1 and "agent node" in err and "Traceback" not in err


def test_uninstall_then_doctor_finds_leftovers(tmp_path: Path) -> None:
    paths = k3s_node(tmp_path)
    assert install(tmp_path, "--k3s-version", NEW)[0] == 0
    hand = write(tmp_path, f"{paths['manifests']}/mine.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    code, out, err = capture(["uninstall", "--root", str(tmp_path), "--dry-run"])
    assert code == 0 and "would be removed" in err
    assert at(tmp_path, f"{paths['manifests']}/multus.yaml").exists()
    code, out, err = capture(["uninstall", "--root", str(tmp_path)])
    assert code == 0, err
    assert "kubectl delete helmchart -n kube-system multus" in out
    assert "00-multus.conf" in out
    assert not at(tmp_path, f"{paths['manifests']}/multus.yaml").exists() and hand.exists()
    code, report, _ = doctor(tmp_path, "--k3s-version", NEW)
    assert code == 1 and "node-multus-leftover" in rules_of(report)


def test_uninstall_keeps_unrecorded_copies(tmp_path: Path) -> None:
    """Where render keeps records, a file with a copied header but no record is not ours."""
    folder = tmp_path / "manifests"
    folder.mkdir()
    (folder / ".multus-gen").mkdir()
    (folder / ".multus-gen" / "x.record").write_text(json.dumps({"format": 1, "spec": "/s", "files": {}}))
    copy = folder / "copy.yaml"
    copy.write_text("# Generated by multus-gen 1.0\napiVersion: v1\nkind: ConfigMap\n")
    code, _, err = capture(["uninstall", "--manifests-dir", str(folder)])
    assert code == 0 and copy.exists() and "no file of multus-gen's" in err


def test_multus_conf_written_like_the_entrypoint() -> None:
    conf = multus_conf("/etc/cni/net.d", "/opt/cni/bin")
    assert conf["type"] == "multus" and conf["delegates"]


def test_every_node_rule_is_in_the_catalog() -> None:
    """The rule ids node/ reports (``doc.add(RULE, ...)``, ``Finding(..., RULE)``, ``rule=``) are catalogued."""
    import ast

    import multus_gen.node as node_package
    from multus_gen.check.catalog import RULES

    found: set[str] = set()
    for path in Path(node_package.__file__).parent.glob("*.py"):
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "add" and n.args:
                arg = n.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "Finding" and len(n.args) == 5:
                arg = n.args[4]
                if isinstance(arg, ast.Constant):
                    found.add(arg.value)
            if isinstance(n, ast.keyword) and n.arg == "rule" and isinstance(n.value, ast.Constant):
                found.add(n.value.value)
            if isinstance(n, ast.Dict):  # a table of rule ids (the paths in 00-multus.conf)
                found |= {v.value for v in n.values if isinstance(v, ast.Constant) and str(v.value).startswith("node-")}
    assert len(found) >= 17, sorted(found)
    assert found <= set(RULES), sorted(found - set(RULES))


def test_dhcp_needs_the_daemon_socket(tmp_path: Path) -> None:
    import socket

    paths = k3s_node(tmp_path)
    assert install(tmp_path, "--k3s-version", NEW, "--ipam", "dhcp")[0] == 0
    nad = capture(["nad", "lan", "--master", "eth2", "--ipam", "dhcp"])
    write(tmp_path, f"{paths['manifests']}/lan.yaml", nad[1])
    _, report, _ = doctor(tmp_path, "--k3s-version", NEW)
    assert "node-dhcp-daemon" in rules_of(report)
    at(tmp_path, "/run/cni").mkdir(parents=True)
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(at(tmp_path, "/run/cni/dhcp.sock")))
    except OSError:
        pytest.skip("the tmp path is too long for a unix socket")
    try:
        code, report, _ = doctor(tmp_path, "--k3s-version", NEW)
        assert "node-dhcp-daemon" not in rules_of(report) and code == 0, report["findings"]
    finally:
        sock.close()


def test_flannel_backend_none_without_a_primary(tmp_path: Path) -> None:
    paths = k3s_node(tmp_path, multus=False, config="flannel-backend: none\n")
    at(tmp_path, f"{paths['conf']}/10-flannel.conflist").unlink()
    code, report, _ = doctor(tmp_path, "--k3s-version", NEW)
    assert code == 1 and "node-no-primary-cni" in rules_of(report)
    assert {"what": "flannel-backend", "value": "none"} in report["seen"]  # type: ignore[operator]


def test_hand_written_helmchart_is_checked_with_validates_rules(tmp_path: Path) -> None:
    paths = k3s_node(tmp_path)
    write(
        tmp_path,
        f"{paths['manifests']}/multus.yaml",
        "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: multus\n  namespace: kube-system\n"
        "spec:\n  repo: https://rke2-charts.rancher.io\n  chart: rke2-multus\n  targetNamespace: kube-system\n",
    )
    code, report, _ = doctor(tmp_path, "--k3s-version", NEW)
    assert code == 1 and "chart-not-pinned" in rules_of(report)
    assert "node-multus-leftover" not in rules_of(report)  # a hand-written install counts


def test_unparseable_version_from_the_flag(tmp_path: Path) -> None:
    k3s_node(tmp_path)
    _, report, err = doctor(tmp_path, "--k3s-version", "banana")
    assert "node-version-unknown" in rules_of(report) and "Traceback" not in err


def test_rke2_packaged_chart_is_rke2s_own(tmp_path: Path) -> None:
    """RKE2 writes rke2-multus.yaml itself: an install for doctor, not a file for validate's rules."""
    paths = rke2_node(tmp_path, cni="canal")
    write(
        tmp_path,
        f"{paths['manifests']}/rke2-multus.yaml",
        "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: rke2-multus\n  namespace: kube-system\n"
        "spec:\n  chartContent: H4sIAAAAAAAA\n  bootstrap: true\n",
    )
    code, report, _ = doctor(tmp_path)
    assert code == 0, report["findings"]
    assert report["files"] == []


def test_custom_data_dir_install_detects_it_and_doctor_is_clean(tmp_path: Path) -> None:
    paths = k3s_node(tmp_path, data_dir="/srv/k3s", legacy_bin=True)
    code, _, err = install(tmp_path, "--k3s-version", OLD, "--ipam", "whereabouts")
    assert code == 0, err
    text = at(tmp_path, f"{paths['manifests']}/multus.yaml").read_text()
    assert "/srv/k3s/agent/etc/cni/net.d" in text and "/srv/k3s/data/current/bin" in text
    for name in ("whereabouts.conf", "whereabouts.kubeconfig"):
        write(tmp_path, f"{paths['conf']}/whereabouts.d/{name}", "{}\n")
    nad = capture(["nad", "wb", "--master", "eth1", "--range", "192.168.50.0/24", "--data-dir", "/srv/k3s"])
    write(tmp_path, f"{paths['manifests']}/wb.yaml", nad[1])
    code, report, _ = doctor(tmp_path, "--k3s-version", OLD)
    assert rules_of(report) == ["cni-bin-dir-legacy"] and code == 0, report["findings"]
    assert any("symlink current -> 0123abcd" in s["value"] for s in report["seen"])  # type: ignore[union-attr,index]


def test_multus_installed_but_not_running_and_not_first(tmp_path: Path) -> None:
    paths = k3s_node(tmp_path, multus=False)
    assert install(tmp_path, "--k3s-version", NEW)[0] == 0
    _, report, _ = doctor(tmp_path, "--k3s-version", NEW)
    assert "node-multus-conf-missing" in rules_of(report)
    root2 = tmp_path / "first"
    paths = k3s_node(root2)
    assert install(root2, "--k3s-version", NEW)[0] == 0
    write(root2, f"{paths['conf']}/00-aaa.conflist", json.dumps({"name": "x", "plugins": [{"type": "bridge"}]}))
    code, report, _ = doctor(root2, "--k3s-version", NEW)
    assert code == 1 and "node-multus-not-first" in rules_of(report)


def test_rke2_cilium_needs_exclusive_false(tmp_path: Path) -> None:
    paths = rke2_node(tmp_path, cni="multus,cilium")
    code, report, _ = doctor(tmp_path)
    assert code == 1 and "node-primary-exclusive" in rules_of(report)
    write(
        tmp_path,
        f"{paths['manifests']}/rke2-cilium-config.yaml",
        "apiVersion: helm.cattle.io/v1\nkind: HelmChartConfig\nmetadata:\n  name: rke2-cilium\n"
        "  namespace: kube-system\nspec:\n  valuesContent: |-\n    cni:\n      exclusive: false\n",
    )
    code, report, _ = doctor(tmp_path)
    assert "node-primary-exclusive" not in rules_of(report) and code == 0, report["findings"]


def test_uninstall_removes_recorded_files_only(tmp_path: Path) -> None:
    from multus_gen.sinks.prune import digest, write_record

    folder = tmp_path / "manifests"
    (folder / "prod").mkdir(parents=True)
    code, out, _ = capture(["helmchart", "--k3s-version", NEW])
    assert code == 0
    ours = folder / "prod" / "multus.yaml"
    ours.write_text(out)
    edited = folder / "edited.yaml"
    edited.write_text(out)
    write_record(folder, tmp_path / "spec.yaml", {"prod/multus.yaml": digest(out.encode()), "edited.yaml": "0" * 64})
    code, stdout, err = capture(["uninstall", "--manifests-dir", str(folder)])
    assert code == 0, err
    assert not ours.exists() and edited.exists()  # edited since it was recorded: not removed
    assert "kubectl delete helmchart -n kube-system multus" in stdout


def test_uninstall_on_rke2_names_its_config(tmp_path: Path) -> None:
    rke2_node(tmp_path)
    code, out, _ = capture(["uninstall", "--root", str(tmp_path), "--dry-run"])
    assert code == 0 and "/etc/rancher/rke2/config.yaml" in out and "rm -f /etc/cni/net.d/00-multus.conf" in out
