"""Every rke2-multus template generation rendered, and multus-gen's refuse-or-work verdict checked against it.

One archive per template generation in ../shared/fixtures/charts-generations (FACTS.md 3: the hard-coded
oldest charts, the ``--cni-conf-dir==`` bug, v4.0.203 with the hard-coded dhcp daemon, v4.3.008). For each
archive x IPAM x K3s version x data dir, multus-gen either writes a HelmChart or refuses:

- it writes one: helm renders the real archive with the HelmChart's values (as helm-controller passes them),
  and the rendered DaemonSets must really work on K3s for that IPAM;
- it refuses (one line naming why and a version to use): helm renders the archive with the values FACTS.md 4
  prescribes (written here, not taken from multus-gen), and the rendered DaemonSets must really be broken.

"Works" is read from the rendered objects only: the Multus container's CNI flags (well-formed, thin
entrypoint defaults when absent) resolve through its mounts to the K3s conf and bin dirs, the cni-plugins init
container installs into the K3s bin dir, the whereabouts DaemonSet mounts only the K3s dirs, and the dhcp
DaemonSet runs a ``dhcp`` binary that is in the K3s bin dir.
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


def _daemonsets(rendered: hr.Rendered) -> dict[str, dict[str, Any]]:
    """The rendered DaemonSets by role: multus, whereabouts, dhcp."""
    out: dict[str, dict[str, Any]] = {}
    for ds in rendered.of_kind("DaemonSet"):
        name = ds["metadata"]["name"]
        role = "dhcp" if name.endswith("-dhcp") else "whereabouts" if "whereabouts" in name else "multus"
        assert role not in out, f"two {role} DaemonSets: {out[role]['metadata']['name']}, {name}"
        out[role] = ds
    return out


def multus_problems(ds: dict[str, Any], dirs: hr.K3sDirs) -> list[str]:
    """Why the Multus DaemonSet does not work with the K3s dirs (empty: it does)."""
    problems = []
    (multus,) = [c for c in ds["spec"]["template"]["spec"]["containers"] if "multus" in c["name"]]
    flags = hr.flag_args(multus)
    for flag, want in (
        ("--cni-conf-dir", dirs.conf),
        ("--cni-bin-dir", dirs.bin),
        ("--multus-autoconfig-dir", dirs.conf),
    ):
        path = flags.get(flag, hr.THIN_ENTRYPOINT_DEFAULTS[flag])
        if not path.startswith("/"):
            problems.append(f"{flag}={path} is not an absolute path")
            continue
        host = hr.host_path_of(ds, multus, path)
        if host != want:
            problems.append(f"{flag} {path} is host path {host}, not {want}")
    for init in ds["spec"]["template"]["spec"].get("initContainers") or []:
        if init["name"] == "cni-plugins":
            mounts = [m["mountPath"] for m in init.get("volumeMounts") or []]
            hosts = {hr.host_path_of(ds, init, m) for m in mounts}
            if dirs.bin not in hosts:
                problems.append(f"cni-plugins installs into {sorted(h or '-' for h in hosts)}, not {dirs.bin}")
    return problems


def host_paths(ds: dict[str, Any]) -> set[str]:
    return {v["hostPath"]["path"] for v in hr.pod_spec(ds).get("volumes") or [] if "hostPath" in v}


def whereabouts_problems(ds: dict[str, Any] | None, dirs: hr.K3sDirs) -> list[str]:
    if ds is None:
        return ["no whereabouts DaemonSet"]
    paths = host_paths(ds)
    problems = [f"mounts {p}, which K3s does not use" for p in sorted(paths) if p in ("/opt/cni/bin", "/etc/cni/net.d")]
    problems += [f"does not mount {want}" for want in (dirs.bin, dirs.conf) if want not in paths]
    return problems


def dhcp_problems(ds: dict[str, Any] | None, dirs: hr.K3sDirs) -> list[str]:
    if ds is None:
        return ["no dhcp DaemonSet"]
    (daemon,) = [
        c for c in ds["spec"]["template"]["spec"]["containers"] if (c.get("command") or [""])[0].endswith("/dhcp")
    ]
    binary = daemon["command"][0]
    host = hr.host_path_of(ds, daemon, binary)
    return [] if host == f"{dirs.bin}/dhcp" else [f"runs {binary}, host path {host}, not {dirs.bin}/dhcp"]


def problems_of(rendered: hr.Rendered, ipam: str, dirs: hr.K3sDirs) -> list[str]:
    ds = _daemonsets(rendered)
    assert "multus" in ds, "no Multus DaemonSet rendered"
    problems = multus_problems(ds["multus"], dirs)
    if ipam == "whereabouts":
        problems += [f"whereabouts: {p}" for p in whereabouts_problems(ds.get("whereabouts"), dirs)]
    if ipam == "dhcp":
        problems += [f"dhcp: {p}" for p in dhcp_problems(ds.get("dhcp"), dirs)]
    return problems


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
