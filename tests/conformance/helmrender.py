"""Helpers for the conformance suite: chart archives, multus-gen's CLI, helm-controller's value passing and
the rendered Kubernetes objects.

Expectations (K3s paths, chart generations) are written here from FACTS.md sections 2-3, independently of
``multus_gen.knowledge``: the suite checks the generator's tables, it must not reuse them.
"""

from __future__ import annotations

import copy
import hashlib
import re
import tarfile
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from multus_gen.check import helm_render, rendered
from multus_gen.cli import app

#: The render matrix: every rke2-multus archive x IPAMS x K3S_VERSIONS x DATA_DIRS.
IPAMS = ("host-local", "whereabouts", "dhcp")
#: Both sides of every K3s bin-dir gate (FACTS 2) plus a v1.32 release.
K3S_VERSIONS = (
    "v1.28.14+k3s1",
    "v1.28.15+k3s1",
    "v1.29.10+k3s1",
    "v1.30.5+k3s1",
    "v1.30.6+k3s1",
    "v1.31.1+k3s1",
    "v1.31.2+k3s1",
    "v1.32.0+k3s1",
)
DATA_DIRS = ("/var/lib/rancher/k3s", "/srv/k3s")
#: Matrix cells rendered this session: (archive file, ipam, K3s version, data dir); reported at the end.
MATRIX_CELLS: set[tuple[str, str, str, str]] = set()

MULTUS = "rke2-multus"
MULTUS_CRD = "rke2-multus-crd"
NAD_CRD = "network-attachment-definitions.k8s.cni.cncf.io"
WHEREABOUTS_CRDS = frozenset(
    {
        "ippools.whereabouts.cni.cncf.io",
        "overlappingrangeipreservations.whereabouts.cni.cncf.io",
        "nodeslicepools.whereabouts.cni.cncf.io",
    }
)
#: yaml.safe_load_all, in libyaml's C implementation when PyYAML has it (same safe loader, 10x faster).
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_all(text: str) -> list[Any]:
    """Every non-empty YAML document of ``text`` (``yaml.safe_load_all``)."""
    return [d for d in yaml.load_all(text, Loader=_SafeLoader) if d is not None]


THIN_ENTRYPOINT_DEFAULTS = rendered.THIN_ENTRYPOINT_DEFAULTS

# --------------------------------------------------------------------------------------------------
# Expectations from FACTS.md (written here, not taken from multus_gen.knowledge)

#: K3s patch releases that moved the CNI bin dir to $DATA_DIR/data/cni; all of v1.32+ has it (FACTS 2).
_STABLE_BIN_SINCE = {(1, 28): 15, (1, 29): 10, (1, 30): 6, (1, 31): 2}


@dataclass(frozen=True)
class K3sDirs:
    conf: str
    bin: str
    kubeconfig: str


def k3s_dirs(k3s_version: str, data_dir: str) -> K3sDirs:
    """The K3s host dirs for one K3s version and data dir (FACTS.md section 2)."""
    m = re.match(r"^v(\d+)\.(\d+)\.(\d+)", k3s_version)
    assert m, k3s_version
    major, minor, patch = (int(g) for g in m.groups())
    since = _STABLE_BIN_SINCE.get((major, minor))
    stable = (major, minor) >= (1, 32) or (since is not None and patch >= since)
    conf = f"{data_dir}/agent/etc/cni/net.d"
    bin_dir = f"{data_dir}/data/cni" if stable else f"{data_dir}/data/current/bin"
    return K3sDirs(conf=conf, bin=bin_dir, kubeconfig=f"{conf}/multus.d/multus.kubeconfig")


def chart_key(version: str) -> tuple[int, ...]:
    """``v4.2.106`` / ``4.3.017`` -> (4, 2, 106); build suffixes are ignored (FACTS 3: irregular spellings)."""
    m = re.match(r"^v?(\d+)\.(\d+)(?:\.(\d+))?", version)
    assert m, version
    return tuple(int(g or 0) for g in m.groups())


def fixed_mounts(version: str) -> bool:
    """<= v4.2.106: container mounts fixed at /host/etc/cni/net.d and /host/opt/cni/bin (FACTS 3)."""
    return chart_key(version) <= (4, 2, 106)


def host_prefixed(version: str) -> bool:
    """>= v4.2.202: mounts /host{confDir}, /host{binDir}; multusAutoconfigDir must be the conf dir (FACTS 3)."""
    return chart_key(version) >= (4, 2, 202)


