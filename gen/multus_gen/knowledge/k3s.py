"""K3s facts: paths per K3s version and data dir (FACTS.md section 2, 6).

Every path moves with ``--data-dir`` (default ``/var/lib/rancher/k3s``).
"""

from __future__ import annotations

import re
from functools import total_ordering

from multus_gen.record import record

DEFAULT_DATA_DIR = "/var/lib/rancher/k3s"
#: The default K3s version (no --k3s-version) is helm_controller.DEFAULT_K3S_VERSION: the newest release of the
#: K3s -> helm-controller table, derived from it.
CLUSTER_CIDR = "10.42.0.0/16"
SERVICE_CIDR = "10.43.0.0/16"
CONTAINERD_SOCKET = "/run/k3s/containerd/containerd.sock"

#: K3s moved the CNI bin dir from ``$DATA_DIR/data/current/bin`` (a symlink whose target changes on
#: every upgrade) to the stable ``$DATA_DIR/data/cni`` in these patch releases; every minor after the
#: last one listed has it from its first release.
#: Source: docs.k3s.io/networking/multus-ipams; k3s-io/k3s issues 10869, 10545, PR 10868.
STABLE_CNI_BIN_SINCE: dict[tuple[int, int], int] = {
    (1, 28): 15,
    (1, 29): 10,
    (1, 30): 6,
    (1, 31): 2,
}
STABLE_CNI_BIN_ALL_FROM: tuple[int, int] = (1, 32)
STABLE_CNI_BIN_SOURCE = "docs.k3s.io/networking/multus-ipams; k3s-io/k3s issues 10869, 10545, PR 10868"

#: Names a K3s server deploys itself: the addon names of its packaged manifests (a file's name up to the first
#: ``.``; K3s writes -- or, when the component is disabled, removes -- these files on every start) and the
#: HelmCharts in them (``traefik.yaml`` holds HelmCharts ``traefik-crd`` and ``traefik``). A HelmChart, its
#: ``-crd`` companion or an addon file of multus-gen's under one of these names fights K3s's own.
#: The one list: ``--name`` (and its ``-crd`` companion) and the files ``install`` writes are checked here.
OWNED_NAMES: frozenset[str] = frozenset(
    {
        "aggregated-metrics-reader",
        "auth-delegator",
        "auth-reader",
        "ccm",
        "coredns",
        "local-storage",
        "metrics-apiservice",
        "metrics-server",
        "metrics-server-deployment",
        "metrics-server-service",
        "resource-reader",
        "rolebindings",
        "runtimes",
        "traefik",
        "traefik-crd",
    }
)
OWNED_NAMES_SOURCE = (
    "k3s-io/k3s manifests/: ccm.yaml, coredns.yaml, local-storage.yaml, metrics-server/*.yaml, rolebindings.yaml, "
    "runtimes.yaml, traefik.yaml (HelmCharts traefik-crd, traefik); FACTS.md section 6"
)


def owned_by_k3s(name: str) -> bool:
    """True if a K3s server deploys an addon or HelmChart of this name itself (:data:`OWNED_NAMES`)."""
    return name in OWNED_NAMES


_VERSION_RE = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<pre>[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*))?"
    r"(?:\+k3s(?P<build>[1-9]\d*))?$"
)


#: The spellings of a K3s version a user may paste, normalized before parsing (FACTS.md 2): container image tags
#: (rancher/k3s, k3d) say ``v1.30.6-k3s1`` because tags cannot hold ``+``; ``k3s --version`` prints
#: ``k3s version v1.30.6+k3s1 (abcdef12)``. Semver would read ``-k3s1`` as a pre-release sorting before v1.30.6.
_IMAGE_TAG_RE = re.compile(r"^(?P<core>v?\d+\.\d+\.\d+(?:-rc\d+)?)-k3s(?P<build>\d+)$")
_VERSION_LINE_RE = re.compile(r"^k3s version (?P<version>\S+) \([0-9a-f]{7,40}\)$")


def normalize(text: str) -> str:
    """``text`` in the release spelling: the image-tag form and a ``k3s --version`` line become ``v1.30.6+k3s1``;
    anything else is returned stripped (``K3sVersion.parse`` then decides)."""
    text = text.strip()
    line = _VERSION_LINE_RE.match(text.splitlines()[0].strip() if text else "")
    if line:
        text = line.group("version")
    tag = _IMAGE_TAG_RE.match(text)
    if tag:
        text = f"{tag.group('core')}+k3s{tag.group('build')}"
    return text


#: Versions parsed so far (text -> version): K3sVersion is a frozen value.
_PARSED: dict[str, K3sVersion] = {}


