"""The core pipeline behind the commands: options -> plan -> documents -> validation -> files.

Returns plain data (documents, notices, ``Manifest`` files); the CLI renders and delivers it.

Formats (``--format`` / the spec's ``format``) and the files ``render`` writes per cluster (``P`` is
``<cluster>/`` in a fleet spec, ``N`` the chart name):

========================= =====================================================================================
helmchart                 ``P/N.yaml`` (HelmCharts), ``P/N-networks.yaml`` (NADs)
helmchartconfig           ``P/S-config.yaml`` (HelmChartConfigs), ``P/S-networks.yaml``; ``S`` is ``N`` without
                          ``rke2-`` (RKE2 writes its own ``rke2-multus.yaml`` into its manifests folder)
argocd                    ``P/N.yaml`` (Applications, sync waves), ``P/N-networks.yaml`` (NADs, a later wave)
flux                      ``P/kustomization.yaml`` -> ``P/N-flux.yaml`` (two Flux Kustomizations: ``N`` applies
                          ``P/N/`` (HelmRepository, HelmReleases), ``N-networks`` applies ``P/N-networks/`` after it)
fleet                     ``P/N-crd/fleet.yaml``, ``P/N/fleet.yaml``, ``P/N-networks/{fleet.yaml,N-networks.yaml}``
========================= =====================================================================================

In a fleet spec every cluster folder of the stream formats also gets a ``kustomization.yaml`` listing its files,
so ``kubectl kustomize <cluster>`` builds it. Nothing top-level: one kustomization over all clusters would
merge the same-named objects of different clusters.

A fleet renders identical chart inputs once: plans, validated documents and their YAML text are memoized per
``render_spec`` call (:class:`RenderCache`), keyed by the options and networks that produce them. Each network's
NAD (built, checked, validated, serialized) is memoized on its own options, so clusters that differ in one
network share the others; the checks across a cluster's networks run for every cluster.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Hashable, Iterable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multus_gen import __version__
from multus_gen.build import gitops
from multus_gen.build.helmchart import SPEC_FLAGS, build_helmchartconfigs, build_helmcharts
from multus_gen.build.plan import ChartPlan, make_plan
from multus_gen.errors import InputError, MultusGenError, ValidationError
from multus_gen.findings import Finding, JsonPath, Location, allow
from multus_gen.model.options import GenOptions, resolve_format
from multus_gen.record import record, replace
from multus_gen.yamlio.serialize import Manifest, documents, dump_values, header

if TYPE_CHECKING:  # the network and check modules load only when used
    from multus_gen.check.cluster import Cluster
    from multus_gen.model.spec import ClusterSpec, Spec
    from multus_gen.networks.nad_build import NadOptions
from multus_gen.check.schemas import require_valid
from multus_gen.values.compose import sort_keys, user_origin

#: Our schema (schemas/<name>.schema.json) for every kind of document multus-gen emits.
SCHEMAS: dict[tuple[str, str], str] = {
    ("helm.cattle.io/v1", "HelmChart"): "helmchart",
    ("helm.cattle.io/v1", "HelmChartConfig"): "helmchartconfig",
    (gitops.HELMREPOSITORY_API, "HelmRepository"): "flux-helmrepository",
    (gitops.HELMRELEASE_API, "HelmRelease"): "flux-helmrelease",
    (gitops.KUSTOMIZATION_API, "Kustomization"): "flux-kustomization",
    (gitops.APPLICATION_API, "Application"): "argocd-application",
    ("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition"): "networkattachmentdefinition",
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"): "kustomization",
}
FLEET_SCHEMA = "fleet"
KUSTOMIZATION_FILE = "kustomization.yaml"


def validate_doc(doc: dict[str, Any], where: str | None = None) -> None:
    """Raise ValidationError (one line) if ``doc`` breaks our schema for its kind."""
    name = SCHEMAS[(doc["apiVersion"], doc["kind"])]
    require_valid(name, doc, where=where or f"{doc['kind']} {doc['metadata'].get('name', '')}".strip())


@record
class Generated:
    docs: list[dict[str, Any]]
    notices: tuple[Finding, ...]
    plan: ChartPlan


@record
class Install:
    """The chart installation in one format: documents for one YAML stream, or (fleet) bundles."""

    format: str
    docs: list[dict[str, Any]]
    bundles: list[tuple[str, dict[str, Any]]]


def inputs_of(opts: GenOptions, fmt: str | None = None) -> list[tuple[str, str]]:
    """The command's inputs, resolved, for the output header (no timestamps, no absolute paths of ours).

    K3s-only inputs are left out on RKE2; helm-controller-only ones for the GitOps engines.
    """
    items = [("distro", opts.distro)]
    if fmt not in (None, "helmchart"):
        items.append(("format", str(fmt)))
    items.append(("ipam", opts.ipam))
    if opts.distro == "k3s":
        items += [("k3s-version", str(opts.k3s_version)), ("data-dir", opts.data_dir)]
    items += [("chart-version", opts.chart_version), ("name", opts.name), ("namespace", opts.namespace)]
    if fmt not in ("flux", "argocd", "fleet"):
        items.append(("failure-policy", opts.failure_policy))
    if not opts.bootstrap and fmt in (None, "helmchart"):
        items.append(("bootstrap", "false"))
    if "primary_cni" in opts.given:
        items.append(("cni", opts.primary_cni))
    if opts.rke2_version is not None:
        items.append(("rke2-version", opts.rke2_version))
    if opts.from_values is not None:
        items.append(("--from-values", str(opts.from_values)))
    if opts.from_chart_version is not None:
        items.append(("from-chart-version", opts.from_chart_version))
    items += [("-f", str(path)) for path in opts.user.files]
    items += [("--set", expr) for expr in opts.user.set]
    items += [("--set-string", expr) for expr in opts.user.set_string]
    items += [("--set-json", expr) for expr in opts.user.set_json]
    items += [("--set-file", expr) for expr in opts.user.set_file]
    items += [("--allow", rule) for rule in opts.allow]  # what the output was let through with
    items += opts.source.inputs()
    return items


#: Where each kind of document the builders write keeps the chart values (findings in them are values).
VALUES_AT: tuple[JsonPath, ...] = (
    ("spec", "valuesContent"),  # HelmChart, HelmChartConfig
    ("spec", "values"),  # Flux HelmRelease
    ("spec", "source", "helm", "valuesObject"),  # Argo CD Application
    ("helm", "values"),  # Fleet fleet.yaml
)


def cluster_of(opts: GenOptions) -> Cluster:
    """The cluster ``opts`` describes, as the checks see it."""
    from multus_gen.check.cluster import Cluster

    return Cluster(opts.distro, opts.k3s_version, opts.data_dir)


def _from_user(finding: Finding, opts: GenOptions, anchors: tuple[JsonPath, ...]) -> Finding:
    """A finding about a chart value the user set, located at the flag or file that set it."""
    path = finding.at.path or ()
    for anchor in anchors:
        if path[: len(anchor)] == anchor and len(path) > len(anchor):
            keys = path[len(anchor) :]
            origin = user_origin(opts.user, keys)
            if origin is not None:
                return replace(finding, at=Location(flag=origin, path=keys))
    return finding


def _from_flag(finding: Finding) -> Finding:
    """A finding about a HelmChart field a flag set (``spec.plainHTTP``: ``--plain-http``), located at that
    flag: the user gave the flag, not the field (a spec file re-points it at its chart key)."""
    path = finding.at.path or ()
    if finding.rule == "chart-version-ipam" and finding.at.flag is None:
        # the version cannot run an IPAM multus-gen's own values enable: the version given is what to change
        return replace(finding, at=Location(flag="--chart-version"))
    flag = SPEC_FLAGS.get(str(path[1])) if len(path) == 2 and path[0] == "spec" else None
    if flag is None or not (finding.at.file or "").startswith(("HelmChart ", "HelmChartConfig ")):
        return finding
    fix = (finding.fix or "").replace(f"remove spec.{path[1]}", f"drop {flag}") or None
    return replace(finding, at=Location(flag=flag), fix=fix)


def settle(
    findings: Sequence[Finding], opts: GenOptions, *, anchors: tuple[JsonPath, ...] = VALUES_AT
) -> tuple[Finding, ...]:
    """What the generators do with the checks' findings on their own output: errors refuse (one line, the
    first error and how many more), unless ``--allow`` names their rule; warnings and notes are returned."""
    settled = [_from_flag(_from_user(f, opts, anchors)) for f in allow(findings, opts.allow)]
    errors = [f for f in settled if f.is_error]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more: {', '.join(sorted({e.rule or '?' for e in errors[1:]}))})"
        raise ValidationError.of(replace(first, message=first.message + (more if len(errors) > 1 else "")))
    return tuple(settled)


def check_install(plan: ChartPlan, install: Install, nads: Sequence[dict[str, Any]] = ()) -> tuple[Finding, ...]:
    """The rules of ``validate`` on the documents built for ``plan`` (and the cluster's NADs, for the checks
    across documents), settled: an error refuses (:func:`settle`)."""
    from multus_gen.check.rules import check_documents

    docs = [(f"{d['kind']} {d['metadata']['name']}", d) for d in install.docs]
    docs += [(bundle_file(bundle), doc) for bundle, doc in install.bundles]
    docs += [(f"NAD {d['metadata']['name']}", d) for d in nads]
    findings = check_documents(docs, cluster_of(plan.opts), checked_nads=True, ipams=plan.opts.ipams)
    # A HelmChartConfig of ours configures a HelmChart that is not among the documents by design.
    findings = [f for f in findings if f.rule != "helmchartconfig-orphan"]
    return plan.notices + gitops.repository_notes(plan.opts, install.format) + settle(findings, plan.opts)


def build_install(plan: ChartPlan, fmt: str) -> Install:
    """The chart installation of ``plan`` in format ``fmt``, every document validated against our schemas."""
    if fmt == "fleet":
        bundles = gitops.build_fleet(plan)
        for bundle, doc in bundles:
            require_valid(FLEET_SCHEMA, doc, where=f"{bundle}/{gitops.FLEET_FILE}")
        return Install(fmt, [], bundles)
    builders = {
        "helmchart": build_helmcharts,
        "helmchartconfig": build_helmchartconfigs,
        "flux": gitops.build_flux,
        "argocd": gitops.build_argocd,
    }
    docs = builders[fmt](plan)
    for doc in docs:
        validate_doc(doc)
    return Install(fmt, docs, [])


def generate_install(opts: GenOptions, fmt: str | None = None) -> tuple[ChartPlan, Install, tuple[Finding, ...]]:
    """The chart installation in format ``fmt``, checked: the plan, the documents and the findings to show."""
    plan = make_plan(opts)
    install = build_install(plan, resolve_format(fmt, opts))
    return plan, install, check_install(plan, install)


def generate_helmcharts(opts: GenOptions) -> Generated:
    """The K3s HelmChart(s) for ``opts``."""
    plan, install, notices = generate_install(opts, "helmchart")
    return Generated(install.docs, notices, plan)


def bundle_file(bundle: str) -> str:
    return f"{bundle}/{gitops.FLEET_FILE}"


def _path_stream(manifests: Sequence[Manifest]) -> str:
    """Several files as one text: each preceded by a ``# path: <file>`` comment (a YAML comment line)."""
    return "".join(f"# path: {m.path}\n{m.content}" for m in manifests)


