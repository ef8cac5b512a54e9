"""What the checking commands do: validate, rules, doctor, uninstall."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multus_gen.cli.output import (
    echo,
    error,
    info,
    is_terminal,
    print_finding_line,
    style,
)
from multus_gen.errors import EXIT_INVALID, EXIT_OK, InputError, UsageError

if TYPE_CHECKING:
    pass
from multus_gen.cli.actions import stdin_once


def validate(
    *,
    paths: tuple[Path, ...] | None,
    k3s_version: str | None,
    data_dir: str,
    distro: str,
    values_files: tuple[Path, ...] | None,
    chart_version: str | None,
    output_format: str,
    strict: bool,
    allow_empty: bool = False,
    allow: tuple[str, ...] = (),
    config: Path | None = None,
) -> int:
    from multus_gen.build.pipeline import spec_findings
    from multus_gen.check.catalog import check_allowed
    from multus_gen.check.walk import validate_paths
    from multus_gen.model.options import make_cluster

    stdin_once(**{"--config": config}, PATH=paths, **{"--values-file": values_files})
    cluster = make_cluster(distro, k3s_version, data_dir)
    spec = _spec_clusters(config) if config is not None else None
    report = validate_paths(
        list(paths or ()),
        cluster=cluster,
        headers=k3s_version is None,  # no --k3s-version: each file of ours is checked for the cluster it names
        spec=spec,
        values_files=list(values_files or ()),
        chart_version=chart_version,
        progress=_progress_bar,
        allow=check_allowed(allow or ()),
        spec_findings=spec_findings,
    )
    if output_format == "json":
        sys.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        colours = {"error": "red", "warning": "yellow"}
        for p in report.problems:
            echo(style(p.severity, fg=colours[p.severity], bold=p.is_error) + ": " + p.one_line())
    for note in report.notes:
        print_finding_line("note", note)
    if not report.files and not allow_empty:
        error("error", nothing_checked(report.skipped))
        return EXIT_INVALID
    echo(report.summary(), err=True)
    failing = report.errors > 0 or (strict and report.warnings > 0)
    return EXIT_INVALID if failing else EXIT_OK


def _spec_clusters(config: Path) -> Any:
    """The clusters of the spec ``validate -c`` names (read as ``render -c`` reads it; a bad spec is an error)."""
    from multus_gen.check.walk import SpecClusters
    from multus_gen.model.spec import load_spec
    from multus_gen.yamlio.reader import is_stdin

    spec = load_spec(config)
    made = [
        (c.name, ("rke2", "", "") if c.gen.distro == "rke2" else ("k3s", str(c.gen.k3s_version), c.gen.data_dir))
        for c in spec.clusters
    ]
    # what render let each cluster's files through with: its chart.allow and its networks' allow
    allowed = tuple(
        (c.name or "", tuple(dict.fromkeys([*c.gen.allow, *(r for n in c.networks for r in n.options.allow)])))
        for c in spec.clusters
    )
    display = "<stdin>" if is_stdin(config) else str(config)
    if spec.fleet:
        folders = tuple((c.name, c.gen.name if c.format in ("flux", "fleet") else "") for c in spec.clusters if c.name)
        named = tuple((name, m) for name, m in made if name is not None)
        return SpecClusters(display, named, allowed=allowed, release_folders=folders)
    return SpecClusters(display, single=made[0][1], allowed=allowed)


def nothing_checked(skipped: list[dict[str, str]], shown: int = 5) -> str:
    """The one line of a validate run that checked no file: what was skipped and why, or that nothing was found."""
    if not skipped:
        text = "no files checked: nothing to check there"
    else:
        listed = "; ".join(f"{s['path']} ({s['reason']})" for s in skipped[:shown])
        more = f"; and {len(skipped) - shown} more" if len(skipped) > shown else ""
        text = f"no files checked: {len(skipped)} skipped: {listed}{more}"
    return text + " (name the manifests to check, or pass --allow-empty)"


def rules(*, output_format: str) -> int:
    from multus_gen.check.catalog import all_rules

    table = all_rules()
    if output_format == "json":
        rows = [{"id": r.id, "severity": r.severity, "summary": r.summary} for r in table]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    width = max(len(r.id) for r in table)
    colours = {"error": "red", "warning": "yellow", "note": "cyan"}
    echo(style(f"{'RULE'.ljust(width)}  SEVERITY  WHAT", bold=True))
    for r in table:
        echo(f"{r.id.ljust(width)}  {style(r.severity.ljust(8), fg=colours[r.severity])}  {r.summary}")
    return EXIT_OK


#: Show a progress bar (on a terminal only) from this many files on.
PROGRESS_FROM = 50


@contextlib.contextmanager
def _progress_bar(total: int) -> Any:
    """A progress bar on stderr for long runs on a terminal (click's, imported only then); else nothing."""
    if total < PROGRESS_FROM or not is_terminal(sys.stderr):
        yield None
        return
    import click

    with click.progressbar(
        length=total, file=sys.stderr, label="validating", show_pos=True, update_min_steps=max(1, total // 100)
    ) as bar:
        yield bar.update


def _node(root: Path, data_dir: str | None = None, version: str | None = None) -> Any:
    """The node's facts under ``root``; a root that is not a K3s/RKE2 node is an error."""
    from multus_gen.node.facts import node_facts

    if not root.is_dir():
        raise InputError(f"{root} is not a folder", where="--root")
    facts = node_facts(str(root), data_dir=data_dir, version=version)
    if facts is None:
        raise InputError(
            f"{root} is not a K3s or RKE2 node: no /etc/rancher/k3s, /etc/rancher/rke2 or /var/lib/rancher under it",
            where="--root",
            fix="run on a K3s server, or pass --root with a node's files (or --data-dir)",
        )
    return facts


def _node_cluster(facts: Any) -> Any:
    from multus_gen.model.options import make_cluster

    version = facts.version if facts.distro == "k3s" else None
    try:
        return make_cluster(facts.distro, version, facts.data_dir)
    except UsageError:  # a version K3s printed that multus-gen cannot read: the default, said by doctor
        return make_cluster(facts.distro, None, facts.data_dir)


def doctor(*, root: Path, data_dir: str | None, k3s_version: str | None, output_format: str) -> int:
    from multus_gen.node.doctor import diagnose

    facts = _node(root, data_dir, k3s_version)
    report = diagnose(facts, _node_cluster(facts))
    if output_format == "json":
        sys.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        for what, value in report.seen:
            echo(f"{style('ok', fg='green')}: {what}: {value}")
        colours = {"error": "red", "warning": "yellow", "note": "cyan"}
        for f in report.findings:
            echo(style(f.severity, fg=colours[f.severity], bold=f.is_error) + ": " + f.one_line())
    echo(f"{report.errors} error(s), {report.warnings} warning(s)", err=True)
    return EXIT_INVALID if report.errors else EXIT_OK


def _remove_static_charts(manifests_dir: Path, chart_urls: list[str], *, dry_run: bool) -> None:
    """The static charts our removed HelmCharts pointed at, when install recorded copying them (sinks/static.py)."""
    from multus_gen.model.source import STATIC_CHART_URL
    from multus_gen.sinks import static

    names = [url.removeprefix(STATIC_CHART_URL) for url in chart_urls if url.startswith(STATIC_CHART_URL)]
    folder = static.static_dir(manifests_dir)
    mine = static.ours(folder, [n for n in names if "/" not in n])
    if mine and not dry_run:
        static.remove(folder, mine)
    for name in mine:
        info(f"{folder / name}: {'would be removed' if dry_run else 'removed'}")


def uninstall(*, manifests_dir: Path | None, root: Path, dry_run: bool) -> int:
    from multus_gen.sinks.uninstall import ours, remove
    from multus_gen.yamlio.reader import parse_text

    facts = None
    if manifests_dir is None:
        facts = _node(root)
        manifests_dir = facts.host(facts.manifests_dir)
    if not manifests_dir.is_dir():
        raise InputError(
            f"{manifests_dir} does not exist: an agent node, or not a server",
            where="--manifests-dir",
            fix="run uninstall on a K3s server (agents do not read the manifests folder)",
        )
    found = ours(manifests_dir)
    charts: list[tuple[str, str, str]] = []
    for rel, data in found:
        try:
            docs = parse_text(data.decode("utf-8", "replace"), where=rel)
        except InputError:
            continue
        for d in docs:
            if isinstance(d.data, dict) and d.data.get("kind") == "HelmChart":
                meta = d.data.get("metadata") or {}
                charts.append(
                    (
                        str(meta.get("namespace", "kube-system")),
                        str(meta.get("name")),
                        str((d.data.get("spec") or {}).get("chart")),
                    )
                )
    if not found:
        info(f"{manifests_dir}: no file of multus-gen's")
    elif not dry_run:
        remove(manifests_dir, [rel for rel, _ in found])
    for rel, _ in found:
        info(f"{manifests_dir / rel}: {'would be removed' if dry_run else 'removed'}")
    _remove_static_charts(manifests_dir, [chart for _ns, _name, chart in charts], dry_run=dry_run)
    conf_dir = "<data-dir>/agent/etc/cni/net.d"
    bin_dir = "<data-dir>/data/cni"
    if facts is not None:
        cni = _node_cluster(facts).cni
        conf_dir, bin_dir = cni.conf_dir, cni.bin_dir
    echo("Removing the file deletes nothing in the cluster. Then, in order:")
    step = 1
    for namespace, name, chart in charts:
        what = (
            "Multus' DaemonSet and its RBAC"
            if not chart.endswith("-crd")
            else "the NetworkAttachmentDefinition CRD and every NAD"
        )
        echo(f"  {step}. kubectl delete helmchart -n {namespace} {name}   # helm uninstall of {chart}: removes {what}")
        step += 1
    if facts is not None and facts.distro == "rke2":
        echo(
            f"  {step}. RKE2's own rke2-multus: remove multus from `cni:` in /etc/rancher/rke2/config.yaml on every "
            "server and restart rke2-server (the HelmChartConfig only customizes it)"
        )
        step += 1
    echo(f"  {step}. on every other server: multus-gen uninstall (K3s does not sync the manifests folder)")
    echo("What stays on every node (remove it after Multus is gone, or every new pod fails):")
    echo(f"  rm -f {conf_dir}/00-multus.conf && rm -rf {conf_dir}/multus.d {conf_dir}/whereabouts.d")
    echo(f"  rm -f {bin_dir}/multus {bin_dir}/multus-shim   # and the plugins Multus added that K3s does not ship")
    echo("  multus-gen doctor   # finds what is left")
    return EXIT_OK
