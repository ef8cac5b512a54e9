"""Upstream test vectors (../shared/fixtures/vectors) against check_ipam_config, check_cni_config, check_nad.

Each vector is ``{config, expect: {stage, accepted, ...}, source}``. How a stage maps onto our checker:

* ``LoadIPAMConfig`` / ``cmdAdd`` with a full CNI config: ``check_cni_config`` (plugin + IPAM), or
  ``check_ipam_config`` when the config has no plugin ``type`` (whereabouts' test helper), or ``check_nad``
  when the config is raw text. A list of configs (two pods) checks each one.
* host-local ``Range.*`` fragments become ``ranges: [[fragment]]``; ``RangeSet.*`` and allocator fragments
  (a list of ranges) become one range set; ``Range.Overlaps`` pairs become two range sets, because
  host-local refuses overlapping sets ("range set N overlaps with M"), so overlaps=true must be an error.
* whereabouts fragments (``GetIPRange``, ``IterateForAssignment``, ...) become ``{type: whereabouts, ...}``.

Modes: ``reject`` (upstream rejects; we must report an error), ``accept`` (upstream takes the config; we
must report no error, warnings allowed), ``stricter`` (upstream silently ignores a setting, FACTS 7 says a
generator must refuse it: we must report an error -- a deliberate disagreement), ``skip`` (the outcome
depends on runtime state, not on the config). Where the vector states what upstream computes from the
config (windows, first address, canonical ranges), our models must compute the same.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import shared_dir
from multus_gen.findings import Finding
from multus_gen.networks.ipam import check_ipam_config, load_ipam
from multus_gen.networks.ipam_rules import refuses
from multus_gen.networks.models import HostLocalIpam, WhereaboutsIpam
from multus_gen.networks.nad import check_cni_config, check_nad

FILES = ("hostlocal", "whereabouts")
CNI_VERSIONS_FOR_PLACEHOLDER = ("0.2.0", "0.3.1", "0.4.0", "1.0.0")

#: Upstream accepts these and silently ignores a setting; FACTS 7: a generator must refuse them.
STRICTER = {
    "startRange and endRange outside of ipnet": "whereabouts ignores range_start/range_end outside the range",
    "startRange and endRange inverted": "whereabouts ignores a range_end before range_start",
}
#: Rules stricter than upstream (FACTS 7: whereabouts silently moves a range_start/range_end outside the usable
#: window, "a generator must reject these itself"; one rule, one severity, so validate fails on them too).
#: Upstream's own tests write such configs on purpose; there our error is the deliberate disagreement.
STRICTER_RULES = {
    "ipam-range-start-network-address": "whereabouts moves a range_start on the network address",
    "ipam-range-end-last-address": "whereabouts moves a range_end on the last address",
    "ipam-two-ranges-one-family": "two ranges of one family give each pod two addresses (allowed by --allow)",
    "ipam-range-reserved": "upstream's tests use 0.0.0.0/24 and ::/24 as plain numbers, never as pod ranges",
}
#: Upstream rejects these for a reason that is not a property of the config.
NOT_CONFIG = {
    "non-whereabouts IPAM config": "whereabouts refuses other IPAM types; our checker goes by ipam.type",
}


@dataclass(frozen=True)
class Plan:
    mode: str  # accept | reject | stricter | skip
    reason: str = ""
    tag: str = ""  # short form of the reason for the test id


def plan(name: str, vector: dict[str, Any]) -> Plan:
    expect = vector["expect"]
    source = vector["source"]
    inputs = vector.get("inputs") or {}
    for key, why in NOT_CONFIG.items():
        if key in source:
            return Plan("skip", why, "not-a-config-property")
    for key, why in STRICTER.items():
        if key in source:
            return Plan("stricter", why, "silently-ignored-upstream")
    if "silently ignored" in expect.get("note", ""):  # upstream's own note says it drops the setting
        return Plan("stricter", expect["note"], "silently-ignored-upstream")
    stateful = bool(
        inputs.get("allocated")
        or inputs.get("requested_ip")
        or (isinstance(vector["config"], dict) and vector["config"].get("reserved"))
    )
    if expect.get("accepted") is False and stateful:
        return Plan(
            "skip", "allocation-time: the failure comes from allocated/reserved/requested addresses", "allocation-time"
        )
    if expect.get("stage", "").startswith("Range.Overlaps"):
        return Plan("reject" if expect["overlaps"] else "accept")
    if expect.get("accepted") is False:
        return Plan("reject")
    return Plan("accept")


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:40]


def _params() -> list[Any]:
    params: list[Any] = []
    root = shared_dir() / "fixtures" / "vectors"
    for name in FILES:
        path = root / f"{name}.json"
        if not path.is_file():
            params.append(pytest.param(name, -1, id=f"{name}-missing"))
            continue
        for i, vector in enumerate(json.loads(path.read_text())):
            p = plan(name, vector)
            ident = f"{name}[{i:02d}]-{p.mode}-{_slug(vector['expect'].get('stage', ''))}"
            if p.tag:
                ident += f"-{p.tag}"
            marks = [pytest.mark.skip(reason=p.reason)] if p.mode == "skip" else []
            params.append(pytest.param(name, i, id=ident, marks=marks))
    return params


def _load(shared: Path, name: str, index: int) -> dict[str, Any]:
    path = shared / "fixtures" / "vectors" / f"{name}.json"
    vectors: list[dict[str, Any]] = json.loads(path.read_text())
    return vectors[index]


def _errors(findings: list[Finding]) -> list[str]:
    return [f.one_line() for f in findings if f.is_error]


def _hostlocal_block(vector: dict[str, Any]) -> dict[str, Any]:
    config = vector["config"]
    stage = vector["expect"]["stage"]
    if isinstance(config, dict):
        return {"type": "host-local", "ranges": [[config]]}
    if stage.startswith("Range.Overlaps"):
        return {"type": "host-local", "ranges": [[r] for r in config]}
    return {"type": "host-local", "ranges": [config]}


def _whereabouts_block(vector: dict[str, Any]) -> dict[str, Any]:
    fragment = {k: v for k, v in vector["config"].items() if k != "reserved"}  # reserved: test state
    return {"type": "whereabouts", **fragment}


def _findings(name: str, vector: dict[str, Any], cni_version: str = "0.3.1") -> list[Finding]:
    config = vector["config"]
    if isinstance(config, str):
        doc = {
            "apiVersion": "k8s.cni.cncf.io/v1",
            "kind": "NetworkAttachmentDefinition",
            "metadata": {"name": "mynet"},
            "spec": {"config": config},
        }
        return check_nad(doc)
    if isinstance(config, list) and config and isinstance(config[0], dict) and "ipam" in config[0]:
        return [f for c in config for f in check_cni_config(c)]
    if isinstance(config, dict) and "ipam" in config:
        text = json.dumps(config).replace("<each supported version>", cni_version).replace("<tmpDir>", "/tmp/mg")
        conf = json.loads(text)
        if "type" in conf:
            return check_cni_config(conf)
        return check_ipam_config(conf["ipam"], cni_version=conf.get("cniVersion"))
    block = _hostlocal_block(vector) if name == "hostlocal" else _whereabouts_block(vector)
    return check_ipam_config(block)


def _ip(text: str) -> str:
    return str(ipaddress.ip_address(text.split("/")[0]))


def _agree_hostlocal(vector: dict[str, Any]) -> None:
    """Where the vector says what host-local computes from the config, our model must agree."""
    expect, inputs = vector["expect"], vector.get("inputs") or {}
    stage = expect["stage"]
    config = vector["config"]
    if isinstance(config, dict) and "ipam" in config:
        text = json.dumps(config).replace("<each supported version>", "1.0.0").replace("<tmpDir>", "/tmp/mg")
        block = json.loads(text)["ipam"]
    else:
        block = _hostlocal_block(vector)
    model, _ = load_ipam(block)
    assert isinstance(model, HostLocalIpam)
    ranges = [r for s in model.range_sets for r in s]
    if stage == "Range.Canonicalize" and "range" in expect:
        r = ranges[0]
        got = {
            "subnet": str(r.subnet),
            "rangeStart": str(r.window()[0]),
            "rangeEnd": str(r.window()[1]),
            "gateway": str(r.effective_gateway()),
        }
        assert got == expect["range"]
    if stage == "Range.Contains":
        start, end = ranges[0].window()
        for ip, inside in expect["contains"].items():
            addr = ipaddress.ip_address(ip)
            assert (addr.version == start.version and int(start) <= int(addr) <= int(end)) is inside, ip
    if stage == "LoadIPAMConfig" and "ranges" in expect and "runtimeConfig" not in config:
        got_sets = [
            [
                {
                    "subnet": str(r.subnet),
                    "rangeStart": str(r.window()[0]),
                    "rangeEnd": str(r.window()[1]),
                    "gateway": str(r.effective_gateway()),
                }
                for r in s
            ]
            for s in model.range_sets
        ]
        assert got_sets == expect["ranges"]
    if "allocated_ip" in expect and not inputs.get("allocated") and not inputs.get("last_reserved_ip"):
        assert str(model.range_sets[0][0].first_assignable()) == expect["allocated_ip"]
    if stage == "cmdAdd":
        got = [
            {
                "address": f"{s[0].first_assignable()}/{s[0].subnet.prefixlen}",
                "gateway": str(s[0].effective_gateway()),
            }
            for s in model.range_sets
        ]
        want = [
            {"address": str(ipaddress.ip_interface(x["address"])), "gateway": _ip(x["gateway"])} for x in expect["ips"]
        ]
        assert got == want


def _agree_whereabouts(vector: dict[str, Any]) -> None:
    expect = vector["expect"]
    config = vector["config"]
    if isinstance(config, (str, list)):
        return
    block = config["ipam"] if "ipam" in config else _whereabouts_block(vector)
    model, _ = load_ipam(block)
    assert isinstance(model, WhereaboutsIpam)
    ranges = model.all_ranges()
    if "ipRanges" in expect:
        got = []
        for r in ranges:
            item = {
                "range": str(r.range),
                "range_start": str(r.range_start if r.range_start is not None else r.range.network_address),
            }
            if r.range_end is not None:
                item["range_end"] = str(r.range_end)
            got.append(item)
        assert got == expect["ipRanges"]
    if "first_ip" in expect and "reserved" not in config:
        if expect["stage"] == "GetIPRange":
            assert str(ranges[0].window()[0]) == _ip(expect["first_ip"])
        else:
            assert str(ranges[0].first_assignable()) == _ip(expect["first_ip"])
    if "last_ip" in expect:
        assert str(ranges[0].window()[1]) == _ip(expect["last_ip"])
    if "first_usable" in expect:
        assert [str(x) for x in ranges[0].window()] == [
            _ip(expect["first_usable"]),
            _ip(expect["last_usable"]),
        ]
    if "ips" in expect:
        got_ips = [f"{r.first_assignable()}/{r.range.prefixlen}" for r in ranges]
        assert got_ips == [str(ipaddress.ip_interface(x["address"])) for x in expect["ips"]]
        for x in expect["ips"]:
            if "gateway" in x:
                assert model.gateway is not None and str(model.gateway) == _ip(x["gateway"])


@pytest.mark.parametrize(("name", "index"), _params())
def test_vector(shared: Path, name: str, index: int) -> None:
    if index < 0:
        pytest.fail(f"{name}.json is missing from {shared}/fixtures/vectors")
    vector = _load(shared, name, index)
    p = plan(name, vector)
    versions = CNI_VERSIONS_FOR_PLACEHOLDER if "<each supported version>" in json.dumps(vector["config"]) else ("",)
    for version in versions:
        findings = _findings(name, vector, version or "0.3.1")
        errs = _errors(findings)
        if p.mode == "accept":
            errs = [
                e
                for e, f in zip(errs, [f for f in findings if f.is_error], strict=True)
                if f.rule not in STRICTER_RULES
            ]
            assert errs == [], f"upstream accepts {vector['source']}; we refuse: {errs}"
        else:  # reject, stricter
            assert errs, f"{'upstream rejects' if p.mode == 'reject' else p.reason}: {vector['source']}; we accept"
    if vector["expect"].get("accepted") is not False and p.mode != "reject":
        (_agree_hostlocal if name == "hostlocal" else _agree_whereabouts)(vector)


def test_network_address_start_is_an_error(shared: Path) -> None:
    """whereabouts moves a range_start on the network address to the first usable address (upstream's vectors
    note "range_start outside usable range is silently ignored"): an error, stricter than upstream on purpose
    (FACTS 7), for validate and the builders alike."""
    vectors = json.loads((shared / "fixtures" / "vectors" / "whereabouts.json").read_text())
    hits = [v for v in vectors if "range_start outside usable range is silently ignored" in v["expect"].get("note", "")]
    assert hits
    for v in hits:
        errs = [f for f in check_ipam_config(_whereabouts_block(v)) if f.is_error]
        assert [(f.at.text(), f.rule) for f in errs] == [("$.ipam.range_start", "ipam-range-start-network-address")]
        assert all(refuses(f) for f in errs)