def helmchart_text(
    opts: GenOptions, command: str = "helmchart", fmt: str | None = None
) -> tuple[str, tuple[Finding, ...]]:
    """The chart installation as text: one YAML stream, or for fleet each bundle's fleet.yaml after a
    ``# path: <bundle>/fleet.yaml`` line."""
    _plan, install, notices = generate_install(opts, fmt)
    head = header(command, inputs_of(opts, install.format), __version__)
    if install.format == "fleet":
        files = [Manifest(bundle_file(b), documents([doc], head)) for b, doc in install.bundles]
        return _path_stream(files), notices
    return documents(install.docs, head), notices


def values_text(opts: GenOptions) -> tuple[str, tuple[Finding, ...]]:
    """The rke2-multus values alone (a ``multus-values.yaml`` for ``helm install -f``)."""
    from multus_gen.check.rules import check_documents

    plan = make_plan(opts)
    findings = check_documents(
        [], cluster_of(opts), values=plan.values, chart_version=opts.chart_version, ipams=opts.ipams
    )
    notices = plan.notices + settle(findings, opts, anchors=((),))
    text = header("values", inputs_of(opts), __version__) + dump_values(sort_keys(plan.values))
    return text, notices


# -- spec files --------------------------------------------------------------------------------------------


@record
class RenderedCluster:
    """One cluster of a spec, ready for a sink: its files and what to tell the user."""

    name: str | None
    manifests: list[Manifest]
    notices: tuple[Finding, ...]
    format: str = "helmchart"


