"""k3s-io/helm-controller facts (FACTS.md section 5): what each controller's HelmChart CRD accepts, and which
helm-controller each K3s release line ships.

A field or ``failurePolicy`` value outside the target controller's CRD is rejected by the API server (an enum
value: "Unsupported value") or pruned (a field), and a K3s manifests file with one rejected object is not
applied. Capabilities are not monotonic in time: the v0.16 line (older K3s minors) got ``retry`` before
v0.17.1-v0.17.5 (newer minors).
"""

from __future__ import annotations

from functools import cache

from multus_gen.knowledge.k3s import K3sVersion
from multus_gen.record import record

SOURCE = "k3s-io/helm-controller pkg/apis/helm.cattle.io/v1/types.go of every tag; FACTS.md 5"

#: The HelmChart spec fields that not every controller's CRD has.
GATED_FIELDS: tuple[str, ...] = ("takeOwnership", "values", "driver", "forceConflicts", "serverSide")
FAILURE_POLICIES_ALL: tuple[str, ...] = ("abort", "reinstall", "retry")


def parse(version: str) -> tuple[int, int, int]:
    """``v0.16.14`` -> ``(0, 16, 14)``."""
    major, minor, patch = version.lstrip("v").split(".")
    return int(major), int(minor), int(patch)


@record
class Capability:
    """What the HelmChart CRD of helm-controller ``first`` ... ``last`` accepts."""

    first: str
    last: str
    fields: frozenset[str]
    #: The failurePolicy enum; ``None``: no enum (any string).
    failure_policies: tuple[str, ...] | None


_AR = ("abort", "reinstall")
_ARR = ("abort", "reinstall", "retry")
_OWN = frozenset({"takeOwnership"})
_VAL = _OWN | {"values"}
_DRV = _VAL | {"driver"}
_FC = _DRV | {"forceConflicts"}
_SS = _FC | {"serverSide"}

#: FACTS.md 5, read from ``types.go`` of every tag.
CAPABILITIES: tuple[Capability, ...] = (
    Capability("v0.0.0", "v0.16.11", frozenset(), None),
    Capability("v0.16.12", "v0.16.13", frozenset(), _AR),
    Capability("v0.16.14", "v0.16.19", _OWN, _AR),
    Capability("v0.16.20", "v0.16.20", _VAL, _AR),
    Capability("v0.16.21", "v0.16.24", _DRV, _AR),
    Capability("v0.16.25", "v0.16.25", _FC, _ARR),
    Capability("v0.16.26", "v0.16.99", _SS, _ARR),
    Capability("v0.17.0", "v0.17.0", _VAL, _AR),
    Capability("v0.17.1", "v0.17.5", _DRV, _AR),
    Capability("v0.17.6", "v0.17.6", _FC, _ARR),
    Capability("v0.17.7", "v0.99.99", _SS, _ARR),
)


def capability(version: str) -> Capability:
    """The row of :data:`CAPABILITIES` for helm-controller ``version``."""
    key = parse(version)
    for row in CAPABILITIES:
        if parse(row.first) <= key <= parse(row.last):
            return row
    raise ValueError(version)


#: Chart source fields that came later than the rows of :data:`CAPABILITIES` tell: the first helm-controller
#: whose HelmChart CRD has them. Every other chart source field (chartContent, repoCA, repoCAConfigMap,
#: authSecret, authPassCredentials, dockerRegistrySecret) is in the CRD of every release the K3s table names
#: (read in fixtures/crds/helm-controller/v0.16.14 ... v0.17.7).
FIELD_SINCE: dict[str, str] = {
    # k3s-io/helm-controller PR 249 "Add support for skip-verify/plain-http" (issue 248), released in v0.16.4;
    # K3s took it with k3s-io/k3s PR 10832 (issues 10833-10836: v1.31.1, v1.30.5, v1.29.9, v1.28.14 ship v0.16.4)
    "plainHTTP": "v0.16.4",
    "insecureSkipTLSVerify": "v0.16.4",
}
FIELD_SINCE_SOURCE = "k3s-io/helm-controller PR 249 (v0.16.4); k3s-io/k3s PR 10832"
#: Every HelmChart field :func:`accepts_field` may refuse.
CHECKED_FIELDS: tuple[str, ...] = GATED_FIELDS + tuple(FIELD_SINCE)


