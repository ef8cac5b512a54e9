"""`multus-gen validate`: kinds it understands, the rules, output formats, exit codes and the pre-commit hook.

Expectations come from FACTS.md (paths per K3s version, chart version gates, helm-controller precedence),
written here independently of multus_gen.check.rules; findings are matched by JSON path and severity.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from multus_gen.cli import run

CHECKOUT = Path(__file__).resolve().parents[2]
DATA = "/var/lib/rancher/k3s"
CONF = f"{DATA}/agent/etc/cni/net.d"
KUBECONFIG = f"{CONF}/multus.d/multus.kubeconfig"
STABLE_BIN = f"{DATA}/data/cni"
LEGACY_BIN = f"{DATA}/data/current/bin"
LINE = re.compile(r"^(error|warning): (?P<file>.+?)::(?P<path>\$\S*)(?: \((?:document \d+, )?(?:line \d+)?\))?: .+$")


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    @property
    def report(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.out)
        return parsed

    def findings(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self.report["findings"]
        return found

    def at(self, json_path: str, severity: str | None = None) -> list[dict[str, Any]]:
        return [
            f
            for f in self.findings()
            if f["json_path"] == json_path and (severity is None or f["severity"] == severity)
        ]


def validate(capsys: pytest.CaptureFixture[str], *argv: str | Path, json_out: bool = True) -> Result:
    args = ["validate", *map(str, argv)] + (["-o", "json"] if json_out else [])
    code = run(args)
    out, err = capsys.readouterr()
    return Result(code, out, err)


def write(folder: Path, name: str, docs: list[dict[str, Any]] | str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    text = docs if isinstance(docs, str) else "".join("---\n" + yaml.safe_dump(d, sort_keys=False) for d in docs)
    path.write_text(text)
    return path


def good_values(*, bin_dir: str = STABLE_BIN, autoconfig: bool = True, **extra: Any) -> dict[str, Any]:
    cni: dict[str, Any] = {"confDir": CONF, "binDir": bin_dir, "kubeconfig": KUBECONFIG}
    if autoconfig:
        cni["multusAutoconfigDir"] = CONF
    return {"config": {"cni_conf": cni}, **extra}


def helmchart(
    content: dict[str, Any] | None = None,
    *,
    name: str = "multus",
    chart: str = "rke2-multus",
    version: str | None = "v4.3.017",
    failure_policy: str | None = "abort",
    **spec_extra: Any,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"repo": "https://rke2-charts.rancher.io", "chart": chart, "targetNamespace": "kube-system"}
    if version is not None:
        spec["version"] = version
    if failure_policy is not None:
        spec["failurePolicy"] = failure_policy
    if content is not None:
        spec["valuesContent"] = yaml.safe_dump(content, sort_keys=False)
    spec.update(spec_extra)
    return {
        "apiVersion": "helm.cattle.io/v1",
        "kind": "HelmChart",
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": spec,
    }


def crd_chart(values: dict[str, Any] | None = None, version: str = "4.3.017") -> dict[str, Any]:
    return helmchart(values, name="multus-crd", chart="rke2-multus-crd", version=version)


def pair(values: dict[str, Any], crd_values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    return [crd_chart(crd_values), helmchart(values)]


# -- what multus-gen writes, validate accepts ----------------------------------------------------------------


@pytest.mark.parametrize("ipam", ["host-local", "whereabouts", "dhcp"])
@pytest.mark.parametrize("chart", ["v4.2.106", "v4.2.202", "v4.3.017"])
@pytest.mark.parametrize("k3s", ["v1.30.5+k3s1", "v1.33.5+k3s1"])
def test_generated_helmcharts_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ipam: str, chart: str, k3s: str
) -> None:
    out = tmp_path / "multus.yaml"
    argv = ["--ipam", ipam, "--chart-version", chart, "--k3s-version", k3s, "--data-dir", "/srv/k3s"]
    assert run(["helmchart", *argv, "-o", str(out)]) == 0
    capsys.readouterr()
    result = validate(capsys, out, "--k3s-version", k3s, "--data-dir", "/srv/k3s")
    assert result.code == 0, result.out
    assert [f for f in result.findings() if f["severity"] == "error"] == []
    warnings = [f["message"] for f in result.findings()]
    if k3s.startswith("v1.30.5"):  # data/current/bin: right, but moves on upgrade
        assert any("re-points data/current/bin" in w for w in warnings)
    else:
        assert warnings == []
    assert result.report["files"] == [str(out)]
    assert "1 file checked, 0 errors" in result.err


def test_generated_values_file_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "multus-values.yaml"
    assert run(["values", "--ipam", "whereabouts", "--chart-version", "v4.2.202", "-o", str(out)]) == 0
    capsys.readouterr()
    result = validate(capsys, "--values-file", out, "--chart-version", "v4.2.202")
    assert result.code == 0 and result.findings() == []
    # the same file for a chart that needs multusAutoconfigDir unset
    result = validate(capsys, "--values-file", out, "--chart-version", "v4.2.106")
    assert result.code == 1
    (bad,) = result.at("$.config.cni_conf.multusAutoconfigDir", "error")
    assert "v4.2.106" in bad["message"]


def test_generated_nads_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nads = tmp_path / "nads.yaml"
    assert run(["nad", "storage", "--master", "eth1", "--range", "192.168.50.0/24", "-o", str(nads)]) == 0
    capsys.readouterr()
    result = validate(capsys, nads)
    assert result.code == 0 and result.findings() == []


# -- the K3s docs' own values (FACTS 1): wrong for a current K3s and chart ----------------------------------


def doc_snippets(shared: Path) -> list[str]:
    text = (shared / "fixtures/seed/k3s-multus-ipam-docs.ja.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```[a-z]*\n(.*?)```", text, re.S) if b.startswith("config:")]
    assert len(blocks) == 3, "the docs page changed: expected host-local, whereabouts and dhcp values"
    return blocks


def wrapped(snippet: str, version: str | None = "v4.3.017") -> str:
    """The snippet in a HelmChart, as the current K3s docs recommend instead of `helm install`."""
    head = "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nmetadata:\n  name: multus\n  namespace: kube-system\n"
    spec = "spec:\n  repo: https://rke2-charts.rancher.io\n  chart: rke2-multus\n  targetNamespace: kube-system\n"
    if version:
        spec += f"  version: {version}\n"
    body = textwrap.indent(snippet, "    ")
    return head + spec + "  failurePolicy: abort\n  valuesContent: |-\n" + body


@pytest.mark.parametrize("index", [0, 1, 2], ids=["host-local", "whereabouts", "dhcp"])
def test_k3s_docs_values_are_wrong_for_current_k3s(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], index: int
) -> None:
    snippet = doc_snippets(shared)[index]
    path = write(tmp_path, "multus.yaml", wrapped(snippet))
    result = validate(capsys, path, "--k3s-version", "v1.33.5+k3s1")
    assert result.code == 1
    vc = "$.spec.valuesContent"
    (bin_dir,) = result.at(f"{vc}.config.cni_conf.binDir", "error")
    assert "data/current/bin" in bin_dir["message"] and STABLE_BIN in bin_dir["message"]
    assert "re-points" in bin_dir["message"] and bin_dir["fix"] == f"set config.cni_conf.binDir: {STABLE_BIN}"
    assert bin_dir["line"] == path.read_text().splitlines().index("  valuesContent: |-") + 1
    (slash,) = result.at(f"{vc}.config.cni_conf.binDir", "warning")
    assert "ends in '/'" in slash["message"]
    (auto,) = result.at(f"{vc}.config.cni_conf", "error")
    assert "multusAutoconfigDir is not set" in auto["message"] and CONF in auto["fix"]
    (crd,) = result.at("$.spec.chart", "error")
    assert "rke2-multus-crd" in crd["message"] and "4.3.017" in crd["fix"]
    if index == 1:
        (wa,) = result.at(f"{vc}.rke2-whereabouts.cniConf.binDir", "error")
        assert STABLE_BIN in wa["fix"]
    # confDir and kubeconfig are right in the docs
    assert result.at(f"{vc}.config.cni_conf.confDir") == [] and result.at(f"{vc}.config.cni_conf.kubeconfig") == []
    # As the docs use them: a values file for `helm install` (no HelmChart): the same value errors.
    values = write(tmp_path, "multus-values.yaml", snippet)
    plain = validate(capsys, "--values-file", values, "--k3s-version", "v1.33.5+k3s1", "--chart-version", "v4.3.017")
    assert plain.code == 1
    assert plain.at("$.config.cni_conf.binDir", "error") and plain.at("$.config.cni_conf", "error")
    (crd_note,) = plain.at("$", "warning")  # the CRD chart is a second `helm install`: a reminder
    assert "rke2-multus-crd" in crd_note["message"]


def test_k3s_docs_values_unpinned_and_on_an_old_k3s(
    shared: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snippet = doc_snippets(shared)[0]
    path = write(tmp_path, "multus.yaml", wrapped(snippet, version=None))
    result = validate(capsys, path)
    (pin,) = result.at("$.spec", "error")
    assert "not pinned" in pin["message"]
    # on the K3s the docs were written for (before data/cni), the bin dir is right but moves on upgrade
    old = validate(
        capsys, write(tmp_path, "old.yaml", wrapped(snippet, version="v4.2.106")), "--k3s-version", "v1.28.5+k3s1"
    )
    assert old.code == 0, old.out
    messages = [f["message"] for f in old.findings()]
    assert any("re-points data/current/bin" in m for m in messages)
    assert any("ends in '/'" in m for m in messages)


# -- paths, gates and versions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("k3s", "bin_dir", "mentions"),
    [
        ("v1.30.5+k3s1", STABLE_BIN, "has no data/cni yet"),
        ("v1.30.6+k3s1", LEGACY_BIN, "re-points"),
        ("v1.33.5+k3s1", "/opt/cni/bin", "keeps CNI plugins in /var/lib/rancher/k3s/data/cni"),
        ("v1.33.5+k3s1", "/srv/k3s/data/cni", "--data-dir /srv/k3s"),
    ],
)
def test_bin_dir_per_k3s_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], k3s: str, bin_dir: str, mentions: str
) -> None:
    path = write(tmp_path, "multus.yaml", pair(good_values(bin_dir=bin_dir)))
    result = validate(capsys, path, "--k3s-version", k3s)
    assert result.code == 1
    (finding,) = result.at("$.spec.valuesContent.config.cni_conf.binDir", "error")
    assert mentions in finding["message"] + (finding["fix"] or "")
    assert finding["document"] == 2


def test_missing_dirs_name_the_chart_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    result = validate(capsys, write(tmp_path, "m.yaml", pair({"config": {"cni_conf": {"logLevel": "debug"}}})))
    messages = " ".join(f["message"] for f in result.at("$.spec.valuesContent.config.cni_conf", "error"))
    for default in ("/etc/cni/net.d", "/opt/cni/bin", "/etc/cni/net.d/multus.d/multus.kubeconfig"):
        assert default in messages
    # no values at all: every finding points at the spec
    result = validate(capsys, write(tmp_path, "n.yaml", [crd_chart(), helmchart(None)]))
    assert len(result.at("$.spec", "error")) == 4


@pytest.mark.parametrize(
    ("chart", "autoconfig", "path_suffix"),
    [
        ("v4.2.106", True, ".config.cni_conf.multusAutoconfigDir"),  # set where it is not mounted
        ("v4.2.202", False, ".config.cni_conf"),  # missing where it must be the conf dir
    ],
)
def test_autoconfig_dir_gate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], chart: str, autoconfig: bool, path_suffix: str
) -> None:
    doc = helmchart(good_values(autoconfig=autoconfig), version=chart)
    result = validate(capsys, write(tmp_path, "m.yaml", [doc]))
    assert result.code == 1
    (finding,) = result.at("$.spec.valuesContent" + path_suffix, "error")
    assert "multusAutoconfigDir" in finding["message"] and chart in finding["message"]


@pytest.mark.parametrize(
    ("chart", "version", "severity", "mentions"),
    [
        ("rke2-multus", "v4.2.107", "error", "broken"),
        ("rke2-multus", "v4.2.201", "error", "broken"),
        ("rke2-multus", "4.3.017", "error", "did you mean v4.3.017"),
        ("rke2-multus", "v4.2.301", "error", "not in the chart repository index"),
        ("rke2-multus", "v4.9.000", "warning", "newer than every version"),
        ("rke2-multus", "^4.3.0", "error", "a range"),
        ("rke2-multus", "latest", "error", "not a chart version"),
        ("rke2-multus-crd", "v4.3.017", "error", "carry no 'v'"),
        ("rke2-multus-crd", "4.3.009", "error", "fails to install"),
        ("rke2-multus-crd", "4.2.000", "error", "not in the chart repository index"),
    ],
)
def test_chart_versions(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], chart: str, version: str, severity: str, mentions: str
) -> None:
    if chart == "rke2-multus":
        docs = [crd_chart(), helmchart(good_values(), version=version)]
        doc_index = 2
    else:
        docs = [crd_chart(version=version), helmchart(good_values())]
        doc_index = 1
    result = validate(capsys, write(tmp_path, "m.yaml", docs))
    found = [f for f in result.at("$.spec.version", severity) if f["document"] == doc_index]
    assert found and mentions in found[0]["message"] + (found[0]["fix"] or ""), result.findings()


def test_static_chart_url_carries_the_version(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = helmchart(
        good_values(), version=None, chart="https://%{KUBERNETES_API}%/static/charts/rke2-multus-v4.2.107.tgz"
    )
    result = validate(capsys, write(tmp_path, "m.yaml", [doc]))
    (broken,) = result.at("$.spec.chart", "error")
    assert "broken" in broken["message"]


def test_crd_chart_must_enable_whereabouts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wa = {"enabled": True, "cniConf": {"confDir": CONF, "binDir": STABLE_BIN}}
    result = validate(capsys, write(tmp_path, "m.yaml", pair(good_values(**{"rke2-whereabouts": wa}))))
    assert result.code == 1
    (finding,) = result.at("$.spec", "error")
    assert finding["document"] == 1 and "rke2-whereabouts.enabled" in finding["message"]
    fixed = pair(good_values(**{"rke2-whereabouts": wa}), {"rke2-whereabouts": {"enabled": True}})
    assert validate(capsys, write(tmp_path, "ok.yaml", fixed)).code == 0
    # whereabouts' own dirs must follow Multus'
    wrong = dict(wa, cniConf={"confDir": CONF, "binDir": "/opt/cni/bin"})
    result = validate(capsys, write(tmp_path, "w.yaml", pair(good_values(**{"rke2-whereabouts": wrong}))))
    assert result.at("$.spec.valuesContent.rke2-whereabouts.cniConf.binDir", "error")


def test_crd_chart_beside_a_bundling_chart(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    docs = [crd_chart(), helmchart(good_values(), version="v4.2.202")]
    result = validate(capsys, write(tmp_path, "m.yaml", docs))
    (finding,) = result.at("$.spec.chart", "error")
    assert finding["document"] == 1 and "ships the CRDs itself" in finding["message"]


# -- helm-controller precedence (FACTS 5) -----------------------------------------------------------------


def test_values_precedence_and_where_findings_point(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # valuesContent wrong, values right: values wins -> clean (but `values` needs a newer helm-controller)
    doc = helmchart(good_values(bin_dir="/opt/cni/bin"), values=good_values())
    result = validate(capsys, write(tmp_path, "a.yaml", [crd_chart(), doc]))
    assert result.code == 0
    (note,) = result.at("$.spec.values", "warning")
    assert "v0.16.20" in note["message"]
    # a HelmChartConfig (another file) overrides the HelmChart: the finding points into the config's file
    config = {
        "apiVersion": "helm.cattle.io/v1",
        "kind": "HelmChartConfig",
        "metadata": {"name": "multus", "namespace": "kube-system"},
        "spec": {"valuesContent": yaml.safe_dump({"config": {"cni_conf": {"binDir": "/opt/cni/bin"}}})},
    }
    folder = tmp_path / "b"
    write(folder, "multus.yaml", [crd_chart(), helmchart(good_values())])
    write(folder, "multus-config.yaml", [config])
    result = validate(capsys, folder)
    (finding,) = result.findings()
    assert finding["path"].endswith("multus-config.yaml")
    assert finding["json_path"] == "$.spec.valuesContent.config.cni_conf.binDir"
    # set beats both; a string goes through --set-string, true/false/null and ints through --set
    chart = helmchart(good_values(), set={"config.cni_conf.binDir": "/x/bin", "manifests.dhcpDaemonSet": "true"})
    result = validate(capsys, write(tmp_path, "c.yaml", [crd_chart(), chart]))
    (finding,) = result.at("$.spec.set['config.cni_conf.binDir']", "error")
    assert "'/x/bin'" in finding["message"]
    # two configs for one chart: only one applies
    write(folder, "multus-config-2.yaml", [config])
    result = validate(capsys, folder)
    assert any("a second HelmChartConfig" in f["message"] for f in result.findings())


def test_orphan_helmchartconfig_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = {
        "apiVersion": "helm.cattle.io/v1",
        "kind": "HelmChartConfig",
        "metadata": {"name": "multus2", "namespace": "kube-system"},
        "spec": {"valuesContent": yaml.safe_dump(good_values())},
    }
    result = validate(capsys, write(tmp_path, "cfg.yaml", [config]))
    (finding,) = result.at("$.metadata.name", "warning")
    assert "applies to no HelmChart" in finding["message"]


def test_helmchart_shape(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = helmchart(good_values(), valuesContnet="x: 1", set={"rke2-whereabouts.enabled": True})
    doc["spec"]["failurePolicy"] = "never"
    doc["spec"]["timeout"] = "5 minutes"
    result = validate(capsys, write(tmp_path, "m.yaml", [crd_chart(), doc]))
    assert "unknown field" in result.at("$.spec", "error")[0]["message"]
    assert "quote it" in result.at("$.spec.set['rke2-whereabouts.enabled']", "error")[0]["fix"]
    assert result.at("$.spec.failurePolicy", "error") and result.at("$.spec.timeout", "error")


@pytest.mark.parametrize(("policy", "severity"), [(None, "warning"), ("reinstall", "warning"), ("abort", None)])
def test_failure_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], policy: str | None, severity: str | None
) -> None:
    doc = helmchart(good_values(), failure_policy=policy)
    result = validate(capsys, write(tmp_path, "m.yaml", [doc]), "--values-file", write(tmp_path, "x.yaml", "{}"))
    where = "$.spec.failurePolicy" if policy else "$.spec"
    found = [f for f in result.at(where, "warning") if "uninstalls Multus" in f["message"]]
    assert bool(found) == (severity is not None)


def test_values_content_that_is_not_yaml(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    doc = helmchart(None, valuesContent="config:\n  cni_conf: [unclosed\n")
    result = validate(capsys, write(tmp_path, "m.yaml", [crd_chart(), doc]))
    (finding,) = result.at("$.spec.valuesContent", "error")
    assert "not valid YAML" in finding["message"]


# -- NADs and their prerequisites --------------------------------------------------------------------------


def nad(ipam: dict[str, Any], name: str = "net1", **extra: Any) -> dict[str, Any]:
    config = {"cniVersion": "0.3.1", "name": name, "type": "macvlan", "master": "eth1", "mode": "bridge", "ipam": ipam}
    return {
        "apiVersion": "k8s.cni.cncf.io/v1",
        "kind": "NetworkAttachmentDefinition",
        "metadata": {"name": name, "namespace": "default", **extra},
        "spec": {"config": json.dumps(config)},
    }


WA_IPAM = {
    "type": "whereabouts",
    "range": "192.168.50.0/24",
    "configuration_path": f"{CONF}/whereabouts.d/whereabouts.conf",
    "kubernetes": {"kubeconfig": f"{CONF}/whereabouts.d/whereabouts.kubeconfig"},
}


def test_nad_rules_and_prerequisites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # whereabouts without the K3s paths: whereabouts cannot find its config (k3s-io/docs issue 341)
    bare = {"type": "whereabouts", "range": "192.168.50.0/24"}
    result = validate(capsys, write(tmp_path, "a.yaml", [nad(bare)]))
    assert result.code == 1 and any("configuration_path" in f["json_path"] for f in result.findings())
    # the K3s paths for another data dir are wrong too
    assert validate(capsys, write(tmp_path, "b.yaml", [nad(WA_IPAM)]), "--data-dir", "/srv/k3s").code == 1
    assert validate(capsys, write(tmp_path, "c.yaml", [nad(WA_IPAM)])).code == 0
    # a whereabouts NAD next to a Multus install that does not enable whereabouts; a dhcp NAD without the daemon
    folder = tmp_path / "repo"
    write(folder, "multus.yaml", pair(good_values()))
    write(folder, "nads.yaml", [nad(WA_IPAM), nad({"type": "dhcp"}, name="lan")])
    result = validate(capsys, folder)
    assert result.code == 1
    by_doc = {f["document"]: f for f in result.at("$.spec.config.ipam.type", "error")}
    assert "rke2-whereabouts.enabled" in by_doc[1]["message"]
    assert "manifests.dhcpDaemonSet" in by_doc[2]["message"]


def test_host_local_warning_and_strict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "n.yaml", [nad({"type": "host-local", "ranges": [[{"subnet": "10.30.0.0/24"}]]})])
    result = validate(capsys, path)
    assert result.code == 0
    (warning,) = result.at("$.spec.config.ipam", "warning")
    assert "per node" in warning["message"]
    strict = validate(capsys, path, "--strict")
    assert strict.code == 1


# -- GitOps engines (FACTS 9) -------------------------------------------------------------------------------


def test_flux_helmrelease(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    release = {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": "multus", "namespace": "kube-system"},
        "spec": {
            "interval": "10m",
            "chart": {"spec": {"chart": "rke2-multus", "sourceRef": {"kind": "HelmRepository", "name": "rke2-charts"}}},
            "values": good_values(bin_dir=LEGACY_BIN),
            "valuesFrom": [{"kind": "ConfigMap", "name": "extra"}],
        },
    }
    result = validate(capsys, write(tmp_path, "release.yaml", [release]))
    assert "not pinned" in result.at("$.spec.chart.spec", "error")[0]["message"]  # no version = "*"
    (bin_dir,) = result.at("$.spec.values.config.cni_conf.binDir", "error")
    assert bin_dir["line"] is not None and bin_dir["line"] > 1
    assert result.at("$.spec.valuesFrom", "warning")


def oci_source(name: str, chart: str, ref: dict[str, str], namespace: str = "flux-system") -> dict[str, Any]:
    return {
        "apiVersion": "source.toolkit.fluxcd.io/v1beta2",
        "kind": "OCIRepository",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"interval": "1h", "url": f"oci://registry.example/charts/{chart}", "ref": ref},
    }


def chart_ref_release(name: str, source: str, values: dict[str, Any] | None = None, **ref: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"interval": "10m", "chartRef": {"kind": "OCIRepository", "name": source, **ref}}
    if values is not None:
        spec["values"] = values
    return {
        "apiVersion": "helm.toolkit.fluxcd.io/v2",
        "kind": "HelmRelease",
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": spec,
    }


def test_flux_chart_ref_reads_the_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A HelmRelease with spec.chartRef: chart and version come from the OCIRepository (or Flux HelmChart) it
    names, also from a neighbouring file; the values are checked for that version."""
    good = [
        oci_source("rke2-multus-crd", "rke2-multus-crd", {"tag": "4.3.017"}),
        chart_ref_release("multus-crd", "rke2-multus-crd", namespace="flux-system"),
        chart_ref_release("multus", "rke2-multus", good_values(), namespace="flux-system"),
    ]
    sources = write(tmp_path, "sources.yaml", [oci_source("rke2-multus", "rke2-multus", {"tag": "v4.3.017"})])
    releases = write(tmp_path, "releases.yaml", good)
    result = validate(capsys, releases)  # the rke2-multus source is only beside the named file
    assert result.code == 0 and not result.findings(), result.findings()
    assert str(sources) not in result.report["files"]

    wrong = [
        oci_source("rke2-multus", "rke2-multus", {"tag": "v4.3.017"}),
        chart_ref_release("multus", "rke2-multus", good_values(bin_dir="/opt/cni/bin"), namespace="flux-system"),
    ]
    result = validate(capsys, write(tmp_path / "wrong", "all.yaml", wrong))
    (bin_dir,) = result.at("$.spec.values.config.cni_conf.binDir", "error")
    assert bin_dir["document"] == 2
    (companion,) = result.at("$.spec.chartRef", "error")  # 4.3.017 ships no CRDs, and no CRD chart in sight
    assert "rke2-multus-crd" in companion["message"]


