"""multus_gen.sinks.git against real git: a bare repository as the remote, clones under tmp_path.

HOME and GIT_CONFIG_GLOBAL point into tmp_path and the system config is off, so the machine's git
configuration never leaks in; ``identity`` runs tests with and without user.name/user.email (without, the
opt-in MULTUS_GEN_GIT_IDENTITY identity is used).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import isolate_git
from helpers import git
from multus_gen.errors import DeliveryError
from multus_gen.sinks.git import FALLBACK_IDENTITY, IDENTITY_ENV, commit_manifests, redact_credentials
from multus_gen.yamlio.serialize import Manifest

OURS = "clusters/prod/multus.yaml"


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, require_real) -> Path:  # type: ignore[no-untyped-def]
    config = isolate_git(tmp_path, monkeypatch, "[init]\n\tdefaultBranch = main\n")
    # These tests opt in to multus-gen's own identity where git has none (tests/real/git_setup_test.py
    # covers the refusal without it and git's own identity rules).
    monkeypatch.setenv(IDENTITY_ENV, "multus-gen <multus-gen@localhost>")
    return config


def set_identity(config: Path) -> None:
    with config.open("a") as handle:
        handle.write("[user]\n\tname = Jane Operator\n\temail = jane@example.org\n")


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    return make_remote(tmp_path)


def make_remote(tmp_path: Path) -> Path:
    """A bare repository seeded with README.md, app/config.yaml and clusters/prod/keep.yaml on main."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", str(bare), str(seed))
    for rel, text in {
        "README.md": "readme\n",
        "app/config.yaml": "a: 1\n",
        "clusters/prod/keep.yaml": "keep: true\n",
    }.items():
        (seed / rel).parent.mkdir(parents=True, exist_ok=True)
        (seed / rel).write_text(text)
    git(seed, "add", "-A")
    git(seed, "commit", "-q", "-m", "seed")
    git(seed, "push", "-q", "origin", "main")
    return bare


def clone(remote: Path, name: str) -> Path:
    path = remote.parent / name
    git(remote.parent, "clone", "-q", str(remote), str(path))
    return path


def make_user_mess(repo: Path) -> None:
    """Staged, unstaged, staged-then-modified, and untracked changes in other files."""
    (repo / "README.md").write_text("readme, edited but not staged\n")
    (repo / "app/config.yaml").write_text("a: 2\n")
    git(repo, "add", "app/config.yaml")
    (repo / "app/config.yaml").write_text("a: 3\n")
    (repo / "new-staged.txt").write_text("new and staged\n")
    git(repo, "add", "new-staged.txt")
    (repo / "notes.txt").write_text("untracked\n")


def snapshot(repo: Path, *also_skip: str) -> dict[str, object]:
    """Everything about the user's files except ours (and ``also_skip``)."""
    skip = {OURS, *also_skip}
    files = {
        str(p.relative_to(repo)): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts and str(p.relative_to(repo)) not in skip
    }
    return {
        "status": git(repo, "status", "--porcelain=v1", "--untracked-files=all"),
        "unstaged": git(repo, "diff"),
        "staged": git(repo, "diff", "--cached", "--", ".", *(f":!{s}" for s in sorted(skip))),
        "files": files,
    }


def fsck(repo: Path) -> None:
    git(repo, "fsck", "--full", "--strict", "--no-progress")


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD")


# -- committing on the checked-out branch -------------------------------------------------------------


@pytest.mark.parametrize("identity", ["configured", "unconfigured"])
def test_commits_only_our_path_and_keeps_the_users_changes(remote: Path, isolated_git: Path, identity: str) -> None:
    if identity == "configured":
        set_identity(isolated_git)
    repo = clone(remote, "work")
    make_user_mess(repo)
    before = snapshot(repo)
    old = head(repo)

    out = commit_manifests(repo, [Manifest(OURS, "kind: HelmChart\n")], message="Add multus")

    assert (out.status, out.branch, out.sha, out.paths) == ("committed", "main", head(repo), (OURS,))
    assert not out.pushed and not out.rebased
    assert git(repo, "rev-parse", "HEAD^") == old
    assert git(repo, "show", "--name-only", "--format=", "HEAD").splitlines() == [OURS]
    assert git(repo, "show", f"HEAD:{OURS}") == "kind: HelmChart"
    assert (repo / OURS).read_text() == "kind: HelmChart\n"
    assert snapshot(repo) == before  # every other change byte-identical and in the same state
    assert git(repo, "status", "--porcelain", "--", OURS) == ""  # our path is clean
    assert git(repo, "log", "-1", "--format=%s") == "Add multus"
    who = git(repo, "log", "-1", "--format=%an <%ae>|%cn <%ce>")
    expected = "Jane Operator <jane@example.org>" if identity == "configured" else "multus-gen <multus-gen@localhost>"
    assert who == f"{expected}|{expected}"
    assert FALLBACK_IDENTITY == ("multus-gen", "multus-gen@localhost")
    fsck(repo)