class RenderCache:
    """Memo of one ``render_spec`` run: identical chart inputs and networks are built, validated and
    serialized once however many clusters share them. Not shared between runs (user files may change)."""

    def __init__(self) -> None:
        self._memo: dict[Hashable, Any] = {}

    def get(self, key: Hashable, make: Any) -> Any:
        try:
            return self._memo[key]
        except KeyError:
            value = self._memo[key] = make()
            return value

    def forget(self, *kinds: str) -> None:
        """Drop the entries of these kinds (the first item of their key): what no later call asks for."""
        dead = [k for k in self._memo if isinstance(k, tuple) and k and k[0] in kinds]
        for key in dead:
            del self._memo[key]


def options_key(opts: GenOptions) -> Hashable:
    """A hashable key for ``opts`` (inline spec values are dicts: keyed by their canonical JSON)."""
    inline = json.dumps(opts.user.inline, sort_keys=True, default=str)
    return (replace(opts, user=replace(opts.user, inline=())), inline)


def flux_path(gitops_path: str, rel: str) -> str:
    """The ``spec.path`` of a Flux Kustomization for folder ``rel`` below ``gitops_path``."""
    return "./" + posixpath.join(gitops_path, rel) if gitops_path else "./" + rel


def kustomization(resources: Sequence[str]) -> dict[str, Any]:
    return {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": list(resources),
    }


