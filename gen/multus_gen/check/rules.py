"""The checking core of ``multus-gen validate``: parsed documents in, findings out.

What it understands (everything else is "not ours" and is skipped):

* K3s ``HelmChart`` / ``HelmChartConfig`` (``helm.cattle.io/v1``) for ``rke2-multus`` and ``rke2-multus-crd``:
  the upstream CRD's shape, a pinned, published, not broken chart version, and the chart values after
  helm-controller's precedence (FACTS 5: HelmChart valuesContent < values < HelmChartConfig valuesContent <
  values < HelmChart ``set``) against the cluster: CNI conf/bin dir and kubeconfig for the K3s version and
  data dir, ``multusAutoconfigDir`` per chart version gate, the rke2-whereabouts dirs, the companion CRD
  chart, ``failurePolicy``.
* ``NetworkAttachmentDefinition``: :func:`multus_gen.networks.nad.check_nad` with the K3s paths, plus the
  chart prerequisites of its IPAM (whereabouts, dhcp daemon) when a Multus install is among the documents.
* Flux ``HelmRelease``, Argo CD ``Application`` and Rancher Fleet ``fleet.yaml`` that install rke2-multus
  (FACTS 9): chart name, version and values are extracted and get the same value checks. A HelmRelease's
  ``spec.chartRef`` is followed to the OCIRepository or Flux ``HelmChart`` it names (among the documents).
* multus-gen spec files are recognised here (:func:`is_spec`); :func:`spec_problems` runs the generator's
  own pipeline on them (the one function here that reads a file: ``load_spec`` takes a path).

Every rule comes from the knowledge tables (``knowledge.charts.chart_facts``, ``knowledge.k3s.paths``,
``knowledge.rke2``) and the shipped overlays (what the generator would write); nothing here compares
version numbers itself.

Severity: ``error`` -- the installation breaks or does something other than it says; ``warning`` -- it works
now but is fragile (legacy bin dir that moves on upgrade, ``failurePolicy: reinstall``, per-node host-local
state, fields an older helm-controller drops).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multus_gen.check.catalog import severity
from multus_gen.errors import InputError, UsageError
from multus_gen.findings import Finding, Location
from multus_gen.knowledge import charts, helm_controller, k3s, rke2
from multus_gen.model.options import IPAMS
from multus_gen.model.record import record, replace
from multus_gen.values.compose import UserValues, compose, get_path, merge
from multus_gen.yamlio.reader import (
    Document,
    JsonPath,
    parse_text,
)

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

DISTROS = ("k3s", "rke2")

# --------------------------------------------------------------------------------------------------
# Findings


def file_problem(file: str, message: str, fix: str | None = None, rule: str = "file-unreadable") -> Finding:
    """A finding about a whole file (unreadable, not YAML...)."""
    return Finding(severity(rule), " ".join(message.split()), fix, Location(file=file, path=()), rule)


# --------------------------------------------------------------------------------------------------
# The cluster the files are checked against


@record
class CniDirs:
    conf_dir: str
    bin_dir: str
    kubeconfig: str
    bin_dir_stable: bool
    legacy_bin_dir: str | None
    stable_bin_dir: str | None


#: The chart's defaults for the dirs: the standard CNI dirs (the ones RKE2 uses; FACTS 2, 3).
CHART_DEFAULTS: dict[str, str] = {
    "confDir": rke2.CONF_DIR,
    "binDir": rke2.BIN_DIR,
    "kubeconfig": rke2.MULTUS_KUBECONFIG,
    "multusAutoconfigDir": rke2.CONF_DIR,
}
_DIR_KEYS = frozenset(CHART_DEFAULTS)


@record
class Cluster:
    """What the files are checked against: distribution, K3s version and data dir."""

    distro: str = "k3s"
    k3s_version: k3s.K3sVersion = k3s.K3sVersion.parse(k3s.DEFAULT_K3S_VERSION)
    data_dir: str = k3s.DEFAULT_DATA_DIR

    @property
    def k3s_paths(self) -> k3s.K3sPaths | None:
        return k3s.paths(self.data_dir, self.k3s_version) if self.distro == "k3s" else None

    @property
    def cni(self) -> CniDirs:
        paths = self.k3s_paths
        if paths is None:
            return CniDirs(rke2.CONF_DIR, rke2.BIN_DIR, rke2.MULTUS_KUBECONFIG, True, None, None)
        return CniDirs(
            paths.conf_dir,
            paths.bin_dir,
            paths.multus_kubeconfig,
            paths.bin_dir_stable,
            k3s.legacy_bin_dir(paths.data_dir),
            k3s.stable_bin_dir(paths.data_dir),
        )

    def params(self) -> dict[str, str]:
        """The placeholders of the shipped overlays, for this cluster."""
        cni = self.cni
        return {
            "data_dir": self.data_dir if self.distro == "k3s" else rke2.DATA_DIR,
            "conf_dir": cni.conf_dir,
            "bin_dir": cni.bin_dir,
            "multus_kubeconfig": cni.kubeconfig,
        }

    def describe(self) -> str:
        return f"K3s {self.k3s_version}" if self.distro == "k3s" else "RKE2"


def make_cluster(distro: str = "k3s", k3s_version: str | None = None, data_dir: str | None = None) -> Cluster:
    """Check the command line's cluster options; a bad value is a usage error naming the flag."""
    from multus_gen.model.options import check_data_dir, parse_k3s_version

    if distro not in DISTROS:
        raise UsageError(f"unknown distribution {distro!r}", where="--distro", fix="use k3s or rke2")
    try:
        version = parse_k3s_version(k3s_version)
        directory = check_data_dir(data_dir if data_dir is not None else k3s.DEFAULT_DATA_DIR)
    except InputError as exc:
        raise UsageError(exc.message, where=exc.where, fix=exc.fix) from None
    return Cluster(distro, version, directory)


# --------------------------------------------------------------------------------------------------
# Sources and classification


@record
class Source:
    """One parsed file: its name as shown in findings and its documents."""

    file: str
    docs: Sequence[Document]
    name: str = ""  # base name (``fleet.yaml`` is recognised by it)

    @property
    def multi(self) -> bool:
        return len(self.docs) > 1 or any(d.index > 0 for d in self.docs)


HELMCHART = "HelmChart"
HELMCHARTCONFIG = "HelmChartConfig"
NAD = "NetworkAttachmentDefinition"
HELMRELEASE = "HelmRelease"
#: Flux sources a HelmRelease's ``spec.chartRef`` can name (source.toolkit.fluxcd.io).
FLUX_SOURCE = "Flux source"
_FLUX_SOURCE_KINDS = ("OCIRepository", "HelmChart")
APPLICATION = "Application"
FLEET = "fleet.yaml"
SPEC = "spec"
VALUES_FILE = "values file"

