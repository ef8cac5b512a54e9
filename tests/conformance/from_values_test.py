"""``--from-values`` against the real charts: the K3s docs' values files (plus settings of the user's own), taken
over by multus-gen, rendered by the Helm engine the way helm-controller hands the HelmChart to helm.

What must hold (FACTS.md 2-4): the DaemonSets mount the K3s dirs; and every key the user wrote that multus-gen
does not own means to helm exactly what it meant in the user's file (both read by helm's own values reader).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import helmrender as hr
import pytest

pytest_plugins = ["conformance_plugin"]

SEED = "fixtures/seed/k3s-multus-ipam-docs.ja.md"
#: Settings of the user's own, written beside the docs' keys (some in spellings only Go YAML reads as helm does).
OWN = """\
image:
  tag: v4.1.3-build2024
tolerations:
- operator: Exists
  effect: NoSchedule
labels:
  nodeSelector:
    kubernetes.io/os: linux
    node.example.com/multus: yes
cniplugins:
  skipcnis: flannel,bandwidth
dhcpDaemonSet:
  image:
    tag: 1.36.1
podWindow: 12:30
"""
#: The keys multus-gen owns (FACTS 3-4), written here independently of values/adopt.py.
OWNED = {
    ("config", "cni_conf", "confDir"),
    ("config", "cni_conf", "binDir"),
    ("config", "cni_conf", "kubeconfig"),
    ("config", "cni_conf", "multusAutoconfigDir"),
    ("config", "cni_conf", "cleanupConfigOnExit"),
    ("config", "fullnameOverride"),
    ("rke2-whereabouts", "enabled"),
    ("rke2-whereabouts", "fullnameOverride"),
    ("rke2-whereabouts", "cniConf", "confDir"),
    ("rke2-whereabouts", "cniConf", "binDir"),
    ("manifests", "dhcpDaemonSet"),
}
K3S = "v1.33.7+k3s1"
DIRS = hr.k3s_dirs(K3S, "/var/lib/rancher/k3s")
#: archive version -> the release's version it is taken over from (a safe step each, FACTS 3a)
TARGETS = {"v4.2.106": "rke2-multus-v4.2.106", "v4.2.202": "rke2-multus-v4.2.106", "v4.3.017": "rke2-multus-v4.2.410"}


def docs_blocks(shared: Path) -> dict[str, str]:
    text = (shared / SEED).read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(config:.*?)```", text, flags=re.S)
    assert len(blocks) == 3
    return dict(zip(("host-local", "whereabouts", "dhcp"), blocks, strict=True))


def leaves(data: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    if isinstance(data, dict) and data:
        out: dict[tuple[str, ...], Any] = {}
        for key, value in data.items():
            out.update(leaves(value, (*prefix, key)))
        return out
    return {prefix: data}


@pytest.mark.parametrize("ipam", ["host-local", "whereabouts", "dhcp"])
@pytest.mark.parametrize("version", sorted(TARGETS))
def test_docs_file_taken_over_renders_on_k3s(
    shared: Path,
    tmp_path: Path,
    helm: Any,
    load_chart: Callable[[hr.Archive], Any],
    archives: list[hr.Archive],
    ipam: str,
    version: str,
) -> None:
    found = [a for a in archives if a.name == hr.MULTUS and a.version == version]
    if not found:
        pytest.skip(f"rke2-multus {version} is not in the fixtures")
    user_text = docs_blocks(shared)[ipam] + OWN
    path = tmp_path / "multus-values.yaml"
    path.write_text(user_text)
    argv = ("--from-values", str(path), "--chart-version", version, "--from-chart-version", TARGETS[version])
    gen = hr.generate("helmchart", "--k3s-version", K3S, *argv)
    assert gen.exit_code == 0, gen.describe()
    hc = gen.helmchart(hr.MULTUS)
    assert hc is not None and hc["metadata"]["name"] == "multus" and hc["spec"]["targetNamespace"] == "kube-system"

    # the user's own keys mean to helm what they meant in the user's file
    before = leaves(helm.values_from_yaml(user_text))
    after = leaves(hr.helm_values(helm, hc))
    own = {k: v for k, v in before.items() if k not in OWNED}
    assert own, "the test file has settings of the user's own"
    assert {k: after.get(k, "<missing>") for k in own} == own
    assert before[("labels", "nodeSelector", "node.example.com/multus")] is True  # Go YAML: yes is true
    assert before[("podWindow",)] == "12:30"

    out = hr.render(helm, load_chart(found[0]), hc)
    ds = out.named("DaemonSet", "multus")
    assert ds is not None
    spec = hr.pod_spec(ds)
    assert spec["tolerations"] == [{"operator": "Exists", "effect": "NoSchedule"}]
    assert spec["nodeSelector"] == {"kubernetes.io/os": "linux", "node.example.com/multus": True}
    main = hr.container(ds, "kube-rke2-multus")
    assert main["image"].endswith(":v4.1.3-build2024")
    args = hr.flag_args(main)
    for flag, want in (("--cni-conf-dir", DIRS.conf), ("--cni-bin-dir", DIRS.bin)):
        inside = args.get(flag, hr.THIN_ENTRYPOINT_DEFAULTS[flag])
        assert hr.host_path_of(ds, main, inside) == want, f"{version} {ipam}: {flag}"
    if hr.host_prefixed(version):
        inside = args.get("--multus-autoconfig-dir", hr.THIN_ENTRYPOINT_DEFAULTS["--multus-autoconfig-dir"])
        assert hr.host_path_of(ds, main, inside) == DIRS.conf
    else:
        assert "--multus-autoconfig-dir" not in args
    assert args.get("--multus-kubeconfig-file-host") == DIRS.kubeconfig
    assert hr.host_path_of(ds, hr.container(ds, "cni-plugins"), "/host/opt/cni/bin") == DIRS.bin

    names = {d["metadata"]["name"] for d in out.of_kind("DaemonSet")}
    assert names == {
        "multus",
        *({"multus-dhcp"} if ipam == "dhcp" else ()),
        *({"whereabouts"} if ipam == "whereabouts" else ()),
    }
    if ipam == "dhcp":
        dhcp = out.named("DaemonSet", "multus-dhcp")
        assert dhcp is not None
        daemon = hr.container(dhcp, "kube-rke2-multus-dhcp")
        assert hr.host_path_of(dhcp, daemon, daemon["command"][0]) == f"{DIRS.bin}/dhcp"
        assert daemon["image"].endswith(":1.36.1")  # Go YAML read the user's 1.36.1 as a string, as helm does
    if ipam == "whereabouts":
        wb = out.named("DaemonSet", "whereabouts")
        assert wb is not None
        ctr = hr.pod_spec(wb)["containers"][0]
        env = hr.env_of(ctr)
        assert hr.host_path_of(wb, ctr, env["CNI_CONF_DIR"]) == DIRS.conf
        assert hr.host_path_of(wb, ctr, env["CNI_BIN_DIR"]) == DIRS.bin
