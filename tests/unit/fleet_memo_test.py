"""A fleet builds, checks and serializes each distinct network once per run: what that memo must keep apart."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from multus_gen.build.pipeline import RenderCache, RenderedCluster, render_checked, render_cluster, render_spec
from multus_gen.errors import InputError
from multus_gen.model.spec import Spec, load_spec

FLEET = """\
cluster: {k3sVersion: v1.33.5+k3s1}
networks:
  - {name: storage, type: macvlan, master: eth1, ipam: {type: whereabouts, range: 192.168.0.0/24}}
  - {name: lan, type: macvlan, master: eth2, ipam: {type: host-local, ranges: [172.16.0.0/24]}}
clusters:
  - name: a
  - name: b
    cluster: {dataDir: /srv/k3s}
  - name: c
    networks:
      - {name: lan, mode: passthru}
  - name: d
    networks:
      - {name: storage, cniVersion: 1.0.0}
  - name: e
"""


def load(tmp_path: Path, text: str = FLEET, name: str = "fleet.yaml") -> Spec:
    path = tmp_path / name
    path.write_text(text)
    return load_spec(path)


def rendered(spec: Spec, gitops_path: str | None = ".") -> dict[str | None, RenderedCluster]:
    return {r.name: r for r in render_spec(spec, gitops_path=gitops_path)}


def nad_configs(cluster: RenderedCluster) -> dict[str, dict[str, Any]]:
    (text,) = [m.content for m in cluster.manifests if m.path.endswith("-networks.yaml")]
    return {d["metadata"]["name"]: json.loads(d["spec"]["config"]) for d in yaml.safe_load_all(text) if d}


def test_same_network_on_another_data_dir_gets_its_own_whereabouts_paths(tmp_path: Path) -> None:
    out = rendered(load(tmp_path))
    paths = {name: nad_configs(out[name])["storage"]["ipam"]["configuration_path"] for name in ("a", "b", "e")}
    assert paths["a"] == paths["e"]
    assert paths["a"].startswith("/var/lib/rancher/k3s/")
    assert paths["b"].startswith("/srv/k3s/")


def test_same_network_with_another_cni_version_is_built_again(tmp_path: Path) -> None:
    out = rendered(load(tmp_path))
    assert nad_configs(out["a"])["storage"]["cniVersion"] == "0.3.1"
    assert nad_configs(out["d"])["storage"]["cniVersion"] == "1.0.0"
    assert nad_configs(out["d"])["lan"] == nad_configs(out["a"])["lan"]


def test_each_cluster_reports_its_own_network_warnings(tmp_path: Path) -> None:
    out = rendered(load(tmp_path))
    wheres = {name: sorted(n.where or "" for n in r.notices if "/" in (n.where or "")) for name, r in out.items()}
    assert wheres["a"] == ["a/lan: $.spec.config.ipam"]
    assert wheres["b"] == ["b/lan: $.spec.config.ipam"]
    assert wheres["c"] == ["c/lan: $.spec.config.ipam", "c/lan: $.spec.config.mode"]


@pytest.mark.parametrize("fmt", ["helmchart", "helmchartconfig", "argocd", "flux", "fleet"])
def test_fleet_files_equal_each_cluster_rendered_alone(tmp_path: Path, fmt: str) -> None:
    spec = load(tmp_path, f"format: {fmt}\n" + FLEET)
    together = rendered(spec)
    for cluster in spec.clusters:
        alone = render_cluster(spec, cluster)  # a cache of its own
        assert together[cluster.name].manifests == alone.manifests
        assert together[cluster.name].notices == alone.notices


def test_one_cache_keeps_argocd_nads_apart(tmp_path: Path) -> None:
    helm, argo = load(tmp_path), load(tmp_path, "format: argocd\n" + FLEET, "argocd.yaml")
    cache = RenderCache()
    for spec in (helm, argo):
        for cluster in spec.clusters:
            assert render_cluster(spec, cluster, cache=cache) == render_cluster(spec, cluster)


def test_network_built_for_one_cluster_is_still_checked_against_the_next(tmp_path: Path) -> None:
    spec = load(tmp_path, FLEET + "  - name: f\n    cluster: {clusterCIDR: 192.168.0.0/16}\n")
    seen = []
    with pytest.raises(InputError, match=r"overlaps the cluster's pod CIDR 192\.168\.0\.0/16") as exc:
        for cluster in render_spec(spec):
            seen.append(cluster.name)
    assert seen == ["a", "b", "c", "d", "e"]
    assert exc.value.where is not None and "$.networks[0].ipam.range" in exc.value.where


def test_spec_clusters_share_equal_options_and_only_those(tmp_path: Path) -> None:
    text = FLEET + "  - name: g\n    chart: {values: {a: 1}}\n  - name: h\n    chart: {name: other}\n"
    by = {c.name: c for c in load(tmp_path, text).clusters}
    assert by["a"].networks[1] is by["e"].networks[1]
    assert by["a"].networks[0].options.k3s_paths != by["b"].networks[0].options.k3s_paths
    assert by["c"].networks[1].options.mode == "passthru"
    assert by["a"].networks[1].options.mode is None
    assert by["b"].gen.data_dir == "/srv/k3s" and by["a"].gen.data_dir == "/var/lib/rancher/k3s"
    assert by["g"].gen.user.inline == ({"a": 1},) and by["a"].gen.user.inline == ()
    assert by["h"].gen.name == "other" and by["a"].gen.name == "multus"


def test_render_checked_checks_every_cluster_before_yielding_one(tmp_path: Path) -> None:
    spec = load(tmp_path)
    summaries, clusters = render_checked(spec)
    assert [s.name for s in summaries] == ["a", "b", "c", "d", "e"] and all(not s.manifests for s in summaries)
    again = list(clusters)  # the files, one cluster at a time, as render_spec makes them
    assert again == list(render_spec(spec))
    assert list(clusters) == again  # a second pass (a sink checks every target, then writes): the same files
    assert [m.path for m in clusters.manifests()] == [m.path for c in again for m in c.manifests]
    assert [c.notices for c in again] == [s.notices for s in summaries]
    broken = FLEET.replace(
        "  - name: e\n",
        "  - name: e\n    networks:\n      - {name: lan, ipam: {type: host-local, ranges: [10.42.0.0/24]}}\n",
    )
    broken_spec = load(tmp_path, broken, "broken.yaml")
    with pytest.raises(InputError, match="pod CIDR"):
        render_checked(broken_spec)  # the last cluster is wrong: raised before a sink gets any cluster
