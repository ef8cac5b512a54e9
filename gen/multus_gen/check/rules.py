"""The one rule set of multus-gen: parsed documents in, findings out. ``validate`` runs it on files, and
every generator on the documents it builds (:func:`check_documents`), so the two always agree.

What it understands (everything else is "not ours" and is skipped):

* K3s ``HelmChart`` / ``HelmChartConfig`` (``helm.cattle.io/v1``) for ``rke2-multus`` and ``rke2-multus-crd``:
  the upstream CRD's shape (:mod:`.shape`), a pinned, published, not broken chart version (:mod:`.versions`),
  and the chart values after helm-controller's precedence (FACTS 5: HelmChart valuesContent < values <
  HelmChartConfig valuesContent < values < HelmChart ``set``) against the cluster (:mod:`.chart_values`).
* Flux ``HelmRelease``, Argo CD ``Application`` and Rancher Fleet ``fleet.yaml`` that install rke2-multus
  (FACTS 9): :mod:`.readers` turns each into installs with value layers; the same value checks follow.
* ``NetworkAttachmentDefinition``: the networks' own check (:func:`multus_gen.networks.nad.check_nad`), plus
  the chart prerequisites of its IPAM (whereabouts, the dhcp daemon) -- the same rule as for the IPAMs a
  generator's ``--ipam`` or a file's ``# inputs:`` header declares.
* Across documents: the companion CRD chart (FACTS 3, 3a), ``failurePolicy`` and the helm-controller fields.
* multus-gen spec files (:func:`spec_problems` runs the generator's pipeline on them).

Every rule has an id and one severity (:mod:`.catalog`); every fact comes from the knowledge tables and the
shipped overlays (what the generator would write); nothing here compares version numbers itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from multus_gen.check.chart_values import ValueChecker
from multus_gen.check.cluster import Cluster
from multus_gen.check.documents import (
    APPLICATION,
    FLEET,
    FLUX_SOURCE,
    HELMCHART,
    HELMCHARTCONFIG,
    HELMRELEASE,
    NAD,
    SPEC,
    VALUES_FILE,
    Source,
    kind_of,
)
from multus_gen.check.readers import (
    attach_configs,
    read_application,
    read_fleet,
    read_helmchart,
    read_helmrelease,
    read_values_file,
)
from multus_gen.check.state import Install, Run, dotted, overlay_leaves
from multus_gen.check.versions import version_check
from multus_gen.errors import InputError
from multus_gen.findings import Finding, JsonPath
from multus_gen.knowledge import charts, helm_controller, k3s
from multus_gen.record import record
from multus_gen.values.compose import get_path, merge
from multus_gen.yamlio.reader import Document


def _merge_values(run: Run, inst: Install) -> None:
    values: dict[str, Any] = {}
    for layer in inst.layers:
        values = merge(values, layer.values)
    for expr, as_string, layer in inst.sets:
        from multus_gen.values.strvals import parse_set  # only documents with --set style entries need it

        try:
            values = parse_set(expr, string_values=as_string, into=values, flag="set")
        except InputError as exc:  # e.g. walks through a scalar the values set: helm fails the same way
            run.out.add(layer.src, layer.doc, layer.at, "values-set-entry", exc.message, exc.fix)
            continue
        inst.layers.append(layer)
    inst.values = values


def _spec_of(doc: Document) -> dict[str, Any]:
    spec = doc.data.get("spec") if isinstance(doc.data, dict) else None
    return spec if isinstance(spec, dict) else {}


def _failure_policy(run: Run, inst: Install) -> None:
    policy, src, doc, at = _spec_of(inst.doc).get("failurePolicy"), inst.src, inst.doc, ("spec", "failurePolicy")
    for c_src, c_doc in inst.configs:
        c_policy = _spec_of(c_doc).get("failurePolicy")
        if c_policy:
            policy, src, doc, at = c_policy, c_src, c_doc, ("spec", "failurePolicy")
    if inst.kind != HELMCHART:
        policy = policy or "unknown"  # the HelmChart is not among the files: only what the config sets
    if not policy:
        run.out.add(
            src,
            doc,
            ("spec",),
            "failure-policy-missing",
            "no failurePolicy: helm-controller's default, reinstall, uninstalls Multus from every node when an "
            "upgrade fails",
            "set failurePolicy: abort",
        )
    elif policy == "reinstall":
        run.out.add(
            src,
            doc,
            at,
            "failure-policy-reinstall",
            "failurePolicy reinstall uninstalls Multus from every node when an upgrade fails",
            "set failurePolicy: abort",
        )
    _controller_accepts(run, inst)


def _controller_accepts(run: Run, inst: Install) -> None:
    """Every gated field and failurePolicy value against the CRD of the helm-controller the target K3s ships
    (FACTS 5): what it lacks, its API server rejects or drops, so the file is not applied."""
    if run.cluster.distro != "k3s":
        return
    line = helm_controller.for_k3s(run.cluster.k3s_version)
    ships = f"helm-controller {line.ships}, which K3s {run.cluster.k3s_version} ships" + (
        " (assumed: no source names it)" if line.assumed else ""
    )
    for obj_src, obj_doc in [(inst.src, inst.doc), *inst.configs]:
        obj_spec = _spec_of(obj_doc)
        for key in helm_controller.CHECKED_FIELDS:
            if key in obj_spec and not helm_controller.accepts_field(line.ships, key):
                accepting = helm_controller.k3s_accepting(field=key)
                run.out.add(
                    obj_src,
                    obj_doc,
                    ("spec", key),
                    "helm-controller-field",
                    f"spec.{key} is not in the HelmChart CRD of {ships}: its API server drops it; K3s that accept "
                    f"it: {', '.join(accepting) or 'none known'}",
                    "use valuesContent for values" if key == "values" else f"remove spec.{key} or target a newer K3s",
                )
        policy = obj_spec.get("failurePolicy")
        known = policy in helm_controller.FAILURE_POLICIES_ALL  # any other value is crd-shape's
        if known and isinstance(policy, str) and not helm_controller.accepts_policy(line.ships, policy):
            accepting = helm_controller.k3s_accepting(policy=policy)
            run.out.add(
                obj_src,
                obj_doc,
                ("spec", "failurePolicy"),
                "helm-controller-field",
                f"failurePolicy {policy} is not accepted by {ships}: its API server rejects the object "
                f"(Unsupported value) and K3s applies nothing of the file; K3s that accept it: "
                f"{', '.join(accepting) or 'none known'}",
                "set failurePolicy: abort",
            )


def _check_install(run: Run, inst: Install) -> None:
    if inst.kind != HELMCHARTCONFIG:
        field_name = {
            HELMCHART: "spec.version",
            HELMRELEASE: "spec.chart.spec.version",
            APPLICATION: "targetRevision",
            FLEET: "helm.version",
            VALUES_FILE: "--chart-version",
        }[inst.kind]
        if inst.kind == HELMCHART and inst.version_at == ("spec", "chart"):
            field_name = "the chart URL"
        version_src, version_doc = inst.src, inst.doc
        if inst.version_in is not None:
            version_src, version_doc, field_name = inst.version_in
        inst.facts = version_check(
            run, version_src, version_doc, inst.version_at, inst.chart, inst.version, field_name=field_name
        )
        if inst.kind == HELMCHART and inst.chart == charts.CHART_NAME and run.cluster.distro == "rke2":
            run.out.add(
                inst.src,
                inst.doc,
                ("spec", "chart"),
                "rke2-packaged-chart",
                "RKE2 packages rke2-multus itself: enable it with `cni: [multus, canal]` in the RKE2 config and "
                "configure it with a HelmChartConfig named rke2-multus, or this release fights RKE2's",
            )
    if isinstance(inst.version, str):
        inst.version = inst.version.strip()
    _merge_values(run, inst)
    if inst.kind in (HELMCHART, HELMCHARTCONFIG):
        _failure_policy(run, inst)
    if inst.chart == charts.CHART_NAME:
        ValueChecker(run, inst).check()


def _config_plugins(data: dict[str, Any]) -> list[tuple[JsonPath, dict[str, Any]]]:
    """(JSON path, plugin) of every plugin of a NAD's spec.config: the config itself, or each entry of a
    conflist's ``plugins``; a config that does not parse has none (the NAD checks report it)."""
    config = get_path(data, "spec", "config")
    try:
        parsed = json.loads(config) if isinstance(config, str) else None
    except (ValueError, RecursionError):
        return []
    if not isinstance(parsed, dict):
        return []
    plugins: list[tuple[JsonPath, Any]] = [(("spec", "config"), parsed)]
    if isinstance(parsed.get("plugins"), list):
        plugins = [(("spec", "config", "plugins", i), p) for i, p in enumerate(parsed["plugins"])]
    return [(where, plugin) for where, plugin in plugins if isinstance(plugin, dict)]