@record
class _Networks:
    docs: list[dict[str, Any]]
    #: the options each document was built from (the memo key of its text)
    options: tuple[NadOptions, ...]
    warnings: tuple[Finding, ...]


def _validate_nad(doc: dict[str, Any]) -> None:
    validate_doc(doc, where=f"NAD {doc['metadata']['name']}")


def _networks(spec: Spec, cluster: ClusterSpec, memo: RenderCache) -> _Networks:
    """The cluster's NADs: each distinct network built and validated once per run, the checks across networks
    done for every cluster."""
    from multus_gen.networks.across import BuiltNetwork, build_network, build_networks

    def build(options: NadOptions) -> BuiltNetwork:
        built: BuiltNetwork = memo.get(("network", options), lambda: build_network(options))
        return built

    cidr_windows = memo.get(("cidr-windows",), dict)
    built = build_networks(spec, replace(cluster, name=None), build, cidr_windows)  # warnings unprefixed: shared
    options = tuple(n.options for n in cluster.networks)
    for opts, doc in zip(options, built.docs, strict=True):
        memo.get(("network-valid", opts), partial(_validate_nad, doc))
    return _Networks(built.docs, options, built.warnings)


def chart_file_stem(name: str, fmt: str) -> str:
    """File name (without .yaml) of the chart installation: ``<name>``, or ``<chart>-config`` for a
    HelmChartConfig (``rke2-multus`` -> ``multus-config``: a file named after a packaged chart would be
    overwritten by RKE2's own manifest of that name)."""
    return name.removeprefix("rke2-") + "-config" if fmt == "helmchartconfig" else name


