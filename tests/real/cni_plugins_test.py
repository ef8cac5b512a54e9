"""Generated NADs against the real CNI reference plugins (Debian's containernetworking-plugins).

Every host-local and static variant multus-gen writes is fed, as the NAD's ``spec.config``, to the real
plugin: host-local on its own (it runs without a namespace) to exhaust a small window, and macvlan,
ipvlan and bridge inside a fresh network namespace with a veth parent. The addresses handed out must lie
in the requested window and never be the network, broadcast or gateway address (host-local has no
exclude; its window is rangeStart..rangeEnd). Needs root, ``ip netns`` and /usr/lib/cni; otherwise the
tests skip (or fail under MULTUS_GEN_REQUIRE_REAL=1). Names carry the pid, so concurrent runs do not clash.
"""

from __future__ import annotations

import ipaddress
import itertools
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from multus_gen.networks.ipam import load_ipam
from multus_gen.networks.ipam_build import IpamInputs
from multus_gen.networks.models import HostLocalIpam
from multus_gen.networks.nad_build import NadOptions, build_nad

pytestmark = [pytest.mark.real, pytest.mark.slow]  # plugins run in network namespaces: ~20 s

CNI_PATH = Path(os.environ.get("MULTUS_GEN_CNI_PATH", "/usr/lib/cni"))
PID = os.getpid()
_counter = itertools.count(1)
IPAddr = ipaddress.IPv4Address | ipaddress.IPv6Address


def _uid() -> int:
    return next(_counter)


def _run(args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, check=check, timeout=60)


@pytest.fixture(scope="module")
def cni(require_real: Callable[[str], None]) -> Path:
    """The plugin directory, once root, the plugins and ``ip netns`` are known to work."""
    missing = [p for p in ("host-local", "static", "macvlan", "ipvlan", "bridge") if not (CNI_PATH / p).is_file()]
    if missing:
        require_real(
            f"CNI plugins {', '.join(missing)} not in {CNI_PATH} (apt-get install containernetworking-plugins)"
        )
    if os.geteuid() != 0:
        require_real("CNI plugin tests need root (network namespaces, links)")
    if shutil.which("ip") is None:
        require_real("iproute2 'ip' is not installed")
    probe = f"mg-probe-{PID}"
    made = _run(["ip", "netns", "add", probe], check=False)
    if made.returncode != 0:
        require_real(f"'ip netns add' does not work here: {made.stderr.strip()}")
    _run(["ip", "netns", "del", probe], check=False)
    return CNI_PATH


@pytest.fixture
def netns(cni: Path) -> Iterator[Callable[[], str]]:
    """Factory: a fresh network namespace per call, deleted afterwards."""
    made: list[str] = []

    def make() -> str:
        name = f"mg-{PID}-{_uid()}"
        _run(["ip", "netns", "add", name])
        made.append(name)
        return name

    yield make
    for name in made:
        _run(["ip", "netns", "del", name], check=False)


@pytest.fixture
def parent(cni: Path) -> Iterator[str]:
    """A host veth (its peer stays on the host too) to be the macvlan/ipvlan parent."""
    n = _uid()
    a, b = f"mgv{PID}{n}a", f"mgv{PID}{n}b"
    _run(["ip", "link", "add", a, "type", "veth", "peer", "name", b])
    _run(["ip", "link", "set", a, "up"])
    _run(["ip", "link", "set", b, "up"])
    yield a
    _run(["ip", "link", "del", a], check=False)


@pytest.fixture
def bridge_name(cni: Path) -> Iterator[str]:
    name = f"mgbr{PID}{_uid()}"
    yield name
    _run(["ip", "link", "del", name], check=False)


