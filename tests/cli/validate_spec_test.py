"""``validate -c SPEC``: each file of the folders ``render -c SPEC --out-dir DIR`` writes is checked against its
cluster in the spec (``<out-dir>/<cluster name>/``), header or not; a header naming another cluster is an error.

Expectations from FACTS.md 2-3: a K3s data dir moves every CNI dir; K3s before v1.30.6/v1.31.2/v1.32.0 keeps the
CNI plugins in data/current/bin, later ones in data/cni.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import CHECKOUT, capture

SPEC = """
cluster:
  distro: k3s
clusters:
  - name: edge
    cluster: {dataDir: /srv/k3s, k3sVersion: v1.33.7+k3s1}
  - name: old
    cluster: {k3sVersion: v1.27.1+k3s1}
networks:
  - name: lan
    type: macvlan
    master: eth0
    ipam: {type: dhcp}
"""


def rendered(tmp_path: Path, spec_text: str = SPEC) -> tuple[Path, Path]:
    spec = tmp_path / "fleet.yaml"
    spec.write_text(spec_text)
    out = tmp_path / "out"
    code, _, err = capture(["render", "-q", "-c", str(spec), "--out-dir", str(out)])
    assert code == 0, err
    return spec, out


def strip_headers(out: Path) -> int:
    """Delete every ``# inputs:`` header line (a hand edit); how many files had one."""
    count = 0
    for path in sorted(out.rglob("*.yaml")):
        text = path.read_text()
        kept = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("# inputs:"))
        count += kept != text
        path.write_text(kept)
    return count


def report(*argv: str | Path) -> tuple[int, dict[str, Any], str]:
    code, out, err = capture(["validate", *map(str, argv), "-o", "json"])
    return code, json.loads(out) if out else {}, err


def rules_at(found: dict[str, Any], file: Path) -> set[str]:
    return {f["rule"] for f in found["findings"] if f["path"] == str(file) and f["severity"] == "error"}


def test_headerless_fleet_needs_the_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec, out = rendered(tmp_path)
    code, found, err = report(out)
    assert code == 0 and found["summary"]["errors"] == 0, err  # with their headers the files name their clusters
    assert strip_headers(out) == 6  # each cluster's chart, networks and kustomization files
    code, found, _ = report(out)
    assert code == 1
    # the default cluster (data dir /var/lib/rancher/k3s, newest K3s) is neither cluster
    assert {"cni-conf-dir", "cni-bin-dir"} <= rules_at(found, out / "edge/multus.yaml")
    assert "cni-bin-dir" in rules_at(found, out / "old/multus.yaml")
    code, found, err = report("-c", spec, out)
    assert code == 0 and found["summary"] == {"files": 4, "errors": 0, "warnings": 1}, err
    (warning,) = found["findings"]  # old K3s's bin dir moves on upgrade: right, and said
    assert warning["path"] == str(out / "old/multus.yaml") and warning["rule"] == "cni-bin-dir-legacy"
    # from inside a cluster's folder, the spec named relatively
    monkeypatch.chdir(out / "edge")
    code, found, err = capture(["validate", "-c", str(Path("..") / ".." / spec.name), "."])
    assert code == 0 and "2 files checked, 0 errors, 0 warnings" in err, err


def test_single_cluster_spec_covers_every_file(tmp_path: Path) -> None:
    spec, out = rendered(tmp_path, "cluster: {dataDir: /srv/k3s, k3sVersion: v1.33.7+k3s1}\n")
    strip_headers(out)
    assert report(out)[0] == 1
    code, found, err = report("-c", spec, out / "multus.yaml")
    assert code == 0 and found["summary"]["errors"] == 0, err


