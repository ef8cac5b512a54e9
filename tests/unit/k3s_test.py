"""K3s path knowledge: the bin-dir gate and path layout (FACTS.md 2)."""

from __future__ import annotations

import pytest

from helpers import LEGACY_BIN, STABLE_BIN
from multus_gen.knowledge import helm_controller, k3s


@pytest.mark.parametrize(
    ("version", "bin_dir"),
    [
        # the gate versions and their predecessors, as FACTS.md 2 lists them
        ("v1.28.14+k3s1", LEGACY_BIN),
        ("v1.28.15+k3s1", STABLE_BIN),
        ("v1.29.9+k3s1", LEGACY_BIN),
        ("v1.29.10+k3s1", STABLE_BIN),
        ("v1.30.5+k3s1", LEGACY_BIN),
        ("v1.30.6+k3s1", STABLE_BIN),
        ("v1.31.1+k3s1", LEGACY_BIN),
        ("v1.31.2+k3s1", STABLE_BIN),
        ("v1.32.0+k3s1", STABLE_BIN),
        ("v1.33.5+k3s1", STABLE_BIN),
        ("v1.40.0+k3s1", STABLE_BIN),
        # older minors never got the stable dir
        ("v1.27.16+k3s1", LEGACY_BIN),
        ("v1.26.15+k3s1", LEGACY_BIN),
        # later patches of a gated minor
        ("v1.28.20+k3s2", STABLE_BIN),
        ("v1.30.14+k3s1", STABLE_BIN),
        # a release candidate of the gate patch does not count as the release
        ("v1.30.6-rc1+k3s1", LEGACY_BIN),
        ("v1.32.0-rc2+k3s1", STABLE_BIN),
        # the +k3sN suffix and the leading v are optional on input
        ("1.31.2", STABLE_BIN),
        ("v1.31.1", LEGACY_BIN),
    ],
)
def test_bin_dir_gate(version: str, bin_dir: str) -> None:
    paths = k3s.paths(k3s.DEFAULT_DATA_DIR, k3s.K3sVersion.parse(version))
    assert paths.bin_dir == bin_dir
    assert paths.bin_dir_stable is (bin_dir == STABLE_BIN)


def test_paths_move_with_data_dir() -> None:
    p = k3s.paths("/srv/k3s", k3s.K3sVersion.parse("v1.30.6+k3s1"))
    assert p.conf_dir == "/srv/k3s/agent/etc/cni/net.d"
    assert p.bin_dir == "/srv/k3s/data/cni"
    assert p.multus_kubeconfig == "/srv/k3s/agent/etc/cni/net.d/multus.d/multus.kubeconfig"
    assert p.whereabouts_conf == "/srv/k3s/agent/etc/cni/net.d/whereabouts.d/whereabouts.conf"
    assert p.whereabouts_kubeconfig == "/srv/k3s/agent/etc/cni/net.d/whereabouts.d/whereabouts.kubeconfig"
    assert p.manifests_dir == "/srv/k3s/server/manifests"
    assert p.static_charts_dir == "/srv/k3s/server/static/charts"


@pytest.mark.parametrize("text", ["", "v1", "v1.30", "1.30.x", "v1.30.5+rke2r1", "v1.30.5+k3s0", "v01.30.5", "latest"])
def test_bad_versions(text: str) -> None:
    with pytest.raises(ValueError):
        k3s.K3sVersion.parse(text)


@pytest.mark.parametrize(
    ("text", "release"),
    [
        # the container image tag (rancher/k3s, k3d): '-' because tags cannot hold '+' (FACTS 2)
        ("v1.30.6-k3s1", "v1.30.6+k3s1"),
        ("v1.30.5-k3s2", "v1.30.5+k3s2"),
        ("v1.30.6-rc1-k3s1", "v1.30.6-rc1+k3s1"),
        # a pasted `k3s --version` (its first line, or all of it)
        ("k3s version v1.30.6+k3s1 (abcdef12)", "v1.30.6+k3s1"),
        ("k3s version v1.30.6+k3s1 (abcdef12)\ngo version go1.22.8\n", "v1.30.6+k3s1"),
    ],
)
def test_other_spellings_are_the_release(text: str, release: str) -> None:
    version = k3s.K3sVersion.parse(text)
    assert str(version) == release
    assert version == k3s.K3sVersion.parse(release)


def test_image_tag_gets_the_stable_bin_dir() -> None:
    """``v1.30.6-k3s1`` is v1.30.6+k3s1, not a pre-release of v1.30.6 with the legacy bin dir."""
    assert k3s.paths(k3s.DEFAULT_DATA_DIR, k3s.K3sVersion.parse("v1.30.6-k3s1")).bin_dir == STABLE_BIN


@pytest.mark.parametrize(
    "text", ["v1.30.6-foo", "v1.30.6-k3s1+k3s1", "k3s version v1.30.6+k3s1", "v1.30.6+k3s1 (abcdef12)", "v1.30.6-k3s"]
)
def test_other_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        k3s.K3sVersion.parse(text)


def test_version_order_and_str() -> None:
    v = k3s.K3sVersion.parse
    assert v("v1.30.5+k3s1") < v("v1.30.5+k3s2") < v("v1.30.6-rc1+k3s1") < v("v1.30.6+k3s1") < v("v1.31.0+k3s1")
    assert str(v("1.30.5")) == "v1.30.5+k3s1"
    assert str(v("v1.30.6-rc1+k3s2")) == "v1.30.6-rc1+k3s2"


def test_default_version_is_parseable_and_current() -> None:
    version = k3s.K3sVersion.parse(helm_controller.DEFAULT_K3S_VERSION)
    assert k3s.has_stable_cni_bin(version)


def test_default_version_is_the_newest_sourced_release_of_the_k3s_table() -> None:
    """Issue 13: the default is the newest K3s release multus-gen knows -- the K3s table's (versions --k3s)."""
    v = k3s.K3sVersion.parse
    default = v(helm_controller.DEFAULT_K3S_VERSION)
    assert str(default) == "v1.36.2+k3s1"  # k3s-io/docs v1.36.X.md names v1.36.0+k3s1 to v1.36.2+k3s1
    named = [v(row.newest) for row in helm_controller.K3S_LINES if row.newest is not None and not row.assumed]
    assert default == max(named)
    # the newest released line: no released row names a newer minor (v1.37 is K3s main, not a release)
    released = [row for row in helm_controller.K3S_LINES if "main" not in row.source]
    assert max(v(row.since).minor for row in released) == default.minor
    # and its row is the one the default's helm-controller comes from
    assert helm_controller.for_k3s(default).newest == helm_controller.DEFAULT_K3S_VERSION


@pytest.mark.parametrize(
    ("version", "first"),
    [
        ("v1.30.5+k3s1", "v1.30.6+k3s1"),  # the patch release of the gate (FACTS 2)
        ("v1.28.14+k3s1", "v1.28.15+k3s1"),
        ("v1.27.9+k3s1", "v1.32.0+k3s1"),  # a minor without the fix: the first minor that has it from the start
    ],
)
def test_first_stable_cni_bin_release(version: str, first: str) -> None:
    assert k3s.first_stable_cni_bin_release(k3s.K3sVersion.parse(version)) == first
    assert k3s.has_stable_cni_bin(k3s.K3sVersion.parse(first))