class Cni:
    """Runs one plugin binary with a config, remembers every ADD and undoes it (DEL) at the end."""

    def __init__(self, plugin_dir: Path) -> None:
        self.dir = plugin_dir
        self.added: list[tuple[str, str, str, str, str, str]] = []

    def call(
        self, command: str, plugin: str, config: str, *, netns: str, ifname: str, cid: str, args: str = ""
    ) -> dict[str, Any]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "CNI_COMMAND": command,
            "CNI_CONTAINERID": cid,
            "CNI_NETNS": netns,
            "CNI_IFNAME": ifname,
            "CNI_PATH": str(self.dir),
            "CNI_ARGS": args,
        }
        proc = subprocess.run(
            [str(self.dir / plugin)], input=config, capture_output=True, text=True, env=env, timeout=60
        )
        out = proc.stdout.strip()
        parsed: dict[str, Any] = json.loads(out) if out else {}
        if proc.returncode != 0:
            raise CniError(parsed.get("msg", out) or proc.stderr.strip())
        return parsed

    def add(
        self,
        plugin: str,
        config: str,
        *,
        netns: str,
        ifname: str = "net1",
        cid: str | None = None,
        args: str = "",
    ) -> dict[str, Any]:
        """ADD (``args``: CNI_ARGS, as Multus passes them: ``K8S_POD_NAME=...;...``)."""
        cid = cid or f"mg-{PID}-{_uid()}"
        result = self.call("ADD", plugin, config, netns=netns, ifname=ifname, cid=cid, args=args)
        self.added.append((plugin, config, netns, ifname, cid, args))
        return result

    def delete_all(self) -> list[str]:
        failures = []
        while self.added:
            plugin, config, netns, ifname, cid, args = self.added.pop()
            try:
                self.call("DEL", plugin, config, netns=netns, ifname=ifname, cid=cid, args=args)
            except CniError as exc:
                failures.append(f"DEL {plugin} {cid}: {exc}")
        return failures


class CniError(Exception):
    pass


@pytest.fixture
def plugins(cni: Path) -> Iterator[Cni]:
    runner = Cni(cni)
    yield runner
    runner.delete_all()


class Allowed:
    """What host-local may hand out for one range set: its windows minus their gateways."""

    def __init__(self, windows: list[tuple[IPAddr, IPAddr, IPAddr]]) -> None:
        self.windows = windows

    def __contains__(self, ip: object) -> bool:
        return any(
            isinstance(ip, type(start)) and int(start) <= int(ip) <= int(end) and ip != gw
            for start, end, gw in self.windows
        )

    def all(self) -> set[IPAddr]:
        """Every allowed address (only for small windows)."""
        out: set[IPAddr] = set()
        for start, end, gw in self.windows:
            assert int(end) - int(start) < 4096, "window too large to enumerate"
            out |= {start + k for k in range(int(end) - int(start) + 1)} - {gw}
        return out

    def __repr__(self) -> str:
        return ", ".join(f"{s}-{e} (gateway {g})" for s, e, g in self.windows)


def _allowed(ipam: dict[str, Any]) -> list[Allowed]:
    """Per range set, what host-local may hand out."""
    model, _ = load_ipam(ipam)
    assert isinstance(model, HostLocalIpam)
    return [Allowed([(*r.window(), r.effective_gateway()) for r in rset]) for rset in model.range_sets]


def _result_ips(result: dict[str, Any]) -> list[ipaddress.IPv4Interface | ipaddress.IPv6Interface]:
    return [ipaddress.ip_interface(ip["address"]) for ip in result.get("ips", [])]


def _ns_addrs(netns: str, ifname: str) -> set[ipaddress.IPv4Interface | ipaddress.IPv6Interface]:
    shown = json.loads(_run(["ip", "-n", netns, "-j", "addr", "show", "dev", ifname]).stdout)
    return {
        ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}")
        for link in shown
        for a in link.get("addr_info", [])
        if not ipaddress.ip_address(a["local"]).is_link_local
    }


def _assert_route(netns: str, route: dict[str, str]) -> None:
    """The route (dst, optional gw) is installed on net1 in ``netns``."""
    family = "-6" if ":" in route["dst"] else "-4"
    shown = json.loads(_run(["ip", "-n", netns, "-j", family, "route", "show", route["dst"]]).stdout)
    assert [r for r in shown if r.get("dev") == "net1"], f"route {route} missing: {shown}"
    if "gw" in route:
        assert {r.get("gateway") for r in shown} == {route["gw"]}


def _nad(name: str, ipam: IpamInputs, **kw: Any) -> tuple[str, dict[str, Any]]:
    result = build_nad(NadOptions(name=name, ipam=ipam, **kw))
    text: str = result.doc["spec"]["config"]
    return text, json.loads(text)


# --------------------------------------------------------------------------------------------------
# host-local alone: exhaust small windows

