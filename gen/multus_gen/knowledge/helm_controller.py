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


def accepts_field(version: str, field: str) -> bool:
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


#: K3s release -> the helm-controller it vendors (``go.mod`` of k3s-io/k3s). Rows sorted by ``since``; a K3s
#: release uses the last row at or below it. Between two sourced rows the older (more restrictive) one holds.
K3S_LINES: tuple[K3sLine, ...] = (
    K3sLine(
        "v1.0.0+k3s1",
        "v0.16.1",
        "k3s-io/k3s go.mod of the v1.29/v1.30 era vendors helm-controller v0.16.1 (older ones v0.15 and before: "
        "k3s-io/k3s issues 7701, 7702); no enum and no takeOwnership either way",
    ),
    K3sLine("v1.31.1+k3s1", "v0.16.5", "k3s-io/k3s go.mod at v1.31.1-k3s3 (release-1.31): helm-controller v0.16.5"),
    K3sLine(
        "v1.31.14+k3s1",
        "v0.16.16",
        "rancher/rke2 PR 9266 ([Release-1.31] bump k3s and helm-controller to v0.16.16, Nov 2025; the patch release "
        "is the first of the line after that date)",
    ),
    K3sLine("v1.32.0+k3s1", "v0.16.5", "not sourced: assumed like the v1.31 line (v0.16.5)", assumed=True),
    K3sLine("v1.32.2+k3s1", "v0.16.6", "k3s-io/k3s go.mod at v1.32.2-k3s1 (release-1.32): helm-controller v0.16.6"),
    K3sLine(
        "v1.32.10+k3s1",
        "v0.16.16",
        "rancher/rke2 PR 9265 ([Release-1.32] bump k3s and helm-controller to v0.16.16, Nov 2025; the patch release "
        "is the first of the line after that date)",
    ),
    K3sLine(
        "v1.33.0+k3s1",
        "v0.16.6",
        "not sourced: assumed like the v1.32 line's first known release (v0.16.6)",
        assumed=True,
    ),
    K3sLine(
        "v1.33.6+k3s1",
        "v0.16.16",
        "rancher/rke2 PR 9264 ([Release-1.33] bump k3s and helm-controller to v0.16.16, Nov 2025; the patch release "
        "is the first of the line after that date)",
    ),
    K3sLine("v1.33.7+k3s1", "v0.16.17", "k3s-io/k3s go.mod at v1.33.7-k3s3 (release-1.33): helm-controller v0.16.17"),
    K3sLine(
        "v1.34.0+k3s1",
        "v0.16.6",
        "not sourced: assumed like the v1.33 line before Nov 2025 (v0.16.6)",
        assumed=True,
    ),
    K3sLine(
        "v1.34.2+k3s1",
        "v0.16.16",
        "rancher/rke2 PR 9263 ([Release-1.34] bump k3s and helm-controller to v0.16.16, Nov 2025; the patch release "
        "is the first of the line after that date)",
    ),
    K3sLine(
        "v1.35.0+k3s1",
        "v0.16.16",
        "not sourced: v1.35 and v1.36 assumed like their most restrictive neighbour, the v1.34 line (v0.16.16)",
        assumed=True,
    ),
    K3sLine("v1.37.0+k3s1", "v0.17.7", "k3s-io/k3s main (Kubernetes 1.37) go.mod: helm-controller v0.17.7 (FACTS 5)"),
)


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
    out: list[str] = []
    rows = list(K3S_LINES)
    for i, row in enumerate(rows):
        field_ok = field is None or accepts_field(row.ships, field)
        if not (field_ok and (policy is None or accepts_policy(row.ships, policy))):
            continue
        nxt = rows[i + 1].since if i + 1 < len(rows) else None
        out.append(f"{row.since} and later" if nxt is None else f"{row.since} up to before {nxt}")
    return out
