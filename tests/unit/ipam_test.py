"""IPAM builders and checker (multus_gen.networks.ipam): table tests, determinism, properties."""

from __future__ import annotations

import ipaddress
import json
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from helpers import K3S_DATA, examples
from multus_gen.errors import InputError
from multus_gen.findings import Finding, Location
from multus_gen.knowledge.k3s import K3sVersion, paths
from multus_gen.networks.ipam import check_ipam_config, ipam_families, load_ipam
from multus_gen.networks.ipam_build import IpamInputs, build_ipam, build_ipam_from
from multus_gen.networks.ipam_rules import RESERVED, refuses
from multus_gen.networks.models import HostLocalIpam, WhereaboutsIpam

K3S = paths(K3S_DATA, K3sVersion.parse("v1.33.5+k3s1"))
K3S_OTHER = paths("/srv/k3s", K3sVersion.parse("v1.33.5+k3s1"))
WB_TAIL = {
    "configuration_path": K3S.whereabouts_conf,
    "kubernetes": {"kubeconfig": K3S.whereabouts_kubeconfig},
}


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]


def warnings(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if not f.is_error]


def refused(findings: list[Finding]) -> list[Finding]:
    """What a builder refuses to write: the errors (as validate fails on them)."""
    return [f for f in findings if refuses(f)]


# --------------------------------------------------------------------------------------------------
# build_ipam: good inputs -> exact blocks

GOOD_BUILDS: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = [
    (
        "host-local v4",
        "host-local",
        {"ranges": ["10.1.0.0/24"]},
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}]]},
    ),
    (
        "host-local v6 window to the last address",
        "host-local",
        {"ranges": ["fd00:1::/120"], "range_start": "fd00:1::10", "range_end": "fd00:1::ff"},
        {
            "type": "host-local",
            "ranges": [[{"subnet": "fd00:1::/120", "rangeStart": "fd00:1::10", "rangeEnd": "fd00:1::ff"}]],
        },
    ),
    (
        "host-local dual stack, values attached by containment",
        "host-local",
        {
            "ranges": ["10.1.0.0/24", "fd00:1::/64"],
            "range_start": ["fd00:1::10", "10.1.0.10"],
            "range_end": ["10.1.0.20"],
            "gateway": ["10.1.0.254"],
            "routes": ["0.0.0.0/0", "fd00:2::/64,fd00:1::1"],
            "data_dir": "/var/lib/cni/mg",
        },
        {
            "type": "host-local",
            "ranges": [
                [
                    {
                        "subnet": "10.1.0.0/24",
                        "rangeStart": "10.1.0.10",
                        "rangeEnd": "10.1.0.20",
                        "gateway": "10.1.0.254",
                    }
                ],
                [{"subnet": "fd00:1::/64", "rangeStart": "fd00:1::10"}],
            ],
            "routes": [{"dst": "0.0.0.0/0"}, {"dst": "fd00:2::/64", "gw": "fd00:1::1"}],
            "dataDir": "/var/lib/cni/mg",
        },
    ),
    (
        "host-local /30 (one address besides the gateway)",
        "host-local",
        {"ranges": ["10.1.0.0/30"]},
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/30"}]]},
    ),
    (
        "whereabouts first-last/prefix is normalised",
        "whereabouts",
        {
            "ranges": ["10.1.0.10-10.1.0.50/24"],
            "excludes": ["10.1.0.20/30", "10.1.0.33"],
            "gateway": "10.1.0.1",
        },
        {
            "type": "whereabouts",
            "range": "10.1.0.0/24",
            "range_start": "10.1.0.10",
            "range_end": "10.1.0.50",
            "exclude": ["10.1.0.20/30", "10.1.0.33/32"],
            "gateway": "10.1.0.1",
            **WB_TAIL,
        },
    ),
    (
        "whereabouts dual stack uses ipRanges with per-range excludes",
        "whereabouts",
        {
            "ranges": ["10.1.0.0/24", "fd00:1::/120"],
            "excludes": ["fd00:1::5", "10.1.0.128/25"],
            "range_start": "10.1.0.10",
            "network_name": "blue",
            "enable_overlapping_ranges": True,
            "log_level": "error",
            "routes": ["10.2.0.0/16,10.1.0.1"],
        },
        {
            "type": "whereabouts",
            "ipRanges": [
                {"range": "10.1.0.0/24", "range_start": "10.1.0.10", "exclude": ["10.1.0.128/25"]},
                {"range": "fd00:1::/120", "exclude": ["fd00:1::5/128"]},
            ],
            "routes": [{"dst": "10.2.0.0/16", "gw": "10.1.0.1"}],
            "network_name": "blue",
            "enable_overlapping_ranges": True,
            "log_level": "error",
            **WB_TAIL,
        },
    ),
    ("dhcp", "dhcp", {}, {"type": "dhcp"}),
    (
        "static dual stack",
        "static",
        {"addresses": ["10.1.0.5/24,10.1.0.1", "fd00:1::5/64"], "routes": ["0.0.0.0/0", "::/0"]},
        {
            "type": "static",
            "addresses": [{"address": "10.1.0.5/24", "gateway": "10.1.0.1"}, {"address": "fd00:1::5/64"}],
            "routes": [{"dst": "0.0.0.0/0"}, {"dst": "::/0"}],
        },
    ),
]


