"""A way off the old docs: ``--from-values`` takes over a release installed with ``helm install multus`` and a
``multus-values.yaml`` written as the K3s docs said (the stale copy in ../shared/fixtures/seed).

Expectations from FACTS.md 2-4 and 3a, written here: the K3s paths, the keys the docs' files get wrong, the
CRD-split refusal. The files are the docs' own code blocks plus settings of the user's own.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from conftest import isolate_git
from helpers import K3S_CONF, K3S_DATA, capture, docs_of, git, values_of

SEED = "fixtures/seed/k3s-multus-ipam-docs.ja.md"
#: The user's own settings, beside what the docs said to write: none of them is multus-gen's.
OWN = """
image:
  tag: v4.1.3-build2024
tolerations:
- operator: Exists
labels:
  nodeSelector:
    node-role.example.com/multus: "true"
config:
  cni_conf:
    logLevel: debug
"""
#: The release's chart as `helm list -n kube-system` shows it: an rke2-multus from before the keep annotation.
OLD_RELEASE = ("--from-chart-version", "rke2-multus-v4.2.106")


def docs_files(shared: Path) -> dict[str, str]:
    """The three multus-values.yaml the K3s docs give, per IPAM tab (host-local, whereabouts, dhcp)."""
    text = (shared / SEED).read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(config:.*?)```", text, flags=re.S)
    assert len(blocks) == 3, "the docs copy changed: expected three values files"
    return dict(zip(("host-local", "whereabouts", "dhcp"), blocks, strict=True))


def users_file(tmp_path: Path, docs_text: str) -> Path:
    """The docs' file with the user's own settings merged in (as a user would have edited it)."""
    data = yaml.safe_load(docs_text)
    own = yaml.safe_load(OWN)
    data["config"]["cni_conf"].update(own.pop("config")["cni_conf"])
    data.update(own)
    path = tmp_path / "multus-values.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _run(*argv: str) -> tuple[int, str, str]:
    return capture(["helmchart", *argv])


@pytest.mark.parametrize("ipam", ["host-local", "whereabouts", "dhcp"])
def test_takes_over_each_docs_file(shared: Path, tmp_path: Path, ipam: str) -> None:
    path = users_file(tmp_path, docs_files(shared)[ipam])
    code, out, err = _run("--from-values", str(path), "--chart-version", "v4.3.008", *OLD_RELEASE)
    assert code == 0, err
    (multus,) = docs_of(out)
    assert multus["metadata"] == {"name": "multus", "namespace": "kube-system"}  # the docs' release, taken over
    assert multus["spec"]["targetNamespace"] == "kube-system"
    values = values_of(multus)
    cni = values["config"]["cni_conf"]
    assert cni["binDir"] == f"{K3S_DATA}/data/cni"  # the docs' data/current/bin/ is gone
    assert cni["confDir"] == K3S_CONF and cni["multusAutoconfigDir"] == K3S_CONF
    assert cni["logLevel"] == "debug"  # the user's own key beside the owned ones
    assert values["image"] == {"tag": "v4.1.3-build2024"}
    assert values["tolerations"] == [{"operator": "Exists"}]
    assert values["labels"] == {"nodeSelector": {"node-role.example.com/multus": "true"}}
    # the IPAM followed the file
    assert (values.get("rke2-whereabouts", {}).get("enabled") is True) is (ipam == "whereabouts")
    assert (values.get("manifests", {}).get("dhcpDaemonSet") is True) is (ipam == "dhcp")
    # one line per changed key on stderr
    assert f"config.cni_conf.binDir: {K3S_DATA}/data/current/bin/ -> {K3S_DATA}/data/cni" in err.splitlines()
    assert f"config.cni_conf.multusAutoconfigDir: (not set) -> {K3S_CONF}" in err.splitlines()
    if ipam == "whereabouts":
        assert f"rke2-whereabouts.cniConf.binDir: {K3S_DATA}/data/current/bin/ -> {K3S_DATA}/data/cni" in err
    assert "logLevel" not in err and "tolerations" not in err  # the user's own settings are not "changes"


def test_output_passes_validate(shared: Path, tmp_path: Path) -> None:
    path = users_file(tmp_path, docs_files(shared)["whereabouts"])
    out_file = tmp_path / "multus.yaml"
    argv = ["--from-values", str(path), "--chart-version", "v4.3.017", "--from-chart-version", "v4.2.410"]
    code, _, err = _run(*argv, "--out", str(out_file))
    assert code == 0, err
    assert "must adopt them" in err  # the CRD chart takes the CRDs over from the release
    assert capture(["validate", str(out_file)])[0] == 0


def test_old_chart_drops_the_keys_it_cannot_take(tmp_path: Path) -> None:
    """v4.2.106 must not get multusAutoconfigDir (an unmounted path, FACTS 3) and gets cleanupConfigOnExit."""
    path = tmp_path / "v.yaml"
    path.write_text(f"config:\n  cni_conf:\n    multusAutoconfigDir: {K3S_CONF}\n  fullnameOverride: multus\n")
    code, out, err = _run("--from-values", str(path), "--chart-version", "v4.2.106", "--k3s-version", "v1.30.6+k3s1")
    assert code == 0, err
    cni = values_of(docs_of(out)[0])["config"]["cni_conf"]
    assert "multusAutoconfigDir" not in cni and cni["cleanupConfigOnExit"] is True
    assert "fullnameOverride" not in values_of(docs_of(out)[0])["config"]
    lines = err.splitlines()
    assert any(line.startswith(f"config.cni_conf.multusAutoconfigDir: {K3S_CONF} -> (removed") for line in lines)
    assert "config.cni_conf.cleanupConfigOnExit: (not set) -> true" in lines
    assert any(line.startswith("config.fullnameOverride: multus -> (removed") for line in lines)


def test_go_yaml_meaning_is_kept(tmp_path: Path) -> None:
    """The file is read as helm reads it: `yes` is true, `12:30` a string; the output says the same to helm."""
    path = tmp_path / "v.yaml"
    path.write_text("dynamicNetworksController:\n  enabled: yes\npodAnnotations:\n  window: 12:30\n")
    code, out, err = _run("--from-values", str(path), "--chart-version", "v4.3.008")
    assert code == 0, err
    values = values_of(docs_of(out)[0])
    assert values["dynamicNetworksController"]["enabled"] is True
    assert values["podAnnotations"]["window"] == "12:30"


@pytest.mark.parametrize(
    ("argv", "where"),
    [
        (("--ipam", "dhcp"), "::$.rke2-whereabouts.enabled"),  # the file enables whereabouts
        (("--ipam", "host-local"), "::$.rke2-whereabouts.enabled"),
        (("--chart-version", "v4.3.017"), "--from-chart-version"),  # which release is there decides the NADs' fate
        (("--chart-version", "v4.3.017", *OLD_RELEASE), "--from-chart-version"),  # straight over the CRD split
        (("--from-chart-version", "rke2-multus-latest"), "--from-chart-version"),
        (("--chart-version", "v4.3.008", "--format", "flux"), "--format"),
        (("--distro", "rke2"), "--from-values"),
    ],
)
def test_refusals(shared: Path, tmp_path: Path, argv: tuple[str, ...], where: str) -> None:
    path = users_file(tmp_path, docs_files(shared)["whereabouts"])
    code, out, err = _run("--from-values", str(path), *argv)
    assert code == 1 and out == "", err
    (line,) = err.splitlines()
    assert where in line, line


def test_straight_jump_names_the_safe_path(shared: Path, tmp_path: Path) -> None:
    path = users_file(tmp_path, docs_files(shared)["host-local"])
    code, _, err = _run("--from-values", str(path), "--chart-version", "v4.3.017", *OLD_RELEASE)
    assert code == 1
    assert "[upgrade-deletes-nads]" in err and "v4.3.008" in err


def test_ipam_flag_may_add_what_the_file_does_not_contradict(shared: Path, tmp_path: Path) -> None:
    path = users_file(tmp_path, docs_files(shared)["host-local"])
    code, out, err = _run("--from-values", str(path), "--chart-version", "v4.3.008", "--ipam", "dhcp")
    assert code == 0, err
    assert values_of(docs_of(out)[0])["manifests"] == {"dhcpDaemonSet": True}
    assert "manifests.dhcpDaemonSet: (not set) -> true" in err.splitlines()


def test_values_command_prints_the_corrected_file(shared: Path, tmp_path: Path) -> None:
    path = users_file(tmp_path, docs_files(shared)["dhcp"])
    code, out, err = capture(["values", "--from-values", str(path), "--chart-version", "v4.3.008"])
    assert code == 0, err
    values = yaml.safe_load(out)
    assert values["config"]["cni_conf"]["binDir"] == f"{K3S_DATA}/data/cni"
    assert values["manifests"] == {"dhcpDaemonSet": True} and values["tolerations"] == [{"operator": "Exists"}]


def test_install_writes_the_takeover_into_the_manifests_folder(shared: Path, tmp_path: Path) -> None:
    path = users_file(tmp_path, docs_files(shared)["whereabouts"])
    folder = tmp_path / "manifests"
    folder.mkdir()
    argv = ["install", "--manifests-dir", str(folder), "--from-values", str(path), "--chart-version", "v4.3.008"]
    code, _, err = capture([*argv, "--k3s-version", "v1.33.7+k3s1"])
    assert code == 0, err
    (multus,) = docs_of((folder / "multus.yaml").read_text())
    assert values_of(multus)["rke2-whereabouts"]["cniConf"]["binDir"] == f"{K3S_DATA}/data/cni"
    assert "config.cni_conf.binDir:" in err


def test_quiet_take_over_is_one_line(tmp_path: Path) -> None:
    """``install -q --from-values``: one summary line for the keys replaced (for scripts); warnings still print."""
    path = tmp_path / "multus-values.yaml"
    path.write_text(f"config:\n  cni_conf:\n    binDir: {K3S_DATA}/data/current/bin/\n  fullnameOverride: multus\n")
    argv = ["--from-values", str(path), "--chart-version", "v4.3.008", "--k3s-version", "v1.27.1+k3s1"]
    loud, quiet = tmp_path / "loud", tmp_path / "quiet"
    loud.mkdir()
    quiet.mkdir()
    code, _, err = capture(["install", "--manifests-dir", str(loud), *argv])
    assert code == 0, err
    replaced = [line for line in err.splitlines() if re.match(r"^[\w.-]+\.[\w.-]+: .* -> ", line)]
    assert "config.fullnameOverride: multus -> (removed: no rke2-multus template uses it)" in replaced
    code, _, err = capture(["install", "-q", "--manifests-dir", str(quiet), *argv])
    assert code == 0, err
    lines = err.splitlines()
    assert f"multus-gen: took over {path}: {len(replaced)} keys replaced" in lines, err
    assert not any(" -> " in line for line in lines) and "kept as written" not in err
    # the legacy bin dir of K3s v1.27 is a warning: -q keeps it
    assert any(line.startswith("multus-gen: warning: ") and "[cni-bin-dir-legacy]" in line for line in lines)
    assert (quiet / "multus.yaml").read_text() == (loud / "multus.yaml").read_text()


def test_commit_takes_over_into_the_repository(
    shared: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    require_real,  # type: ignore[no-untyped-def]
) -> None:
    """``commit --from-values``: the same take-over as helmchart, committed; the straight jump refused."""
    isolate_git(tmp_path, monkeypatch, "[init]\n\tdefaultBranch = main\n[user]\n\tname = J\n\temail = j@example.org\n")
    bare, repo = tmp_path / "remote.git", tmp_path / "repo"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(tmp_path, "clone", "-q", str(bare), str(repo))
    path = users_file(tmp_path, docs_files(shared)["whereabouts"])
    argv = ["commit", "--repo", str(repo), "--path", "clusters/prod/", "--from-values", str(path)]
    code, out, err = capture([*argv, "--chart-version", "v4.3.017", *OLD_RELEASE])
    assert code == 1 and out == "" and "[upgrade-deletes-nads]" in err and "--from-chart-version" in err, err
    assert not (repo / "clusters").exists()
    code, out, err = capture([*argv, "--chart-version", "v4.3.008", *OLD_RELEASE, "--push"])
    assert code == 0 and out == "", err
    assert f"config.cni_conf.binDir: {K3S_DATA}/data/current/bin/ -> {K3S_DATA}/data/cni" in err.splitlines()
    committed = git(bare, "show", "main:clusters/prod/multus.yaml")
    (multus,) = docs_of(committed)
    assert multus["metadata"] == {"name": "multus", "namespace": "kube-system"}
    values = values_of(multus)
    assert values["rke2-whereabouts"]["enabled"] is True and values["tolerations"] == [{"operator": "Exists"}]
    # byte for byte what helmchart prints for the same take-over
    code, out, _ = _run("--from-values", str(path), "--chart-version", "v4.3.008", *OLD_RELEASE)
    assert code == 0 and committed + "\n" == out
    code, _, err = capture([*argv, "--chart-version", "v4.3.008", *OLD_RELEASE, "-q", "--dry-run"])
    assert code == 0 and re.search(rf"^multus-gen: took over {re.escape(str(path))}: \d+ keys replaced$", err, re.M)
    assert " -> " not in err, err


def test_plan_shows_what_the_take_over_changes(shared: Path, tmp_path: Path) -> None:
    """``plan --from FILE --from-values V``: the keys replaced, the release's transition; writes nothing."""
    path = users_file(tmp_path, docs_files(shared)["host-local"])
    current = tmp_path / "multus.yaml"
    base = ("--from-values", str(path), *OLD_RELEASE)
    assert _run(*base, "--chart-version", "v4.3.008", "--out", str(current))[0] == 0
    before = current.read_text()
    code, out, err = capture(["plan", "--from", str(current), *base, "--chart-version", "v4.3.008"])
    assert (code, out) == (0, ""), err
    assert f"config.cni_conf.binDir: {K3S_DATA}/data/current/bin/ -> {K3S_DATA}/data/cni" in err.splitlines()
    assert err.rstrip().endswith("no change")
    code, out, err = capture(["plan", "--from", str(current), *base, "--chart-version", "v4.3.017"])
    assert code == 1 and "+  version: v4.3.017" in out  # the diff is shown, the take-over refused
    assert (
        "[upgrade-deletes-nads]" in err and "--from-chart-version" in err and err.rstrip().endswith("unsafe transition")
    )
    code, out, err = capture(
        [
            "plan",
            "--from",
            str(current),
            "--from-values",
            str(path),
            "--chart-version",
            "v4.3.017",
            "--from-chart-version",
            "v4.2.410",
        ]
    )
    assert code == 0 and "must adopt them" in err, err
    assert current.read_text() == before
