"""The install and commit commands, end to end through the CLI (real folders, real git).

install writes into a tmp manifests folder; commit goes into a repository made with ``git init`` under
tmp_path, with a bare repository as its remote. HOME and GIT_CONFIG_GLOBAL point into tmp_path and the
system git config is off, so the machine's git configuration never leaks in.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import isolate_git
from helpers import capture, docs_of, git, invoke
from multus_gen import __version__
from multus_gen.cli import run
from multus_gen.knowledge import k3s

GEN = ["--chart-version", "v4.3.017", "--k3s-version", "v1.33.5+k3s1"]


def helmchart(*argv: str) -> str:
    result = invoke("helmchart", *argv)
    assert result.exit_code == 0, result.stderr
    return str(result.stdout)


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the CLI expecting exit 1 with exactly one line on stderr and nothing on stdout."""
    code = run(argv)
    out, err = capsys.readouterr()
    assert code == 1, err
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("multus-gen: error: ")
    return lines[0]


# -- install ------------------------------------------------------------------------------------------


@pytest.fixture
def manifests(tmp_path: Path) -> Path:
    folder = tmp_path / "manifests"
    folder.mkdir()
    return folder


def test_install_writes_the_helmchart_output(manifests: Path) -> None:
    result = invoke("install", "--ipam", "dhcp", "--manifests-dir", str(manifests))
    assert result.exit_code == 0, result.stderr
    target = manifests / "multus.yaml"
    assert result.stderr.strip() == f"{target}: written"
    assert result.stdout == ""
    # Byte-identical to `multus-gen helmchart` with the same options (the header names `helmchart`).
    assert target.read_text() == helmchart("--ipam", "dhcp")
    assert "multus-gen helmchart." in target.read_text().splitlines()[0]
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    # No temporary file is left behind; K3s would only read the .yaml file.
    assert sorted(p.name for p in manifests.iterdir() if not p.name.startswith(".")) == ["multus.yaml"]


def test_install_second_run_is_up_to_date(manifests: Path) -> None:
    argv = ["install", "--ipam", "whereabouts", "--manifests-dir", str(manifests)]
    assert invoke(*argv).exit_code == 0
    target = manifests / "multus.yaml"
    before = target.stat()
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns - 10**9))  # an older mtime, to see a touch
    old_mtime = target.stat().st_mtime_ns
    result = invoke(*argv)
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == f"{target}: up to date"
    assert target.stat().st_mtime_ns == old_mtime
    assert target.stat().st_ino == before.st_ino


def test_install_dry_run_writes_nothing(manifests: Path) -> None:
    result = invoke("install", "--dry-run", "--manifests-dir", str(manifests))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == f"{manifests / 'multus.yaml'}: would write"
    assert list(manifests.iterdir()) == []  # not even a lock file


def test_install_diff_after_a_change_of_options(manifests: Path) -> None:
    """--diff is kubectl diff: the differences on stdout, nothing written, exit 1 when there are any."""
    assert invoke("install", "--ipam", "host-local", "--manifests-dir", str(manifests)).exit_code == 0
    target = manifests / "multus.yaml"
    old = target.read_text()
    for extra in (["--dry-run"], []):
        code, out, err = capture(["install", "--ipam", "dhcp", *extra, "--diff", "--manifests-dir", str(manifests)])
        assert code == 1, err
        assert err.strip() == f"{target}: would write"
        assert out.startswith("--- a/multus.yaml\n+++ b/multus.yaml\n")
        assert "+    manifests:\n+      dhcpDaemonSet: true\n" in out
        assert target.read_text() == old  # --diff never writes
    assert capture(["install", "--ipam", "dhcp", "--manifests-dir", str(manifests)])[0] == 0
    assert target.read_text() == helmchart("--ipam", "dhcp")
    # Nothing changed: no diff at all, exit 0.
    code, out, err = capture(["install", "--ipam", "dhcp", "--diff", "--manifests-dir", str(manifests)])
    assert (code, out, err.strip()) == (0, "", f"{target}: up to date")


