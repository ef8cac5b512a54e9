"""Every rke2-multus template generation rendered, and multus-gen's refuse-or-work verdict checked against it.

One archive per template generation in ../shared/fixtures/charts-generations (FACTS.md 3: the hard-coded
oldest charts, the ``--cni-conf-dir==`` bug, v4.0.203 with the hard-coded dhcp daemon, v4.3.008). For each
archive x IPAM x K3s version x data dir, multus-gen either writes a HelmChart or refuses:

- it writes one: helm renders the real archive with the HelmChart's values (as helm-controller passes them),
  and the rendered DaemonSets must really work on K3s for that IPAM;
- it refuses (one line naming why and a version to use): helm renders the archive with the values FACTS.md 4
  prescribes (written here, not taken from multus-gen), and the rendered DaemonSets must really be broken.

"Works" is read from the rendered objects only, by multus-gen verify's own checks (multus_gen.check.rendered)
given the suite's K3s dirs: the Multus container's CNI flags (well-formed, thin entrypoint defaults when absent)
resolve through its mounts to the K3s conf and bin dirs, the cni-plugins init container installs into the K3s
bin dir, the whereabouts DaemonSet mounts only the K3s dirs, and the dhcp DaemonSet runs a ``dhcp`` binary
that is in the K3s bin dir.
"""

from __future__ import annotations

import re
from typing import Any

import helmrender as hr
import pytest

pytest_plugins = ["conformance_plugin"]

K3S_VERSIONS = ("v1.30.5+k3s1", "v1.30.6+k3s1")
DATA_DIRS = ("/var/lib/rancher/k3s", "/srv/k3s")


def facts_values(version: str, ipam: str, dirs: hr.K3sDirs) -> dict[str, Any]:
    """The values FACTS.md 4 prescribes for ``ipam`` on K3s (independent of multus-gen's overlays)."""
    cni: dict[str, Any] = {"confDir": dirs.conf, "binDir": dirs.bin, "kubeconfig": dirs.kubeconfig}
    if hr.host_prefixed(version):
        cni["multusAutoconfigDir"] = dirs.conf
    values: dict[str, Any] = {"config": {"cni_conf": cni}}
    if ipam == "whereabouts":
        values["rke2-whereabouts"] = {
            "enabled": True,
            "fullnameOverride": "whereabouts",
            "cniConf": {"confDir": dirs.conf, "binDir": dirs.bin},
        }
    if ipam == "dhcp":
        values["manifests"] = {"dhcpDaemonSet": True}
    return values


#: The rules of multus-gen verify about the DaemonSets (multus_gen.check.rendered): what "broken on K3s" is.
DAEMONSET_RULES = (
    "rendered-daemonsets",
    "rendered-cni-dirs",
    "rendered-kubeconfig",
    "rendered-cni-plugins",
    "rendered-mounts",
    "rendered-dhcp",
    "rendered-whereabouts",
)


def problems_of(rendered: hr.Rendered, ipam: str, dirs: hr.K3sDirs) -> list[str]:
    """Why the rendered DaemonSets do not work with the K3s dirs for ``ipam`` (empty: they do): multus-gen
    verify's checks, the code ``multus-gen verify`` runs, given the suite's own dirs."""
    return hr.findings([rendered], dirs, ipam, rules=DAEMONSET_RULES)


@pytest.mark.parametrize("ipam", hr.IPAMS)
@pytest.mark.parametrize("k3s_version", K3S_VERSIONS)
@pytest.mark.parametrize("data_dir", DATA_DIRS, ids=lambda d: d.strip("/").replace("/", "-"))
def test_refuse_or_work(
    generation_archive: hr.Archive, ipam: str, k3s_version: str, data_dir: str, helm: Any, load_chart: Any
) -> None:
    version = generation_archive.version
    dirs = hr.k3s_dirs(k3s_version, data_dir)
    generated = hr.generate(*hr.matrix_argv(version, ipam, k3s_version, data_dir))
    if generated.stdout.strip():
        helmchart = generated.helmchart(hr.MULTUS)
        assert helmchart is not None, generated.describe()
        rendered = hr.render(helm, load_chart(generation_archive), helmchart)
        assert problems_of(rendered, ipam, dirs) == [], f"{generated.describe()}: accepted, but broken on K3s"
        assert hr.findings([rendered], dirs, ipam) == [], generated.describe()  # and every other verify check
        return
    (line,) = generated.stderr.splitlines()
    assert line.startswith("multus-gen: error: "), generated.describe()
    assert re.search(r"broken on K3s|cannot run " + re.escape(ipam), line), line
    assert re.search(r"use (rke2-multus )?v?\d", line), f"names no version to use: {line}"
    helmchart = {"metadata": {"name": "multus"}, "spec": {"targetNamespace": "kube-system"}}
    rendered = hr.render(helm, load_chart(generation_archive), helmchart, values=facts_values(version, ipam, dirs))
    assert problems_of(rendered, ipam, dirs), f"{generated.describe()}: refused, but the rendered chart works"


def test_generations_cover_every_verdict(shared: Any) -> None:
    """The generation archives hold a chart refused outright, one refused for dhcp only, and a working one."""
    folder = shared / "fixtures" / "charts-generations"
    versions = {hr.read_archive(p).version for p in folder.glob("*.tgz")}
    assert {"v3.7.1-build2021041601", "v4.0.2-build2023081100", "v4.0.203", "v4.3.008"} <= versions