HOSTLOCAL_WINDOWS: list[tuple[str, dict[str, Any]]] = [
    ("v4 default window", {"ranges": ("10.201.0.0/29",)}),
    ("v4 start-end", {"ranges": ("10.201.1.0/24",), "range_start": ("10.201.1.20",), "range_end": ("10.201.1.24",)}),
    (
        "v4 start-end around the gateway",
        {"ranges": ("10.201.2.0/24",), "range_start": ("10.201.2.1",), "range_end": ("10.201.2.4",)},
    ),
    (
        "v4 gateway inside the window",
        {
            "ranges": ("10.201.3.0/28",),
            "gateway": ("10.201.3.5",),
            "range_start": ("10.201.3.3",),
            "range_end": ("10.201.3.7",),
        },
    ),
    ("v6 default window", {"ranges": ("fd00:201::/125",)}),
    (
        "v6 start-end",
        {"ranges": ("fd00:201:1::/64",), "range_start": ("fd00:201:1::100",), "range_end": ("fd00:201:1::104",)},
    ),
    ("dual stack", {"ranges": ("10.201.4.0/29", "fd00:201:4::/125"), "range_end": ("fd00:201:4::5",)}),
]


@pytest.mark.parametrize("version", ["0.3.1", "1.0.0"])
@pytest.mark.parametrize(("fields"), [w[1] for w in HOSTLOCAL_WINDOWS], ids=[w[0] for w in HOSTLOCAL_WINDOWS])
def test_host_local_exhausts_exactly_the_window(
    plugins: Cni, tmp_path: Path, fields: dict[str, Any], version: str
) -> None:
    ipam = IpamInputs("host-local", data_dir=str(tmp_path / "host-local"), **fields)
    text, config = _nad(f"hl-{PID}-{_uid()}", ipam, master="eth0", cni_version=version)
    allowed = _allowed(config["ipam"])
    handed: list[set[IPAddr]] = [set() for _ in allowed]
    for _ in range(64):
        try:
            result = plugins.add("host-local", text, netns="/dev/null")
        except CniError as exc:
            assert "no IP addresses available" in str(exc)
            break
        ips = _result_ips(result)
        assert len(ips) == len(allowed)  # one address per range set
        for i, ip in enumerate(ips):
            assert ip.ip in allowed[i], f"{ip} is outside {allowed[i]!r}"
            assert ip.ip not in handed[i], f"{ip} handed out twice"
            handed[i].add(ip.ip)
    else:
        pytest.fail("host-local never ran out of addresses")
    # the smallest set runs out first; for single sets every allowed address was used
    if len(allowed) == 1:
        assert handed[0] == allowed[0].all()
    assert plugins.delete_all() == []
    # after DEL everything is free again
    result = plugins.add("host-local", text, netns="/dev/null")
    assert all(ip.ip in allowed[i] for i, ip in enumerate(_result_ips(result)))


# --------------------------------------------------------------------------------------------------
# Master plugins in a network namespace

NS_VARIANTS: list[tuple[str, str, dict[str, Any]]] = [
    ("macvlan v4", "macvlan", {"ranges": ("10.202.0.0/24",)}),
    (
        "macvlan v4 window + route",
        "macvlan",
        {
            "ranges": ("10.202.1.0/24",),
            "range_start": ("10.202.1.100",),
            "range_end": ("10.202.1.110",),
            "routes": ("10.99.0.0/16,10.202.1.1",),
        },
    ),
    ("macvlan v6", "macvlan", {"ranges": ("fd00:202::/64",), "range_start": ("fd00:202::10",)}),
    (
        "macvlan dual stack",
        "macvlan",
        {
            "ranges": ("10.202.2.0/24", "fd00:202:2::/64"),
            "range_start": ("10.202.2.50", "fd00:202:2::50"),
            "range_end": ("10.202.2.60",),
        },
    ),
    (
        "ipvlan v4",
        "ipvlan",
        {"ranges": ("10.202.3.0/24",), "range_start": ("10.202.3.7",), "range_end": ("10.202.3.9",)},
    ),
    ("ipvlan dual stack", "ipvlan", {"ranges": ("10.202.4.0/24", "fd00:202:4::/120")}),
    ("bridge v4 gateway", "bridge", {"ranges": ("10.202.5.0/24",), "range_start": ("10.202.5.10",)}),
    (
        "bridge dual stack",
        "bridge",
        {"ranges": ("10.202.6.0/28", "fd00:202:6::/124"), "range_end": ("10.202.6.9", "fd00:202:6::9")},
    ),
]