def render_cluster(
    spec: Spec, cluster: ClusterSpec, *, gitops_path: str | None = ".", cache: RenderCache | None = None
) -> RenderedCluster:
    """The files of one cluster in its format (see the module docstring).

    The NADs always get their own file (their own Flux Kustomization, Fleet bundle, Argo CD sync wave), so that
    a NAD applied before its CRD exists cannot hold back the chart (FACTS.md 6, 9). ``gitops_path``: the
    folder the spec renders into, relative to the Git repository root (Flux Kustomizations name it).
    """
    memo = cache if cache is not None else RenderCache()
    opts = cluster.gen
    fmt = cluster.format
    okey = options_key(opts)

    def make_install() -> tuple[ChartPlan, Install]:
        plan = make_plan(opts)
        return plan, build_install(plan, fmt)

    plan, install = memo.get(("install", okey, fmt), make_install)
    nkey = ("networks", tuple(n.options for n in cluster.networks), cluster.cluster_cidrs, cluster.service_cidrs)
    nets: _Networks = memo.get(nkey, lambda: _networks(spec, cluster, memo))
    # the checks of validate on the install and the NADs together (an IPAM's chart prerequisites)
    probes = _ipam_probes(nets)
    probe_key = tuple(doc["metadata"]["name"] for doc in probes)
    try:
        checked = memo.get(("checked", okey, fmt, probe_key), lambda: check_install(plan, install, probes))
    except MultusGenError as exc:  # about a flag: the spec key that stands for it
        raise spec.flag_error(cluster, exc) from None

    inputs = [("spec", str(spec.path))] + ([("cluster", cluster.name)] if cluster.name else [])
    keep = ("distro", "format", "ipam", "k3s-version", "data-dir", "chart-version")
    head = header("render", inputs + [i for i in inputs_of(opts, fmt) if i[0] in keep], __version__)
    prefix = f"{cluster.name}/" if cluster.name else ""

    def text(key: Hashable, docs: Any) -> str:
        body: str = memo.get(("text", key), lambda: documents(docs() if callable(docs) else docs))
        return head + body

    def networks_text() -> str:
        """The NADs' file: each NAD serialized once per run (a stream is its documents' texts, joined)."""
        argocd = fmt == "argocd"
        pairs = zip(nets.options, nets.docs, strict=True)
        return head + "".join(memo.get(("nad-text", o, argocd), partial(_nad_text, d, argocd)) for o, d in pairs)

    name = opts.name
    files: list[Manifest] = []
    has_networks = bool(nets.docs)
    if fmt in ("helmchart", "helmchartconfig", "argocd"):
        stem = chart_file_stem(name, fmt)
        net_stem = name.removeprefix("rke2-") if fmt == "helmchartconfig" else name
        files.append(Manifest(f"{prefix}{stem}.yaml", text(("install", okey, fmt), install.docs)))
        if has_networks:
            files.append(Manifest(f"{prefix}{net_stem}-networks.yaml", networks_text()))
        if spec.fleet:
            resources = [m.path.rsplit("/", 1)[-1] for m in files]
            files.append(
                Manifest(
                    f"{prefix}{KUSTOMIZATION_FILE}", text(("kustomization", *resources), [kustomization(resources)])
                )
            )
    elif fmt == "flux":
        if gitops_path is None:
            raise InputError(
                "Flux Kustomizations need the path of the output folder inside the Git repository, "
                "and --out-dir is absolute",
                where="--gitops-path",
                fix="pass --gitops-path (relative to the repository root) or set gitops.path in the spec",
            )
        files += _flux_files(spec, plan, install, networks_text() if has_networks else None, prefix, gitops_path, text)
    else:  # fleet
        for bundle, doc in install.bundles:
            files.append(Manifest(f"{prefix}{bundle_file(bundle)}", text(("bundle", okey, bundle), [doc])))
        if has_networks:
            bundle = f"{name}-networks"
            fleet_doc = memo.get(("networks-bundle", okey), lambda: _fleet_networks(plan, bundle))
            files.append(Manifest(f"{prefix}{bundle_file(bundle)}", text(("bundle", okey, bundle), [fleet_doc])))
            files.append(Manifest(f"{prefix}{bundle}/{bundle}.yaml", networks_text()))
    notices = checked + tuple(replace(w, at=replace(w.at, label=f"{prefix}{w.at.label}")) for w in nets.warnings)
    return RenderedCluster(cluster.name, files, notices, fmt)


def _ipam_probes(nets: _Networks) -> list[dict[str, Any]]:
    """The first NAD of each IPAM kind: the install's checks across documents (an IPAM's chart prerequisites)
    depend on the kinds only, and each NAD was checked on its own when it was built."""
    first: dict[str, dict[str, Any]] = {}
    for opts, doc in zip(nets.options, nets.docs, strict=True):
        first.setdefault(opts.ipam.kind, doc)
    return list(first.values())


def _nad_text(doc: dict[str, Any], argocd: bool) -> str:
    """One NAD as a YAML stream without header (Argo CD: with its sync wave)."""
    return documents([gitops.argocd_nad(doc) if argocd else doc])


def _fleet_networks(plan: ChartPlan, bundle: str) -> dict[str, Any]:
    doc = gitops.fleet_networks_bundle(plan, bundle)
    require_valid(FLEET_SCHEMA, doc, where=bundle_file(bundle))
    return doc


#: Stands for a cluster's folder prefix in the cached text of its Flux Kustomizations: the only part of them
#: that differs between clusters. It cannot occur in a gitops path or a cluster name (``@`` is refused in
#: both), and a path of plain characters serializes unquoted, so the substitution is exact.
_PREFIX_MARK = "@@cluster@@/"