@total_ordering
@record
class K3sVersion:
    """A K3s release such as ``v1.30.5+k3s1`` (the ``+k3sN`` suffix is optional on input)."""

    major: int
    minor: int
    patch: int
    pre: str | None = None
    build: int | None = None

    @classmethod
    def parse(cls, text: str) -> K3sVersion:
        """A release (``v1.30.6+k3s1``, ``v1.30.6``, ``v1.30.6-rc1+k3s1``), an image tag (``v1.30.6-k3s1``) or a
        ``k3s --version`` line; any other pre-release than ``rcN`` is refused (it would sort before the release
        and silently pick the old paths)."""
        if cls is K3sVersion:  # versions are frozen values: a fleet parses the same few thousands of times
            known = _PARSED.get(text)
            if known is None:
                known = _PARSED[text] = cls._parse(text)
            return known
        return cls._parse(text)

    @classmethod
    def _parse(cls, text: str) -> K3sVersion:
        m = _VERSION_RE.match(normalize(text))
        if m and m.group("pre") is not None and not re.fullmatch(r"rc\d+", m.group("pre")):
            m = None
        if not m:
            raise ValueError(text)
        build = m.group("build")
        return cls(
            int(m.group("major")),
            int(m.group("minor")),
            int(m.group("patch")),
            m.group("pre"),
            int(build) if build else None,
        )

    def _key(self) -> tuple[int, int, int, int, str, int]:
        # A pre-release sorts before its release (semver); it does not carry the release's fixes.
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, self.pre or "", self.build or 0)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, K3sVersion):
            return NotImplemented
        return self._key() < other._key()

    def __str__(self) -> str:
        text = f"v{self.major}.{self.minor}.{self.patch}"
        if self.pre:
            text += f"-{self.pre}"
        return text + f"+k3s{self.build or 1}"


def has_stable_cni_bin(version: K3sVersion) -> bool:
    """True if this K3s installs CNI plugins to the stable ``$DATA_DIR/data/cni``."""
    minor = (version.major, version.minor)
    if minor >= STABLE_CNI_BIN_ALL_FROM:
        return True
    since = STABLE_CNI_BIN_SINCE.get(minor)
    if since is None:
        return False
    return version >= K3sVersion(version.major, version.minor, since)


def first_stable_cni_bin_release(version: K3sVersion) -> str:
    """The first K3s release of ``version``'s minor with the stable ``data/cni`` (or of the first minor that
    has it from its start), for messages such as "upgrade to v1.30.6+k3s1 or later"."""
    patch = STABLE_CNI_BIN_SINCE.get((version.major, version.minor))
    if patch is not None:
        return f"v{version.major}.{version.minor}.{patch}+k3s1"
    major, minor = STABLE_CNI_BIN_ALL_FROM
    return f"v{major}.{minor}.0+k3s1"


@record
class K3sPaths:
    """Host paths on a K3s node for one data dir and K3s version."""

    data_dir: str
    conf_dir: str
    bin_dir: str
    bin_dir_stable: bool
    multus_kubeconfig: str
    whereabouts_conf: str
    whereabouts_kubeconfig: str
    manifests_dir: str
    static_charts_dir: str


def legacy_bin_dir(data_dir: str) -> str:
    """The pre-gate bin dir: a symlink that K3s re-points on every upgrade."""
    return f"{data_dir.rstrip('/')}/data/current/bin"


def stable_bin_dir(data_dir: str) -> str:
    return f"{data_dir.rstrip('/')}/data/cni"


def paths(data_dir: str, version: K3sVersion) -> K3sPaths:
    """The K3s host paths for ``data_dir`` (absolute, no trailing slash) and ``version``."""
    data_dir = data_dir.rstrip("/") or "/"
    base = "" if data_dir == "/" else data_dir
    conf_dir = f"{base}/agent/etc/cni/net.d"
    stable = has_stable_cni_bin(version)
    bin_dir = stable_bin_dir(data_dir) if stable else legacy_bin_dir(data_dir)
    return K3sPaths(
        data_dir=data_dir,
        conf_dir=conf_dir,
        bin_dir=bin_dir,
        bin_dir_stable=stable,
        multus_kubeconfig=f"{conf_dir}/multus.d/multus.kubeconfig",
        whereabouts_conf=f"{conf_dir}/whereabouts.d/whereabouts.conf",
        whereabouts_kubeconfig=f"{conf_dir}/whereabouts.d/whereabouts.kubeconfig",
        manifests_dir=f"{base}/server/manifests",
        static_charts_dir=f"{base}/server/static/charts",
    )
