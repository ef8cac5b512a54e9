"""RKE2 facts (FACTS.md sections 2, 5, 6): standard CNI dirs, and rke2-multus is packaged by RKE2 itself.

On RKE2 multus-gen does not install the chart: RKE2 deploys its own HelmChart ``rke2-multus`` (in
``kube-system``) when ``/etc/rancher/rke2/config.yaml`` lists ``multus`` first in ``cni``. multus-gen emits a
HelmChartConfig of the same name that carries only what differs from what RKE2 already sets.
"""

from __future__ import annotations

from multus_gen.knowledge.k3s import K3sPaths

DATA_DIR = "/var/lib/rancher/rke2"
#: RKE2 keeps CNI configs and plugins in the standard dirs whatever its data dir (FACTS.md 2).
CONF_DIR = "/etc/cni/net.d"
BIN_DIR = "/opt/cni/bin"
MULTUS_KUBECONFIG = f"{CONF_DIR}/multus.d/multus.kubeconfig"
WHEREABOUTS_CONF = f"{CONF_DIR}/whereabouts.d/whereabouts.conf"
WHEREABOUTS_KUBECONFIG = f"{CONF_DIR}/whereabouts.d/whereabouts.kubeconfig"
MANIFESTS_DIR = f"{DATA_DIR}/server/manifests"
STATIC_CHARTS_DIR = f"{DATA_DIR}/server/static/charts"
SOURCE = "docs.rke2.io/networking/multus_sriov; FACTS.md section 2"

#: The HelmChart RKE2 packages for Multus; a HelmChartConfig must carry its name and namespace (FACTS.md 5).
PACKAGED_CHART_NAME = "rke2-multus"
#: The companion CRD chart newer RKE2 releases package beside it (rke2-multus >= v4.3.009 ships no CRDs).
#: RKE2 disables ``rke2-multus`` and ``rke2-multus-crd`` together when multus is not selected.
#: Unverified against a running RKE2: a HelmChartConfig without a HelmChart of its name does nothing.
PACKAGED_CRD_CHART_NAME = "rke2-multus-crd"
PACKAGED_NAMESPACE = "kube-system"
PACKAGED_SOURCE = "rancher/rke2 pkg/cli/cmds/server.go validateCNI; charts/chart_versions.yaml"

#: The ``cni`` list of /etc/rancher/rke2/config.yaml: multus first, then exactly one primary CNI
#: (``none`` = bring your own). Source: rancher/rke2 pkg/cli/cmds/server.go validateCNI.
PRIMARY_CNIS: tuple[str, ...] = ("canal", "calico", "cilium", "flannel", "none")
DEFAULT_PRIMARY_CNI = "canal"  # RKE2's default when config.yaml names no cni
CONFIG_FILE = "/etc/rancher/rke2/config.yaml"

#: Values RKE2's HelmChart passes to every packaged chart with ``spec.set`` (highest precedence, FACTS.md 5);
#: none of them touches a Multus path. Source: rancher/rke2 pkg/bootstrap setChartValues / manifests.
PACKAGED_SET_KEYS: tuple[str, ...] = (
    "global.clusterCIDR",
    "global.clusterCIDRv4",
    "global.clusterCIDRv6",
    "global.clusterDNS",
    "global.clusterDomain",
    "global.rke2DataDir",
    "global.serviceCIDR",
    "global.systemDefaultRegistry",
    "global.cattle.systemDefaultRegistry",
)

#: Chart defaults that already are RKE2's paths: overlay values equal to these are left out of the
#: HelmChartConfig (RKE2 sets nothing else for them). Every rke2-multus version multus-gen supports has
#: them. Source: rancher/rke2-charts rke2-multus values.yaml (v4.2.106, v4.2.202, v4.3.017) and its
#: rke2-whereabouts subchart values.yaml; checked against the archives in tests/conformance.
CHART_DEFAULT_PATHS: dict[tuple[str, ...], str] = {
    ("config", "cni_conf", "confDir"): CONF_DIR,
    ("config", "cni_conf", "binDir"): BIN_DIR,
    ("config", "cni_conf", "kubeconfig"): MULTUS_KUBECONFIG,
    # >= v4.2.202 only (older charts have no such value and must not get one, FACTS.md 3)
    ("config", "cni_conf", "multusAutoconfigDir"): CONF_DIR,
    ("rke2-whereabouts", "cniConf", "confDir"): CONF_DIR,
    ("rke2-whereabouts", "cniConf", "binDir"): BIN_DIR,
}
CHART_DEFAULTS_SOURCE = "rancher/rke2-charts rke2-multus values.yaml, charts/rke2-whereabouts/values.yaml"

#: Chart layout gates (knowledge.charts.LAYOUT_GATES) that break only non-default CNI dirs. RKE2 uses the
#: chart defaults, so these versions work there. Source: k3s-io/docs issue 450 (FACTS.md 3).
LAYOUTS_FINE_WITH_DEFAULT_DIRS: dict[str, str] = {
    "mismatched-flags": "k3s-io/docs issue 450: the new flags break non-default dirs only",
    "hard-coded": "FACTS.md 3: the oldest charts hard-code /etc/cni/net.d and /opt/cni/bin, RKE2's own dirs",
}


def paths() -> K3sPaths:
    """RKE2's node paths in the shape of :class:`~multus_gen.knowledge.k3s.K3sPaths` (the NAD and plan code
    take either)."""
    return K3sPaths(
        data_dir=DATA_DIR,
        conf_dir=CONF_DIR,
        bin_dir=BIN_DIR,
        bin_dir_stable=True,
        multus_kubeconfig=MULTUS_KUBECONFIG,
        whereabouts_conf=WHEREABOUTS_CONF,
        whereabouts_kubeconfig=WHEREABOUTS_KUBECONFIG,
        manifests_dir=MANIFESTS_DIR,
        static_charts_dir=STATIC_CHARTS_DIR,
    )


def config_guidance(primary_cni: str = DEFAULT_PRIMARY_CNI) -> str:
    """The line that tells the user how to make RKE2 deploy rke2-multus at all."""
    return (
        f"RKE2 deploys rke2-multus only when {CONFIG_FILE} on every server contains `cni: [multus, {primary_cni}]` "
        "(multus first, then the primary CNI); the HelmChartConfig only customizes it"
    )
