"""rke2-multus chart facts: published versions and the per-version gates (FACTS.md sections 3-5).

Everything here is data with its source. ``chart_facts(version)`` turns the tables into the answer for one
version; the rest of multus-gen never compares chart versions itself.
"""

from __future__ import annotations

import re
from functools import cache

from multus_gen.record import record

#: The IPAMs the chart prepares for (one overlay each in overlays/ipam/: what the chart must run for it).
IPAMS = ("host-local", "whereabouts", "dhcp")

CHART_REPO = "https://rke2-charts.rancher.io"
CHART_NAME = "rke2-multus"
CRD_CHART_NAME = "rke2-multus-crd"
INDEX_SOURCE = "rancher/rke2-charts main:index.yaml"

#: When the PUBLISHED snapshot was taken: the ``created`` date of its newest entry (rke2-multus v4.3.017,
#: 2026-08-19T21:57:27Z) in INDEX_SOURCE (../shared/fixtures/charts/index-rke2-multus.tsv). A version published
#: after this date is unknown to multus-gen (--allow-unknown-chart-version).
INDEX_SNAPSHOT_DATE = "2026-08-19"

#: Every rke2-multus version in the chart repository index, oldest first. Source: INDEX_SOURCE.
#: Version strings are irregular (``4.1.000`` has no ``v``); they are matched exactly.
PUBLISHED: tuple[str, ...] = (
    "v3.7.1-build2021041601",
    "v3.7.1-build2021041602",
    "v3.7.1-build2021041603",
    "v3.7.1-build2021041604",
    "v3.7.1-build2021041605",
    "v3.7.1-build2021100705",
    "v3.7.1-build2021111906",
    "v3.8-build2021110401",
    "v3.8-build2021110402",
    "v3.8-build2021110403",
    "v3.8-build2022101103",
    "v3.9-build2022102804",
    "v3.9-build2022102805",
    "v3.9.3-build2023010901",
    "v3.9.3-build2023010902",
    "v3.9.3-build2023010903",
    "v4.0.2-build2023070601",
    "v4.0.2-build2023070701",
    "v4.0.2-build2023070702",
    "v4.0.2-build2023070703",
    "v4.0.2-build2023081100",
    "v4.0.2-build2023081101",
    "v4.0.2-build2023081102",
    "v4.0.2-build2023081103",
    "v4.0.2-build2023081104",
    "v4.0.2-build2023081105",
    "v4.0.2-build2023081106",
    "v4.0.2-build2023081107",
    "v4.0.2-build2023081108",
    "v4.0.2-build2024020800",
    "v4.0.2-build2024020801",
    "v4.0.2-build2024020802",
    "v4.0.202",
    "v4.0.203",
    "v4.0.204",
    "v4.0.205",
    "v4.0.206",
    "v4.0.207",
    "4.1.000",
    "v4.1.001",
    "v4.1.002",
    "v4.1.200",
    "v4.1.201",
    "v4.1.202",
    "v4.1.203",
    "v4.1.204",
    "v4.1.205",
    "v4.1.300",
    "v4.1.301",
    "v4.1.400",
    "v4.1.401",
    "v4.1.402",
    "v4.1.403",
    "v4.1.404",
    "v4.2.000",
    "v4.2.001",
    "v4.2.002",
    "v4.2.100",
    "v4.2.101",
    "v4.2.102",
    "v4.2.103",
    "v4.2.104",
    "v4.2.105",
    "v4.2.106",
    "v4.2.107",
    "v4.2.200",
    "v4.2.201",
    "v4.2.202",
    "v4.2.203",
    "v4.2.204",
    "v4.2.205",
    "v4.2.206",
    "v4.2.207",
    "v4.2.208",
    "v4.2.209",
    "v4.2.300",
    "v4.2.302",
    "v4.2.303",
    "v4.2.304",
    "v4.2.305",
    "v4.2.307",
    "v4.2.308",
    "v4.2.309",
    "v4.2.310",
    "v4.2.311",
    "v4.2.312",
    "v4.2.313",
    "v4.2.314",
    "v4.2.315",
    "v4.2.400",
    "v4.2.401",
    "v4.2.402",
    "v4.2.403",
    "v4.2.405",
    "v4.2.406",
    "v4.2.407",
    "v4.2.408",
    "v4.2.409",
    "v4.2.410",
    "v4.2.411",
    "v4.2.412",
    "v4.2.413",
    "v4.2.414",
    "v4.2.415",
    "v4.2.416",
    "v4.2.417",
    "v4.2.418",
    "v4.3.000",
    "v4.3.001",
    "v4.3.002",
    "v4.3.003",
    "v4.3.004",
    "v4.3.005",
    "v4.3.006",
    "v4.3.007",
    "v4.3.008",
    "v4.3.009",
    "v4.3.010",
    "v4.3.011",
    "v4.3.012",
    "v4.3.013",
    "v4.3.014",
    "v4.3.015",
    "v4.3.016",
    "v4.3.017",
)

