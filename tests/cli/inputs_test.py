"""Inputs are never outputs: no command writes over (or prunes) a file it read -- the spec, a ``-f`` values
file -- whatever name reaches it (the same name, ``./``, a symlink, a hard link). Refused in one line, exit 1,
before anything is written."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import capture
from multus_gen.errors import DeliveryError
from multus_gen.sinks import Inputs
from multus_gen.sinks.folder import write_file, write_manifests
from multus_gen.yamlio.serialize import Manifest

SPEC = """\
cluster: {k3sVersion: v1.33.5+k3s1}
chart: {version: v4.3.017}
networks:
  - {name: lan, type: macvlan, master: eth2, ipam: {type: dhcp}}
"""

#: Ways a second name reaches the same file.
ALIASES: dict[str, Callable[[Path, Path], None]] = {
    "same name": lambda real, alias: None,
    "symlink": lambda real, alias: alias.symlink_to(real),
    "hard link": lambda real, alias: os.link(real, alias),
}


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused(code: int, err: str) -> None:
    assert code == 1, err
    errors = [line for line in err.splitlines() if line.startswith("multus-gen: error:")]
    assert len(errors) == 1 and err.rstrip("\n").endswith(errors[0]), err  # one line, the last
    assert "an input of this command" in errors[0] and "refusing to write over it (write the output" in errors[0]


@pytest.mark.parametrize("alias", list(ALIASES))
def test_render_never_writes_over_its_spec(tmp_path: Path, alias: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    real = out / "multus.yaml" if alias == "same name" else tmp_path / "spec.yaml"
    real.write_text(SPEC)
    if alias != "same name":
        ALIASES[alias](real, out / "multus.yaml")
    spec = out / "multus.yaml"
    before = snapshot(tmp_path)
    code, _, err = capture(["render", "-c", str(spec), "--out-dir", str(out)])
    if alias == "symlink":  # a symlinked target is refused anyway, before it can be written through
        assert code == 1 and "symlink" in err
    else:
        refused(code, err)
    assert snapshot(tmp_path) == before  # nothing written: not even multus-networks.yaml


def test_render_into_the_current_folder_by_a_relative_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "multus.yaml").write_text(SPEC)
    monkeypatch.chdir(tmp_path)
    refused(*capture(["render", "-c", "multus.yaml", "--out-dir", "."])[::2])
    assert (tmp_path / "multus.yaml").read_text() == SPEC and not (tmp_path / "multus-networks.yaml").exists()


@pytest.mark.parametrize("alias", ["same name", "hard link"])
def test_install_never_writes_over_its_spec(tmp_path: Path, alias: str) -> None:
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    real = manifests / "multus.yaml" if alias == "same name" else tmp_path / "spec.yaml"
    real.write_text(SPEC)
    if alias == "hard link":
        os.link(real, manifests / "multus.yaml")
    refused(*capture(["install", "-c", str(manifests / "multus.yaml"), "--manifests-dir", str(manifests)])[::2])
    assert real.read_text() == SPEC


@pytest.mark.parametrize("command", ["helmchart", "values"])
@pytest.mark.parametrize("alias", list(ALIASES))
def test_output_file_never_overwrites_a_values_file(tmp_path: Path, command: str, alias: str) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("config: {cni_conf: {logLevel: debug}}\n")
    target = values if alias == "same name" else tmp_path / "out.yaml"
    if alias != "same name":
        ALIASES[alias](values, target)
    code, _, err = capture([command, "-f", str(values), "--out", str(target)])
    if alias == "symlink":
        assert code == 1 and "symlink" in err
    else:
        refused(code, err)
    assert values.read_text() == "config: {cni_conf: {logLevel: debug}}\n"


def test_install_with_values_file_in_the_manifests_folder(tmp_path: Path) -> None:
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    values = manifests / "multus.yaml"
    values.write_text("config: {cni_conf: {logLevel: debug}}\n")
    refused(*capture(["install", "-f", str(values), "--manifests-dir", str(manifests)])[::2])


def test_the_sink_checks_every_target_before_the_first_write(tmp_path: Path) -> None:
    spec = tmp_path / "b.yaml"
    spec.write_text("mine\n")
    manifests = [Manifest("a.yaml", "a: 1\n"), Manifest("b.yaml", "b: 1\n")]
    with pytest.raises(DeliveryError, match="an input of this command"):
        write_manifests(tmp_path, manifests, inputs=Inputs([spec]))
    assert not (tmp_path / "a.yaml").exists() and spec.read_text() == "mine\n"
    with pytest.raises(DeliveryError, match="an input of this command"):
        write_file(tmp_path / "." / "b.yaml", "x\n", inputs=Inputs([spec]))
    # a file that is not an input is written as always
    assert write_manifests(tmp_path, manifests[:1], inputs=Inputs([spec]))[0].status == "written"


def test_prune_with_a_spec_on_stdin_is_refused(tmp_path: Path) -> None:
    code, _, err = capture(["render", "-c", "-", "--out-dir", str(tmp_path), "--prune"])
    assert code == 2 and "a spec on stdin has no such record" in err and list(tmp_path.iterdir()) == []


def test_commit_never_commits_over_its_spec_or_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`commit -c` with the spec inside the repository at a path it would write, and `commit -f` with the
    values file where the manifest would go: refused in one line, nothing committed, the files unchanged."""
    from conftest import isolate_git
    from helpers import git

    isolate_git(tmp_path, monkeypatch, "")
    monkeypatch.setenv("MULTUS_GEN_GIT_IDENTITY", "default")

    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "multus.yaml").write_text(SPEC)
    git(repo, "add", "multus.yaml")
    git(repo, "commit", "-q", "-m", "spec")
    head = git(repo, "rev-parse", "HEAD")
    code, _, err = capture(["commit", "-c", str(repo / "multus.yaml"), "--repo", str(repo), "--path", "."])
    assert code == 1 and "refusing to commit over it" in err, err
    values = repo / "values.yaml"
    values.write_text("config: {cni_conf: {logLevel: debug}}\n")
    code, _, err = capture(["commit", "-f", str(values), "--repo", str(repo), "--path", "values.yaml"])
    assert code == 1 and "refusing to commit over it" in err, err
    assert git(repo, "rev-parse", "HEAD") == head
    assert (repo / "multus.yaml").read_text() == SPEC
    assert values.read_text() == "config: {cni_conf: {logLevel: debug}}\n"
