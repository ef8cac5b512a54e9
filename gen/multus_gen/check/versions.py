"""Chart versions: pinned, published, not broken -- rke2-multus and rke2-multus-crd."""

from __future__ import annotations

from multus_gen.check.documents import Source
from multus_gen.check.state import Run
from multus_gen.findings import JsonPath
from multus_gen.knowledge import charts
from multus_gen.yamlio.reader import Document

_RANGE_CHARS = set("*^~<>=|, xX")


def version_check(
    run: Run, src: Source, doc: Document, at: JsonPath, chart: str, version: object, *, field_name: str
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
            f"set {field_name}: {default_for(chart)}",
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
            f"pin an exact version such as {default_for(chart)}",
        )
        return None
    if chart == charts.CRD_CHART_NAME:
        _crd_version_check(run, src, doc, at, text)
        return None
    refused = charts.version_refusal(text, allow_unknown=True, distro=run.cluster.distro)
    if refused is not None:
        # Unknown, misspelled or broken (whose gates describe a broken layout): no gates to check against.
        run.out.add(src, doc, at, "chart-version-unusable", *refused)
        return None
    facts = charts.chart_facts(text)
    if not facts.published and not charts.is_newer_than_index(text):
        run.out.add(
            src,
            doc,
            at,
            "chart-version-unknown",
            f"rke2-multus {text} is not in the chart repository index multus-gen knows (a backport published "
            "later?); checked with the gates of its number",
            "update multus-gen, or pin a known version",
        )
    elif not facts.published:
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


def default_for(chart: str) -> str:
    return charts.DEFAULT_CHART_VERSION if chart == charts.CHART_NAME else _default_crd()


def _default_crd() -> str:
    version = charts.companion_crd_version(charts.DEFAULT_CHART_VERSION)
    return version or charts.PUBLISHED_CRD[-1]


def _crd_version_check(run: Run, src: Source, doc: Document, at: JsonPath, text: str) -> None:
    refused = charts.crd_version_refusal(text, allow_unknown=True)
    if refused is not None:
        run.out.add(src, doc, at, "crd-chart-version-unusable", *refused)
        return
    if text in charts.PUBLISHED_CRD:
        return
    newest = charts.PUBLISHED_CRD[-1]
    key, newest_key = charts.version_key(text), charts.version_key(newest)
    if key is not None and newest_key is not None and key > newest_key:
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
