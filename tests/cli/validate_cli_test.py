"""`multus-gen validate` as a command: what the generator writes passes, output formats, exit codes, --strict,
the directory walk, usage errors and the pre-commit hook.

Which findings a document gives is not tested here: those cases are example files in tests/validate/ (see its
README.md). Expectations come from FACTS.md, written independently of multus_gen.check.rules.
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

from helpers import CHECKOUT, K3S_CONF, K3S_KUBECONFIG, STABLE_BIN
from multus_gen.cli import run

EXAMPLES = CHECKOUT / "tests/validate"
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
    cni: dict[str, Any] = {"confDir": K3S_CONF, "binDir": bin_dir, "kubeconfig": K3S_KUBECONFIG}
    if autoconfig:
        cni["multusAutoconfigDir"] = K3S_CONF
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
    assert run(["helmchart", *argv, "--out", str(out)]) == 0
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
    assert run(["values", "--ipam", "whereabouts", "--chart-version", "v4.2.202", "--out", str(out)]) == 0
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
    assert run(["nad", "storage", "--master", "eth1", "--range", "192.168.50.0/24", "--out", str(nads)]) == 0
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
    assert "multusAutoconfigDir is not set" in auto["message"] and K3S_CONF in auto["fix"]
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


# -- output, skipping, exit codes ---------------------------------------------------------------------------


def test_strict_makes_warnings_fail(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The host-local NAD of tests/validate/negative/ gives one warning: exit 0, and 1 under --strict."""
    path = tmp_path / "n.yaml"
    shutil.copyfile(EXAMPLES / "negative/nad-host-local-per-node.yaml", path)
    result = validate(capsys, path)
    assert result.code == 0
    (warning,) = result.at("$.spec.config.ipam", "warning")
    assert "per node" in warning["message"]
    strict = validate(capsys, path, "--strict")
    assert strict.code == 1
    assert strict.findings() == result.findings()


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
    assert hook["entry"] == "multus-gen validate --allow-empty" and hook["language"] == "python"
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
    other = write(tmp_path, "apps/cm.yaml", [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}}])
    done = subprocess.run(
        [*argv, str(other.relative_to(tmp_path))], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr  # a commit of unrelated YAML only: nothing to check, not a failure


def test_a_flag_given_a_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["validate", "--strict=yes", "x.yaml"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.strip().splitlines()) == 1 and "--strict" in err, err