@pytest.mark.parametrize(("kind", "kwargs", "expected"), [g[1:] for g in GOOD_BUILDS], ids=[g[0] for g in GOOD_BUILDS])
def test_build_good(kind: str, kwargs: dict[str, Any], expected: dict[str, Any]) -> None:
    block = build_ipam(kind, k3s_paths=K3S, **kwargs)
    assert block == expected
    assert list(block) == list(expected)  # fixed key order
    assert refused(check_ipam_config(block, k3s_paths=K3S if kind == "whereabouts" else None)) == []


# --------------------------------------------------------------------------------------------------
# build_ipam: bad inputs -> InputError naming the flag

BAD_BUILDS: list[tuple[str, str, dict[str, Any], str, str]] = [
    # (id, kind, kwargs, where, a word the message must contain)
    ("unknown kind", "calico", {}, "--ipam", "calico"),
    ("malformed CIDR", "host-local", {"ranges": ["10.1.0/24"]}, "--range", "10.1.0/24"),
    ("bad prefix", "host-local", {"ranges": ["10.1.0.0/33"]}, "--range", "prefix"),
    ("host bits", "host-local", {"ranges": ["10.1.0.5/24"]}, "--range", "host bits"),
    ("leading zeros", "whereabouts", {"ranges": ["010.1.0.0/24"]}, "--range", "010.1.0.0"),
    ("IPv4 /31", "host-local", {"ranges": ["10.1.0.0/31"]}, "--range", "too small"),
    ("IPv4 /32", "whereabouts", {"ranges": ["10.1.0.0/32"]}, "--range", "too small"),
    ("IPv6 /127", "host-local", {"ranges": ["fd00::/127"]}, "--range", "too small"),
    ("IPv6 /128", "whereabouts", {"ranges": ["fd00::/128"]}, "--range", "too small"),
    ("no range", "host-local", {}, "--range", "range"),
    (
        "malformed start",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "range_start": "10.1.0.300"},
        "--range-start",
        "10.1.0.300",
    ),
    (
        "start outside",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "range_start": "10.2.0.5"},
        "--range-start",
        "10.2.0.5",
    ),
    (
        "end outside",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "range_end": "10.1.1.5"},
        "--range-end",
        "10.1.1.5",
    ),
    (
        "start wrong family",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "range_start": "fd00::5"},
        "--range-start",
        "fd00::5",
    ),
    (
        "reversed (host-local)",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "range_start": "10.1.0.50", "range_end": "10.1.0.40"},
        "--range-end",
        "before",
    ),
    (
        "reversed (whereabouts)",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "range_start": "10.1.0.50", "range_end": "10.1.0.40"},
        "--range-end",
        "before",
    ),
    ("reversed first-last", "whereabouts", {"ranges": ["10.1.0.50-10.1.0.40/24"]}, "--range", "before"),
    (
        "host-local start on network address",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "range_start": "10.1.0.0"},
        "--range-start",
        "network address",
    ),
    (
        "host-local end on broadcast",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "range_end": "10.1.0.255"},
        "--range-end",
        "broadcast",
    ),
    (
        "host-local window = gateway only",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "range_start": "10.1.0.1", "range_end": "10.1.0.1"},
        "--range-start",
        "gateway",
    ),
    (
        "whereabouts start on network address (silently moved)",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "range_start": "10.1.0.0"},
        "--range-start",
        "network address",
    ),
    (
        "whereabouts end on broadcast (silently moved)",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "range_end": "10.1.0.255"},
        "--range-end",
        "last address",
    ),
    (
        "whereabouts start on broadcast (silently ignored)",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "range_start": "10.1.0.255"},
        "--range-start",
        "silently",
    ),
    (
        "first-last start outside",
        "whereabouts",
        {"ranges": ["10.2.0.10-10.1.0.50/24"]},
        "--range",
        "10.2.0.10",
    ),
    (
        "first-last plus range_start",
        "whereabouts",
        {"ranges": ["10.1.0.10-10.1.0.50/24"], "range_start": "10.1.0.20"},
        "--range-start",
        "two --range-start",
    ),
    (
        "gateway outside every range",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "gateway": "10.2.0.1"},
        "--gateway",
        "10.2.0.1",
    ),
    (
        "whereabouts two gateways",
        "whereabouts",
        {"ranges": ["10.1.0.0/24", "fd00::/64"], "gateway": ["10.1.0.1", "fd00::1"]},
        "--gateway",
        "one gateway",
    ),
    (
        "two starts for one range",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "range_start": ["10.1.0.5", "10.1.0.6"]},
        "--range-start",
        "two",
    ),
    (
        "mixed families in one first-last range",
        "whereabouts",
        {"ranges": ["10.1.0.1-fd00::5/64"]},
        "--range",
        "fd00::/64",
    ),
    (
        "overlapping host-local ranges",
        "host-local",
        {"ranges": ["10.1.0.0/24", "10.1.0.0/25"]},
        "--range",
        "overlaps",
    ),
    (
        "overlapping whereabouts ranges",
        "whereabouts",
        {"ranges": ["10.1.0.0/24", "10.1.0.128/25"]},
        "--range",
        "overlaps",
    ),
    (
        "host-local has no exclude",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "excludes": ["10.1.0.5"]},
        "--exclude",
        "--range-start",
    ),
    (
        "exclude outside the range",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "excludes": ["10.9.0.0/24"]},
        "--exclude",
        "10.9.0.0/24",
    ),
    (
        "exclude reaching outside the range",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "excludes": ["10.1.0.0/23"]},
        "--exclude",
        "outside",
    ),
    (
        "exclude outside the window",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "range_end": "10.1.0.50", "excludes": ["10.1.0.128/25"]},
        "--exclude",
        "window",
    ),
    (
        "exclude covers everything",
        "whereabouts",
        {
            "ranges": ["10.1.0.0/24"],
            "range_start": "10.1.0.10",
            "range_end": "10.1.0.11",
            "excludes": ["10.1.0.8/29"],
        },
        "--exclude",
        "whole window",
    ),
    (
        "exclude with host bits",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "excludes": ["10.1.0.5/30"]},
        "--exclude",
        "host bits",
    ),
    (
        "malformed exclude",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "excludes": ["10.1.0.1/123"]},
        "--exclude",
        "10.1.0.1/123",
    ),
    (
        "route with host bits",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "routes": ["10.2.0.1/16"]},
        "--route",
        "host bits",
    ),
    (
        "route gw family",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "routes": ["10.2.0.0/16,fd00::1"]},
        "--route",
        "IPv6 gateway",
    ),
    (
        "malformed route gw",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "routes": ["0.0.0.0/0,10.1.0.x"]},
        "--route",
        "10.1.0.x",
    ),
    ("dhcp with IPv6", "dhcp", {"ranges": ["fd00::/64"]}, "--range", "IPv4 only"),
    ("dhcp with a range", "dhcp", {"ranges": ["10.1.0.0/24"]}, "--range", "DHCP server"),
    ("dhcp with routes", "dhcp", {"routes": ["0.0.0.0/0"]}, "--route", "DHCP server"),
    ("static network address", "static", {"addresses": ["10.1.0.0/24"]}, "--address", "network address"),
    ("static broadcast address", "static", {"addresses": ["10.1.0.255/24"]}, "--address", "broadcast"),
    ("static duplicate", "static", {"addresses": ["10.1.0.5/24", "10.1.0.5/24"]}, "--address", "twice"),
    ("static with range", "static", {"ranges": ["10.1.0.0/24"]}, "--range", "--address"),
    (
        "dns is ignored by Kubernetes",
        "static",
        {"addresses": ["10.1.0.5/24"], "dns": ["10.1.0.53"]},
        "--dns",
        "Kubernetes",
    ),
    (
        "whereabouts with addresses",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "addresses": ["10.1.0.5/24"]},
        "--address",
        "--range",
    ),
    (
        "whereabouts data dir",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "data_dir": "/x"},
        "--host-local-data-dir",
        "host-local",
    ),
    (
        "host-local network name",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "network_name": "x"},
        "--network-name",
        "whereabouts",
    ),
    (
        "host-local relative data dir",
        "host-local",
        {"ranges": ["10.1.0.0/24"], "data_dir": "var/x"},
        "--host-local-data-dir",
        "absolute",
    ),
    (
        "bad network name",
        "whereabouts",
        {"ranges": ["10.1.0.0/24"], "network_name": "Blue"},
        "--network-name",
        "Blue",
    ),
    ("bad log level", "whereabouts", {"ranges": ["10.1.0.0/24"], "log_level": "info"}, "--log-level", "info"),
]