@pytest.mark.parametrize(
    ("ref", "path", "severity", "words"),
    [
        ({"semver": ">=4.3.0"}, "$.spec.ref.semver", "error", "range"),
        ({"tag": "v4.2.201"}, "$.spec.ref.tag", "error", "v4.2.201 is broken"),
        ({"tag": "v9.9.9"}, "$.spec.ref.tag", "warning", "newer than every version"),
        ({"digest": "sha256:" + "0" * 64}, "$.spec.ref.digest", "warning", "digest"),
    ],
)
def test_flux_chart_ref_pins(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], ref: dict[str, str], path: str, severity: str, words: str
) -> None:
    docs = [
        oci_source("rke2-multus", "rke2-multus", ref),
        chart_ref_release("multus", "rke2-multus", good_values(), namespace="flux-system"),
    ]
    result = validate(capsys, write(tmp_path, "flux.yaml", docs))
    found = result.at(path, severity)
    assert found and found[0]["document"] == 1 and words in found[0]["message"], result.findings()


def test_flux_chart_ref_out_of_sight(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The source is in another namespace than the one the release looks in (chartRef.namespace defaults to the
    # release's own), so it is not the one named.
    docs = [oci_source("rke2-multus", "rke2-multus", {"tag": "v4.3.017"}), chart_ref_release("multus", "rke2-multus")]
    result = validate(capsys, write(tmp_path, "flux.yaml", docs))
    (warning,) = result.at("$.spec.chartRef", "warning")
    assert "kube-system/rke2-multus" in warning["message"] and result.code == 0
    other = [chart_ref_release("podinfo", "podinfo", {"replicaCount": 2})]
    assert validate(capsys, write(tmp_path / "other", "p.yaml", other)).report["files"] == []  # not ours


def test_flux_helmchart_source(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = {
        "apiVersion": "source.toolkit.fluxcd.io/v1",
        "kind": "HelmChart",
        "metadata": {"name": "rke2-multus", "namespace": "kube-system"},
        "spec": {"chart": "rke2-multus", "sourceRef": {"kind": "HelmRepository", "name": "rke2-charts"}},
    }
    release = chart_ref_release("multus", "rke2-multus", good_values())
    release["spec"]["chartRef"]["kind"] = "HelmChart"
    result = validate(capsys, write(tmp_path, "flux.yaml", [source, release]))
    (unpinned,) = result.at("$.spec", "error")
    assert unpinned["document"] == 1 and "not pinned" in unpinned["message"]
    assert "HelmChart kube-system/rke2-multus spec.version" in unpinned["message"]


def test_argocd_application(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    app = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": "multus", "namespace": "argocd"},
        "spec": {
            "project": "default",
            "sources": [
                {"repoURL": "https://rke2-charts.rancher.io", "chart": "rke2-multus-crd", "targetRevision": "4.3.017"},
                {
                    "repoURL": "https://rke2-charts.rancher.io",
                    "chart": "rke2-multus",
                    "targetRevision": "4.3.*",
                    "helm": {
                        "values": yaml.safe_dump(good_values()),
                        "parameters": [{"name": "config.cni_conf.confDir", "value": "/etc/cni/net.d"}],
                    },
                },
            ],
            "destination": {"server": "https://kubernetes.default.svc", "namespace": "kube-system"},
        },
    }
    result = validate(capsys, write(tmp_path, "app.yaml", [app]))
    assert "range" in result.at("$.spec.sources[1].targetRevision", "error")[0]["message"]
    (conf,) = result.at("$.spec.sources[1].helm.parameters[0]", "error")
    assert "confDir" in conf["message"]


def test_fleet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fleet = {
        "namespace": "kube-system",
        "helm": {
            "repo": "https://rke2-charts.rancher.io",
            "chart": "rke2-multus",
            "version": "v4.3.017",
            "values": good_values(extra="${ .ClusterName }"),
        },
        "targetCustomizations": [
            {"name": "old", "clusterSelector": {}, "helm": {"values": {"config": {"cni_conf": {"binDir": "/x"}}}}}
        ],
    }
    folder = tmp_path / "fleet"
    write(
        folder,
        "crd/fleet.yaml",
        yaml.safe_dump(
            {
                "defaultNamespace": "kube-system",
                "helm": {"chart": "rke2-multus-crd", "version": "4.3.017", "repo": "https://rke2-charts.rancher.io"},
            }
        ),
    )
    write(folder, "multus/fleet.yaml", yaml.safe_dump(fleet))
    result = validate(capsys, folder)
    assert "defaultNamespace" in result.at("$.namespace", "error")[0]["fix"]
    assert result.at("$.helm.values", "warning")  # ${ } is templated by Fleet
    assert result.at("$.targetCustomizations[0].helm.values.config.cni_conf.binDir", "error")
    assert not result.at("$.helm.chart", "error")  # the CRD chart is in the other bundle


# -- spec files ---------------------------------------------------------------------------------------------

SPEC = """\
cluster:
  k3sVersion: v1.30.6+k3s1
chart:
  version: v4.3.017
networks:
  - name: storage
    type: macvlan
    master: eth1
    ipam:
      type: whereabouts
      range: 10.42.0.0/24
"""


def test_spec_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path, "multus.yaml", SPEC)
    result = validate(capsys, bad)
    assert result.code == 1
    (finding,) = [f for f in result.findings() if f["severity"] == "error"]
    assert finding["json_path"].startswith("$.networks[0].ipam") and finding["line"] == 11
    assert "pod CIDR" in finding["message"]
    good = write(tmp_path, "good.yaml", SPEC.replace("10.42.0.0/24", "192.168.50.0/24"))
    result = validate(capsys, good)
    assert [f for f in result.findings() if f["severity"] == "error"] == []
    assert result.report["files"] == [str(good)]


# -- output, skipping, exit codes ---------------------------------------------------------------------------


def test_text_output_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path, "m.yaml", [crd_chart(), helmchart(good_values(bin_dir="/opt/cni/bin/"), failure_policy="reinstall")]
    )
    result = validate(capsys, path, json_out=False)
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines and all(LINE.match(line) for line in lines), lines
    assert lines[0].startswith("error: ") or lines[0].startswith("warning: ")
    assert "\x1b[" not in result.out + result.err  # plain when piped
    assert result.err == "1 file checked, 1 error, 2 warnings\n"


def test_skips_what_is_not_ours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    write(repo, "apps/deploy.yaml", [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}}])
    write(repo, "apps/traefik.yaml", [helmchart({"a": 1}, chart="traefik", version=None)])
    write(repo, "charts/x/templates/cm.yaml", "metadata:\n  name: {{ .Release.Name }}\n  labels: {{ x }\n")
    write(repo, ".git/config.yaml", "not: checked\n")
    write(repo, ".hidden.yaml", "kind: HelmChart\n")
    write(repo, "README.md", "# readme\n")
    write(repo, "clusters/prod/multus.yaml", pair(good_values()))
    result = validate(capsys, repo)
    assert result.code == 0, result.findings()
    assert result.report["files"] == [str(repo / "clusters/prod/multus.yaml")]
    skipped = {Path(s["path"]).relative_to(repo).as_posix(): s["reason"] for s in result.report["skipped"]}
    assert skipped[".git"] == "hidden folder" and skipped[".hidden.yaml"] == "hidden file"
    assert "Deployment" in skipped["apps/deploy.yaml"] and "HelmChart" in skipped["apps/traefik.yaml"]
    assert skipped["charts/x/templates/cm.yaml"].startswith("not ours and not valid YAML")
    assert "README.md" in skipped
    text = validate(capsys, repo, json_out=False)
    assert text.out == "" and text.err == "1 file checked, 0 errors, 0 warnings\n"
    # a broken file of ours is an error
    write(repo, "clusters/prod/broken.yaml", "apiVersion: helm.cattle.io/v1\nkind: HelmChart\nspec: [\n")
    result = validate(capsys, repo)
    (broken,) = result.findings()
    assert broken["path"].endswith("broken.yaml") and "not valid YAML" in broken["message"]