def _nad_ipams(data: dict[str, Any]) -> list[tuple[str, JsonPath]]:
    """(IPAM type, JSON path) of every plugin of a NAD's spec.config."""
    out = []
    for where, plugin in _config_plugins(data):
        ipam = plugin.get("ipam")
        if isinstance(ipam, dict) and isinstance(ipam.get("type"), str):
            out.append((ipam["type"], (*where, "ipam", "type")))
    return out


def _node_slices(data: dict[str, Any]) -> list[JsonPath]:
    """The JSON paths of the whereabouts ``node_slice_size`` keys of a NAD's spec.config."""
    return [
        (*where, "ipam", "node_slice_size")
        for where, plugin in _config_plugins(data)
        if isinstance(plugin.get("ipam"), dict)
        and plugin["ipam"].get("type") == "whereabouts"
        and plugin["ipam"].get("node_slice_size") is not None
    ]


def _native_vlans(data: dict[str, Any]) -> list[JsonPath]:
    """The JSON paths of the ``vlan`` keys of a NAD's bridge plugins that also carry ``vlanTrunk``."""
    return [
        (*where, "vlan")
        for where, p in _config_plugins(data)
        if p.get("type") == "bridge"
        and "vlanTrunk" in p
        and isinstance(p.get("vlan"), int)
        and not isinstance(p.get("vlan"), bool)
        and p["vlan"] > 0
    ]


