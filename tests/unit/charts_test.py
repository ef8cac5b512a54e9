"""rke2-multus version knowledge (FACTS.md 3): gates, CRD split, refusals."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from multus_gen.errors import InputError
from multus_gen.knowledge import charts
from multus_gen.model.options import resolve_chart_version


@pytest.mark.parametrize(
    ("version", "layout", "status", "autoconfig"),
    [
        ("v3.7.1-build2021041601", "hard-coded", "broken", False),
        ("v4.0.2-build2023070703", "hard-coded", "broken", False),
        ("v4.0.2-build2023081100", "double-equals", "broken", False),
        ("v4.0.2-build2024020800", "double-equals", "broken", False),
        ("v4.0.2-build2024020801", "fixed-mounts", "supported", False),
        ("4.1.000", "fixed-mounts", "supported", False),
        ("v4.2.105", "fixed-mounts", "supported", False),
        ("v4.2.106", "fixed-mounts", "supported", False),
        ("v4.2.107", "mismatched-flags", "broken", False),
        ("v4.2.200", "mismatched-flags", "broken", False),
        ("v4.2.201", "double-mount", "broken", False),
        ("v4.2.202", "host-prefixed", "supported", True),
        ("v4.2.418", "host-prefixed", "supported", True),
        ("v4.3.017", "host-prefixed", "supported", True),
    ],
)
def test_layout_gates(version: str, layout: str, status: str, autoconfig: bool) -> None:
    facts = charts.chart_facts(version)
    assert facts.layout.value == layout
    assert facts.status == status
    assert facts.sets_autoconfig_dir is autoconfig
    assert facts.published


@pytest.mark.parametrize(
    ("version", "crd"),
    [
        ("v4.2.418", None),
        ("v4.3.008", None),
        ("v4.3.009", "4.3.010"),  # rke2-multus-crd 4.3.009 fails under helm-controller
        ("v4.3.010", "4.3.010"),
        ("v4.3.017", "4.3.017"),
        ("v4.3.099", "4.3.099"),  # newer than the index: same number, unverified
    ],
)
def test_crd_companion(version: str, crd: str | None) -> None:
    assert charts.companion_crd_version(version) == crd


def test_every_published_version_has_facts() -> None:
    for version in charts.PUBLISHED:
        facts = charts.chart_facts(version)
        assert facts.status in (charts.SUPPORTED, charts.BROKEN)
    assert len(charts.PUBLISHED) == len(set(charts.PUBLISHED))
    assert charts.DEFAULT_CHART_VERSION == "v4.3.017"
    assert set(charts.VERIFIED) <= set(charts.PUBLISHED)


def test_published_is_sorted_oldest_first() -> None:
    keys = [charts.version_key(v) for v in charts.PUBLISHED]
    assert keys == sorted(keys)  # type: ignore[type-var]


@pytest.mark.parametrize(
    ("given", "fix_mentions"),
    [
        ("v4.2.107", "v4.2.202"),
        ("v4.2.200", "v4.2.202"),
        ("v4.2.201", "v4.2.202"),
        ("4.3.017", "v4.3.017"),  # rke2-multus versions carry a v; only rke2-multus-crd has none
        ("v4.1.000", "4.1.000"),  # ...except 4.1.000
        ("v4.2.306", "v4.2.307"),  # a gap in the index: the nearest good version above
        ("v9.9.9", "--allow-unknown-chart-version"),
        ("latest", "v4.3.017"),
    ],
)
def test_refused_versions_name_the_fix(given: str, fix_mentions: str) -> None:
    with pytest.raises(InputError) as info:
        resolve_chart_version(given, allow_unknown=False)
    assert info.value.where == "--chart-version"
    assert fix_mentions in info.value.one_line()
    assert "\n" not in info.value.one_line()


def test_unknown_newer_version_needs_opt_in() -> None:
    assert resolve_chart_version("v4.3.099", allow_unknown=True) == "v4.3.099"
    with pytest.raises(InputError):
        resolve_chart_version("v4.3.099", allow_unknown=False)
    # an unknown backport numbered below the newest known version: the same explicit opt-in, not a typo
    assert resolve_chart_version("v4.2.306", allow_unknown=True) == "v4.2.306"
    with pytest.raises(InputError, match="backport") as refused:
        resolve_chart_version("v4.2.306", allow_unknown=False)
    assert "--allow-unknown-chart-version" in (refused.value.fix or "")


def test_published_matches_the_repository_index(shared: Path) -> None:
    """The embedded version list is exactly the rke2-charts index (fixtures/charts/index-rke2-multus.tsv)."""
    with open(shared / "fixtures/charts/index-rke2-multus.tsv", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    assert tuple(r["version"] for r in rows if r["chart"] == "rke2-multus") == charts.PUBLISHED
    assert tuple(r["version"] for r in rows if r["chart"] == "rke2-multus-crd") == charts.PUBLISHED_CRD


#: FACTS 3: what each range of versions can run on K3s, per IPAM (True: works).
VERDICTS = [
    ("v3.7.1-build2021041601", (False, False, False)),
    ("v4.0.2-build2023070703", (False, False, False)),
    ("v4.0.2-build2023081100", (False, False, False)),
    ("v4.0.2-build2024020800", (False, False, False)),
    ("v4.0.2-build2024020801", (True, False, False)),
    ("v4.0.2-build2024020802", (True, False, False)),
    ("v4.0.202", (True, False, False)),
    ("v4.0.203", (True, True, False)),
    ("v4.0.204", (True, True, True)),
    ("v4.2.106", (True, True, True)),
    ("v4.2.107", (False, False, False)),
    ("v4.2.200", (False, False, False)),
    ("v4.2.201", (False, False, False)),
    ("v4.2.202", (True, True, True)),
    ("v4.3.017", (True, True, True)),
]


@pytest.mark.parametrize(("version", "works"), VERDICTS)
def test_verdicts_per_ipam_on_k3s(version: str, works: tuple[bool, bool, bool]) -> None:
    verdicts = charts.verdicts(version)
    assert tuple(verdicts) == charts.IPAMS
    assert tuple(gate is None for gate in verdicts.values()) == works
    for gate in verdicts.values():
        assert gate is None or (gate.why and gate.source)


def test_thirty_oldest_versions_are_broken() -> None:
    broken = [v for v in charts.PUBLISHED if charts.chart_facts(v).status == charts.BROKEN]
    assert broken[:30] == list(charts.PUBLISHED[:30])
    assert broken[30:] == ["v4.2.107", "v4.2.200", "v4.2.201"]


@pytest.mark.parametrize(
    ("version", "ipams", "nearest"),
    [
        ("v3.7.1-build2021041601", (), "v4.0.2-build2024020801"),
        ("v3.7.1-build2021041601", ("whereabouts",), "v4.0.203"),
        ("v4.0.202", ("dhcp",), "v4.0.204"),
        ("v4.0.202", ("whereabouts", "dhcp"), "v4.0.204"),
        ("v4.2.107", ("dhcp",), "v4.2.202"),
        ("v9.0.0", (), "v4.3.017"),
    ],
)
def test_nearest_working(version: str, ipams: tuple[str, ...], nearest: str) -> None:
    assert charts.nearest_working(version, ipams) == nearest


def test_rke2_uses_default_dirs() -> None:
    """The K3s-only breakages do not hold on RKE2 (the chart defaults are RKE2's dirs)."""
    assert all(gate is None for gate in charts.verdicts("v4.0.202", "rke2").values())
    assert all(gate is None for gate in charts.verdicts("v3.7.1-build2021041601", "rke2").values())


@pytest.mark.parametrize(("version", "cleanup"), [("v4.2.106", True), ("v4.2.302", True), ("v4.2.303", False)])
def test_cleanup_config_on_exit_gate(version: str, cleanup: bool) -> None:
    assert ("gates/cleanup-config-on-exit" in charts.chart_facts(version).overlays) is cleanup


def test_crd_chart_version_of_an_unknown_version_is_not_guessed() -> None:
    from multus_gen.model.options import make_gen_options

    with pytest.raises(InputError, match="rke2-multus-crd"):
        make_gen_options(chart_version="v4.3.099", allow_unknown_chart_version=True)
    opts = make_gen_options(chart_version="v4.3.099", allow_unknown_chart_version=True, crd_chart_version="4.3.099")
    assert opts.crd_chart_version == "4.3.099"
    # an unknown version before the split ships its CRDs itself: nothing to ask for, nothing to accept
    assert make_gen_options(chart_version="v4.2.306", allow_unknown_chart_version=True).crd_chart_version is None
    with pytest.raises(InputError, match="ships the CRDs itself"):
        make_gen_options(chart_version="v4.2.202", crd_chart_version="4.3.017")
    with pytest.raises(InputError, match=r"4\.3\.010"):
        make_gen_options(chart_version="v4.3.017", crd_chart_version="4.3.009")
    assert make_gen_options(chart_version="v4.3.012", crd_chart_version="4.3.017").crd_chart_version == "4.3.017"
    assert make_gen_options(chart_version="v4.3.009").crd_chart_version == "4.3.010"