def accepts_field(version: str, field: str) -> bool:
    since = FIELD_SINCE.get(field)
    if since is not None:
        return parse(version) >= parse(since)
    return field not in GATED_FIELDS or field in capability(version).fields


def accepts_policy(version: str, policy: str) -> bool:
    """Without an enum (before v0.16.12) the API server takes any string, but the controller knows only
    abort and reinstall: ``retry`` counts as not accepted there."""
    policies = capability(version).failure_policies
    return policy in (policies if policies is not None else _AR)


@record
class K3sLine:
    """From K3s ``since`` on (within its minor, until the next row), K3s vendors helm-controller ``ships``."""

    since: str
    ships: str
    source: str
    #: True when no source names this release: the most restrictive known neighbour is assumed.
    assumed: bool = False
    #: The newest released K3s of this row its source names (None: none named, or not released: K3s main).
    newest: str | None = None


def _notes(line: str, releases: str) -> str:
    return f"k3s-io/docs docs/release-notes/{line}.X.md, Helm-controller column: {releases}"


#: K3s release -> the helm-controller it vendors (the Helm-controller column of the K3s release notes, k3s-io/docs
#: docs/release-notes/v1.XX.X.md; ``go.mod`` of k3s-io/k3s). Rows sorted by ``since``; a K3s
#: release uses the last row at or below it. Between two sourced rows the older (more restrictive) one holds.
K3S_LINES: tuple[K3sLine, ...] = (
    K3sLine(
        "v1.0.0+k3s1",
        "v0.16.1",
        "k3s-io/k3s go.mod of the v1.29/v1.30 era vendors helm-controller v0.16.1 (older ones v0.15 and before: "
        "k3s-io/k3s issues 7701, 7702); no enum and no takeOwnership either way",
    ),
    K3sLine(
        "v1.30.5+k3s1",
        "v0.16.4",
        "k3s-io/k3s issue 10834 ([Release-1.30] bump helm-controller for skip-verify/plain-http, Sep 2024): "
        "v1.30.5-rc1+k3s1 verified with helm-controller v0.16.4 in go.mod",
    ),
    K3sLine("v1.31.1+k3s1", "v0.16.5", "k3s-io/k3s go.mod at v1.31.1-k3s3 (release-1.31): helm-controller v0.16.5"),
    K3sLine(
        "v1.31.14+k3s1",
        "v0.16.16",
        "rancher/rke2 PR 9266 ([Release-1.31] bump k3s and helm-controller to v0.16.16, Nov 2025; the patch release "
        "is the first of the line after that date)",
    ),
    K3sLine("v1.32.0+k3s1", "v0.16.5", _notes("v1.32", "v1.32.0+k3s1 and v1.32.1+k3s1")),
    K3sLine("v1.32.2+k3s1", "v0.16.6", _notes("v1.32", "v1.32.2+k3s1, v1.32.3+k3s1; go.mod at v1.32.2-k3s1 agrees")),
    K3sLine("v1.32.4+k3s1", "v0.16.10", _notes("v1.32", "v1.32.4+k3s1, v1.32.5+k3s1")),
    K3sLine("v1.32.6+k3s1", "v0.16.11", _notes("v1.32", "v1.32.6+k3s1")),
    K3sLine("v1.32.7+k3s1", "v0.16.13", _notes("v1.32", "v1.32.7+k3s1 to v1.32.9+k3s1"), newest="v1.32.9+k3s1"),
    K3sLine(
        "v1.32.10+k3s1",
        "v0.16.16",
        _notes("v1.32", "v1.32.10+k3s1; rancher/rke2 PR 9265 moved the line to v0.16.16 in Nov 2025"),
        newest="v1.32.10+k3s1",
    ),
    K3sLine("v1.33.0+k3s1", "v0.16.10", _notes("v1.33", "v1.33.0+k3s1, v1.33.1+k3s1")),
    K3sLine("v1.33.2+k3s1", "v0.16.11", _notes("v1.33", "v1.33.2+k3s1")),
    K3sLine("v1.33.3+k3s1", "v0.16.13", _notes("v1.33", "v1.33.3+k3s1 to v1.33.5+k3s1")),
    K3sLine("v1.33.6+k3s1", "v0.16.16", _notes("v1.33", "v1.33.6+k3s1; rancher/rke2 PR 9264")),
    K3sLine(
        "v1.33.7+k3s1",
        "v0.16.17",
        _notes("v1.33", "v1.33.7+k3s1; go.mod at v1.33.7-k3s3 agrees"),
        newest="v1.33.7+k3s1",
    ),
    K3sLine(
        "v1.34.0+k3s1",
        "v0.16.13",
        _notes("v1.34", "v1.34.1+k3s1, the first release of the line (there is no v1.34.0+k3s1)"),
    ),
    K3sLine("v1.34.2+k3s1", "v0.16.16", _notes("v1.34", "v1.34.2+k3s1; rancher/rke2 PR 9263")),
    K3sLine(
        "v1.34.3+k3s1",
        "v0.16.17",
        "rancher/rke2-docs docs/release-notes/v1.34.X.md: RKE2 v1.34.3+rke2r1 to v1.34.5+rke2r1 vendor helm-controller "
        "v0.16.17 (the stored K3s notes end at v1.34.2; K3s and RKE2 of one patch vendor the same helm-controller, "
        "as v1.34.1 and v1.34.2 show in both)",
        newest="v1.34.5+k3s1",
    ),
    K3sLine("v1.35.0+k3s1", "v0.16.17", _notes("v1.35", "v1.35.0+k3s1 to v1.35.3+k3s1")),
    K3sLine("v1.35.4+k3s1", "v0.17.1", _notes("v1.35", "v1.35.4+k3s1"), newest="v1.35.4+k3s1"),
    K3sLine(
        "v1.36.0+k3s1",
        "v0.17.1",
        _notes("v1.36", "v1.36.0+k3s1 to v1.36.2+k3s1; k3s-io/k3s PR 13909 bumped helm-controller to v0.17.1"),
        newest="v1.36.2+k3s1",
    ),
    K3sLine("v1.37.0+k3s1", "v0.17.7", "k3s-io/k3s main (Kubernetes 1.37) go.mod: helm-controller v0.17.7 (FACTS 5)"),
)


