"""Bounded work and honest messages: validate's reading of neighbouring files stops at a bound and says so;
an empty fleet is an error, never a silent single-cluster render; a read-only file system is named as such
(and root is never told to use sudo)."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import pytest

from helpers import capture
from multus_gen.check import walk
from multus_gen.errors import DeliveryError
from multus_gen.sinks import folder as folder_sink
from multus_gen.sinks.folder import write_manifests
from multus_gen.yamlio.serialize import Manifest

NAD = """\
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: lan%d, namespace: default}
spec:
  config: '{"cniVersion": "0.3.1", "name": "lan%d", "type": "macvlan", "master": "eth1", "ipam": {"type": "dhcp"}}'
"""


def _folder(tmp_path: Path, count: int, size: int = 0) -> Path:
    for i in range(count):
        (tmp_path / f"n{i:03}.yaml").write_text(NAD % (i, i) + ("#" * size + "\n" if size else ""))
    return tmp_path / "n000.yaml"


def test_validate_reads_at_most_so_many_neighbours_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = _folder(tmp_path, 6)
    monkeypatch.setattr(walk, "MAX_NEIGHBOUR_FILES", 3)
    read: list[str] = []
    real = walk.load_quietly
    monkeypatch.setattr(walk, "load_quietly", lambda cand: read.append(cand.display) or real(cand))
    code, _, err = capture(["validate", str(named)])
    assert code == 0, err
    assert len(read) == 3
    assert "note: read 3 neighbouring files" in err and f"stopped at {tmp_path / 'n004.yaml'}" in err
    assert "at most 3 files" in err


def test_validate_reads_at_most_so_many_bytes_of_neighbours(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    named = _folder(tmp_path, 4, size=600 << 10)
    monkeypatch.setattr(walk, "MAX_NEIGHBOUR_BYTES", 1 << 20)  # one neighbour of ~600 KiB fits, two do not
    code, _, err = capture(["validate", str(named)])
    assert code == 0 and "read 1 neighbouring file (" in err and "1 MiB" in err, err


def test_validate_says_nothing_when_it_read_every_neighbour(tmp_path: Path) -> None:
    code, _, err = capture(["validate", str(_folder(tmp_path, 3))])
    assert code == 0 and "neighbouring" not in err, err


@pytest.mark.parametrize("command", ["render", "validate"])
def test_an_empty_fleet_is_an_error(tmp_path: Path, command: str) -> None:
    spec = tmp_path / "fleet.yaml"
    spec.write_text("cluster: {k3sVersion: v1.33.5+k3s1}\nclusters: []\n")
    argv = ["render", "-c", str(spec)] if command == "render" else ["validate", str(spec)]
    code, out, err = capture(argv)
    assert code == 1 and "clusters is empty" in (out + err) and "HelmChart" not in out, (out, err)


class _ReadOnly:
    f_flag = os.ST_RDONLY


def test_a_read_only_file_system_is_named_as_such_even_for_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(folder_sink.os, "geteuid", lambda: 0)
    monkeypatch.setattr(folder_sink.os, "access", lambda *a, **k: False)
    monkeypatch.setattr(folder_sink.os, "statvfs", lambda p: _ReadOnly())
    with pytest.raises(DeliveryError) as info:
        write_manifests(tmp_path, [Manifest("a.yaml", "a: 1\n")])
    line = info.value.one_line()
    assert "read-only file system" in line and "sudo" not in line
    assert list(tmp_path.iterdir()) == []


def test_root_is_never_told_to_use_sudo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folder_sink.os, "geteuid", lambda: 0)
    monkeypatch.setattr(folder_sink.os, "access", lambda *a, **k: False)
    with pytest.raises(DeliveryError) as info:
        write_manifests(tmp_path, [Manifest("a.yaml", "a: 1\n")])
    assert "not writable" in info.value.one_line() and "sudo" not in info.value.one_line()


def test_erofs_while_writing_is_reported_as_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(folder_sink.os, "geteuid", lambda: 0)
    monkeypatch.setattr(folder_sink, "_atomic_replace", refuse)
    with pytest.raises(DeliveryError, match="read-only file system") as info:
        write_manifests(tmp_path, [Manifest("a.yaml", "a: 1\n")])
    assert "sudo" not in info.value.one_line()
