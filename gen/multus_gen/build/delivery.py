"""What the ``install`` and ``commit`` commands deliver: file names, target folders, commit messages.

Pure: no printing, no file system access, no GitPython. The sinks (``sinks.folder``, ``sinks.git``)
do the writing; this module decides what to write where.

The manifest text is exactly what ``multus-gen helmchart`` prints for the same options (same header,
which names the ``helmchart`` command): a file written by ``install`` or ``commit`` can be compared
byte for byte with ``multus-gen helmchart`` output, and switching between the commands does not
rewrite (and so re-apply) an unchanged file.
"""

from __future__ import annotations

from pathlib import Path

from multus_gen import __version__
from multus_gen.build.pipeline import KUSTOMIZATION_FILE as KUSTOMIZATION
from multus_gen.build.pipeline import RenderedCluster, chart_file_stem, fleet_notices, helmchart_text
from multus_gen.errors import InputError
from multus_gen.findings import Finding
from multus_gen.knowledge import k3s, rke2
from multus_gen.model.options import GenOptions, check_dns1123_label, check_not_owned
from multus_gen.model.spec import ClusterSpec
from multus_gen.record import record, replace
from multus_gen.yamlio.serialize import Manifest

#: Extension of the file ``install`` writes (the K3s deploy controller reads .yaml, .yml and .json).
MANIFEST_SUFFIX = ".yaml"

#: RKE2 packages its charts as HelmCharts named ``rke2-*`` (rke2-multus among them) and writes their
#: manifests under those names on every start (FACTS.md section 6). Files for HelmChartConfigs follow the
#: RKE2 docs' convention ``rke2-<chart>-config.yaml``, which no packaged chart uses.
RKE2_RESERVED_PREFIX = "rke2-"
RKE2_CONFIG_SUFFIX = "-config"
RKE2_RESERVED_SOURCE = "FACTS.md section 6; docs.rke2.io/helm (customizing packaged components)"

#: The header of delivered files names this command: the output is the same as ``multus-gen helmchart``.
HEADER_COMMAND = "helmchart"


def addon_name(file_name: str) -> str:
    """The K3s addon name of a file in the manifests folder: its name up to the first ``.``."""
    return file_name.split(".", 1)[0]


def check_addon_name(name: str, *, where: str = "--name") -> str:
    """Refuse a name the K3s deploy controller would not accept, or that K3s or RKE2 reserve."""
    check_dns1123_label(name, where=where)
    check_not_owned(name, where=where)
    if name.startswith(RKE2_RESERVED_PREFIX) and not name.endswith(RKE2_CONFIG_SUFFIX):
        raise InputError(
            f"{name!r}: names starting with {RKE2_RESERVED_PREFIX!r} are reserved for the charts RKE2 packages "
            "itself (RKE2 ships its own rke2-multus HelmChart, which a second one would fight)",
            where=where,
            fix="use another --name, such as multus",
        )
    return name


def manifest_file_name(opts: GenOptions) -> str:
    """``<name>.yaml`` for a K3s HelmChart; ``multus-config.yaml`` for RKE2's HelmChartConfig ``rke2-multus``
    (the file must not take the name of the packaged chart's own manifest). The addon name is checked."""
    file_name = chart_file_stem(opts.name, "helmchartconfig" if opts.distro == "rke2" else "helmchart")
    file_name += MANIFEST_SUFFIX
    check_addon_name(addon_name(file_name))
    return file_name


def default_manifests_dir(opts: GenOptions) -> Path:
    """``<data-dir>/server/manifests``: the folder the K3s (or RKE2) deploy controller applies."""
    if opts.distro == "rke2":
        return Path(rke2.MANIFESTS_DIR)
    return Path(k3s.paths(opts.data_dir, opts.k3s_version).manifests_dir)


def repo_manifest_path(path: str, opts: GenOptions) -> str:
    """The repository path of the manifest: ``--path`` as given, or ``<path>/<name>.yaml`` if it ends in ``/``.

    The sink normalizes and refuses unsafe paths (absolute, ``..``, into ``.git``, through symlinks).
    """
    if path.endswith("/") and path.strip("/"):
        return path + opts.name + MANIFEST_SUFFIX
    return path


def manifest(opts: GenOptions, path: str) -> tuple[Manifest, tuple[Finding, ...]]:
    """The HelmChart manifest(s) as one file at ``path``: byte-identical to ``multus-gen helmchart``."""
    text, notices = helmchart_text(opts, command=HEADER_COMMAND)
    return Manifest(path, text), notices


def install_manifest(opts: GenOptions) -> tuple[Manifest, tuple[Finding, ...]]:
    """The file ``install`` writes into the manifests folder (its name checked first, before generating)."""
    return manifest(opts, manifest_file_name(opts))


@record
class SpecDelivery:
    manifests: list[Manifest]
    notices: tuple[Finding, ...]
    #: the first cluster's options (for install: its data dir decides the default manifests folder)
    first: GenOptions
    #: each cluster's chart installation file (path as in ``manifests``) with the options it was made from and the
    #: cluster's name (None: a single-cluster spec): the file whose replacement is an upgrade (build/transition.py)
    chart_files: tuple[tuple[str, GenOptions, str | None], ...] = ()
    #: a fleet's cluster names (each cluster's files go into the folder of its name); empty for one cluster
    clusters: tuple[str, ...] = ()