def _flux_kustomizations(spec: Spec, plan: ChartPlan, gitops_path: str, with_networks: bool) -> list[dict[str, Any]]:
    name = plan.opts.name
    source = spec.flux_source
    docs = [
        gitops.flux_kustomization(
            name=name, path=flux_path(gitops_path, _PREFIX_MARK + name), source=source, prune=False, wait=True
        )
    ]
    if with_networks:
        docs.append(
            gitops.flux_kustomization(
                name=f"{name}-networks",
                path=flux_path(gitops_path, f"{_PREFIX_MARK}{name}-networks"),
                source=source,
                prune=True,
                wait=False,
                depends_on=[name],
            )
        )
    for doc in docs:
        validate_doc(doc)
    return docs


def _flux_files(
    spec: Spec,
    plan: ChartPlan,
    install: Install,
    networks_text: str | None,
    prefix: str,
    gitops_path: str,
    text: Any,
) -> list[Manifest]:
    """The Flux files of one cluster; ``networks_text``: its NADs' file (None: it has no networks)."""
    name = plan.opts.name
    networks = f"{name}-networks"
    has_networks = networks_text is not None

    def listing(folder: str, file: str) -> Manifest:
        return Manifest(f"{prefix}{folder}{KUSTOMIZATION_FILE}", text(("kustomization", file), [kustomization([file])]))

    flux_file = f"{name}-flux.yaml"
    flux_key = ("flux", gitops_path, spec.flux_source, name, has_networks)
    flux_text = text(flux_key, lambda: _flux_kustomizations(spec, plan, gitops_path, has_networks))
    files = [
        listing("", flux_file),
        Manifest(f"{prefix}{flux_file}", flux_text.replace(_PREFIX_MARK, prefix)),
        listing(f"{name}/", f"{name}.yaml"),
        Manifest(f"{prefix}{name}/{name}.yaml", text(("install", options_key(plan.opts), "flux"), install.docs)),
    ]
    if networks_text is not None:
        files.append(listing(f"{networks}/", f"{networks}.yaml"))
        files.append(Manifest(f"{prefix}{networks}/{networks}.yaml", networks_text))
    return files


def render_spec(
    spec: Spec, *, gitops_path: str | None = ".", cache: RenderCache | None = None
) -> Iterator[RenderedCluster]:
    """Each cluster of the spec in order, one at a time (a fleet is streamed, not held in memory); identical
    chart inputs and networks across clusters are built and serialized once (per ``cache``)."""
    memo = cache if cache is not None else RenderCache()
    for cluster in spec.clusters:
        yield render_cluster(spec, cluster, gitops_path=gitops_path, cache=memo)


class Rerendered:
    """The clusters of a checked spec, files and all, one at a time from the run's memo; each iteration renders
    them again (the same files), so a sink may go over them twice -- check every target, then write -- without
    holding the whole fleet's files."""

    def __init__(self, spec: Spec, gitops_path: str | None, cache: RenderCache) -> None:
        self._args = (spec, gitops_path, cache)

    def __iter__(self) -> Iterator[RenderedCluster]:
        spec, gitops_path, cache = self._args
        return render_spec(spec, gitops_path=gitops_path, cache=cache)

    def manifests(self) -> Iterable[Manifest]:
        """Every file of every cluster, in order; may be iterated again (see the class)."""
        return _Manifests(self)


class _Manifests:
    def __init__(self, clusters: Rerendered) -> None:
        self._clusters = clusters

    def __iter__(self) -> Iterator[Manifest]:
        return (m for cluster in self._clusters for m in cluster.manifests)


def render_checked(spec: Spec, *, gitops_path: str | None = ".") -> tuple[list[RenderedCluster], Rerendered]:
    """``(summaries, clusters)``: every cluster is rendered and checked first -- ``summaries`` keep each one's
    name, format and notices, not its files -- then ``clusters`` yields them again, files and all, one at a
    time from this run's memo (:class:`Rerendered`). A sink writing from ``clusters`` thus writes nothing when
    any cluster is wrong, and never holds the whole fleet's files."""
    cache = RenderCache()
    summaries = [replace(c, manifests=[]) for c in render_spec(spec, gitops_path=gitops_path, cache=cache)]
    # The writing pass finds every cluster's networks (and their texts) under its own key: each network's
    # build (its parsed IPAM block, address windows, verdict) and the windows of the cluster CIDRs were needed
    # for the checks only. A fleet whose clusters have networks of their own holds one of each per cluster.
    cache.forget("network", "network-valid", "cidr-windows")
    return summaries, Rerendered(spec, gitops_path, cache)