#: Every rke2-multus-crd version in the index (never a ``v``). Source: INDEX_SOURCE.
PUBLISHED_CRD: tuple[str, ...] = (
    "4.3.009",
    "4.3.010",
    "4.3.011",
    "4.3.012",
    "4.3.013",
    "4.3.014",
    "4.3.015",
    "4.3.016",
    "4.3.017",
)

#: rke2-multus-crd versions that fail under helm-controller. Source: FACTS.md section 3.
BROKEN_CRD = {"4.3.009": "fails to install under K3s's helm-controller; use 4.3.010 or newer"}
BROKEN_CRD_SOURCE = "rancher/rke2-charts rke2-multus-crd 4.3.010 (fix of 4.3.009)"

#: Versions whose real archives the conformance suite renders with the Helm engine
#: (tests/conformance, fixtures from rancher/rke2-charts assets/rke2-multus/).
VERIFIED = ("v4.2.106", "v4.2.202", "v4.3.017")
VERIFIED_CRD = ("4.3.017",)
#: The default ``--chart-version``: the newest verified version, always pinned.
DEFAULT_CHART_VERSION = VERIFIED[-1]

SUPPORTED = "supported"
BROKEN = "broken"


@record
class Gate:
    """One row of a gate table: a version range (inclusive; None is open) and what holds in it."""

    first: str | None
    last: str | None
    value: str
    status: str
    note: str
    source: str
    #: Overlay files (under overlays/, without .yaml) this gate adds to the chart values.
    overlays: tuple[str, ...] = ()
    #: What breaks, in a user's words (``versions``' WHY column, refusals); empty when nothing breaks.
    why: str = ""


#: How the multus DaemonSet mounts the CNI dirs, per chart version. Source column per row.
LAYOUT_GATES: tuple[Gate, ...] = (
    Gate(
        None,
        "v4.0.2-build2023070703",
        "hard-coded",
        BROKEN,
        "ignores config.cni_conf entirely: hostPaths hard-coded /etc/cni/net.d and /opt/cni/bin; the DaemonSet is "
        "named kube-multus-ds/multus-ds, not after the release",
        "FACTS.md 3 (every archive rendered with generated values); rke2-multus v3.7.1-build2021041601 "
        "templates/daemonSet.yaml",
        why="Multus ignores the K3s dirs: it writes its config to /etc/cni/net.d, which K3s never reads, so pods "
        "get no second interface",
    ),
    Gate(
        "v4.0.2-build2023081100",
        "v4.0.2-build2024020800",
        "double-equals",
        BROKEN,
        "template bug: --cni-conf-dir==<dir> (two '=') and --cni-bin-dir=<dir> without the /host prefix; the "
        "cni-plugins init container writes to hostPath /opt/cni/bin",
        "FACTS.md 3 (every archive rendered with generated values); rke2-multus v4.0.2-build2023081100 "
        "templates/daemonSet.yaml",
        why="Multus is started with a mangled --cni-conf-dir and a bin dir outside its mounts, and the plugins are "
        "copied to /opt/cni/bin, which K3s does not use: pods get no second interface",
    ),
    Gate(
        "v4.0.2-build2024020801",
        "v4.2.106",
        "fixed-mounts",
        SUPPORTED,
        "container mounts fixed at /host/etc/cni/net.d and /host/opt/cni/bin, hostPaths from "
        "config.cni_conf.confDir/binDir; multusAutoconfigDir must not be set (it would name an unmounted path)",
        "rancher/rke2-charts rke2-multus v4.2.106 templates/daemonSet.yaml",
    ),
    Gate(
        "v4.2.107",
        "v4.2.200",
        "mismatched-flags",
        BROKEN,
        "new --cni-conf-dir/--cni-bin-dir flags do not match the container mounts for non-default dirs",
        "k3s-io/docs issue 450",
        why="Multus looks for the K3s dirs where the chart does not mount them: it never finds flannel's config, "
        "and pods get no second interface",
    ),
    Gate(
        "v4.2.201",
        "v4.2.201",
        "double-mount",
        BROKEN,
        "mounts the conf dir twice when multusAutoconfigDir equals confDir (the K3s setup)",
        "rancher/rke2-charts rke2-multus v4.2.201 templates/daemonSet.yaml",
        why="the Multus DaemonSet mounts the K3s conf dir twice and is rejected: Multus never starts on any node",
    ),
    Gate(
        "v4.2.202",
        None,
        "host-prefixed",
        SUPPORTED,
        "mounts /host{confDir} and /host{binDir}; multusAutoconfigDir defaults to /etc/cni/net.d and is set "
        "to the K3s conf dir, or Multus never finds flannel's config",
        "k3s-io/docs PR 455; rke2-multus v4.2.202 templates/daemonSet.yaml",
        ("gates/multus-autoconfig-dir",),
    ),
)

