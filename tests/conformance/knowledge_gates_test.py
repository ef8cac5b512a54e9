"""multus-gen's version gates (multus_gen.knowledge.charts) against what the real chart archives contain.

Each archive in ../shared/fixtures/charts is opened with tarfile and its templates read as text: the gate a
version gets must be the one its templates implement, every archive must be listed as verified (and every
verified version must have its archive), and every archive must be the one the chart repository published.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import helmrender as hr
import pytest
import yaml

from multus_gen.knowledge import charts

pytest_plugins = ["conformance_plugin"]

MULTUS_DS = "templates/daemonSet.yaml"
FIXED_CONF_MOUNT = re.compile(r"^\s*mountPath:\s*/host/etc/cni/net\.d\s*$", re.M)
PREFIXED_CONF_MOUNT = re.compile(r"^\s*mountPath:\s*/host\{\{\s*\.Values\.config\.cni_conf\.confDir\s*\}\}\s*$", re.M)
CONF_DIR_FLAG = re.compile(r"--cni-conf-dir=")
PREFIXED_AUTOCONFIG_FLAG = re.compile(
    r"--multus-autoconfig-dir=/host\{\{\s*\.Values\.config\.cni_conf\.multusAutoconfigDir"
)
AUTOCONFIG_GUARD = re.compile(
    r"ne \.Values\.config\.cni_conf\.confDir \.Values\.config\.cni_conf\.multusAutoconfigDir"
    r"|ne \.Values\.config\.cni_conf\.multusAutoconfigDir \.Values\.config\.cni_conf\.confDir"
)


def layout_of(template: str) -> str:
    """How a daemonSet.yaml mounts the CNI dirs, in the vocabulary of charts.LAYOUT_GATES (FACTS 3)."""
    if FIXED_CONF_MOUNT.search(template):
        # the fixed mounts with flags naming the configured dirs: the v4.2.107/v4.2.200 mismatch
        return "mismatched-flags" if CONF_DIR_FLAG.search(template) else "fixed-mounts"
    if PREFIXED_CONF_MOUNT.search(template):
        lines = template.splitlines()
        for i, line in enumerate(lines):
            if re.match(r"^\s*- name: multusautoconfig\s*$", line) and "mountPath" in "".join(lines[i : i + 2]):
                before = next((p for p in reversed(lines[:i]) if p.strip()), "")
                if not AUTOCONFIG_GUARD.search(before):
                    return "double-mount"  # mounted again even when it equals confDir (v4.2.201)
        return "host-prefixed"
    return "unknown"


def nad_crd_files(archive: hr.Archive) -> list[str]:
    """Files of the archive (templates/ or crds/, subcharts included) that hold the NAD CRD."""
    return sorted(
        rel
        for rel, text in archive.files.items()
        if rel.endswith((".yaml", ".yml", ".json"))
        and ("templates/" in rel or "crds/" in rel)
        and "CustomResourceDefinition" in text
        and hr.NAD_CRD in text
    )


def first_directive(text: str) -> str:
    """The first line that is not a YAML comment or blank."""
    return next((ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")


# --------------------------------------------------------------------------------------------------
# rke2-multus archives


def test_layout_gate_matches_the_daemonset_template(multus_archive: hr.Archive) -> None:
    template = multus_archive.text(MULTUS_DS)
    assert template is not None, f"{multus_archive.file_name} has no {MULTUS_DS}"
    facts = charts.chart_facts(multus_archive.version)
    found = layout_of(template)
    assert found != "unknown", f"{multus_archive.version}: daemonSet.yaml mounts neither known layout"
    assert facts.layout.value == found, f"{multus_archive.version}: gate {facts.layout.value}, template {found}"
    assert (facts.layout.value == "fixed-mounts") is bool(FIXED_CONF_MOUNT.search(template))
    assert (facts.layout.value == "host-prefixed") is bool(PREFIXED_CONF_MOUNT.search(template))


def test_autoconfig_gate_matches_the_chart(multus_archive: hr.Archive) -> None:
    """multus-gen sets multusAutoconfigDir exactly where the chart mounts it under /host (else unmounted)."""
    template = multus_archive.text(MULTUS_DS)
    values = hr.load_all(multus_archive.text("values.yaml") or "")[0]
    assert template is not None
    prefixed = bool(PREFIXED_AUTOCONFIG_FLAG.search(template))
    facts = charts.chart_facts(multus_archive.version)
    assert facts.sets_autoconfig_dir is prefixed, multus_archive.version
    default = values["config"]["cni_conf"].get("multusAutoconfigDir")
    if prefixed:
        # the chart default is the RKE2 dir, so K3s must override it (FACTS 3, k3s-io/docs PR 455)
        assert default == "/etc/cni/net.d", multus_archive.version
    else:
        assert default is None, f"{multus_archive.version}: chart sets multusAutoconfigDir {default!r} itself"


def test_crd_gate_matches_the_archive(multus_archive: hr.Archive) -> None:
    """needs_crd_chart iff the archive carries no NetworkAttachmentDefinition CRD (templates/ or crds/)."""
    facts = charts.chart_facts(multus_archive.version)
    files = nad_crd_files(multus_archive)
    assert facts.needs_crd_chart is (files == []), f"{multus_archive.version}: NAD CRD in {files}"
    if facts.needs_crd_chart:
        assert facts.crd_chart_version in charts.PUBLISHED_CRD
        assert facts.crd_chart_version not in charts.BROKEN_CRD
    else:
        # where it lives before v4.3.009: a template, behind manifests.customResourceDefinition (default true)
        assert files == ["templates/customResourceDefinition.yaml"], files
        template = multus_archive.text(files[0]) or ""
        assert ".Values.manifests.customResourceDefinition" in first_directive(template)
        values = hr.load_all(multus_archive.text("values.yaml") or "")[0]
        assert values["manifests"]["customResourceDefinition"] is True


# --------------------------------------------------------------------------------------------------
# rke2-multus-crd archives


def test_crd_chart_whereabouts_crds_are_conditional(crd_archive: hr.Archive) -> None:
    """rke2-multus-crd: the NAD CRD always renders; the whereabouts CRDs only with rke2-whereabouts.enabled."""
    templates = {rel: text for rel, text in crd_archive.files.items() if rel.startswith("templates/")}
    nad = [rel for rel, text in templates.items() if hr.NAD_CRD in text]
    assert len(nad) == 1, nad
    assert not first_directive(templates[nad[0]]).startswith("{{"), f"{nad[0]} is conditional"
    whereabouts = {rel: text for rel, text in templates.items() if "whereabouts.cni.cncf.io" in text}
    names = {str(hr.crd_name(re.sub(r"(?m)^\s*\{\{.*\}\}\s*$", "", t))) for t in whereabouts.values()}
    assert names == hr.WHEREABOUTS_CRDS, names
    for rel, text in whereabouts.items():
        head = first_directive(text)
        assert re.match(r"^\{\{-?\s*if\b", head) and '"rke2-whereabouts"' in head and ".enabled" in head, (
            f"{crd_archive.version} {rel}: {head}"
        )


def test_crd_chart_values_enable_whereabouts_crds() -> None:
    """The key the CRD chart's whereabouts templates test is the one multus-gen sets for --ipam whereabouts."""
    gen = hr.generate("helmchart", "--ipam", "whereabouts", "--chart-version", charts.DEFAULT_CHART_VERSION)
    assert gen.exit_code == 0, gen.describe()
    crd = gen.helmchart(hr.MULTUS_CRD)
    assert crd is not None
    assert hr.load_all(crd["spec"]["valuesContent"])[0] == {"rke2-whereabouts": {"enabled": True}}