def _ipvlan_supported(parent: str) -> bool:
    probe = f"mgi{PID}{_uid()}"
    made = _run(["ip", "link", "add", "link", parent, "name", probe, "type", "ipvlan", "mode", "l2"], check=False)
    _run(["ip", "link", "del", probe], check=False)
    return made.returncode == 0


@pytest.mark.parametrize("version", ["0.3.1", "1.0.0"])
@pytest.mark.parametrize(("ptype", "fields"), [v[1:] for v in NS_VARIANTS], ids=[v[0] for v in NS_VARIANTS])
def test_plugin_in_netns(
    plugins: Cni,
    netns: Callable[[], str],
    parent: str,
    bridge_name: str,
    tmp_path: Path,
    ptype: str,
    fields: dict[str, Any],
    version: str,
) -> None:
    if ptype == "ipvlan" and not _ipvlan_supported(parent):
        # The plugin is there; the kernel lacks the ipvlan driver. Not something installing parts fixes,
        # so a plain skip even under MULTUS_GEN_REQUIRE_REAL=1.
        pytest.skip("this kernel cannot create ipvlan links (no ipvlan driver)")
    ipam = IpamInputs("host-local", data_dir=str(tmp_path / "host-local"), **fields)
    plugin_kw: dict[str, Any] = (
        {"bridge": bridge_name, "is_gateway": True} if ptype == "bridge" else {"master": parent, "mtu": 1400}
    )
    text, config = _nad(f"ns-{PID}-{_uid()}", ipam, type=ptype, cni_version=version, **plugin_kw)
    allowed = _allowed(config["ipam"])
    seen: set[IPAddr] = set()
    for _ in range(2):  # two pods, two namespaces
        ns = netns()
        result = plugins.add(ptype, text, netns=f"/var/run/netns/{ns}")
        assert result["cniVersion"] == version
        ips = _result_ips(result)
        assert len(ips) == len(allowed)
        for i, ip in enumerate(ips):
            assert ip.ip in allowed[i], f"{ip} is outside {allowed[i]!r}"
            assert ip.ip not in seen
            seen.add(ip.ip)
        assert set(ips) <= _ns_addrs(ns, "net1")
        if ptype != "bridge":
            link = json.loads(_run(["ip", "-n", ns, "-j", "link", "show", "net1"]).stdout)[0]
            assert link["mtu"] == 1400
        for route in config["ipam"].get("routes", []):
            _assert_route(ns, route)
    if ptype == "bridge":
        gateways = {r["gateway"] for s in config["ipam"]["ranges"] for r in s if "gateway" in r} or {
            str(ipaddress.ip_network(s[0]["subnet"]).network_address + 1) for s in config["ipam"]["ranges"]
        }
        on_bridge = {str(a.ip) for a in _ns_addrs_host(bridge_name)}
        assert gateways <= on_bridge  # isGateway puts the gateway on the bridge
    assert plugins.delete_all() == []


def _ns_addrs_host(ifname: str) -> set[ipaddress.IPv4Interface | ipaddress.IPv6Interface]:
    shown = json.loads(_run(["ip", "-j", "addr", "show", "dev", ifname]).stdout)
    return {
        ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}")
        for link in shown
        for a in link.get("addr_info", [])
        if not ipaddress.ip_address(a["local"]).is_link_local
    }


STATIC_VARIANTS: list[tuple[str, dict[str, Any]]] = [
    ("v4", {"addresses": ("10.203.0.5/24,10.203.0.1",), "routes": ("0.0.0.0/0",)}),
    ("v6", {"addresses": ("fd00:203::5/64,fd00:203::1",), "routes": ("fd00:99::/64",)}),
    ("dual stack", {"addresses": ("10.203.1.5/24", "fd00:203:1::5/64"), "routes": ("10.98.0.0/16,10.203.1.1",)}),
]


@pytest.mark.parametrize("version", ["0.3.1", "1.0.0"])
@pytest.mark.parametrize("fields", [v[1] for v in STATIC_VARIANTS], ids=[v[0] for v in STATIC_VARIANTS])
def test_static_in_netns(
    plugins: Cni, netns: Callable[[], str], parent: str, fields: dict[str, Any], version: str
) -> None:
    text, config = _nad(f"st-{PID}-{_uid()}", IpamInputs("static", **fields), master=parent, cni_version=version)
    ns = netns()
    result = plugins.add("macvlan", text, netns=f"/var/run/netns/{ns}")
    want = {ipaddress.ip_interface(a["address"]) for a in config["ipam"]["addresses"]}
    assert set(_result_ips(result)) == want
    assert want <= _ns_addrs(ns, "net1")
    for route in config["ipam"].get("routes", []):
        _assert_route(ns, route)
    assert plugins.delete_all() == []
    gone = _run(["ip", "-n", ns, "link", "show", "net1"], check=False)
    assert gone.returncode != 0  # DEL removed the macvlan link


