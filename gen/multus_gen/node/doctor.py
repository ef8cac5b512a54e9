"""``doctor``: a node's CNI files checked against its K3s version, data dir and manifests folder.

Reads only. The manifests folder's Multus documents are checked by ``validate``'s own walk
(:func:`multus_gen.check.walk.validate_paths`) with the cluster the node describes; the node's files (the CNI
conf dir, Multus' config and kubeconfig, the bin dir, whereabouts' files, the DHCP socket) by the checks here.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multus_gen.check.cluster import Cluster
from multus_gen.errors import InputError
from multus_gen.findings import Finding, Location
from multus_gen.knowledge import k3s
from multus_gen.node.facts import NodeFacts

MULTUS_CONF = "00-multus.conf"
FLANNEL_CONF = "10-flannel.conflist"
DHCP_SOCKET = "/run/cni/dhcp.sock"
#: CNI config files libcni loads, in name order (containernetworking/cni libcni ConfFiles).
CONF_SUFFIXES = (".conf", ".conflist", ".json")
#: Multus' chart and the ones that install it.
MULTUS_CHARTS = ("rke2-multus",)
_MAX_BYTES = 1 << 20


@dataclass
class Manifests:
    """What the manifests folder holds for Multus."""

    multus_installs: list[str] = field(default_factory=list)  # files with a HelmChart(Config) for rke2-multus
    plugins: dict[str, str] = field(default_factory=dict)  # CNI plugin type -> the file of a NAD using it
    ipams: dict[str, str] = field(default_factory=dict)  # IPAM type -> the file of a NAD using it
    #: Cilium's cni.exclusive as a (rke2-)cilium HelmChart/HelmChartConfig sets it: file -> value (None: unset)
    cilium_exclusive: dict[str, bool | None] = field(default_factory=dict)


@dataclass
class Doctor:
    facts: NodeFacts
    cluster: Cluster
    findings: list[Finding] = field(default_factory=list)
    seen: list[tuple[str, str]] = field(default_factory=list)  # (what, value): what the node showed
    files: list[str] = field(default_factory=list)  # manifests checked by validate's rules

    def add(self, rule: str, message: str, fix: str | None = None, where: str | None = None) -> None:
        from multus_gen.check.catalog import severity

        # a node path is a label: the file itself is not what is wrong with it (no JSON path in it)
        self.findings.append(Finding(severity(rule), message, fix, Location(label=where), rule))

    def say(self, what: str, value: str) -> None:
        self.seen.append((what, value))

    def as_dict(self) -> dict[str, Any]:
        from multus_gen import __version__

        f = self.facts
        return {
            "multus_gen": __version__,
            "node": {
                "root": f.root,
                "distro": f.distro,
                "version": f.version,
                "version_source": f.version_source,
                "data_dir": f.data_dir,
                "data_dir_source": f.data_dir_source,
                "config_files": list(f.config_files),
                "server": f.is_server,
            },
            "seen": [{"what": what, "value": value} for what, value in self.seen],
            "files": self.files,
            "findings": [x.as_dict() for x in self.findings],
            "summary": {"errors": self.errors, "warnings": self.warnings},
        }

    @property
    def errors(self) -> int:
        return sum(1 for x in self.findings if x.is_error)

    @property
    def warnings(self) -> int:
        return sum(1 for x in self.findings if x.severity == "warning")


def _read_json(path: Path, shown: str, doc: Doctor) -> Any:
    from multus_gen.yamlio.reader import parse_text, read_text

    try:
        docs = parse_text(read_text(path, where=shown, max_bytes=_MAX_BYTES), where=shown, as_json=True)
    except InputError as exc:
        doc.add("node-file-unreadable", exc.message, exc.fix, shown)
        return None
    return docs[0].data if docs else None


def read_manifests(folder: Path) -> Manifests:
    """The Multus installs and the NADs' plugin and IPAM types of the manifests folder (files that do not
    parse are ``validate``'s to report)."""
    from multus_gen.yamlio.reader import parse_text, read_text

    out = Manifests()
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in (".yaml", ".yml", ".json") or path.name.startswith("."):
            continue
        try:
            docs = parse_text(read_text(path, where=str(path)), where=str(path), as_json=path.suffix == ".json")
        except InputError:
            continue
        for d in docs:
            data = d.data
            if not isinstance(data, dict):
                continue
            kind, spec, meta = data.get("kind"), data.get("spec"), data.get("metadata")
            name = str(meta.get("name", "")) if isinstance(meta, dict) else ""
            chart = str(spec.get("chart", "")) if isinstance(spec, dict) else ""
            # spec.chart: the chart name, repo/chart, an OCI or archive URL; not the rke2-multus-crd chart
            multus_chart = "rke2-multus" in chart and "rke2-multus-crd" not in chart
            if (kind == "HelmChart" and (name in MULTUS_CHARTS or multus_chart)) or (
                kind == "HelmChartConfig" and name in MULTUS_CHARTS
            ):
                out.multus_installs.append(str(path))
            elif kind in ("HelmChart", "HelmChartConfig") and "cilium" in (chart or name) and isinstance(spec, dict):
                out.cilium_exclusive[str(path)] = _cilium_exclusive(spec.get("valuesContent"))
            elif kind == "NetworkAttachmentDefinition" and isinstance(spec, dict):
                _nad_types(spec.get("config"), str(path), out)
    return out


