"""sinks.prune: prune deletes only what this spec wrote, as its own record says -- never by a file's looks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from multus_gen.errors import DeliveryError
from multus_gen.sinks import Inputs
from multus_gen.sinks.prune import RECORD_DIR, digest, read_record, record_path, settle
from multus_gen.yamlio.serialize import documents, header


def _put(top: Path, rel: str, text: str | None = None) -> str:
    """Write a render-looking file; return its SHA-256 as a record keeps it."""
    path = top / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = (text if text is not None else documents([{"a": rel}], header("render", [("spec", "x")], "0.1.0"))).encode()
    path.write_bytes(data)
    return digest(data)


@pytest.fixture
def top(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    return out


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "fleet.yaml"
    path.write_text("clusters: []\n")
    return path


def test_stale_files_are_reported_then_deleted_and_emptied_folders_removed(top: Path, spec: Path) -> None:
    files = {rel: _put(top, rel) for rel in ("keep/multus.yaml", "gone/sub/a.yaml", "gone/b.yaml")}
    assert settle(top, spec, files, delete=False) == []
    assert read_record(top, spec) == files
    keep = {"keep/multus.yaml": files["keep/multus.yaml"]}
    reported = settle(top, spec, keep, delete=False)
    assert [(s.path, s.status) for s in reported] == [("gone/b.yaml", "stale"), ("gone/sub/a.yaml", "stale")]
    assert read_record(top, spec) == files  # kept: still ours, so a later --prune can delete them
    removed = settle(top, spec, keep, delete=True)
    assert [(s.path, s.status) for s in removed] == [("gone/b.yaml", "removed"), ("gone/sub/a.yaml", "removed")]
    assert not (top / "gone").exists() and (top / "keep/multus.yaml").exists()
    assert read_record(top, spec) == keep


def test_a_copied_render_header_makes_nothing_ours(top: Path, spec: Path) -> None:
    settle(top, spec, {}, delete=True)
    _put(top, "hand/written.yaml")  # looks exactly like render's output, but render never wrote it
    assert settle(top, spec, {}, delete=True) == []
    assert (top / "hand/written.yaml").exists()


def test_files_of_another_spec_in_the_same_folder_are_never_pruned(top: Path, spec: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.yaml"
    other.write_text("x: 1\n")
    settle(top, other, {"b/multus.yaml": _put(top, "b/multus.yaml")}, delete=False)
    settle(top, spec, {"a/multus.yaml": _put(top, "a/multus.yaml")}, delete=False)
    assert [(s.path, s.status) for s in settle(top, spec, {}, delete=True)] == [("a/multus.yaml", "removed")]
    assert (top / "b/multus.yaml").exists()
    assert not (top / "a/multus.yaml").exists()
    assert record_path(top, spec) != record_path(top, other)


def test_a_file_edited_since_is_kept_and_reported(top: Path, spec: Path) -> None:
    settle(top, spec, {"c1/multus.yaml": _put(top, "c1/multus.yaml")}, delete=False)
    (top / "c1/multus.yaml").write_text("# edited by hand\n")
    out = settle(top, spec, {}, delete=True)
    assert [(s.path, s.status) for s in out] == [("c1/multus.yaml", "changed")]
    assert (top / "c1/multus.yaml").read_text() == "# edited by hand\n"


def test_a_planted_or_damaged_record_deletes_nothing_it_should_not(top: Path, spec: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    sha = _put(tmp_path, "outside.yaml")
    (top / "real").mkdir()
    os.symlink(tmp_path, top / "link")
    record = record_path(top, spec)
    record.parent.mkdir()
    files = {"../outside.yaml": sha, "/etc/passwd": "0" * 64, "link/outside.yaml": sha}
    record.write_text(json.dumps({"format": 1, "spec": os.path.realpath(spec), "files": files}))
    assert settle(top, spec, {}, delete=True) == []
    assert outside.exists()
    record.write_text("{not json")
    assert read_record(top, spec) == {}
    # a record that names another spec is not this spec's
    record.write_text(json.dumps({"format": 1, "spec": "/elsewhere.yaml", "files": {"real/x.yaml": "0" * 64}}))
    assert read_record(top, spec) == {}


def test_a_symlinked_record_folder_is_refused(top: Path, spec: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", top / RECORD_DIR)
    with pytest.raises(DeliveryError, match="refusing to keep the render record"):
        settle(top, spec, {}, delete=False)
    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_the_record_is_replaced_atomically_without_leftovers(top: Path, spec: Path) -> None:
    settle(top, spec, {"a.yaml": _put(top, "a.yaml")}, delete=False)
    settle(top, spec, {"b.yaml": _put(top, "b.yaml")}, delete=False)
    assert [p.name for p in (top / RECORD_DIR).iterdir()] == [record_path(top, spec).name]


def test_an_input_is_never_pruned(top: Path, spec: Path) -> None:
    sha = _put(top, "c1/values.yaml")
    settle(top, spec, {"c1/values.yaml": sha}, delete=False)
    with pytest.raises(DeliveryError, match="refusing to prune"):
        settle(top, spec, {}, delete=True, inputs=Inputs([top / "c1/values.yaml"]))
    assert (top / "c1/values.yaml").exists()


def test_an_unremovable_file_is_reported(top: Path, spec: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can remove files from read-only folders")
    settle(top, spec, {"c1/multus.yaml": _put(top, "c1/multus.yaml")}, delete=False)
    (top / "c1").chmod(0o555)
    try:
        with pytest.raises(DeliveryError, match="cannot remove"):
            settle(top, spec, {}, delete=True)
    finally:
        (top / "c1").chmod(0o755)
