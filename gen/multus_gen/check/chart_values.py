"""The chart-value rules of one install: the CNI dirs, kubeconfig and ``multusAutoconfigDir`` for the
cluster and the chart version's gates, the whereabouts dirs, the values schema."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from multus_gen.check.cluster import CHART_DEFAULTS, DIR_KEYS, Cluster
from multus_gen.check.state import Install, Run, dotted, lookup, overlay_leaves
from multus_gen.findings import JsonPath
from multus_gen.knowledge import charts, k3s
from multus_gen.values.compose import get_path


def _data_dir_hint(actual: str, expected: str, cluster: Cluster) -> str | None:
    """If ``actual`` is the right path for another K3s data dir, the --data-dir to pass."""
    if cluster.distro != "k3s":
        return None
    base = cluster.k3s_paths
    assert base is not None
    for suffix in ("/agent/etc/cni/net.d", "/agent/etc/cni/net.d/multus.d/multus.kubeconfig", "/data/cni"):
        if expected.endswith(suffix) and actual.endswith(suffix) and actual != expected:
            other = actual[: -len(suffix)] or "/"
            if other.startswith("/") and other != base.data_dir:
                return f"or pass --data-dir {other} if that is this cluster's K3s data dir"
    return None


def _bin_dir_reason(actual: str | None, cluster: Cluster) -> str:
    cni = cluster.cni
    version = cluster.k3s_version
    if actual is None:
        return (
            f"the chart default {CHART_DEFAULTS['binDir']} is not where {cluster.describe()} keeps CNI plugins "
            f"({cni.bin_dir})"
        )
    if cluster.distro == "k3s" and actual == cni.legacy_bin_dir and cni.bin_dir_stable:
        since = (
            ""
            if (version.major, version.minor) >= k3s.STABLE_CNI_BIN_ALL_FROM
            else f" (since {k3s.first_stable_cni_bin_release(version)})"
        )
        return (
            f"K3s {version} keeps CNI plugins in {cni.bin_dir}{since}; containerd does not look in "
            "data/current/bin, and K3s re-points data/current/bin on every upgrade"
        )
    if cluster.distro == "k3s" and actual == cni.stable_bin_dir and not cni.bin_dir_stable:
        return (
            f"K3s {version} has no data/cni yet (it arrives with {k3s.first_stable_cni_bin_release(version)}): "
            f"its CNI plugins are in {cni.bin_dir}"
        )
    return f"{cluster.describe()} keeps CNI plugins in {cni.bin_dir}"


def _dir_reason(keys: tuple[str, ...], expected: str, version: str | None, cluster: Cluster) -> str:
    key = keys[-1]
    if key == "confDir" and keys[0] == "config":
        return (
            f"{cluster.describe()} keeps the CNI configs (flannel's 10-flannel.conflist on K3s) in {expected}: "
            "Multus will not find the default network"
        )
    if key == "kubeconfig":
        return f"Multus on {cluster.describe()} writes its kubeconfig to {expected}"
    if key == "multusAutoconfigDir":
        return (
            f"rke2-multus {version} mounts multusAutoconfigDir and needs the conf dir {expected} there, or Multus "
            "never finds flannel's config and loops"
        )
    if keys[0] == "rke2-whereabouts":
        return f"whereabouts must use the same dirs as Multus ({expected})"
    return f"{cluster.describe()} uses {expected}"


#: The rule of each CNI dir value (``check_dir``); other values the gates require are ``chart-gate-value``.
_DIR_RULES: dict[tuple[str, ...], str] = {
    ("config", "cni_conf", "confDir"): "cni-conf-dir",
    ("config", "cni_conf", "binDir"): "cni-bin-dir",
    ("config", "cni_conf", "kubeconfig"): "cni-kubeconfig",
    ("config", "cni_conf", "multusAutoconfigDir"): "multus-autoconfig-dir",
}


class ValueChecker:
    """The chart-value rules for one install (values already merged in precedence order)."""

    def __init__(self, run: Run, inst: Install) -> None:
        self.run = run
        self.inst = inst
        self.cluster = run.cluster
        self.reported: set[tuple[str, JsonPath]] = set()

    def add(self, keys: Sequence[str], rule: str, message: str, fix: str | None = None) -> None:
        src, doc, at = self.inst.origin(keys)
        self.reported.add((src.file, at))
        self.run.out.add(src, doc, at, rule, message, fix)

    def check(self) -> None:
        values = self.inst.values
        facts = self.inst.facts
        params = self.cluster.params()
        cni = self.cluster.cni
        expected: dict[tuple[str, ...], Any] = {
            ("config", "cni_conf", "confDir"): cni.conf_dir,
            ("config", "cni_conf", "binDir"): cni.bin_dir,
            ("config", "cni_conf", "kubeconfig"): cni.kubeconfig,
        }
        forbidden: dict[tuple[str, ...], charts.Gate] = {}
        if facts is not None:
            for keys, value in overlay_leaves(facts.overlays, params):
                expected[keys] = value
            active = set(facts.overlays)
            for gate in (*charts.LAYOUT_GATES, *charts.CRD_GATES):
                for overlay in gate.overlays:
                    if overlay not in active:
                        for keys, _ in overlay_leaves([overlay], params):
                            forbidden[keys] = facts.layout
        whereabouts = get_path(values, "rke2-whereabouts", "enabled") is True
        if whereabouts:
            for keys, value in overlay_leaves(["ipam/whereabouts"], params):
                if keys[-1] in DIR_KEYS:
                    expected[keys] = value
        for keys, value in expected.items():
            if isinstance(value, str):
                self.check_dir(keys, value)
        for keys, layout in forbidden.items():
            found, actual = lookup(values, keys)
            if found and actual is not None:
                self.add(
                    keys,
                    "chart-gated-key",
                    f"{dotted(keys)} is set, but on rke2-multus {self.inst.version}: {layout.note} ({layout.source})",
                    f"remove {keys[-1]}",
                )
        if facts is not None:
            self.ipam_gates(facts, whereabouts=whereabouts)
        if self.cluster.distro == "k3s" and get_path(values, "thickPlugin", "enabled") is True:
            self.add(
                ("thickPlugin", "enabled"),
                "thick-plugin",
                "thickPlugin.enabled: the thick plugin's DaemonSet hard-codes /etc/cni/net.d and /opt/cni/bin, which "
                f"K3s does not use ({self.cluster.cni.conf_dir}, {self.cluster.cni.bin_dir}): pods get no second "
                "interface (FACTS.md 3; usable on RKE2 only)",
                "remove thickPlugin.enabled (the thin plugin is the chart default)",
            )
        if get_path(values, "config", "fullnameOverride") is not None:
            self.add(
                ("config", "fullnameOverride"),
                "fullname-override",
                "config.fullnameOverride (from the K3s docs) is used by no template of rke2-multus: it does nothing",
                "remove it; the DaemonSet is named after the release",
            )
        self.schema()

    def ipam_gates(self, facts: charts.ChartFacts, *, whereabouts: bool) -> None:
        """``chart-version-ipam``: an IPAM the values enable that this chart version cannot run here."""
        enabled = {
            "whereabouts": (("rke2-whereabouts", "enabled"), whereabouts),
            "dhcp": (("manifests", "dhcpDaemonSet"), get_path(self.inst.values, "manifests", "dhcpDaemonSet") is True),
        }
        for ipam, (keys, on) in enabled.items():
            gate = charts.ipam_breakage(facts.version, ipam, self.cluster.distro) if on else None
            if gate is None:
                continue
            nearest = charts.nearest_working(facts.version, (ipam,), self.cluster.distro)
            distro = "RKE2" if self.cluster.distro == "rke2" else "K3s"
            self.add(
                keys,
                "chart-version-ipam",
                f"rke2-multus {facts.version} cannot run {ipam} on {self.cluster.describe()}: {gate.why} "
                f"({gate.note}; {gate.source})",
                f"use rke2-multus {nearest} (the nearest version whose {ipam} works on {distro}; "
                "`multus-gen versions` lists them), or another IPAM",
            )

    def check_dir(self, keys: tuple[str, ...], expected: str) -> None:
        rule = _DIR_RULES.get(keys, "whereabouts-dirs" if keys[0] == "rke2-whereabouts" else "chart-gate-value")
        found, actual = lookup(self.inst.values, keys)
        key = dotted(keys)
        version = self.inst.version
        if found and actual is not None and not isinstance(actual, str):
            self.add(keys, rule, f"{key} must be a path, not {actual!r}", f"set {key}: {expected}")
            return
        if found and actual is None:
            self.add(
                keys,
                rule,
                f"{key} is null: helm deletes the chart's default for it, so the chart renders no {keys[-1]} at all",
                f"set {key}: {expected}",
            )
            return
        if self.inst.partial and not found:
            return  # set (or not) by the HelmChart this config applies to, which is not in sight
        raw = actual if isinstance(actual, str) else None
        value = raw
        if raw is not None and len(raw) > 1 and raw.endswith("/"):
            value = raw.rstrip("/") or "/"
        effective = value if value is not None else CHART_DEFAULTS.get(keys[-1])
        if raw is not None and raw != value:
            self.add(
                keys,
                "path-trailing-slash",
                f"{key} {raw!r} ends in '/': the mount works, but the path is compared and joined verbatim "
                "(whereabouts' cniConf, the paths Multus writes into its config)",
                f"write {value}",
            )
        if effective == expected:
            legacy = self.cluster.distro == "k3s" and not self.cluster.cni.bin_dir_stable
            if keys == ("config", "cni_conf", "binDir") and legacy:  # once: whereabouts' binDir follows it
                self.add(
                    keys,
                    "cni-bin-dir-legacy",
                    f"{key} is right for K3s {self.cluster.k3s_version}, but K3s re-points data/current/bin on every "
                    "upgrade: the plugins Multus installed there disappear with the next K3s version",
                    f"after upgrading K3s to {k3s.first_stable_cni_bin_release(self.cluster.k3s_version)} or later, "
                    f"set {key} to {self.cluster.cni.stable_bin_dir}",
                )
            return
        what = f"{key} is not set" if raw is None else f"{key} is {raw!r}"
        if keys[-1] == "binDir":
            reason = _bin_dir_reason(value, self.cluster)
        else:
            reason = _dir_reason(keys, expected, version, self.cluster)
            if raw is None and keys[-1] in CHART_DEFAULTS:
                what += f" (chart default {CHART_DEFAULTS[keys[-1]]})"
        fix = f"set {key}: {expected}"
        hint = _data_dir_hint(value, expected, self.cluster) if value else None
        if hint:
            fix += f", {hint}"
        self.add(keys, rule, f"{what}; {reason}", fix)

    def schema(self) -> None:
        from multus_gen.check.schemas import schema_errors

        for err in schema_errors("rke2-multus-values", self.inst.values, rule="values-schema"):
            keys = tuple(str(p) for p in err.at.path or ())
            src, _doc, at = self.inst.origin(keys)
            if (src.file, at) in self.reported:
                continue
            self.add(keys, "values-schema", err.message)