def _cilium_exclusive(values: Any) -> bool | None:
    """``cni.exclusive`` in a valuesContent (None: not set, or not readable)."""
    from multus_gen.yamlio.reader import parse_text

    try:
        docs = parse_text(values, where="valuesContent") if isinstance(values, str) else []
    except InputError:
        return None
    data = docs[0].data if docs else None
    cni = data.get("cni") if isinstance(data, dict) else None
    value = cni.get("exclusive") if isinstance(cni, dict) else None
    return value if isinstance(value, bool) else None


def _nad_types(config: Any, where: str, out: Manifests) -> None:
    try:
        conf = json.loads(config) if isinstance(config, str) else None
    except ValueError:
        return
    if not isinstance(conf, dict):
        return
    listed = conf.get("plugins")
    plugins: list[Any] = listed if isinstance(listed, list) else [conf]
    for plugin in plugins:
        if not isinstance(plugin, dict):
            continue
        if isinstance(plugin.get("type"), str):
            out.plugins.setdefault(plugin["type"], where)
        ipam = plugin.get("ipam")
        if isinstance(ipam, dict) and isinstance(ipam.get("type"), str):
            out.ipams.setdefault(ipam["type"], where)


def diagnose(facts: NodeFacts, cluster: Cluster) -> Doctor:
    """Every check of the node under ``facts.root``."""
    from multus_gen.check.walk import validate_paths

    doc = Doctor(facts, cluster, list(facts.findings))
    doc.say("distribution", facts.distro)
    doc.say("version", f"{facts.version or 'unknown'} ({facts.version_source})")
    doc.say("data dir", f"{facts.data_dir} ({facts.data_dir_source})")
    if facts.distro == "k3s" and not _readable_version(facts.version):
        what = "unknown" if facts.version is None else f"{facts.version!r}, which multus-gen cannot read"
        doc.add(
            "node-version-unknown",
            f"the K3s version is {what} ({facts.version_source}); checked as {cluster.k3s_version}",
            "pass --k3s-version (the output of `k3s --version` on the node)",
        )
    backend = facts.value("flannel-backend")
    if backend is not None:
        doc.say("flannel-backend", str(backend))

    manifests_dir = facts.host(facts.manifests_dir)
    manifests = read_manifests(manifests_dir)
    if not facts.is_server:
        doc.say("manifests folder", f"{facts.manifests_dir} (missing: an agent node, or K3s has not started)")
    else:
        doc.say("manifests folder", facts.manifests_dir)
        paths = _manifest_paths(facts, manifests_dir)
        if paths:
            report = validate_paths(paths, cluster=cluster, values_files=[], chart_version=None)
            doc.files = report.files
            doc.findings += report.problems

    for check in (_conf_dir, _bin_dir):
        try:
            check(doc, manifests)
        except OSError as exc:  # a folder that cannot be listed, a file that vanished: a finding, not a crash
            doc.add("node-file-unreadable", f"cannot read {exc.filename}: {exc.strerror}", None, exc.filename)
    return doc


def _manifest_paths(facts: NodeFacts, folder: Path) -> list[Path]:
    """What validate checks: the folder; on RKE2 without the charts RKE2 writes there itself (``rke2-*.yaml``
    of its packaged charts, which it owns and re-writes on every start)."""
    if facts.distro != "rke2":
        return [folder]
    from multus_gen.knowledge import rke2

    own = {f"{rke2.PACKAGED_CHART_NAME}.yaml", f"{rke2.PACKAGED_CRD_CHART_NAME}.yaml"}
    return sorted(p for p in folder.iterdir() if p.name not in own)


