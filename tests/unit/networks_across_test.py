"""Checks across a cluster's networks: dual-stack cluster CIDRs, and the sweep that finds overlapping ranges."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import capture, examples, write_text
from multus_gen.build.pipeline import render_spec
from multus_gen.errors import InputError
from multus_gen.model.spec import load_spec
from multus_gen.networks import across
from multus_gen.networks.across import overlapping_windows

DUAL = """\
cluster:
  clusterCIDR: 10.42.0.0/16,fd00:42::/56
  serviceCIDR: [10.43.0.0/16, "fd00:43::/112"]
networks:
  - {name: a, type: macvlan, master: eth1, ipam: {type: whereabouts, range: RANGE}}
"""


def test_dual_stack_cluster_cidrs_as_k3s_writes_them(tmp_path: Path) -> None:
    spec = load_spec(write_text(tmp_path, DUAL.replace("RANGE", "192.168.5.0/24")))
    assert spec.clusters[0].cluster_cidrs == ("10.42.0.0/16", "fd00:42::/56")
    assert spec.clusters[0].service_cidrs == ("10.43.0.0/16", "fd00:43::/112")
    assert [c.name for c in render_spec(spec)] == [None]


@pytest.mark.parametrize(
    ("rng", "what"),
    [
        ("10.42.7.0/24", "pod CIDR 10.42.0.0/16"),
        ("fd00:42::/120", "pod CIDR fd00:42::/56"),
        ("fd00:43::/120", "service CIDR fd00:43::/112"),
    ],
)
def test_dual_stack_cluster_cidrs_are_checked_per_family(tmp_path: Path, rng: str, what: str) -> None:
    path = write_text(tmp_path, DUAL.replace("RANGE", rng))
    with pytest.raises(InputError, match=f"overlaps the cluster's {what}"):
        list(render_spec(load_spec(path)))
    code, out, _ = capture(["validate", str(path)])
    assert code == 1 and f"overlaps the cluster's {what}" in out


@pytest.mark.parametrize(
    ("cidr", "message"),
    [("10.42.0.0/16,10.44.0.0/16", "both IPv4"), ("10.42.0.0/16,nonsense/8", "'nonsense/8' is not a CIDR")],
)
def test_bad_cluster_cidrs_name_the_spec_path(tmp_path: Path, cidr: str, message: str) -> None:
    path = write_text(tmp_path, DUAL.replace("RANGE", "192.168.5.0/24").replace("10.42.0.0/16,fd00:42::/56", cidr))
    with pytest.raises(InputError, match=message) as exc:
        load_spec(path)
    assert exc.value.where is not None and "$.cluster.clusterCIDR" in exc.value.where
    code, out, _ = capture(["validate", str(path)])
    assert code == 1 and "$.cluster.clusterCIDR" in out and message in out
    code, _, err = capture(["render", "-c", str(path)])
    assert code == 1 and "$.cluster.clusterCIDR" in err


def _brute(wins: list[list[Win]], pools: list[tuple[str | None] | None]) -> set[tuple[int, int]]:
    out = set()
    for n, mine in enumerate(wins):
        for m in range(n):
            if pools[n] is not None and pools[m] is not None and pools[n] != pools[m]:
                continue
            if any(a[0] == b[0] and a[1] <= b[2] and b[1] <= a[2] for a in mine for b in wins[m]):
                out.add((n, m))
    return out


Win = tuple[int, int, int]
_WIN = st.tuples(st.sampled_from([4, 6]), st.integers(0, 40), st.integers(0, 8)).map(
    lambda t: (t[0], t[1], t[1] + t[2])
)
_POOL = st.sampled_from([None, ("x",), ("y",), (None,)])


@settings(max_examples=examples(2000))
@given(st.lists(st.tuples(st.lists(_WIN, max_size=3), _POOL), max_size=8))
def test_sweep_finds_an_overlap_exactly_when_a_pair_check_does(
    nets: list[tuple[list[tuple[int, int, int]], object]],
) -> None:
    wins = [w for w, _ in nets]
    pools = [p for _, p in nets]
    pairs = _brute(wins, pools)  # type: ignore[arg-type]
    found = overlapping_windows(wins, pools)  # type: ignore[arg-type]
    if not pairs:
        assert found is None
        return
    assert found is not None
    (_, a0, a1, n, _), (_, b0, b1, m, _) = found
    assert (n, m) in pairs and a0 <= b1 and b0 <= a1


def _spec(count: int, clash: bool) -> str:
    lines = ["cluster: {}", "networks:"]
    for i in range(count):
        net = ipaddress.IPv4Address("100.64.0.0") + i * 256
        if clash and i == count - 1:
            net = ipaddress.IPv4Address("100.64.0.0") + 7 * 256
        ipam = f"whereabouts, range: {net}/24" if i % 2 else f"host-local, ranges: [{net}/24]"
        lines.append(f"  - {{name: n{i}, type: macvlan, master: eth1, ipam: {{type: {ipam}}}}}")
    return "\n".join(lines) + "\n"


def test_networks_are_checked_against_each_other_without_comparing_every_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Comparing every pair took ~70 s for 10,000 networks (50 million comparisons). Counted, not timed: the
    sweep compares each window with at most two others."""
    compared = []
    real = across._Reach.other_than

    def counting(self: across._Reach, net: int) -> object:
        compared.append(net)
        return real(self, net)

    monkeypatch.setattr(across._Reach, "other_than", counting)
    spec = load_spec(write_text(tmp_path, _spec(2000, clash=True)))
    with pytest.raises(InputError, match=r"network 'n1999' range 100\.64\.7\.0/24 overlaps network 'n7'") as exc:
        list(render_spec(spec))
    assert exc.value.where is not None and "$.networks[1999].ipam.range " in exc.value.where
    assert len(compared) == 2 * 2000