# --------------------------------------------------------------------------------------------------
# Every archive


def _index(shared: Path) -> list[dict[str, str]]:
    with open(shared / "fixtures" / "charts" / "index-rke2-multus.tsv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_archive_is_the_published_one(any_archive: hr.Archive, shared: Path) -> None:
    rows = [r for r in _index(shared) if r["chart"] == any_archive.name and r["version"] == any_archive.version]
    assert len(rows) == 1, f"{any_archive.name} {any_archive.version} not in the index"
    assert any_archive.sha256 == rows[0]["digest_sha256"], any_archive.file_name
    assert Path(rows[0]["url"]).name == any_archive.file_name


def test_archive_is_verified(any_archive: hr.Archive) -> None:
    if any_archive.name == hr.MULTUS:
        assert any_archive.version in charts.PUBLISHED
        assert any_archive.version in charts.VERIFIED, f"add {any_archive.version} to charts.VERIFIED"
        assert charts.chart_facts(any_archive.version).verified
    elif any_archive.name == hr.MULTUS_CRD:
        assert any_archive.version in charts.PUBLISHED_CRD
        assert any_archive.version in charts.VERIFIED_CRD, f"add {any_archive.version} to charts.VERIFIED_CRD"
    else:
        pytest.fail(f"{any_archive.file_name}: chart {any_archive.name} is neither rke2-multus nor rke2-multus-crd")


def test_verified_lists_equal_the_archives(archives: list[hr.Archive]) -> None:
    """charts.VERIFIED / VERIFIED_CRD name exactly the archives the suite renders, so the versions table's
    "verified" column is true."""
    assert set(charts.VERIFIED) == {a.version for a in archives if a.name == hr.MULTUS}
    assert set(charts.VERIFIED_CRD) == {a.version for a in archives if a.name == hr.MULTUS_CRD}
    gen = hr.generate("versions", "-o", "json")
    assert gen.exit_code == 0, gen.describe()
    rows = json.loads(gen.stdout)
    assert {r["version"] for r in rows if r["verified"]} == set(charts.VERIFIED)


def test_published_lists_equal_the_index(shared: Path) -> None:
    index = _index(shared)
    assert list(charts.PUBLISHED) == [r["version"] for r in index if r["chart"] == hr.MULTUS]
    assert list(charts.PUBLISHED_CRD) == [r["version"] for r in index if r["chart"] == hr.MULTUS_CRD]


def test_node_slice_gate_matches_the_archive(generation_archive: hr.Archive) -> None:
    """charts.has_node_slice_controller against every generation archive (v3.7.1 ... v4.3.008): the archive's
    rke2-whereabouts subchart has nodeSliceController in its values.yaml (and the template it switches) exactly
    when the table says so; the oldest archive that has it is at or above NODE_SLICE_SINCE."""
    values = generation_archive.text("charts/rke2-whereabouts/values.yaml") or ""
    template = generation_archive.text("charts/rke2-whereabouts/templates/node_slice_controller.yaml") or ""
    has = re.search(r"(?m)^nodeSliceController:\s*$", values) is not None
    assert has == ("nodeSliceController.enabled" in template)
    assert charts.has_node_slice_controller(generation_archive.version) == has, generation_archive.version


def test_cni_plugins_tag_matches_the_archive(multus_archive: hr.Archive) -> None:
    """charts.CNI_PLUGINS_TAGS (which bridge plugin a chart puts on the nodes: bridge-native-vlan) is the
    archive's values.yaml cniplugins.image.tag."""
    values = yaml.safe_load(multus_archive.text("values.yaml") or "") or {}
    tag = values.get("cniplugins", {}).get("image", {}).get("tag")
    assert charts.CNI_PLUGINS_TAGS[multus_archive.version] == tag
