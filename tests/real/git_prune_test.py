"""``commit -c SPEC --prune`` (issue 17) against real git: a bare remote, a clone, the real CLI.

The spec's record (``<--path>/.multus-gen/<key>.record``, the one ``render`` keeps) is committed with the files;
a later commit of the spec without a cluster reports it, and with ``--prune`` deletes exactly the files that
record lists and that still hold the recorded bytes, in the same commit -- nothing of another spec, nothing a
person wrote or edited, nothing outside the spec's folder. Also: ``--branch`` reads the branch's committed
file for the upgrade check (issue 13), and an unchanged ``commit -c`` answered from the cache is the same run.
"""

from __future__ import annotations

import os
from pathlib import Path

from helpers import capture, git

NETS = """\
cluster: {k3sVersion: v1.33.5+k3s1}
chart: {version: v4.3.017}
networks:
  - {name: storage, namespace: default, type: macvlan, master: eth1, ipam: {type: whereabouts, range: 192.168.50.0/24}}
clusters:
"""
FILES = ("multus.yaml", "multus-networks.yaml", "kustomization.yaml")


def fleet(path: Path, *names: str) -> Path:
    path.write_text(NETS + "".join(f"  - name: {name}\n" for name in names))
    return path


def commit(repo: Path, *argv: str) -> tuple[int, str]:
    code, out, err = capture(["commit", "--repo", str(repo), *argv])
    assert out == ""
    return code, err


def files(repo: Path, rev: str = "HEAD") -> set[str]:
    return set(git(repo, "ls-tree", "-r", "--name-only", rev).split())


def changes(repo: Path, rev: str = "HEAD") -> list[str]:
    return git(repo, "diff-tree", "-r", "--no-commit-id", "--name-status", rev).splitlines()


def cluster_files(name: str, top: str = "clusters") -> set[str]:
    return {f"{top}/{name}/{f}" for f in FILES}


def test_a_removed_cluster_is_reported_then_pruned_and_pushed(tmp_path: Path, repo: Path, remote: Path) -> None:
    spec = fleet(tmp_path / "fleet.yaml", "edge-1", "edge-7", "edge-9")
    other = fleet(tmp_path / "other.yaml", "lab")  # another spec delivering into the same folder
    assert commit(repo, "-c", str(spec), "--path", "clusters/", "-q")[0] == 0
    assert commit(repo, "-c", str(other), "--path", "clusters/", "-q")[0] == 0
    records = {f for f in files(repo) if f.startswith("clusters/.multus-gen/")}
    assert len(records) == 2  # one record per spec, committed
    (repo / "clusters/edge-7/notes.md").write_text("a person's file in the cluster's folder\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "notes")
    fleet(spec, "edge-1", "edge-9")  # edge-7 leaves the spec
    head = git(repo, "rev-parse", "HEAD")

    code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "-q")  # without --prune: kept, reported
    assert code == 0, err
    assert "cluster edge-7 is no longer in the spec; its 3 files are kept (use --prune)" in err
    assert git(repo, "rev-parse", "HEAD") == head and cluster_files("edge-7") <= files(repo)

    code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "--prune", "--dry-run")
    assert code == 0, err
    assert "cluster edge-7 left the spec: 3 files would be deleted" in err
    assert {f"{path}: would delete" for path in sorted(cluster_files("edge-7"))} <= set(err.splitlines())
    assert "nothing written" in err
    assert git(repo, "rev-parse", "HEAD") == head and git(repo, "status", "--porcelain") == ""

    before = files(repo)
    code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "--prune", "--push", "-q")
    assert code == 0, err
    assert "cluster edge-7 left the spec: 3 files deleted" in err and "pushed to origin" in err
    assert git(repo, "rev-parse", "HEAD~1") == head  # one commit
    assert files(repo) == before - cluster_files("edge-7")  # those three files and nothing else
    record = next(r for r in records if git(repo, "show", f"HEAD:{r}").count("edge-9"))
    assert sorted(changes(repo)) == sorted([f"M\t{record}", *(f"D\t{p}" for p in cluster_files("edge-7"))])
    assert "edge-7" not in git(repo, "show", f"HEAD:{record}")
    assert cluster_files("lab") <= files(repo)  # the other spec's files stay
    assert (repo / "clusters/edge-7/notes.md").read_text().startswith("a person's")  # not recorded: stays
    assert not (repo / "clusters/edge-7/multus.yaml").exists()
    assert git(repo, "status", "--porcelain") == ""  # working tree and index follow
    assert git(remote, "rev-parse", "refs/heads/main") == git(repo, "rev-parse", "HEAD")

    code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "--prune")
    assert code == 0 and "edge-7" not in err and "up to date on main" in err