@pytest.mark.slow
def test_ten_thousand_networks_render(tmp_path: Path) -> None:
    path = write_text(tmp_path, _spec(10_000, clash=False))
    assert len(list(render_spec(load_spec(path)))) == 1


@pytest.mark.parametrize(
    ("args", "rule", "flag"),
    [
        (["--range", "224.0.0.0/24"], "ipam-range-reserved", "--range"),
        (["--range", "0.0.0.0/0"], "ipam-range-reserved", "--range"),
        (["--range", "::/0"], "ipam-range-reserved", "--range"),
        (["--range", "127.0.0.0/24"], "ipam-range-reserved", "--range"),
        (["--ipam", "host-local", "--node", "n1", "--range", "fe80::/64"], "ipam-range-reserved", "--range"),
        (["--ipam", "host-local", "--node", "n1", "--range", "ff02::/64"], "ipam-range-reserved", "--range"),
        (["--ipam", "static", "--address", "169.254.3.4/16"], "ipam-range-reserved", "--address"),
        (["--range", "10.1.0.0/24", "--gateway", "10.1.0.0"], "ipam-gateway-not-host", "--gateway"),
        (
            ["--ipam", "host-local", "--node", "n1", "--range", "10.1.0.0/24", "--gateway", "10.1.0.255"],
            "ipam-gateway-not-host",
            "--gateway",
        ),
        (["--ipam", "static", "--address", "10.1.0.5/24,10.1.0.255"], "ipam-gateway-not-host", "--address"),
        (["--range", "10.1.0.0/24", "--range", "10.2.0.0/24"], "ipam-two-ranges-one-family", "--range"),
        (
            ["--ipam", "host-local", "--node", "n1", "--range", "fd00:1::/64", "--range", "fd00:2::/64"],
            "ipam-two-ranges-one-family",
            "--range",
        ),
    ],
)
def test_ranges_that_cannot_be_right_are_refused(args: list[str], rule: str, flag: str) -> None:
    code, out, err = capture(["nad", "x", "--master", "eth1", *args])
    assert code == 1 and out == ""
    line = err.strip()
    assert "\n" not in line and line.startswith(f"multus-gen: error: {flag}:") and line.endswith(f"[{rule}]")


