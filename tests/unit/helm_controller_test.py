"""knowledge/helm_controller.py: the CRD capability table (FACTS 5) and K3s -> helm-controller."""

from __future__ import annotations

import pytest

from multus_gen.knowledge import helm_controller as hc
from multus_gen.knowledge.k3s import K3sVersion


@pytest.mark.parametrize(
    ("version", "field", "ok"),
    [
        ("v0.16.13", "takeOwnership", False),
        ("v0.16.14", "takeOwnership", True),
        ("v0.16.19", "values", False),
        ("v0.16.20", "values", True),
        ("v0.17.0", "driver", False),
        ("v0.17.1", "driver", True),
        ("v0.17.5", "forceConflicts", False),
        ("v0.16.25", "forceConflicts", True),
        ("v0.16.25", "serverSide", False),
        ("v0.17.7", "serverSide", True),
        ("v0.16.5", "timeout", True),  # not gated
    ],
)
def test_fields(version: str, field: str, ok: bool) -> None:
    assert hc.accepts_field(version, field) is ok


def test_retry_is_not_monotonic() -> None:
    assert hc.accepts_policy("v0.16.25", "retry")
    assert not hc.accepts_policy("v0.17.1", "retry")
    assert hc.accepts_policy("v0.17.6", "retry")
    assert not hc.accepts_policy("v0.16.5", "retry")  # no enum, but the controller does not know retry


def test_every_helm_controller_version_has_one_row() -> None:
    for minor, last in ((16, 30), (17, 9)):
        for patch in range(last):
            hc.capability(f"v0.{minor}.{patch}")


def test_k3s_lines_sorted_with_sources() -> None:
    keys = [K3sVersion.parse(r.since) for r in hc.K3S_LINES]
    assert keys == sorted(keys)
    assert all(r.source for r in hc.K3S_LINES)
    assert hc.for_k3s(K3sVersion.parse("v1.33.7+k3s1")).ships == "v0.16.17"
    assert hc.for_k3s(K3sVersion.parse("v1.30.4+k3s1")).ships == "v0.16.1"
    assert hc.for_k3s(K3sVersion.parse("v1.30.6+k3s1")).ships == "v0.16.4"  # k3s issue 10834
    assert hc.for_k3s(K3sVersion.parse("v1.37.2+k3s1")).ships == "v0.17.7"
    assert hc.k3s_accepting(policy="retry") == ["v1.37.0+k3s1 and later"]


def test_plain_http_and_skip_verify_since_v0_16_4() -> None:
    """helm-controller PR 249 (v0.16.4) added plainHTTP and insecureSkipTLSVerify; every other chart source field
    is in the CRD of every release the K3s table names (fixtures/crds/helm-controller)."""
    for field in ("plainHTTP", "insecureSkipTLSVerify"):
        assert not hc.accepts_field("v0.16.1", field)
        assert hc.accepts_field("v0.16.4", field) and hc.accepts_field("v0.17.0", field)
    for field in ("chartContent", "repoCA", "authSecret", "dockerRegistrySecret", "repoCAConfigMap"):
        assert hc.accepts_field("v0.16.1", field)
    assert hc.k3s_accepting(field="plainHTTP")[0].startswith("v1.30.5+k3s1")


@pytest.mark.parametrize(
    ("k3s", "ships"),
    [
        # the Helm-controller column of the K3s release notes (k3s-io/docs docs/release-notes/v1.3X.X.md)
        ("v1.32.0+k3s1", "v0.16.5"),
        ("v1.32.5+k3s1", "v0.16.10"),
        ("v1.32.9+k3s1", "v0.16.13"),
        ("v1.33.0+k3s1", "v0.16.10"),
        ("v1.33.2+k3s1", "v0.16.11"),
        ("v1.33.5+k3s1", "v0.16.13"),
        ("v1.34.1+k3s1", "v0.16.13"),
        ("v1.34.5+k3s1", "v0.16.17"),  # RKE2's notes for the same patch
        ("v1.35.3+k3s1", "v0.16.17"),
        ("v1.35.4+k3s1", "v0.17.1"),
        ("v1.36.2+k3s1", "v0.17.1"),
    ],
)
def test_k3s_rows_from_the_release_notes(k3s: str, ships: str) -> None:
    assert hc.for_k3s(K3sVersion.parse(k3s)).ships == ships


def test_no_assumed_rows_from_v1_32_on() -> None:
    assert [
        r.since for r in hc.K3S_LINES if r.assumed and K3sVersion.parse(r.since) >= K3sVersion.parse("v1.32.0")
    ] == []
    # takeOwnership (v0.16.14+) arrives with v1.32.10, v1.33.6, v1.34.2; v1.33.0-v1.33.5 have none
    assert not hc.accepts_field(hc.for_k3s(K3sVersion.parse("v1.33.5+k3s1")).ships, "takeOwnership")
    assert hc.accepts_field(hc.for_k3s(K3sVersion.parse("v1.33.6+k3s1")).ships, "takeOwnership")
