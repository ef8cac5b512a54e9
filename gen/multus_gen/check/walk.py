"""What ``multus-gen validate`` reads: files and folders walked, loaded and checked into one report.

Reading and walking happen here; every rule is in ``multus_gen.check.rules``.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from multus_gen.check.cluster import Cluster
from multus_gen.check.documents import Source, file_problem, is_spec, looks_like_ours
from multus_gen.errors import InputError, UsageError
from multus_gen.findings import Finding
from multus_gen.findings import allow as allow_rules
from multus_gen.knowledge import charts, k3s
from multus_gen.record import record, replace
from multus_gen.yamlio.reader import MAX_FILE_BYTES, is_stdin, parse_text

#: What the K3s deploy controller reads (FACTS 6), and so what validate reads.
EXTENSIONS = (".yaml", ".yml", ".json")

#: How findings and reports name standard input.
STDIN_DISPLAY = "<stdin>"

#: ``progress(total)`` -> a context whose value is ``update(n)`` or None (no bar).
Progress = Callable[[int], AbstractContextManager[Callable[[int], Any] | None]]


@record
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
        if is_stdin(root):  # `validate -` and `validate /dev/stdin`: one stream, read as YAML
            if STDIN_DISPLAY not in seen:
                seen.add(STDIN_DISPLAY)
                files.append(Candidate(root, STDIN_DISPLAY, True))
            continue
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


#: How much ``neighbours`` reads at most: the named files' folders may hold anything (a pre-commit run in a
#: folder of 100,000 files must not read them all). Beyond either bound it stops and says so on stderr.
MAX_NEIGHBOUR_FILES = 1000
MAX_NEIGHBOUR_BYTES = 32 << 20


def neighbours(candidates: list[Candidate], checked: list[Candidate]) -> tuple[list[Candidate], str | None]:
    """YAML/JSON files next to the named files that are not checked themselves: the context for the checks
    across files (a pre-commit run names only the changed files; the companion CRD chart may sit beside them).
    At most :data:`MAX_NEIGHBOUR_FILES` files of :data:`MAX_NEIGHBOUR_BYTES` in all; the second value says
    where it stopped (None: it read them all)."""
    seen = {os.path.realpath(c.path) for c in checked}
    out: list[Candidate] = []
    total = 0
    for folder in dict.fromkeys(c.path.parent for c in candidates if c.explicit and not is_stdin(c.path)):
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
                size = entry.stat().st_size if regular else 0
            except OSError:
                regular, size = False, 0
            if not regular or size > MAX_FILE_BYTES or os.path.realpath(path) in seen:
                continue  # the reader refuses a file that large unread: it takes no part
            if len(out) >= MAX_NEIGHBOUR_FILES or total + size > MAX_NEIGHBOUR_BYTES:
                return out, (
                    f"read {_plural(len(out), 'neighbouring file')} ({total >> 10} KiB) for the checks across "
                    f"files and stopped at {path} (at most {MAX_NEIGHBOUR_FILES} files, "
                    f"{MAX_NEIGHBOUR_BYTES >> 20} MiB): name the files that belong together to check them all"
                )
            seen.add(os.path.realpath(path))
            total += size
            out.append(Candidate(path, str(path), False))
    return out, None


def load_quietly(cand: Candidate) -> Source | None:
    from multus_gen.yamlio.reader import read_text

    try:
        text = read_text(cand.path, where=cand.display)
        if not looks_like_ours(text, cand.path.name):
            return None  # nothing there can take part in a check across files: do not parse it
        docs = parse_text(text, where=cand.display, as_json=cand.path.suffix.lower() == ".json")
    except InputError:
        return None
    return Source(cand.display, docs, cand.path.name, declared_ipams(text), made_for(text), made_in(text))


def declared_ipams(text: str) -> tuple[str, ...]:
    """The IPAMs a file of multus-gen's says its networks use (``ipam=`` in its ``# inputs:`` header)."""
    from multus_gen.yamlio.serialize import read_inputs

    inputs = read_inputs(text)
    return tuple(inputs["ipam"].split("+")) if inputs and "ipam" in inputs else ()


