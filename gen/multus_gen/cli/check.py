"""The validate command: check files and folders of manifests (HelmChart, NAD, Flux, Argo CD, Fleet, spec files).

Reading and walking happen here; every rule is in ``multus_gen.checks``.
"""

import json
import os
import stat
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import click
import typer
from click._termui_impl import ProgressBar

from ..errors import EXIT_INVALID, EXIT_OK, InputError, UsageError
from ..knowledge import charts, k3s

if TYPE_CHECKING:
    from .. import checks

#: What the K3s deploy controller reads (FACTS 6), and so what validate reads.
EXTENSIONS = (".yaml", ".yml", ".json")
#: Show a progress bar (on a terminal only) from this many files on.
PROGRESS_FROM = 50


class Distro(str, Enum):
    k3s = "k3s"
    rke2 = "rke2"


class Format(str, Enum):
    text = "text"
    json = "json"


@dataclass(frozen=True)
class Candidate:
    path: Path
    display: str
    explicit: bool


def _hidden(name: str) -> bool:
    return name.startswith(".") and name not in (".", "..")


def collect(paths: list[Path]) -> tuple[list[Candidate], list[dict[str, str]]]:
    """The files to check (named files, and YAML/JSON files found in named folders) and what was skipped.

    Folders are walked in sorted order without following symlinked folders; names starting with ``.``
    (``.git``, K3s's own skip rule) are skipped, unless named on the command line.
    """
    files: list[Candidate] = []
    skipped: list[dict[str, str]] = []
    seen: set[str] = set()

    def add(path: Path, display: str, explicit: bool) -> None:
        key = os.path.realpath(path)
        if key in seen:
            return
        seen.add(key)
        files.append(Candidate(path, display, explicit))

    for root in paths:
        if not os.path.lexists(root):
            raise UsageError(f"{root} does not exist", where="PATH", fix="name files or folders to check")
        try:
            is_dir = stat.S_ISDIR(os.stat(root).st_mode)
        except OSError:
            is_dir = False
        if not is_dir:
            if root.suffix.lower() in EXTENSIONS:
                add(root, str(root), True)
            else:
                skipped.append({"path": str(root), "reason": "not a .yaml, .yml or .json file"})
            continue
        for folder, dirs, names in os.walk(root, followlinks=False):
            base = Path(folder)
            for name in sorted(d for d in dirs if _hidden(d)):
                skipped.append({"path": str(base / name), "reason": "hidden folder"})
            dirs[:] = sorted(d for d in dirs if not _hidden(d))
            for name in sorted(names):
                path = base / name
                if _hidden(name):
                    skipped.append({"path": str(path), "reason": "hidden file"})
                elif path.suffix.lower() not in EXTENSIONS:
                    skipped.append({"path": str(path), "reason": "not a .yaml, .yml or .json file"})
                else:
                    add(path, str(path), False)
    return files, skipped


def neighbours(candidates: list[Candidate], checked: list[Candidate]) -> list[Candidate]:
    """YAML/JSON files next to the named files that are not checked themselves: the context for the checks
    across files (a pre-commit run names only the changed files; the companion CRD chart may sit beside them)."""
    seen = {os.path.realpath(c.path) for c in checked}
    out: list[Candidate] = []
    for folder in dict.fromkeys(c.path.parent for c in candidates if c.explicit):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            path = folder / entry.name
            if _hidden(entry.name) or path.suffix.lower() not in EXTENSIONS:
                continue
            try:
                regular = entry.is_file()
            except OSError:
                regular = False
            if regular and os.path.realpath(path) not in seen:
                seen.add(os.path.realpath(path))
                out.append(Candidate(path, str(path), False))
    return out


def load_quietly(cand: Candidate) -> "checks.Source | None":
    from .. import checks
    from ..loaders import read_text

    try:
        text = read_text(cand.path, where=cand.display)
        if not checks.looks_like_ours(text, cand.path.name):
            return None  # nothing there can take part in a check across files: do not parse it
        docs = checks.parse_text(text, where=cand.display, as_json=cand.path.suffix.lower() == ".json")
    except InputError:
        return None
    return checks.Source(cand.display, docs, cand.path.name)