#: What a chart version cannot run on K3s although Multus itself works there: one row per (versions, IPAM).
#: Versions whose layout gate is BROKEN cannot run any IPAM (``ipam_breakage`` reports that gate). RKE2 uses
#: the chart's default dirs (/etc/cni/net.d, /opt/cni/bin), which these hard-coded paths are, so the rows
#: hold on K3s only.
IPAM_GATES: dict[str, tuple[Gate, ...]] = {
    "whereabouts": (
        Gate(
            "v4.0.2-build2024020801",
            "v4.0.202",
            "whereabouts-hard-coded",
            BROKEN,
            "the rke2-whereabouts subchart hard-codes hostPaths /opt/cni/bin and /etc/cni/net.d (no cniConf)",
            "FACTS.md 3 (every archive rendered with generated values); rke2-multus v4.0.203 is the first whose "
            "charts/rke2-whereabouts takes cniConf",
            why="the whereabouts DaemonSet installs its plugin and kubeconfig under /opt/cni/bin and /etc/cni/net.d, "
            "which K3s does not use: pods with a whereabouts network never get an address",
        ),
    ),
    "dhcp": (
        Gate(
            "v4.0.2-build2024020801",
            "v4.0.203",
            "dhcp-hard-coded",
            BROKEN,
            "the dhcp DaemonSet mounts hostPath /opt/cni and runs /opt/cni/bin/dhcp",
            "FACTS.md 3 (every archive rendered with generated values); rke2-multus v4.0.204 "
            "templates/dhcp-daemonSet.yaml",
            why="the DHCP daemon runs /opt/cni/bin/dhcp, which does not exist on K3s: it never starts, and pods with "
            "a dhcp network never get an address",
        ),
    ),
}

#: ``config.cni_conf.cleanupConfigOnExit``: the chart default is true only from v4.2.303; before it, with
#: short-lived service-account tokens, Multus' kubeconfig expires and new pods fail with ``Unauthorized``.
#: Older templates already take the value, so older pins get it set.
CLEANUP_GATES: tuple[Gate, ...] = (
    Gate(
        None,
        "v4.2.302",
        "cleanup-off-by-default",
        SUPPORTED,
        "cleanupConfigOnExit defaults to false: Multus' kubeconfig outlives its short-lived token",
        "rancher/rke2-charts commit 42c21ff2; rancher/rke2 issue 9313",
        ("gates/cleanup-config-on-exit",),
    ),
    Gate(
        "v4.2.303",
        None,
        "cleanup-on-by-default",
        SUPPORTED,
        "cleanupConfigOnExit defaults to true",
        "rancher/rke2-charts commit 42c21ff2 (rke2-multus v4.2.303 values.yaml)",
    ),
)

#: whereabouts' node-slice controller, which ``node_slice_size`` ("fast IPAM") needs: a Deployment
#: ``<whereabouts fullname>-controller`` running /node-slice-controller, rendered only when this value is true
#: (default false). It slices each such NAD's range into NodeSlicePools (CRD nodeslicepools).
NODE_SLICE_KEYS: tuple[str, ...] = ("rke2-whereabouts", "nodeSliceController", "enabled")
#: The oldest rke2-multus archive checked that has the value; v4.0.203's subchart (whereabouts 0.6.3) has none,
#: and no archive between the two was checked.
NODE_SLICE_SINCE = "v4.2.106"
NODE_SLICE_SOURCE = (
    "rke2-multus v4.2.106, v4.2.202, v4.3.008 and v4.3.017 charts/rke2-whereabouts values.yaml "
    "(nodeSliceController.enabled: false) and templates/node_slice_controller.yaml; absent in v4.0.203"
)