def test_install_default_folder_comes_from_data_dir(tmp_path: Path) -> None:
    data_dir = tmp_path / "k3s"
    folder = data_dir / "server" / "manifests"
    folder.mkdir(parents=True)
    result = invoke("install", "--data-dir", str(data_dir))
    assert result.exit_code == 0, result.stderr
    assert (folder / "multus.yaml").read_text() == helmchart("--data-dir", str(data_dir))
    assert f"confDir: {data_dir}/agent/etc/cni/net.d" in (folder / "multus.yaml").read_text()


def test_install_missing_folder_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line_error(capsys, ["install", "--data-dir", str(tmp_path / "k3s")])
    assert f"{tmp_path}/k3s/server/manifests: folder does not exist" in line
    assert "mkdir -p" in line
    line = one_line_error(capsys, ["install", "--manifests-dir", str(tmp_path / "nope")])
    assert "folder does not exist" in line
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize("name", ["traefik", "coredns", "local-storage", "rke2-multus", "rke2-foo"])
def test_install_refuses_reserved_names(manifests: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    line = one_line_error(capsys, ["install", "--name", name, "--manifests-dir", str(manifests)])
    assert f"--name: {name!r}" in line
    assert "reserved" in line
    if name.startswith("rke2-"):
        assert "RKE2" in line
    else:
        assert "K3s" in line
    assert list(manifests.iterdir()) == []


def test_install_other_name(manifests: Path) -> None:
    result = invoke("install", "--name", "multus-net", "--manifests-dir", str(manifests))
    assert result.exit_code == 0, result.stderr
    assert (manifests / "multus-net.yaml").read_text() == helmchart("--name", "multus-net")


def test_install_refuses_a_symlink_target(tmp_path: Path, manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text("mine\n")
    (manifests / "multus.yaml").symlink_to(elsewhere)
    line = one_line_error(capsys, ["install", "--manifests-dir", str(manifests)])
    assert "symlink" in line
    assert elsewhere.read_text() == "mine\n"
    assert (manifests / "multus.yaml").is_symlink()


def test_install_refuses_a_skip_marker(manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (manifests / "multus.yaml").write_text("hand-made\n")
    (manifests / "multus.yaml.skip").write_text("")
    line = one_line_error(capsys, ["install", "--manifests-dir", str(manifests)])
    assert "multus.yaml.skip" in line
    assert (manifests / "multus.yaml").read_text() == "hand-made\n"
    # --dry-run is refused the same way
    one_line_error(capsys, ["install", "--dry-run", "--manifests-dir", str(manifests)])


def test_install_help_explains_deletion() -> None:
    result = invoke("install", "--help")
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    assert "Deleting <name>.yaml deletes nothing" in text
    assert "kubectl delete helmchart -n kube-system multus" in text
    assert "helm uninstall" in text and "every node" in text
    assert "<name>.yaml.skip" in text
    assert "does not sync it between servers" in text
    assert "Examples:" in result.stdout
    # \b blocks are kept verbatim (one example per line)
    assert "\n    sudo multus-gen install --ipam dhcp\n" in result.stdout


# -- commit -------------------------------------------------------------------------------------------


@pytest.fixture
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, require_real) -> Path:  # type: ignore[no-untyped-def]
    return isolate_git(
        tmp_path,
        monkeypatch,
        "[init]\n\tdefaultBranch = main\n[user]\n\tname = Jane Operator\n\temail = jane@example.org\n",
    )


@pytest.fixture
def remote(tmp_path: Path, isolated_git: Path) -> Path:
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    return bare


@pytest.fixture
def repo(tmp_path: Path, remote: Path) -> Path:
    work = tmp_path / "repo"
    git(tmp_path, "init", "-q", str(work))
    for rel, text in {"README.md": "readme\n", "clusters/prod/keep.yaml": "keep: true\n"}.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_text(text)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "seed")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "-q", "origin", "main")
    return work


def commit(repo: Path, *argv: str) -> Any:
    return invoke("commit", "--repo", str(repo), *argv)