@pytest.mark.parametrize(
    ("kind", "kwargs", "where", "word"), [b[1:] for b in BAD_BUILDS], ids=[b[0] for b in BAD_BUILDS]
)
def test_build_bad(kind: str, kwargs: dict[str, Any], where: str, word: str) -> None:
    with pytest.raises(InputError) as info:
        build_ipam(kind, k3s_paths=K3S, **kwargs)
    err = info.value
    assert err.where == where, err.one_line()
    assert word in err.message, err.one_line()
    assert "\n" not in err.one_line()


#: What upstream accepts: a warning for validate, so the builders write it and say so (one rule, one severity).
WARNED_BUILDS: list[tuple[str, str, dict[str, Any], str]] = [
    ("whereabouts gateway outside", "whereabouts", {"ranges": ["10.1.0.0/24"], "gateway": "10.2.0.1"}, "$.gateway"),
    ("static without address", "static", {}, "$.addresses"),
    ("static gateway outside", "static", {"addresses": ["10.1.0.5/24,10.2.0.1"]}, "$.addresses[0]"),
    ("route for a family never assigned", "host-local", {"ranges": ["10.1.0.0/24"], "routes": ["::/0"]}, "$.routes[0]"),
]


@pytest.mark.parametrize(("kind", "kwargs", "path"), [b[1:] for b in WARNED_BUILDS], ids=[b[0] for b in WARNED_BUILDS])
def test_build_writes_what_validate_only_warns_about(kind: str, kwargs: dict[str, Any], path: str) -> None:
    block = build_ipam(kind, k3s_paths=K3S, **kwargs)
    findings = check_ipam_config(block, k3s_paths=K3S if kind == "whereabouts" else None)
    assert errors(findings) == [] and warnings(findings), [f.one_line() for f in findings]
    assert any(f.at.text().startswith(path.replace("$", "$.ipam", 1)) or f.at.text() == path for f in findings), [
        f.at.text() for f in findings
    ]