def made_for(text: str) -> tuple[str, str, str] | None:
    """The cluster a file of multus-gen's was generated for, from its ``# inputs:`` header: (distro, K3s
    version, data dir); None without a header."""
    from multus_gen.yamlio.serialize import read_inputs

    inputs = read_inputs(text)
    if not inputs or "distro" not in inputs:
        return None
    return inputs["distro"], inputs.get("k3s-version", ""), inputs.get("data-dir", "")


def made_in(text: str) -> str | None:
    """The cluster of its spec a fleet's file says it was rendered for (``cluster=`` in its header)."""
    from multus_gen.yamlio.serialize import read_inputs

    inputs = read_inputs(text)
    return inputs.get("cluster") if inputs else None


def stream_parts(src: Source, text: str) -> list[Source]:
    """A printed stream of several files of multus-gen's (``render -c FLEET`` to stdout: each file after a
    ``# path: <file>`` line and with its own header) as one Source per file, named ``<stream>#<file>`` and
    checked as that file of a rendered tree would be: for the cluster its own header names, beside the files of
    its own folder. Any other file is one Source."""
    starts = [i + 1 for i, line in enumerate(text.split("\n")) if line.startswith("# path: ")]
    if len(starts) < 2:
        return [src]
    lines = text.split("\n")
    parts = []
    for n, start in enumerate(starts):
        end = starts[n + 1] if n + 1 < len(starts) else len(lines) + 1
        chunk = "\n".join(lines[start - 1 : end - 1])
        docs = [d for d in src.docs if start <= (d.line_of(()) or 0) < end]
        name = lines[start - 1].removeprefix("# path: ").strip()
        if docs:
            file = f"{src.file}#{name}"
            parts.append(
                replace(
                    src,
                    file=file,
                    docs=docs,
                    ipams=declared_ipams(chunk),
                    made_for=made_for(chunk),
                    made_in=made_in(chunk),
                )
            )
    return parts or [src]


def _cluster_of(made: tuple[str, str, str] | None, default: Cluster) -> Cluster:
    """The cluster a header names (its values checked as the flags are), else ``default``."""
    if made is None:
        return default
    distro, version, data_dir = made
    if distro == "rke2":
        return Cluster("rke2")
    try:
        parsed = k3s.K3sVersion.parse(version) if version else default.k3s_version
    except ValueError:
        return default
    return Cluster("k3s", parsed, data_dir if data_dir.startswith("/") else default.data_dir)


#: A cluster as a header or a spec names it: (distro, K3s version, data dir); ("rke2", "", "") on RKE2.
Made = tuple[str, str, str]


