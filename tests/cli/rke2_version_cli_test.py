"""``--rke2-version``: the HelmChartConfigs follow the rke2-multus (and rke2-multus-crd) an RKE2 release ships.

Expectations from the RKE2 release notes (rancher/rke2-docs docs/release-notes): v1.34.2+rke2r1 ships
rke2-multus v4.2.300 (PR 9252), v1.35.0+rke2r1 v4.2.305 (PR 9348), v1.36.0+rke2r1 v4.2.410, v1.37.0+rke2r1
v4.3.101 and bundles rke2-multus-crd (PR 10998); FACTS 3: cleanupConfigOnExit must be set below v4.2.303.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers import capture, docs_of, values_of
from multus_gen.knowledge.rke2_releases import RKE2_LINES, Rke2Version, for_rke2


def _gen(*argv: str) -> tuple[int, str, str]:
    return capture(["helmchart", "--distro", "rke2", "--ipam", "whereabouts", *argv])


@pytest.mark.parametrize(
    "spelling",
    [
        "v1.34.2+rke2r1",
        "v1.34.2-rke2r1",
        "1.34.2+rke2r1",
        "rke2 version v1.34.2+rke2r1 (0123abcd)\ngo version go1.24.9",
    ],
)
def test_spellings(spelling: str) -> None:
    code, out, err = _gen("--rke2-version", spelling)
    assert code == 0, err
    assert "rke2-version=v1.34.2+rke2r1" in out and "chart-version=v4.2.300" in out
    (config,) = docs_of(out)
    assert config["kind"] == "HelmChartConfig" and config["metadata"]["name"] == "rke2-multus"
    # v4.2.300 is below v4.2.303: cleanupConfigOnExit is set (FACTS 3)
    assert values_of(config)["config"]["cni_conf"] == {"cleanupConfigOnExit": True}


@pytest.mark.parametrize(
    ("release", "chart", "names"),
    [
        ("v1.35.0+rke2r1", "v4.2.305", ["rke2-multus"]),
        ("v1.36.1+rke2r1", "v4.2.410", ["rke2-multus"]),
        ("v1.37.0+rke2r1", "v4.3.101", ["rke2-multus-crd", "rke2-multus"]),
        ("v1.37.4+rke2r2", "v4.3.102", ["rke2-multus-crd", "rke2-multus"]),
    ],
)
def test_configs_follow_the_release(release: str, chart: str, names: list[str]) -> None:
    code, out, err = _gen("--rke2-version", release)
    assert code == 0, err
    assert f"chart-version={chart}" in out
    docs = docs_of(out)
    assert [d["metadata"]["name"] for d in docs] == names
    multus = docs[-1]
    assert "cleanupConfigOnExit" not in str(values_of(multus))  # the chart default is true from v4.2.303
    if len(docs) == 2:  # the CRD chart's whereabouts CRDs
        assert values_of(docs[0]) == {"rke2-whereabouts": {"enabled": True}}


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        (("--rke2-version", "v1.30.5+rke2r1"), "--rke2-version"),  # older than the table
        (("--rke2-version", "v1.34.2+k3s1"), "--rke2-version"),
        (("--rke2-version", "latest"), "--rke2-version"),
        (("--rke2-version", "v1.34.2+rke2r1", "--chart-version", "v4.3.017"), "--chart-version"),
        (("--rke2-version", "v1.37.0+rke2r1", "--crd-chart-version", "4.3.017"), "--crd-chart-version"),
    ],
)
def test_refusals(argv: tuple[str, ...], where: str) -> None:
    code, out, err = _gen(*argv)
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert f"error: {where}:" in line, line


def test_k3s_refuses_it() -> None:
    code, out, err = capture(["helmchart", "--rke2-version", "v1.34.2+rke2r1"])
    assert code == 1 and out == "" and "--rke2-version" in err and "--distro rke2" in err


def test_same_chart_version_is_accepted() -> None:
    code, _out, err = _gen("--rke2-version", "v1.34.2+rke2r1", "--chart-version", "v4.2.300")
    assert code == 0, err


def test_versions_rke2_table() -> None:
    code, out, _ = capture(["versions", "--rke2", "-o", "json"])
    assert code == 0
    rows = json.loads(out)
    assert [r["rke2_since"] for r in rows] == [row.since for row in RKE2_LINES]
    assert all(r["source"] for r in rows)
    assert [r["rke2_since"] for r in rows if r["crd_chart"]] == ["v1.37.0+rke2r1", "v1.37.1+rke2r1"]


def test_table_is_sorted_and_lookups() -> None:
    keys = [Rke2Version.parse(r.since) for r in RKE2_LINES]
    assert keys == sorted(keys)
    assert for_rke2(Rke2Version.parse("v1.31.9+rke2r1")) is None
    row = for_rke2(Rke2Version.parse("v1.33.7+rke2r2"))
    assert row is not None and row.chart == "v4.2.305"
    assert Rke2Version.parse("v1.34.3+rke2r3") > Rke2Version.parse("v1.34.3+rke2r1")


def test_assumed_rows_follow_their_rule_in_the_chart_index(shared: Path) -> None:
    """Rows before Nov 2025: the notes give the Multus app version; the chart is the newest rke2-multus of that app
    version published before the release -- checked here against the repository index (created dates)."""
    import csv
    import re
    from datetime import datetime

    with (shared / "fixtures/charts/index-rke2-multus.tsv").open(encoding="utf-8") as handle:
        index = [r for r in csv.DictReader(handle, delimiter="\t") if r["chart"] == "rke2-multus"]
    assumed = [row for row in RKE2_LINES if row.assumed]
    assert len(assumed) >= 16 and all(row.since < "v1.34.1" for row in assumed)
    for row in assumed:
        m = re.search(r": multus v(\S+); chart (\S+) assumed: .* published before (\w+ \d+ \d{4})", row.source)
        assert m is not None, row.source
        app, chart, date = m.group(1), m.group(2), datetime.strptime(m.group(3), "%b %d %Y")
        assert chart == row.chart
        before = [r for r in index if r["appVersion"] == app and datetime.fromisoformat(r["created"][:10]) < date]
        assert before and max(before, key=lambda r: r["created"])["version"] == row.chart, row.since
    # a chart an RKE2 of that line names is accepted beside it; another one is refused as before
    code, out, err = _gen("--rke2-version", "v1.33.3+rke2r1", "--chart-version", "v4.2.106")
    assert code == 0 and "chart-version=v4.2.106" in out, err