def test_commit_first_then_up_to_date(repo: Path) -> None:
    seed = git(repo, "rev-parse", "HEAD")
    result = commit(repo, "--path", "clusters/prod/multus.yaml", "--ipam", "dhcp", *GEN)
    assert result.exit_code == 0, result.stderr
    sha = git(repo, "rev-parse", "HEAD")
    assert sha != seed
    assert git(repo, "rev-parse", "HEAD~1") == seed
    assert result.stderr.strip() == f"clusters/prod/multus.yaml: committed {sha[:12]} on main"
    assert result.stdout == ""
    expected = helmchart("--ipam", "dhcp", *GEN)
    assert git(repo, "show", "HEAD:clusters/prod/multus.yaml") + "\n" == expected
    assert (repo / "clusters/prod/multus.yaml").read_text() == expected
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "clusters/prod/multus.yaml"
    # Default message: chart version, IPAM, K3s version, multus-gen version.
    assert git(repo, "log", "-1", "--format=%s") == (
        f"multus: rke2-multus v4.3.017, ipam dhcp, K3s v1.33.5+k3s1 (multus-gen {__version__})"
    )
    assert git(repo, "log", "-1", "--format=%an <%ae>") == "Jane Operator <jane@example.org>"

    again = commit(repo, "--path", "clusters/prod/multus.yaml", "--ipam", "dhcp", *GEN)
    assert again.exit_code == 0, again.stderr
    assert again.stderr.strip() == "clusters/prod/multus.yaml: up to date on main"
    assert git(repo, "rev-parse", "HEAD") == sha


def test_commit_message_override_and_folder_path(repo: Path) -> None:
    result = commit(repo, "--path", "clusters/prod/", "--name", "multus-net", "-m", "net: multus for storage")
    assert result.exit_code == 0, result.stderr
    assert git(repo, "log", "-1", "--format=%B") == "net: multus for storage"
    assert (repo / "clusters/prod/multus-net.yaml").read_text() == helmchart("--name", "multus-net")


def test_commit_on_another_branch_leaves_the_checkout_alone(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    result = commit(repo, "--path", "multus.yaml", "--branch", "multus-update")
    assert result.exit_code == 0, result.stderr
    tip = git(repo, "rev-parse", "multus-update")
    assert result.stderr.strip() == f"multus.yaml: committed {tip[:12]} on multus-update"
    assert git(repo, "rev-parse", "multus-update~1") == head
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "symbolic-ref", "--short", "HEAD") == "main"
    assert not (repo / "multus.yaml").exists()
    assert git(repo, "show", "multus-update:multus.yaml") + "\n" == helmchart()


def test_commit_push_to_the_bare_remote(repo: Path, remote: Path) -> None:
    result = commit(repo, "--path", "clusters/prod/multus.yaml", "--push")
    assert result.exit_code == 0, result.stderr
    sha = git(repo, "rev-parse", "HEAD")
    assert result.stderr.strip() == f"clusters/prod/multus.yaml: committed {sha[:12]} on main, pushed to origin"
    assert git(remote, "rev-parse", "refs/heads/main") == sha
    # Nothing new: up to date, and the push has nothing to do.
    again = commit(repo, "--path", "clusters/prod/multus.yaml", "--push")
    assert again.exit_code == 0, again.stderr
    assert again.stderr.strip().startswith("clusters/prod/multus.yaml: up to date on main")
    assert git(remote, "rev-parse", "refs/heads/main") == sha


def test_commit_push_rebases_onto_a_remote_that_moved_on(tmp_path: Path, repo: Path, remote: Path) -> None:
    other = tmp_path / "other"
    git(tmp_path, "clone", "-q", str(remote), str(other))
    (other / "app.yaml").write_text("a: 1\n")
    git(other, "add", "app.yaml")
    git(other, "commit", "-q", "-m", "someone else")
    git(other, "push", "-q", "origin", "main")
    result = commit(repo, "--path", "multus.yaml", "--push")
    assert result.exit_code == 0, result.stderr
    sha = git(repo, "rev-parse", "HEAD")
    assert result.stderr.strip() == f"multus.yaml: committed {sha[:12]} on main, rebased onto origin, pushed to origin"
    assert git(remote, "rev-parse", "refs/heads/main") == sha
    assert (repo / "app.yaml").read_text() == "a: 1\n"


@pytest.mark.parametrize("path", ["../../etc/x", "/etc/x", "clusters/../../x.yaml", ".git/hooks/x"])
def test_commit_refuses_paths_outside_the_repo(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str
) -> None:
    head = git(repo, "rev-parse", "HEAD")
    one_line_error(capsys, ["commit", "--repo", str(repo), "--path", path])
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain") == ""
    assert not (tmp_path / "etc").exists()