def _readable_version(version: str | None) -> bool:
    try:
        return version is not None and bool(k3s.K3sVersion.parse(version))
    except ValueError:
        return False


def _conf_dir(doc: Doctor, manifests: Manifests) -> None:
    facts, cni = doc.facts, doc.cluster.cni
    conf = facts.host(cni.conf_dir)
    if not conf.is_dir():
        doc.add(
            "node-cni-conf-dir", f"the CNI conf dir {cni.conf_dir} is missing", "start K3s once, or check --data-dir"
        )
        return
    names = sorted(p.name for p in conf.iterdir() if p.name.endswith(CONF_SUFFIXES) and p.is_file())
    others = [n for n in names if n != MULTUS_CONF]
    doc.say("CNI configs", ", ".join(names) or "none")
    if names:
        doc.say("CNI config used", f"{cni.conf_dir}/{names[0]}")
    primary = others[0] if others else None
    doc.say("primary CNI", primary or "none")
    backups = sorted(p.name for p in conf.iterdir() if p.name.endswith(".cilium_bak"))
    if backups:
        doc.add(
            "node-primary-exclusive",
            f"the primary CNI moved other CNI configs away ({', '.join(backups)}): Cilium runs with cni.exclusive "
            "and removes Multus' config too",
            "set the Cilium value cni.exclusive=false (a HelmChartConfig for rke2-cilium on RKE2)",
            cni.conf_dir,
        )
    _exclusive_cilium(doc, manifests, names)
    if primary is None:
        none = str(facts.value("flannel-backend")) == "none"
        doc.add(
            "node-no-primary-cni",
            "no primary CNI config in the conf dir" + (" (flannel-backend is none: install one)" if none else ""),
            "install the primary CNI before Multus; Multus delegates to it",
            cni.conf_dir,
        )
    installed = bool(manifests.multus_installs) or _rke2_enables_multus(facts)
    multus_path = f"{cni.conf_dir}/{MULTUS_CONF}"
    if MULTUS_CONF not in names:
        if installed:
            doc.add(
                "node-multus-conf-missing",
                f"Multus is installed in the manifests folder but {multus_path} is not there (yet)",
                "check the Multus pod on this node: kubectl -n kube-system get pods -l app=rke2-multus -o wide",
                multus_path,
            )
        return
    if not installed and facts.is_server:
        doc.add(
            "node-multus-leftover",
            "left over with no Multus install in the manifests folder: every new pod fails",
            f"remove it and Multus' files: rm -rf {multus_path} {cni.conf_dir}/multus.d",
            multus_path,
        )
    if names[0] != MULTUS_CONF:
        doc.add(
            "node-multus-not-first",
            f"{names[0]} sorts before {MULTUS_CONF}: the container runtime uses it and Multus never runs",
            f"remove or rename {names[0]}",
            multus_path,
        )
    data = _read_json(conf / MULTUS_CONF, multus_path, doc)
    if not isinstance(data, dict):
        return
    delegates = data.get("delegates")
    if isinstance(delegates, list) and delegates and isinstance(delegates[0], dict):
        doc.say("Multus delegates to", str(delegates[0].get("name") or delegates[0].get("type")))
    elif data.get("clusterNetwork"):
        doc.say("Multus delegates to", str(data.get("clusterNetwork")))
    expected = {"binDir": cni.bin_dir, "kubeconfig": cni.kubeconfig, "confDir": cni.conf_dir}
    rules = {"binDir": "node-multus-bin-dir", "kubeconfig": "node-multus-kubeconfig", "confDir": "node-multus-conf-dir"}
    for key, want in expected.items():
        have = data.get(key)
        if isinstance(have, str) and have.rstrip("/") != want:
            legacy = key == "binDir" and cni.legacy_bin_dir == have.rstrip("/")
            doc.add(
                rules[key],
                f"{MULTUS_CONF} has {key} {have}, this node's is {want}"
                + (" (the legacy bin dir of older K3s)" if legacy else ""),
                "fix the chart values (multus-gen install with this node's version and data dir) and let Multus "
                "rewrite its config",
                multus_path,
            )
    kubeconfig = data.get("kubeconfig") if isinstance(data.get("kubeconfig"), str) else cni.kubeconfig
    if not facts.host(str(kubeconfig)).is_file():
        doc.add(
            "node-multus-kubeconfig-missing",
            f"Multus' kubeconfig {kubeconfig} is missing: Multus cannot reach the API, pods fail to start",
            "restart the Multus pod on this node; check its confDir/kubeconfig values",
            multus_path,
        )
    if "whereabouts" in manifests.ipams:
        for path in (
            f"{cni.conf_dir}/whereabouts.d/whereabouts.conf",
            f"{cni.conf_dir}/whereabouts.d/whereabouts.kubeconfig",
        ):
            if not facts.host(path).is_file():
                doc.add(
                    "node-whereabouts-files",
                    f"{path} is missing but a NAD uses whereabouts ({manifests.ipams['whereabouts']})",
                    "enable rke2-whereabouts in the chart values (multus-gen --ipam whereabouts)",
                    path,
                )
    if "dhcp" in manifests.ipams and not _is_socket(facts.host(DHCP_SOCKET)):
        doc.add(
            "node-dhcp-daemon",
            f"no DHCP daemon socket {DHCP_SOCKET} but a NAD uses dhcp ({manifests.ipams['dhcp']})",
            "enable the dhcp daemon set in the chart values (multus-gen --ipam dhcp)",
            DHCP_SOCKET,
        )