def test_whereabouts_needs_k3s_paths() -> None:
    with pytest.raises(InputError) as info:
        build_ipam("whereabouts", ranges=["10.1.0.0/24"])
    assert "K3s" in info.value.message


def test_cni_020_one_address_per_family() -> None:
    with pytest.raises(InputError) as info:
        build_ipam("host-local", ranges=["10.1.0.0/24", "10.2.0.0/24"], cni_version="0.2.0")
    assert info.value.where == "--range"
    assert build_ipam("host-local", ranges=["10.1.0.0/24", "fd00::/64"], cni_version="0.2.0")


def test_determinism() -> None:
    kwargs: dict[str, Any] = {
        "ranges": ["fd00:1::/64", "10.1.0.0/24"],
        "range_start": ["10.1.0.10", "fd00:1::10"],
        "excludes": ["10.1.0.20/30"],
        "k3s_paths": K3S,
    }
    texts = {json.dumps(build_ipam("whereabouts", **kwargs)) for _ in range(3)}
    assert len(texts) == 1
    assert build_ipam_from(
        IpamInputs(
            "whereabouts",
            ranges=("fd00:1::/64", "10.1.0.0/24"),
            range_start=("10.1.0.10", "fd00:1::10"),
            excludes=("10.1.0.20/30",),
        ),
        k3s_paths=K3S,
    ) == json.loads(texts.pop())


# --------------------------------------------------------------------------------------------------
# check_ipam_config: existing blocks

WB = {"type": "whereabouts", **WB_TAIL}

GOOD_CHECKS: list[tuple[str, dict[str, Any]]] = [
    (
        "host-local ranges",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}, {"subnet": "10.2.0.0/24"}]]},
    ),
    (
        "host-local gateway outside the window",
        {
            "type": "host-local",
            "ranges": [
                [
                    {
                        "subnet": "192.0.2.0/24",
                        "rangeStart": "192.0.2.40",
                        "rangeEnd": "192.0.2.50",
                        "gateway": "192.0.2.254",
                    }
                ]
            ],
        },
    ),
    (
        "host-local v6 last address",
        {"type": "host-local", "ranges": [[{"subnet": "fd00::/120", "rangeEnd": "fd00::ff"}]]},
    ),
    (
        "whereabouts ipRanges",
        {**WB, "ipRanges": [{"range": "10.1.0.0/24"}, {"range": "fd00::/120", "exclude": ["fd00::8/125"]}]},
    ),
    (
        "whereabouts top-level and ipRanges",
        {**WB, "range": "10.1.0.0/24", "ipRanges": [{"range": "fd00::/120"}]},
    ),
    ("dhcp", {"type": "dhcp"}),
    (
        "dhcp with socket and options",
        {
            "type": "dhcp",
            "daemonSocketPath": "/run/cni/dhcp.sock",
            "request": [{"skipDefault": False, "option": "121"}],
        },
    ),
    ("static", {"type": "static", "addresses": [{"address": "10.1.0.5/24", "gateway": "10.1.0.1"}]}),
]