def _progress(items: list[Candidate]) -> "ProgressBar[Candidate] | None":
    if len(items) < PROGRESS_FROM or not sys.stderr.isatty():
        return None
    return click.progressbar(
        items, file=sys.stderr, label="validating", show_pos=True, update_min_steps=max(1, len(items) // 100)
    )


def validate(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            metavar="PATH...",
            help="Files and folders to check (folders recursively; .yaml, .yml and .json files).",
            show_default=False,
            readable=False,  # an unreadable file is a finding (exit 1), not a usage error
        ),
    ] = None,
    k3s_version: Annotated[
        str | None,
        typer.Option(
            "--k3s-version",
            metavar="VERSION",
            help=f"K3s version of the cluster, e.g. v1.30.5+k3s1. [default: {k3s.DEFAULT_K3S_VERSION}]",
        ),
    ] = None,
    data_dir: Annotated[str, typer.Option("--data-dir", metavar="DIR", help="K3s --data-dir.")] = k3s.DEFAULT_DATA_DIR,
    distro: Annotated[Distro, typer.Option("--distro", help="Distribution of the cluster.")] = Distro.k3s,
    values_files: Annotated[
        list[Path] | None,
        typer.Option(
            "--values-file",
            metavar="FILE",
            help="Also check FILE as plain rke2-multus values (a multus-values.yaml for helm install -f); repeatable.",
        ),
    ] = None,
    chart_version: Annotated[
        str | None,
        typer.Option(
            "--chart-version",
            metavar="VERSION",
            help=f"rke2-multus version the --values-file files are for. [default: {charts.DEFAULT_CHART_VERSION}]",
        ),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--output", "-o", help="text (one finding per line) or json (a report).")
    ] = Format.text,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 1) on warnings too.")] = False,
) -> None:
    """Check Multus manifests in files and folders against a cluster's K3s version and data dir.

    Understands K3s HelmChart/HelmChartConfig for rke2-multus and rke2-multus-crd, NetworkAttachmentDefinitions,
    Flux HelmReleases, Argo CD Applications, Fleet fleet.yaml files and multus-gen spec files; skips
    everything else. Checks the CRD shape, a pinned and known chart version, the CNI dirs, kubeconfig and
    multusAutoconfigDir for the K3s and chart versions, the whereabouts and DHCP prerequisites, the companion
    CRD chart, failurePolicy, and every NAD's CNI and IPAM config.

    Findings go to stdout as FILE::$.json.path (document, line): message (fix); a summary goes to stderr.
    Exit codes: 0 no errors (warnings allowed unless --strict), 1 findings, 2 usage error.

    \b
    Examples:
      multus-gen validate clusters/
      multus-gen validate multus.yaml --k3s-version v1.30.5+k3s1 --data-dir /srv/k3s
      multus-gen validate --values-file multus-values.yaml --chart-version v4.2.202
      multus-gen validate manifests/ -o json | jq '.findings[] | select(.severity == "error")'
    """
    from .. import checks

    paths = list(paths or [])
    values_files = list(values_files or [])
    if not paths and not values_files:
        raise UsageError("nothing to check", where="PATH", fix="name files or folders, or pass --values-file")
    cluster = checks.make_cluster(distro.value, k3s_version, data_dir)
    version = chart_version if chart_version is not None else charts.DEFAULT_CHART_VERSION
    candidates, skipped = collect(paths)
    problems: list[checks.Problem] = []
    sources: list[checks.Source] = []
    specs: list[Candidate] = []
    failed: list[str] = []

    def load(cand: Candidate) -> checks.Source | None:
        from ..loaders import read_text

        try:
            text = read_text(cand.path, where=cand.display)
        except InputError as exc:  # the reader names the file first: "x.yaml is not valid UTF-8"
            message = exc.message.removeprefix(f"{cand.path} ")
            message = f"the file {message}" if message != exc.message else message
            problems.append(checks.file_problem(cand.display, message, exc.fix))
            failed.append(cand.display)
            return None
        try:
            docs = checks.parse_text(text, where=cand.display, as_json=cand.path.suffix.lower() == ".json")
        except InputError as exc:
            if checks.looks_like_ours(text, cand.path.name):
                problems.append(checks.file_problem(cand.display, exc.message, exc.fix))
                failed.append(cand.display)
            else:
                skipped.append({"path": cand.display, "reason": f"not ours and {exc.message}"})
            return None
        return checks.Source(cand.display, docs, cand.path.name)

    bar = _progress(candidates)
    iterator = bar if bar is not None else candidates
    try:
        if bar is not None:
            bar.__enter__()
        for cand in iterator:
            src = load(cand)
            if src is None:
                continue
            sources.append(src)
            if any(checks.is_spec(doc.data) for doc in src.docs):
                specs.append(cand)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)

    named = candidates + [Candidate(path, str(path), False) for path in values_files]
    context = [src for src in (load_quietly(c) for c in neighbours(candidates, named)) if src is not None]
    value_sources = []
    for path in values_files:
        cand = Candidate(path, str(path), True)
        if not os.path.lexists(path):
            raise UsageError(f"{path} does not exist", where="--values-file")
        src = load(cand)
        if src is not None:
            value_sources.append(src)
    result = checks.check_sources(sources, cluster, values_files=value_sources, chart_version=version, context=context)
    problems += result.problems
    for cand in specs:
        problems += checks.spec_problems(cand.path, cand.display)

    checked = [s.file for s in sources if s.file in result.ours] + [s.file for s in value_sources] + failed
    order = {name: i for i, name in enumerate(dict.fromkeys([*checked, *(p.file for p in problems)]))}
    problems.sort(key=lambda p: (order.get(p.file, len(order)), p.document or 0, p.line or 0, p.json_path))
    for src in sources:
        if src.file not in result.ours:
            kinds = sorted({str(d.data.get("kind")) for d in src.docs if isinstance(d.data, dict) and "kind" in d.data})
            reason = "no Multus documents" + (f" (kinds: {', '.join(kinds)})" if kinds else "")
            skipped.append({"path": src.file, "reason": reason})
    errors = sum(1 for p in problems if p.is_error)
    warnings = len(problems) - errors
    files = list(dict.fromkeys(checked))

    if output_format is Format.json:
        from .. import __version__

        report = {
            "multus_gen": __version__,
            "cluster": {
                "distro": cluster.distro,
                "k3s_version": str(cluster.k3s_version),
                "data_dir": cluster.data_dir,
            },
            "files": files,
            "findings": [p.as_dict() for p in problems],
            "skipped": skipped,
            "summary": {"files": len(files), "errors": errors, "warnings": warnings},
        }
        sys.stdout.write(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    else:
        colours = {"error": "red", "warning": "yellow"}
        for p in problems:
            click.echo(click.style(p.severity, fg=colours[p.severity], bold=p.is_error) + ": " + p.one_line())
    click.echo(_summary(len(files), errors, warnings), err=True)
    failing = errors > 0 or (strict and warnings > 0)
    raise typer.Exit(EXIT_INVALID if failing else EXIT_OK)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def _summary(files: int, errors: int, warnings: int) -> str:
    return f"{_plural(files, 'file')} checked, {_plural(errors, 'error')}, {_plural(warnings, 'warning')}"


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
