"""NetworkAttachmentDefinition builder and checker (multus_gen.networks.nad)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import K3S_DATA, examples
from multus_gen.errors import InputError
from multus_gen.findings import Finding, Location
from multus_gen.knowledge.k3s import K3sVersion, paths
from multus_gen.networks.ipam_build import IpamInputs
from multus_gen.networks.ipam_rules import refuses
from multus_gen.networks.nad import NODE_ANNOTATION, check_cni_config, check_nad
from multus_gen.networks.nad_build import NadOptions, build_nad
from multus_gen.record import replace

K3S = paths(K3S_DATA, K3sVersion.parse("v1.33.5+k3s1"))
HOSTLOCAL = IpamInputs("host-local", ranges=("10.10.0.0/24",), range_start=("10.10.0.10",), range_end=("10.10.0.50",))
WHEREABOUTS = IpamInputs("whereabouts", ranges=("10.20.0.0/24", "fd00:20::/120"))
STATIC = IpamInputs("static", addresses=("10.30.0.5/24,10.30.0.1",))
DHCP = IpamInputs("dhcp")


def opts(**kw: Any) -> NadOptions:
    base: dict[str, Any] = {"name": "lan", "ipam": WHEREABOUTS, "master": "eth1", "k3s_paths": K3S}
    base.update(kw)
    return NadOptions(**base)


def errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.is_error]


def refused(findings: list[Finding]) -> list[Finding]:
    """What a builder refuses to write: the errors and the warnings it never writes."""
    return [f for f in findings if refuses(f)]


# --------------------------------------------------------------------------------------------------
# Good builds

GOOD: list[tuple[str, NadOptions, list[str], dict[str, Any]]] = [
    # (id, options, config key order, plugin keys expected)
    (
        "macvlan whereabouts",
        opts(),
        ["cniVersion", "name", "type", "master", "mode", "ipam"],
        {"type": "macvlan", "master": "eth1", "mode": "bridge"},
    ),
    (
        "macvlan mtu private 1.0.0",
        opts(mode="private", mtu=9000, cni_version="1.0.0"),
        ["cniVersion", "name", "type", "master", "mode", "mtu", "ipam"],
        {"cniVersion": "1.0.0", "mode": "private", "mtu": 9000},
    ),
    (
        "ipvlan l3 host-local",
        opts(type="ipvlan", mode="l3", ipam=HOSTLOCAL, master="bond0.100"),
        ["cniVersion", "name", "type", "master", "mode", "ipam"],
        {"type": "ipvlan", "mode": "l3", "master": "bond0.100"},
    ),
    (
        "ipvlan default mode",
        opts(type="ipvlan", ipam=STATIC),
        ["cniVersion", "name", "type", "master", "mode", "ipam"],
        {"mode": "l2"},
    ),
    (
        "bridge gateway masq vlan",
        opts(
            type="bridge",
            master=None,
            bridge="br-lan",
            is_gateway=True,
            ip_masq=True,
            vlan=42,
            mtu=1500,
            ipam=HOSTLOCAL,
        ),
        ["cniVersion", "name", "type", "bridge", "isGateway", "ipMasq", "vlan", "mtu", "ipam"],
        {"bridge": "br-lan", "isGateway": True, "ipMasq": True, "vlan": 42},
    ),
    (
        "host-device by name",
        opts(type="host-device", master=None, device="ens5", ipam=STATIC),
        ["cniVersion", "name", "type", "device", "ipam"],
        {"device": "ens5"},
    ),
    (
        "host-device by PCI",
        opts(type="host-device", master=None, pci_bus_id="0000:03:00.0", ipam=DHCP),
        ["cniVersion", "name", "type", "pciBusID", "ipam"],
        {"pciBusID": "0000:03:00.0"},
    ),
    (
        "host-device by MAC",
        opts(type="host-device", master=None, hwaddr="52:54:00:12:34:56", ipam=DHCP),
        ["cniVersion", "name", "type", "hwaddr", "ipam"],
        {"hwaddr": "52:54:00:12:34:56"},
    ),
    (
        "macvlan dhcp",
        opts(ipam=DHCP),
        ["cniVersion", "name", "type", "master", "mode", "ipam"],
        {"type": "macvlan"},
    ),
]


@pytest.mark.parametrize(("o", "order", "expected"), [g[1:] for g in GOOD], ids=[g[0] for g in GOOD])
def test_build_good(o: NadOptions, order: list[str], expected: dict[str, Any]) -> None:
    result = build_nad(o)
    doc = result.doc
    assert list(doc) == ["apiVersion", "kind", "metadata", "spec"]
    assert doc["apiVersion"] == "k8s.cni.cncf.io/v1" and doc["kind"] == "NetworkAttachmentDefinition"
    assert doc["metadata"] == {"name": "lan", "namespace": "default"}
    text = doc["spec"]["config"]
    assert isinstance(text, str) and " " not in text and "\n" not in text
    config = json.loads(text)
    assert list(config) == order
    assert config["name"] == "lan"
    assert config["cniVersion"] == o.cni_version
    for key, value in expected.items():
        assert config[key] == value
    assert refused(check_nad(doc, k3s_paths=K3S if o.ipam.kind == "whereabouts" else None)) == []
    assert result.config == config


def test_whereabouts_gets_k3s_paths() -> None:
    ipam = build_nad(opts()).config["ipam"]
    assert ipam["configuration_path"] == K3S.whereabouts_conf
    assert ipam["kubernetes"] == {"kubeconfig": K3S.whereabouts_kubeconfig}
    assert list(ipam)[-2:] == ["configuration_path", "kubernetes"]


def test_determinism() -> None:
    o = opts(ipam=IpamInputs("whereabouts", ranges=("fd00:20::/120", "10.20.0.0/24"), excludes=("10.20.0.0/28",)))
    texts = {json.dumps(build_nad(o).doc, sort_keys=False) for _ in range(3)}
    assert len(texts) == 1
    same = replace(o, ipam=replace(o.ipam))
    assert json.dumps(build_nad(same).doc) == texts.pop()


def test_host_local_warns_per_node() -> None:
    result = build_nad(opts(ipam=HOSTLOCAL))
    assert [f.at.text() for f in result.warnings] == ["$.spec.config.ipam"]
    assert "per node" in result.warnings[0].message
    pinned = build_nad(opts(ipam=HOSTLOCAL, node="worker-1"))
    assert pinned.warnings == ()
    assert pinned.doc["metadata"]["annotations"] == {NODE_ANNOTATION: "worker-1"}
    assert check_nad(pinned.doc) == []
    # the same document without the annotation is flagged by the checker
    bare = copy.deepcopy(pinned.doc)
    del bare["metadata"]["annotations"]
    assert [f.at.text() for f in check_nad(bare)] == ["$.spec.config.ipam"]


def test_other_warnings() -> None:
    assert "same addresses" in build_nad(opts(ipam=STATIC)).warnings[0].message
    passthru = build_nad(opts(mode="passthru"))
    assert any(f.at.text() == "$.spec.config.mode" for f in passthru.warnings)
    hostdev = build_nad(opts(type="host-device", master=None, device="ens5", ipam=DHCP))
    assert any("one pod" in f.message for f in hostdev.warnings)
    wide = build_nad(opts(ipam=IpamInputs("whereabouts", ranges=("fd00:20::/64",))))
    assert any("/65" in f.message for f in wide.warnings)
    assert build_nad(opts()).warnings == ()


# --------------------------------------------------------------------------------------------------
# Bad builds -> InputError naming the flag

BAD: list[tuple[str, NadOptions, str, str]] = [
    ("name uppercase", opts(name="Lan"), "--name", "Lan"),
    ("name too long", opts(name="a" * 64), "--name", "DNS-1123"),
    ("name underscore", opts(name="my_lan"), "--name", "my_lan"),
    ("namespace", opts(namespace="Kube_System"), "--namespace", "Kube_System"),
    ("unknown type", opts(type="ptp"), "--type", "ptp"),
    ("cni version", opts(cni_version="0.4.0"), "--cni-version", "0.4.0"),
    ("master too long", opts(master="averyveryverylongname"), "--master", "averyveryverylongname"),
    ("master with slash", opts(master="eth/1"), "--master", "eth/1"),
    ("master is flannel", opts(master="flannel.1"), "--master", "flannel"),
    ("macvlan mode", opts(mode="l2"), "--mode", "l2"),
    ("ipvlan mode", opts(type="ipvlan", mode="bridge"), "--mode", "bridge"),
    ("ipvlan dhcp", opts(type="ipvlan", ipam=DHCP), "--ipam", "ipvlan"),
    ("mtu too small", opts(mtu=60), "--mtu", "60"),
    ("mtu too large", opts(mtu=70000), "--mtu", "70000"),
    ("mtu below IPv6 minimum", opts(mtu=1200), "--mtu", "IPv6"),
    ("macvlan with bridge", opts(bridge="br0"), "--bridge", "macvlan"),
    ("bridge without name", opts(type="bridge", master=None, ipam=HOSTLOCAL), "--bridge", "cni0"),
    ("bridge cni0", opts(type="bridge", master=None, bridge="cni0", ipam=HOSTLOCAL), "--bridge", "flannel"),
    (
        "bridge name too long",
        opts(type="bridge", master=None, bridge="br-0123456789abc", ipam=HOSTLOCAL),
        "--bridge",
        "br-0123456789abc",
    ),
    ("bridge with master", opts(type="bridge", bridge="br-lan", ipam=HOSTLOCAL), "--master", "bridge"),
    (
        "bridge with mode",
        opts(type="bridge", master=None, bridge="br-lan", mode="bridge", ipam=HOSTLOCAL),
        "--mode",
        "bridge",
    ),
    (
        "bridge vlan",
        opts(type="bridge", master=None, bridge="br-lan", vlan=5000, ipam=HOSTLOCAL),
        "--vlan",
        "5000",
    ),
    ("host-device none", opts(type="host-device", master=None, ipam=DHCP), "--device", "exactly one"),
    (
        "host-device two",
        opts(type="host-device", master=None, device="ens5", hwaddr="52:54:00:12:34:56", ipam=DHCP),
        "--hwaddr",
        "exactly one",
    ),
    (
        "host-device mtu",
        opts(type="host-device", master=None, device="ens5", mtu=1500, ipam=DHCP),
        "--mtu",
        "host-device",
    ),
    (
        "host-device bad MAC",
        opts(type="host-device", master=None, hwaddr="52:54:00:12:34", ipam=DHCP),
        "--hwaddr",
        "MAC",
    ),
    (
        "host-device bad PCI",
        opts(type="host-device", master=None, pci_bus_id="03:00.0", ipam=DHCP),
        "--pci-bus-id",
        "PCI",
    ),
    (
        "host-device kernelpath",
        opts(type="host-device", master=None, kernelpath="/dev/x", ipam=DHCP),
        "--kernelpath",
        "/sys/devices",
    ),
    ("node with whereabouts", opts(node="worker-1"), "--node", "whereabouts"),
    ("node name", opts(ipam=HOSTLOCAL, node="Worker_1"), "--node", "Worker_1"),
    (
        "ipam error surfaces with its flag",
        opts(ipam=IpamInputs("whereabouts", ranges=("10.20.0.0/31",))),
        "--range",
        "too small",
    ),
    ("whereabouts without k3s paths", opts(k3s_paths=None), "--data-dir", "K3s"),
]


@pytest.mark.parametrize(("o", "where", "word"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_build_bad(o: NadOptions, where: str, word: str) -> None:
    with pytest.raises(InputError) as info:
        build_nad(o)
    err = info.value
    assert err.where == where, err.one_line()
    assert word in err.message, err.one_line()


# --------------------------------------------------------------------------------------------------
# check_nad on existing documents


def nad(config: object, **meta: Any) -> dict[str, Any]:
    text = config if isinstance(config, str) else json.dumps(config)
    return {
        "apiVersion": "k8s.cni.cncf.io/v1",
        "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": "lan", **meta},
        "spec": {"config": text},
    }


IPAM_WB = {
    "type": "whereabouts",
    "range": "10.1.0.0/24",
    "configuration_path": K3S.whereabouts_conf,
    "kubernetes": {"kubeconfig": K3S.whereabouts_kubeconfig},
}
MACVLAN = {"cniVersion": "0.3.1", "name": "lan", "type": "macvlan", "master": "eth1", "ipam": IPAM_WB}

BAD_DOCS: list[tuple[str, object, str]] = [
    ("not a mapping", ["x"], "$"),
    ("apiVersion", {**nad(MACVLAN), "apiVersion": "v1"}, "$.apiVersion"),
    ("kind", {**nad(MACVLAN), "kind": "ConfigMap"}, "$.kind"),
    ("name", {**nad(MACVLAN), "metadata": {"name": "Lan"}}, "$.metadata.name"),
    ("namespace", nad(MACVLAN, namespace="a_b"), "$.metadata.namespace"),
    (
        "node annotation",
        nad(MACVLAN, annotations={NODE_ANNOTATION: "Bad_Node"}),
        f"$.metadata.annotations['{NODE_ANNOTATION}']",
    ),
    ("config not a string", {**nad(MACVLAN), "spec": {"config": MACVLAN}}, "$.spec.config"),
    ("config not JSON", nad('{"cniVersion": "0.3.1",'), "$.spec.config"),
    ("config not an object", nad("[1, 2]"), "$.spec.config"),
    (
        "no cniVersion",
        nad({k: v for k, v in MACVLAN.items() if k != "cniVersion"}),
        "$.spec.config.cniVersion",
    ),
    ("bad cniVersion", nad({**MACVLAN, "cniVersion": "0.5.0"}), "$.spec.config.cniVersion"),
    ("no name", nad({k: v for k, v in MACVLAN.items() if k != "name"}), "$.spec.config.name"),
    ("no type", nad({k: v for k, v in MACVLAN.items() if k != "type"}), "$.spec.config.type"),
    ("macvlan mode", nad({**MACVLAN, "mode": "l3"}), "$.spec.config.mode"),
    ("master too long", nad({**MACVLAN, "master": "x" * 16}), "$.spec.config.master"),
    ("mtu not int", nad({**MACVLAN, "mtu": "1500"}), "$.spec.config.mtu"),
    ("mtu range", nad({**MACVLAN, "mtu": 10}), "$.spec.config.mtu"),
    (
        "mtu below IPv6 minimum",
        nad({**MACVLAN, "mtu": 1000, "ipam": {**IPAM_WB, "range": "fd00::/120"}}),
        "$.spec.config.mtu",
    ),
    ("ignored foreign key", nad({**MACVLAN, "bridge": "br0"}), "$.spec.config.bridge"),
    ("ipvlan dhcp", nad({**MACVLAN, "type": "ipvlan", "ipam": {"type": "dhcp"}}), "$.spec.config.ipam.type"),
    ("bridge without name", nad({**MACVLAN, "type": "bridge", "master": None}), "$.spec.config.bridge"),
    (
        "bridge cni0",
        nad({"cniVersion": "0.3.1", "name": "lan", "type": "bridge", "bridge": "cni0", "ipam": IPAM_WB}),
        "$.spec.config.bridge",
    ),
    (
        "bridge vlan",
        nad({"cniVersion": "0.3.1", "name": "lan", "type": "bridge", "bridge": "br1", "vlan": 9999}),
        "$.spec.config.vlan",
    ),
    (
        "host-device two selectors",
        nad(
            {
                "cniVersion": "0.3.1",
                "name": "lan",
                "type": "host-device",
                "device": "ens5",
                "pciBusID": "0000:03:00.0",
            }
        ),
        "$.spec.config.pciBusID",  # the second selector
    ),
    (
        "ipam error path",
        nad({**MACVLAN, "ipam": {**IPAM_WB, "range_start": "10.9.0.1"}}),
        "$.spec.config.ipam.range_start",
    ),
    (
        "conflist plugin",
        nad(
            {
                "cniVersion": "0.3.1",
                "name": "lan",
                "plugins": [{"type": "macvlan", "master": "eth1", "mode": "x"}],
            }
        ),
        "$.spec.config.plugins[0].mode",
    ),
    ("conflist empty", nad({"cniVersion": "0.3.1", "name": "lan", "plugins": []}), "$.spec.config.plugins"),
]


@pytest.mark.parametrize(("doc", "path"), [b[1:] for b in BAD_DOCS], ids=[b[0] for b in BAD_DOCS])
def test_check_nad_bad(doc: object, path: str) -> None:
    findings = check_nad(doc, k3s_paths=K3S)
    assert path in [f.at.text() for f in errors(findings)], [f.one_line() for f in findings]


def test_check_nad_good_and_soft() -> None:
    assert check_nad(nad(MACVLAN), k3s_paths=K3S) == []
    renamed = nad({**MACVLAN, "name": "other"})
    assert [f.severity for f in check_nad(renamed)] == ["warning"]
    assert refused(check_nad(renamed)) == []  # a warning: printed by the builders too, not refused
    no_master = nad({k: v for k, v in MACVLAN.items() if k != "master"})
    assert not errors(check_nad(no_master)) and [f.rule for f in check_nad(no_master)] == ["nad-no-master"]
    assert [f.severity for f in check_nad(nad(""))] == ["warning"]  # Multus then reads a file on the node
    assert (
        check_nad(nad({**MACVLAN, "mode": "x"}), Location(file="nads.yaml"))[0]
        .at.text()
        .startswith("nads.yaml::$.spec.config")
    )


def test_check_cni_config_versions() -> None:
    conf = {
        "cniVersion": "0.2.0",
        "name": "lan",
        "type": "macvlan",
        "master": "eth1",
        "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/24"}], [{"subnet": "10.2.0.0/24"}]]},
    }
    assert [f.at.text() for f in errors(check_cni_config(conf))] == ["$.ipam.ranges[1]"]
    assert [f.rule for f in errors(check_cni_config({**conf, "cniVersion": "0.3.1"}))] == ["ipam-two-ranges-one-family"]
    assert [f.severity for f in check_cni_config({**conf, "cniVersion": "1.1.0"}) if "1.1.0" in f.message] == [
        "warning"
    ]


@settings(max_examples=examples(60), deadline=None)
@given(
    name=st.from_regex(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", fullmatch=True),
    ptype=st.sampled_from(["macvlan", "ipvlan", "bridge"]),
    mtu=st.one_of(st.none(), st.integers(min_value=1280, max_value=9216)),
    version=st.sampled_from(["0.3.1", "1.0.0"]),
)
def test_property_built_nads_pass_check(name: str, ptype: str, mtu: int | None, version: str) -> None:
    o = opts(
        name=name,
        type=ptype,
        master=None if ptype == "bridge" else "eth1",
        bridge="br-lan" if ptype == "bridge" else None,
        mtu=mtu,
        cni_version=version,
    )
    result = build_nad(o)
    assert json.loads(result.doc["spec"]["config"])["name"] == name
    assert refused(check_nad(result.doc, k3s_paths=K3S)) == []


def test_fields_table_locates_keys() -> None:
    """One table takes a key of a built NAD back to its flag and spec field (nearest ancestor wins)."""
    from multus_gen.networks.fields import SPEC_KEYS, field_of, flag_of

    assert flag_of(("spec", "config", "ipam", "ranges", 0, 0, "rangeStart")) == "--range-start"
    assert flag_of(("ipam", "ranges", 1, 0, "subnet")) == "--range"
    assert flag_of(("spec", "config", "ipam", "routes", 0, "dst")) == "--route"
    assert flag_of(("metadata", "annotations", NODE_ANNOTATION)) == "--node"
    assert flag_of(("apiVersion",)) is None
    found = field_of(("ipam", "ipRanges", 1, "exclude"))
    assert found is not None and found.spec == ("ipam.exclude",)
    assert SPEC_KEYS["--range"] == ("ipam.range", "ipam.ranges")


def test_build_refusal_names_rule_and_flag() -> None:
    with pytest.raises(InputError) as info:
        build_nad(opts(master="flannel.1", mtu=60))
    err = info.value
    assert err.where == "--master" and err.finding.rule == "nad-flannel-interface"
    assert "--mtu: mtu 60" in err.message  # every refused finding is reported, not just the first


def test_every_network_rule_has_one_entry() -> None:
    """The checks report through the rule table only: every id they use is in it, with one severity."""
    import re
    from pathlib import Path

    import multus_gen.networks as networks
    from multus_gen.check.catalog import RULES, check_allowed
    from multus_gen.networks.rules import NETWORK_RULES, SEVERITY

    ids = [rule for rule, _, _ in NETWORK_RULES]
    assert len(ids) == len(set(ids))
    folder = Path(networks.__file__).parent
    used = {
        m for f in ("ipam.py", "nad.py") for m in re.findall(r'"((?:ipam|nad)-[a-z0-9-]+)"', (folder / f).read_text())
    }
    assert used - set(ids) == set()
    assert SEVERITY["ipam-range-start-network-address"] == "error"  # silently moved upstream: refused alike
    assert check_allowed(["ipam-range-overlap"]) == ("ipam-range-overlap",)
    assert RULES["nad-ifname-invalid"].severity == "error"