@pytest.mark.parametrize("version", ["0.3.1", "1.0.0"])
@pytest.mark.parametrize(
    "fields",
    [{"ranges": ("10.204.0.0/24",)}, {"ranges": ("10.204.1.0/24", "fd00:204:1::/120")}],
    ids=["v4", "dual stack"],
)
def test_vlan_in_netns(
    plugins: Cni, netns: Callable[[], str], parent: str, tmp_path: Path, fields: dict[str, Any], version: str
) -> None:
    """--type vlan: the real plugin makes a VLAN link of --vlan-id on --master with --mtu; the kernel takes
    one link per parent and id, so a second pod on the node is refused (nad-vlan-one-pod)."""
    if not _vlan_supported(parent):
        pytest.skip("this kernel cannot create VLAN links (no 8021q driver)")  # as for ipvlan: not a missing part
    ipam = IpamInputs("host-local", data_dir=str(tmp_path / "host-local"), **fields)
    text, config = _nad(
        f"vl-{PID}-{_uid()}", ipam, type="vlan", master=parent, vlan_id=100, mtu=1400, node="n1", cni_version=version
    )
    assert (config["type"], config["vlanId"], config["master"]) == ("vlan", 100, parent)
    ns = netns()
    result = plugins.add("vlan", text, netns=f"/var/run/netns/{ns}")
    assert set(_result_ips(result)) <= _ns_addrs(ns, "net1")
    assert len(_result_ips(result)) == len(fields["ranges"])
    link = json.loads(_run(["ip", "-n", ns, "-d", "-j", "link", "show", "net1"]).stdout)[0]
    assert link["mtu"] == 1400
    assert link["linkinfo"]["info_kind"] == "vlan" and link["linkinfo"]["info_data"]["id"] == 100
    with pytest.raises(CniError):
        plugins.add("vlan", text, netns=f"/var/run/netns/{netns()}")
    assert plugins.delete_all() == []


def _vlan_supported(parent: str) -> bool:
    probe = f"mgq{PID}{_uid()}"
    made = _run(["ip", "link", "add", "link", parent, "name", probe, "type", "vlan", "id", "7"], check=False)
    _run(["ip", "link", "del", probe], check=False)
    return made.returncode == 0


def test_vlan_plugin_reads_the_config_as_multus_gen_checks_it(
    plugins: Cni, netns: Callable[[], str], parent: str
) -> None:
    """Without the kernel's VLAN driver the plugin still parses the config first: what multus-gen writes gets
    past that, and what it refuses (no master, an id outside 1-4094) the plugin refuses too (it also takes
    0, which tags nothing: multus-gen's range is 1-4094)."""
    ipam = IpamInputs("static", addresses=("10.204.2.5/24",))
    text, config = _nad(f"vq-{PID}-{_uid()}", ipam, type="vlan", master=parent, vlan_id=4094, mtu=1400)
    ns = f"/var/run/netns/{netns()}"
    try:
        plugins.add("vlan", text, netns=ns)
    except CniError as exc:
        assert "failed to create vlan" in str(exc)  # past the config: the kernel refused the link
    for broken, words in (
        ({k: v for k, v in config.items() if k != "master"}, "master"),
        ({**config, "vlanId": 4095}, "VLAN ID"),
    ):
        with pytest.raises(CniError, match=words):
            plugins.add("vlan", json.dumps(broken), netns=ns)


def _run_conflist(plugins: Cni, conflist: dict[str, Any], ns: str) -> dict[str, Any]:
    """ADD every plugin of a conflist in order, each with the previous result (as libcni does)."""
    result: dict[str, Any] = {}
    for plugin in conflist["plugins"]:
        conf = {"cniVersion": conflist["cniVersion"], "name": conflist["name"], **plugin}
        if result:
            conf["prevResult"] = result
        result = plugins.add(plugin["type"], json.dumps(conf), netns=ns, cid=f"mg-{PID}-chain")
    return result