def test_two_ranges_of_one_family_on_purpose_are_allowed_and_validate_agrees(tmp_path: Path) -> None:
    args = ["nad", "x", "--master", "eth1", "--range", "10.1.0.0/24", "--range", "10.2.0.0/24"]
    code, out, err = capture([*args, "--allow", "ipam-two-ranges-one-family"])
    assert code == 0 and "[ipam-two-ranges-one-family]" in err
    path = tmp_path / "nad.yaml"
    path.write_text(out)
    code, found, _ = capture(["validate", str(path)])
    assert code == 1 and "ipam-two-ranges-one-family" in found
    assert capture(["validate", str(path), "--allow", "ipam-two-ranges-one-family"])[0] == 0


def test_a_dual_stack_pair_is_one_range_per_family() -> None:
    code, _, err = capture(["nad", "x", "--master", "eth1", "--range", "10.1.0.0/24", "--range", "fd00:1::/120"])
    assert code == 0, err


def test_dns_is_not_offered_but_explained() -> None:
    assert "--dns" not in capture(["nad", "--help"])[1]
    code, _, err = capture(["nad", "x", "--ipam", "static", "--address", "10.1.0.5/24", "--dns", "10.1.0.1"])
    assert code == 1 and "--dns" in err and "dnsConfig" in err


@pytest.mark.parametrize(
    ("args", "flag", "rule"),
    [
        (["--vlan-id", "0"], "--vlan-id", "nad-vlan-id-invalid"),
        (["--vlan-id", "4095"], "--vlan-id", "nad-vlan-id-invalid"),
        ([], "--vlan-id", "nad-vlan-id-invalid"),
        (["--vlan-id", "5", "--master", ""], "--master", "nad-ifname-invalid"),
        (["--vlan-id", "5", "--master", "cni0"], "--master", "nad-flannel-interface"),
        (["--vlan-id", "5", "--master", "eth1", "--mode", "l2"], "--mode", "nad-foreign-key"),
        (["--vlan-id", "5", "--master", "eth1", "--bridge", "br1"], "--bridge", "nad-foreign-key"),
    ],
)
def test_vlan_bad_input_is_one_line_naming_the_flag(args: list[str], flag: str, rule: str) -> None:
    code, out, err = capture(["nad", "v", "--type", "vlan", "--range", "10.100.0.0/24", *args])
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith(f"multus-gen: error: {flag}:") and err.strip().endswith(f"[{rule}]")


def test_vlan_without_master_and_with_dhcp_are_refused() -> None:
    code, _, err = capture(["nad", "v", "--type", "vlan", "--vlan-id", "5", "--range", "10.100.0.0/24"])
    assert code == 1 and err.startswith("multus-gen: error: --master:") and "[nad-vlan-no-master]" in err
    code, _, err = capture(["nad", "v", "--type", "vlan", "--vlan-id", "5", "--master", "eth1", "--ipam", "dhcp"])
    assert code == 1 and "[nad-vlan-dhcp]" in err


@pytest.mark.parametrize("ipam", [["--range", "10.100.0.0/24"], ["--ipam", "static", "--address", "10.1.0.5/24"]])
def test_vlan_nad_is_written_and_validate_agrees(tmp_path: Path, ipam: list[str]) -> None:
    args = ["nad", "v", "--type", "vlan", "--master", "eth1", "--vlan-id", "100", "--mtu", "1400"]
    code, out, err = capture([*args, "--link-in-container", *ipam])
    assert code == 0 and "[nad-vlan-one-pod]" in err
    config = json.loads(yaml.safe_load(out)["spec"]["config"])
    assert list(config)[:7] == ["cniVersion", "name", "type", "master", "vlanId", "linkInContainer", "mtu"]
    assert (config["type"], config["vlanId"], config["linkInContainer"]) == ("vlan", 100, True)
    path = tmp_path / "nad.yaml"
    path.write_text(out)
    assert capture(["validate", str(path)])[0] == 0


def test_vlan_in_a_spec_names_the_spec_path(tmp_path: Path) -> None:
    text = DUAL.replace("RANGE", "192.168.5.0/24").replace("type: macvlan", "type: vlan, vlanId: 5000")
    code, _, err = capture(["render", "-c", str(write_text(tmp_path, text))])
    assert code == 1 and "$.networks[0].vlanId" in err and "1-4094" in err