def ships_no_crds(version: str) -> bool:
    """>= v4.3.009: the CRDs moved to rke2-multus-crd (FACTS 3)."""
    return chart_key(version) >= (4, 3, 9)


# --------------------------------------------------------------------------------------------------
# Archives


@dataclass(frozen=True)
class Archive:
    path: Path
    name: str
    version: str
    sha256: str
    files: dict[str, str] = field(repr=False, compare=False, hash=False)

    @property
    def file_name(self) -> str:
        return self.path.name

    def text(self, rel: str) -> str | None:
        """A file of the chart, by its path below the chart's top folder (e.g. ``templates/daemonSet.yaml``)."""
        return self.files.get(rel)


@cache
def read_archive(path: Path) -> Archive:
    """Open a packaged chart: its Chart.yaml (name, version), every text file below its top folder, its sha256."""
    data = path.read_bytes()
    files: dict[str, str] = {}
    with tarfile.open(path, "r:gz") as tar:
        for member in tar.getmembers():
            if not member.isfile():
                continue
            fh = tar.extractfile(member)
            assert fh is not None
            _top, _, rel = member.name.partition("/")
            files[rel] = fh.read().decode("utf-8", errors="replace")
    meta = yaml.safe_load(files["Chart.yaml"])
    return Archive(path, str(meta["name"]), str(meta["version"]), hashlib.sha256(data).hexdigest(), files)


def crd_name(text: str) -> str | None:
    """metadata.name of the CustomResourceDefinition in a crds/ file."""
    for doc in load_all(text):
        if doc.get("kind") == "CustomResourceDefinition":
            return str(doc["metadata"]["name"])
    return None


def discover(charts_dir: Path) -> list[Archive]:
    """Every chart archive in the fixtures (new ones are picked up without editing the suite)."""
    return [read_archive(p) for p in sorted(charts_dir.glob("*.tgz"))]


# --------------------------------------------------------------------------------------------------
# multus-gen through its CLI

_runner = CliRunner()


@dataclass(frozen=True)
class Generated:
    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    @cached_property
    def docs(self) -> list[dict[str, Any]]:
        return load_all(self.stdout)

    def helmchart(self, chart: str) -> dict[str, Any] | None:
        found = [d for d in self.docs if d.get("kind") == "HelmChart" and d["spec"].get("chart") == chart]
        assert len(found) <= 1, f"{len(found)} HelmCharts for {chart}"
        return found[0] if found else None

    def describe(self) -> str:
        return f"multus-gen {' '.join(self.argv)} -> exit {self.exit_code}; stderr: {self.stderr.strip()!r}"


def matrix_argv(chart_version: str, ipam: str, k3s_version: str, data_dir: str) -> tuple[str, ...]:
    """The CLI arguments of one matrix cell (the same tuple everywhere, so ``generate`` caches it once)."""
    return (
        "helmchart",
        "--chart-version",
        chart_version,
        "--ipam",
        ipam,
        "--k3s-version",
        k3s_version,
        "--data-dir",
        data_dir,
    )


@cache
def generate(*argv: str) -> Generated:
    """Run ``multus-gen ARGV`` in-process (cached: the CLI is deterministic)."""
    result = _runner.invoke(app, list(argv))
    return Generated(tuple(argv), result.exit_code, result.stdout, result.stderr)


# --------------------------------------------------------------------------------------------------
# helm-controller -> helm -> rendered objects: multus-gen's own loader and checks (multus_gen.check.helm_render,
# multus_gen.check.rendered), the code `multus-gen verify` runs, so the suite and verify cannot diverge. The
# suite hands them its OWN expectations (k3s_dirs above, written from FACTS.md) and adds its own assertions.

merge = helm_render.merge
Rendered = rendered.Rendered
pod_spec = rendered.pod_spec
containers = rendered.containers
host_path_of = rendered.host_path_of
env_of = rendered.env_of


def helm_values(helm: Any, helmchart: dict[str, Any]) -> dict[str, Any]:
    """The user values helm gets from a HelmChart, as helm-controller passes them (FACTS 5): multus-gen's own
    ``helm_render.helm_values`` (valuesContent as a values file, ``values``, then ``set`` entries)."""
    return helm_render.helm_values(helm, helmchart["spec"])


#: How many times the suite rendered a chart, per chart name (reported at the end of the run).
RENDERS: dict[str, int] = {}


