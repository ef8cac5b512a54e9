"""Random option combinations for `helmchart`, `values` and `nad`, through the CLI in-process.

Every run ends one of two ways:

* exit 0: stdout parses, meets our schemas and the upstream CRDs, survives a YAML round trip through our
  serializer unchanged, and `multus-gen validate` accepts it for the same cluster with no error (warnings
  allowed): one rule set, one severity -- what validate calls an error, the generator refuses (no --allow
  is drawn here);
* exit 1 or 2: exactly one line on stderr, nothing on stdout.

Never a traceback, never exit 3. Counts: see EXAMPLES (the totals are printed with -s).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crdschema import crd_errors
from helpers import capture, docs_of, examples
from multus_gen.check.schemas import schema_errors
from multus_gen.knowledge import charts
from multus_gen.values.compose import sort_keys
from multus_gen.yamlio.serialize import HEADER_PREFIX, documents, dump_values

EXAMPLES = {"helmchart": examples(300), "values": examples(200), "nad": examples(300), "formats": examples(200)}
RAN: dict[str, int] = dict.fromkeys(EXAMPLES, 0)
OUTCOMES: dict[str, dict[int, int]] = {k: {} for k in EXAMPLES}

HAZARD_SCALARS = ["yes", "no", "on", "0777", "1e3", "null", "~", "*x", "&a", "!t", "%p", "@a", "a: b", "--- x", "ü日本"]
VALUE_KEYS = [
    "config.cni_conf.logLevel",
    "config.cni_conf.binDir",
    "config.cni_conf.confDir",
    "config.cni_conf.multusAutoconfigDir",
    "config.cni_conf.kubeconfig",
    "manifests.dhcpDaemonSet",
    "rke2-whereabouts.enabled",
    "rke2-whereabouts.cniConf.binDir",
    "image.tag",
    "labels.team",
    "tolerations[0].operator",
    "a\\.b",
    "x",
]


def assert_refusal(code: int, out: str, err: str) -> None:
    assert code in (1, 2), f"exit {code}: {err}"
    assert out == "", out
    assert len(err.splitlines()) == 1 and err.strip(), err
    assert "Traceback" not in err and "internal error" not in err


def header_of(text: str) -> str:
    lines = text.splitlines(keepends=True)
    head = "".join(line for line in lines[: next(i for i, line in enumerate(lines) if not line.startswith("#"))])
    assert head.startswith(HEADER_PREFIX)
    return head


def validate_findings(path: Path, extra: list[str]) -> tuple[int, list[dict[str, Any]]]:
    code, out, err = capture(["validate", str(path), "-o", "json", *extra])
    assert code in (0, 1), err
    findings: list[dict[str, Any]] = json.loads(out)["findings"]
    return code, findings


def check_validate_agrees(errors: list[dict[str, Any]]) -> None:
    """What the generators emit (without --allow) passes validate: no error at all."""
    assert errors == [], errors


# -- strategies -----------------------------------------------------------------------------------------------


class Choice:
    """Good values only (``good``), or good and junk mixed (``any``). A generated case is either clean --
    every option drawn from ``good``, so that most clean cases succeed and go through the whole round
    trip -- or mixed, where junk must be refused with one line."""

    def __init__(self, good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> None:
        self.good = good
        self.any = st.one_of(good, bad)

    def draw(self, draw: st.DrawFn, clean: bool) -> Any:
        return draw(self.good if clean else self.any)


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> Choice:
    return Choice(good, bad)


k3s_versions = mostly(
    st.sampled_from(
        [
            "v1.28.14+k3s1",
            "v1.28.15+k3s1",
            "v1.29.9+k3s1",
            "v1.30.5+k3s1",
            "v1.30.6+k3s2",
            "v1.31.2+k3s1",
            "v1.32.0+k3s1",
            "v1.33.5+k3s1",
            "1.30.5",
            "v1.30.6-rc1+k3s1",
        ]
    ),
    st.one_of(
        st.sampled_from(["v2.0.0+k3s1", "v1.30", "latest", "", " v1.30.5+k3s1", "v1.30.5+k3s0"]), st.text(max_size=12)
    ),
)
data_dirs = mostly(
    st.sampled_from(["/var/lib/rancher/k3s", "/srv/k3s", "/", "//srv//k3s/", "/srv/k3s/", "/opt/k3s-data", "/ü/k3s"]),
    st.one_of(
        st.sampled_from(["relative/k3s", "/a b", "/x/../y", "/x/./y", "~/k3s", "", "/a{b}", "/a\\b", "/tab\tx"]),
        st.text(max_size=12).map(lambda s: "/" + s),
    ),
)
chart_versions = mostly(
    st.one_of(st.sampled_from(charts.PUBLISHED), st.sampled_from(["v4.3.017", "v4.2.202", "v4.2.106"])),
    st.one_of(st.sampled_from(["4.3.017", "v9.9.999", "v4.3.017 ", "latest", "", "v4.2.107"]), st.text(max_size=10)),
)
ipams = mostly(st.sampled_from(["host-local", "whereabouts", "dhcp"]), st.sampled_from(["static", "", "Dhcp"]))
policies = mostly(st.sampled_from(["abort", "reinstall", "retry"]), st.sampled_from(["never", ""]))
names = mostly(
    st.sampled_from(["multus", "multus-prod", "m" * 49, "net-1"]),
    st.one_of(st.sampled_from(["m" * 50, "Multus", "rke2-multus", "coredns", "-x", ""]), st.text(max_size=10)),
)
set_values = mostly(
    st.builds(
        lambda k, v: f"{k}={v}",
        st.sampled_from(VALUE_KEYS),
        st.one_of(
            st.sampled_from([*HAZARD_SCALARS, "true", "1", "/opt/cni/bin", "debug", "{a,b}"]), st.text(max_size=8)
        ),
    ),
    st.text(max_size=16),
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5000), st.sampled_from(HAZARD_SCALARS), st.text(max_size=8)
)
overlay_values = st.recursive(
    scalars,
    lambda children: st.dictionaries(
        st.sampled_from(["config", "cni_conf", "logLevel", "manifests", "rke2-whereabouts", "image", "x", "a.b"]),
        children,
        max_size=3,
    ),
    max_leaves=8,
)
overlay_files = mostly(
    overlay_values.map(lambda v: yaml.safe_dump(v, allow_unicode=True)),
    st.one_of(
        st.sampled_from(["", "[1, 2]\n", "a: b\na: c\n", "x: [\n", "- a\n", "a: &x [*x]\n", "--- 1\n--- 2\n"]),
        st.text(max_size=40),
    ),
)


@st.composite
def gen_argv(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """(argv for helmchart/values without the command, the files' contents to write for -f)."""
    clean = draw(st.booleans())
    argv: list[str] = []
    if draw(st.booleans()):
        argv += ["--ipam", ipams.draw(draw, clean)]
    if draw(st.booleans()):
        argv += ["--k3s-version", k3s_versions.draw(draw, clean)]
    if draw(st.booleans()):
        argv += ["--data-dir", data_dirs.draw(draw, clean)]
    if draw(st.booleans()):
        argv += ["--chart-version", chart_versions.draw(draw, clean)]
    if draw(st.integers(0, 3)) == 0:
        argv.append("--allow-unknown-chart-version")
    if draw(st.integers(0, 4)) == 0:
        argv += ["--name", names.draw(draw, clean)]
    if draw(st.integers(0, 4)) == 0:
        argv += ["--failure-policy", policies.draw(draw, clean)]
    if draw(st.integers(0, 4)) == 0:
        argv.append(draw(st.sampled_from(["--bootstrap", "--no-bootstrap"])))
    for _ in range(draw(st.integers(0, 2))):
        argv += [draw(st.sampled_from(["--set", "--set-string"])), set_values.draw(draw, clean)]
    files = [overlay_files.draw(draw, clean) for _ in range(draw(st.integers(0, 2)))]
    return argv, files


def cluster_flags(argv: list[str]) -> list[str]:
    out = []
    for flag in ("--k3s-version", "--data-dir"):
        if flag in argv:
            out += [flag, argv[len(argv) - 1 - argv[::-1].index(flag) + 1]]
    return out


def with_files(argv: list[str], files: list[str], folder: Path) -> list[str]:
    full = list(argv)
    for i, text in enumerate(files):
        path = folder / f"values-{i}.yaml"
        path.write_text(text, encoding="utf-8")
        full += ["-f", str(path)]
    return full


# -- properties -------------------------------------------------------------------------------------------


@settings(max_examples=EXAMPLES["helmchart"], deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gen_argv())
def test_helmchart_any_options(shared: Path, case: tuple[list[str], list[str]]) -> None:
    RAN["helmchart"] += 1
    argv, files = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        code, out, err = capture(["helmchart", *with_files(argv, files, folder)])
        OUTCOMES["helmchart"][code] = OUTCOMES["helmchart"].get(code, 0) + 1
        if code != 0:
            assert_refusal(code, out, err)
            return
        assert "Traceback" not in err
        docs = docs_of(out)
        assert docs and all(d["kind"] == "HelmChart" for d in docs)
        assert documents(docs, header_of(out)) == out  # parse -> dump: identical
        crd = shared / "fixtures/crds/helm.cattle.io_helmcharts.yaml"
        for doc in docs:
            assert schema_errors("helmchart", doc) == []
            assert crd_errors(crd, doc) == []
            content = doc["spec"].get("valuesContent")
            if content is not None:
                values = yaml.safe_load(content)
                assert dump_values(sort_keys(values)) == content
                if doc["spec"]["chart"] == charts.CHART_NAME:
                    assert schema_errors("rke2-multus-values", values) == []
        path = folder / "out.yaml"
        path.write_text(out, encoding="utf-8")
        _, findings = validate_findings(path, cluster_flags(argv))
        errors = [f for f in findings if f["severity"] == "error"]
        check_validate_agrees(errors)


@settings(max_examples=EXAMPLES["values"], deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(gen_argv())
def test_values_any_options(case: tuple[list[str], list[str]]) -> None:
    RAN["values"] += 1
    argv, files = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        code, out, err = capture(["values", *with_files(argv, files, folder)])
        OUTCOMES["values"][code] = OUTCOMES["values"].get(code, 0) + 1
        if code != 0:
            assert_refusal(code, out, err)
            return
        head = header_of(out)
        body = out[len(head) :]
        values = yaml.safe_load(body) if body else {}
        assert dump_values(sort_keys(values)) == body
        assert schema_errors("rke2-multus-values", values) == []
        path = folder / "multus-values.yaml"
        path.write_text(out, encoding="utf-8")
        version = argv[len(argv) - 1 - argv[::-1].index("--chart-version") + 1] if "--chart-version" in argv else None
        extra = cluster_flags(argv) + (["--chart-version", version.strip()] if version else [])
        code, vout, verr = capture(["validate", "--values-file", str(path), "-o", "json", *extra])
        assert code in (0, 1), verr
        findings = json.loads(vout)["findings"]
        errors = [f for f in findings if f["severity"] == "error"]
        check_validate_agrees(errors)


repos = mostly(
    st.sampled_from(
        ["https://mirror.example/charts", "oci://registry.example:5000/charts", "https://[fd00::1]:8443/c"]
    ),
    st.one_of(
        st.sampled_from(["http://m.example/c", "oci://r.example", "ftp://x/y", "https://m ex/c", "oci://r:99999/c"]),
        st.text(max_size=12),
    ),
)
registries = mostly(
    st.sampled_from(["registry.example:5000", "mirror.example/rancher", "10.0.0.5:5000"]),
    st.one_of(st.sampled_from(["https://r.example", "reg istry", "r.example:70000", "ü.example"]), st.text(max_size=8)),
)
secrets = mostly(
    st.sampled_from(["creds", "pull-secret", "a.b"]), st.one_of(st.sampled_from(["Bad_Name", ""]), st.text(max_size=8))
)


@st.composite
def source_argv(draw: st.DrawFn, clean: bool) -> list[str]:
    """The chart source and private registry flags (issue 14): mirrors, OCI, TLS switches, registries."""
    argv: list[str] = []
    if draw(st.integers(0, 2)) == 0:
        argv += ["--repo", repos.draw(draw, clean)]
        if draw(st.booleans()):
            argv += ["--auth-secret", secrets.draw(draw, clean)]
        if draw(st.integers(0, 3)) == 0:
            argv.append(draw(st.sampled_from(["--plain-http", "--insecure-skip-tls-verify"])))
    if draw(st.integers(0, 3)) == 0:
        argv += ["--system-default-registry", registries.draw(draw, clean)]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--image-pull-secret", secrets.draw(draw, clean)]
    return argv


@st.composite
def format_argv(draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Good options in every output format (and distribution) helmchart knows, with the chart source flags."""
    argv, files = draw(gen_argv())
    argv += draw(source_argv(draw(st.booleans())))
    fmt = draw(st.sampled_from(["helmchart", "helmchartconfig", "flux", "argocd", "fleet"]))
    distro = draw(st.sampled_from(["k3s", "k3s", "rke2"]))
    if distro == "rke2":  # K3s-only flags and other names are refused on RKE2 (tested above); keep the rest
        drop = {"--k3s-version", "--data-dir", "--name"}
        kept: list[str] = []
        for i, arg in enumerate(argv):
            if arg not in drop and not (i and argv[i - 1] in drop):
                kept.append(arg)
        argv = kept
    return [*argv, "--format", fmt, "--distro", distro], files


@settings(max_examples=EXAMPLES["formats"], deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(format_argv())
def test_every_format_passes_validate(case: tuple[list[str], list[str]]) -> None:
    """Flux HelmRelease, Argo CD Application, Fleet fleet.yaml, HelmChartConfig: validate reads what we write."""
    RAN["formats"] += 1
    argv, files = case
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        code, out, err = capture(["helmchart", *with_files(argv, files, folder)])
        OUTCOMES["formats"][code] = OUTCOMES["formats"].get(code, 0) + 1
        if code != 0:
            assert_refusal(code, out, err)
            return
        assert docs_of(out)
        path = folder / "out.yaml"
        path.write_text(out, encoding="utf-8")
        distro = argv[argv.index("--distro") + 1]
        _, findings = validate_findings(path, [*cluster_flags(argv), "--distro", distro])
        check_validate_agrees([f for f in findings if f["severity"] == "error"])


ranges = st.one_of(
    st.sampled_from(
        [
            "192.168.50.0/24",
            "10.10.0.0/16",
            "10.10.0.1/24",
            "192.168.1.0/31",
            "fd00:10::/64",
            "fd00::/48",
            "10.42.0.0/24",
            "192.168.60.10-192.168.60.20/24",
            "300.1.1.1/24",
            "",
        ]
    ),
    st.text(max_size=12),
)
addresses = st.one_of(
    st.sampled_from(["192.168.50.10", "192.168.50.200", "10.10.0.1", "fd00:10::10", "192.168.51.1", "x"]),
    st.text(max_size=8),
)


PLUGINS = {
    "macvlan": ["--master", "eth1"],
    "ipvlan": ["--master", "ens3f0"],
    "bridge": ["--bridge", "br1"],
    "host-device": ["--device", "eth2"],
}
GOOD_IPAM = {
    "whereabouts": [["--range", "192.168.50.0/24"], ["--range", "10.10.0.0/16", "--range", "fd00:10::/64"]],
    "host-local": [["--range", "192.168.60.0/24"], ["--range", "192.168.60.0/24", "--node", "worker-1"]],
    "dhcp": [[]],
    "static": [["--address", "192.168.70.10/24"], ["--address", "192.168.70.10/24,192.168.70.1"]],
}


@st.composite
def plausible_nad(draw: st.DrawFn) -> list[str]:
    """A NAD that should work, with optional extras that may or may not fit."""
    plugin = draw(st.sampled_from(sorted(PLUGINS)))
    ipam = draw(st.sampled_from(sorted(GOOD_IPAM)))
    argv = [draw(st.sampled_from(["storage", "lan", "a" * 63, "net-1"])), "--type", plugin, *PLUGINS[plugin]]
    argv += ["--ipam", ipam, *draw(st.sampled_from(GOOD_IPAM[ipam]))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--mtu", str(draw(st.integers(1200, 9000)))]
    if ipam == "whereabouts" and draw(st.booleans()):
        argv += ["--exclude", draw(st.sampled_from(["192.168.50.0/28", "10.10.0.1/32", "192.168.50.1/32"]))]
    if ipam in ("whereabouts", "host-local") and draw(st.integers(0, 3)) == 0:
        argv += ["--gateway", draw(st.sampled_from(["192.168.50.1", "192.168.60.1", "10.10.0.1"]))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--route", draw(st.sampled_from(["10.0.0.0/8", "172.16.0.0/12", "fd00::/8"]))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--cni-version", draw(st.sampled_from(["0.3.1", "1.0.0"]))]
    if plugin == "bridge" and draw(st.integers(0, 3)) == 0:
        for trunk in draw(st.lists(st.sampled_from(["100", "200-299", "4094", "1-10"]), min_size=1, max_size=2)):
            argv += ["--vlan-trunk", trunk]
    if ipam == "whereabouts" and draw(st.integers(0, 3)) == 0:
        argv += ["--node-slice-size", draw(st.sampled_from(["/26", "/28", "/30", "/120"]))]
    if ipam == "whereabouts" and draw(st.integers(0, 3)) == 0:
        argv.append(draw(st.sampled_from(["--enable-overlapping-ranges", "--no-enable-overlapping-ranges"])))
    if ipam == "whereabouts" and draw(st.integers(0, 3)) == 0:
        argv += ["--log-level", draw(st.sampled_from(["debug", "verbose", "error", "panic"]))]
        argv += ["--log-file", draw(st.sampled_from(["/var/log/whereabouts.log", "/tmp/wb.log"]))]
    if ipam == "dhcp" and draw(st.integers(0, 2)) == 0:
        argv += ["--dhcp-request", draw(st.sampled_from(["routers", "host-name", "121", "subnet-mask"]))]
    if ipam == "dhcp" and draw(st.integers(0, 3)) == 0:
        argv += ["--dhcp-provide", draw(st.sampled_from(["host-name=pod-a", "dhcp-client-identifier=x"]))]
    if ipam == "dhcp" and draw(st.integers(0, 3)) == 0:
        argv += ["--dhcp-provide-from-arg", draw(st.sampled_from(["host-name=K8S_POD_NAME", "12=K8S_POD_UID"]))]
    if draw(st.booleans()):
        argv += ["--k3s-version", k3s_versions.draw(draw, True)]
    if draw(st.booleans()):
        argv += ["--data-dir", data_dirs.draw(draw, True)]
    return argv


@st.composite
def random_nad(draw: st.DrawFn) -> list[str]:
    argv = [draw(st.one_of(st.sampled_from(["storage", "lan", "a" * 64, "Bad", ""]), st.text(max_size=8)))]
    argv += ["--type", draw(st.sampled_from(["macvlan", "ipvlan", "bridge", "host-device", "vxlan"]))]
    argv += ["--ipam", draw(st.sampled_from(["whereabouts", "host-local", "dhcp", "static", "none"]))]
    if draw(st.booleans()):
        argv += ["--master", draw(st.sampled_from(["eth1", "ens3f0", "cni0", "a" * 16, "e th"]))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--mode", draw(st.sampled_from(["bridge", "l2", "passthru", "x"]))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--bridge", draw(st.sampled_from(["br1", "cni0", "b" * 16]))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--mtu", str(draw(st.integers(0, 70000)))]
    if draw(st.integers(0, 4)) == 0:
        argv += ["--vlan", str(draw(st.integers(-1, 5000)))]
    if draw(st.integers(0, 4)) == 0:
        argv += ["--device", draw(st.sampled_from(["eth2", "x" * 20]))]
    for flag, strategy, most in (
        ("--range", ranges, 2),
        ("--range-start", addresses, 1),
        ("--range-end", addresses, 1),
        ("--gateway", addresses, 1),
        ("--exclude", ranges, 2),
        ("--route", st.sampled_from(["10.0.0.0/8", "0.0.0.0/0,192.168.50.1", "fd00::/8", "x"]), 2),
        ("--address", st.sampled_from(["192.168.50.10/24", "192.168.50.10/24,192.168.50.1", "fd00::5/64", "x"]), 2),
    ):
        for value in draw(st.lists(strategy, max_size=most)):
            argv += [flag, value]
    hostile = st.one_of(
        st.sampled_from(["0-5000", "5-3", "abc", "-", "ü", "1e3", "/99", "=", "hôst=x"]), st.text(max_size=8)
    )
    for flag in (
        "--vlan-trunk",
        "--node-slice-size",
        "--log-level",
        "--log-file",
        "--dhcp-request",
        "--dhcp-provide",
        "--dhcp-provide-from-arg",
    ):
        if draw(st.integers(0, 6)) == 0:
            argv += [flag, draw(hostile)]
    if draw(st.integers(0, 6)) == 0:
        argv.append("--enable-overlapping-ranges")
    if draw(st.integers(0, 3)) == 0:
        argv += ["--node", draw(st.sampled_from(["worker-1", "Worker_1", "a.b.c"]))]
    if draw(st.integers(0, 3)) == 0:
        argv += ["--cni-version", draw(st.sampled_from(["0.3.1", "1.0.0", "0.4.0", "x"]))]
    if draw(st.booleans()):
        argv += ["--k3s-version", k3s_versions.draw(draw, False)]
    if draw(st.booleans()):
        argv += ["--data-dir", data_dirs.draw(draw, False)]
    return argv


nad_argv = st.one_of(plausible_nad(), plausible_nad(), random_nad())


@settings(max_examples=EXAMPLES["nad"], deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nad_argv)
def test_nad_any_options(shared: Path, argv: list[str]) -> None:
    RAN["nad"] += 1
    code, out, err = capture(["nad", *argv])
    OUTCOMES["nad"][code] = OUTCOMES["nad"].get(code, 0) + 1
    if code != 0:
        assert_refusal(code, out, err)
        return
    docs = docs_of(out)
    (doc,) = docs
    assert documents(docs, header_of(out)) == out
    assert schema_errors("networkattachmentdefinition", doc) == []
    assert crd_errors(shared / "fixtures/crds/k8s.cni.cncf.io_network-attachment-definitions.yaml", doc) == []
    json.loads(doc["spec"]["config"])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "nad.yaml"
        path.write_text(out, encoding="utf-8")
        code, findings = validate_findings(path, cluster_flags(argv))
    assert [f for f in findings if f["severity"] == "error"] == [], findings


@pytest.fixture(scope="module", autouse=True)
def _report_counts() -> Any:
    yield
    print(f"\ngenerated cases run: {RAN}; exit codes: {OUTCOMES}")


def test_whereabouts_enabled_by_user_values_gets_its_crds(tmp_path: Path) -> None:
    values = tmp_path / "whereabouts.yaml"
    conf = "/var/lib/rancher/k3s/agent/etc/cni/net.d"
    values.write_text(
        yaml.safe_dump(
            {
                "rke2-whereabouts": {
                    "enabled": True,
                    "fullnameOverride": "whereabouts",
                    "cniConf": {"confDir": conf, "binDir": "/var/lib/rancher/k3s/data/cni"},
                }
            }
        )
    )
    code, out, err = capture(["helmchart", "-f", str(values)])
    assert code == 0, err
    path = tmp_path / "multus.yaml"
    path.write_text(out)
    _, findings = validate_findings(path, [])
    check_validate_agrees([f for f in findings if f["severity"] == "error"])
