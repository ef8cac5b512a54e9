"""The cluster the files are checked against: distribution, K3s version, data dir, and its CNI dirs."""

from __future__ import annotations

from multus_gen.knowledge import helm_controller, k3s, rke2
from multus_gen.record import record

DISTROS = ("k3s", "rke2")


@record
class CniDirs:
    conf_dir: str
    bin_dir: str
    kubeconfig: str
    bin_dir_stable: bool
    legacy_bin_dir: str | None
    stable_bin_dir: str | None


#: The chart's defaults for the dirs: the standard CNI dirs (the ones RKE2 uses; FACTS 2, 3).
CHART_DEFAULTS: dict[str, str] = {
    "confDir": rke2.CONF_DIR,
    "binDir": rke2.BIN_DIR,
    "kubeconfig": rke2.MULTUS_KUBECONFIG,
    "multusAutoconfigDir": rke2.CONF_DIR,
}


DIR_KEYS = frozenset(CHART_DEFAULTS)


@record
class Cluster:
    """What the files are checked against: distribution, K3s version and data dir."""

    distro: str = "k3s"
    k3s_version: k3s.K3sVersion = k3s.K3sVersion.parse(helm_controller.DEFAULT_K3S_VERSION)
    data_dir: str = k3s.DEFAULT_DATA_DIR

    @property
    def k3s_paths(self) -> k3s.K3sPaths | None:
        return k3s.paths(self.data_dir, self.k3s_version) if self.distro == "k3s" else None

    @property
    def cni(self) -> CniDirs:
        paths = self.k3s_paths
        if paths is None:
            return CniDirs(rke2.CONF_DIR, rke2.BIN_DIR, rke2.MULTUS_KUBECONFIG, True, None, None)
        return CniDirs(
            paths.conf_dir,
            paths.bin_dir,
            paths.multus_kubeconfig,
            paths.bin_dir_stable,
            k3s.legacy_bin_dir(paths.data_dir),
            k3s.stable_bin_dir(paths.data_dir),
        )

    def params(self) -> dict[str, str]:
        """The placeholders of the shipped overlays, for this cluster."""
        cni = self.cni
        return {
            "data_dir": self.data_dir if self.distro == "k3s" else rke2.DATA_DIR,
            "conf_dir": cni.conf_dir,
            "bin_dir": cni.bin_dir,
            "multus_kubeconfig": cni.kubeconfig,
        }

    def describe(self) -> str:
        return f"K3s {self.k3s_version}" if self.distro == "k3s" else "RKE2"