CHAIN = ["--sysctl", "net.ipv4.conf.net1.arp_notify=1", "--tuning-mac", "52:54:00:12:34:56", "--tuning-mtu", "1400"]


def test_chained_plugins_make_a_conflist_and_validate_agrees(tmp_path: Path) -> None:
    args = ["nad", "c", "--master", "eth1", "--range", "10.1.0.0/24", *CHAIN, "--promisc", "--sbr", "--portmap"]
    code, out, err = capture(args)
    assert code == 0, err
    config = json.loads(yaml.safe_load(out)["spec"]["config"])
    assert list(config) == ["cniVersion", "name", "plugins"]
    assert [p["type"] for p in config["plugins"]] == ["macvlan", "tuning", "portmap", "sbr"]
    assert config["plugins"][1] == {
        "type": "tuning",
        "sysctl": {"net.ipv4.conf.net1.arp_notify": "1"},
        "mac": "52:54:00:12:34:56",
        "mtu": 1400,
        "promisc": True,
    }
    assert "cniVersion" not in config["plugins"][0] and config["plugins"][0]["ipam"]["type"] == "whereabouts"
    path = tmp_path / "nad.yaml"
    path.write_text(out)
    assert capture(["validate", str(path)])[0] == 0


@pytest.mark.parametrize(
    ("args", "flag", "rule"),
    [
        (["--sysctl", "kernel.hostname=x"], "--sysctl", "nad-sysctl-not-net"),
        (["--sysctl", "net.ipv4.conf.net1.arp_notify"], "--sysctl", None),
        (["--tuning-mac", "zz"], "--tuning-mac", "nad-hwaddr-invalid"),
        (["--tuning-mtu", "20"], "--tuning-mtu", "nad-mtu-invalid"),
        (["--type", "ipvlan", "--tuning-mac", "52:54:00:12:34:56"], "--tuning-mac", "nad-chain-unsupported"),
        (["--range", "10.2.0.0/24", "--sbr"], "--range", "ipam-two-ranges-one-family"),
    ],
)
def test_bad_chains_are_one_line_naming_the_flag(args: list[str], flag: str, rule: str | None) -> None:
    code, out, err = capture(["nad", "c", "--master", "eth1", "--range", "10.1.0.0/24", *args])
    assert code == 1 and out == "" and err.count("\n") == 1 and err.startswith(f"multus-gen: error: {flag}:")
    assert rule is None or err.strip().endswith(f"[{rule}]")


def test_chained_plugins_in_a_spec_are_data(tmp_path: Path) -> None:
    tuning = "tuning: {sysctl: {net.ipv4.conf.net1.arp_notify: '1'}, mtu: 1400}, sbr: true"
    text = DUAL.replace("RANGE", "192.168.5.0/24").replace("master: eth1,", f"master: eth1, {tuning},")
    code, out, err = capture(["render", "-c", str(write_text(tmp_path, text))])
    assert code == 0, err
    nad = next(d for d in yaml.safe_load_all(out) if d and d["kind"] == "NetworkAttachmentDefinition")
    config = json.loads(nad["spec"]["config"])
    assert [p["type"] for p in config["plugins"]] == ["macvlan", "tuning", "sbr"]
    bad = text.replace("net.ipv4.conf.net1.arp_notify", "vm.swappiness")
    code, _, err = capture(["render", "-c", str(write_text(tmp_path, bad))])
    assert code == 1 and "$.networks[0].tuning.sysctl" in err and "[nad-sysctl-not-net]" not in err.split("\n")[1:]


def test_validate_finds_a_chained_plugin_first(tmp_path: Path) -> None:
    config = json.dumps({"cniVersion": "0.3.1", "name": "c", "plugins": [{"type": "tuning", "mtu": 1400}]})
    doc = {"apiVersion": "k8s.cni.cncf.io/v1", "kind": "NetworkAttachmentDefinition", "metadata": {"name": "c"}}
    path = tmp_path / "nad.yaml"
    path.write_text(yaml.safe_dump({**doc, "spec": {"config": config}}))
    code, out, _ = capture(["validate", str(path)])
    assert code == 1 and "[nad-chain-order]" in out