def test_commit_refuses_a_symlink_escape(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "link").symlink_to(outside)
    git(repo, "add", "link")
    git(repo, "commit", "-q", "-m", "link")
    line = one_line_error(capsys, ["commit", "--repo", str(repo), "--path", "link/multus.yaml"])
    assert "symlink" in line
    assert list(outside.iterdir()) == []


def test_commit_errors_are_one_line(repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = one_line_error(capsys, ["commit", "--repo", str(tmp_path / "nope"), "--path", "multus.yaml"])
    assert "does not exist" in line
    line = one_line_error(capsys, ["commit", "--repo", str(repo), "--path", "m.yaml", "--branch", "bad..name"])
    assert "--branch bad..name" in line
    line = one_line_error(capsys, ["commit", "--repo", str(repo), "--path", "m.yaml", "--push", "--remote", "nowhere"])
    assert "push" in line
    # A missing required option is a usage error (exit 2), also one line.
    assert run(["commit", "--repo", str(repo)]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_commit_leaves_the_users_dirty_files_alone(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "README.md").write_text("unstaged edit\n")
    (repo / "clusters/prod/keep.yaml").write_text("keep: staged\n")
    git(repo, "add", "clusters/prod/keep.yaml")
    (repo / "notes.txt").write_text("untracked\n")
    status = git(repo, "status", "--porcelain")
    result = commit(repo, "--path", "clusters/prod/multus.yaml")
    assert result.exit_code == 0, result.stderr
    assert git(repo, "status", "--porcelain") == status
    assert (repo / "README.md").read_text() == "unstaged edit\n"
    assert (repo / "clusters/prod/keep.yaml").read_text() == "keep: staged\n"
    assert (repo / "notes.txt").read_text() == "untracked\n"
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "clusters/prod/multus.yaml"
    # A hand edit of our own file is refused without --force, and kept.
    (repo / "clusters/prod/multus.yaml").write_text("hand edit\n")
    line = one_line_error(
        capsys, ["commit", "--repo", str(repo), "--path", "clusters/prod/multus.yaml", "--ipam", "dhcp"]
    )
    assert "--force" in line
    assert (repo / "clusters/prod/multus.yaml").read_text() == "hand edit\n"
    result = commit(repo, "--path", "clusters/prod/multus.yaml", "--ipam", "dhcp", "--force")
    assert result.exit_code == 0, result.stderr
    assert (repo / "clusters/prod/multus.yaml").read_text() == helmchart("--ipam", "dhcp")


# -- GitPython is imported by commit only -------------------------------------------------------------

_PROBE = (
    "import contextlib, io, sys\n"
    "from multus_gen.cli import run\n"
    "with contextlib.redirect_stdout(io.StringIO()):\n"
    "    code = run(sys.argv[1:])\n"
    "print(code, 'git' in sys.modules)\n"
)


def probe(*argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    return done.stdout.strip()


def test_helmchart_and_install_do_not_import_gitpython(tmp_path: Path) -> None:
    assert probe("helmchart") == "0 False"
    assert probe("install", "--dry-run", "--manifests-dir", str(tmp_path)) == "0 False"


def test_commit_imports_gitpython(repo: Path) -> None:
    assert probe("commit", "--repo", str(repo), "--path", "multus.yaml") == "0 True"
    assert git(repo, "show", "--name-only", "--format=", "HEAD") == "multus.yaml"


SPEC = """\
cluster: {k3sVersion: v1.31.2+k3s1}
networks:
  - name: storage
    type: macvlan
    master: eth1
    ipam: {type: whereabouts, range: 192.168.50.0/24}
"""


def test_install_with_a_spec_writes_charts_and_nads_as_two_files(tmp_path: Path, manifests: Path) -> None:
    spec = tmp_path / "multus.yaml"
    spec.write_text(SPEC)
    result = invoke("install", "-c", str(spec), "--manifests-dir", str(manifests))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in manifests.iterdir()) == ["multus-networks.yaml", "multus.yaml"]
    assert {d["kind"] for d in yaml.safe_load_all((manifests / "multus.yaml").read_text()) if d} == {"HelmChart"}
    kinds = [d["kind"] for d in yaml.safe_load_all((manifests / "multus-networks.yaml").read_text()) if d]
    assert kinds == ["NetworkAttachmentDefinition"]
    again = invoke("install", "-c", str(spec), "--manifests-dir", str(manifests))
    assert again.stderr.count("up to date") == 2


def test_install_spec_and_flags_do_not_mix(tmp_path: Path, manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "multus.yaml"
    spec.write_text(SPEC)
    assert run(["install", "-c", str(spec), "--ipam", "dhcp", "--manifests-dir", str(manifests)]) == 2
    _, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1 and "--config" in err
    assert list(manifests.iterdir()) == []


def test_install_refuses_a_fleet(tmp_path: Path, manifests: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "fleet.yaml"
    spec.write_text(SPEC + "clusters:\n  - name: a\n  - name: b\n")
    assert run(["install", "-c", str(spec), "--manifests-dir", str(manifests)]) == 1
    _, err = capsys.readouterr()
    assert "fleet" in err and len(err.strip().splitlines()) == 1
    assert list(manifests.iterdir()) == []


def test_commit_a_fleet_spec_in_one_commit(tmp_path: Path, repo: Path) -> None:
    spec = tmp_path / "fleet.yaml"
    spec.write_text(SPEC + "clusters:\n  - name: a\n  - name: b\n    cluster: {dataDir: /srv/k3s}\n")
    before = git(repo, "rev-list", "--count", "HEAD")
    result = commit(repo, "-c", str(spec), "--path", "clusters/")
    assert result.exit_code == 0, result.stderr
    files = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    records = [f for f in files if f.startswith("clusters/.multus-gen/")]  # the spec's record, as render keeps it
    assert len(records) == 1 and records[0].endswith(".record")
    assert sorted(set(files) - set(records)) == sorted(
        f"clusters/{c}/{f}" for c in ("a", "b") for f in ("multus.yaml", "multus-networks.yaml", "kustomization.yaml")
    )
    assert int(git(repo, "rev-list", "--count", "HEAD")) == int(before) + 1
    again = commit(repo, "-c", str(spec), "--path", "clusters/")
    assert again.exit_code == 0 and "up to date" in again.stderr
    assert int(git(repo, "rev-list", "--count", "HEAD")) == int(before) + 1


def test_install_on_rke2_writes_a_helmchartconfig_file_rke2_will_not_overwrite(manifests: Path) -> None:
    result = invoke("install", "--distro", "rke2", "--ipam", "whereabouts", "--manifests-dir", str(manifests))
    assert result.exit_code == 0, result.stderr
    # RKE2 writes its own rke2-multus.yaml on every start: ours must have another name
    assert [p.name for p in manifests.iterdir()] == ["multus-config.yaml"]
    kinds = {d["kind"] for d in yaml.safe_load_all((manifests / "multus-config.yaml").read_text()) if d}
    assert kinds == {"HelmChartConfig"}
    assert "cni: [multus, canal]" in result.stderr


def test_install_refuses_a_gitops_format_spec(
    tmp_path: Path, manifests: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "multus.yaml"
    spec.write_text("format: flux\n" + SPEC)
    assert run(["install", "-c", str(spec), "--manifests-dir", str(manifests)]) == 1
    _, err = capsys.readouterr()
    assert "format flux" in err and len(err.strip().splitlines()) == 1
    assert list(manifests.iterdir()) == []


OWNED = sorted(k3s.OWNED_NAMES)


@pytest.mark.parametrize("name", OWNED)
@pytest.mark.parametrize("command", ["helmchart", "values", "install"])
def test_every_name_k3s_deploys_itself_is_refused_for_every_command(tmp_path: Path, command: str, name: str) -> None:
    extra = ["--manifests-dir", str(tmp_path)] if command == "install" else []
    code, out, err = capture([command, "--name", name, *extra])
    assert code == 1 and out == "" and len(err.splitlines()) == 1, err
    assert f"--name: {name!r} is reserved: K3s deploys" in err and k3s.OWNED_NAMES_SOURCE in err
    assert list(tmp_path.iterdir()) == []


def test_a_name_whose_crd_companion_k3s_owns_is_refused(tmp_path: Path) -> None:
    assert "traefik-crd" in k3s.OWNED_NAMES  # K3s's traefik.yaml deploys the HelmChart traefik-crd
    code, _, err = capture(["helmchart", "--name", "traefik"])
    assert code == 1 and "reserved" in err
    # a spec's name is the same flag
    spec = tmp_path / "spec.yaml"
    spec.write_text("cluster: {}\nchart: {name: metrics-server}\n")
    code, _, err = capture(["render", "-c", str(spec)])
    assert code == 1 and "'metrics-server' is reserved" in err


def test_the_one_list_serves_install_files_and_names() -> None:
    from multus_gen.build.delivery import check_addon_name
    from multus_gen.errors import InputError

    for name in OWNED:
        with pytest.raises(InputError, match="reserved"):
            check_addon_name(name)


def test_commit_quiet_names_the_count_not_every_file(repo: Path, tmp_path: Path) -> None:
    spec = tmp_path / "multus.yaml"
    spec.write_text("cluster: {}\nnetworks:\n  - {name: lan, type: macvlan, master: eth2, ipam: {type: dhcp}}\n")
    result = commit(repo, "-c", str(spec), "--path", "clusters/prod/", "-q")
    assert result.exit_code == 0, result.stderr
    sha = git(repo, "rev-parse", "HEAD")
    assert result.stderr.strip() == f"2 files: committed {sha[:12]} on main"


def test_commit_of_a_fleet_says_each_warning_once_naming_its_clusters(repo: Path, tmp_path: Path) -> None:
    """commit -c printed every cluster's notices one by one (a shared network's warning once per cluster, and a
    chart warning without the cluster it concerns); it now says them as render does."""
    spec = tmp_path / "fleet.yaml"
    spec.write_text(
        "cluster: {k3sVersion: v1.31.2+k3s1}\n"
        "networks:\n"
        "  - {name: wb, type: macvlan, master: eth1,\n"
        "     ipam: {type: whereabouts, range: 10.9.0.0/24, enableOverlappingRanges: false}}\n"
        "clusters:\n"
        "  - name: a\n"
        "  - name: b\n"
        "  - name: old\n"
        "    cluster: {k3sVersion: v1.29.9+k3s1}\n"
    )
    result = commit(repo, "-c", str(spec), "--path", "clusters/", "-q")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("multus-gen: warning: ")]
    overlap = [line for line in warnings if "[ipam-overlapping-ranges-off]" in line]
    assert overlap == [line for line in overlap if line.startswith("multus-gen: warning: a, b, old: wb: ")], warnings
    assert len(overlap) == 1, warnings
    legacy = [line for line in warnings if "[cni-bin-dir-legacy]" in line]
    assert legacy and all(line.startswith("multus-gen: warning: old: ") for line in legacy), warnings


def test_commit_and_plan_take_the_rke2_release_and_commit_the_take_over(repo: Path, tmp_path: Path) -> None:
    """commit takes --rke2-version and --from-values/--from-chart-version as helmchart and install do (they were
    usage errors, exit 2); the take-over says what it replaced; plan takes --rke2-version too."""
    values = tmp_path / "multus-values.yaml"
    values.write_text("config:\n  cni_conf:\n    binDir: /var/lib/rancher/k3s/data/current/bin/\n")
    result = commit(
        repo, "--path", "clusters/k3s/multus.yaml", "--from-values", str(values),
        "--from-chart-version", "rke2-multus-v4.2.106", "--chart-version", "v4.3.008",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert "config.cni_conf.binDir: /var/lib/rancher/k3s/data/current/bin/ ->" in result.stderr
    doc = docs_of((repo / "clusters/k3s/multus.yaml").read_text())[0]
    assert doc["metadata"]["name"] == "multus" and doc["spec"]["version"] == "v4.3.008"
    rke2 = ["--distro", "rke2", "--ipam", "whereabouts"]
    result = commit(repo, "--path", "clusters/rke2/", *rke2, "--rke2-version", "v1.34.2+rke2r1")
    assert result.exit_code == 0, result.stderr
    written = repo / "clusters/rke2/rke2-multus.yaml"
    head = written.read_text().split("---", 1)[0]
    assert "rke2-version=v1.34.2+rke2r1" in head and "chart-version=v4.2.300" in head, head
    result = invoke("plan", "--from", str(written), *rke2, "--rke2-version", "v1.34.2+rke2r1")
    assert result.exit_code == 0, result.stderr