def test_a_hand_edited_file_is_kept_and_reported(tmp_path: Path, repo: Path) -> None:
    spec = fleet(tmp_path / "fleet.yaml", "a", "b")
    assert commit(repo, "-c", str(spec), "--path", "fleet/", "-q")[0] == 0
    edited = repo / "fleet/b/multus.yaml"
    edited.write_text(edited.read_text() + "# tuned by hand\n")
    git(repo, "commit", "-q", "-am", "tune b")
    fleet(spec, "a")
    code, err = commit(repo, "-c", str(spec), "--path", "fleet/", "--prune", "-q")
    assert code == 0, err
    kept = "1 file changed since multus-gen wrote it is kept: fleet/b/multus.yaml"
    assert f"cluster b left the spec: 2 files deleted; {kept}" in err, err
    done = sorted(changes(repo))
    assert done[:2] == ["D\tfleet/b/kustomization.yaml", "D\tfleet/b/multus-networks.yaml"]
    assert len(done) == 3 and done[2].startswith("M\tfleet/.multus-gen/")  # and the record
    assert "# tuned by hand" in git(repo, "show", "HEAD:fleet/b/multus.yaml")
    # still in the record: a later --prune still knows it, and still keeps it while it differs
    code, err = commit(repo, "-c", str(spec), "--path", "fleet/", "--prune", "-q")
    assert code == 0 and "fleet/b/multus.yaml" in err and "up to date" in err


def test_uncommitted_changes_to_a_file_prune_would_delete_are_refused(tmp_path: Path, repo: Path) -> None:
    spec = fleet(tmp_path / "fleet.yaml", "a", "b")
    assert commit(repo, "-c", str(spec), "--path", "clusters/", "-q")[0] == 0
    (repo / "clusters/b/multus.yaml").write_text("local edit\n")
    fleet(spec, "a")
    head = git(repo, "rev-parse", "HEAD")
    for extra in ((), ("--force",)):
        code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "--prune", *extra)
        assert code == 1 and "which --prune would delete" in err and "clusters/b/multus.yaml" in err
        assert git(repo, "rev-parse", "HEAD") == head
    assert (repo / "clusters/b/multus.yaml").read_text() == "local edit\n"


def test_prune_on_another_branch_touches_only_the_ref(tmp_path: Path, repo: Path) -> None:
    spec = fleet(tmp_path / "fleet.yaml", "a", "b")
    assert commit(repo, "-c", str(spec), "--path", "clusters/", "--branch", "gitops", "-q")[0] == 0
    fleet(spec, "b")
    code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "--branch", "gitops", "--prune", "-q")
    assert code == 0 and "cluster a left the spec: 3 files deleted" in err, err
    assert not cluster_files("a") & files(repo, "gitops") and cluster_files("b") <= files(repo, "gitops")
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main" and not (repo / "clusters").exists()


def test_prune_needs_a_spec_file(repo: Path) -> None:
    code, err = commit(repo, "--path", "multus.yaml", "--prune")
    assert code == 2 and "--prune" in err and "-c" in err
    code, err = commit(repo, "--path", "multus.yaml", "--dry-run", "--push")
    assert code == 2 and "--dry-run" in err


def test_a_single_spec_reports_files_it_no_longer_writes(tmp_path: Path, repo: Path) -> None:
    spec = tmp_path / "one.yaml"
    spec.write_text(NETS.replace("clusters:\n", ""))
    assert commit(repo, "-c", str(spec), "--path", "prod/", "-q")[0] == 0
    assert {"prod/multus.yaml", "prod/multus-networks.yaml"} <= files(repo)
    spec.write_text(NETS.split("networks:")[0])  # no networks: no NAD file any more
    (repo / "prod/keep.yaml").write_text("keep: true\n")  # a person's file beside ours
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "keep")
    code, err = commit(repo, "-c", str(spec), "--path", "prod/", "-q")
    assert code == 0 and "prod/multus-networks.yaml: no longer in the spec (kept; --prune deletes it)" in err, err
    code, err = commit(repo, "-c", str(spec), "--path", "prod/", "--prune", "-q")
    assert code == 0 and "prod/multus-networks.yaml: removed (no longer in the spec)" in err, err
    assert "prod/multus-networks.yaml" not in files(repo)
    assert {"prod/keep.yaml", "prod/multus.yaml", "README.md"} <= files(repo)