def _check_native_vlan(run: Run, src: Any, doc: Any, where: JsonPath, multus: Sequence[Install]) -> None:
    """``bridge-native-vlan``: the CNI plugins an rke2-multus install in sight puts on the nodes (its
    ``cniplugins.image.tag``, else the chart version's default) refuse ``vlan`` beside ``vlanTrunk`` before v1.8.0."""
    for inst in multus:
        tag = get_path(inst.values, *charts.CNI_PLUGINS_KEYS)
        if not isinstance(tag, str):
            tag = charts.CNI_PLUGINS_TAGS.get(inst.version or "")
        release = charts.cni_plugins_release(tag) if tag else None
        if release is None or release >= charts.BRIDGE_NATIVE_VLAN_SINCE:
            continue
        since = ".".join(str(n) for n in charts.BRIDGE_NATIVE_VLAN_SINCE)
        newest = charts.VERIFIED[-1]
        run.out.add(
            src,
            doc,
            where,
            "bridge-native-vlan",
            f"vlan with vlanTrunk: rke2-multus {inst.version} (in {inst.src.file}) installs CNI plugins {tag}, whose "
            f'bridge refuses the pair ("cannot set vlan and vlanTrunk at the same time"; v{since} and later take '
            "vlan as the trunk's native VLAN): pods on this network do not start",
            f"drop vlan, or use rke2-multus {newest} (CNI plugins {charts.CNI_PLUGINS_TAGS[newest]})",
        )
        return