def has_node_slice_controller(version: str) -> bool:
    """Whether rke2-multus ``version`` is known to have the node-slice controller value (:data:`NODE_SLICE_KEYS`)."""
    key = version_key(version)
    since = version_key(NODE_SLICE_SINCE)
    return key is not None and since is not None and key >= since


#: The CNI reference plugins (rancher/hardened-cni-plugins) each verified chart installs on the nodes: the
#: values key and its default per version (each archive's values.yaml, checked in tests/conformance).
CNI_PLUGINS_KEYS: tuple[str, ...] = ("cniplugins", "image", "tag")
CNI_PLUGINS_TAGS: dict[str, str] = {
    "v4.2.106": "v1.7.1-build20250611",
    "v4.2.202": "v1.7.1-build20250725",
    "v4.3.017": "v1.9.1-build20260819",
}
#: The first CNI plugins release whose bridge takes ``vlan`` beside ``vlanTrunk`` (the trunk's native VLAN);
#: v1.3.0-v1.7.x refuse the pair. Source: containernetworking/plugins PR 1180, release notes of v1.8.0.
BRIDGE_NATIVE_VLAN_SINCE = (1, 8, 0)


def cni_plugins_release(tag: str) -> tuple[int, int, int] | None:
    """The release of a hardened-cni-plugins image tag (``v1.7.1-build20250611`` -> (1, 7, 1)), None if unknown."""
    m = re.match(r"^v?(\d+)\.(\d+)\.(\d+)", tag)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


#: Where the NetworkAttachmentDefinition (and whereabouts) CRDs come from, per chart version.
CRD_GATES: tuple[Gate, ...] = (
    Gate(
        None,
        "v4.3.008",
        "bundled",
        SUPPORTED,
        "the chart ships the CRDs itself",
        "rancher/rke2-charts rke2-multus v4.2.202 templates/customResourceDefinition.yaml",
    ),
    Gate(
        "v4.3.009",
        None,
        "split",
        SUPPORTED,
        "the chart ships no CRDs; the companion chart rke2-multus-crd installs them",
        "rancher/rke2-charts rke2-multus v4.3.009 (no CRD templates) and chart rke2-multus-crd",
    ),
)

#: The NAD CRD template of rke2-multus carries ``helm.sh/resource-policy: keep`` from this version on (and in all
#: v4.3.0xx); before it, an upgrade that drops the template deletes the CRD and every NAD with it (FACTS 3a).
CRD_KEEP_SINCE = "v4.2.410"
#: The last rke2-multus that still ships the CRDs itself (a keep-annotated, safe stepping stone).
LAST_BUNDLED = "v4.3.008"
CRD_KEEP_SOURCE = "FACTS.md 3a (checked in every archive); Helm pkg/kube Update; rancher/rke2 issue 8628, PR 11136"


def deletes_crds_on_upgrade(old: str, new: str) -> bool:
    """True if upgrading a release from rke2-multus ``old`` to ``new`` deletes the NAD CRD (and so every
    NetworkAttachmentDefinition): ``old`` ships the CRD without the keep annotation, ``new`` ships none."""
    old_key, new_key = version_key(old), version_key(new)
    if old_key is None or new_key is None:
        return False
    return old_key < _key(CRD_KEEP_SINCE) and new_key > _key(LAST_BUNDLED)


def ships_crds(version: str) -> bool:
    """True if rke2-multus ``version`` ships the NAD (and whereabouts) CRDs itself (<= v4.3.008)."""
    key = version_key(version)
    return key is not None and key <= _key(LAST_BUNDLED)


#: Values for the companion CRD chart, per IPAM (overlay names). Up to 4.3.017 the whereabouts CRDs
#: render only with rke2-whereabouts.enabled. Source: rke2-multus-crd 4.3.017 templates.
CRD_CHART_IPAM_OVERLAYS: dict[str, tuple[str, ...]] = {"whereabouts": ("crd/whereabouts",)}