def test_explicit_author(remote: Path) -> None:
    repo = clone(remote, "work")
    commit_manifests(repo, [Manifest(OURS, "x\n")], message="m", author=("Bot", "bot@example.org"))
    assert git(repo, "log", "-1", "--format=%an <%ae>") == "Bot <bot@example.org>"


def test_second_run_is_up_to_date_and_touches_nothing(remote: Path) -> None:
    repo = clone(remote, "work")
    first = commit_manifests(repo, [Manifest(OURS, "x\n")], message="m")
    os.utime(repo / OURS, ns=(1_000_000_000, 1_000_000_000))
    second = commit_manifests(repo, [Manifest(OURS, "x\n")], message="m")
    assert second.status == "up to date" and second.sha == first.sha == head(repo)
    assert git(repo, "rev-list", "--count", "HEAD") == "2"
    assert (repo / OURS).stat().st_mtime_ns == 1_000_000_000


def test_dirty_target_refused_unless_forced(remote: Path) -> None:
    repo = clone(remote, "work")
    commit_manifests(repo, [Manifest(OURS, "v1\n")], message="m")
    old = head(repo)
    (repo / OURS).write_text("hand edit\n")
    with pytest.raises(DeliveryError, match="uncommitted changes") as info:
        commit_manifests(repo, [Manifest(OURS, "v2\n")], message="m")
    assert "--force" in info.value.one_line()
    assert head(repo) == old and (repo / OURS).read_text() == "hand edit\n"

    git(repo, "add", OURS)  # staged instead of unstaged
    (repo / OURS).write_text("v1\n")
    with pytest.raises(DeliveryError, match="uncommitted changes"):
        commit_manifests(repo, [Manifest(OURS, "v2\n")], message="m")
    assert head(repo) == old

    out = commit_manifests(repo, [Manifest(OURS, "v2\n")], message="m", force=True)
    assert out.status == "committed" and (repo / OURS).read_text() == "v2\n"
    assert git(repo, "status", "--porcelain") == ""
    fsck(repo)


def test_untracked_file_in_the_way(remote: Path) -> None:
    repo = clone(remote, "work")
    (repo / OURS).write_text("someone's file\n")
    with pytest.raises(DeliveryError, match="uncommitted changes"):
        commit_manifests(repo, [Manifest(OURS, "ours\n")], message="m")
    (repo / OURS).write_text("ours\n")  # e.g. `install -o` wrote the same bytes first: nothing to lose
    assert commit_manifests(repo, [Manifest(OURS, "ours\n")], message="m").status == "committed"
    assert git(repo, "status", "--porcelain") == ""


# -- other branches, empty and detached repositories --------------------------------------------------


def test_branch_mode_leaves_head_index_and_work_tree_alone(remote: Path) -> None:
    repo = clone(remote, "work")
    make_user_mess(repo)
    before = snapshot(repo)
    index = (repo / ".git" / "index").read_bytes()
    old = head(repo)

    out = commit_manifests(repo, [Manifest(OURS, "x\n")], message="m", branch="gitops")

    assert (repo / ".git" / "index").read_bytes() == index
    assert head(repo) == old and git(repo, "symbolic-ref", "HEAD") == "refs/heads/main"
    assert not (repo / OURS).exists()
    assert snapshot(repo) == before
    assert out.status == "committed" and out.branch == "gitops"
    assert git(repo, "rev-parse", "gitops") == out.sha and git(repo, "rev-parse", "gitops^") == old
    assert git(repo, "show", f"gitops:{OURS}") == "x"

    again = commit_manifests(repo, [Manifest(OURS, "x\n")], message="m", branch="gitops")
    assert again.status == "up to date" and again.sha == out.sha
    third = commit_manifests(repo, [Manifest(OURS, "y\n")], message="m", branch="gitops")
    assert git(repo, "rev-parse", "gitops^") == out.sha and third.sha == git(repo, "rev-parse", "gitops")
    same = commit_manifests(repo, [Manifest(OURS, "z\n")], message="m", branch="main")  # = checked out
    assert same.sha == head(repo) and (repo / OURS).read_text() == "z\n"
    fsck(repo)
    with pytest.raises(DeliveryError, match="valid branch name"):
        commit_manifests(repo, [Manifest(OURS, "x\n")], message="m", branch="bad..name")