@pytest.mark.parametrize("version", ["0.3.1", "1.0.0"])
def test_chained_tuning_sbr_portmap_in_netns(
    plugins: Cni, netns: Callable[[], str], parent: str, tmp_path: Path, version: str
) -> None:
    """--sysctl/--tuning-mac/--tuning-mtu/--promisc, --portmap and --sbr: the conflist multus-gen writes runs
    through the real tuning, portmap and sbr plugins after macvlan, and each did its part."""
    ipam = IpamInputs("host-local", data_dir=str(tmp_path / "host-local"), ranges=("10.205.0.0/24",))
    _text, conflist = _nad(
        f"ch-{PID}-{_uid()}",
        ipam,
        master=parent,
        node="n1",
        cni_version=version,
        sysctl=("net.ipv4.conf.net1.arp_notify=1",),
        tuning_mac="52:54:00:12:34:56",
        tuning_mtu=1400,
        promisc=True,
        portmap=True,
        sbr=True,
    )
    assert [p["type"] for p in conflist["plugins"]] == ["macvlan", "tuning", "portmap", "sbr"]
    ns = netns()
    result = _run_conflist(plugins, conflist, f"/var/run/netns/{ns}")
    assert next(ip.ip for ip in _result_ips(result)) in ipaddress.ip_network("10.205.0.0/24")
    link = json.loads(_run(["ip", "-n", ns, "-j", "link", "show", "net1"]).stdout)[0]
    assert (link["address"], link["mtu"]) == ("52:54:00:12:34:56", 1400) and "PROMISC" in link["flags"]
    sysctl = _run(["ip", "netns", "exec", ns, "cat", "/proc/sys/net/ipv4/conf/net1/arp_notify"]).stdout.strip()
    assert sysctl == "1"
    rules = _run(["ip", "-n", ns, "rule", "show"]).stdout
    assert "from 10.205.0." in rules and "lookup 100" in rules  # sbr: a table for the interface's source
    assert plugins.delete_all() == []


def test_tuning_refuses_what_multus_gen_refuses(plugins: Cni, netns: Callable[[], str], parent: str) -> None:
    """A sysctl outside net.* is refused by the real tuning plugin too (nad-sysctl-not-net)."""
    ipam = IpamInputs("static", addresses=("10.205.1.5/24",))
    _text, conflist = _nad(f"tr-{PID}-{_uid()}", ipam, master=parent, sysctl=("net.ipv4.conf.net1.arp_notify=1",))
    conflist["plugins"][1]["sysctl"] = {"kernel.hostname": "x"}
    with pytest.raises(CniError):
        _run_conflist(plugins, conflist, f"/var/run/netns/{netns()}")


def test_bridge_extras_in_netns(plugins: Cni, netns: Callable[[], str], bridge_name: str, tmp_path: Path) -> None:
    """--is-default-gateway, --hairpin-mode, --promisc-mode and --macspoofchk reach the real bridge plugin."""
    ipam = IpamInputs("host-local", data_dir=str(tmp_path / "host-local"), ranges=("10.206.0.0/24",))
    text, config = _nad(
        f"bx-{PID}-{_uid()}",
        ipam,
        type="bridge",
        bridge=bridge_name,
        node="n1",
        is_default_gateway=True,
        hairpin_mode=True,
    )
    assert (config["isDefaultGateway"], config["hairpinMode"]) == (True, True)
    ns = netns()
    plugins.add("bridge", text, netns=f"/var/run/netns/{ns}")
    default = json.loads(_run(["ip", "-n", ns, "-j", "-4", "route", "show", "default"]).stdout)
    assert [r.get("gateway") for r in default] == ["10.206.0.1"]
    shown = json.loads(_run(["ip", "-d", "-j", "link", "show", "master", bridge_name]).stdout)
    assert shown and all(p["linkinfo"]["info_slave_data"]["hairpin"] for p in shown)
    assert plugins.delete_all() == []
    promisc, _ = _nad(f"bp-{PID}-{_uid()}", ipam, type="bridge", bridge=bridge_name, node="n1", promisc_mode=True)
    plugins.add("bridge", promisc, netns=f"/var/run/netns/{netns()}")
    bridge = json.loads(_run(["ip", "-j", "link", "show", bridge_name]).stdout)[0]
    assert "PROMISC" in bridge["flags"]
    assert plugins.delete_all() == []
    both = {**config, "promiscMode": True}  # what multus-gen refuses (nad-bridge-hairpin-promisc), so does the plugin
    with pytest.raises(CniError, match="hairpin"):
        plugins.add("bridge", json.dumps(both), netns=f"/var/run/netns/{netns()}")
    spoof, spoof_config = _nad(
        f"bs-{PID}-{_uid()}", ipam, type="bridge", bridge=bridge_name, node="n1", macspoofchk=True
    )
    assert spoof_config["macspoofchk"] is True
    try:
        plugins.add("bridge", spoof, netns=f"/var/run/netns/{netns()}")
    except CniError as exc:  # the plugin's nftables rules; without nft support the plugin says so
        assert "nft" in str(exc).lower() or "netlink" in str(exc).lower(), exc
    assert plugins.delete_all() == []