def test_branch_upgrade_check_reads_the_branch_not_the_working_tree(repo: Path) -> None:
    """Issue 13: with --branch the transition is checked against that branch's committed file, not the file
    the checked-out branch has in the working tree."""
    old = ("--chart-version", "v4.2.202", "--k3s-version", "v1.30.5+k3s1")
    new = ("--chart-version", "v4.3.017", "--k3s-version", "v1.33.5+k3s1")
    assert commit(repo, "--path", "multus.yaml", "--branch", "upgrade", *old)[0] == 0
    assert not (repo / "multus.yaml").exists()  # the working tree (main) has no such file
    tip = git(repo, "rev-parse", "upgrade")
    code, err = commit(repo, "--path", "multus.yaml", "--branch", "upgrade", *new)
    assert code == 1 and "[upgrade-deletes-nads]" in err, err  # the jump over the CRD split, on that branch
    assert git(repo, "rev-parse", "upgrade") == tip
    # the reverse: the working tree's old file does not make a commit on a branch holding the new one refuse
    assert commit(repo, "--path", "multus.yaml", "--branch", "modern", *new)[0] == 0
    assert commit(repo, "--path", "multus.yaml", *old)[0] == 0  # main's working tree: the old chart
    code, err = commit(repo, "--path", "multus.yaml", "--branch", "modern", *new, "--ipam", "dhcp")
    assert code == 0, err
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_an_unchanged_commit_from_the_cache_is_the_same_run(tmp_path: Path, repo: Path) -> None:
    """The memo (cache.py ``commit/``) answers only while the branch still has the remembered tree: a commit of
    someone else's, or a file deleted in the working tree, and the run renders and checks as usual."""
    spec = fleet(tmp_path / "fleet.yaml", "a", "b")
    first = commit(repo, "-c", str(spec), "--path", "clusters/", "-q")
    assert first[0] == 0
    code, cached = commit(repo, "-c", str(spec), "--path", "clusters/", "-q")
    assert code == 0 and cached.strip().endswith("6 files: up to date on main")
    git(repo, "rm", "-q", "clusters/a/multus.yaml")
    git(repo, "commit", "-q", "-m", "someone removes a file")
    code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "-q")
    assert code == 0 and "committed" in err
    assert "clusters/a/multus.yaml" in files(repo)
    fleet(spec, "b")
    code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "-q")  # the spec changed: a new key
    assert code == 0 and "cluster a is no longer in the spec; its 3 files are kept" in err, err
    code, again = commit(repo, "-c", str(spec), "--path", "clusters/", "-q")  # remembered: the same report
    assert code == 0 and again == err
    assert any((Path(os.environ["MULTUS_GEN_CACHE_DIR"]) / "commit").rglob("*.json"))


def test_a_record_naming_files_outside_the_folder_deletes_nothing_there(tmp_path: Path, repo: Path) -> None:
    """A record is data in the repository, so anyone can edit it: paths outside the spec's folder (``..``,
    absolute, the record folder itself) are ignored, whatever their bytes."""
    import hashlib
    import json

    spec = fleet(tmp_path / "fleet.yaml", "a")
    assert commit(repo, "-c", str(spec), "--path", "clusters/", "-q")[0] == 0
    (record,) = (f for f in files(repo) if f.startswith("clusters/.multus-gen/"))
    data = json.loads((repo / record).read_text())
    readme = hashlib.sha256((repo / "README.md").read_bytes()).hexdigest()
    data["files"].update({"../README.md": readme, "/README.md": readme, ".multus-gen/x.record": readme})
    (repo / record).write_text(json.dumps(data))
    git(repo, "commit", "-q", "-am", "tamper with the record")
    code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "--prune", "-q")
    assert code == 0, err
    assert "README.md" in files(repo) and (repo / "README.md").exists()
    assert "README" not in err


def test_prune_push_onto_a_remote_that_moved_on(tmp_path: Path, repo: Path, remote: Path) -> None:
    """The deletions count as ours when the commit is re-made on a remote tip that moved on; a remote that
    changed a file we delete stops it."""
    spec = fleet(tmp_path / "fleet.yaml", "a", "b", "c")
    assert commit(repo, "-c", str(spec), "--path", "clusters/", "--push", "-q")[0] == 0
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "app.yaml").write_text("a: 1\n")
    git(other, "add", "app.yaml")
    git(other, "commit", "-q", "-m", "someone else")
    git(other, "push", "-q", "origin", "main")
    fleet(spec, "a", "c")
    code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "--prune", "--push", "-q")
    assert code == 0, err
    assert "cluster b left the spec: 3 files deleted" in err and "rebased onto origin, pushed to origin" in err
    tip = git(remote, "rev-parse", "refs/heads/main")
    assert tip == git(repo, "rev-parse", "HEAD")
    assert "app.yaml" in files(repo, tip) and not cluster_files("b") & files(repo, tip)
    assert (repo / "app.yaml").exists() and not (repo / "clusters/b").exists()
    # the remote edits a file of a cluster that then leaves: the re-made commit would delete their change
    git(other, "pull", "-q", "origin", "main")
    (other / "clusters/c/multus.yaml").write_text("changed on the remote\n")
    git(other, "commit", "-q", "-am", "edit c")
    git(other, "push", "-q", "origin", "main")
    fleet(spec, "a")
    head = git(repo, "rev-parse", "HEAD")
    code, err = commit(repo, "-c", str(spec), "--path", "clusters/", "--prune", "--push", "-q")
    assert code == 1 and "clusters/c/multus.yaml" in err, err
    assert git(remote, "rev-parse", "refs/heads/main") != git(repo, "rev-parse", "HEAD") != head  # kept locally
    assert git(remote, "show", "refs/heads/main:clusters/c/multus.yaml") == "changed on the remote"