def test_file_in_the_wrong_cluster_folder(tmp_path: Path) -> None:
    spec, out = rendered(tmp_path)
    shutil.copy(out / "edge/multus.yaml", out / "old/multus.yaml")  # header intact: made for edge
    code, found, _ = report(out)
    assert code == 0  # the header alone cannot tell
    code, found, _ = report("-c", spec, out)
    assert code == 1
    rules = rules_at(found, out / "old/multus.yaml")
    # checked for old's K3s and data dir: edge's /srv/k3s paths are wrong there
    assert {"file-cluster", "cni-conf-dir", "cni-bin-dir"} <= rules, rules
    (mismatch,) = [f for f in found["findings"] if f["rule"] == "file-cluster"]
    assert "/srv/k3s" in mismatch["message"] and "'old'" in mismatch["message"]
    assert rules_at(found, out / "edge/multus.yaml") == set()
    # the JSON report names the cluster each file was checked against (not only the flags' default cluster)
    assert found["file_clusters"][str(out / "old/multus.yaml")]["k3s_version"] == "v1.27.1+k3s1"
    assert found["file_clusters"][str(out / "edge/multus.yaml")]["data_dir"] == "/srv/k3s"
    assert found["cluster"]["data_dir"] == "/var/lib/rancher/k3s"
    # the same file without its header: caught by the checks of the folder's cluster alone
    strip_headers(out)
    code, found, _ = report("-c", spec, out)
    assert code == 1 and "cni-conf-dir" in rules_at(found, out / "old/multus.yaml")
    assert "file-cluster" not in {f["rule"] for f in found["findings"]}


def test_printed_fleet_stream_with_the_spec(tmp_path: Path) -> None:
    spec = tmp_path / "fleet.yaml"
    spec.write_text(SPEC)
    code, stream, err = capture(["render", "-c", str(spec)])
    assert code == 0, err
    headerless = "".join(line + "\n" for line in stream.splitlines() if not line.startswith("# inputs:"))
    (tmp_path / "all.yaml").write_text(headerless)
    assert report(tmp_path / "all.yaml")[0] == 1
    code, found, err = report("-c", spec, tmp_path / "all.yaml")
    assert code == 0 and found["summary"]["errors"] == 0, err


ALLOWING = """
cluster: {k3sVersion: v1.33.7+k3s1}
clusters:
  - name: edge
    chart:
      values: {config: {cni_conf: {binDir: /opt/cni/bin}}}
      allow: [cni-bin-dir]
    networks:
      - name: two
        type: macvlan
        master: eth1
        allow: [ipam-two-ranges-one-family]
        ipam: {type: whereabouts, ranges: [10.1.0.0/24, 10.2.0.0/24]}
  - name: core
networks:
  - name: lan
    type: macvlan
    master: eth0
    ipam: {type: dhcp}
"""


def test_spec_allow_is_honoured_per_cluster(tmp_path: Path) -> None:
    """What render let through for one cluster (its chart.allow, its network's allow) passes validate -c as a
    warning in that cluster's folder, and only there: the tool's own output passes its own validate."""
    spec, out = rendered(tmp_path, ALLOWING)
    code, found, _ = report(out)  # headers alone do not carry a spec's allow: both rules are errors
    assert code == 1
    assert rules_at(found, out / "edge/multus.yaml") == {"cni-bin-dir"}
    assert rules_at(found, out / "edge/multus-networks.yaml") == {"ipam-two-ranges-one-family"}
    code, found, err = report("-c", spec, out)
    assert code == 0 and found["summary"]["errors"] == 0, err
    warned = {(f["path"], f["rule"]) for f in found["findings"] if f["severity"] == "warning"}
    assert (str(out / "edge/multus.yaml"), "cni-bin-dir") in warned
    assert (str(out / "edge/multus-networks.yaml"), "ipam-two-ranges-one-family") in warned
    # the same files in the folder of a cluster that allows nothing: errors there
    shutil.copy(out / "edge/multus.yaml", out / "core/multus.yaml")
    shutil.copy(out / "edge/multus-networks.yaml", out / "core/multus-networks.yaml")
    code, found, _ = report("-c", spec, out)
    assert code == 1
    assert "cni-bin-dir" in rules_at(found, out / "core/multus.yaml")
    assert "ipam-two-ranges-one-family" in rules_at(found, out / "core/multus-networks.yaml")
    assert rules_at(found, out / "edge/multus.yaml") == set()