@pytest.mark.parametrize("ipam", [g[1] for g in GOOD_CHECKS], ids=[g[0] for g in GOOD_CHECKS])
def test_check_good(ipam: dict[str, Any]) -> None:
    assert refused(check_ipam_config(ipam, k3s_paths=K3S if ipam["type"] == "whereabouts" else None)) == []


BAD_CHECKS: list[tuple[str, object, str]] = [
    # (id, ipam block, path of the expected error)
    ("not an object", ["x"], "$.ipam"),
    ("no type", {"ranges": []}, "$.ipam.type"),
    ("host-local no ranges", {"type": "host-local"}, "$.ipam.ranges"),
    (
        "host-local ranges not a list",
        {"type": "host-local", "ranges": {"subnet": "10.1.0.0/24"}},
        "$.ipam.ranges",
    ),
    ("host-local empty set", {"type": "host-local", "ranges": [[]]}, "$.ipam.ranges[0]"),
    (
        "host-local subnet missing",
        {"type": "host-local", "ranges": [[{"rangeStart": "10.1.0.5"}]]},
        "$.ipam.ranges[0][0].subnet",
    ),
    (
        "host-local subnet not a string",
        {"type": "host-local", "ranges": [[{"subnet": 10}]]},
        "$.ipam.ranges[0][0].subnet",
    ),
    (
        "host-local host bits",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.1/24"}]]},
        "$.ipam.ranges[0][0].subnet",
    ),
    (
        "host-local leading zeros",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24", "rangeStart": "10.1.0.010"}]]},
        "$.ipam.ranges[0][0].rangeStart",
    ),
    (
        "host-local mixed families",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}, {"subnet": "fd00::/64"}]]},
        "$.ipam.ranges[0]",
    ),
    (
        "host-local sets overlap",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}], [{"subnet": "10.1.0.0/25"}]]},
        "$.ipam.ranges[1]",
    ),
    (
        "host-local gateway family",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24", "gateway": "fd00::1"}]]},
        "$.ipam.ranges[0][0].gateway",
    ),
    (
        "host-local legacy rangeStart without subnet",
        {"type": "host-local", "rangeStart": "10.1.0.5", "ranges": [[{"subnet": "10.1.0.0/24"}]]},
        "$.ipam.rangeStart",
    ),
    (
        "host-local relative dataDir",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}]], "dataDir": "x"},
        "$.ipam.dataDir",
    ),
    (
        "route dst missing",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}]], "routes": [{"gw": "10.1.0.1"}]},
        "$.ipam.routes[0].dst",
    ),
    (
        "route gw malformed",
        {
            "type": "host-local",
            "ranges": [[{"subnet": "10.1.0.0/24"}]],
            "routes": [{"dst": "0.0.0.0/0", "gw": "10.1.0"}],
        },
        "$.ipam.routes[0].gw",
    ),
    ("whereabouts no range", {**WB}, "$.ipam.range"),
    (
        "whereabouts range_start outside",
        {**WB, "range": "10.1.0.0/24", "range_start": "10.0.0.5"},
        "$.ipam.range_start",
    ),
    (
        "whereabouts range_end before start",
        {**WB, "range": "10.1.0.0/24", "range_start": "10.1.0.50", "range_end": "10.1.0.40"},
        "$.ipam.range_end",
    ),
    (
        "whereabouts top-level exclude without range",
        {**WB, "exclude": ["10.1.0.0/28"], "ipRanges": [{"range": "10.1.0.0/24"}]},
        "$.ipam.exclude",
    ),
    (
        "whereabouts top-level range_start without range",
        {**WB, "range_start": "10.1.0.5", "ipRanges": [{"range": "10.1.0.0/24"}]},
        "$.ipam.range_start",
    ),
    (
        "whereabouts ipRanges exclude outside its range",
        {**WB, "ipRanges": [{"range": "10.1.0.0/24", "exclude": ["10.2.0.0/28"]}]},
        "$.ipam.ipRanges[0].exclude",
    ),
    (
        "whereabouts ipRanges exclude other family",
        {**WB, "ipRanges": [{"range": "10.1.0.0/24", "exclude": ["fd00::/64"]}]},
        "$.ipam.ipRanges[0].exclude",
    ),
    (
        "whereabouts ipRanges overlap",
        {**WB, "range": "10.1.0.0/24", "ipRanges": [{"range": "10.1.0.0/25"}]},
        "$.ipam.ipRanges[0].range",
    ),
    (
        "whereabouts first-last overrides range_start",
        {**WB, "range": "10.1.0.5-10.1.0.9/24", "range_start": "10.1.0.6"},
        "$.ipam.range_start",
    ),
    ("whereabouts too small", {**WB, "ipRanges": [{"range": "10.1.0.0/31"}]}, "$.ipam.ipRanges[0].range"),
    (
        "whereabouts exclude not a list",
        {**WB, "range": "10.1.0.0/24", "exclude": "10.1.0.0/28"},
        "$.ipam.exclude",
    ),
    (
        "whereabouts wrong K3s path",
        {**WB, "range": "10.1.0.0/24", "configuration_path": "/etc/cni/net.d/x.conf"},
        "$.ipam.configuration_path",
    ),
    (
        "whereabouts wrong K3s kubeconfig",
        {**WB, "range": "10.1.0.0/24", "kubernetes": {"kubeconfig": "/x"}},
        "$.ipam.kubernetes.kubeconfig",
    ),
    (
        "whereabouts network_name",
        {**WB, "range": "10.1.0.0/24", "network_name": "Blue_Net"},
        "$.ipam.network_name",
    ),
    (
        "whereabouts overlapping flag type",
        {**WB, "range": "10.1.0.0/24", "enable_overlapping_ranges": "no"},
        "$.ipam.enable_overlapping_ranges",
    ),
    ("whereabouts log level", {**WB, "range": "10.1.0.0/24", "log_level": "info"}, "$.ipam.log_level"),
    (
        "whereabouts node_slice_size",
        {**WB, "range": "10.1.0.0/24", "node_slice_size": "/16"},
        "$.ipam.node_slice_size",
    ),
    ("dhcp with ranges", {"type": "dhcp", "ranges": [[{"subnet": "10.1.0.0/24"}]]}, "$.ipam.ranges"),
    ("dhcp with routes", {"type": "dhcp", "routes": [{"dst": "0.0.0.0/0"}]}, "$.ipam.routes"),
    (
        "static network address",
        {"type": "static", "addresses": [{"address": "10.1.0.0/24"}]},
        "$.ipam.addresses[0]",
    ),
    (
        "static malformed",
        {"type": "static", "addresses": [{"address": "10.1.0.5"}]},
        "$.ipam.addresses[0].address",
    ),
    (
        "static gateway family",
        {"type": "static", "addresses": [{"address": "10.1.0.5/24", "gateway": "fd00::1"}]},
        "$.ipam.addresses[0]",
    ),
]