class SpecClusters:
    """The clusters of a spec file (``validate -c SPEC``), for the files of the folders ``render`` writes.

    ``clusters``: a fleet's clusters by name (``render`` writes cluster NAME's files under ``<out-dir>/NAME/``);
    ``single``: a single-cluster spec's cluster (its files are the out dir itself: every file checked is its);
    ``allowed``: the rule ids each cluster's files are let through with (its ``chart.allow`` and its networks'
    ``allow``, as ``render`` applied them), by cluster name ("" for a single-cluster spec);
    ``release_folders``: the release name of each cluster whose format puts its files in release folders
    (flux, fleet: render writes ``<cluster>/<name>/``, ``<cluster>/<name>-networks/``, ...), "" for the others.
    Held as dicts: a file's cluster is looked up once per file (a fleet of 10,000 clusters, 30,000 files)."""

    def __init__(
        self,
        spec: str,
        clusters: tuple[tuple[str, Made], ...] = (),
        single: Made | None = None,
        *,
        allowed: tuple[tuple[str, tuple[str, ...]], ...] = (),
        release_folders: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.spec = spec
        self.single = single
        self.named: dict[str, Made] = dict(clusters)
        self.allowed: dict[str, tuple[str, ...]] = dict(allowed)
        self.releases: dict[str, str] = dict(release_folders)

    def allow_of(self, name: str | None) -> tuple[str, ...]:
        return self.allowed.get(name or "", ())

    def of(self, parts: tuple[str, ...], header: str | None = None) -> tuple[str | None, Made] | None:
        """The cluster of a file whose folders are ``parts`` (outermost first): the folder named after the
        cluster its header names (``header``), when one of its folders is (a Flux or Fleet cluster's files lie in
        folders named after the release, ``edge/multus/multus.yaml``, which may be another cluster's name too);
        else the innermost folder named after a cluster of the fleet (an out dir named like a cluster does not
        hide the cluster folder inside), unless that folder holds the file and is a release folder of the
        cluster folder around it; None: no cluster of the spec."""
        if self.single is not None:
            return None, self.single
        named = self.named
        if header is not None and header in named and header in parts:
            return header, named[header]
        for i in range(len(parts) - 1, -1, -1):
            part = parts[i]
            if part not in named:
                continue
            outer = parts[i - 1] if i > 0 else ""
            if i == len(parts) - 1 and outer in named and _release_folder(part, self.releases.get(outer, "")):
                return outer, named[outer]  # a Flux/Fleet cluster's release folder named like another cluster
            return part, named[part]
        return None


def _release_folder(folder: str, release: str) -> bool:
    return bool(release) and (folder == release or folder.startswith(release + "-"))


def _folders(cand: Candidate, part: str) -> tuple[str, ...]:
    """The folders a checked file is in: its path's (absolute: ``validate -c ../spec.yaml .`` inside a cluster
    folder finds it), then, for one file of a printed fleet stream (``<stream>#edge/multus.yaml``), the folders
    of its ``# path:`` line inside the out dir."""
    base = () if is_stdin(cand.path) else Path(os.path.abspath(cand.path)).parent.parts
    rel = part[len(cand.display) + 1 :] if part != cand.display else ""
    return base + (Path(rel).parent.parts if rel else ())


def _describe(made: Made) -> str:
    distro, version, data_dir = made
    return distro if distro == "rke2" else f"{distro} {version or '(default version)'}, data dir {data_dir or '?'}"


def _by_spec(
    src: Source,
    cand: Candidate,
    spec: SpecClusters,
    default: Cluster,
    problems: list[Finding] | None,
    headers: bool,
    allowed: dict[str, tuple[str, ...]] | None = None,
) -> Source:
    """``src`` made for the spec's cluster whose folder holds it (the spec wins over the ``# inputs:`` header);
    a header naming another cluster is a finding (``problems``: None for the files read only as context). A file
    in no cluster's folder keeps its header only when headers count (``headers``: no --k3s-version)."""
    found = spec.of(_folders(cand, src.file), src.made_in)
    if found is None:
        return src if headers else replace(src, made_for=None)
    name, made = found
    if allowed is not None and spec.allow_of(name):
        allowed[src.file] = spec.allow_of(name)
    if (
        problems is not None
        and src.made_for is not None
        and _cluster_of(src.made_for, default) != _cluster_of(made, default)
    ):
        where = f"cluster {name!r}" if name is not None else "the cluster"
        problems.append(
            file_problem(
                src.file,
                f"the file's # inputs: header says it was generated for {_describe(src.made_for)}, but it is in "
                f"the folder of {where} of {spec.spec}: {_describe(made)}; checked for the spec's cluster",
                f"render the spec again (multus-gen render -c {spec.spec} --out-dir DIR), or move the file to the "
                "folder of the cluster it was generated for",
                "file-cluster",
            )
        )
    return replace(src, made_for=made)


@dataclass
class Report:
    """The outcome of a validate run, in the order findings are shown."""

    cluster: Cluster
    files: list[str]
    problems: list[Finding]
    skipped: list[dict[str, str]] = field(default_factory=list)
    #: What the run says on stderr besides the summary (e.g. where it stopped reading neighbouring files).
    notes: list[str] = field(default_factory=list)
    #: the cluster each checked file was checked against (its header's, its spec folder's, else ``cluster``)
    file_clusters: dict[str, Cluster] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.is_error)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    def summary(self) -> str:
        return (
            f"{_plural(len(self.files), 'file')} checked, {_plural(self.errors, 'error')}, "
            f"{_plural(self.warnings, 'warning')}"
        )

    def as_dict(self) -> dict[str, Any]:
        from multus_gen import __version__

        return {
            "multus_gen": __version__,
            "cluster": _cluster_dict(self.cluster, always=True),
            "files": self.files,
            # the cluster each file was checked against (its header's or its spec folder's; else "cluster")
            "file_clusters": {f: _cluster_dict(self.file_clusters.get(f, self.cluster)) for f in self.files},
            "findings": [p.as_dict() for p in self.problems],
            "skipped": self.skipped,
            "summary": {"files": len(self.files), "errors": self.errors, "warnings": self.warnings},
        }