def _reads_key(plugin: Path, key: str) -> bool:
    """Whether a Go plugin binary reads config key ``key``: its struct tags (``json:"key..."``) are in the binary."""
    return f'json:"{key}'.encode() in plugin.read_bytes()


def _bridge_vlan_filtering_supported() -> bool:
    probe = f"mgf{PID}{_uid()}"
    made = _run(["ip", "link", "add", probe, "type", "bridge", "vlan_filtering", "1"], check=False)
    _run(["ip", "link", "del", probe], check=False)
    return made.returncode == 0


def test_bridge_vlan_trunk_in_netns(plugins: Cni, netns: Callable[[], str], bridge_name: str, cni: Path) -> None:
    """--vlan-trunk: the real bridge plugin takes the NAD (ADD and DEL in a namespace); where the plugin reads
    vlanTrunk (containernetworking/plugins v1.3.0 and later; Debian's v1.1.1 does not, and ignores the key) and
    the kernel filters VLANs on bridges, the pod's port carries the trunk's VLANs, vlan_filtering is on, and an
    id multus-gen refuses (above 4094) the plugin refuses too."""
    ipam = IpamInputs("static", addresses=("10.207.0.5/24",))
    text, config = _nad(f"bt-{PID}-{_uid()}", ipam, type="bridge", bridge=bridge_name, vlan_trunk=("100", "200-202"))
    assert config["vlanTrunk"] == [{"id": 100}, {"minID": 200, "maxID": 202}]
    reads = _reads_key(cni / "bridge", "vlanTrunk")
    filtering = _bridge_vlan_filtering_supported()
    if reads and not filtering:
        pytest.skip("this kernel cannot filter VLANs on a bridge (ip link add type bridge vlan_filtering 1 fails)")
    ns = netns()
    result = plugins.add("bridge", text, netns=f"/var/run/netns/{ns}")
    assert set(_result_ips(result)) <= _ns_addrs(ns, "net1")
    (port,) = [p["ifname"] for p in json.loads(_run(["ip", "-j", "link", "show", "master", bridge_name]).stdout)]
    shown = json.loads(_run(["bridge", "-j", "vlan", "show", "dev", port]).stdout or "[]")
    vids = {v["vlan"] for entry in shown for v in entry.get("vlans", [])}
    info = json.loads(_run(["ip", "-d", "-j", "link", "show", bridge_name]).stdout)[0]["linkinfo"]["info_data"]
    if not reads:  # the plugin predates vlanTrunk: it attached the pod and left the key alone
        assert not {100, 200, 201, 202} & vids and not info.get("vlan_filtering")
        assert plugins.delete_all() == []
        if filtering:
            pytest.skip(f"{cni / 'bridge'} predates vlanTrunk (reads no such key): the trunk itself is not checked")
        pytest.skip("this kernel cannot filter VLANs on a bridge, and the bridge plugin here predates vlanTrunk")
    assert {100, 200, 201, 202} <= vids and info.get("vlan_filtering") == 1, (vids, info)
    assert plugins.delete_all() == []
    with pytest.raises(CniError, match="id"):  # what nad-vlan-trunk-invalid refuses
        plugins.add("bridge", json.dumps({**config, "vlanTrunk": [{"id": 4095}]}), netns=f"/var/run/netns/{netns()}")


DHCP_SERVER = Path(__file__).with_name("dhcp_server.py")