def newest_release() -> K3sLine:
    """The row naming the newest K3s release of :data:`K3S_LINES` (sourced, not assumed, released)."""
    named = [row for row in K3S_LINES if row.newest is not None and not row.assumed]
    return max(named, key=lambda row: K3sVersion.parse(row.newest or ""))


#: The newest K3s release multus-gen knows, the default ``--k3s-version``: derived from the table above, so the
#: default and ``versions --k3s`` cannot drift apart. It is the newest release line's, so not end-of-life.
DEFAULT_K3S_VERSION: str = newest_release().newest or ""
DEFAULT_K3S_VERSION_SOURCE: str = newest_release().source


def for_k3s(version: K3sVersion) -> K3sLine:
    """The row of :data:`K3S_LINES` for K3s ``version``."""
    found = K3S_LINES[0]
    for row, since in zip(K3S_LINES, _since(), strict=True):
        if since <= version:
            found = row
    return found


@cache
def _since() -> tuple[K3sVersion, ...]:
    return tuple(K3sVersion.parse(row.since) for row in K3S_LINES)


def k3s_accepting(*, field: str | None = None, policy: str | None = None) -> list[str]:
    """The K3s ranges (``v1.37.0+k3s1 and later``, ``v1.31.1+k3s1 - v1.32.1``) whose helm-controller accepts
    ``field`` / ``failurePolicy: policy``, for messages."""
    rows = list(K3S_LINES)
    ok = [
        (field is None or accepts_field(row.ships, field)) and (policy is None or accepts_policy(row.ships, policy))
        for row in rows
    ]
    out: list[str] = []
    i = 0
    while i < len(rows):
        if not ok[i]:
            i += 1
            continue
        end = i
        while end + 1 < len(rows) and ok[end + 1]:  # consecutive accepting rows are one range
            end += 1
        nxt = rows[end + 1].since if end + 1 < len(rows) else None
        out.append(f"{rows[i].since} and later" if nxt is None else f"{rows[i].since} up to before {nxt}")
        i = end + 1
    return out
