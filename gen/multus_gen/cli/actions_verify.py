"""What ``multus-gen verify`` does, and the archive handling ``helmchart --verify`` shares with it."""

from __future__ import annotations

import contextlib
import json
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multus_gen.cli.output import echo, print_finding_line, print_notices, style
from multus_gen.errors import EXIT_INVALID, EXIT_OK, InputError, UsageError
from multus_gen.knowledge import charts

if TYPE_CHECKING:
    from multus_gen.build.verify import Verified
    from multus_gen.model.options import GenOptions
    from multus_gen.model.source import ChartArchive


def run_verify(gen: Mapping[str, Any]) -> tuple[GenOptions, Verified, str | None]:
    """Build the options as the generators do and verify the chart archives they name. On K3s the archives and
    the registry are the chart source options (embedded as chartContent, the registry in the values); on RKE2 the
    HelmChartConfig has no chart source, so the archives only fix the versions, and the registry is RKE2's own
    setting, which verify passes to the render as RKE2 does."""
    from multus_gen.build.verify import verify_install
    from multus_gen.cli.actions import gen_options

    chart_archive: Path | None = gen.get("chart_archive")
    crd_archive: Path | None = gen.get("crd_chart_archive")
    if chart_archive is None:
        raise UsageError(
            "--verify renders a chart archive, and none is given", where="--verify", fix="add --chart-archive FILE"
        )
    if gen["distro"] == "rke2":
        opts, _, registry = rke2_options(gen)
    else:
        opts = gen_options(gen)
        registry = opts.source.system_default_registry
    with materialized(chart_archive) as main_path, materialized(crd_archive, "--crd-chart-archive") as crd_path:
        assert main_path is not None
        return opts, verify_install(opts, main_path, crd_path, registry=registry), registry


def rke2_options(gen: Mapping[str, Any]) -> tuple[GenOptions, ChartArchive | None, str | None]:
    """The options of an RKE2 run that names chart archives or a registry (verify, images): the HelmChartConfig
    has no chart source, so the archives only fix the versions, and the registry is RKE2's own setting
    (``system-default-registry``), passed to the chart as RKE2 passes it. Returns the options, the rke2-multus
    archive (None: none given) and the registry."""
    from multus_gen.cli.actions import gen_options, gen_stdin_once
    from multus_gen.model.source import check_registry, read_archive

    gen_stdin_once(gen)
    chart_archive: Path | None = gen.get("chart_archive")
    crd_archive: Path | None = gen.get("crd_chart_archive")
    registry: str | None = gen.get("system_default_registry")
    main = (
        read_archive(chart_archive, charts.CHART_NAME, gen["chart_version"], where="--chart-archive")
        if chart_archive is not None
        else None
    )
    crd = (
        read_archive(crd_archive, charts.CRD_CHART_NAME, gen.get("crd_chart_version"), where="--crd-chart-archive")
        if crd_archive is not None
        else None
    )
    registry = check_registry(registry) if registry is not None else None
    crd_version = crd.version if crd is not None else gen.get("crd_chart_version")
    gen = {
        **gen,
        "chart_archive": None,
        "crd_chart_archive": None,
        "system_default_registry": None,
        "chart_version": main.version if main is not None else gen["chart_version"],
        # with --rke2-version RKE2 chose the CRD chart: the archive is rendered as given
        "crd_chart_version": None if gen.get("rke2_version") is not None else crd_version,
    }
    try:
        opts = gen_options(gen)
    except InputError as exc:  # the versions came from the archives: name them
        archive_of = {"--chart-version": "--chart-archive", "--crd-chart-version": "--crd-chart-archive"}
        flag = archive_of.get(exc.finding.at.flag or "")
        if flag is None or (flag == "--chart-archive" and main is None) or (flag != "--chart-archive" and crd is None):
            raise
        fix = "give the archive of the chart that RKE2 release ships, or drop --rke2-version"
        raise InputError(exc.message, where=flag, fix=fix, rule=exc.finding.rule) from None
    return opts, main, registry


@contextlib.contextmanager
def materialized(path: Path | None, where: str = "--chart-archive") -> Iterator[Path | None]:
    """``path`` as a file the Helm engine can load: standard input (``-``) is read once (the bytes the checks
    read) and written to a private temporary file for the run."""
    from multus_gen.yamlio.reader import is_stdin, read_stdin_bytes

    if path is None or not is_stdin(path):
        yield path
        return
    from multus_gen.model.source import MAX_ARCHIVE_BYTES

    data = read_stdin_bytes(where=where, max_bytes=MAX_ARCHIVE_BYTES)
    with tempfile.TemporaryDirectory(prefix="multus-gen-") as tmp:
        copy = Path(tmp) / "<stdin>"  # reported by its name, as validate names standard input
        copy.write_bytes(data)
        yield copy


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
    strict: bool,
    **gen: Any,
) -> int:
    opts, result, registry = run_verify(gen)
    print_notices(n for n in result.notices if n.severity != "note")
    if output_format == "json":
        sys.stdout.write(
            json.dumps(
                report(opts, result, registry),
                indent=2,
                ensure_ascii=False,
            )
            + "\n"
        )
    else:
        colours = {"error": "red", "warning": "yellow", "note": "cyan"}
        for f in result.findings:
            echo(style(f.severity, fg=colours[f.severity], bold=f.is_error) + ": " + f.one_line())
    echo(_summary(opts, result), err=True)
    failing = result.errors > 0 or (strict and result.warnings > 0)
    return EXIT_INVALID if failing else EXIT_OK


def verify_before_printing(gen: Mapping[str, Any]) -> GenOptions:
    """``helmchart --verify``: render the archive with the options' values and check it; an error stops the run
    (its findings on stderr, nothing printed). Returns the options verified (with the archives' versions)."""
    opts, result, _ = run_verify(gen)
    for f in result.findings:
        print_finding_line(f.severity, f.one_line())
    if result.errors:
        raise InputError(_summary(opts, result), where="--verify", fix="see the findings above", rule=None)
    echo(f"multus-gen: verified: {_summary(opts, result)}", err=True)
    return opts