_CHART_VERSION_RE = re.compile(
    r"^v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?(?:-(?P<pre>[0-9A-Za-z][0-9A-Za-z.-]*))?$"
)


@cache  # a fleet asks about the same few versions for every cluster
def version_key(version: str) -> tuple[int, int, int, int, str] | None:
    """A sort key for a chart version string, or None if it is not a version at all."""
    m = _CHART_VERSION_RE.match(version)
    if not m:
        return None
    pre = m.group("pre")
    return (
        int(m.group("major")),
        int(m.group("minor")),
        int(m.group("patch") or 0),
        0 if pre else 1,
        pre or "",
    )


def _in_range(version: str, gate: Gate) -> bool:
    key = version_key(version)
    assert key is not None
    if gate.first is not None and key < _key(gate.first):
        return False
    return not (gate.last is not None and key > _key(gate.last))


def _key(version: str) -> tuple[int, int, int, int, str]:
    key = version_key(version)
    if key is None:
        raise ValueError(version)
    return key


def _gate(table: tuple[Gate, ...], version: str) -> Gate:
    for gate in table:
        if _in_range(version, gate):
            return gate
    raise LookupError(version)  # the tables are closed ranges covering everything


@record
class ChartFacts:
    """What multus-gen knows about one rke2-multus version."""

    version: str
    published: bool
    verified: bool
    layout: Gate
    crds: Gate
    crd_chart_version: str | None
    overlays: tuple[str, ...] = ()
    cleanup: Gate | None = None

    @property
    def status(self) -> str:
        return self.layout.status

    @property
    def needs_crd_chart(self) -> bool:
        return self.crds.value == "split"

    @property
    def sets_autoconfig_dir(self) -> bool:
        return "gates/multus-autoconfig-dir" in self.overlays


def companion_crd_version(version: str) -> str | None:
    """The rke2-multus-crd version to install beside rke2-multus ``version`` (None if not split).

    The matching number without ``v`` when it is published and good; otherwise the nearest newer good one;
    for a version newer than the index, the same number (unverified).
    """
    if _gate(CRD_GATES, version).value != "split":
        return None
    key = _key(version)
    plain = version.removeprefix("v")
    good = [v for v in PUBLISHED_CRD if v not in BROKEN_CRD]
    if plain in good:
        return plain
    newer = [v for v in good if _key(v) >= key]
    if newer:
        return min(newer, key=_key)
    return plain


@cache
def chart_facts(version: str) -> ChartFacts:
    """Facts for ``version`` (must parse as a version; whether it is published is in the result)."""
    layout = _gate(LAYOUT_GATES, version)
    crds = _gate(CRD_GATES, version)
    cleanup = _gate(CLEANUP_GATES, version)
    return ChartFacts(
        version=version,
        published=version in PUBLISHED,
        verified=version in VERIFIED,
        layout=layout,
        crds=crds,
        crd_chart_version=companion_crd_version(version),
        overlays=layout.overlays + crds.overlays + cleanup.overlays,
        cleanup=cleanup,
    )


def layout_fine_on(version: str, distro: str) -> bool:
    """True if Multus itself works with ``version`` on ``distro`` (K3s dirs, or RKE2's default dirs)."""
    from multus_gen.knowledge.rke2 import LAYOUTS_FINE_WITH_DEFAULT_DIRS

    layout = _gate(LAYOUT_GATES, version)
    return layout.status == SUPPORTED or (distro == "rke2" and layout.value in LAYOUTS_FINE_WITH_DEFAULT_DIRS)


def ipam_breakage(version: str, ipam: str, distro: str = "k3s") -> Gate | None:
    """The gate that keeps ``ipam`` from working with rke2-multus ``version`` on ``distro``; None if it works.

    A broken layout breaks every IPAM (Multus itself does not run); the IPAM rows hold on K3s only."""
    if not layout_fine_on(version, distro):
        return _gate(LAYOUT_GATES, version)
    if distro != "k3s":
        return None
    for gate in IPAM_GATES.get(ipam, ()):
        if _in_range(version, gate):
            return gate
    return None


def verdicts(version: str, distro: str = "k3s") -> dict[str, Gate | None]:
    """Per IPAM (in ``IPAMS`` order): the gate that breaks it with ``version`` on ``distro``, or None: works."""
    return {ipam: ipam_breakage(version, ipam, distro) for ipam in IPAMS}


