"""The habits users bring from kubectl and helm: -o chooses the format, --out names the file, - is stdin,
--version, -n, MULTUS_GEN_* variables, help without arguments, one suggestion for a mistyped command, -q."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import capture, docs_of

SPEC = """\
cluster: {k3sVersion: v1.30.6+k3s1}
networks:
  - {name: lan, type: macvlan, master: eth2, ipam: {type: dhcp}}
"""


def feed(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Standard input holds ``text`` for the next run."""
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))


def ok(argv: list[str]) -> tuple[str, str]:
    code, out, err = capture(argv)
    assert code == 0, err
    return out, err


def usage_error(argv: list[str], *words: str) -> str:
    """Exit 2, nothing on stdout, one line on stderr holding ``words``."""
    code, out, err = capture(argv)
    assert (code, out) == (2, ""), (code, out, err)
    assert len(err.strip().splitlines()) == 1 and all(w in err for w in words), err
    return err


# -- 1. -o chooses the format, --out names the file -------------------------------------------------------


def test_json_of_several_documents_is_a_list_and_of_one_the_object() -> None:
    out, _ = ok(["helmchart", "-o", "json"])  # v4.3.017: the CRD chart and the chart
    data = json.loads(out)
    assert (data["apiVersion"], data["kind"]) == ("v1", "List")
    assert data["items"] == docs_of(ok(["helmchart"])[0])
    out, _ = ok(["helmchart", "--chart-version", "v4.2.202", "--output", "json"])
    assert json.loads(out) == docs_of(ok(["helmchart", "--chart-version", "v4.2.202"])[0])[0]
    assert json.loads(ok(["values", "-o", "json"])[0]) == yaml.safe_load(ok(["values"])[0])
    nad = ["nad", "lan", "--master", "eth2", "--ipam", "dhcp"]
    assert json.loads(ok([*nad, "-o", "json"])[0])["kind"] == "NetworkAttachmentDefinition"
    assert ok([*nad, "-o", "yaml"]) == ok(nad)


def test_render_json_to_stdout(tmp_path: Path) -> None:
    spec = tmp_path / "multus.yaml"
    spec.write_text(SPEC)
    data = json.loads(ok(["render", "-c", str(spec), "-o", "json"])[0])
    assert data["kind"] == "List"
    assert [i["kind"] for i in data["items"]] == [d["kind"] for d in docs_of(ok(["render", "-c", str(spec)])[0])]
    usage_error(["render", "-c", str(spec), "-o", "json", "--out-dir", str(tmp_path / "o")], "-o")


def test_json_refuses_documents_that_are_not_objects() -> None:
    usage_error(["helmchart", "--format", "fleet", "-o", "json"], "fleet.yaml", "-o yaml")


@pytest.mark.parametrize("command", [["helmchart"], ["values"], ["nad", "lan", "--master", "eth2", "--ipam", "dhcp"]])
def test_out_writes_the_file_and_dash_is_stdout(tmp_path: Path, command: list[str]) -> None:
    target = tmp_path / "out.yaml"
    out, err = ok([*command, "--out", str(target)])
    assert out == "" and f"{target}: written" in err
    assert target.read_text() == ok(command)[0] == ok([*command, "--out", "-"])[0]
    ok([*command, "--out", str(target), "-o", "json"])
    json.loads(target.read_text())


@pytest.mark.parametrize("name", ["json", "yaml", "JSON"])
def test_a_format_where_a_file_belongs_is_a_usage_error(tmp_path: Path, name: str) -> None:
    os.chdir(tmp_path)
    usage_error(["helmchart", "--out", name], "--out", f"-o {name}")
    assert not (tmp_path / name).exists()


@pytest.mark.parametrize(
    ("argv", "fix"),
    [
        (["helmchart", "-o", "out.yaml"], "--out out.yaml"),
        (["values", "-o", "v.json"], "--out v.json"),
        (["nad", "x", "-o", "nads/x.yaml"], "--out nads/x.yaml"),
        (["validate", ".", "-o", "report.json"], "> report.json"),
        (["versions", "-o", "versions.txt"], "> versions.txt"),
        (["rules", "-o", "./rules"], "> ./rules"),
    ],
)
def test_a_path_where_a_format_belongs_is_a_usage_error(argv: list[str], fix: str) -> None:
    usage_error(argv, "is a file name, not a format", fix)


