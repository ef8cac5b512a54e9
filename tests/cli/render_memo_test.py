"""Remembered renders: an unchanged spec into an unchanged tree is recalled, and anything else renders.

Every scenario runs twice from the same starting tree -- once with the cache, once with ``MULTUS_GEN_CACHE=off``
-- and must end with the same exit code, stdout, stderr and tree: the memo may only save time.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from multus_gen import cache as memo
from multus_gen.cli import run
from multus_gen.sinks.folder import TEMP_SUFFIX
from multus_gen.sinks.prune import digest, read_record, write_record

SPEC = """\
cluster: {k3sVersion: v1.30.5+k3s1}
chart: {version: v4.3.017}
networks:
  - {name: storage, type: macvlan, master: eth1, ipam: {type: whereabouts, range: 192.168.0.0/24}}
  - {name: local, type: bridge, bridge: br1, ipam: {type: host-local, ranges: [172.16.0.0/24]}}
clusters:
  - name: edge-1
  - name: edge-2
    cluster: {dataDir: /srv/k3s}
    networks:
      - {name: storage, master: eth2, ipam: {type: whereabouts, range: 10.100.0.0/24}}
"""


def tree(folder: Path) -> dict[str, bytes | str]:
    """Every entry under ``folder``: file bytes, or ``-> target`` for a symlink."""
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            out[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            out[rel] = path.read_bytes()
    return out


class Scene:
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
        self.tmp = tmp_path
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.spec = tmp_path / "fleet.yaml"
        self.spec.write_text(SPEC)
        self.out = tmp_path / "out"
        self.out.mkdir()
        monkeypatch.setenv("MULTUS_GEN_CACHE_DIR", str(tmp_path / "cache"))
        monkeypatch.delenv("MULTUS_GEN_CACHE", raising=False)
        memo.code_fingerprint.cache_clear()

    def render(self, *extra: str, cache: bool = True) -> tuple[int, str, str]:
        self.capsys.readouterr()
        with self.monkeypatch.context() as m:
            if not cache:
                m.setenv("MULTUS_GEN_CACHE", "off")
            code = run(["render", "-c", str(self.spec), "--out-dir", str(self.out), *extra])
        out, err = self.capsys.readouterr()
        return code, out, err

    def both(self, change: Callable[[Path], object], *extra: str) -> tuple[int, str, str]:
        """Apply ``change`` to the rendered tree, render with and without the cache from copies of that
        state, and require the same result; return it."""
        change(self.out)
        start = self.tmp / "start"
        shutil.copytree(self.out, start, symlinks=True)
        with_cache = self.render(*extra), tree(self.out)
        shutil.rmtree(self.out)
        shutil.copytree(start, self.out, symlinks=True)
        without = self.render(*extra, cache=False), tree(self.out)
        shutil.rmtree(start)
        assert with_cache == without
        return with_cache[0]


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Scene:
    s = Scene(tmp_path, monkeypatch, capsys)
    code, _, err = s.render()
    assert code == 0, err
    return s


def no_spec_loading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the spec was loaded")

    monkeypatch.setattr("multus_gen.model.spec.load_spec", refuse)


def test_an_unchanged_tree_is_recalled_without_loading_the_spec(scene: Scene) -> None:
    before = tree(scene.out)
    expected = scene.render(cache=False)
    no_spec_loading(scene.monkeypatch)
    assert scene.render() == expected
    assert "up to date" in expected[2] and "written" not in expected[2]
    assert tree(scene.out) == before


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda out: (out / "edge-1/multus.yaml").write_text("# edited by hand\n"), id="edited"),
        pytest.param(lambda out: (out / "edge-2/multus-networks.yaml").unlink(), id="deleted"),
        pytest.param(lambda out: (out / f"edge-1/.multus.yaml.{'0' * 16}{TEMP_SUFFIX}").write_text("x"), id="leftover"),
        pytest.param(lambda out: (out / "edge-1/multus.yaml.skip").write_text(""), id="skip-marker"),
        pytest.param(lambda out: shutil.rmtree(out / "edge-2"), id="cluster-folder-gone"),
    ],
)
def test_a_changed_tree_renders_as_without_the_cache(scene: Scene, change: Callable[[Path], object]) -> None:
    scene.both(change)


def test_a_symlinked_target_is_refused_as_without_the_cache(scene: Scene) -> None:
    def symlink(out: Path) -> None:
        (out / "edge-1/kustomization.yaml").unlink()
        (out / "edge-1/kustomization.yaml").symlink_to("multus.yaml")

    code, _, err = scene.both(symlink)
    assert code == 1 and "symlink" in err


def test_stale_files_are_reported_and_pruned_as_without_the_cache(scene: Scene) -> None:
    gone = scene.out / "edge-0"
    gone.mkdir()
    shutil.copy(scene.out / "edge-1/multus.yaml", gone / "multus.yaml")
    # as if an earlier render of this spec wrote it: its record lists it
    owned = read_record(scene.out, scene.spec)
    write_record(scene.out, scene.spec, {**owned, "edge-0/multus.yaml": digest((gone / "multus.yaml").read_bytes())})
    code, _, err = scene.both(lambda out: None)
    assert code == 0 and "no longer in the spec (kept" in err
    code, _, err = scene.both(lambda out: None, "--prune")
    assert code == 0 and "removed (no longer in the spec)" in err and not gone.exists()


def test_a_copied_header_is_not_pruned_and_a_remembered_render_never_widens_prune(scene: Scene) -> None:
    hand = scene.out / "edge-0"
    hand.mkdir()
    shutil.copy(scene.out / "edge-1/multus.yaml", hand / "multus.yaml")  # render's header, but not render's file
    code, _, err = scene.both(lambda out: None, "--prune")
    assert code == 0 and "edge-0" not in err and (hand / "multus.yaml").exists()
    # a remembered render that forgets a file this spec still writes: --prune renders, so it deletes nothing
    key = memo.render_key(scene.spec, scene.out, None)
    assert key is not None
    remembered = memo.recall(key)
    assert remembered is not None
    memo.remember(key, [f for f in remembered.files if not f[0].startswith("edge-2/")], [])
    code, _, err = scene.render("--prune")
    assert code == 0 and "removed" not in err and (scene.out / "edge-2/multus.yaml").exists()


def test_a_changed_spec_renders_again(scene: Scene) -> None:
    scene.spec.write_text(SPEC.replace("10.100.0.0/24", "10.101.0.0/24"))
    code, _, err = scene.render()
    assert code == 0 and "edge-2/multus-networks.yaml: written" in err
    assert b"10.101.0.0/24" in (scene.out / "edge-2/multus-networks.yaml").read_bytes()


def test_another_build_or_other_flags_do_not_recall(scene: Scene) -> None:
    key = memo.render_key(scene.spec, scene.out, None)
    assert key is not None and memo.recall(key) is not None
    assert memo.render_key(scene.spec, scene.out, "clusters/prod") != key  # --gitops-path
    assert memo.render_key(scene.spec, Path(os.path.relpath(scene.out)), None) != key  # the out dir as typed
    scene.monkeypatch.setattr(memo, "code_fingerprint", lambda: "another build")
    assert memo.render_key(scene.spec, scene.out, None) != key


def test_a_damaged_memo_is_ignored(scene: Scene) -> None:
    key = memo.render_key(scene.spec, scene.out, None)
    assert key is not None
    memo_file = next((scene.tmp / "cache" / "render").rglob(f"{key}.json"))
    expected = scene.render(cache=False)
    for damage in ("", "{", '{"files": 5}', '{"files": [["a"]], "notices": []}'):
        memo_file.write_text(damage)
        assert memo.recall(key) is None
        assert scene.render() == expected


def test_the_cache_switch_turns_the_memo_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text(textwrap.dedent(SPEC))
    monkeypatch.setenv("MULTUS_GEN_CACHE", "off")
    assert memo.render_key(spec, tmp_path, None) is None
    monkeypatch.delenv("MULTUS_GEN_CACHE")
    monkeypatch.setenv("MULTUS_GEN_CACHE_DIR", str(tmp_path / "c"))
    assert memo.render_key(spec, tmp_path, None) is not None
    assert memo.render_key(tmp_path / "missing.yaml", tmp_path, None) is None


def test_a_replaced_archive_renders_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], shared: Path, repo: Path
) -> None:
    """The memo's key covers the spec's text; the chart archive it names (chart.archive) was not covered: an
    archive replaced under its name (another chart version) left `render` saying "up to date" with the old
    chartContent, and an unchanged-looking `commit -c` committing nothing. Both render again now."""
    monkeypatch.setenv("MULTUS_GEN_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("MULTUS_GEN_CACHE", raising=False)
    memo.code_fingerprint.cache_clear()
    charts = shared / "fixtures/charts"
    archive = tmp_path / "rke2-multus.tgz"
    shutil.copy(charts / "rke2-multus-v4.2.202.tgz", archive)
    spec = tmp_path / "multus.yaml"
    spec.write_text("cluster: {k3sVersion: v1.33.7+k3s1}\nchart: {archive: rke2-multus.tgz}\n")
    out = tmp_path / "out"
    for _ in range(2):  # the second run is recalled
        assert run(["render", "-c", str(spec), "--out-dir", str(out)]) == 0
        assert run(["commit", "-c", str(spec), "--repo", str(repo), "--path", "clusters"]) == 0
    assert "up to date" in capsys.readouterr().err
    shutil.copy(charts / "rke2-multus-v4.2.106.tgz", archive)
    assert run(["render", "-c", str(spec), "--out-dir", str(out)]) == 0
    assert "multus.yaml: written" in capsys.readouterr().err
    assert "version: v4.2.106" in (out / "multus.yaml").read_text()
    assert run(["commit", "-c", str(spec), "--repo", str(repo), "--path", "clusters"]) == 0
    capsys.readouterr()
    assert "version: v4.2.106" in (repo / "clusters/multus.yaml").read_text()
