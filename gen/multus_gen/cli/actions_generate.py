"""What the generating commands do: helmchart, values, versions, version."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multus_gen.cli.output import (
    as_format,
    echo,
    emit,
    info,
    print_notices,
    style,
)
from multus_gen.errors import EXIT_OK, InputError, UsageError
from multus_gen.knowledge import charts

if TYPE_CHECKING:
    pass
from multus_gen.cli.actions import gen_options, read_files, stdin_once, take_over_report


def helmchart(
    *,
    output: str,
    out: Path | None,
    output_format: str | None,
    verify: bool = False,
    **gen: Any,
) -> int:
    from multus_gen.build.pipeline import helmchart_text

    stdin_once(**{"-f": gen["values_files"], "--from-values": gen.get("from_values")})
    if verify:  # the options read once (-f - is standard input)
        from multus_gen.cli import actions_verify

        opts = actions_verify.verify_before_printing(gen)
    else:
        opts = gen_options(gen)
    text, notices = helmchart_text(opts, fmt=output_format)
    bundles = text.count("\n# path: ") + text.startswith("# path: ")
    if out is not None and str(out) != "-" and bundles > 1:  # Fleet reads one fleet.yaml per bundle folder
        raise InputError(
            f"format fleet gives {bundles} bundles, each a fleet.yaml of its own folder: one file cannot hold them",
            where="--out",
            fix="write a spec with `format: fleet` and run `multus-gen render -c SPEC --out-dir DIR` (a folder per "
            "bundle), or print to stdout and split it at the '# path:' lines",
        )
    text = as_format(text, output)
    notices = (*notices, *take_over_report(opts))
    print_notices(notices)
    emit(text, out, read_files(None, gen))
    return EXIT_OK


def values(*, output: str, out: Path | None, **gen: Any) -> int:
    from multus_gen.build.pipeline import values_text

    stdin_once(**{"-f": gen["values_files"], "--from-values": gen.get("from_values")})
    opts = gen_options(gen)
    text, notices = values_text(opts)
    text = as_format(text, output)
    notices = (*notices, *take_over_report(opts))
    print_notices(notices)
    emit(text, out, read_files(None, gen))
    return EXIT_OK


def images(*, output_format: str, out: Path | None, **gen: Any) -> int:
    from multus_gen.build.images import list_images
    from multus_gen.build.plan import make_plan

    stdin_once(**{"-f": gen["values_files"]})
    if gen["distro"] == "rke2" and (gen.get("chart_archive") or gen.get("system_default_registry")):
        from multus_gen.cli.actions_verify import rke2_options

        # as verify: the archive is the chart RKE2 installs, the registry RKE2's own setting passed to it
        opts, archive, registry = rke2_options(gen)
        found = list_images(make_plan(opts), archive=archive, registry=registry)
    else:
        found = list_images(make_plan(gen_options(gen)))
    how = {
        "render": "rendered the chart archive with the Helm engine",
        "archive values": "read the chart archive's values.yaml (the Helm engine, helm-python-sdk, is not installed)",
        "knowledge": "multus-gen's table of the images of each kept chart version",
    }[found.source]
    info(f"rke2-multus {found.chart_version}: {len(found.images)} images ({how})")
    if output_format == "json":
        text = (
            json.dumps(
                {"chartVersion": found.chart_version, "source": found.source, "images": list(found.images)}, indent=2
            )
            + "\n"
        )
    else:
        text = "".join(f"{image}\n" for image in found.images)
    emit(text, out, read_files(None, gen))
    return EXIT_OK


def version() -> int:
    from multus_gen import __version__

    echo(f"multus-gen {__version__}")
    echo(f"known chart versions: {charts.INDEX_SNAPSHOT_DATE} snapshot of {charts.INDEX_SOURCE}")
    echo(f"python {sys.version.split()[0]} ({sys.executable})")
    return EXIT_OK


def version_rows() -> list[dict[str, object]]:
    """One row per published rke2-multus version: its verdict on K3s per IPAM, and why (in a user's words)."""
    rows = []
    for version in charts.PUBLISHED:
        facts = charts.chart_facts(version)
        broken = charts.verdicts(version)
        ipams = {ipam: "works" if gate is None else "no" for ipam, gate in broken.items()}
        if facts.status == charts.BROKEN:
            status = "broken"
            why = facts.layout.why
        else:
            failing = [ipam for ipam, gate in broken.items() if gate is not None]
            status = f"no {'/'.join(failing)}" if failing else "supported"
            reasons = [f"{ipam}: {gate.why}" for ipam, gate in broken.items() if gate is not None]
            if facts.needs_crd_chart:
                reasons.append(f"install rke2-multus-crd {facts.crd_chart_version} too (multus-gen emits it)")
            if facts.sets_autoconfig_dir:
                reasons.append("sets multusAutoconfigDir")
            if facts.cleanup is not None and facts.cleanup.overlays:
                reasons.append("sets cleanupConfigOnExit")
            why = "; ".join(reasons) or "every IPAM works"
        rows.append(
            {
                "version": version,
                "status": status,
                "ipams": ipams,
                "verified": facts.verified,
                "crd_chart": facts.crd_chart_version,
                "layout": facts.layout.value,
                "why": why,
                "source": "; ".join(
                    dict.fromkeys([facts.layout.source, *(g.source for g in broken.values() if g is not None)])
                ),
            }
        )
    return rows


def k3s_rows() -> list[dict[str, object]]:
    """The K3s table (knowledge/helm_controller.py): K3s release line -> helm-controller -> what its CRD accepts."""
    from multus_gen.knowledge import helm_controller

    rows: list[dict[str, object]] = []
    for line in helm_controller.K3S_LINES:
        cap = helm_controller.capability(line.ships)
        rows.append(
            {
                "k3s_since": line.since,
                "helm_controller": line.ships,
                "fields": sorted(cap.fields),
                "failure_policies": list(cap.failure_policies or ("abort", "reinstall")),
                "assumed": line.assumed,
                "source": line.source,
            }
        )
    return rows


def _k3s_versions(output_format: str) -> int:
    rows = k3s_rows()
    if output_format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    head = ["K3S FROM", "HELM-CONTROLLER", "FIELDS", "FAILUREPOLICY", "SOURCE"]
    table = [
        [
            str(r["k3s_since"]),
            str(r["helm_controller"]) + (" (assumed)" if r["assumed"] else ""),
            ",".join(r["fields"]) or "-",  # type: ignore[arg-type]
            ",".join(r["failure_policies"]),  # type: ignore[arg-type]
            str(r["source"]),
        ]
        for r in rows
    ]
    _print_table(head, table)
    echo("a K3s release uses the last row at or below it; fields: the gated HelmChart fields its CRD has", err=True)
    return EXIT_OK


def _print_table(head: list[str], table: list[list[str]]) -> None:
    """A version table: bold headings, columns padded to their widest cell, the last column (a source) as is."""
    widths = [max(len(head[i]), *(len(row[i]) for row in table)) for i in range(len(head) - 1)]
    echo(style("  ".join(h.ljust(w) for h, w in zip(head, [*widths, 0], strict=True)).rstrip(), bold=True))
    for row in table:
        echo("  ".join([*(row[i].ljust(widths[i]) for i in range(len(widths))), row[-1]]))


def rke2_rows() -> list[dict[str, object]]:
    """The RKE2 table (knowledge/rke2_releases.py): RKE2 release -> rke2-multus -> rke2-multus-crd or not."""
    from multus_gen.knowledge import rke2_releases

    return [
        {
            "rke2_since": row.since,
            "rke2_multus": row.chart,
            "crd_chart": row.crd_chart,
            "assumed": row.assumed,
            "source": row.source,
        }
        for row in rke2_releases.RKE2_LINES
    ]


def _rke2_versions(output_format: str) -> int:
    rows = rke2_rows()
    if output_format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    head = ["RKE2 FROM", "RKE2-MULTUS", "CRD CHART", "SOURCE"]
    table = [
        [
            str(r["rke2_since"]),
            str(r["rke2_multus"]) + (" (assumed)" if r["assumed"] else ""),
            "rke2-multus-crd" if r["crd_chart"] else "-",
            str(r["source"]),
        ]
        for r in rows
    ]
    _print_table(head, table)
    echo("an RKE2 release uses the last row at or below it; --rke2-version follows it", err=True)
    return EXIT_OK


def versions(*, output_format: str, since: str | None, k3s: bool = False, rke2: bool = False) -> int:
    if k3s and rke2:
        raise UsageError("--k3s and --rke2 are two tables", where="--rke2", fix="ask for one")
    if rke2:
        return _rke2_versions(output_format)
    if k3s:
        return _k3s_versions(output_format)
    rows = version_rows()
    if since is not None:
        key = charts.version_key(since)
        if key is None:
            raise UsageError(f"{since!r} is not a version", where="--since", fix="e.g. --since v4.2.100")
        rows = [r for r in rows if (charts.version_key(str(r["version"])) or key) >= key]
    if output_format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    head = ["VERSION", "STATUS", *(i.upper() for i in charts.IPAMS), "VERIFIED", "CRD CHART", "WHY"]
    table = []
    for r in rows:
        verdict = r["ipams"]
        assert isinstance(verdict, dict)
        table.append(
            [
                str(r["version"]),
                str(r["status"]),
                *(str(verdict[i]) for i in charts.IPAMS),
                "yes" if r["verified"] else "-",
                str(r["crd_chart"] or "-"),
                str(r["why"]),
            ]
        )
    last = len(head) - 1
    widths = [max(len(head[i]), *(len(row[i]) for row in table)) for i in range(last)]
    colours = {"broken": "red", "supported": "green", "works": "green", "no": "red"}
    echo(style("  ".join(h.ljust(w) for h, w in zip(head, [*widths, 0], strict=True)).rstrip(), bold=True))
    for row in table:
        cells = [row[i].ljust(widths[i]) for i in range(last)]
        for i in range(1, 2 + len(charts.IPAMS)):
            cells[i] = style(cells[i], fg=colours.get(row[i], "yellow"))
        if row[last - 2] == "yes":
            cells[last - 2] = style(cells[last - 2], bold=True)
        echo("  ".join([*cells, row[last]]))
    echo(
        f"verdicts on K3s (RKE2 uses the chart's default dirs); default: {charts.DEFAULT_CHART_VERSION} "
        f"(newest verified); source: {charts.INDEX_SOURCE}",
        err=True,
    )
    return EXIT_OK