@pytest.fixture
def dhcp_lan(cni: Path, tmp_path: Path, require_real: Callable[[str], None]) -> Iterator[tuple[str, Path, Path]]:
    """A LAN with a DHCP server and the CNI dhcp daemon: a veth pair whose host end is the macvlan parent and
    whose other end, in a namespace of its own, has 10.208.0.1 and a DHCP server (dhcp_server.py) offering
    10.208.0.50; the daemon (Debian's /usr/lib/cni/dhcp) listens on a socket in tmp_path. Yields (parent,
    socket, the server's log of client messages)."""
    if not (cni / "dhcp").is_file():
        require_real(f"the dhcp plugin is not in {cni} (apt-get install containernetworking-plugins)")
    n = _uid()
    parent, peer, server_ns = f"mgd{PID}{n}a", f"mgd{PID}{n}b", f"mg-{PID}-dhcp{n}"
    sock, log = tmp_path / "dhcp.sock", tmp_path / "server.jsonl"
    _run(["ip", "netns", "add", server_ns])
    _run(["ip", "link", "add", parent, "type", "veth", "peer", "name", peer])
    procs: list[subprocess.Popen[str]] = []
    try:
        _run(["ip", "link", "set", peer, "netns", server_ns])
        _run(["ip", "-n", server_ns, "addr", "add", "10.208.0.1/24", "dev", peer])
        _run(["ip", "-n", server_ns, "link", "set", peer, "up"])
        _run(["ip", "link", "set", parent, "up"])
        argv = [sys.executable, str(DHCP_SERVER), peer, "10.208.0.1", "10.208.0.50", str(log)]
        server = subprocess.Popen(
            ["ip", "netns", "exec", server_ns, *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        procs.append(server)
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        daemon = [str(cni / "dhcp"), "daemon", "-socketpath", str(sock), "-timeout", "3s", "-resendmax", "3s"]
        procs.append(subprocess.Popen(daemon, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True))
        for _ in range(100):
            if sock.exists():
                break
            time.sleep(0.05)
        yield parent, sock, log
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(timeout=10)
        _run(["ip", "link", "del", parent], check=False)
        _run(["ip", "netns", "del", server_ns], check=False)


def test_dhcp_options_reach_the_server(
    plugins: Cni, netns: Callable[[], str], dhcp_lan: tuple[str, Path, Path], cni: Path
) -> None:
    """--dhcp-request/--dhcp-request-skip-default/--dhcp-provide/--dhcp-provide-from-arg: macvlan with the NAD's
    dhcp block, run by the real plugin and the real dhcp daemon against a DHCP server on the parent's LAN. The
    pod gets the offered address; the server saw host-name = the pod's K8S_POD_NAME (option 12), user-class
    (77) and a request list (55) of exactly the requested options; DEL releases the lease. An option name
    multus-gen refuses is refused by the daemon too."""
    parent, sock, log = dhcp_lan
    ipam = IpamInputs(
        "dhcp",
        dhcp_request=("routers", "121"),
        dhcp_request_skip_default=True,
        dhcp_provide=("user-class=storage",),
        dhcp_provide_from_arg=("host-name=K8S_POD_NAME",),
    )
    _text, config = _nad(f"dh-{PID}-{_uid()}", ipam, master=parent)
    config["ipam"]["daemonSocketPath"] = str(sock)  # the test's daemon, not the DaemonSet's /run/cni/dhcp.sock
    args = "IgnoreUnknown=true;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0"
    ns = netns()
    result = plugins.add("macvlan", json.dumps(config), netns=f"/var/run/netns/{ns}", args=args)
    assert [str(ip) for ip in _result_ips(result)] == ["10.208.0.50/24"]
    assert ipaddress.ip_interface("10.208.0.50/24") in _ns_addrs(ns, "net1")
    seen = [json.loads(line) for line in log.read_text().splitlines()]
    request = next(m for m in seen if m["type"] == 3)["options"]
    assert bytes.fromhex(request["12"]) == b"web-0"
    assert bytes.fromhex(request["77"]) == b"storage"
    assert list(bytes.fromhex(request["55"])) == [3, 121]
    assert plugins.delete_all() == []
    assert json.loads(log.read_text().splitlines()[-1])["type"] == 7  # DHCPRELEASE
    broken = json.loads(json.dumps(config))
    broken["ipam"]["provide"][1]["option"] = "hostname"  # what ipam-dhcp-option-unknown refuses
    with pytest.raises(CniError, match="Can not parse option"):
        plugins.add("macvlan", json.dumps(broken), netns=f"/var/run/netns/{netns()}", args=args)
