"""The state of one check over a set of files: the findings, the chart installs found (whatever the
engine) with their values in precedence order, and the helpers that read values."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from typing import Any

from multus_gen.check.catalog import severity
from multus_gen.check.cluster import Cluster
from multus_gen.check.documents import Source
from multus_gen.errors import InputError
from multus_gen.findings import Finding, JsonPath, Location
from multus_gen.knowledge import charts
from multus_gen.record import record, replace
from multus_gen.values.compose import UserValues, compose
from multus_gen.yamlio.reader import Document, parse_text


class _Out:
    """Findings of one run, located by file, document and JSON path; each rule reports with its severity."""

    def __init__(self) -> None:
        self.items: list[Finding] = []

    def add(
        self,
        src: Source,
        doc: Document | None,
        at: JsonPath,
        rule: str,
        message: str,
        fix: str | None = None,
    ) -> None:
        self.found(src, doc, Finding(severity(rule), message, fix, Location(path=at), rule))

    def found(self, src: Source, doc: Document | None, finding: Finding) -> None:
        """``finding`` (located by its JSON path inside ``doc``) in ``src``."""
        at = finding.at.path or ()
        line = doc.line_of(at) if doc is not None else None
        document = doc.index + 1 if doc is not None and src.multi else None
        where = Location(file=src.file, path=at, document=document, line=line)
        message = " ".join(finding.message.split())
        fix = " ".join(finding.fix.split()) if finding.fix else None
        self.items.append(replace(finding, message=message, fix=fix, at=where))


def lookup(node: Any, keys: Sequence[str | int]) -> tuple[bool, Any]:
    for key in keys:
        present = (isinstance(node, dict) and key in node) or (
            isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node)
        )
        if not present:
            return False, None
        node = node[key]
    return True, node


def _leaves(values: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    if isinstance(values, dict) and values:
        for key, value in values.items():
            yield from _leaves(value, (*prefix, str(key)))
    elif prefix:
        yield prefix, values


def overlay_leaves(overlays: Iterable[str], params: dict[str, str]) -> list[tuple[tuple[str, ...], Any]]:
    """The leaves of the shipped overlays composed in order (cached: every install asks for the same few)."""
    return _overlay_leaves_cached(tuple(overlays), tuple(sorted(params.items())))


@cache
def _overlay_leaves_cached(
    overlays: tuple[str, ...], params: tuple[tuple[str, str], ...]
) -> list[tuple[tuple[str, ...], Any]]:
    return list(_leaves(compose(list(overlays), dict(params), UserValues())))


def dotted(keys: Sequence[str | int]) -> str:
    return ".".join(str(k) for k in keys)


@record
class _Layer:
    """One source of chart values: a mapping found at ``at`` in ``doc`` (its keys continue the JSON path)."""

    src: Source
    doc: Document
    at: JsonPath
    values: dict[str, Any]
    whole: bool = False  # a --set style entry: findings point at the entry itself


class Install:
    """One chart installation, whatever the engine, with its values in precedence order (``layers``)."""

    def __init__(
        self,
        src: Source,
        doc: Document,
        kind: str,
        chart: str,
        chart_at: JsonPath,
        version: str | None,
        version_at: JsonPath,
        anchor: JsonPath,  # where values would go when none are set
        *,
        layers: list[_Layer] | None = None,
        name: str | None = None,
        namespace: str | None = None,
        version_in: tuple[Source, Document, str] | None = None,
    ) -> None:
        self.src, self.doc, self.kind, self.chart, self.chart_at = src, doc, kind, chart, chart_at
        self.version, self.version_at, self.anchor = version, version_at, anchor
        self.layers: list[_Layer] = layers if layers is not None else []
        self.sets: list[tuple[str, bool, _Layer]] = []  # (expression, as string, layer)
        self.name, self.namespace = name, namespace
        self.facts: charts.ChartFacts | None = None
        self.values: dict[str, Any] = {}
        self.configs: list[tuple[Source, Document]] = []
        self.partial = False  # only overrides are in sight (a HelmChartConfig without its HelmChart)
        #: The version is in another document (a Flux source named by chartRef): that document, the field's name.
        self.version_in = version_in

    def origin(self, keys: Sequence[str]) -> tuple[Source, Document, JsonPath]:
        """Where the value at ``keys`` was set (the highest layer that has it), or its nearest parent."""
        ordered = list(reversed(self.layers))
        for layer in ordered:
            if lookup(layer.values, keys)[0]:
                return layer.src, layer.doc, layer.at if layer.whole else (*layer.at, *keys)
        for cut in range(len(keys) - 1, 0, -1):
            for layer in ordered:
                if not layer.whole and lookup(layer.values, keys[:cut])[0]:
                    return layer.src, layer.doc, (*layer.at, *keys[:cut])
        for layer in ordered:
            if not layer.whole:
                return layer.src, layer.doc, layer.at
        return self.src, self.doc, self.anchor


class Run:
    """State of one check over a set of sources."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.out = _Out()
        self.installs: list[Install] = []
        self.configs: list[tuple[Source, Document]] = []
        self.nads: list[tuple[Source, Document]] = []
        self.ours: dict[str, list[str]] = {}
        self.releases: list[tuple[Source, Document]] = []
        self.flux_sources: dict[tuple[str, str, str], tuple[Source, Document]] = {}

    def mark(self, src: Source, kind: str) -> None:
        self.ours.setdefault(src.file, []).append(kind)

    # -- values sources --------------------------------------------------------------------------

    def embedded(self, src: Source, doc: Document, at: JsonPath, text: object, what: str) -> _Layer | None:
        """A values mapping written as a YAML string (valuesContent, Argo's helm.values)."""
        if not isinstance(text, str):
            self.out.add(
                src, doc, at, "values-syntax", f"{what} must be a string holding YAML", "write it as a block: |"
            )
            return None
        if not text.strip():
            return _Layer(src, doc, at, {})
        where = Location(file=src.file, path=at).text()
        try:
            docs = parse_text(text, where=where)
        except InputError as exc:
            self.out.add(src, doc, at, "values-syntax", f"{what}: {exc.message}")
            return None
        if len(docs) > 1:
            self.out.add(src, doc, at, "values-syntax", f"{what} holds {len(docs)} YAML documents; helm reads one")
            return None
        data = docs[0].data if docs else {}
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.out.add(src, doc, at, "values-syntax", f"{what} must be a YAML mapping, not a {type(data).__name__}")
            return None
        if not self.keys_ok(src, doc, at, data):
            return None
        return _Layer(src, doc, at, data)

    def mapping(self, src: Source, doc: Document, at: JsonPath, data: object, what: str) -> _Layer | None:
        if data is None:
            return None
        if not isinstance(data, dict):
            self.out.add(src, doc, at, "values-syntax", f"{what} must be a mapping of chart values")
            return None
        if not self.keys_ok(src, doc, at, data):
            return None
        return _Layer(src, doc, at, data)

    def keys_ok(self, src: Source, doc: Document, at: JsonPath, data: dict[Any, Any]) -> bool:
        from multus_gen.values.compose import _check_keys

        try:
            _check_keys(data, "values")
        except InputError as exc:
            self.out.add(src, doc, at, "values-keys", exc.message, exc.fix)
            return False
        return True

    def set_entry(self, inst: Install, at: JsonPath, expr: str, as_string: bool) -> None:
        from multus_gen.values.strvals import parse_set

        try:
            single = parse_set(expr, string_values=as_string, into={}, flag="set")
        except InputError as exc:
            self.out.add(inst.src, inst.doc, at, "values-set-entry", exc.message, exc.fix)
            return
        inst.sets.append((expr, as_string, _Layer(inst.src, inst.doc, at, single, whole=True)))

    def unchecked(self, src: Source, doc: Document, at: JsonPath, what: str) -> None:
        self.out.add(
            src, doc, at, "values-unchecked", f"{what}: multus-gen cannot see those values, so they are not checked"
        )