SRIOV = ["nad", "s", "--type", "sriov", "--range", "10.6.0.0/24"]


def test_sriov_nad_carries_the_resource_annotation_and_validate_agrees(tmp_path: Path) -> None:
    vf = ["--vlan", "100", "--spoofchk", "off", "--trust", "on", "--min-tx-rate", "10", "--max-tx-rate", "100"]
    code, out, err = capture([*SRIOV, "--resource-name", "intel.com/sriov_a", *vf, "--link-state", "enable"])
    assert code == 0, err
    doc = yaml.safe_load(out)
    assert doc["metadata"]["annotations"] == {"k8s.v1.cni.cncf.io/resourceName": "intel.com/sriov_a"}
    config = json.loads(doc["spec"]["config"])
    assert (config["type"], config["vlan"], config["spoofchk"], config["trust"]) == ("sriov", 100, "off", "on")
    assert (config["link_state"], config["min_tx_rate"], config["max_tx_rate"]) == ("enable", 10, 100)
    path = tmp_path / "nad.yaml"
    path.write_text(out)
    assert capture(["validate", str(path)])[0] == 0
    del doc["metadata"]["annotations"]
    path.write_text(yaml.safe_dump(doc))
    code, found, _ = capture(["validate", str(path)])
    assert code == 1 and "[nad-sriov-no-resource]" in found


@pytest.mark.parametrize(
    ("args", "flag", "rule"),
    [
        (["--master", "eth1"], "--master", "nad-foreign-key"),
        ([], "--resource-name", "nad-sriov-no-resource"),
        (["--resource-name", "r", "--spoofchk", "maybe"], "--spoofchk", "nad-sriov-value"),
        (["--resource-name", "r", "--vlan", "5000"], "--vlan", "nad-vlan-invalid"),
        (["--resource-name", "r", "--min-tx-rate", "100", "--max-tx-rate", "10"], "--min-tx-rate", "nad-sriov-value"),
        (["--resource-name", "r", "--link-state", "up"], "--link-state", "nad-sriov-value"),
    ],
)
def test_sriov_bad_input_is_one_line_naming_the_flag(args: list[str], flag: str, rule: str) -> None:
    code, out, err = capture([*SRIOV, *args])
    assert code == 1 and out == "" and err.count("\n") == 1
    assert err.startswith(f"multus-gen: error: {flag}:") and err.strip().endswith(f"[{rule}]")


def test_sriov_in_a_spec(tmp_path: Path) -> None:
    text = DUAL.replace("RANGE", "192.168.5.0/24").replace("type: macvlan, master: eth1", "type: sriov, vlan: 7")
    code, _, err = capture(["render", "-c", str(write_text(tmp_path, text))])
    assert code == 1 and "$.networks[0]" in err and "resourceName" in err
    good = text.replace("vlan: 7", "vlan: 7, resourceName: intel.com/sriov_a, spoofchk: 'on'")
    code, out, err = capture(["render", "-c", str(write_text(tmp_path, good))])
    assert code == 0, err
    assert "k8s.v1.cni.cncf.io/resourceName: intel.com/sriov_a" in out


def test_bridge_extras_are_written_and_refused_elsewhere() -> None:
    extras = ["--is-default-gateway", "--hairpin-mode", "--macspoofchk", "--promisc-mode"]
    bridge = ["nad", "b", "--type", "bridge", "--bridge", "br1", "--range", "10.7.0.0/24"]
    code, _, err = capture([*bridge, *extras])
    assert code == 1 and err.startswith("multus-gen: error: --promisc-mode:") and "[nad-bridge-hairpin-promisc]" in err
    code, out, err = capture([*bridge, *extras[:1], *extras[2:]])
    assert code == 0, err
    config = json.loads(yaml.safe_load(out)["spec"]["config"])
    assert all(config[k] is True for k in ("isDefaultGateway", "macspoofchk", "promiscMode"))
    for flag in extras:
        code, _, err = capture(["nad", "m", "--master", "eth1", "--range", "10.7.0.0/24", flag])
        assert code == 1 and err.startswith(f"multus-gen: error: {flag}:") and "[nad-foreign-key]" in err