@pytest.mark.parametrize(("ipam", "path"), [b[1:] for b in BAD_CHECKS], ids=[b[0] for b in BAD_CHECKS])
def test_check_bad(ipam: object, path: str) -> None:
    findings = check_ipam_config(ipam, k3s_paths=K3S)
    assert path in [f.at.text() for f in errors(findings)], [f.one_line() for f in findings]


def test_check_cni_020() -> None:
    block = {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}], [{"subnet": "10.2.0.0/24"}]]}
    assert errors(check_ipam_config(block, cni_version="0.2.0"))
    # 0.3.1 takes one address per set: two of one family are refused unless allowed, by their own rule
    assert [f.rule for f in errors(check_ipam_config(block, cni_version="0.3.1"))] == ["ipam-two-ranges-one-family"]
    assert [f.rule for f in errors(check_ipam_config(block, cni_version="0.2.0"))] == ["ipam-one-address-per-family"]
    static = {"type": "static", "addresses": [{"address": "10.1.0.5/24"}, {"address": "10.2.0.5/24"}]}
    assert errors(check_ipam_config(static, cni_version="0.2.0"))


SOFT_CHECKS: list[tuple[str, dict[str, Any], str]] = [
    # accepted upstream: a warning wherever it is found, for the builders too (they write it and warn)
    ("whereabouts host bits", {**WB, "range": "10.1.0.5/24"}, "$.ipam.range"),
    ("whereabouts leading zeros", {**WB, "range": "010.1.0.0/24"}, "$.ipam.range"),
    ("whereabouts gateway outside", {**WB, "range": "10.1.0.0/24", "gateway": "10.9.0.1"}, "$.ipam.gateway"),
    (
        "host-local gateway outside",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24", "gateway": "10.9.0.1"}]]},
        "$.ipam.ranges[0][0].gateway",
    ),
    ("host-local legacy subnet", {"type": "host-local", "subnet": "10.1.0.0/24"}, "$.ipam.subnet"),
    (
        "unknown key",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}]], "colour": "blue"},
        "$.ipam.colour",
    ),
    (
        "route family unused",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}]], "routes": [{"dst": "::/0"}]},
        "$.ipam.routes[0]",
    ),
    (
        "route host bits",
        {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}]], "routes": [{"dst": "10.2.0.1/16"}]},
        "$.ipam.routes[0].dst",
    ),
    (
        "static dns",
        {"type": "static", "addresses": [{"address": "10.1.0.5/24"}], "dns": {"nameservers": ["1.1.1.1"]}},
        "$.ipam.dns",
    ),
    (
        "whereabouts without kubeconfig",
        {"type": "whereabouts", "range": "10.1.0.0/24"},
        "$.ipam.kubernetes.kubeconfig",
    ),
]