def _check_node_slice(run: Run, src: Any, doc: Any, where: JsonPath, multus: Sequence[Install]) -> None:
    """``ipam-prerequisite`` of ``node_slice_size``: an rke2-multus install that runs the node-slice controller
    (the value set, on a chart version that has it)."""
    keys = charts.NODE_SLICE_KEYS
    enabled = [i for i in multus if get_path(i.values, *keys) is True]
    if any(i.version is None or charts.has_node_slice_controller(i.version) for i in enabled):  # None: RKE2's own
        return
    if enabled:
        version = enabled[0].version
        message = (
            f"node_slice_size needs whereabouts' node-slice controller, which rke2-multus {version} does not "
            f"have: {dotted(keys)} does nothing there ({charts.NODE_SLICE_SOURCE})"
        )
        fix = f"use rke2-multus {charts.NODE_SLICE_SINCE} or newer, or drop node_slice_size"
    else:
        message = (
            f"node_slice_size needs whereabouts' node-slice controller, but no rke2-multus install among the checked "
            f"files sets {dotted(keys)}: true: no node gets a slice, and pods get no address"
        )
        fix = f"set {dotted(keys)}: true in the rke2-multus values (multus-gen render sets it)"
    run.out.add(src, doc, where, "ipam-prerequisite", message, fix)


def _check_declared_ipams(run: Run, ipams: Sequence[str]) -> None:
    """The IPAMs the networks will use, declared rather than seen as NADs (``--ipam`` of a generator, or the
    ``# inputs:`` header of a file it wrote): every rke2-multus install must set what each one needs (the
    rule of NADs' IPAM prerequisites, applied to the declaration)."""
    params = run.cluster.params()
    for inst in run.installs:
        if inst.chart != charts.CHART_NAME or inst.partial:
            continue
        for ipam in [i for i in charts.IPAMS if i in ipams or i in inst.src.ipams]:
            for keys, value in overlay_leaves([f"ipam/{ipam}"], params):
                if value is True and get_path(inst.values, *keys) is not True:
                    src, doc, at = inst.origin(keys)
                    run.out.add(
                        src,
                        doc,
                        at,
                        "ipam-prerequisite",
                        f"the networks use {ipam}, but {dotted(keys)} is not true: nothing on the nodes serves {ipam}",
                        f"set {dotted(keys)}: true",
                    )


def _check_nads(run: Run, *, checked: bool = False) -> None:
    k3s_paths = run.cluster.k3s_paths
    multus = [i for i in run.installs if i.chart == charts.CHART_NAME]
    params = run.cluster.params()
    for src, doc in run.nads:
        try:
            findings = [] if checked else _nad_findings(doc.data, k3s_paths)
        except RecursionError:
            run.out.add(
                src, doc, ("spec", "config"), "nad-config-depth", "spec.config nests too deeply to be a CNI config"
            )
            continue
        for f in findings:
            run.out.found(src, doc, f)
        if not multus:
            continue
        for ipam, where in _nad_ipams(doc.data):
            if ipam not in charts.IPAMS:
                continue  # an IPAM the chart installs nothing for (static, or not one multus-gen knows)
            needs = [(k, v) for k, v in overlay_leaves([f"ipam/{ipam}"], params) if v is True]
            for keys, value in needs:
                if not any(get_path(i.values, *keys) == value for i in multus):
                    run.out.add(
                        src,
                        doc,
                        where,
                        "ipam-prerequisite",
                        f"a {ipam} network, but no rke2-multus install among the checked files sets "
                        f"{dotted(keys)}: true, so nothing on the nodes serves it",
                        f"set {dotted(keys)}: true in the rke2-multus values",
                    )
        for where in _node_slices(doc.data):
            _check_node_slice(run, src, doc, where, multus)
        for where in _native_vlans(doc.data):
            _check_native_vlan(run, src, doc, where, multus)


def _crd_install_fix(inst: Install, facts: charts.ChartFacts) -> str:
    """The helm command that installs the CRD chart beside a release installed by hand."""
    whereabouts = get_path(inst.values, "rke2-whereabouts", "enabled") is True
    extra = " --set rke2-whereabouts.enabled=true" if whereabouts else ""
    return (
        f"also run `helm install multus-crd rke2-charts/{charts.CRD_CHART_NAME} -n kube-system "
        f"--version {facts.crd_chart_version}{extra}`"
    )


