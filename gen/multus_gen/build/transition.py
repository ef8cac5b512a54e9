"""What replacing an existing manifest file with a new one does to a running cluster (FACTS 2, 3, 3a).

Pure: the old file's text in, findings out. ``install``, ``commit`` and ``plan`` read the file they replace
and ask here: an upgrade of rke2-multus from a version whose NAD CRD lacks ``helm.sh/resource-policy: keep``
(<= v4.2.409) straight to one that ships no CRDs (>= v4.3.009) makes Helm delete the CRD and with it every
NetworkAttachmentDefinition: refused (rule ``upgrade-deletes-nads``), naming the safe path. Other changes
that need a hand on the cluster are transition notes (rule ``upgrade-transition``).
"""

from __future__ import annotations

from typing import Any

from multus_gen.check.catalog import severity
from multus_gen.findings import Finding, Location, get_path
from multus_gen.knowledge import charts, k3s
from multus_gen.model.options import GenOptions
from multus_gen.record import record, replace
from multus_gen.yamlio.serialize import read_inputs

UNSAFE_RULE = "upgrade-deletes-nads"
NOTE_RULE = "upgrade-transition"


@record
class Previous:
    """What the file being replaced installed (None: not known from the file)."""

    chart_version: str | None
    ipams: tuple[str, ...] | None
    k3s_version: k3s.K3sVersion | None


def _from_documents(text: str) -> str | None:
    """spec.version of an rke2-multus HelmChart (or the version of a Flux/Argo CD/Fleet install) in ``text``."""
    from multus_gen.errors import MultusGenError
    from multus_gen.yamlio.reader import parse_text

    try:
        docs = parse_text(text, where="the current file")
    except MultusGenError:
        return None
    for doc in docs:
        data: Any = doc.data
        if not isinstance(data, dict):
            continue
        spec = data.get("spec")
        spec = spec if isinstance(spec, dict) else {}
        candidates = [
            (spec.get("chart"), spec.get("version")),  # HelmChart
            (get_path(spec, "chart", "spec", "chart"), get_path(spec, "chart", "spec", "version")),  # Flux
            (get_path(spec, "source", "chart"), get_path(spec, "source", "targetRevision")),  # Argo CD
            (get_path(data, "helm", "chart"), get_path(data, "helm", "version")),  # Fleet
        ]
        for chart, version in candidates:
            if chart == charts.CHART_NAME and isinstance(version, str):
                return version
    return None


def previous(text: str) -> Previous:
    """What the existing file ``text`` installed: its ``# inputs:`` header first, then its documents."""
    inputs = read_inputs(text) or {}
    version = inputs.get("chart-version") or _from_documents(text)
    ipam = inputs.get("ipam")
    k3s_version = None
    if inputs.get("k3s-version"):
        try:
            k3s_version = k3s.K3sVersion.parse(inputs["k3s-version"])
        except ValueError:
            k3s_version = None
    return Previous(version, tuple(ipam.split("+")) if ipam else None, k3s_version)


def _note(message: str, fix: str | None, where: str) -> Finding:
    return Finding(severity(NOTE_RULE), message, fix, Location(file=where), NOTE_RULE)


def transition(old_text: str | None, opts: GenOptions, *, where: str) -> list[Finding]:
    """Every finding of replacing ``old_text`` (the file at ``where``; None: no file yet) by what ``opts``
    generates: the refusal of an upgrade that deletes the NADs, and the transition notes."""
    if old_text is None:
        return []
    return transition_from(previous(old_text), opts, where=where)


def release_transition(opts: GenOptions) -> list[Finding]:
    """``--from-values``: the transition from the helm release the HelmChart takes over (its chart version from
    ``--from-chart-version``, its IPAMs from the values file) to what ``opts`` generates."""
    if opts.from_values is None or opts.from_chart_version is None:
        return []
    from multus_gen.values.adopt import ipams_in, read_values

    enabled = ipams_in(read_values(opts.from_values))[0]
    old = Previous(opts.from_chart_version, enabled or ("host-local",), None)
    at = Location(flag="--from-chart-version", label=f"helm release {opts.name}")
    return [replace(f, at=at) for f in transition_from(old, opts, where="--from-chart-version")]