def render(helm: Any, chart: Any, helmchart: dict[str, Any], *, values: dict[str, Any] | None = None) -> Rendered:
    """Render ``chart`` for ``helmchart`` as helm-controller's job would install it.

    Release name = the HelmChart's name; namespace = ``spec.targetNamespace`` (helm-controller's default for
    it is the HelmChart's own namespace).
    """
    release = helmchart["metadata"]["name"]
    namespace = helmchart["spec"].get("targetNamespace") or helmchart["metadata"].get("namespace", "default")
    user = helm_values(helm, helmchart) if values is None else values
    out = helm_render.render_chart(helm, chart, user, release=release, namespace=namespace)
    RENDERS[out.chart] = RENDERS.get(out.chart, 0) + 1
    return out


def named(out: Rendered, kind: str, name: str) -> dict[str, Any] | None:
    """The one object of ``kind`` named ``name`` (None if there is none; two are a failure)."""
    found = [o for o in out.of_kind(kind) if o["metadata"]["name"] == name]
    assert len(found) <= 1, f"{len(found)} {kind}s named {name}"
    return found[0] if found else None


def host_dirs(dirs: K3sDirs) -> rendered.HostDirs:
    """The suite's expected dirs (FACTS.md 2) as the package's checks take them."""
    return rendered.HostDirs(conf=dirs.conf, bin=dirs.bin, kubeconfig=dirs.kubeconfig)


def findings(releases: list[Rendered], dirs: K3sDirs, ipam: str, *, rules: tuple[str, ...] | None = None) -> list[str]:
    """multus-gen verify's findings on rendered ``releases`` (CRD chart first) for the suite's ``dirs``, one line
    each; only those of ``rules`` when given."""
    out = rendered.check_installation(releases, host_dirs(dirs), ipams=(ipam,))
    return [f.one_line() for f in out if rules is None or f.rule in rules]


def go_yaml_docs(helm: Any, manifest: str) -> list[dict[str, Any]]:
    """A rendered manifest read by Go's YAML reader (what helm and the API server see), one dict per object."""
    docs = []
    for part in re.split(r"(?m)^---[ \t]*$", manifest):
        if load_all(part):  # skip empty and comment-only documents
            docs.append(helm.values_from_yaml(part))
    return docs


# --------------------------------------------------------------------------------------------------
# Pods: mounts and the host paths behind container paths


def container(workload: dict[str, Any], name: str) -> dict[str, Any]:
    found = [c for c in containers(workload) if c["name"] == name]
    assert len(found) == 1, f"{workload['metadata']['name']}: {len(found)} containers named {name}"
    return found[0]


def flag_args(ctr: dict[str, Any]) -> dict[str, str]:
    """``--flag=value`` arguments of a container as a dict (bare flags map to ''); a flag given twice fails."""
    out, twice = rendered.flag_args(ctr)
    assert not twice, f"{ctr['name']}: {twice} given twice"
    return out


def json_paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes from the root) in a document, the root first: for mutation tests."""
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += json_paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += json_paths(value, (*prefix, i))
    return out


def mutate(doc: dict[str, Any], draw: Any, keys: Any, values: Any) -> dict[str, Any]:
    """A copy of ``doc`` with one to three random changes (``draw``: hypothesis's): a field dropped, retyped
    (a value from ``values``) or added (a key from ``keys``)."""
    from hypothesis import strategies as st

    doc = copy.deepcopy(doc)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(json_paths(doc)))
        parent: Any = doc
        for key in path[:-1]:
            parent = parent[key]
        target = parent[path[-1]] if path else doc
        op = draw(st.sampled_from(["drop", "retype", "add"] if path else ["add"]))
        if op == "add" and isinstance(target, dict):
            target[draw(keys)] = draw(values)
        elif op == "drop" and isinstance(parent, dict):
            del parent[path[-1]]
        elif path:
            parent[path[-1]] = draw(values)
    return doc


def set_path(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``doc`` with dotted ``path`` set to ``value`` (missing maps created)."""
    out = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node = out
    for key in parents:
        node = node.setdefault(key, {})
    node[last] = value
    return out


def drop_path(doc: dict[str, Any], path: str) -> dict[str, Any]:
    """A copy of ``doc`` without the key at dotted ``path``."""
    out = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node = out
    for key in parents:
        node = node[key]
    del node[last]
    return out