def nearest_working(version: str, ipams: tuple[str, ...] = (), distro: str = "k3s") -> str:
    """The nearest published version that works on ``distro`` for every IPAM in ``ipams`` (for Multus itself
    when empty): the oldest such at or above ``version``, else the newest such."""
    key = version_key(version)
    good = [
        v for v in PUBLISHED if layout_fine_on(v, distro) and all(ipam_breakage(v, i, distro) is None for i in ipams)
    ]
    if key is not None:
        above = [v for v in good if _key(v) >= key]
        if above:
            return min(above, key=_key)
    return max(good, key=_key)


def same_version_spelled_differently(version: str) -> str | None:
    """A published version that differs from ``version`` only in spelling (``4.3.017`` vs ``v4.3.017``)."""
    key = version_key(version)
    if key is None:
        return None
    for v in PUBLISHED:
        if _key(v) == key:
            return v
    return None


def newest_published() -> str:
    return max(PUBLISHED, key=_key)


def is_newer_than_index(version: str) -> bool:
    key = version_key(version)
    return key is not None and key > _key(newest_published())


def is_unknown(version: str) -> bool:
    """A version string that parses but is not in the index, not even spelled differently: newer than the index,
    or a backport published after multus-gen's index was taken (``v4.2.301``)."""
    return (
        version not in PUBLISHED
        and version_key(version) is not None
        and same_version_spelled_differently(version) is None
    )


def crd_version_refusal(value: str, *, allow_unknown: bool) -> tuple[str, str] | None:
    """Why rke2-multus-crd ``value`` cannot be used, as (message, fix); None when it can (published and good,
    or unknown with ``allow_unknown``)."""
    newest = PUBLISHED_CRD[-1]
    if value in PUBLISHED_CRD:
        if value in BROKEN_CRD:
            return f"rke2-multus-crd {value} {BROKEN_CRD[value]} ({BROKEN_CRD_SOURCE})", f"use {newest}"
        return None
    if value.startswith("v") and value[1:] in PUBLISHED_CRD:
        return (
            f"rke2-multus-crd has no version {value!r}: its versions carry no 'v' (versions are matched exactly)",
            f"write {value[1:]}",
        )
    if version_key(value) is None:
        return f"{value!r} is not a chart version", f"use {newest}"
    if allow_unknown:
        return None
    return (
        f"rke2-multus-crd {value} is not among the versions multus-gen knows (newest: {newest})",
        f"pass --allow-unknown-chart-version to use it, or use {newest}",
    )


def _distro_name(distro: str) -> str:
    return "RKE2" if distro == "rke2" else "K3s"


def version_refusal(
    value: str, *, allow_unknown: bool, distro: str = "k3s", ipams: tuple[str, ...] = ()
) -> tuple[str, str] | None:
    """Why rke2-multus ``value`` cannot be used, as (message, fix); None when it can (published and Multus runs
    with it on ``distro``, or unknown with ``allow_unknown``). On RKE2 the chart runs with its default CNI
    dirs, so a version broken only for custom dirs is usable. What a version cannot do for one IPAM is the
    check rule ``chart-version-ipam`` (it depends on the values); ``ipams`` picks the version to suggest."""
    version = value.strip()
    if version in PUBLISHED:
        if not layout_fine_on(version, distro):
            layout = _gate(LAYOUT_GATES, version)
            return (
                f"rke2-multus {version} is broken on {_distro_name(distro)}: {layout.why or layout.note} "
                f"({layout.note}; {layout.source})",
                f"use {nearest_working(version, ipams, distro)}",
            )
        return None
    spelled = same_version_spelled_differently(version)
    if spelled is not None:
        return f"rke2-multus has no version {version!r} (versions are matched exactly)", f"did you mean {spelled}?"
    if version_key(version) is None:
        return f"{version!r} is not a chart version", f"use e.g. {DEFAULT_CHART_VERSION}"
    if allow_unknown:
        return None
    if is_newer_than_index(version):
        return (
            f"rke2-multus {version} is newer than every version multus-gen knows (newest: {newest_published()})",
            f"pass --allow-unknown-chart-version to use it with the newest known gates, or use {DEFAULT_CHART_VERSION}",
        )
    return (
        f"rke2-multus {version} is not in the chart repository index multus-gen knows (a backport published later?)",
        f"pass --allow-unknown-chart-version to use it with the gates of its number, or use "
        f"{nearest_working(version, ipams, distro)}",
    )