_FLEET_NAMES = frozenset({"fleet.yaml", "fleet.yml"})
_FLEET_KEYS = frozenset({"defaultNamespace", "namespace", "targetCustomizations", "dependsOn"})
_MULTUS_CHARTS = (charts.CHART_NAME, charts.CRD_CHART_NAME)


def is_spec(data: object) -> bool:
    """A multus-gen spec file: ``apiVersion: multus-gen/v1``, or a top-level ``cluster:`` without apiVersion/kind."""
    if not isinstance(data, dict):
        return False
    if data.get("apiVersion") == "multus-gen/v1":
        return True
    return "cluster" in data and "apiVersion" not in data and "kind" not in data


def kind_of(data: object, file_name: str = "") -> str | None:
    """Which kind of document this is, if it is one validate understands (None: not ours)."""
    if not isinstance(data, dict):
        return None
    if is_spec(data):
        return SPEC
    api, kind = data.get("apiVersion"), data.get("kind")
    if isinstance(api, str) and isinstance(kind, str):
        group = api.split("/", 1)[0]
        if group == "helm.cattle.io" and kind in (HELMCHART, HELMCHARTCONFIG):
            return kind
        if group == "k8s.cni.cncf.io" and kind == NAD:
            return NAD
        if group == "helm.toolkit.fluxcd.io" and kind == HELMRELEASE:
            return HELMRELEASE
        if group == "source.toolkit.fluxcd.io" and kind in _FLUX_SOURCE_KINDS:
            return FLUX_SOURCE
        if group == "argoproj.io" and kind == APPLICATION:
            return APPLICATION
        return None
    fleetish = file_name in _FLEET_NAMES or bool(_FLEET_KEYS & data.keys())
    if api is None and kind is None and isinstance(data.get("helm"), dict) and fleetish:
        return FLEET
    return None


#: Text that marks a file as meant for us even when it does not parse (a broken file of ours is an
#: error; a broken file of someone else's -- a Helm template, say -- is skipped).
_MARKERS = ("helm.cattle.io", "k8s.cni.cncf.io", "rke2-multus", "multus-gen", "NetworkAttachmentDefinition")
_SPEC_MARKER = re.compile(r"(?m)^cluster\s*:")


def looks_like_ours(text: str, file_name: str = "") -> bool:
    """Whether a file that does not parse was meant for multus-gen (so the parse error is a finding)."""
    if file_name in _FLEET_NAMES and "multus" in text:
        return True
    return any(marker in text for marker in _MARKERS) or _SPEC_MARKER.search(text) is not None


def _chart_ref(chart: object) -> tuple[str | None, str | None]:
    """``rke2-multus`` / ``https://.../rke2-multus-v4.3.017.tgz`` / ``oci://.../rke2-multus`` -> (name, version)."""
    if not isinstance(chart, str) or not chart.strip():
        return None, None
    last = chart.strip().rstrip("/").rsplit("/", 1)[-1]
    if last.endswith(".tgz"):
        for name in sorted(_MULTUS_CHARTS, key=len, reverse=True):
            if last.startswith(name + "-"):
                return name, last[len(name) + 1 : -len(".tgz")]
        return None, None
    return (last, None) if last in _MULTUS_CHARTS else (None, None)


# --------------------------------------------------------------------------------------------------
# Collecting findings


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


_PATH_PART = re.compile(r"\.([A-Za-z0-9_-]+)|\[(\d+)\]|\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]")


def _parse_json_path(text: str) -> JsonPath:
    """Best effort inverse of ``loaders.json_path`` (stops at the first part it cannot read)."""
    out: list[str | int] = []
    pos = 1 if text.startswith("$") else 0
    while pos < len(text):
        m = _PATH_PART.match(text, pos)
        if not m:
            break
        if m.group(1) is not None:
            out.append(m.group(1))
        elif m.group(2) is not None:
            out.append(int(m.group(2)))
        else:
            quoted = m.group(3)
            out.append(quoted[1:-1].encode().decode("unicode_escape") if "\\" in quoted else quoted[1:-1])
        pos = m.end()
    return tuple(out)


def _lookup(node: Any, keys: Sequence[str | int]) -> tuple[bool, Any]:
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


def _overlay_leaves(overlays: Iterable[str], params: dict[str, str]) -> list[tuple[tuple[str, ...], Any]]:
    """The leaves of the shipped overlays composed in order (cached: every install asks for the same few)."""
    return _overlay_leaves_cached(tuple(overlays), tuple(sorted(params.items())))


@cache
def _overlay_leaves_cached(
    overlays: tuple[str, ...], params: tuple[tuple[str, str], ...]
) -> list[tuple[tuple[str, ...], Any]]:
    return list(_leaves(compose(list(overlays), dict(params), UserValues())))


def _dotted(keys: Sequence[str | int]) -> str:
    return ".".join(str(k) for k in keys)


# --------------------------------------------------------------------------------------------------
# Installs: one chart installation, whatever the engine, with its values in precedence order


@record
class _Layer:
    """One source of chart values: a mapping found at ``at`` in ``doc`` (its keys continue the JSON path)."""

    src: Source
    doc: Document
    at: JsonPath
    values: dict[str, Any]
    whole: bool = False  # a --set style entry: findings point at the entry itself


class _Install:
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
            if _lookup(layer.values, keys)[0]:
                return layer.src, layer.doc, layer.at if layer.whole else (*layer.at, *keys)
        for cut in range(len(keys) - 1, 0, -1):
            for layer in ordered:
                if not layer.whole and _lookup(layer.values, keys[:cut])[0]:
                    return layer.src, layer.doc, (*layer.at, *keys[:cut])
        for layer in ordered:
            if not layer.whole:
                return layer.src, layer.doc, layer.at
        return self.src, self.doc, self.anchor