def test_report_formats() -> None:
    assert ok(["versions"])[0].startswith("VERSION")  # table stays the default
    assert isinstance(json.loads(ok(["versions", "-o", "json"])[0]), list)
    assert isinstance(json.loads(ok(["rules", "--output", "json"])[0]), list)
    usage_error(["versions", "-o", "yaml"], "'yaml' is not one of")


# -- 2. - is stdin ----------------------------------------------------------------------------------------


def test_values_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    feed(monkeypatch, "config: {cni_conf: {logLevel: debug}}\n")
    out, _ = ok(["values", "-f", "-"])
    assert yaml.safe_load(out)["config"]["cni_conf"]["logLevel"] == "debug"


def test_spec_from_stdin(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    spec = tmp_path / "multus.yaml"
    spec.write_text(SPEC)
    feed(monkeypatch, SPEC)
    out, _ = ok(["render", "-c", "-"])
    assert docs_of(out) == docs_of(ok(["render", "-c", str(spec)])[0])


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_validate_reads_one_stream_from_stdin(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    feed(monkeypatch, ok(["helmchart"])[0])
    _, err = ok(["validate", name])
    assert err.startswith("1 file checked, 0 errors")
    feed(monkeypatch, ok(["helmchart", "--set", "config.cni_conf.binDir=/opt/cni/bin", "--allow", "cni-bin-dir"])[0])
    code, out, _ = capture(["validate", name])
    assert code == 1 and out.startswith("error: <stdin>::$") and "binDir" in out


def test_validate_dev_stdin_through_a_pipe() -> None:
    helmchart = subprocess.run([sys.executable, "-m", "multus_gen", "helmchart"], capture_output=True, check=True)
    done = subprocess.run(
        [sys.executable, "-m", "multus_gen", "validate", "/dev/stdin"], input=helmchart.stdout, capture_output=True
    )
    assert done.returncode == 0 and done.stderr.decode().startswith("1 file checked"), done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["values", "-f", "-", "-f", "-"],
        ["install", "-c", "-", "-f", "-"],
        ["validate", "-", "/dev/stdin"],
        ["validate", "-", "--values-file", "-"],
    ],
)
def test_stdin_is_read_once(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    feed(monkeypatch, "a: 1\n")
    usage_error(argv, "standard input is named 2 times")


# -- 3. validate never passes on nothing ------------------------------------------------------------------


def test_validate_fails_when_nothing_was_checked(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    code, out, err = capture(["validate", str(tmp_path)])
    assert (code, out) == (1, "") and len(err.splitlines()) == 1, err
    assert "no files checked: 2 skipped" in err and "notes.txt (not a .yaml" in err and "kinds: ConfigMap" in err
    assert "--allow-empty" in err
    _, err = ok(["validate", str(tmp_path), "--allow-empty"])
    assert err.startswith("0 files checked")
    (tmp_path / "notes.txt").unlink()
    (tmp_path / "cm.yaml").unlink()
    code, _, err = capture(["validate", str(tmp_path)])
    assert code == 1 and "nothing to check there" in err


# -- 4. small habits --------------------------------------------------------------------------------------


def test_version_flag_and_command() -> None:
    from multus_gen import __version__
    from multus_gen.knowledge.charts import INDEX_SNAPSHOT_DATE

    assert ok(["--version"]) == (f"multus-gen {__version__}\n", "")
    lines = ok(["version"])[0].splitlines()
    assert lines[0] == f"multus-gen {__version__}"
    assert INDEX_SNAPSHOT_DATE in lines[1] and lines[2].startswith(f"python {sys.version.split()[0]}")


def test_no_arguments_prints_the_help() -> None:
    out, err = ok([])
    assert out.startswith("Usage: multus-gen") and "helmchart" in out and err == ""


def test_a_mistyped_command_gets_one_suggestion() -> None:
    err = usage_error(["rendr"], "did you mean 'render'?")
    assert err.count("did you mean") == 1 and err.lower().count("did you mean") == 1
    err = usage_error(["valdate"], "did you mean 'validate'?")
    assert "values" not in err


def test_n_is_namespace() -> None:
    assert docs_of(ok(["helmchart", "-n", "multus-system"])[0])[-1]["metadata"]["namespace"] == "multus-system"
    out, _ = ok(["nad", "lan", "-n", "apps", "--master", "eth2", "--ipam", "dhcp"])
    assert docs_of(out)[0]["metadata"]["namespace"] == "apps"


def test_environment_variables_and_an_explicit_flag_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    plain = ok(["helmchart", "--k3s-version", "v1.30.5+k3s1", "--data-dir", "/srv/k3s", "--chart-version", "v4.2.202"])
    monkeypatch.setenv("MULTUS_GEN_K3S_VERSION", "v1.30.5+k3s1")
    monkeypatch.setenv("MULTUS_GEN_DATA_DIR", "/srv/k3s")
    monkeypatch.setenv("MULTUS_GEN_CHART_VERSION", "v4.2.202")
    assert ok(["helmchart"]) == plain
    assert ok(["helmchart", "--chart-version", "v4.3.017"])[0] != plain[0]
    assert "v4.3.017" in ok(["helmchart", "--chart-version", "v4.3.017"])[0]
    monkeypatch.delenv("MULTUS_GEN_K3S_VERSION")
    monkeypatch.delenv("MULTUS_GEN_DATA_DIR")
    monkeypatch.setenv("MULTUS_GEN_DISTRO", "rke2")
    assert "HelmChartConfig" in ok(["helmchart"])[0]
    assert "kind: HelmChart\n" in ok(["helmchart", "--distro", "k3s"])[0]
    # a spec file describes the cluster itself: the environment does not count as a flag next to it
    monkeypatch.setenv("MULTUS_GEN_K3S_VERSION", "v1.30.5+k3s1")
    spec = tmp_path / "multus.yaml"
    spec.write_text(SPEC)
    (tmp_path / "m").mkdir()
    ok(["install", "-c", str(spec), "--manifests-dir", str(tmp_path / "m")])
    assert "k3s-version=v1.30.6+k3s1" in (tmp_path / "m" / "multus.yaml").read_text()


def test_environment_variables_are_in_the_help() -> None:
    out, _ = ok(["helmchart", "--help"])
    for name in ("MULTUS_GEN_K3S_VERSION", "MULTUS_GEN_DATA_DIR", "MULTUS_GEN_CHART_VERSION", "MULTUS_GEN_DISTRO"):
        assert name in out
    assert "MULTUS_GEN_K3S_VERSION" in ok(["validate", "--help"])[0]


def test_render_out_dir_is_created_with_its_parents(tmp_path: Path) -> None:
    spec = tmp_path / "multus.yaml"
    spec.write_text(SPEC)
    target = tmp_path / "a" / "b" / "c"
    ok(["render", "-c", str(spec), "--out-dir", str(target)])
    assert sorted(p.name for p in target.iterdir() if not p.name.startswith(".")) == [
        "multus-networks.yaml",
        "multus.yaml",
    ]
    (tmp_path / "file").write_text("x")
    code, _, err = capture(["render", "-c", str(spec), "--out-dir", str(tmp_path / "file" / "sub")])
    assert code == 1 and "--out-dir" in err


def test_quiet_prints_one_summary_line(tmp_path: Path) -> None:
    spec = tmp_path / "multus.yaml"
    spec.write_text(SPEC)
    out_dir = tmp_path / "out"
    _, err = ok(["render", "-c", str(spec), "--out-dir", str(out_dir), "-q"])
    assert err == f"{out_dir}: 2 files: 2 written\n"
    _, err = ok(["render", "-c", str(spec), "--out-dir", str(out_dir), "--quiet"])
    assert err == f"{out_dir}: 2 files: 2 up to date\n"
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    _, err = ok(["install", "-c", str(spec), "--manifests-dir", str(manifests), "-q"])
    assert err == f"{manifests}: 2 files: 2 written\n"