def _two_steps(opts: GenOptions) -> str:
    """The safe path to ``opts``' chart. On RKE2 the chart is RKE2's: the step is an RKE2 release shipping a chart
    whose CRD Helm keeps (RKE2 upgrades one minor at a time anyway)."""
    new = opts.chart_version
    if opts.distro == "rke2":
        from multus_gen.knowledge import rke2_releases

        safe = [
            row.since
            for row in rke2_releases.RKE2_LINES
            if charts.ships_crds(row.chart) and not charts.deletes_crds_on_upgrade(row.chart, new)
        ]
        target = f"RKE2 {opts.rke2_version}" if opts.rke2_version else f"rke2-multus {new}"
        via = f"{safe[0]} or later of its line" if safe else f"one shipping rke2-multus {charts.CRD_KEEP_SINCE}+"
        return (
            f"upgrade RKE2 in two steps: first to a release whose rke2-multus keeps the CRD ({via}; "
            f"`multus-gen versions --rke2`) and let it roll out, then to {target}"
        )
    return (
        f"upgrade in two steps: first to {charts.LAST_BUNDLED} (or {charts.CRD_KEEP_SINCE}+) and let it roll out, "
        f"then to {new}"
    )


def transition_from(old: Previous, opts: GenOptions, *, where: str) -> list[Finding]:
    """Every finding of moving from what ``old`` installed to what ``opts`` generates (``where``: the place the old
    install was read from)."""
    new = opts.chart_version
    out: list[Finding] = []
    if old.chart_version is not None and old.chart_version != new:
        if charts.deletes_crds_on_upgrade(old.chart_version, new):
            out.append(
                Finding(
                    severity(UNSAFE_RULE),
                    f"rke2-multus {old.chart_version} -> {new} crosses the CRD split: {old.chart_version}'s "
                    "NetworkAttachmentDefinition CRD has no helm.sh/resource-policy: keep, so Helm deletes it, "
                    "and every NAD in the cluster with it",
                    _two_steps(opts),
                    Location(file=where),
                    UNSAFE_RULE,
                )
            )
        elif charts.ships_crds(old.chart_version) and not charts.ships_crds(new):
            from multus_gen.build.helmchart import can_take_ownership

            adopt = (
                "the CRD chart's HelmChart sets takeOwnership: true (Fleet: helm.takeOwnership)"
                if can_take_ownership(opts) or opts.distro != "k3s"
                else f"{opts.distro_label}'s helm-controller has no takeOwnership (v0.16.14+): Helm will refuse the "
                "CRDs (invalid ownership metadata); upgrade K3s first (see `multus-gen versions --k3s`)"
            )
            out.append(
                _note(
                    f"rke2-multus {old.chart_version} -> {new}: the CRDs move to the {charts.CRD_CHART_NAME} release, "
                    "which must adopt them from the old release",
                    adopt,
                    where,
                )
            )
    if (
        old.k3s_version is not None
        and opts.distro == "k3s"
        and not k3s.has_stable_cni_bin(old.k3s_version)
        and k3s.has_stable_cni_bin(opts.k3s_version)
    ):
        legacy, stable = k3s.legacy_bin_dir(opts.data_dir), k3s.stable_bin_dir(opts.data_dir)
        out.append(
            _note(
                f"K3s {old.k3s_version} -> {opts.k3s_version} moves the CNI bin dir from {legacy} to {stable}: "
                "Multus' plugins are installed into the new dir by the upgraded chart",
                "apply this file right after the K3s upgrade; until then new pods may fail to find their plugins",
                where,
            )
        )
    if (
        "whereabouts" in opts.ipams
        and old.ipams is not None
        and "whereabouts" not in old.ipams
        and charts.ships_crds(new)
    ):
        out.append(
            _note(
                f"enabling whereabouts on an existing rke2-multus {new} release does not create its CRDs: Helm "
                "installs a subchart's crds/ folder on the first install only",
                "kubectl apply the whereabouts CRDs once; Flux: set upgrade.crds: CreateReplace in the HelmRelease",
                where,
            )
        )
    return out


def documents_part(text: str) -> str:
    """``text`` without its leading comment header: the documents, what a plan compares."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if not line.startswith("#")), len(lines))
    return "".join(lines[start:])