def fleet_notices(rendered: Sequence[RenderedCluster], *, shown: int = 3) -> list[Finding]:
    """The notices of every cluster, each distinct one once, naming the clusters it concerns
    (``edge-1, edge-2 (+998 more): ...``): a fleet of a thousand clusters on one old K3s says so once."""
    order: list[Finding] = []
    clusters: dict[Finding, list[str]] = {}
    first: dict[Finding, Finding] = {}  # as the first cluster said it
    for cluster in rendered:
        for said in cluster.notices:
            notice = said
            own = f"{cluster.name}/"
            if cluster.name is not None and (said.at.label or "").startswith(own):
                # a network's warning names its cluster: the same warning of every cluster is one notice
                notice = replace(said, at=replace(said.at, label=(said.at.label or "")[len(own) :]))
            if notice not in clusters:
                clusters[notice] = []
                order.append(notice)
                first[notice] = said
            if cluster.name is not None:
                clusters[notice].append(cluster.name)
    out = []
    for notice in order:
        names = clusters[notice]
        if not names or (len(names) == 1 and first[notice] is not notice):
            out.append(first[notice])  # no cluster, or one that already names its cluster (a network's warning)
            continue
        label = ", ".join(names[:shown]) + (f" (+{len(names) - shown} more)" if len(names) > shown else "")
        if notice.at.label:
            label = f"{label}: {notice.at.label}"
        out.append(replace(notice, at=replace(notice.at, label=label)))
    return out


def nad_text(opts: NadOptions) -> tuple[str, tuple[Finding, ...]]:
    """One NetworkAttachmentDefinition, validated, as YAML text with the header."""
    from multus_gen.networks.nad_build import build_nad

    result = build_nad(opts)
    require_valid("networkattachmentdefinition", result.doc, where=f"NAD {opts.name}")
    inputs = [("name", opts.name), ("namespace", opts.namespace), ("type", opts.type), ("ipam", opts.ipam.kind)]
    inputs += [("--allow", rule) for rule in opts.allow]
    notices = result.warnings
    if opts.ipam.kind == "whereabouts" and opts.ipam.node_slice_size is not None:
        from multus_gen.findings import note
        from multus_gen.knowledge.charts import NODE_SLICE_KEYS, NODE_SLICE_SINCE

        value = ".".join(NODE_SLICE_KEYS)
        notices += (
            note(
                f"node_slice_size needs whereabouts' node-slice controller: set {value}=true in the rke2-multus "
                f"values (rke2-multus {NODE_SLICE_SINCE} or newer)",
                fix=f"multus-gen helmchart --ipam whereabouts --set {value}=true; render sets it from the spec",
            ),
        )
    return documents([result.doc], header("nad", inputs, __version__)), notices


def spec_findings(path: Path, display: str) -> list[Finding]:
    """What ``validate`` says of a multus-gen spec file: load it and run the render pipeline; its errors and
    warnings as findings (``display``: the file as the user named it). Handed to the file walk by the CLI."""
    from multus_gen.check.catalog import severity
    from multus_gen.model.spec import load_spec

    file = str(path)

    def shown(finding: Finding) -> Finding:
        """The finding with the spec file named as the user named it (other locations stay as they are)."""
        if finding.at.file == file:
            return replace(finding, at=replace(finding.at, file=display))
        if not finding.at.file:
            return replace(finding, at=Location(file=display, path=(), label=finding.at.text() or None))
        return finding

    out: list[Finding] = []
    try:
        spec = load_spec(path)
        for cluster in render_spec(spec):
            out += [shown(f) for f in cluster.notices if f.severity != "note"]
    except InputError as exc:
        finding = exc.finding
        out.append(shown(replace(finding, rule=finding.rule or "spec")))
    except (ValueError, LookupError, TypeError) as exc:  # a spec the pipeline cannot digest: say so, do not crash
        message = f"the spec cannot be rendered: {type(exc).__name__}: {exc}"
        out.append(Finding(severity("spec"), message, None, Location(file=display, path=()), "spec"))
    return out