def _cluster_dict(cluster: Cluster, always: bool = False) -> dict[str, str]:
    """A cluster in the JSON report (an RKE2 cluster has no K3s version or data dir of ours to name, except in
    the report's own ``cluster``, which kept them)."""
    if cluster.distro == "rke2" and not always:
        return {"distro": "rke2"}
    return {"distro": cluster.distro, "k3s_version": str(cluster.k3s_version), "data_dir": cluster.data_dir}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


@contextlib.contextmanager
def _no_progress(_total: int) -> Iterator[None]:
    yield None


def validate_paths(
    paths: list[Path],
    *,
    cluster: Cluster,
    values_files: list[Path],
    chart_version: str | None,
    progress: Progress = _no_progress,
    allow: tuple[str, ...] = (),
    spec_findings: Callable[[Path, str], list[Finding]] | None = None,
    headers: bool = False,
    spec: SpecClusters | None = None,
) -> Report:
    """Check ``paths`` (files and folders) and ``values_files`` (plain chart values) for ``cluster``.

    ``spec_findings(path, display)``: what a multus-gen spec file among them gives (the generator's pipeline,
    handed in by the caller: the checks never call up into the builders); None: spec files are listed, not
    checked. ``headers``: each file of multus-gen's is checked against the cluster its ``# inputs:`` header
    names (a fleet's clusters differ); files without one against ``cluster``. ``spec``: a file in the folder of
    a cluster of that spec is checked against it whatever its header says (a header naming another cluster is
    a ``file-cluster`` finding); the other files as without it."""
    from multus_gen.check import rules

    if not paths and not values_files:
        raise UsageError("nothing to check", where="PATH", fix="name files or folders, or pass --values-file")
    version = chart_version if chart_version is not None else charts.DEFAULT_CHART_VERSION
    candidates, skipped = collect(paths)
    problems: list[Finding] = []
    sources: list[Source] = []
    specs: list[Candidate] = []
    failed: list[str] = []

    texts: dict[str, str] = {}
    #: file -> the rules its spec cluster allows (validate -c: what render let through is let through here)
    allowed: dict[str, tuple[str, ...]] = {}

    def load(cand: Candidate) -> Source | None:
        from multus_gen.yamlio.reader import read_text

        try:
            text = read_text(cand.path, where=cand.display)
        except InputError as exc:  # the reader names the file first: "x.yaml is not valid UTF-8"
            message = exc.message.removeprefix(f"{cand.path} ")
            message = f"the file {message}" if message != exc.message else message
            problems.append(file_problem(cand.display, message, exc.fix))
            failed.append(cand.display)
            return None
        try:
            docs = parse_text(text, where=cand.display, as_json=cand.path.suffix.lower() == ".json")
        except InputError as exc:
            if looks_like_ours(text, cand.path.name):
                problems.append(file_problem(cand.display, exc.message, exc.fix, "file-syntax"))
                failed.append(cand.display)
            else:
                skipped.append({"path": cand.display, "reason": f"not ours and {exc.message}"})
            return None
        texts[cand.display] = text
        return Source(cand.display, docs, cand.path.name, declared_ipams(text), made_for(text), made_in(text))

    with progress(len(candidates)) as update:
        for cand in candidates:
            src = load(cand)
            if update is not None:
                update(1)
            if src is None:
                continue
            parts = stream_parts(src, texts.pop(cand.display, ""))
            if spec is not None:
                parts = [_by_spec(part, cand, spec, cluster, problems, headers, allowed) for part in parts]
            sources += parts
            if any(is_spec(doc.data) for doc in src.docs):
                specs.append(cand)

    named = candidates + [Candidate(path, str(path), False) for path in values_files]
    nearby, stopped = neighbours(candidates, named)
    context = [src for src in (load_quietly(c) for c in nearby) if src is not None]
    if spec is not None:
        context = [
            _by_spec(src, Candidate(Path(src.file), src.file, False), spec, cluster, None, headers) for src in context
        ]
    value_sources = []
    for path in values_files:
        cand = Candidate(path, str(path), True)
        if not os.path.lexists(path):
            raise UsageError(f"{path} does not exist", where="--values-file")
        src = load(cand)
        if src is not None:
            value_sources.append(src)
    groups: dict[tuple[str, str, str] | None, tuple[list[Source], list[Source]]] = {}
    for src in sources:
        groups.setdefault(src.made_for if headers or spec else None, ([], []))[0].append(src)
    for src in context:
        groups.setdefault(src.made_for if headers or spec else None, ([], []))[1].append(src)
    if (headers or spec) and None in groups:
        # a file without a cluster header (`multus-gen nad` without --k3s-version, a hand-written NAD) belongs
        # to no cluster of its own: the installs of every other checked file are in its sight
        others = [src for made, (group, _) in groups.items() if made is not None for src in group]
        groups[None][1].extend(others)
    ours: dict[str, list[str]] = {}
    file_clusters: dict[str, Cluster] = {}
    for made, (group, group_context) in groups.items():
        file_clusters.update((src.file, _cluster_of(made, cluster)) for src in group)
        result = rules.check_sources(
            group,
            _cluster_of(made, cluster),
            values_files=value_sources if made is None else [],
            chart_version=version,
            context=group_context,
        )
        problems += result.problems
        ours.update(result.ours)
    if value_sources and None not in groups:
        result = rules.check_sources([], cluster, values_files=value_sources, chart_version=version)
        problems += result.problems
        ours.update(result.ours)
    if spec_findings is not None:
        for cand in specs:
            problems += spec_findings(cand.path, cand.display)
    if allowed:
        problems = [
            allow_rules([p], allowed[p.at.file])[0] if p.at.file in allowed and p.rule != "file-cluster" else p
            for p in problems
        ]
    problems = allow_rules(problems, allow)

    checked = [s.file for s in sources if s.file in ours] + [s.file for s in value_sources] + failed
    files = [p.at.file or "" for p in problems]
    order = {name: i for i, name in enumerate(dict.fromkeys([*checked, *files]))}
    problems.sort(
        key=lambda p: (order.get(p.at.file or "", len(order)), p.at.document or 0, p.at.line or 0, p.at.text())
    )
    for src in sources:
        if src.file not in ours:
            kinds = sorted({str(d.data.get("kind")) for d in src.docs if isinstance(d.data, dict) and "kind" in d.data})
            reason = "no Multus documents" + (f" (kinds: {', '.join(kinds)})" if kinds else "")
            skipped.append({"path": src.file, "reason": reason})
    return Report(cluster, list(dict.fromkeys(checked)), problems, skipped, [stopped] if stopped else [], file_clusters)