def spec_manifests(
    config: Path, *, base: str = "", single: bool = False, cluster_name: str | None = None, static_chart: bool = False
) -> SpecDelivery:
    """Every file ``render -c config`` would write, under ``base`` (a folder path, ``""`` for the top).

    The HelmChart(s) and the NADs are separate files (``<name>.yaml``, ``<name>-networks.yaml``), so that a
    NAD applied before its CRD exists cannot hold back the HelmChart. ``single``: refuse fleets (``install``
    writes one server's folder) unless ``cluster_name`` picks one of its clusters. ``static_chart``
    (``install -c --static-chart``): the spec's ``chart.archive`` is served as a K3s static chart.
    """
    from multus_gen.build.pipeline import render_spec
    from multus_gen.model.spec import load_spec

    spec = load_spec(config)
    if cluster_name is not None:
        names = [c.name for c in spec.clusters if c.name is not None]
        if not spec.fleet:
            raise InputError(f"{config} lists no clusters", where="--cluster", fix="drop --cluster")
        if cluster_name not in names:
            shown = ", ".join(names[:5]) + (f" (+{len(names) - 5} more)" if len(names) > 5 else "")
            raise InputError(f"{config} has no cluster {cluster_name!r}", where="--cluster", fix=f"one of: {shown}")
        spec = replace(spec, clusters=tuple(c for c in spec.clusters if c.name == cluster_name))
    if single and spec.fleet and cluster_name is None:
        raise InputError(
            f"{config} describes a fleet of {len(spec.clusters)} clusters; install writes one server's folder",
            where="--config",
            fix="name one with --cluster NAME, render the fleet with `multus-gen render -c FILE --out-dir DIR`, "
            "or deliver it with commit",
        )
    if static_chart:
        spec = replace(spec, clusters=tuple(_served_statically(config, c) for c in spec.clusters))
    prefix = base.rstrip("/") + "/" if base.strip("/") else ""
    manifests: list[Manifest] = []
    chart_files: list[tuple[str, GenOptions, str | None]] = []
    said: list[RenderedCluster] = []  # each cluster's notices, said once per fleet (as render says them)
    for cluster_spec, cluster in zip(spec.clusters, render_spec(spec), strict=True):
        if single and cluster.format not in ("helmchart", "helmchartconfig"):
            raise InputError(
                f"{config} has format {cluster.format}: its files are for a Git repository, not a server's "
                "manifests folder",
                where="--config",
                fix="deliver it with `multus-gen commit`, or use format helmchart",
            )
        if single:  # a fleet cluster's kustomization.yaml is for kubectl, not for K3s's deploy controller
            cluster = replace(cluster, manifests=[m for m in cluster.manifests if not m.path.endswith(KUSTOMIZATION)])
            for m in cluster.manifests:
                check_addon_name(addon_name(m.path.rsplit("/", 1)[-1]), where="--config")
        strip = f"{cluster.name}/" if cluster_name is not None else ""  # one cluster's files: no cluster folder
        manifests += [Manifest(prefix + m.path.removeprefix(strip), m.content) for m in cluster.manifests]
        said.append(replace(cluster, manifests=[]))
        own = f"{cluster.name}/" if cluster.name else ""
        chart_file = own + chart_install_file(cluster_spec.gen.name, cluster.format)
        chart_files.append((prefix + chart_file.removeprefix(strip), cluster_spec.gen, cluster.name))
    notices = fleet_notices(said)
    fleet_names = (
        tuple(c.name for c in spec.clusters if c.name is not None) if spec.fleet and cluster_name is None else ()
    )
    return SpecDelivery(manifests, tuple(notices), spec.clusters[0].gen, tuple(chart_files), fleet_names)


def _served_statically(config: Path, cluster: ClusterSpec) -> ClusterSpec:
    """``cluster`` with its chart archive(s) served as K3s static charts (the HelmChart points at K3s's URL)."""
    source = cluster.gen.source
    if source.archive is None:
        raise InputError(
            f"--static-chart serves a chart archive, and {config} gives no chart.archive",
            where="--static-chart",
            fix="add chart.archive (and chart.crdArchive) to the spec, or drop --static-chart",
            rule="chart-archive",
        )
    return replace(cluster, gen=replace(cluster.gen, source=replace(source, static_chart=True)))


def chart_install_file(name: str, fmt: str) -> str:
    """The file of a cluster's folder that installs rke2-multus in format ``fmt`` (build/pipeline.py's layout)."""
    if fmt == "flux":
        return f"{name}/{name}.yaml"
    if fmt == "fleet":
        return f"{name}/fleet.yaml"
    return chart_file_stem(name, fmt) + MANIFEST_SUFFIX


def spec_commit_message(config: Path, count: int) -> str:
    return f"multus: render {config.name} ({count} files, multus-gen {__version__})"


def default_commit_message(opts: GenOptions) -> str:
    """E.g. ``multus: rke2-multus v4.3.017, ipam dhcp, K3s v1.33.5+k3s1 (multus-gen 0.1.0)``."""
    return (
        f"{opts.name}: rke2-multus {opts.chart_version}, ipam {opts.ipam}, K3s {opts.k3s_version} "
        f"(multus-gen {__version__})"
    )


__all__ = [
    "HEADER_COMMAND",
    "MANIFEST_SUFFIX",
    "RKE2_RESERVED_PREFIX",
    "addon_name",
    "check_addon_name",
    "default_commit_message",
    "default_manifests_dir",
    "install_manifest",
    "manifest",
    "manifest_file_name",
    "repo_manifest_path",
    "spec_commit_message",
    "spec_manifests",
]