def _exclusive_cilium(doc: Doctor, manifests: Manifests, names: list[str]) -> None:
    """Cilium's chart defaults to ``cni.exclusive: true`` (it then moves every other CNI config away, Multus'
    included): a Cilium install with Multus needs ``cni.exclusive: false`` (docs.rke2.io networking, Multus)."""
    facts = doc.facts
    if any(f.rule == "node-primary-exclusive" for f in doc.findings):  # the moved configs said it already
        return
    set_false = any(value is False for value in manifests.cilium_exclusive.values())
    said_true = [f for f, value in manifests.cilium_exclusive.items() if value is True]
    rke2_cilium = facts.distro == "rke2" and _rke2_enables_multus(facts) and "cilium" in str(facts.value("cni"))
    cilium_conf = any("cilium" in n for n in names)
    if said_true or ((rke2_cilium or (cilium_conf and manifests.multus_installs)) and not set_false):
        doc.add(
            "node-primary-exclusive",
            "Cilium runs with cni.exclusive (its chart's default) and removes Multus' 00-multus.conf",
            "set cni.exclusive: false in the (rke2-)cilium HelmChartConfig's valuesContent",
            said_true[0] if said_true else doc.cluster.cni.conf_dir,
        )


def _is_socket(path: Path) -> bool:
    import stat

    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


def _rke2_enables_multus(facts: NodeFacts) -> bool:
    cni = facts.value("cni")
    names = cni if isinstance(cni, list) else str(cni or "").split(",")
    return facts.distro == "rke2" and "multus" in [str(n).strip() for n in names]


def _bin_dir(doc: Doctor, manifests: Manifests) -> None:
    facts, cni = doc.facts, doc.cluster.cni
    bin_dir = facts.host(cni.bin_dir)
    if not cni.bin_dir_stable and not any(f.rule == "cni-bin-dir-legacy" for f in doc.findings):  # said once
        doc.add(
            "cni-bin-dir-legacy",
            f"this K3s uses the legacy bin dir {cni.bin_dir} (data/current/bin: a symlink K3s re-points on every "
            "upgrade; plugins installed there are gone after it)",
            f"upgrade K3s to {k3s.first_stable_cni_bin_release(doc.cluster.k3s_version)} or later",
            cni.bin_dir,
        )
    if bin_dir.is_symlink() or bin_dir.parent.is_symlink():
        link = bin_dir if bin_dir.is_symlink() else bin_dir.parent
        doc.say(
            "CNI bin dir",
            f"{cni.bin_dir} (through the symlink {link.name} -> {os.readlink(link)}, re-pointed on upgrade)",
        )
    if not bin_dir.is_dir():
        doc.add("node-plugin-missing", f"the CNI bin dir {cni.bin_dir} is missing", "start K3s once", cni.bin_dir)
        return
    present = {p.name for p in bin_dir.iterdir()}
    doc.say("CNI plugins", ", ".join(sorted(present)) or "none")
    needed = dict(manifests.plugins)
    needed.update(manifests.ipams)
    if manifests.multus_installs:
        needed.setdefault("multus", manifests.multus_installs[0])
    for plugin, where in sorted(needed.items()):
        if plugin not in present:
            doc.add(
                "node-plugin-missing",
                f"the CNI plugin {plugin} is not in {cni.bin_dir} (needed by {where})",
                "Multus' chart installs the reference plugins; check its install on this node",
                f"{cni.bin_dir}/{plugin}",
            )
