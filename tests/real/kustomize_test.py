"""``kubectl kustomize`` on every folder ``multus-gen render`` writes (issue 6).

A fleet spec (a K3s cluster with a custom data dir, an RKE2 cluster where the format allows it) is rendered in
every format; every folder holding a kustomization.yaml must build, and what it builds must be exactly the
Kubernetes objects of the files it lists. Fleet's bundle folders hold fleet.yaml files, which are Fleet's
configuration and not Kubernetes objects: Fleet builds those bundles itself, so they have no kustomization.yaml.
Skipped when kubectl is missing (a failure under MULTUS_GEN_REQUIRE_REAL=1).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import docs_of, invoke

SPEC = """\
cluster: {k3sVersion: v1.31.2+k3s1}
networks:
  - {name: storage, namespace: storage, type: macvlan, master: eth1,
     ipam: {type: whereabouts, range: 192.168.50.0/24}}
  - {name: lan, type: macvlan, master: eth2, ipam: {type: dhcp}}
clusters:
  - name: edge-1
  - name: edge-2
    cluster: {dataDir: /srv/k3s}
"""
RKE2_MEMBER = "  - name: edge-3\n    cluster: {distro: rke2}\n"
FORMATS = ("helmchart", "helmchartconfig", "argocd", "flux", "fleet")


@pytest.fixture(scope="module")
def kubectl(require_real: Any) -> str:
    path = shutil.which("kubectl")
    if path is None:
        require_real("kubectl is not installed")
    assert path is not None
    return path


def kustomize(kubectl: str, folder: Path) -> list[dict[str, Any]]:
    proc = subprocess.run([kubectl, "kustomize", str(folder)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, f"kubectl kustomize {folder}: {proc.stderr}"
    return docs_of(proc.stdout)


def key(doc: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = doc.get("metadata") or {}
    return (doc["apiVersion"], doc["kind"], meta.get("namespace", ""), meta["name"])


def objects_listed(folder: Path) -> list[dict[str, Any]]:
    """The objects of the files a kustomization.yaml lists (following listed folders)."""
    listing = yaml.safe_load((folder / "kustomization.yaml").read_text())
    out: list[dict[str, Any]] = []
    for resource in listing["resources"]:
        target = folder / resource
        if target.is_dir():
            out += objects_listed(target)
        else:
            out += docs_of(target.read_text())
    return out


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_generated_folder_builds(kubectl: str, tmp_path: Path, fmt: str) -> None:
    text = f"format: {fmt}\n" + SPEC + (RKE2_MEMBER if fmt == "helmchartconfig" else "")
    spec = tmp_path / "fleet.yaml"
    spec.write_text(text)
    out = tmp_path / "clusters"
    out.mkdir()
    result = invoke(*["render", "-c", str(spec), "--out-dir", str(out), "--gitops-path", "clusters"])
    assert result.exit_code == 0, result.stderr
    folders = sorted({p.parent for p in out.rglob("*.yaml")})
    built = 0
    for folder in folders:
        if not (folder / "kustomization.yaml").exists():
            assert fmt == "fleet", f"{folder} has no kustomization.yaml"
            assert (folder / "fleet.yaml").exists()
            continue
        docs = kustomize(kubectl, folder)
        want = objects_listed(folder)
        assert sorted(map(key, docs)) == sorted(map(key, want)), folder
        assert {key(d): d for d in docs} == {key(d): d for d in want}, f"{folder}: kustomize changed an object"
        built += 1
    if fmt == "fleet":
        assert built == 0
        return
    # every cluster folder builds; flux: its chart and networks folders too
    clusters = sorted(p.name for p in out.iterdir() if not p.name.startswith("."))
    assert clusters == (["edge-1", "edge-2", "edge-3"] if fmt == "helmchartconfig" else ["edge-1", "edge-2"])
    assert built == len(clusters) * (3 if fmt == "flux" else 1)
    if fmt == "flux":
        kinds = {d["kind"] for d in kustomize(kubectl, out / "edge-1")}
        assert kinds == {"Kustomization"}  # the cluster folder applies only the two Flux Kustomizations