def _nad_findings(data: dict[str, Any], k3s_paths: k3s.K3sPaths | None) -> list[Finding]:
    from multus_gen.networks.nad import check_nad

    return check_nad(data, k3s_paths=k3s_paths)


def _folder_of(inst: Install) -> str:
    return str(Path(inst.src.file).parent)


def _check_crd_companions(run: Run) -> None:
    """Pair every rke2-multus install with its rke2-multus-crd installs: those of its own file, else those of
    its folder when the folder holds no other rke2-multus install (a repository keeps each cluster in a folder
    of its own; a folder of many installs is a collection, not one cluster), else -- only for "is there one at
    all" and for a set that holds a single one -- the rke2-multus-crd installs of the whole set."""
    multus = [i for i in run.installs if i.chart == charts.CHART_NAME and i.facts is not None]
    crds = [i for i in run.installs if i.chart == charts.CRD_CHART_NAME]
    crds_in_file: dict[str, list[Install]] = {}
    crds_in_folder: dict[str, list[Install]] = {}
    for crd in crds:
        crds_in_file.setdefault(crd.src.file, []).append(crd)
        crds_in_folder.setdefault(_folder_of(crd), []).append(crd)
    multus_in_folder: dict[str, int] = {}
    for inst in run.installs:
        if inst.chart == charts.CHART_NAME:
            multus_in_folder[_folder_of(inst)] = multus_in_folder.get(_folder_of(inst), 0) + 1
    params = run.cluster.params()
    reported: set[tuple[int, tuple[str, ...]]] = set()
    for inst in multus:
        facts = inst.facts
        assert facts is not None
        folder = _folder_of(inst)
        near = crds_in_file.get(inst.src.file, [])
        if not near and multus_in_folder.get(folder) == 1:
            near = crds_in_folder.get(folder, [])
        if not facts.needs_crd_chart:
            for crd in near:
                run.out.add(
                    crd.src,
                    crd.doc,
                    crd.chart_at,
                    "crd-chart-duplicate",
                    f"rke2-multus {inst.version} (in {inst.src.file}) ships the CRDs itself ({facts.crds.source}): "
                    "installing rke2-multus-crd as well makes two releases own the same CRDs",
                    "remove the rke2-multus-crd install, or use rke2-multus v4.3.009 or newer",
                )
            continue
        if not near and not crds:
            plain = inst.kind == VALUES_FILE  # installed by hand with helm: the CRD chart is another command
            run.out.add(
                inst.src,
                inst.doc,
                inst.chart_at,
                "crd-chart-reminder" if plain else "crd-chart-missing",
                f"rke2-multus {inst.version} ships no CRDs"
                + (
                    ": install the NetworkAttachmentDefinition CRD with rke2-multus-crd too"
                    if plain
                    else " and no rke2-multus-crd install is among (or beside) the checked files: without it there "
                    "is no NetworkAttachmentDefinition CRD"
                ),
                _crd_install_fix(inst, facts)
                if plain
                else f"install rke2-multus-crd {facts.crd_chart_version} too; multus-gen helmchart writes both",
            )
            continue
        paired = near or (crds if len(crds) == 1 else [])
        ipams = ["whereabouts"] if get_path(inst.values, "rke2-whereabouts", "enabled") is True else []
        for ipam in ipams:
            for keys, value in overlay_leaves(charts.CRD_CHART_IPAM_OVERLAYS.get(ipam, ()), params):
                for crd in paired:
                    if get_path(crd.values, *keys) == value or (id(crd), keys) in reported:
                        continue
                    reported.add((id(crd), keys))
                    src, doc, at = crd.origin(keys)
                    run.out.add(
                        src,
                        doc,
                        at,
                        "crd-chart-ipam",
                        f"rke2-multus (in {inst.src.file}) enables {ipam}, but this rke2-multus-crd install does not "
                        f"set {dotted(keys)}: {json.dumps(value)}: rke2-multus-crd up to 4.3.017 renders the "
                        f"{ipam} CRDs only then",
                        f"set {dotted(keys)}: {json.dumps(value)} in the rke2-multus-crd values",
                    )