def test_empty_repository_gets_a_root_commit(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    git(tmp_path, "init", "-q", str(repo))
    (repo / "staged.txt").write_text("staged before the first commit\n")
    git(repo, "add", "staged.txt")

    out = commit_manifests(repo, [Manifest("multus.yaml", "x\n")], message="first")

    assert out.status == "committed" and out.branch == "main"
    assert git(repo, "rev-list", "--count", "HEAD") == "1"
    assert git(repo, "ls-tree", "--name-only", "HEAD").splitlines() == ["multus.yaml"]
    assert git(repo, "status", "--porcelain") == "A  staged.txt"
    fsck(repo)


def test_empty_repository_other_branch_keeps_head_unborn(tmp_path: Path) -> None:
    repo = tmp_path / "empty"
    git(tmp_path, "init", "-q", str(repo))
    out = commit_manifests(repo, [Manifest("multus.yaml", "x\n")], message="first", branch="gitops")
    assert out.status == "committed"
    assert git(repo, "rev-list", "--count", "gitops") == "1"
    assert subprocess.run(["git", "rev-parse", "--verify", "-q", "HEAD"], cwd=repo).returncode != 0
    assert not (repo / "multus.yaml").exists()


def test_detached_head_refused_unless_a_branch_is_given(remote: Path) -> None:
    repo = clone(remote, "work")
    git(repo, "checkout", "-q", "--detach")
    old = head(repo)
    with pytest.raises(DeliveryError, match="detached") as info:
        commit_manifests(repo, [Manifest(OURS, "x\n")], message="m")
    assert "--branch" in info.value.one_line()
    out = commit_manifests(repo, [Manifest(OURS, "x\n")], message="m", branch="gitops")
    assert out.status == "committed" and head(repo) == old
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "HEAD"  # still detached


def test_branch_checked_out_in_another_worktree_refused(remote: Path) -> None:
    repo = clone(remote, "work")
    git(repo, "worktree", "add", "-q", "-b", "gitops", str(remote.parent / "wt"))
    with pytest.raises(DeliveryError, match="another worktree"):
        commit_manifests(repo, [Manifest(OURS, "x\n")], message="m", branch="gitops")


# -- paths that leave the repository ------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["../../etc/x", "/etc/x", "a/../../x.yaml", ".git/hooks/pre-commit", ""])
def test_paths_outside_the_repository_refused(remote: Path, bad: str) -> None:
    repo = clone(remote, "work")
    old = head(repo)
    with pytest.raises(DeliveryError):
        commit_manifests(repo, [Manifest(bad, "x\n")], message="m")
    assert head(repo) == old and git(repo, "status", "--porcelain") == ""


def test_symlinks_escaping_the_repository_refused(remote: Path, tmp_path: Path) -> None:
    repo = clone(remote, "work")
    outside = tmp_path / "outside"
    outside.mkdir()
    old = head(repo)
    (repo / "escape").symlink_to(outside)  # an untracked symlinked folder
    with pytest.raises(DeliveryError, match="outside the repository"):
        commit_manifests(repo, [Manifest("escape/multus.yaml", "x\n")], message="m")
    (repo / "clusters/prod/multus.yaml").symlink_to(outside / "target.yaml")  # the file itself
    with pytest.raises(DeliveryError, match="outside the repository"):
        commit_manifests(repo, [Manifest(OURS, "x\n")], message="m")
    assert list(outside.iterdir()) == [] and head(repo) == old

    (repo / "clusters/prod/multus.yaml").unlink()
    (repo / "inside").symlink_to("clusters")  # inside the tree, committed as a symlink
    git(repo, "add", "inside")
    git(repo, "commit", "-q", "-m", "link")
    with pytest.raises(DeliveryError, match="symlink"):
        commit_manifests(repo, [Manifest("inside/prod/multus.yaml", "x\n")], message="m")
    with pytest.raises(DeliveryError, match="symlink"):  # the branch's tree is checked too
        commit_manifests(repo, [Manifest("inside/multus.yaml", "x\n")], message="m", branch="gitops")
    assert list(outside.iterdir()) == []


# -- pushing ------------------------------------------------------------------------------------------


@pytest.mark.slow  # pushes to (and fetches from) a bare remote
def test_push(remote: Path) -> None:
    repo = clone(remote, "work")
    out = commit_manifests(repo, [Manifest(OURS, "x\n")], message="m", push=True)
    assert out.pushed and not out.rebased
    assert git(remote, "rev-parse", "main") == out.sha == head(repo)
    again = commit_manifests(repo, [Manifest(OURS, "x\n")], message="m", push=True)
    assert again.status == "up to date" and again.pushed


@pytest.mark.slow  # pushes to (and fetches from) a bare remote
def test_push_rebases_over_an_unrelated_remote_change(remote: Path) -> None:
    ours, theirs = clone(remote, "ours"), clone(remote, "theirs")
    (theirs / "other.txt").write_text("pushed in between\n")
    git(theirs, "add", "other.txt")
    git(theirs, "commit", "-q", "-m", "theirs")
    git(theirs, "push", "-q")
    their_tip = head(theirs)
    make_user_mess(ours)
    before = snapshot(ours, "other.txt")

    out = commit_manifests(ours, [Manifest(OURS, "x\n")], message="Add multus", push=True)

    assert out.pushed and out.rebased and out.status == "committed"
    assert git(remote, "rev-parse", "main") == out.sha == head(ours)
    assert git(remote, "rev-parse", "main^") == their_tip
    assert git(ours, "log", "-1", "--format=%s") == "Add multus"
    assert (ours / "other.txt").read_text() == "pushed in between\n"
    after = snapshot(ours, "other.txt")
    assert after == before
    assert git(ours, "status", "--porcelain", "--", OURS, "other.txt") == ""
    fsck(ours)
    fsck(remote)


@pytest.mark.slow  # pushes to (and fetches from) a bare remote
def test_push_conflict_keeps_the_local_commit(remote: Path) -> None:
    ours, theirs = clone(remote, "ours"), clone(remote, "theirs")
    (theirs / OURS).write_text("their version\n")
    git(theirs, "add", OURS)
    git(theirs, "commit", "-q", "-m", "theirs")
    git(theirs, "push", "-q")
    their_tip = head(theirs)

    with pytest.raises(DeliveryError, match="remote changed") as info:
        commit_manifests(ours, [Manifest(OURS, "our version\n")], message="m", push=True)
    assert "kept" in info.value.one_line()
    assert git(remote, "rev-parse", "main") == their_tip
    assert git(ours, "show", f"HEAD:{OURS}") == "our version"  # the local commit is kept
    assert (ours / OURS).read_text() == "our version\n"
    fsck(ours)


@pytest.mark.slow  # pushes to (and fetches from) a bare remote
def test_push_when_the_remote_already_has_our_bytes(remote: Path) -> None:
    ours, theirs = clone(remote, "ours"), clone(remote, "theirs")
    (theirs / OURS).write_text("same\n")
    git(theirs, "add", OURS)
    git(theirs, "commit", "-q", "-m", "theirs")
    git(theirs, "push", "-q")
    out = commit_manifests(ours, [Manifest(OURS, "same\n")], message="m", push=True)
    assert out.status == "up to date" and out.rebased and not out.pushed
    assert head(ours) == head(theirs) == git(remote, "rev-parse", "main")
    assert git(ours, "status", "--porcelain") == ""


@pytest.mark.slow  # pushes to (and fetches from) a bare remote
def test_unpushed_commit_of_an_earlier_run_is_rebased_on_the_next_push(remote: Path) -> None:
    ours, theirs = clone(remote, "ours"), clone(remote, "theirs")
    first = commit_manifests(ours, [Manifest(OURS, "x\n")], message="m")  # committed, not pushed
    (theirs / "other.txt").write_text("t\n")
    git(theirs, "add", "other.txt")
    git(theirs, "commit", "-q", "-m", "theirs")
    git(theirs, "push", "-q")
    out = commit_manifests(ours, [Manifest(OURS, "x\n")], message="m", push=True)
    assert out.status == "up to date" and out.pushed and out.rebased and out.sha != first.sha
    assert git(remote, "rev-parse", "main^") == head(theirs)


@pytest.mark.slow  # pushes to (and fetches from) a bare remote
def test_push_error_does_not_show_credentials(remote: Path) -> None:
    repo = clone(remote, "work")
    git(repo, "remote", "add", "secret", "http://deploy:s3cr3t-token@127.0.0.1:9/multus.git")
    with pytest.raises(DeliveryError) as info:
        commit_manifests(repo, [Manifest(OURS, "x\n")], message="m", push=True, remote="secret")
    line = info.value.one_line()
    assert "s3cr3t" not in line and "deploy:" not in line
    assert "push" in line and "kept" in line
    assert git(repo, "show", f"HEAD:{OURS}") == "x"


def test_redact_credentials() -> None:
    assert (
        redact_credentials("fatal: unable to access 'https://u:p%40ss@git.example.org/r.git/': 403")
        == "fatal: unable to access 'https://git.example.org/r.git/': 403"
    )
    assert redact_credentials("https://ghp_token@github.com/x") == "https://github.com/x"
    assert redact_credentials("git@github.com:x/y.git") == "git@github.com:x/y.git"


@pytest.mark.slow  # pushes to (and fetches from) a bare remote
def test_rebase_refused_when_the_remote_changed_a_file_the_user_is_editing(remote: Path) -> None:
    ours, theirs = clone(remote, "ours"), clone(remote, "theirs")
    (theirs / "README.md").write_text("their readme\n")
    git(theirs, "commit", "-q", "-am", "theirs")
    git(theirs, "push", "-q")
    (ours / "README.md").write_text("my unsaved readme\n")
    with pytest.raises(DeliveryError, match="modified locally") as info:
        commit_manifests(ours, [Manifest(OURS, "x\n")], message="m", push=True)
    assert "kept" in info.value.one_line()
    assert git(ours, "show", f"HEAD:{OURS}") == "x" and git(ours, "rev-parse", "HEAD^") != head(theirs)
    assert (ours / "README.md").read_text() == "my unsaved readme\n"
    assert git(ours, "diff", "--name-only") == "README.md"  # still unstaged, nothing staged
    assert git(ours, "diff", "--cached", "--name-only") == ""


def test_repository_root_required(remote: Path, tmp_path: Path) -> None:
    repo = clone(remote, "work")
    with pytest.raises(DeliveryError, match="top folder"):
        commit_manifests(repo / "app", [Manifest("x.yaml", "x\n")], message="m")
    with pytest.raises(DeliveryError, match="does not exist"):
        commit_manifests(tmp_path / "nope", [Manifest("x.yaml", "x\n")], message="m")
    with pytest.raises(DeliveryError, match="bare"):
        commit_manifests(remote, [Manifest("x.yaml", "x\n")], message="m")
    with pytest.raises(DeliveryError, match="message"):
        commit_manifests(repo, [Manifest("x.yaml", "x\n")], message="  \n")


def _push_branch(theirs: Path, branch: str, name: str) -> str:
    git(theirs, "checkout", "-q", "-B", branch)
    (theirs / name).write_text(f"{name} on {branch}\n")
    git(theirs, "add", name)
    git(theirs, "commit", "-q", "-m", f"theirs {name}")
    git(theirs, "push", "-q", "origin", branch)
    return head(theirs)


@pytest.mark.slow  # pushes to (and fetches from) a bare remote
def test_branch_mode_starts_from_the_remote_tracking_branch(remote: Path) -> None:
    theirs = clone(remote, "theirs")
    their_tip = _push_branch(theirs, "gitops", "flux.yaml")
    ours = clone(remote, "ours")  # knows origin/gitops, has no local gitops
    old = head(ours)
    out = commit_manifests(ours, [Manifest(OURS, "x\n")], message="m", branch="gitops", push=True)
    assert out.pushed and not out.rebased
    assert git(remote, "rev-parse", "gitops") == out.sha and git(remote, "rev-parse", "gitops^") == their_tip
    assert head(ours) == old and git(ours, "status", "--porcelain") == ""


@pytest.mark.slow  # pushes to (and fetches from) a bare remote
def test_branch_mode_rebases_a_new_branch_onto_the_remote_one(remote: Path) -> None:
    ours = clone(remote, "ours")  # cloned before gitops existed: starts gitops from HEAD
    theirs = clone(remote, "theirs")
    their_tip = _push_branch(theirs, "gitops", "flux.yaml")
    out = commit_manifests(ours, [Manifest(OURS, "x\n")], message="deliver", branch="gitops", push=True)
    assert out.status == "committed" and out.pushed and out.rebased
    assert git(remote, "rev-parse", "gitops^") == their_tip
    assert git(remote, "log", "-1", "--format=%s", "gitops") == "deliver"
    assert git(remote, "show", f"gitops:{OURS}") == "x"
    assert git(ours, "symbolic-ref", "HEAD") == "refs/heads/main"
    fsck(remote)


@pytest.mark.slow  # pushes to (and fetches from) a bare remote
def test_branch_mode_new_branch_whose_start_already_has_our_bytes(remote: Path) -> None:
    ours = clone(remote, "ours")
    first = commit_manifests(ours, [Manifest(OURS, "x\n")], message="m")
    out = commit_manifests(ours, [Manifest(OURS, "x\n")], message="m", branch="release", push=True)
    assert out.status == "up to date" and out.pushed and out.sha == first.sha
    assert git(remote, "rev-parse", "release") == first.sha
