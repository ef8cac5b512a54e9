"""Issue 16's last options: bridge vlanTrunk, whereabouts node_slice_size / enable_overlapping_ranges /
log_level / log_file, dhcp request / provide. Each is written by `nad` and by a spec's network, checked once
(the check `validate` runs), refused on one line naming the flag (or ``file::$.networks[i]...``), and read back
by `validate`.

The shapes are the upstream ones: bridge.go's VlanTrunk ``{id}`` / ``{minID, maxID}`` (containernetworking/plugins),
whereabouts' IPAMConfig (``node_slice_size`` a string, ``log_level`` debug|verbose|error|panic), dhcp's
``request: [{option, skipDefault}]`` and ``provide: [{option, value | fromArg}]`` with options.go's six names.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import capture, write_text
from multus_gen.networks.nad import check_cni_config

BRIDGE = ["nad", "trunk", "--type", "bridge", "--bridge", "br1", "--ipam", "static", "--address", "10.1.0.5/24"]
WA = ["nad", "big", "--master", "eth1", "--range", "10.40.0.0/16"]
DHCP = ["nad", "lan", "--master", "eth2", "--ipam", "dhcp"]


def config_of(out: str) -> dict[str, Any]:
    docs = [d for d in yaml.safe_load_all(out) if d]
    parsed: dict[str, Any] = json.loads(docs[-1]["spec"]["config"])
    return parsed


def refused(argv: list[str]) -> str:
    code, out, err = capture(argv)
    assert (code, out) == (1, ""), err
    (line,) = err.splitlines()
    return line


# -- bridge vlanTrunk ---------------------------------------------------------------------------------------


def test_vlan_trunk_written_in_the_plugins_shape() -> None:
    code, out, err = capture([*BRIDGE, "--vlan-trunk", "100", "--vlan-trunk", "200-299", "--vlan-trunk", "4094"])
    assert code == 0, err
    config = config_of(out)
    assert config["vlanTrunk"] == [{"id": 100}, {"minID": 200, "maxID": 299}, {"id": 4094}]
    assert list(config)[:5] == ["cniVersion", "name", "type", "bridge", "vlanTrunk"]


@pytest.mark.parametrize(
    ("extra", "flag", "words"),
    [
        (["--vlan-trunk", "100-110", "--vlan-trunk", "110-120"], "--vlan-trunk", "overlaps 100-110"),
        (["--vlan-trunk", "4095"], "--vlan-trunk", "4095 is not a VLAN id"),
        (["--vlan-trunk", "0"], "--vlan-trunk", "0 is not a VLAN id"),
        (["--vlan-trunk", "300-200"], "--vlan-trunk", "minID 300 is above maxID 200"),
        (["--vlan-trunk", "1,2"], "--vlan-trunk", "not a VLAN id or a MIN-MAX range"),
    ],
)
def test_vlan_trunk_refused_on_one_line(extra: list[str], flag: str, words: str) -> None:
    line = refused([*BRIDGE, *extra])
    assert line.startswith(f"multus-gen: error: {flag}: ") and words in line, line


def test_vlan_with_vlan_trunk_is_the_native_vlan_with_a_warning() -> None:
    """Plugins v1.8.0+ (rke2-multus v4.3.017's v1.9.1) take vlan as the trunk's native VLAN; v1.3-v1.7 refuse it."""
    code, out, err = capture([*BRIDGE, "--vlan-trunk", "100", "--vlan", "7"])
    assert code == 0 and "[nad-vlan-trunk-with-vlan]" in err and "v1.8.0" in err, err
    config = config_of(out)
    assert (config["vlan"], config["vlanTrunk"]) == (7, [{"id": 100}])


def test_vlan_trunk_is_a_bridge_key() -> None:
    line = refused(["nad", "m", "--master", "eth1", "--range", "10.7.0.0/24", "--vlan-trunk", "5"])
    assert line.startswith("multus-gen: error: --vlan-trunk:") and "[nad-foreign-key]" in line


@pytest.mark.parametrize(
    ("trunk", "rules"),
    [
        ([{"ID": 5}, {"MinId": 6, "maxid": 9}], []),  # Go's JSON reader ignores the case of keys
        ([{"id": 5, "minID": 6, "maxID": 9}], []),  # the plugin takes both from one entry
        ([{"minID": 6}], ["nad-vlan-trunk-invalid"]),
        ([{"id": True}], ["nad-vlan-trunk-invalid"]),
        ([{"vid": 5}], ["nad-vlan-trunk-invalid"]),
        ([{}], ["nad-vlan-trunk-invalid"]),
        ([], ["nad-vlan-trunk-invalid"]),
        ({"id": 5}, ["nad-vlan-trunk-invalid"]),
        ([{"id": 7}, {"minID": 1, "maxID": 7}], ["nad-vlan-trunk-overlap"]),
    ],
)
def test_vlan_trunk_check_of_a_config(trunk: Any, rules: list[str]) -> None:
    conf = {"cniVersion": "0.3.1", "name": "t", "type": "bridge", "bridge": "br1", "vlanTrunk": trunk}
    assert [f.rule for f in check_cni_config(conf) if f.is_error] == rules


def test_vlan_trunk_in_a_spec(tmp_path: Path) -> None:
    spec = """\
cluster: {k3sVersion: v1.30.6+k3s1}
networks:
  - name: trunk
    type: bridge
    bridge: br1
    vlanTrunk: [100, "200-210", {minID: 300, maxID: 301}, {id: 7}]
    ipam: {type: static, addresses: [10.1.0.5/24]}
"""
    code, out, err = capture(["render", "-c", str(write_text(tmp_path, spec))])
    assert code == 0, err
    want = [{"id": 100}, {"minID": 200, "maxID": 210}, {"minID": 300, "maxID": 301}, {"id": 7}]
    assert config_of(out)["vlanTrunk"] == want
    bad = write_text(tmp_path, spec.replace("{id: 7}", "{id: 205}"), "bad.yaml")
    line = refused(["render", "-c", str(bad)])
    assert f"{bad}::$.networks[0].vlanTrunk (line 6):" in line and "[nad-vlan-trunk-overlap]" in line
    half = write_text(tmp_path, spec.replace("{id: 7}", "{minID: 7}"), "half.yaml")
    line = refused(["render", "-c", str(half)])
    assert f"{half}::$.networks[0].vlanTrunk[3] (line 6):" in line


# -- whereabouts -----------------------------------------------------------------------------------------------


def test_whereabouts_options_written() -> None:
    argv = [*WA, "--node-slice-size", "24", "--no-enable-overlapping-ranges", "--log-level", "verbose"]
    code, out, err = capture([*argv, "--log-file", "/var/log/whereabouts.log"])
    assert code == 0, err
    ipam = config_of(out)["ipam"]
    assert (ipam["node_slice_size"], ipam["enable_overlapping_ranges"]) == ("/24", False)
    assert (ipam["log_level"], ipam["log_file"]) == ("verbose", "/var/log/whereabouts.log")
    assert "[ipam-overlapping-ranges-off]" in err  # a warning: whereabouts' default is on
    assert "note: node_slice_size needs whereabouts' node-slice controller" in err
    assert "rke2-whereabouts.nodeSliceController.enabled=true" in err
    code, out, _ = capture([*WA, "--enable-overlapping-ranges"])
    assert code == 0 and config_of(out)["ipam"]["enable_overlapping_ranges"] is True


@pytest.mark.parametrize(
    ("extra", "flag", "words"),
    [
        (["--node-slice-size", "/16"], "--node-slice-size", "does not divide range 10.40.0.0/16"),
        (["--node-slice-size", "/31"], "--node-slice-size", "use a prefix in /17-/30"),
        (["--node-slice-size", "big"], "--node-slice-size", "not a prefix length"),
        (["--range", "fd00:40::/64", "--node-slice-size", "/24"], "--node-slice-size", "does not read ipRanges"),
        (["--log-level", "info"], "--log-level", "not one of debug, verbose, error, panic"),
        (["--log-file", "logs/wa.log"], "--log-file", "not an absolute path"),
    ],
)
def test_whereabouts_options_refused(extra: list[str], flag: str, words: str) -> None:
    line = refused([*WA, *extra])
    assert line.startswith(f"multus-gen: error: {flag}: ") and words in line, line


@pytest.mark.parametrize(
    "extra",
    [["--node-slice-size", "/26"], ["--log-level", "debug"], ["--log-file", "/x"], ["--no-enable-overlapping-ranges"]],
)
def test_whereabouts_options_only_on_whereabouts(extra: list[str]) -> None:
    line = refused(["nad", "h", "--master", "eth1", "--ipam", "host-local", "--range", "10.8.0.0/24", *extra])
    flag = extra[0].replace("--no-", "--")  # the switch's name
    assert line.startswith(f"multus-gen: error: {flag}:") and "[ipam-flag-not-for-kind]" in line, line


SLICED = """\
cluster: {k3sVersion: v1.30.6+k3s1}
networks:
  - name: big
    type: macvlan
    master: eth1
    ipam: {type: whereabouts, range: 10.40.0.0/16, nodeSliceSize: 24, logFile: /var/log/wa.log, logLevel: error}
"""


def test_render_runs_the_node_slice_controller(tmp_path: Path) -> None:
    """A spec network with nodeSliceSize makes render set rke2-whereabouts.nodeSliceController.enabled, and the
    folder it writes passes `validate` (which requires the value for such a NAD)."""
    code, _out, err = capture(["render", "-c", str(write_text(tmp_path, SLICED)), "--out-dir", str(tmp_path / "o")])
    assert code == 0, err
    values = yaml.safe_load((tmp_path / "o" / "multus.yaml").read_text().split("---\n")[-1])
    content = yaml.safe_load(values["spec"]["valuesContent"])
    assert content["rke2-whereabouts"]["nodeSliceController"] == {"enabled": True}
    nad = (tmp_path / "o" / "multus-networks.yaml").read_text()
    ipam = config_of(nad)["ipam"]
    assert (ipam["node_slice_size"], ipam["log_file"], ipam["log_level"]) == ("/24", "/var/log/wa.log", "error")
    code, report, err = capture(["validate", str(tmp_path / "o")])
    assert code == 0, report + err
    # validate of the NADs beside a HelmChart without the controller: the one rule, ipam-prerequisite
    code, plain, err = capture(["helmchart", "--ipam", "whereabouts", "--k3s-version", "v1.30.6+k3s1"])
    assert code == 0, err
    (tmp_path / "o" / "multus.yaml").write_text(plain)
    code, report, err = capture(["validate", str(tmp_path / "o"), "-o", "json"])
    found = [f for f in json.loads(report)["findings"] if f["rule"] == "ipam-prerequisite"]
    assert code == 1 and found and "nodeSliceController" in found[0]["message"], report


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (
            ("cluster: {k3sVersion: v1.30.6+k3s1}", "cluster: {k3sVersion: v1.30.6+k3s1}\nchart: {version: v4.0.203}"),
            "which rke2-multus v4.0.203 does not have",
        ),
        (
            (
                "networks:",
                "chart: {values: {rke2-whereabouts: {nodeSliceController: {enabled: false}}}}\nnetworks:",
            ),
            "sets rke2-whereabouts.nodeSliceController.enabled: true",
        ),
    ],
)
def test_render_refuses_a_chart_without_the_controller(tmp_path: Path, edit: tuple[str, str], words: str) -> None:
    line = refused(["render", "-c", str(write_text(tmp_path, SLICED.replace(*edit)))])
    assert words in line and "[ipam-prerequisite]" in line, line


def test_whereabouts_spec_errors_name_the_spec_path(tmp_path: Path) -> None:
    path = write_text(tmp_path, SLICED.replace("logFile: /var/log/wa.log", "logFile: wa.log"))
    line = refused(["render", "-c", str(path)])
    assert f"{path}::$.networks[0].ipam.logFile (line 6):" in line and "[ipam-log-file-invalid]" in line


# -- dhcp ---------------------------------------------------------------------------------------------------------


def test_dhcp_options_written_in_the_plugins_shape() -> None:
    argv = [*DHCP, "--dhcp-request", "routers", "--dhcp-request", "121", "--dhcp-request-skip-default"]
    argv += ["--dhcp-provide", "user-class=storage", "--dhcp-provide-from-arg", "host-name=K8S_POD_NAME"]
    code, out, err = capture(argv)
    assert code == 0, err
    ipam = config_of(out)["ipam"]
    assert ipam["request"] == [{"option": "routers", "skipDefault": True}, {"option": "121", "skipDefault": True}]
    assert ipam["provide"] == [
        {"option": "user-class", "value": "storage"},
        {"option": "host-name", "fromArg": "K8S_POD_NAME"},
    ]


@pytest.mark.parametrize(
    ("extra", "flag", "words"),
    [
        (["--dhcp-request", "subnet_mask"], "--dhcp-request", "use one of dhcp-client-identifier, subnet-mask"),
        (["--dhcp-request", "0"], "--dhcp-request", "nor an option number (1-254)"),
        (["--dhcp-provide", "hostname=x"], "--dhcp-provide", "'hostname' is neither"),
        (["--dhcp-provide-from-arg", "hostname=K8S_POD_NAME"], "--dhcp-provide-from-arg", "'hostname' is neither"),
        (["--dhcp-provide", "host-name"], "--dhcp-provide", "is not OPTION=VALUE"),
        (["--dhcp-provide", "user-class=" + "x" * 256], "--dhcp-provide", "at most 255 bytes"),
        (["--dhcp-request-skip-default"], "--dhcp-request-skip-default", "no --dhcp-request"),
    ],
)
def test_dhcp_options_refused(extra: list[str], flag: str, words: str) -> None:
    line = refused([*DHCP, *extra])
    assert line.startswith(f"multus-gen: error: {flag}: ") and words in line, line


def test_dhcp_from_an_arg_multus_does_not_pass_warns() -> None:
    code, out, err = capture([*DHCP, "--dhcp-provide-from-arg", "host-name=POD_NAME"])
    assert code == 0 and "[ipam-dhcp-from-arg-unknown]" in err and "K8S_POD_NAME" in err
    assert config_of(out)["ipam"]["provide"] == [{"option": "host-name", "fromArg": "POD_NAME"}]


@pytest.mark.parametrize("extra", [["--dhcp-request", "routers"], ["--dhcp-provide", "host-name=x"]])
def test_dhcp_options_only_on_dhcp(extra: list[str]) -> None:
    line = refused([*WA, *extra])
    assert line.startswith(f"multus-gen: error: {extra[0]}:") and "[ipam-flag-not-for-kind]" in line, line


def test_dhcp_options_in_a_spec(tmp_path: Path) -> None:
    spec = """\
cluster: {k3sVersion: v1.30.6+k3s1}
networks:
  - name: lan
    type: macvlan
    master: eth2
    ipam:
      type: dhcp
      request: [subnet-mask, 121]
      requestSkipDefault: true
      provide: [{option: host-name, fromArg: K8S_POD_NAME}, {option: 77, value: storage}]
"""
    path = write_text(tmp_path, spec)
    code, _out, err = capture(["render", "-c", str(path), "--out-dir", str(tmp_path / "o")])
    assert code == 0, err
    ipam = config_of((tmp_path / "o" / "multus-networks.yaml").read_text())["ipam"]
    assert [r["option"] for r in ipam["request"]] == ["subnet-mask", "121"]
    assert ipam["provide"] == [{"option": "77", "value": "storage"}, {"option": "host-name", "fromArg": "K8S_POD_NAME"}]
    code, report, err = capture(["validate", str(tmp_path / "o")])
    assert code == 0, report + err
    bad = write_text(tmp_path, spec.replace("option: host-name,", "option: hostname,"), "bad.yaml")
    line = refused(["render", "-c", str(bad)])
    assert f"{bad}::$.networks[0].ipam.provide (line 10):" in line and "[ipam-dhcp-option-unknown]" in line
    empty = write_text(tmp_path, spec.replace("{option: 77, value: storage}", "{option: 77}"), "empty.yaml")
    line = refused(["render", "-c", str(empty)])
    assert f"{empty}::$.networks[0].ipam.provide[1] (line 10):" in line  # neither value nor fromArg: never dropped


@pytest.mark.parametrize(
    ("ipam", "rules"),
    [
        ({"request": [{"option": "routers", "skipDefault": "yes"}]}, ["ipam-dhcp-option-invalid"]),
        ({"request": [{"skipDefault": True}]}, []),  # options.go: skip the defaults, request nothing
        ({"request": [{"skipDefault": False}]}, ["ipam-dhcp-option-invalid"]),
        ({"provide": [{"option": "host-name"}]}, ["ipam-dhcp-option-invalid"]),
        ({"provide": [{"option": "host-name", "value": 5}]}, ["ipam-dhcp-option-invalid"]),
        ({"provide": [{"option": "12", "value": "pod"}], "request": [{"option": "routers"}]}, []),
        ({"request": "routers"}, ["ipam-malformed"]),
    ],
)
def test_dhcp_check_of_a_config(ipam: dict[str, Any], rules: list[str]) -> None:
    conf = {"cniVersion": "0.3.1", "name": "l", "type": "macvlan", "master": "eth2", "ipam": {"type": "dhcp", **ipam}}
    assert [f.rule for f in check_cni_config(conf) if f.is_error] == rules


NATIVE = """\
cluster: {k3sVersion: v1.30.6+k3s1}
chart: {version: v4.2.202}
networks:
  - name: trunk
    type: bridge
    bridge: br1
    vlan: 5
    vlanTrunk: [100]
    ipam: {type: whereabouts, range: 10.60.0.0/24}
"""


def test_vlan_with_vlan_trunk_refused_where_the_charts_plugins_refuse_it(tmp_path: Path) -> None:
    """bridge-native-vlan: rke2-multus v4.2.202 installs CNI plugins v1.7.1, whose bridge refuses vlan with
    vlanTrunk; v4.3.017's v1.9.1 takes it (a warning remains); a cniplugins.image.tag in the values decides."""
    line = refused(["render", "-c", str(write_text(tmp_path, NATIVE))])
    assert "installs CNI plugins v1.7.1-build20250725" in line and "[bridge-native-vlan]" in line, line
    code, _, err = capture(
        ["render", "-c", str(write_text(tmp_path, NATIVE.replace("v4.2.202", "v4.3.017"), "new.yaml"))]
    )
    assert code == 0 and "[nad-vlan-trunk-with-vlan]" in err, err
    tagged = NATIVE.replace("{version: v4.2.202}", "{version: v4.2.202, values: {cniplugins: {image: {tag: v1.8.0}}}}")
    code, _, err = capture(["render", "-c", str(write_text(tmp_path, tagged, "tagged.yaml"))])
    assert code == 0, err