FLUX_NAMED_LIKE_THE_RELEASE = """
format: flux
gitops: {path: clusters}
cluster: {k3sVersion: v1.33.7+k3s1}
networks:
  - {name: lan, type: macvlan, master: eth0, ipam: {type: dhcp}}
clusters:
  - name: edge
    cluster: {dataDir: /srv/k3s}
  - name: multus
"""


def test_cluster_named_like_the_release_folder(tmp_path: Path) -> None:
    """A Flux fleet writes edge's chart to edge/multus/multus.yaml; with a cluster named 'multus' the innermost
    cluster-named folder is the release's, not the cluster's: the header's cluster, being one of the file's
    folders, is its cluster (render's own tree failed validate -c with file-cluster and /srv/k3s errors)."""
    spec, out = rendered(tmp_path, FLUX_NAMED_LIKE_THE_RELEASE)
    assert (out / "edge/multus/multus.yaml").is_file()
    code, found, _ = report("-c", spec, out)
    assert code == 0 and found["summary"]["errors"] == 0, found["findings"]
    assert found["file_clusters"][str(out / "edge/multus/multus.yaml")]["data_dir"] == "/srv/k3s"
    # without headers (hand-edited files): the release folder inside edge's folder is edge's, by render's layout
    strip_headers(out)
    code, found, _ = report("-c", spec, out)
    assert code == 0 and found["summary"]["errors"] == 0, found["findings"]
    assert found["file_clusters"][str(out / "edge/multus/multus.yaml")]["data_dir"] == "/srv/k3s"
    spec, out = rendered(tmp_path, FLUX_NAMED_LIKE_THE_RELEASE)
    # edge's file copied into cluster multus's release folder: still caught
    shutil.copy(out / "edge/multus/multus.yaml", out / "multus/multus/multus.yaml")
    code, found, _ = report("-c", spec, out)
    assert code == 1 and {"file-cluster", "cni-bin-dir"} <= rules_at(found, out / "multus/multus/multus.yaml")
    assert rules_at(found, out / "edge/multus/multus.yaml") == set()


def test_paths_outside_the_spec_fall_back(tmp_path: Path) -> None:
    spec, out = rendered(tmp_path)
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(out / "edge/multus.yaml", other / "multus.yaml")  # header intact: its own cluster
    code, found, err = report("-c", spec, other)
    assert code == 0 and found["summary"]["errors"] == 0, err
    # --k3s-version: the files outside the spec's folders are checked against the flags, as without -c
    code, found, _ = report("-c", spec, other, "--k3s-version", "v1.33.7+k3s1")
    assert code == 1 and "cni-conf-dir" in rules_at(found, other / "multus.yaml")


def test_bad_spec_is_one_line(tmp_path: Path) -> None:
    _, out = rendered(tmp_path)
    bad = tmp_path / "bad.yaml"
    bad.write_text("clusters: []\n")
    for spec in (bad, tmp_path / "missing.yaml"):
        code, stdout, err = capture(["validate", "-c", str(spec), str(out)])
        assert code == 1 and stdout == "", err
        (line,) = err.splitlines()
        assert re.match(rf"^multus-gen: error: {re.escape(str(spec))}", line), line
    code, _, err = capture(["validate", "-c", "-", "-"])
    assert code == 2 and "standard input is named 2 times" in err


def test_pre_commit_hook_takes_the_spec(tmp_path: Path) -> None:
    """The hook's ``args: [-c, fleet.yaml]``: pre-commit runs ``entry``, then ``args``, then the changed files,
    from the repository root."""
    hooks = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "multus-gen-validate"]
    name, *entry_args = hook["entry"].split()
    exe = shutil.which(name) or shutil.which(name, path=os.path.dirname(sys.executable))
    assert exe is not None, "multus-gen is not on PATH"
    _, out = rendered(tmp_path)
    strip_headers(out)
    changed = ["out/edge/multus.yaml", "out/old/multus.yaml"]

    def hook_run(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [exe, *entry_args, *args, *changed]
        return subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=60)

    done = hook_run()
    assert done.returncode == 1 and "[cni-conf-dir]" in done.stdout
    done = hook_run("-c", "fleet.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