class _Run:
    """State of one check over a set of sources."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        self.out = _Out()
        self.installs: list[_Install] = []
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

    def set_entry(self, inst: _Install, at: JsonPath, expr: str, as_string: bool) -> None:
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


# --------------------------------------------------------------------------------------------------
# HelmChart / HelmChartConfig shape (the upstream CRDs, helm-controller v0.17.7; FACTS 5)

_STR: dict[str, Any] = {"type": "string"}
_BOOL: dict[str, Any] = {"type": "boolean"}
_REF: dict[str, Any] = {"type": "object", "properties": {"name": _STR}, "additionalProperties": False}
_VALUES_SECRETS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"name": _STR, "keys": {"type": "array", "items": _STR}, "ignoreUpdates": _BOOL},
    },
}
_FAILURE_POLICY: dict[str, Any] = {"enum": ["abort", "reinstall", "retry"]}
_SERVER_SIDE: dict[str, Any] = {"enum": ["true", "false", "auto"]}
_METADATA: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {
            "type": "string",
            "maxLength": 253,
            "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        },
        "namespace": {"type": "string", "maxLength": 63, "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
        "labels": {"type": "object", "additionalProperties": _STR},
        "annotations": {"type": "object", "additionalProperties": _STR},
    },
}
_HELMCHART_SPEC: dict[str, Any] = {
    "targetNamespace": _STR,
    "createNamespace": _BOOL,
    "chart": _STR,
    "version": _STR,
    "repo": _STR,
    "repoCA": _STR,
    "repoCAConfigMap": _REF,
    "set": {"type": "object", "additionalProperties": {"type": ["string", "integer"]}},
    "values": {"type": "object"},
    "valuesContent": _STR,
    "valuesSecrets": _VALUES_SECRETS,
    "helmVersion": _STR,
    "bootstrap": _BOOL,
    "takeOwnership": _BOOL,
    "serverSide": _SERVER_SIDE,
    "forceConflicts": _BOOL,
    "chartContent": _STR,
    "jobImage": _STR,
    "backOffLimit": {"type": "integer", "minimum": 0, "maximum": 2147483647},
    "timeout": {"type": "string", "pattern": r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"},
    "failurePolicy": _FAILURE_POLICY,
    "authSecret": _REF,
    "authPassCredentials": _BOOL,
    "insecureSkipTLSVerify": _BOOL,
    "plainHTTP": _BOOL,
    "dockerRegistrySecret": _REF,
    "podSecurityContext": {"type": "object"},
    "securityContext": {"type": "object"},
    "driver": {"enum": ["secret", "configmap"]},
}
_HELMCHARTCONFIG_SPEC: dict[str, Any] = {
    "values": {"type": "object"},
    "valuesContent": _STR,
    "valuesSecrets": _VALUES_SECRETS,
    "failurePolicy": _FAILURE_POLICY,
    "serverSide": _SERVER_SIDE,
    "forceConflicts": _BOOL,
}

#: Fields an older helm-controller does not know (its CRD prunes them: they are silently dropped), with
#: the first version that has them. K3s v1.32 ships helm-controller v0.16.5 to v0.16.16 (FACTS 5).
HELM_CONTROLLER_FIELDS = helm_controller.FIELD_SINCE
HELM_CONTROLLER_RETRY = helm_controller.RETRY_SINCE
HELM_CONTROLLER_SOURCE = helm_controller.SOURCE


def _shape(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "helm.cattle.io/v1"},
            "kind": {"const": kind},
            "metadata": _METADATA,
            "spec": {"type": "object", "additionalProperties": False, "properties": spec},
            "status": {"type": "object"},
        },
        "additionalProperties": False,
    }


@cache
def _shape_schema(kind: str) -> dict[str, Any]:
    return _shape(kind, _HELMCHART_SPEC if kind == HELMCHART else _HELMCHARTCONFIG_SPEC)


@cache
def _shape_validator(kind: str) -> Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_shape_schema(kind))


def _shape_message(err: Any) -> tuple[str, str | None]:
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        return (
            f"unknown field(s) {', '.join(map(repr, extra))}: the API server drops (or with strict field "
            "validation rejects) them, so they do nothing",
            "check the spelling against the HelmChart CRD",
        )
    if err.validator == "type" and "string" in str(err.validator_value) and isinstance(err.instance, bool):
        return f"{err.instance!r} is a boolean; this field takes a string", "quote it"
    text = str(err.message)
    if len(text) > 200:
        text = text[:197] + "..."
    return text, None


def _check_shape(run: _Run, src: Source, doc: Document, kind: str) -> None:
    """Report every violation of the upstream CRD's shape (the value checks run anyway, defensively)."""
    from multus_gen.check.schemas import passed_before, remember_pass

    if passed_before(_shape_schema(kind), doc.data):
        return
    errors = sorted(_shape_validator(kind).iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    for err in errors:
        message, fix = _shape_message(err)
        run.out.add(src, doc, tuple(err.absolute_path), "crd-shape", message, fix)
    if not errors:
        remember_pass(_shape_schema(kind), doc.data)


# --------------------------------------------------------------------------------------------------
# Versions


_RANGE_CHARS = set("*^~<>=|, xX")


def _version_check(
    run: _Run, src: Source, doc: Document, at: JsonPath, chart: str, version: object, *, field_name: str
) -> charts.ChartFacts | None:
    """Report an unpinned, unknown or broken chart version; the facts to check values with (None: unknown)."""
    if version is None or (isinstance(version, str) and not version.strip()):
        run.out.add(
            src,
            doc,
            at,
            "chart-not-pinned",
            f"{chart} is not pinned: without {field_name}, the newest chart is installed whenever the install "
            "re-runs, and a new rke2-multus can move the CNI dirs",
            f"set {field_name}: {_default_for(chart)}",
        )
        return None
    if not isinstance(version, str):
        version = str(version)
        run.out.add(src, doc, at, "chart-version-type", f"{field_name} must be a string", f"quote it: '{version}'")
    text = version.strip()
    if any(ch in _RANGE_CHARS for ch in text) or text.endswith(".x"):
        run.out.add(
            src,
            doc,
            at,
            "chart-version-range",
            f"{chart} version {text!r} is a range, not a pin: whatever matches is installed when the install re-runs",
            f"pin an exact version such as {_default_for(chart)}",
        )
        return None
    if chart == charts.CRD_CHART_NAME:
        _crd_version_check(run, src, doc, at, text)
        return None
    from multus_gen.model.options import resolve_chart_version

    try:
        resolve_chart_version(text, allow_unknown=True, where=field_name, distro=run.cluster.distro)
    except InputError as exc:
        # Unknown, misspelled or broken (whose gates describe a broken layout): no gates to check against.
        run.out.add(src, doc, at, "chart-version-unusable", exc.message, exc.fix)
        return None
    facts = charts.chart_facts(text)
    if not facts.published:
        run.out.add(
            src,
            doc,
            at,
            "chart-version-newer",
            f"rke2-multus {text} is newer than every version multus-gen knows (newest: "
            f"{charts.newest_published()}); checked with the newest known gates",
            "update multus-gen, or pin a known version",
        )
    return facts


def _default_for(chart: str) -> str:
    return charts.DEFAULT_CHART_VERSION if chart == charts.CHART_NAME else _default_crd()


def _default_crd() -> str:
    version = charts.companion_crd_version(charts.DEFAULT_CHART_VERSION)
    return version or charts.PUBLISHED_CRD[-1]


def _crd_version_check(run: _Run, src: Source, doc: Document, at: JsonPath, text: str) -> None:
    if text in charts.PUBLISHED_CRD:
        if text in charts.BROKEN_CRD:
            run.out.add(
                src,
                doc,
                at,
                "crd-chart-version-unusable",
                f"rke2-multus-crd {text} {charts.BROKEN_CRD[text]} ({charts.BROKEN_CRD_SOURCE})",
                f"use {_default_crd()}",
            )
        return
    if text.startswith("v") and text[1:] in charts.PUBLISHED_CRD:
        run.out.add(
            src,
            doc,
            at,
            "crd-chart-version-unusable",
            f"rke2-multus-crd has no version {text!r}: its versions carry no 'v' (versions are matched exactly)",
            f"write {text[1:]}",
        )
        return
    key = charts.version_key(text)
    if key is None:
        run.out.add(
            src, doc, at, "crd-chart-version-unusable", f"{text!r} is not a chart version", f"use {_default_crd()}"
        )
        return
    newest = max(charts.PUBLISHED_CRD, key=lambda v: charts.version_key(v) or (0, 0, 0, 0, ""))
    newest_key = charts.version_key(newest)
    if newest_key is not None and key > newest_key:
        run.out.add(
            src,
            doc,
            at,
            "crd-chart-version-newer",
            f"rke2-multus-crd {text} is newer than every version multus-gen knows (newest: {newest})",
            "update multus-gen, or pin a known version",
        )
        return
    run.out.add(
        src,
        doc,
        at,
        "crd-chart-version-unusable",
        f"rke2-multus-crd {text} is not in the chart repository index",
        f"use {newest}",
    )


# --------------------------------------------------------------------------------------------------
# Chart values


def _data_dir_hint(actual: str, expected: str, cluster: Cluster) -> str | None:
    """If ``actual`` is the right path for another K3s data dir, the --data-dir to pass."""
    if cluster.distro != "k3s":
        return None
    base = cluster.k3s_paths
    assert base is not None
    for suffix in ("/agent/etc/cni/net.d", "/agent/etc/cni/net.d/multus.d/multus.kubeconfig", "/data/cni"):
        if expected.endswith(suffix) and actual.endswith(suffix) and actual != expected:
            other = actual[: -len(suffix)] or "/"
            if other.startswith("/") and other != base.data_dir:
                return f"or pass --data-dir {other} if that is this cluster's K3s data dir"
    return None


def _bin_dir_reason(actual: str | None, cluster: Cluster) -> str:
    cni = cluster.cni
    version = cluster.k3s_version
    if actual is None:
        return (
            f"the chart default {CHART_DEFAULTS['binDir']} is not where {cluster.describe()} keeps CNI plugins "
            f"({cni.bin_dir})"
        )
    if cluster.distro == "k3s" and actual == cni.legacy_bin_dir and cni.bin_dir_stable:
        since = (
            ""
            if (version.major, version.minor) >= k3s.STABLE_CNI_BIN_ALL_FROM
            else f" (since {k3s.first_stable_cni_bin_release(version)})"
        )
        return (
            f"K3s {version} keeps CNI plugins in {cni.bin_dir}{since}; containerd does not look in "
            "data/current/bin, and K3s re-points data/current/bin on every upgrade"
        )
    if cluster.distro == "k3s" and actual == cni.stable_bin_dir and not cni.bin_dir_stable:
        return (
            f"K3s {version} has no data/cni yet (it arrives with {k3s.first_stable_cni_bin_release(version)}): "
            f"its CNI plugins are in {cni.bin_dir}"
        )
    return f"{cluster.describe()} keeps CNI plugins in {cni.bin_dir}"


def _dir_reason(keys: tuple[str, ...], expected: str, version: str | None, cluster: Cluster) -> str:
    key = keys[-1]
    if key == "confDir" and keys[0] == "config":
        return (
            f"{cluster.describe()} keeps the CNI configs (flannel's 10-flannel.conflist on K3s) in {expected}: "
            "Multus will not find the default network"
        )
    if key == "kubeconfig":
        return f"Multus on {cluster.describe()} writes its kubeconfig to {expected}"
    if key == "multusAutoconfigDir":
        return (
            f"rke2-multus {version} mounts multusAutoconfigDir and needs the conf dir {expected} there, or Multus "
            "never finds flannel's config and loops"
        )
    if keys[0] == "rke2-whereabouts":
        return f"whereabouts must use the same dirs as Multus ({expected})"
    return f"{cluster.describe()} uses {expected}"


#: The rule of each CNI dir value (``check_dir``); other values the gates require are ``chart-gate-value``.
_DIR_RULES: dict[tuple[str, ...], str] = {
    ("config", "cni_conf", "confDir"): "cni-conf-dir",
    ("config", "cni_conf", "binDir"): "cni-bin-dir",
    ("config", "cni_conf", "kubeconfig"): "cni-kubeconfig",
    ("config", "cni_conf", "multusAutoconfigDir"): "multus-autoconfig-dir",
}


class _ValueChecker:
    """The chart-value rules for one install (values already merged in precedence order)."""

    def __init__(self, run: _Run, inst: _Install) -> None:
        self.run = run
        self.inst = inst
        self.cluster = run.cluster
        self.reported: set[tuple[str, JsonPath]] = set()

    def add(self, keys: Sequence[str], rule: str, message: str, fix: str | None = None) -> None:
        src, doc, at = self.inst.origin(keys)
        self.reported.add((src.file, at))
        self.run.out.add(src, doc, at, rule, message, fix)

    def check(self) -> None:
        values = self.inst.values
        facts = self.inst.facts
        params = self.cluster.params()
        cni = self.cluster.cni
        expected: dict[tuple[str, ...], Any] = {
            ("config", "cni_conf", "confDir"): cni.conf_dir,
            ("config", "cni_conf", "binDir"): cni.bin_dir,
            ("config", "cni_conf", "kubeconfig"): cni.kubeconfig,
        }
        forbidden: dict[tuple[str, ...], charts.Gate] = {}
        if facts is not None:
            for keys, value in _overlay_leaves(facts.overlays, params):
                expected[keys] = value
            active = set(facts.overlays)
            for gate in (*charts.LAYOUT_GATES, *charts.CRD_GATES):
                for overlay in gate.overlays:
                    if overlay not in active:
                        for keys, _ in _overlay_leaves([overlay], params):
                            forbidden[keys] = facts.layout
        whereabouts = get_path(values, "rke2-whereabouts", "enabled") is True
        if whereabouts:
            for keys, value in _overlay_leaves(["ipam/whereabouts"], params):
                if keys[-1] in _DIR_KEYS:
                    expected[keys] = value
        for keys, value in expected.items():
            if isinstance(value, str):
                self.check_dir(keys, value)
        for keys, layout in forbidden.items():
            found, actual = _lookup(values, keys)
            if found and actual is not None:
                self.add(
                    keys,
                    "chart-gated-key",
                    f"{_dotted(keys)} is set, but on rke2-multus {self.inst.version}: {layout.note} ({layout.source})",
                    f"remove {keys[-1]}",
                )
        if get_path(values, "config", "fullnameOverride") is not None:
            self.add(
                ("config", "fullnameOverride"),
                "fullname-override",
                "config.fullnameOverride (from the K3s docs) is used by no template of rke2-multus: it does nothing",
                "remove it; the DaemonSet is named after the release",
            )
        self.schema()

    def check_dir(self, keys: tuple[str, ...], expected: str) -> None:
        rule = _DIR_RULES.get(keys, "whereabouts-dirs" if keys[0] == "rke2-whereabouts" else "chart-gate-value")
        found, actual = _lookup(self.inst.values, keys)
        key = _dotted(keys)
        version = self.inst.version
        if found and actual is not None and not isinstance(actual, str):
            self.add(keys, rule, f"{key} must be a path, not {actual!r}", f"set {key}: {expected}")
            return
        if found and actual is None:
            self.add(
                keys,
                rule,
                f"{key} is null: helm deletes the chart's default for it, so the chart renders no {keys[-1]} at all",
                f"set {key}: {expected}",
            )
            return
        if self.inst.partial and not found:
            return  # set (or not) by the HelmChart this config applies to, which is not in sight
        raw = actual if isinstance(actual, str) else None
        value = raw
        if raw is not None and len(raw) > 1 and raw.endswith("/"):
            value = raw.rstrip("/") or "/"
        effective = value if value is not None else CHART_DEFAULTS.get(keys[-1])
        if raw is not None and raw != value:
            self.add(
                keys,
                "path-trailing-slash",
                f"{key} {raw!r} ends in '/': the mount works, but the path is compared and joined verbatim "
                "(whereabouts' cniConf, the paths Multus writes into its config)",
                f"write {value}",
            )
        if effective == expected:
            legacy = self.cluster.distro == "k3s" and not self.cluster.cni.bin_dir_stable
            if keys == ("config", "cni_conf", "binDir") and legacy:  # once: whereabouts' binDir follows it
                self.add(
                    keys,
                    "cni-bin-dir-legacy",
                    f"{key} is right for K3s {self.cluster.k3s_version}, but K3s re-points data/current/bin on every "
                    "upgrade: the plugins Multus installed there disappear with the next K3s version",
                    f"after upgrading K3s to {k3s.first_stable_cni_bin_release(self.cluster.k3s_version)} or later, "
                    f"set {key} to {self.cluster.cni.stable_bin_dir}",
                )
            return
        what = f"{key} is not set" if raw is None else f"{key} is {raw!r}"
        if keys[-1] == "binDir":
            reason = _bin_dir_reason(value, self.cluster)
        else:
            reason = _dir_reason(keys, expected, version, self.cluster)
            if raw is None and keys[-1] in CHART_DEFAULTS:
                what += f" (chart default {CHART_DEFAULTS[keys[-1]]})"
        fix = f"set {key}: {expected}"
        hint = _data_dir_hint(value, expected, self.cluster) if value else None
        if hint:
            fix += f", {hint}"
        self.add(keys, rule, f"{what}; {reason}", fix)

    def schema(self) -> None:
        from multus_gen.check.schemas import schema_errors

        for err in schema_errors("rke2-multus-values", self.inst.values):
            keys = tuple(str(p) for p in err.path)
            src, _doc, at = self.inst.origin(keys)
            if (src.file, at) in self.reported:
                continue
            self.add(keys, "values-schema", err.message)


# --------------------------------------------------------------------------------------------------
# Readers of each kind


def _read_helmchart(run: _Run, src: Source, doc: Document) -> None:
    data: dict[str, Any] = doc.data
    spec = data.get("spec")
    chart, url_version = _chart_ref(spec.get("chart") if isinstance(spec, dict) else None)
    if chart is None:
        return  # another chart: not ours
    run.mark(src, HELMCHART)
    _check_shape(run, src, doc, HELMCHART)
    assert isinstance(spec, dict)
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    assert isinstance(meta, dict)
    inst = _Install(
        src,
        doc,
        HELMCHART,
        chart,
        ("spec", "chart"),
        url_version if url_version is not None else spec.get("version"),
        ("spec", "chart") if url_version is not None else (("spec", "version") if "version" in spec else ("spec",)),
        ("spec",),
        name=meta.get("name") if isinstance(meta.get("name"), str) else None,
        namespace=meta.get("namespace") if isinstance(meta.get("namespace"), str) else None,
    )
    name = inst.name or ""
    if len(name) > 53:
        run.out.add(
            src,
            doc,
            ("metadata", "name"),
            "release-name-length",
            f"the HelmChart name is the helm release name, which helm limits to 53 characters ({len(name)})",
            "use a shorter name",
        )
    no_source = "://" not in str(spec.get("chart")) and not spec.get("repo") and not spec.get("chartContent")
    if no_source and run.cluster.distro == "k3s":
        run.out.add(
            src,
            doc,
            ("spec",),
            "chart-no-repo",
            f"no spec.repo: helm-controller cannot find chart {chart}",
            f"set repo: {charts.CHART_REPO}",
        )
    _layers_from_helm_objects(run, inst, src, doc, spec, "HelmChart")
    if isinstance(spec.get("set"), dict):
        for key, value in spec["set"].items():
            _add_helm_controller_set(run, inst, ("spec", "set", key), str(key), value)
    run.installs.append(inst)


def _add_helm_controller_set(run: _Run, inst: _Install, at: JsonPath, key: str, value: object) -> None:
    """helm-controller's ``set``: ints and true/false/null go to --set, everything else to --set-string."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return  # the shape check reported it
    if isinstance(value, int) or value.lower() in ("true", "false", "null"):
        run.set_entry(inst, at, f"{key}={value}", False)
    else:
        escaped = re.sub(r"\\*,", lambda m: m.group(0) if len(m.group(0)) % 2 == 0 else "\\" + m.group(0), value)
        run.set_entry(inst, at, f"{key}={escaped}", True)


def _layers_from_helm_objects(
    run: _Run, inst: _Install, src: Source, doc: Document, spec: dict[str, Any], what: str
) -> None:
    if "valuesContent" in spec:
        layer = run.embedded(src, doc, ("spec", "valuesContent"), spec["valuesContent"], f"{what} valuesContent")
        if layer is not None:
            inst.layers.append(layer)
    if "values" in spec:
        layer = run.mapping(src, doc, ("spec", "values"), spec["values"], f"{what} values")
        if layer is not None:
            inst.layers.append(layer)
    if spec.get("valuesSecrets"):
        run.unchecked(src, doc, ("spec", "valuesSecrets"), "values come from Secrets (valuesSecrets)")


def _attach_configs(run: _Run) -> None:
    by_key: dict[tuple[str, str], _Install] = {}
    for inst in run.installs:
        if inst.kind == HELMCHART and inst.name:
            by_key[(inst.namespace or "default", inst.name)] = inst
    for src, doc in run.configs:
        data: dict[str, Any] = doc.data
        meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
        assert isinstance(meta, dict)
        name = meta.get("name")
        namespace = meta.get("namespace") or "default"
        spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
        assert isinstance(spec, dict)
        target = by_key.get((str(namespace), str(name)))
        packaged = run.cluster.distro == "rke2" and name in _MULTUS_CHARTS
        values_look_like_multus = any(
            k in str(spec.get("valuesContent", "")) or (isinstance(spec.get("values"), dict) and k in spec["values"])
            for k in ("cni_conf", "rke2-whereabouts", "multusAutoconfigDir")
        )
        if target is None and not packaged and name not in _MULTUS_CHARTS and not values_look_like_multus:
            continue  # configures some other chart
        run.mark(src, HELMCHARTCONFIG)
        _check_shape(run, src, doc, HELMCHARTCONFIG)
        if target is None:
            # Which chart it configures, by its name (multus-gen names the CRD chart's release <name>-crd).
            crd = name == charts.CRD_CHART_NAME or str(name).endswith("-crd")
            chart = charts.CRD_CHART_NAME if crd else charts.CHART_NAME
            if not packaged:
                run.out.add(
                    src,
                    doc,
                    ("metadata", "name"),
                    "helmchartconfig-orphan",
                    f"HelmChartConfig {namespace}/{name} applies to no HelmChart among the checked files: "
                    "a HelmChartConfig applies only to the HelmChart of the same name and namespace",
                    "check the name and namespace, or validate the HelmChart's file too",
                )
            target = _Install(src, doc, HELMCHARTCONFIG, chart, ("metadata", "name"), None, ("metadata",), ("spec",))
            target.name, target.namespace = str(name), str(namespace)
            target.partial = not packaged  # the HelmChart's own values are not in sight: check what is set
            run.installs.append(target)
        elif target.configs:
            first_src, _ = target.configs[0]
            run.out.add(
                src,
                doc,
                ("metadata", "name"),
                "helmchartconfig-duplicate",
                f"a second HelmChartConfig for HelmChart {namespace}/{name} (the first is in {first_src.file}): "
                "only one applies",
                "merge them into one",
            )
            continue
        target.configs.append((src, doc))
        _layers_from_helm_objects(run, target, src, doc, spec, "HelmChartConfig")


def _read_helmrelease(run: _Run, src: Source, doc: Document) -> None:
    data: dict[str, Any] = doc.data
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    if isinstance(spec.get("chartRef"), dict):
        _read_chart_ref(run, src, doc, spec)
        return
    chart_spec = get_path(spec, "chart", "spec")
    chart, _ = _chart_ref(chart_spec.get("chart") if isinstance(chart_spec, dict) else None)
    if chart is None:
        return
    assert isinstance(chart_spec, dict)
    run.mark(src, HELMRELEASE)
    inst = _Install(
        src,
        doc,
        HELMRELEASE,
        chart,
        ("spec", "chart", "spec", "chart"),
        chart_spec.get("version"),  # Flux's default is "*": the newest
        ("spec", "chart", "spec", "version") if "version" in chart_spec else ("spec", "chart", "spec"),
        ("spec",),
        name=get_path(data, "metadata", "name"),
    )
    _add_release(run, inst, spec)


def _add_release(run: _Run, inst: _Install, spec: dict[str, Any]) -> None:
    """A HelmRelease's install with its values (``spec.values``; ``valuesFrom`` cannot be seen)."""
    src, doc = inst.src, inst.doc
    layer = run.mapping(src, doc, ("spec", "values"), spec.get("values"), "HelmRelease spec.values")
    if layer is not None:
        inst.layers.append(layer)
    if spec.get("valuesFrom"):
        run.unchecked(src, doc, ("spec", "valuesFrom"), "values come from ConfigMaps/Secrets (valuesFrom)")
    run.installs.append(inst)


def _read_chart_ref(run: _Run, src: Source, doc: Document, spec: dict[str, Any]) -> None:
    """A HelmRelease whose chart comes from a Flux source (``spec.chartRef``: an OCIRepository or a HelmChart).

    The chart and its version are read from the source document when it is among the checked files (or their
    neighbours); a HelmRelease that names a multus source not in sight is reported, its values unchecked.
    """
    ref = spec["chartRef"]
    meta = doc.data.get("metadata")
    namespace = (meta.get("namespace") if isinstance(meta, dict) else None) or "default"
    kind, name = str(ref.get("kind")), str(ref.get("name"))
    ref_namespace = str(ref.get("namespace") or namespace)
    found = run.flux_sources.get((kind, ref_namespace, name))
    if found is None:
        release = get_path(doc.data, "metadata", "name")
        if "multus" in f"{name} {release}":
            run.mark(src, HELMRELEASE)
            run.out.add(
                src,
                doc,
                ("spec", "chartRef"),
                "flux-source-unseen",
                f"chartRef names {kind} {ref_namespace}/{name}, which is not among the checked files: its chart, "
                "version and the values for them are not checked",
                "validate the file that defines the source too",
            )
        return
    source_src, source_doc = found
    source_spec = source_doc.data.get("spec")
    source_spec = source_spec if isinstance(source_spec, dict) else {}
    where = f"{kind} {ref_namespace}/{name}"
    if kind == "OCIRepository":
        chart, _ = _chart_ref(source_spec.get("url"))
        ref_field = source_spec.get("ref")
        pin: dict[str, Any] = ref_field if isinstance(ref_field, dict) else {}
        if chart is not None and pin.get("digest") and not pin.get("tag") and not pin.get("semver"):
            run.mark(src, HELMRELEASE)
            run.mark(source_src, FLUX_SOURCE)
            run.out.add(
                source_src,
                source_doc,
                ("spec", "ref", "digest"),
                "flux-digest-only",
                f"{chart} is pinned by digest only: multus-gen cannot tell its version, so the values are not checked",
                f"pin the tag too (spec.ref.tag: {_default_for(chart)}), the version the digest stands for",
            )
            return
        key = "tag" if pin.get("tag") is not None else "semver" if pin.get("semver") is not None else None
        version = pin.get(key) if key else None
        version_at: JsonPath = ("spec", "ref", key) if key else ("spec",)
        field_name = f"{where} spec.ref.tag"
    else:  # a Flux HelmChart source
        chart, _ = _chart_ref(source_spec.get("chart"))
        version = source_spec.get("version")  # Flux's default is "*": the newest
        version_at = ("spec", "version") if "version" in source_spec else ("spec",)
        field_name = f"{where} spec.version"
    if chart is None:
        return
    run.mark(src, HELMRELEASE)
    run.mark(source_src, FLUX_SOURCE)
    inst = _Install(
        src,
        doc,
        HELMRELEASE,
        chart,
        ("spec", "chartRef"),
        version,
        version_at,
        ("spec",),
        name=get_path(doc.data, "metadata", "name"),
        version_in=(source_src, source_doc, field_name),
    )
    _add_release(run, inst, spec)


def _read_application(run: _Run, src: Source, doc: Document) -> None:
    data: dict[str, Any] = doc.data
    spec = data.get("spec")
    if not isinstance(spec, dict):
        return
    found: list[tuple[JsonPath, dict[str, Any]]] = []
    if isinstance(spec.get("source"), dict):
        found.append((("spec", "source"), spec["source"]))
    for i, item in enumerate(spec.get("sources") or []):
        if isinstance(item, dict):
            found.append((("spec", "sources", i), item))
    for at, source in found:
        chart, _ = _chart_ref(source.get("chart"))
        if chart is None:
            continue
        run.mark(src, APPLICATION)
        inst = _Install(
            src,
            doc,
            APPLICATION,
            chart,
            (*at, "chart"),
            source.get("targetRevision"),
            (*at, "targetRevision") if "targetRevision" in source else at,
            (*at, "helm"),
            name=get_path(data, "metadata", "name"),
        )
        helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
        assert isinstance(helm, dict)
        if helm.get("valuesObject") is not None:
            layer = run.mapping(src, doc, (*at, "helm", "valuesObject"), helm["valuesObject"], "helm.valuesObject")
            if layer is not None:
                inst.layers.append(layer)
            if helm.get("values"):
                run.out.add(
                    src,
                    doc,
                    (*at, "helm", "values"),
                    "argocd-values-ignored",
                    "helm.values is ignored: Argo CD uses helm.valuesObject when both are set",
                    "keep one of them",
                )
        elif helm.get("values"):
            values = helm["values"]
            layer = (
                run.mapping(src, doc, (*at, "helm", "values"), values, "helm.values")
                if isinstance(values, dict)
                else run.embedded(src, doc, (*at, "helm", "values"), values, "helm.values")
            )
            if layer is not None:
                inst.layers.append(layer)
        if helm.get("valueFiles"):
            run.unchecked(src, doc, (*at, "helm", "valueFiles"), "values come from files (helm.valueFiles)")
        for j, param in enumerate(helm.get("parameters") or []):
            if isinstance(param, dict) and isinstance(param.get("name"), str):
                run.set_entry(
                    inst,
                    (*at, "helm", "parameters", j),
                    f"{param['name']}={param.get('value', '')}",
                    bool(param.get("forceString")),
                )
        run.installs.append(inst)


def _read_fleet(run: _Run, src: Source, doc: Document) -> None:
    data: dict[str, Any] = doc.data
    helm = data["helm"]
    chart, url_version = _chart_ref(helm.get("chart"))
    if chart is None:
        return
    run.mark(src, FLEET)
    if "namespace" in data:
        run.out.add(
            src,
            doc,
            ("namespace",),
            "fleet-namespace",
            "fleet.yaml 'namespace' forces every object of the bundle into that namespace, which fails on "
            "the chart's cluster-scoped objects (ClusterRole, ClusterRoleBinding, CRDs)",
            "use defaultNamespace instead",
        )
    inst = _Install(
        src,
        doc,
        FLEET,
        chart,
        ("helm", "chart"),
        url_version if url_version is not None else helm.get("version"),
        ("helm", "chart") if url_version is not None else (("helm", "version") if "version" in helm else ("helm",)),
        ("helm",),
        name=helm.get("releaseName") if isinstance(helm.get("releaseName"), str) else None,
    )
    layer = run.mapping(src, doc, ("helm", "values"), helm.get("values"), "helm.values")
    if layer is not None:
        inst.layers.append(layer)
        if not helm.get("disablePreProcess") and "${" in json.dumps(layer.values):
            run.out.add(
                src,
                doc,
                ("helm", "values"),
                "fleet-preprocess",
                "Fleet templates '${ }' in helm.values; a literal '${' is replaced or fails",
                "set helm.disablePreProcess: true if the values hold a literal '${'",
            )
    for key in ("valuesFiles", "valuesFrom"):
        if helm.get(key):
            run.unchecked(src, doc, ("helm", key), f"values come from helm.{key}")
    run.installs.append(inst)
    for i, target in enumerate(data.get("targetCustomizations") or []):
        if not isinstance(target, dict) or not isinstance(target.get("helm"), dict):
            continue
        t_helm = target["helm"]
        if "values" not in t_helm and "version" not in t_helm:
            continue
        at: JsonPath = ("targetCustomizations", i, "helm")
        variant = _Install(
            src,
            doc,
            FLEET,
            chart,
            inst.chart_at,
            t_helm.get("version", inst.version),
            (*at, "version") if "version" in t_helm else inst.version_at,
            at,
            layers=list(inst.layers),
            name=inst.name,
        )
        t_layer = run.mapping(src, doc, (*at, "values"), t_helm.get("values"), "targetCustomizations helm.values")
        if t_layer is not None:
            variant.layers.append(t_layer)
        run.installs.append(variant)


def _read_values_file(run: _Run, src: Source, doc: Document, chart_version: str) -> None:
    run.mark(src, VALUES_FILE)
    inst = _Install(src, doc, VALUES_FILE, charts.CHART_NAME, (), chart_version, (), ())
    layer = run.mapping(src, doc, (), doc.data, "a values file")
    if layer is not None:
        inst.layers.append(layer)
    run.installs.append(inst)


# --------------------------------------------------------------------------------------------------
# Checks per install and across the set


def _merge_values(run: _Run, inst: _Install) -> None:
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


def _failure_policy(run: _Run, inst: _Install) -> None:
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
    elif policy == "retry":
        run.out.add(
            src,
            doc,
            at,
            "failure-policy-retry",
            f"failurePolicy retry needs helm-controller {HELM_CONTROLLER_RETRY} or newer (K3s v1.32 ships "
            "v0.16.x); an older one does not know it",
        )
    for obj_src, obj_doc in [(inst.src, inst.doc), *inst.configs]:
        obj_spec = _spec_of(obj_doc)
        for key, since in HELM_CONTROLLER_FIELDS.items():
            if key in obj_spec:
                run.out.add(
                    obj_src,
                    obj_doc,
                    ("spec", key),
                    "helm-controller-field",
                    f"spec.{key} needs helm-controller {since} or newer (K3s v1.32 ships v0.16.5 to v0.16.16): an "
                    "older one drops the field silently",
                    "use valuesContent for values" if key == "values" else None,
                )


def _check_install(run: _Run, inst: _Install) -> None:
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
        inst.facts = _version_check(
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
        _ValueChecker(run, inst).check()


def _nad_ipams(data: dict[str, Any]) -> list[tuple[str, JsonPath]]:
    """(IPAM type, JSON path) of every plugin of a NAD's spec.config."""
    config = get_path(data, "spec", "config")
    if not isinstance(config, str):
        return []
    try:
        parsed = json.loads(config)
    except (ValueError, RecursionError):
        return []
    if not isinstance(parsed, dict):
        return []
    plugins: list[tuple[JsonPath, Any]] = [(("spec", "config"), parsed)]
    if isinstance(parsed.get("plugins"), list):
        plugins = [(("spec", "config", "plugins", i), p) for i, p in enumerate(parsed["plugins"])]
    out = []
    for where, plugin in plugins:
        ipam = plugin.get("ipam") if isinstance(plugin, dict) else None
        if isinstance(ipam, dict) and isinstance(ipam.get("type"), str):
            out.append((ipam["type"], (*where, "ipam", "type")))
    return out


def _check_nads(run: _Run, *, checked: bool = False) -> None:
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
            if ipam not in IPAMS:
                continue  # an IPAM the chart installs nothing for (static, or not one multus-gen knows)
            needs = [(k, v) for k, v in _overlay_leaves([f"ipam/{ipam}"], params) if v is True]
            for keys, value in needs:
                if not any(get_path(i.values, *keys) == value for i in multus):
                    run.out.add(
                        src,
                        doc,
                        where,
                        "ipam-prerequisite",
                        f"a {ipam} network, but no rke2-multus install among the checked files sets "
                        f"{_dotted(keys)}: true, so nothing on the nodes serves it",
                        f"set {_dotted(keys)}: true in the rke2-multus values",
                    )


def _crd_install_fix(inst: _Install, facts: charts.ChartFacts) -> str:
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


def _folder_of(inst: _Install) -> str:
    return str(Path(inst.src.file).parent)


def _check_crd_companions(run: _Run) -> None:
    """Pair every rke2-multus install with its rke2-multus-crd installs: those of its own file, else those of
    its folder when the folder holds no other rke2-multus install (a repository keeps each cluster in a folder
    of its own; a folder of many installs is a collection, not one cluster), else -- only for "is there one at
    all" and for a set that holds a single one -- the rke2-multus-crd installs of the whole set."""
    multus = [i for i in run.installs if i.chart == charts.CHART_NAME and i.facts is not None]
    crds = [i for i in run.installs if i.chart == charts.CRD_CHART_NAME]
    crds_in_folder: dict[str, list[_Install]] = {}
    for crd in crds:
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
        near = [c for c in crds if c.src.file == inst.src.file]
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
            for keys, value in _overlay_leaves(charts.CRD_CHART_IPAM_OVERLAYS.get(ipam, ()), params):
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
                        f"set {_dotted(keys)}: {json.dumps(value)}: rke2-multus-crd up to 4.3.017 renders the "
                        f"{ipam} CRDs only then",
                        f"set {_dotted(keys)}: {json.dumps(value)} in the rke2-multus-crd values",
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
) -> Result:
    """Check every document of ``sources`` (and every plain values file in ``values_files``) together.

    ``context``: more files whose installs and NADs take part in the checks across files (the companion CRD
    chart, a HelmChartConfig, the IPAM prerequisites) but whose own findings are not reported -- e.g. the
    unchanged neighbours of the files a pre-commit run names. Spec documents are recognised (listed in
    ``ours``) but left to :func:`spec_problems`.
    """
    run = _Run(cluster)
    context = list(context)
    quiet = {src.file for src in context}
    for src in [*sources, *context]:
        for doc in src.docs:
            kind = kind_of(doc.data, src.name)
            if kind == HELMCHART:
                _read_helmchart(run, src, doc)
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
                _read_application(run, src, doc)
            elif kind == FLEET:
                _read_fleet(run, src, doc)
            elif kind == SPEC:
                run.mark(src, SPEC)
    for src, doc in run.releases:
        _read_helmrelease(run, src, doc)
    for src in values_files:
        for doc in src.docs:
            _read_values_file(run, src, doc, chart_version)
    _attach_configs(run)
    for inst in run.installs:
        _check_install(run, inst)
    _check_crd_companions(run)
    _check_nads(run, checked=checked_nads)
    problems = [p for p in _dedupe(run.out.items) if p.at.file not in quiet]
    return Result(problems, {k: v for k, v in run.ours.items() if k not in quiet})


def check_documents(
    docs: Sequence[tuple[str, dict[str, Any]]],
    cluster: Cluster,
    *,
    values: dict[str, Any] | None = None,
    chart_version: str = charts.DEFAULT_CHART_VERSION,
    checked_nads: bool = False,
) -> list[Finding]:
    """The rules of :func:`check_sources` on documents built in memory: ``(label, document)`` pairs, each label
    standing for the file the document goes to (``fleet.yaml`` labels end in it). ``values``: chart values
    to check as a plain values file. ``checked_nads``: the NADs were checked already, by the same rules, when
    they were built; they take part only in the checks across documents."""
    sources = [Source(label, [Document(doc, {}, 0)], label.rsplit("/", 1)[-1]) for label, doc in docs]
    value_sources = [Source("chart values", [Document(values, {}, 0)])] if values is not None else []
    return check_sources(
        sources, cluster, values_files=value_sources, chart_version=chart_version, checked_nads=checked_nads
    ).problems


def _dedupe(items: list[Finding]) -> list[Finding]:
    seen: set[Finding] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


# --------------------------------------------------------------------------------------------------
# Spec files: the generator's own pipeline


def spec_problems(path: Path, display: str) -> list[Finding]:
    """Load a multus-gen spec file and run the render pipeline; its errors and warnings as findings."""
    from multus_gen.build.pipeline import render_spec
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


__all__ = [
    "DISTROS",
    "Cluster",
    "Result",
    "Source",
    "check_sources",
    "file_problem",
    "is_spec",
    "kind_of",
    "looks_like_ours",
    "make_cluster",
    "spec_problems",
]