@pytest.mark.parametrize(("ipam", "path"), [s[1:] for s in SOFT_CHECKS], ids=[s[0] for s in SOFT_CHECKS])
def test_check_soft(ipam: dict[str, Any], path: str) -> None:
    lenient = check_ipam_config(ipam)
    assert errors(lenient) == [], [f.one_line() for f in lenient]
    assert path in [f.at.text() for f in warnings(lenient)]
    assert path not in [f.at.text() for f in refused(lenient)]


def test_silently_moved_window_end_is_an_error_everywhere() -> None:
    """whereabouts moves a range_start on the network address (FACTS 7: a generator must refuse what upstream
    silently changes): an error for validate and the builders alike, stricter than upstream on purpose."""
    findings = check_ipam_config({**WB, "range": "10.1.0.0/24", "range_start": "10.1.0.0"})
    assert [(f.at.text(), f.rule) for f in errors(findings)] == [
        ("$.ipam.range_start", "ipam-range-start-network-address")
    ]


def test_check_plain_warnings() -> None:
    wide = check_ipam_config({**WB, "range": "fd00::/64"}, k3s_paths=K3S)
    assert refused(wide) == [] and any("/65" in f.message for f in wide)
    off = check_ipam_config({**WB, "range": "10.1.0.0/24", "enable_overlapping_ranges": False}, k3s_paths=K3S)
    assert refused(off) == [] and [f.at.text() for f in off] == ["$.ipam.enable_overlapping_ranges"]
    assert [f.severity for f in check_ipam_config({"type": "sriov-ipam"})] == ["warning"]


def test_where_prefix_is_used() -> None:
    findings = check_ipam_config(
        {"type": "host-local", "ranges": [[{"subnet": "x"}]]},
        ("spec", "config", "ipam"),
        base=Location(file="nad.yaml"),
    )
    assert [f.at.text() for f in findings] == ["nad.yaml::$.spec.config.ipam.ranges[0][0].subnet"]


def test_models_and_windows() -> None:
    hl, _ = load_ipam({"type": "host-local", "ranges": [[{"subnet": "10.0.0.0/29"}], [{"subnet": "fd00::/126"}]]})
    assert isinstance(hl, HostLocalIpam)
    v4, v6 = hl.range_sets[0][0], hl.range_sets[1][0]
    assert [str(x) for x in v4.window()] == ["10.0.0.1", "10.0.0.6"]
    assert str(v4.first_assignable()) == "10.0.0.2"
    assert [str(x) for x in v6.window()] == ["fd00::1", "fd00::3"]  # host-local keeps the last IPv6 address
    wb, _ = load_ipam({**WB, "range": "192.168.2.200/24", "range_start": "192.168.1.150", "range_end": "192.168.2.100"})
    assert isinstance(wb, WhereaboutsIpam) and wb.range is not None
    assert [str(x) for x in wb.range.window()] == ["192.168.2.1", "192.168.2.100"]
    assert ipam_families({"type": "static", "addresses": [{"address": "fd00::5/64"}]}) == frozenset({6})
    assert ipam_families({"type": "dhcp"}) == frozenset({4})


def test_findings_have_rules_and_one_line() -> None:
    (f,) = check_ipam_config({**WB, "range": "10.1.0.0/24", "log_level": "info"}, k3s_paths=K3S)
    assert f.rule == "ipam-log-level-invalid" and f.is_error
    assert (
        f.one_line()
        == "$.ipam.log_level: log_level 'info' is not one of debug, verbose, error, panic (whereabouts keeps debug) "
        "(use one of debug, verbose, error, panic) [ipam-log-level-invalid]"
    )


def test_build_reports_every_refusal() -> None:
    with pytest.raises(InputError) as info:
        build_ipam("whereabouts", ranges=["10.1.0.0/24"], log_level="info", network_name="Blue", k3s_paths=K3S)
    err = info.value
    assert err.where == "--network-name" and err.finding.rule == "ipam-network-name-invalid"
    assert "--log-level: log_level 'info'" in err.message and "[ipam-log-level-invalid]" in err.message


