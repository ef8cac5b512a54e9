"""RKE2 facts (FACTS.md section 2): RKE2 uses the standard CNI dirs and ships rke2-multus itself."""

from __future__ import annotations

DATA_DIR = "/var/lib/rancher/rke2"
CONF_DIR = "/etc/cni/net.d"
BIN_DIR = "/opt/cni/bin"
MULTUS_KUBECONFIG = "/etc/cni/net.d/multus.d/multus.kubeconfig"
MANIFESTS_DIR = f"{DATA_DIR}/server/manifests"
#: RKE2 packages these charts itself; its HelmChart for Multus is named rke2-multus in kube-system.
PACKAGED_CHART_NAME = "rke2-multus"
SOURCE = "docs.rke2.io/networking/multus_sriov; FACTS.md section 2"