def test_json_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "multus.json"
    path.write_text(json.dumps(pair(good_values())[1]))
    result = validate(capsys, path)
    assert [f["json_path"] for f in result.findings() if f["severity"] == "error"] == ["$.spec.chart"]
    path.write_text('{"apiVersion": "helm.cattle.io/v1", "apiVersion": "x"}')
    result = validate(capsys, path)
    assert "duplicate key" in result.findings()[0]["message"]


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["/does/not/exist.yaml"],
        [".", "--k3s-version", "1.30"],
        [".", "--data-dir", "relative/dir"],
        [".", "--distro", "k8s"],
        [".", "-o", "xml"],
        [".", "--no-such-flag"],
    ],
)
def test_usage_errors(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(["validate", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1


def test_many_files_piped_show_no_progress(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for i in range(60):
        write(tmp_path, f"c{i:02}/multus.yaml", pair(good_values()))
    result = validate(capsys, tmp_path, json_out=False)
    assert result.code == 0 and result.out == ""
    assert result.err == "60 files checked, 0 errors, 0 warnings\n"


def test_help_has_examples(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Examples:" in out and "multus-gen validate clusters/" in out


# -- the pre-commit hook ----------------------------------------------------------------------------------


def test_pre_commit_hook(tmp_path: Path) -> None:
    hooks = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = [h for h in hooks if h["id"] == "multus-gen-validate"]
    assert hook["entry"] == "multus-gen validate" and hook["language"] == "python"
    assert hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    assert all(files.search(n) for n in ("a.yaml", "b/c.yml", "d.json")) and not files.search("README.md")
    # pre-commit runs `entry` with the changed file names appended, from the repository root
    exe = shutil.which(hook["entry"].split()[0]) or shutil.which(
        hook["entry"].split()[0], path=os.path.dirname(sys.executable)
    )
    assert exe is not None, "multus-gen is not on PATH (pip install -e .)"
    good = write(tmp_path, "clusters/multus.yaml", pair(good_values()))
    bad = write(tmp_path, "clusters/bad/multus.yaml", [helmchart(good_values(bin_dir="/opt/cni/bin"))])
    argv = [exe, *hook["entry"].split()[1:]]
    done = subprocess.run(
        [*argv, str(good.relative_to(tmp_path))], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    done = subprocess.run(
        [*argv, str(bad.relative_to(tmp_path))], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and "binDir" in done.stdout


def test_null_deletes_the_chart_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    values = good_values()
    values["config"]["cni_conf"]["binDir"] = None
    result = validate(capsys, write(tmp_path, "m.yaml", pair(values)), "--distro", "k3s")
    (finding,) = result.at("$.spec.valuesContent.config.cni_conf.binDir", "error")
    assert "null" in finding["message"]
    # on RKE2 the chart defaults are right, but a null still deletes them
    rke2 = {"config": {"cni_conf": {"confDir": None}}}
    result = validate(capsys, write(tmp_path, "r.yaml", pair(rke2)), "--distro", "rke2")
    assert result.at("$.spec.valuesContent.config.cni_conf.confDir", "error")


def test_named_files_see_their_neighbours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A pre-commit run names only the changed file; the companion CRD chart beside it still counts, and its
    own problems (it was not named) are not reported."""
    folder = tmp_path / "clusters/prod"
    multus = write(folder, "multus.yaml", [helmchart(good_values())])
    write(folder, "multus-crd.yaml", [crd_chart(version="4.3.009")])  # broken, but not named
    result = validate(capsys, multus)
    assert result.code == 0 and result.findings() == [], result.findings()
    assert result.report["files"] == [str(multus)]
    (folder / "multus-crd.yaml").unlink()
    assert validate(capsys, multus).at("$.spec.chart", "error")


def test_a_folder_of_many_installs_is_not_one_cluster(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Several rke2-multus installs in one folder (a collection): a CRD chart in one file is not held against a
    bundling chart in another."""
    write(tmp_path, "new.yaml", pair(good_values()))
    write(tmp_path, "old.yaml", [helmchart(good_values(), version="v4.2.202")])
    result = validate(capsys, tmp_path)
    assert result.code == 0, result.findings()


def test_a_flag_given_a_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "--strict=yes", "x.yaml"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "--strict" in err, err
