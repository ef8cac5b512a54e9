"""Replacing an existing manifest (FACTS 2, 3a): install refuses the upgrade that deletes every NAD, names the
safe path and writes nothing; the transition notes; ``plan --from FILE`` shows the diff and the same verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import isolate_git
from helpers import capture, git

OLD = ("--chart-version", "v4.2.202", "--k3s-version", "v1.30.5+k3s1")


def _install(folder: Path, *argv: str) -> tuple[int, str, str]:
    return capture(["install", "--manifests-dir", str(folder), *argv])


def test_install_refuses_the_straight_jump_over_the_crd_split(tmp_path: Path) -> None:
    assert _install(tmp_path, *OLD)[0] == 0
    before = (tmp_path / "multus.yaml").read_text()
    code, out, err = _install(tmp_path, "--chart-version", "v4.3.017", "--k3s-version", "v1.33.7+k3s1")
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert "[upgrade-deletes-nads]" in line and "v4.3.008" in line and "v4.2.410" in line, line
    assert (tmp_path / "multus.yaml").read_text() == before


def test_the_safe_path_in_two_steps(tmp_path: Path) -> None:
    assert _install(tmp_path, *OLD)[0] == 0
    code, _, err = _install(tmp_path, "--chart-version", "v4.3.008", "--k3s-version", "v1.30.5+k3s1")
    assert code == 0, err
    code, _, err = _install(tmp_path, "--chart-version", "v4.3.017", "--k3s-version", "v1.33.7+k3s1")
    assert code == 0, err
    assert "rke2-multus-crd release, which must adopt them" in err and "takeOwnership: true" in err
    assert "moves the CNI bin dir" in err  # data/current/bin -> data/cni with the K3s upgrade
    assert "takeOwnership: true" in (tmp_path / "multus.yaml").read_text()


def test_allow_overrides_the_refusal(tmp_path: Path) -> None:
    assert _install(tmp_path, *OLD)[0] == 0
    code, _, err = _install(tmp_path, "--chart-version", "v4.3.017", "--allow", "upgrade-deletes-nads")
    assert code == 0, err
    assert "warning:" in err and "[upgrade-deletes-nads]" in err


def test_whereabouts_on_an_existing_bundling_release_is_a_note(tmp_path: Path) -> None:
    assert _install(tmp_path, "--chart-version", "v4.3.008")[0] == 0
    code, _, err = _install(tmp_path, "--chart-version", "v4.3.008", "--ipam", "whereabouts")
    assert code == 0, err
    assert "does not create its CRDs" in err and "CreateReplace" in err


def test_plan_shows_the_diff_and_refuses_unsafe(tmp_path: Path) -> None:
    assert _install(tmp_path, *OLD)[0] == 0
    current = tmp_path / "multus.yaml"
    before = current.read_text()
    code, out, err = capture(["plan", "--from", str(current), "--chart-version", "v4.3.017"])
    assert code == 1
    assert "-  version: v4.2.202" in out and "+  version: v4.3.017" in out and "+  chart: rke2-multus-crd" in out
    assert "[upgrade-deletes-nads]" in err and err.rstrip().endswith("unsafe transition")
    assert current.read_text() == before  # plan writes nothing

    code, out, err = capture(["plan", "--from", str(current), "--chart-version", "v4.3.008"])
    assert code == 0, err
    assert "+  version: v4.3.008" in out

    code, out, err = capture(["plan", "--from", str(current), *OLD])
    assert (code, out) == (0, "")
    assert err.rstrip().endswith("no change")


def test_plan_reads_a_helmchart_without_our_header(tmp_path: Path) -> None:
    hand = tmp_path / "hand.yaml"
    hand.write_text(
        "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata: {name: multus, namespace: kube-system}\n"
        "spec: {repo: 'https://rke2-charts.rancher.io', chart: rke2-multus, version: v4.1.000}\n"
    )
    code, _, err = capture(["plan", "--from", str(hand), "--chart-version", "v4.3.017"])
    assert code == 1 and "rke2-multus v4.1.000 -> v4.3.017" in err


def test_commit_refuses_the_straight_jump_too(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    require_real,  # type: ignore[no-untyped-def]
) -> None:
    isolate_git(tmp_path, monkeypatch, "[init]\n\tdefaultBranch = main\n[user]\n\tname = J\n\temail = j@example.org\n")
    repo = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(repo))
    argv = ["commit", "--repo", str(repo), "--path", "multus.yaml"]
    assert capture([*argv, *OLD])[0] == 0
    head = git(repo, "rev-parse", "HEAD")
    code, _, err = capture([*argv, "--chart-version", "v4.3.017"])
    assert code == 1 and "[upgrade-deletes-nads]" in err, err
    assert git(repo, "rev-parse", "HEAD") == head


# -- install -c SPEC: the spec's chart file goes through the same checks ------------------------------------

NETWORK = "networks:\n  - {name: lan, type: macvlan, master: eth1, ipam: {type: whereabouts, range: 10.9.0.0/24}}\n"


def _spec(folder: Path, version: str, k3s: str, *, fleet: bool = False) -> Path:
    spec = folder / "multus-spec.yaml"
    text = f"cluster: {{k3sVersion: {k3s}}}\nchart: {{version: {version}}}\n" + NETWORK
    if fleet:
        text += "clusters:\n  - name: edge-1\n  - name: edge-2\n"
    spec.write_text(text)
    return spec


def test_install_spec_refuses_the_straight_jump(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    assert _install(folder, "-c", str(_spec(tmp_path, "v4.2.202", "v1.30.5+k3s1")))[0] == 0
    before = {p.name: p.read_text() for p in folder.iterdir()}
    assert sorted(before) == ["multus-networks.yaml", "multus.yaml"]
    code, out, err = _install(folder, "-c", str(_spec(tmp_path, "v4.3.017", "v1.33.7+k3s1")))
    assert code == 1 and out == ""
    (line,) = err.splitlines()
    assert "[upgrade-deletes-nads]" in line and "v4.3.008" in line and str(folder / "multus.yaml") in line, line
    assert {p.name: p.read_text() for p in folder.iterdir()} == before  # neither file written


def test_install_spec_two_steps_with_notes(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    assert _install(folder, "-c", str(_spec(tmp_path, "v4.2.202", "v1.30.5+k3s1")))[0] == 0
    code, _, err = _install(folder, "-c", str(_spec(tmp_path, "v4.3.008", "v1.30.5+k3s1")))
    assert code == 0, err
    code, _, err = _install(folder, "-c", str(_spec(tmp_path, "v4.3.017", "v1.33.7+k3s1")))
    assert code == 0, err
    assert "[upgrade-transition]" in err and "must adopt them" in err and "moves the CNI bin dir" in err
    assert err.count("[upgrade-transition]") == 2  # the chart file only: the NADs' file is no upgrade


def test_install_spec_cluster_of_a_fleet(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    old = _spec(tmp_path, "v4.2.202", "v1.30.5+k3s1", fleet=True)
    assert _install(folder, "-c", str(old), "--cluster", "edge-1")[0] == 0
    new = _spec(tmp_path, "v4.3.017", "v1.33.7+k3s1", fleet=True)
    code, out, err = _install(folder, "-c", str(new), "--cluster", "edge-1")
    assert code == 1 and out == "" and "[upgrade-deletes-nads]" in err
    code, _, err = _install(folder, "-c", str(new), "--cluster", "edge-1", "--dry-run")
    assert code == 1  # a dry run says the same


def test_install_spec_allow_in_the_spec(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    assert _install(folder, "-c", str(_spec(tmp_path, "v4.2.202", "v1.30.5+k3s1")))[0] == 0
    spec = _spec(tmp_path, "v4.3.017", "v1.33.7+k3s1")
    spec.write_text(
        spec.read_text().replace(
            "chart: {version: v4.3.017}", "chart: {version: v4.3.017, allow: [upgrade-deletes-nads]}"
        )
    )
    code, _, err = _install(folder, "-c", str(spec))
    assert code == 0, err
    assert "warning:" in err and "[upgrade-deletes-nads]" in err


def test_rke2_release_jump_over_the_split_names_the_rke2_path(tmp_path: Path) -> None:
    """On RKE2 the chart is RKE2's: the two steps are RKE2 releases (the first whose rke2-multus keeps the CRD),
    not a chart version a HelmChartConfig cannot pick; the release on that path passes."""
    old = tmp_path / "rke2-multus-config.yaml"
    code, out, _ = capture(["helmchart", "--distro", "rke2", "--rke2-version", "v1.34.2+rke2r1"])
    assert code == 0
    old.write_text(out)
    code, out, err = capture(["plan", "--from", str(old), "--distro", "rke2", "--rke2-version", "v1.37.0+rke2r1"])
    assert code == 1 and "[upgrade-deletes-nads]" in err, err
    (line,) = [line for line in err.splitlines() if "[upgrade-deletes-nads]" in line]
    assert "upgrade RKE2 in two steps" in line and "v1.36.0+rke2r1 or later" in line, line
    assert "then to RKE2 v1.37.0+rke2r1" in line and "first to v4.3.008" not in line, line
    code, _, err = capture(["plan", "--from", str(old), "--distro", "rke2", "--rke2-version", "v1.36.0+rke2r1"])
    assert code == 0, err
    old.write_text(capture(["helmchart", "--distro", "rke2", "--rke2-version", "v1.36.0+rke2r1"])[1])
    assert capture(["plan", "--from", str(old), "--distro", "rke2", "--rke2-version", "v1.37.0+rke2r1"])[0] == 0
