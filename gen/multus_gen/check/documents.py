"""Which documents validate understands, and how a parsed file is handed to the checks (``Source``)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from multus_gen.check.catalog import severity
from multus_gen.findings import Finding, Location
from multus_gen.knowledge import charts
from multus_gen.record import record
from multus_gen.yamlio.reader import (
    Document,
)


def file_problem(file: str, message: str, fix: str | None = None, rule: str = "file-unreadable") -> Finding:
    """A finding about a whole file (unreadable, not YAML...)."""
    return Finding(severity(rule), " ".join(message.split()), fix, Location(file=file, path=()), rule)


@record
class Source:
    """One parsed file: its name as shown in findings and its documents."""

    file: str
    docs: Sequence[Document]
    name: str = ""  # base name (``fleet.yaml`` is recognised by it)
    #: the IPAMs the file says its networks use (multus-gen's ``# inputs:`` header: ``ipam=dhcp``)
    ipams: tuple[str, ...] = ()
    #: the cluster the file says it was generated for (the header's distro, k3s-version, data-dir), if any
    made_for: tuple[str, str, str] | None = None
    #: the cluster of a spec the header names (``cluster=``: a fleet's file), if any
    made_in: str | None = None

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


MULTUS_CHARTS = (charts.CHART_NAME, charts.CRD_CHART_NAME)


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


def chart_ref(chart: object) -> tuple[str | None, str | None]:
    """``rke2-multus`` / ``https://.../rke2-multus-v4.3.017.tgz`` / ``oci://.../rke2-multus`` -> (name, version)."""
    if not isinstance(chart, str) or not chart.strip():
        return None, None
    last = chart.strip().rstrip("/").rsplit("/", 1)[-1]
    if last.endswith(".tgz"):
        for name in sorted(MULTUS_CHARTS, key=len, reverse=True):
            if last.startswith(name + "-"):
                return name, last[len(name) + 1 : -len(".tgz")]
        return None, None
    return (last, None) if last in MULTUS_CHARTS else (None, None)
