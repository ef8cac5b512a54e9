"""What ``multus-gen verify`` does, and the archive handling ``helmchart --verify`` shares with it."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multus_gen.cli.output import echo, print_finding_line, print_notices, style
from multus_gen.errors import EXIT_INVALID, EXIT_OK, InputError, UsageError
from multus_gen.knowledge import charts

if TYPE_CHECKING:
    from multus_gen.build.verify import Verified
    from multus_gen.model.options import GenOptions

#: ``HOST[:PORT]`` with an optional path (a mirror's project): what the charts put before every image.
_REGISTRY = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?"
    r"(/[a-z0-9]+([._-][a-z0-9]+)*)*$"
)


def check_registry(value: str | None, *, where: str = "--system-default-registry") -> str | None:
    """A registry as the charts take it (``registry.example.com:5000``, ``mirror.local/rancher``)."""
    if value is None:
        return None
    if "://" in value:
        raise InputError(
            f"{value!r} has a scheme; the chart puts the registry in front of image names",
            where=where,
            fix=f"write it without the scheme: {value.split('://', 1)[1].rstrip('/')}",
        )
    if not _REGISTRY.match(value):
        raise InputError(
            f"{value!r} is not a registry host", where=where, fix="write HOST[:PORT], e.g. registry.example.com:5000"
        )
    return value


def archive_options(
    gen: Mapping[str, Any], chart_archive: Path, crd_archive: Path | None, registry: str | None
) -> dict[str, Any]:
    """The generation flags for verifying ``chart_archive``: its version is the chart version (a different
    ``--chart-version`` is refused), likewise the CRD chart's; on K3s a registry is set where the chart reads it
    (``global.systemDefaultRegistry``) -- the values carry it, as the generated HelmChart will."""
    from multus_gen.check.helm_render import require_chart

    out = dict(gen)
    meta = require_chart(chart_archive, name=charts.CHART_NAME, version=gen["chart_version"], where="--chart-archive")
    out["chart_version"] = meta.version
    if crd_archive is not None and not charts.ships_crds(meta.version):
        crd = require_chart(
            crd_archive, name=charts.CRD_CHART_NAME, version=gen.get("crd_chart_version"), where="--crd-chart-archive"
        )
        out["crd_chart_version"] = crd.version
    if registry is not None and gen["distro"] != "rke2":
        out["set_string_values"] = (*(gen["set_string_values"] or ()), f"global.systemDefaultRegistry={registry}")
    return out


def run_verify(
    gen: Mapping[str, Any], chart_archive: Path, crd_archive: Path | None, registry: str | None
) -> tuple[GenOptions, Verified]:
    from multus_gen.build.verify import verify_install
    from multus_gen.cli.actions import gen_options

    registry = check_registry(registry)
    opts = gen_options(archive_options(gen, chart_archive, crd_archive, registry))
    return opts, verify_install(opts, chart_archive, crd_archive, registry=registry)


def _summary(opts: GenOptions, result: Verified) -> str:
    names = " + ".join(r.source for r in result.releases)
    cluster = f"K3s {opts.k3s_version}, data dir {opts.data_dir}" if opts.distro == "k3s" else "RKE2"
    errors = f"{result.errors} error" + ("" if result.errors == 1 else "s")
    warnings = f"{result.warnings} warning" + ("" if result.warnings == 1 else "s")
    return f"{names} rendered for {cluster}, ipam {opts.ipam}: {errors}, {warnings}"


def report(opts: GenOptions, result: Verified, registry: str | None) -> dict[str, Any]:
    from multus_gen import __version__

    return {
        "multus_gen": __version__,
        "cluster": {"distro": opts.distro, "k3s_version": str(opts.k3s_version), "data_dir": opts.data_dir},
        "ipams": list(opts.ipams),
        "dirs": {"conf": result.dirs.conf, "bin": result.dirs.bin, "kubeconfig": result.dirs.kubeconfig},
        "registry": registry,
        "releases": [
            {"archive": r.source, "chart": r.chart, "release": r.release, "namespace": r.namespace}
            for r in result.releases
        ],
        "findings": [f.as_dict() for f in result.findings],
        "summary": {"errors": result.errors, "warnings": result.warnings},
    }


def verify(
    *,
    output_format: str,
    chart_archive: Path,
    crd_chart_archive: Path | None,
    system_default_registry: str | None,
    strict: bool,
    **gen: Any,
) -> int:
    opts, result = run_verify(gen, chart_archive, crd_chart_archive, system_default_registry)
    print_notices(n for n in result.notices if n.severity != "note")
    if output_format == "json":
        sys.stdout.write(json.dumps(report(opts, result, system_default_registry), indent=2, ensure_ascii=False) + "\n")
    else:
        colours = {"error": "red", "warning": "yellow", "note": "cyan"}
        for f in result.findings:
            echo(style(f.severity, fg=colours[f.severity], bold=f.is_error) + ": " + f.one_line())
    echo(_summary(opts, result), err=True)
    failing = result.errors > 0 or (strict and result.warnings > 0)
    return EXIT_INVALID if failing else EXIT_OK


def verify_before_printing(gen: Mapping[str, Any], chart_archive: Path | None, crd_archive: Path | None) -> GenOptions:
    """``helmchart --verify``: render the archive with the options' values and check it; an error stops the run
    (its findings on stderr, nothing printed). Returns the options verified (with the archives' versions)."""
    if chart_archive is None:
        raise UsageError(
            "--verify renders a chart archive, and none is given", where="--verify", fix="add --chart-archive FILE"
        )
    opts, result = run_verify(gen, chart_archive, crd_archive, None)
    for f in result.findings:
        print_finding_line(f.severity, f.one_line())
    if result.errors:
        raise InputError(_summary(opts, result), where="--verify", fix="see the findings above", rule=None)
    echo(f"multus-gen: verified: {_summary(opts, result)}", err=True)
    return opts