@record
class Result:
    """Findings, and which files held documents of ours (file -> kinds, in order)."""

    problems: list[Finding]
    ours: dict[str, list[str]]


def check_sources(
    sources: Iterable[Source],
    cluster: Cluster,
    *,
    values_files: Iterable[Source] = (),
    chart_version: str = charts.DEFAULT_CHART_VERSION,
    context: Iterable[Source] = (),
    checked_nads: bool = False,
    ipams: Sequence[str] = (),
) -> Result:
    """Check every document of ``sources`` (and every plain values file in ``values_files``) together.

    ``context``: more files whose installs and NADs take part in the checks across files (the companion CRD
    chart, a HelmChartConfig, the IPAM prerequisites) but whose own findings are not reported -- e.g. the
    unchanged neighbours of the files a pre-commit run names. Spec documents are recognised (listed in
    ``ours``) but left to :func:`spec_problems`.
    """
    run = Run(cluster)
    context = list(context)
    quiet = {src.file for src in context}
    for src in [*sources, *context]:
        for doc in src.docs:
            kind = kind_of(doc.data, src.name)
            if kind == HELMCHART:
                read_helmchart(run, src, doc)
            elif kind == HELMCHARTCONFIG:
                run.configs.append((src, doc))
            elif kind == NAD:
                run.mark(src, NAD)
                run.nads.append((src, doc))
            elif kind == HELMRELEASE:
                run.releases.append((src, doc))  # read once every Flux source is known (chartRef)
            elif kind == FLUX_SOURCE:
                meta = doc.data.get("metadata")
                meta = meta if isinstance(meta, dict) else {}
                key = (str(doc.data["kind"]), str(meta.get("namespace") or "default"), str(meta.get("name")))
                run.flux_sources.setdefault(key, (src, doc))
            elif kind == APPLICATION:
                read_application(run, src, doc)
            elif kind == FLEET:
                read_fleet(run, src, doc)
            elif kind == SPEC:
                run.mark(src, SPEC)
    for src, doc in run.releases:
        read_helmrelease(run, src, doc)
    for src in values_files:
        for doc in src.docs:
            read_values_file(run, src, doc, chart_version)
    attach_configs(run)
    for inst in run.installs:
        _check_install(run, inst)
    _check_crd_companions(run)
    _check_nads(run, checked=checked_nads)
    _check_declared_ipams(run, ipams)
    problems = [p for p in _dedupe(run.out.items) if p.at.file not in quiet]
    return Result(problems, {k: v for k, v in run.ours.items() if k not in quiet})


def check_documents(
    docs: Sequence[tuple[str, dict[str, Any]]],
    cluster: Cluster,
    *,
    values: dict[str, Any] | None = None,
    chart_version: str = charts.DEFAULT_CHART_VERSION,
    checked_nads: bool = False,
    ipams: Sequence[str] = (),
) -> list[Finding]:
    """The rules of :func:`check_sources` on documents built in memory: ``(label, document)`` pairs, each label
    standing for the file the document goes to (``fleet.yaml`` labels end in it). ``values``: chart values
    to check as a plain values file. ``checked_nads``: the NADs were checked already, by the same rules, when
    they were built; they take part only in the checks across documents. ``ipams``: the IPAMs the networks
    will use, declared (``--ipam``)."""
    sources = [Source(label, [Document(doc, {}, 0)], label.rsplit("/", 1)[-1]) for label, doc in docs]
    value_sources = [Source("chart values", [Document(values, {}, 0)])] if values is not None else []
    return check_sources(
        sources,
        cluster,
        values_files=value_sources,
        chart_version=chart_version,
        checked_nads=checked_nads,
        ipams=ipams,
    ).problems


def _dedupe(items: list[Finding]) -> list[Finding]:
    seen: set[Finding] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
