"""Realistic K3s/RKE2 node trees under a tmp root (FACTS.md 2): config, unit, CNI conf and bin dirs, manifests."""

from __future__ import annotations

import json
import os
from pathlib import Path

#: flannel's conflist as K3s writes it (k3s-io/k3s pkg/agent/flannel/setup.go cniConf).
FLANNEL_CONFLIST = {
    "name": "cbr0",
    "cniVersion": "1.0.0",
    "plugins": [
        {"type": "flannel", "delegate": {"hairpinMode": True, "forceAddress": True, "isDefaultGateway": True}},
        {"type": "portmap", "capabilities": {"portMappings": True}},
        {"type": "bandwidth", "capabilities": {"bandwidth": True}},
    ],
}

KUBECONFIG = """apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://[10.43.0.1]:443
    certificate-authority-data: LS0tLS1CRUdJTg==
users:
- name: multus
  user:
    token: "eyJhbGciOi"
contexts:
- name: multus-context
  context:
    cluster: local
    user: multus
current-context: multus-context
"""

K3S_PLUGINS = ("bandwidth", "bridge", "firewall", "flannel", "host-local", "loopback", "portmap")
MULTUS_PLUGINS = ("multus", "macvlan", "ipvlan", "static", "dhcp", "tuning", "whereabouts")


def multus_conf(conf_dir: str, bin_dir: str, kubeconfig: str | None = None) -> dict[str, object]:
    """00-multus.conf as the rke2-multus thin entrypoint writes it: the primary conflist as the delegate."""
    return {
        "cniVersion": "1.0.0",
        "name": "multus-cni-network",
        "type": "multus",
        "capabilities": {"portMappings": True, "bandwidth": True},
        "logLevel": "verbose",
        "logToStderr": True,
        "binDir": bin_dir,
        "confDir": conf_dir,
        "kubeconfig": kubeconfig or f"{conf_dir}/multus.d/multus.kubeconfig",
        "delegates": [FLANNEL_CONFLIST],
    }


def at(root: Path, path: str) -> Path:
    return root / path.lstrip("/")


def write(root: Path, path: str, text: str) -> Path:
    target = at(root, path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def k3s_node(
    root: Path,
    *,
    data_dir: str = "/var/lib/rancher/k3s",
    legacy_bin: bool = False,
    server: bool = True,
    multus: bool = True,
    config: str | None = None,
    unit_data_dir: str | None = None,
) -> dict[str, str]:
    """A K3s node after its first start (and, with ``multus``, after Multus ran on it). Returns its paths."""
    write(root, "/etc/rancher/k3s/config.yaml", config if config is not None else f"data-dir: {data_dir}\n")
    if unit_data_dir is not None:
        write(
            root,
            "/etc/systemd/system/k3s.service",
            "[Service]\nType=notify\nExecStart=/usr/local/bin/k3s \\\n    server \\\n"
            f"    '--data-dir' '{unit_data_dir}' \\\n",
        )
    conf = f"{data_dir}/agent/etc/cni/net.d"
    write(root, f"{conf}/10-flannel.conflist", json.dumps(FLANNEL_CONFLIST, indent=2))
    if legacy_bin:
        bin_dir = f"{data_dir}/data/current/bin"
        real = at(root, f"{data_dir}/data/0123abcd/bin")
        real.mkdir(parents=True)
        os.symlink("0123abcd", at(root, f"{data_dir}/data/current"))
    else:
        bin_dir = f"{data_dir}/data/cni"
        at(root, bin_dir).mkdir(parents=True)
    for plugin in K3S_PLUGINS + (MULTUS_PLUGINS if multus else ()):
        write(root, f"{bin_dir}/{plugin}", "#!/bin/sh\n").chmod(0o755)
    if multus:
        write(root, f"{conf}/00-multus.conf", json.dumps(multus_conf(conf, bin_dir), indent=2))
        write(root, f"{conf}/multus.d/multus.kubeconfig", KUBECONFIG)
    if server:
        at(root, f"{data_dir}/server/manifests").mkdir(parents=True)
    return {"conf": conf, "bin": bin_dir, "manifests": f"{data_dir}/server/manifests"}


def rke2_node(root: Path, *, cni: str = "multus,canal") -> dict[str, str]:
    write(root, "/etc/rancher/rke2/config.yaml", f"cni: {cni}\n")
    conf, bin_dir = "/etc/cni/net.d", "/opt/cni/bin"
    write(root, f"{conf}/10-canal.conflist", json.dumps({**FLANNEL_CONFLIST, "name": "k8s-pod-network"}))
    write(root, f"{conf}/00-multus.conf", json.dumps(multus_conf(conf, bin_dir), indent=2))
    write(root, f"{conf}/multus.d/multus.kubeconfig", KUBECONFIG)
    for plugin in K3S_PLUGINS + MULTUS_PLUGINS:
        write(root, f"{bin_dir}/{plugin}", "#!/bin/sh\n")
    at(root, "/var/lib/rancher/rke2/server/manifests").mkdir(parents=True)
    return {"conf": conf, "bin": bin_dir, "manifests": "/var/lib/rancher/rke2/server/manifests"}
