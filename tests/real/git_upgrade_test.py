"""``commit -c SPEC`` checks every cluster's upgrade (issue 13, FACTS 3a) against real git: a bare remote, a clone,
the real CLI. Each cluster's chart file as the target branch holds it goes through the checks ``install -c`` runs:
the jump from rke2-multus <= v4.2.409 straight to >= v4.3.009 (Helm deletes the NAD CRD and every NAD) is refused
naming the cluster, nothing committed; the spec's ``chart.allow`` lets it through as a warning; the two-step path
passes with its notes; with ``--branch`` the branch's committed files count, not the working tree's.
"""

from __future__ import annotations

from pathlib import Path

from helpers import capture, git

OLD = {"version": "v4.2.202", "k3s": "v1.30.5+k3s1"}
NETS = "networks:\n  - {name: lan, type: macvlan, master: eth1, ipam: {type: whereabouts, range: 10.9.0.0/24}}\n"


def spec(path: Path, version: str, k3s: str, *, clusters: dict[str, str] | None = None, allow: str = "") -> Path:
    """A fleet spec (edge-1, edge-2 unless ``clusters`` maps names to their own chart version, "" = the spec's)."""
    chart = f"{{version: {version}" + (f", allow: [{allow}]" if allow else "") + "}"
    text = f"cluster: {{k3sVersion: {k3s}}}\nchart: {chart}\n{NETS}clusters:\n"
    for name, own in (clusters or {"edge-1": "", "edge-2": ""}).items():
        text += f"  - name: {name}\n" + (f"    chart: {{version: {own}}}\n" if own else "")
    path.write_text(text)
    return path


def commit(repo: Path, config: Path, *argv: str) -> tuple[int, str]:
    code, out, err = capture(["commit", "--repo", str(repo), "--path", "clusters/", "-c", str(config), *argv])
    assert out == ""
    return code, err


def test_the_straight_jump_is_refused_naming_the_cluster(tmp_path: Path, repo: Path, remote: Path) -> None:
    config = tmp_path / "fleet.yaml"
    assert commit(repo, spec(config, **OLD), "--push")[0] == 0
    head, pushed = git(repo, "rev-parse", "HEAD"), git(remote, "rev-parse", "main")
    before = (repo / "clusters/edge-1/multus.yaml").read_text()
    code, err = commit(repo, spec(config, "v4.3.017", "v1.33.7+k3s1"), "--push")
    assert code == 1
    (line,) = err.splitlines()
    assert "[upgrade-deletes-nads]" in line and "cluster edge-1" in line, line
    assert "clusters/edge-1/multus.yaml" in line and "v4.3.008" in line, line
    assert git(repo, "rev-parse", "HEAD") == head and git(remote, "rev-parse", "main") == pushed
    assert (repo / "clusters/edge-1/multus.yaml").read_text() == before
    assert git(repo, "status", "--porcelain") == ""
    code, err = commit(repo, config, "--dry-run")  # a dry run says the same
    assert code == 1 and "[upgrade-deletes-nads]" in err


def test_only_the_cluster_on_the_old_chart_is_named(tmp_path: Path, repo: Path) -> None:
    config = tmp_path / "fleet.yaml"
    assert commit(repo, spec(config, "v4.3.008", OLD["k3s"], clusters={"edge-1": "", "edge-2": "v4.2.202"}))[0] == 0
    head = git(repo, "rev-parse", "HEAD")
    code, err = commit(repo, spec(config, "v4.3.017", "v1.33.7+k3s1"))
    assert code == 1 and "cluster edge-2" in err and "edge-1" not in err, err
    assert git(repo, "rev-parse", "HEAD") == head
    # edge-2 takes the safe step first; then the whole fleet moves on, with each cluster's notes
    step = spec(config, "v4.3.017", "v1.33.7+k3s1", clusters={"edge-1": "", "edge-2": "v4.3.008"})
    code, err = commit(repo, step)
    assert code == 0, err
    assert "cluster edge-1" in err and "must adopt them" in err  # edge-1 crossed the split the safe way
    code, err = commit(repo, spec(config, "v4.3.017", "v1.33.7+k3s1"))
    assert code == 0, err
    lines = [line for line in err.splitlines() if "[upgrade-transition]" in line]
    assert lines and all("cluster edge-2" in line for line in lines), err
    assert "v4.3.017" in (repo / "clusters/edge-2/multus.yaml").read_text()


def test_a_new_cluster_has_nothing_to_upgrade(tmp_path: Path, repo: Path) -> None:
    config = tmp_path / "fleet.yaml"
    assert commit(repo, spec(config, **OLD, clusters={"edge-1": ""}))[0] == 0
    code, err = commit(repo, spec(config, "v4.3.008", OLD["k3s"], clusters={"edge-1": "", "edge-9": "v4.3.017"}))
    assert code == 0, err
    assert "cluster edge-9" not in err and "[upgrade-" not in err  # no file on the branch: a first install


def test_the_specs_allow_lets_it_through(tmp_path: Path, repo: Path) -> None:
    config = tmp_path / "fleet.yaml"
    assert commit(repo, spec(config, **OLD))[0] == 0
    head = git(repo, "rev-parse", "HEAD")
    code, err = commit(repo, spec(config, "v4.3.017", "v1.33.7+k3s1", allow="upgrade-deletes-nads"))
    assert code == 0, err
    warned = [line for line in err.splitlines() if "[upgrade-deletes-nads]" in line]
    assert len(warned) == 2 and all("multus-gen: warning: cluster edge-" in line for line in warned), err
    assert git(repo, "rev-parse", "HEAD^") == head


def test_a_single_cluster_spec(tmp_path: Path, repo: Path) -> None:
    config = tmp_path / "multus-spec.yaml"
    config.write_text(f"cluster: {{k3sVersion: {OLD['k3s']}}}\nchart: {{version: {OLD['version']}}}\n{NETS}")
    assert commit(repo, config)[0] == 0
    assert (repo / "clusters/multus.yaml").is_file()
    config.write_text(config.read_text().replace(OLD["version"], "v4.3.017"))
    code, err = commit(repo, config)
    assert code == 1
    (line,) = err.splitlines()
    assert "[upgrade-deletes-nads]" in line and "clusters/multus.yaml" in line and ": cluster " not in line, line


def test_branch_reads_the_branchs_committed_files(tmp_path: Path, repo: Path) -> None:
    config = tmp_path / "fleet.yaml"
    assert commit(repo, spec(config, **OLD), "--branch", "upgrade")[0] == 0
    assert not (repo / "clusters").exists()  # main's working tree has none of it
    tip = git(repo, "rev-parse", "upgrade")
    code, err = commit(repo, spec(config, "v4.3.017", "v1.33.7+k3s1"), "--branch", "upgrade")
    assert code == 1 and "[upgrade-deletes-nads]" in err and "cluster edge-1" in err, err
    assert git(repo, "rev-parse", "upgrade") == tip
    # main's working tree holding the old files does not stop a branch that already has the new ones
    assert commit(repo, spec(config, "v4.3.017", "v1.33.7+k3s1"), "--branch", "modern")[0] == 0
    assert commit(repo, spec(config, **OLD))[0] == 0
    code, err = commit(repo, spec(config, "v4.3.017", "v1.33.7+k3s1", clusters={"edge-1": ""}), "--branch", "modern")
    assert code == 0, err