# --------------------------------------------------------------------------------------------------
# Properties: anything valid the builder accepts, the checker accepts, with the requested window


@st.composite
def subnet_and_window(draw: st.DrawFn, version: int) -> tuple[str, int, int, int]:
    bits = 32 if version == 4 else 128
    prefix = draw(st.integers(min_value=8 if version == 4 else 48, max_value=bits - 2))
    host_bits = bits - prefix
    base = draw(st.integers(min_value=0, max_value=(1 << prefix) - 1)) << host_bits
    size = 1 << host_bits
    a = draw(st.integers(min_value=1, max_value=size - 2))
    b = draw(st.integers(min_value=1, max_value=size - 2))
    lo, hi = min(a, b), max(a, b)
    net = ipaddress.IPv4Network((base, prefix)) if version == 4 else ipaddress.IPv6Network((base, prefix))
    assume(not any(b.version == version and net.overlaps(b) for b, _ in RESERVED))  # type: ignore[arg-type]
    return str(net), base, lo, hi


def _addr(version: int, value: int) -> str:
    return str(ipaddress.IPv4Address(value) if version == 4 else ipaddress.IPv6Address(value))


@settings(max_examples=examples(150), deadline=None)
@given(st.sampled_from([4, 6]).flatmap(lambda v: st.tuples(st.just(v), subnet_and_window(v))))
def test_property_host_local(case: tuple[int, tuple[str, int, int, int]]) -> None:
    version, (net, base, lo, hi) = case
    assume(not (lo == hi == 1))  # a window holding only the default gateway allocates nothing
    start, end = _addr(version, base + lo), _addr(version, base + hi)
    block = build_ipam("host-local", ranges=[net], range_start=start, range_end=end)
    model, findings = load_ipam(block)
    assert refused(findings) == []
    assert isinstance(model, HostLocalIpam)
    window = model.range_sets[0][0].window()
    assert (str(window[0]), str(window[1])) == (start, end)


@settings(max_examples=examples(150), deadline=None)
@given(
    subnet_and_window(4),
    subnet_and_window(6),
    st.booleans(),
)
def test_property_whereabouts_dual_stack(
    v4: tuple[str, int, int, int], v6: tuple[str, int, int, int], first_last: bool
) -> None:
    net4, base4, lo4, hi4 = v4
    net6, base6, lo6, _hi6 = v6
    s4, e4 = _addr(4, base4 + lo4), _addr(4, base4 + hi4)
    s6 = _addr(6, base6 + lo6)
    ranges = [f"{s4}-{e4}/{net4.split('/')[1]}" if first_last else net4, net6]
    kwargs: dict[str, Any] = {"range_start": [s6] + ([] if first_last else [s4])}
    if not first_last:
        kwargs["range_end"] = e4
    block = build_ipam("whereabouts", ranges=ranges, k3s_paths=K3S, **kwargs)
    model, findings = load_ipam(block, k3s_paths=K3S)
    assert refused(findings) == []
    assert isinstance(model, WhereaboutsIpam)
    r4, r6 = model.ip_ranges
    assert (str(r4.window()[0]), str(r4.window()[1])) == (s4, e4)
    assert str(r6.window()[0]) == s6
    assert r4.first_assignable() is not None


@settings(max_examples=examples(100), deadline=None)
@given(st.sampled_from([4, 6]).flatmap(lambda v: st.tuples(st.just(v), subnet_and_window(v))))
def test_property_static(case: tuple[int, tuple[str, int, int, int]]) -> None:
    version, (net, base, lo, hi) = case
    assume(lo != hi)
    prefix = net.split("/")[1]
    address = f"{_addr(version, base + lo)}/{prefix}"
    block = build_ipam("static", addresses=[f"{address},{_addr(version, base + hi)}"])
    assert refused(check_ipam_config(block)) == []
    assert block["addresses"][0]["address"] == address


@settings(max_examples=examples(200), deadline=None)
@given(
    st.one_of(st.ip_addresses(v=4).map(lambda ip: (ip, 32)), st.ip_addresses(v=6).map(lambda ip: (ip, 128))), st.data()
)
def test_parsed_range_is_the_network_of_its_text(addr: tuple[Any, int], data: st.DataObject) -> None:
    ip, bits = addr
    text = f"{ip}/{data.draw(st.integers(0, bits))}"
    model, _ = load_ipam({"type": "whereabouts", "range": text})
    assert isinstance(model, WhereaboutsIpam) and model.range is not None
    net, expected = model.range.range, ipaddress.ip_network(text, strict=False)
    assert (type(net), net, str(net)) == (type(expected), expected, str(expected))
