"""`multus-gen verify` and `helmchart --verify`: the real chart archives rendered with the generated values.

Good archives (../shared/fixtures/charts and charts-generations) must pass exactly when multus-gen's knowledge
says the chart works for the IPAM (a pair it refuses is refused, exit 1); archives broken here at run time --
a real archive unpacked, one template altered, packed again into tmp_path -- must fail with the rule that
names the breakage. The Helm engine is real (helm-python-sdk); without it, verify says how to install it.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from helpers import capture
from multus_gen.knowledge import charts

pytest.importorskip("helm_python", reason="the Helm engine (helm-python-sdk) renders the archives")

IPAMS = charts.IPAMS
V202 = "rke2-multus-v4.2.202.tgz"
V317 = "rke2-multus-v4.3.017.tgz"
CRD317 = "rke2-multus-crd-4.3.017.tgz"


@pytest.fixture(scope="module")
def fixtures(shared: Path) -> Path:
    return shared / "fixtures"


def archive(fixtures: Path, name: str) -> Path:
    for folder in ("charts", "charts-generations"):
        if (fixtures / folder / name).is_file():
            return fixtures / folder / name
    raise FileNotFoundError(name)


def repack(src: Path, dest: Path, edit: Callable[[Path], None]) -> Path:
    """``src`` unpacked into a folder beside ``dest``, changed by ``edit(chart_dir)``, packed as ``dest``."""
    work = dest.parent / (dest.name + ".d")
    with tarfile.open(src, "r:gz") as tar:
        tar.extractall(work, filter="data")
    (top,) = list(work.iterdir())
    edit(top)
    with tarfile.open(dest, "w:gz") as tar:
        tar.add(top, arcname=top.name)
    return dest


def replace_in(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


def verify(*argv: str) -> tuple[int, str, str]:
    return capture(["verify", *argv])


def errors(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.startswith("error: ")]


def rules_of(out: str) -> set[str]:
    return {line.rsplit("[", 1)[1].rstrip("]") for line in out.splitlines() if line.endswith("]")}


# -- good archives: the verdicts agree with knowledge/charts.py ------------------------------------------------


def _good_cases(fixtures: Path) -> list[tuple[Path, str]]:
    names = sorted(p.name for folder in ("charts", "charts-generations") for p in (fixtures / folder).glob("*.tgz"))
    return [(archive(fixtures, n), ipam) for n in names if n.startswith("rke2-multus-v") for ipam in IPAMS]


@pytest.mark.parametrize(
    "cluster", [(), ("--k3s-version", "v1.30.5+k3s1", "--data-dir", "/srv/k3s")], ids=["default", "old-k3s-srv"]
)
def test_good_archives_agree_with_the_knowledge(fixtures: Path, cluster: tuple[str, ...]) -> None:
    crd = archive(fixtures, CRD317)
    seen = {"pass": 0, "refused": 0}
    for path, ipam in _good_cases(fixtures):
        version = path.name.removeprefix("rke2-multus-").removesuffix(".tgz")
        extra = ("--crd-chart-archive", str(crd)) if not charts.ships_crds(version) else ()
        code, out, err = verify("--chart-archive", str(path), *extra, "--ipam", ipam, *cluster)
        works = (
            charts.version_refusal(version, allow_unknown=False) is None and charts.ipam_breakage(version, ipam) is None
        )
        label = f"{path.name} {ipam}: exit {code}; {out} {err}"
        if works:
            assert (code, errors(out)) == (0, []), label
            assert out == "", label  # no warning either
            assert "0 errors, 0 warnings" in err, label
            seen["pass"] += 1
        else:
            assert code == 1, label
            (line,) = err.strip().splitlines()  # refused up front: one line naming the rule or the flag
            assert "[chart-version-ipam]" in line or "--chart-version" in line, label
            seen["refused"] += 1
    assert seen["pass"] >= 12 and seen["refused"] >= 6, seen  # both verdicts really occur


def test_rke2_and_a_registry(fixtures: Path) -> None:
    """On RKE2 the chart runs on the standard dirs with RKE2's own systemDefaultRegistry; on K3s the registry
    goes into the values, and every image of every DaemonSet comes from it."""
    for ipam in IPAMS:
        code, out, err = verify(
            "--chart-archive", str(archive(fixtures, V202)), "--distro", "rke2", "--ipam", ipam,
            "--system-default-registry", "mirror.example:5000",
        )  # fmt: skip
        assert (code, out) == (0, ""), err
        assert "rendered for RKE2" in err
    code, out, err = verify(
        "--chart-archive", str(archive(fixtures, V317)), "--crd-chart-archive", str(archive(fixtures, CRD317)),
        "--ipam", "whereabouts", "--system-default-registry", "mirror.example:5000/rancher", "-o", "json",
    )  # fmt: skip
    report = json.loads(out)
    assert code == 0, err
    assert report["registry"] == "mirror.example:5000/rancher" and report["findings"] == []
    assert [r["chart"] for r in report["releases"]] == ["rke2-multus-crd", "rke2-multus"]
    assert report["dirs"]["conf"] == "/var/lib/rancher/k3s/agent/etc/cni/net.d"


# -- broken archives ---------------------------------------------------------------------------------------------

TEMPLATES = "templates"
DS = f"{TEMPLATES}/daemonSet.yaml"
DHCP = f"{TEMPLATES}/dhcp-daemonSet.yaml"
WHEREABOUTS = "charts/rke2-whereabouts/templates/daemonset.yaml"

#: (id, what to change in v4.2.202, verify's extra flags, the rule that must report it)
BROKEN: list[tuple[str, Callable[[Path], None], tuple[str, ...], str]] = [
    (
        "bin-hostpath-hard-coded",
        lambda top: replace_in(top / DS, "path: {{ .Values.config.cni_conf.binDir }}", "path: /opt/cni/bin"),
        (),
        "rendered-cni-dirs",
    ),
    (
        "conf-flag-off-the-mount",
        lambda top: replace_in(top / DS, '"--cni-conf-dir=/host{{', '"--cni-conf-dir=/elsewhere{{'),
        (),
        "rendered-cni-dirs",
    ),
    (
        "mount-twice",
        lambda top: replace_in(
            top / DS,
            "        - name: cnibin\n          mountPath: /host{{ .Values.config.cni_conf.binDir }}\n",
            "        - name: cnibin\n          mountPath: /host{{ .Values.config.cni_conf.binDir }}\n"
            "        - name: cni\n          mountPath: /host{{ .Values.config.cni_conf.binDir }}\n",
        ),
        (),
        "rendered-mounts",
    ),
    (
        "plugins-elsewhere",
        lambda top: replace_in(
            top / DS,
            "- name: cnibin\n          mountPath: /host/opt/cni/bin",
            "- name: cni\n          mountPath: /host/opt/cni/bin",
        ),
        (),
        "rendered-cni-plugins",
    ),
    (
        "kubeconfig-host-path",
        lambda top: replace_in(
            top / DS, "--multus-kubeconfig-file-host={{", "--multus-kubeconfig-file-host=/etc/cni/net.d/x{{"
        ),
        (),
        "rendered-kubeconfig",
    ),
    (
        "no-crd-template",
        lambda top: (top / TEMPLATES / "customResourceDefinition.yaml").unlink(),
        (),
        "rendered-crds",
    ),
    (
        "dhcp-hard-coded",
        lambda top: replace_in(top / DHCP, "path: {{ .Values.config.cni_conf.binDir }}", "path: /opt/cni/bin"),
        ("--ipam", "dhcp"),
        "rendered-dhcp",
    ),
    (
        "dhcp-missing",
        lambda top: (top / DHCP).unlink(),
        ("--ipam", "dhcp"),
        "rendered-dhcp",
    ),
    (
        "whereabouts-bin-dir",
        lambda top: replace_in(
            top / WHEREABOUTS, "value: /host{{ .Values.cniConf.binDir }}", "value: /host/opt/cni/bin"
        ),
        ("--ipam", "whereabouts"),
        "rendered-whereabouts",
    ),
    (
        "configmap-bin-dir",
        lambda top: replace_in(
            top / TEMPLATES / "configMap.yaml",
            "{{ toJson .Values.config.cni_conf | indent 4 }}",
            '{{ toJson (set (deepCopy .Values.config.cni_conf) "binDir" "/opt/cni/bin") | indent 4 }}',
        ),
        (),
        "rendered-cni-config",
    ),
    (
        "image-off-registry",
        lambda top: replace_in(
            top / DS,
            'image: {{ template "system_default_registry" . }}{{ .Values.image.repository }}',
            "image: docker.io/{{ .Values.image.repository }}",
        ),
        ("--system-default-registry", "mirror.example:5000"),
        "rendered-image-registry",
    ),
    (
        "mounts-not-a-list",
        lambda top: replace_in(
            top / DS,
            "volumeMounts:\n        - name: cnibin\n          mountPath: /host/opt/cni/bin\n",
            "volumeMounts: oops\n",
        ),
        (),
        "chart-render",
    ),
    (
        "template-syntax",
        lambda top: replace_in(top / DS, "{{ .Values.image.tag }}", "{{ .Values.image.tag "),
        (),
        "chart-render",
    ),
]


def test_verify_and_images_take_the_generators_rke2_and_take_over_options(fixtures: Path, tmp_path: Path) -> None:
    """`verify` takes helmchart's options (issue 14: "[OPTIONS]"): --rke2-version (it was a usage error, exit
    2), --from-values/--from-chart-version and --image-pull-secret; an archive that is not the rke2-multus the
    RKE2 release ships is refused naming --chart-archive (the flag given), not --chart-version. `images` takes
    --rke2-version and the take-over options as well."""
    code, out, err = verify(
        "--chart-archive", str(archive(fixtures, V202)), "--distro", "rke2", "--rke2-version", "v1.33.4+rke2r1",
        "--ipam", "whereabouts",
    )  # fmt: skip
    assert (code, out) == (0, ""), err
    code, out, err = verify(
        "--chart-archive", str(archive(fixtures, V317)), "--crd-chart-archive", str(archive(fixtures, CRD317)),
        "--distro", "rke2", "--rke2-version", "v1.34.2+rke2r1",
    )  # fmt: skip
    assert (code, out) == (1, ""), err
    (line,) = err.strip().splitlines()
    assert line.startswith("multus-gen: error: --chart-archive: RKE2 v1.34.2+rke2r1 ships rke2-multus v4.2.300"), line
    old = tmp_path / "multus-values.yaml"
    old.write_text("config:\n  cni_conf:\n    confDir: /etc/cni/net.d\n    binDir: /opt/cni/bin\n")
    code, out, err = verify(
        "--chart-archive", str(archive(fixtures, V202)), "--from-values", str(old),
        "--from-chart-version", "rke2-multus-v4.2.106", "--image-pull-secret", "pull",
    )  # fmt: skip
    assert (code, out) == (0, ""), err
    code, out, err = capture(["images", "--distro", "rke2", "--rke2-version", "v1.33.4+rke2r1", "-o", "json"])
    assert code == 0 and json.loads(out)["chartVersion"] == "v4.2.202", err
    take_over = ["--from-values", str(old), "--from-chart-version", "rke2-multus-v4.2.106"]
    code, out, err = capture(["images", *take_over, "--chart-version", "v4.2.202"])
    assert code == 0 and out.count("\n") >= 2, err


@pytest.mark.parametrize(("edit", "extra", "rule"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_broken_archive_fails_with_its_rule(
    fixtures: Path, tmp_path: Path, edit: Callable[[Path], None], extra: tuple[str, ...], rule: str
) -> None:
    good = archive(fixtures, V202)
    assert verify("--chart-archive", str(good), *extra)[0] == 0  # the unaltered archive passes with these flags
    broken = repack(good, tmp_path / V202, edit)
    code, out, err = verify("--chart-archive", str(broken), *extra)
    assert code == 1, (out, err)
    assert rule in rules_of(out) | rules_of(err.strip()), (out, err)
    if rule != "chart-render":
        assert errors(out), out
        assert all(line.startswith(("error: ", "warning: ")) for line in out.splitlines()), out
    # the same finding as JSON
    code, out, _ = verify("--chart-archive", str(broken), *extra, "-o", "json")
    if rule != "chart-render":
        report = json.loads(out)
        assert code == 1 and report["summary"]["errors"] >= 1
        assert rule in {f["rule"] for f in report["findings"] if f["severity"] == "error"}


def test_a_version_multus_gen_does_not_know(fixtures: Path, tmp_path: Path) -> None:
    """The use of verify: a chart published after multus-gen's index (here v4.3.017 renamed v4.3.099), proven
    on its archive; and --allow turns a rule's errors into warnings, as in validate."""

    def bump(top: Path) -> None:
        replace_in(top / "Chart.yaml", "version: v4.3.017", "version: v4.3.099")

    newer = repack(archive(fixtures, V317), tmp_path / "rke2-multus-v4.3.099.tgz", bump)
    args = ("--chart-archive", str(newer), "--crd-chart-archive", str(archive(fixtures, CRD317)))
    code, _, err = verify(*args)
    assert code == 1 and "--allow-unknown-chart-version" in err, err
    code, out, err = verify(*args, "--allow-unknown-chart-version", "--ipam", "dhcp")
    assert (code, out) == (0, ""), err
    assert "rke2-multus-v4.3.099.tgz rendered" in err and "0 errors" in err
    broken = repack(archive(fixtures, V202), tmp_path / V202, BROKEN[2][1])
    code, out, _ = verify("--chart-archive", str(broken), "--allow", "rendered-mounts")
    assert code == 0 and "warning: " in out and "(allowed by --allow rendered-mounts)" in out, out


def test_crd_chart_without_its_crds(fixtures: Path, tmp_path: Path) -> None:
    """rke2-multus-crd without the NAD CRD template, and without the whereabouts ones, beside v4.3.017."""
    crd = archive(fixtures, CRD317)

    def drop(name: str) -> Callable[[Path], None]:
        def edit(top: Path) -> None:
            (top / TEMPLATES / name).unlink()

        return edit

    (tmp_path / "a").mkdir()
    no_nad = repack(crd, tmp_path / "a" / CRD317, drop("customResourceDefinition.yaml"))
    code, out, _ = verify("--chart-archive", str(archive(fixtures, V317)), "--crd-chart-archive", str(no_nad))
    assert code == 1 and "network-attachment-definitions.k8s.cni.cncf.io" in out and "[rendered-crds]" in out, out
    (tmp_path / "b").mkdir()
    no_wb = repack(crd, tmp_path / "b" / CRD317, drop("whereabouts.cni.cncf.io_ippools.yaml"))
    args = ("--chart-archive", str(archive(fixtures, V317)), "--crd-chart-archive", str(no_wb))
    assert verify(*args)[0] == 0  # host-local needs no whereabouts CRD
    code, out, _ = verify(*args, "--ipam", "whereabouts")
    assert code == 1 and "ippools.whereabouts.cni.cncf.io" in out and "[rendered-crds]" in out, out


def test_renamed_chart_and_bad_files_are_one_line_errors(fixtures: Path, tmp_path: Path) -> None:
    def rename(top: Path) -> None:
        replace_in(top / "Chart.yaml", "name: rke2-multus", "name: my-multus")

    renamed = repack(archive(fixtures, V202), tmp_path / "renamed.tgz", rename)
    not_gzip = tmp_path / "notes.tgz"
    not_gzip.write_text("not a chart\n")
    not_tar = tmp_path / "plain.tgz"
    not_tar.write_bytes(gzip.compress(b"plain text, not a tar"))
    no_chart = tmp_path / "empty.tgz"
    with tarfile.open(no_chart, "w:gz") as tar:
        (tmp_path / "README").write_text("x")
        tar.add(tmp_path / "README", arcname="x/README")
    cases = {
        renamed: "is chart 'my-multus', not rke2-multus",
        not_gzip: "is not gzip-compressed",
        not_tar: "is not a readable gzip tar",
        no_chart: "holds no rke2-multus/Chart.yaml",
        tmp_path / "missing.tgz": "cannot read",
        archive(fixtures, CRD317): "holds no rke2-multus/Chart.yaml",
    }
    for path, says in cases.items():
        for argv in (["verify", "--chart-archive", str(path)], ["helmchart", "--verify", "--chart-archive", str(path)]):
            code, out, err = capture(argv)
            assert (code, out) == (1, ""), (argv, err)
            (line,) = err.splitlines()
            assert line.startswith("multus-gen: error: --chart-archive: ") and says in line, line
            assert line.endswith("[chart-archive]"), line


def test_versions_come_from_the_archive_or_must_match(fixtures: Path) -> None:
    good = str(archive(fixtures, V202))
    code, _, err = verify("--chart-archive", good, "--chart-version", "v4.2.106")
    assert code == 1 and "is rke2-multus v4.2.202, but --chart-version says v4.2.106" in err, err
    assert err.count("\n") == 1, err
    assert verify("--chart-archive", good, "--chart-version", "v4.2.202")[0] == 0
    v317, crd = str(archive(fixtures, V317)), str(archive(fixtures, CRD317))
    code, _, err = verify("--chart-archive", v317)
    assert code == 1 and "--crd-chart-archive" in err and "rke2-multus-crd 4.3.017" in err, err
    code, _, err = verify("--chart-archive", v317, "--crd-chart-archive", crd, "--crd-chart-version", "4.3.016")
    assert code == 1 and "is rke2-multus-crd 4.3.017, but --crd-chart-version says 4.3.016" in err, err
    code, _, err = verify("--chart-archive", good, "--crd-chart-archive", crd)
    assert code == 1 and "ships the CRDs itself" in err, err
    code, _, err = verify("--chart-archive", v317, "--crd-chart-archive", good)
    assert code == 1 and "--crd-chart-archive" in err and "[chart-archive]" in err, err
    code, _, err = verify("--chart-archive", good, "--system-default-registry", "https://mirror.example")
    assert code == 1 and "without the scheme: mirror.example" in err, err


# -- helmchart --verify ------------------------------------------------------------------------------------------


def test_helmchart_verify_prints_only_a_verified_install(fixtures: Path, tmp_path: Path) -> None:
    v317, crd = str(archive(fixtures, V317)), str(archive(fixtures, CRD317))
    code, out, err = capture(
        ["helmchart", "--verify", "--chart-archive", v317, "--crd-chart-archive", crd, "--ipam", "whereabouts"]
    )
    assert code == 0, err
    assert "verified: rke2-multus-crd-4.3.017.tgz + rke2-multus-v4.3.017.tgz" in err
    plain = capture(["helmchart", "--chart-archive", v317, "--crd-chart-archive", crd, "--ipam", "whereabouts"])[1]
    assert out == plain  # the same documents as without --verify (the archives embedded as chartContent)
    # the version comes from the archive when not given
    code, out, _ = capture(["helmchart", "--chart-archive", str(archive(fixtures, V202))])
    assert code == 0 and [d["spec"]["version"] for d in yaml.safe_load_all(out)] == ["v4.2.202"]
    # a broken archive: findings on stderr, nothing printed
    broken = repack(archive(fixtures, V202), tmp_path / V202, BROKEN[2][1])
    code, out, err = capture(["helmchart", "--verify", "--chart-archive", str(broken)])
    assert (code, out) == (1, ""), err
    assert "[rendered-mounts]" in err and err.splitlines()[-1].startswith("multus-gen: error: --verify: ")
    code, out, err = capture(["helmchart", "--verify"])
    assert (code, out) == (2, "") and "add --chart-archive FILE" in err, err


# -- without the extra -------------------------------------------------------------------------------------------

BLOCKED = """
import sys
sys.modules["helm_python"] = None  # as if helm-python-sdk were not installed: `import helm_python` fails
from multus_gen.cli import main
sys.argv = ["multus-gen", *sys.argv[1:]]
main()
"""


@pytest.mark.parametrize("command", ["verify", "helmchart --verify"])
def test_without_the_engine_verify_says_how_to_install_it(fixtures: Path, tmp_path: Path, command: str) -> None:
    env = {**os.environ, "MULTUS_GEN_CACHE_DIR": str(tmp_path / "cache")}
    result = subprocess.run(
        [sys.executable, "-c", BLOCKED, *command.split(), "--chart-archive", str(archive(fixtures, V202))],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    (line,) = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert line.startswith("multus-gen: error: ") and "pip install 'multus-gen[verify]'" in line, line
    # other commands never need it
    ok = subprocess.run(
        [sys.executable, "-c", BLOCKED, "helmchart", "--chart-archive", str(archive(fixtures, V202))],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert ok.returncode == 0 and "kind: HelmChart" in ok.stdout, ok.stderr


# -- the archive on standard input; images on RKE2 as verify ------------------------------------------------------


def run_piped(argv: list[str], stdin: bytes, tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    """The installed multus-gen in a real process, ``stdin`` piped in."""
    env = {**os.environ, "MULTUS_GEN_CACHE_DIR": str(tmp_path / "cache")}
    code = "from multus_gen.cli import main; import sys; sys.argv = ['multus-gen', *sys.argv[1:]]; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *argv], input=stdin, capture_output=True, env=env, cwd=tmp_path, check=False
    )


def test_chart_archive_from_standard_input(fixtures: Path, tmp_path: Path) -> None:
    """`--chart-archive -` reads the archive from stdin once (verify reads it, then the Helm engine renders the
    same bytes): verify, helmchart --verify and images agree with the archive given as a file (it said "cannot
    read -: No such file or directory"); stdin named twice is one usage line."""
    data = archive(fixtures, V202).read_bytes()
    piped = run_piped(["verify", "--chart-archive", "-", "--ipam", "dhcp", "-o", "json"], data, tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["summary"] == {"errors": 0, "warnings": 0}
    assert json.loads(piped.stdout)["releases"][0]["archive"] == "<stdin>"  # named as validate names stdin
    piped = run_piped(["verify", "--distro", "rke2", "--chart-archive", "-", "--ipam", "whereabouts"], data, tmp_path)
    assert piped.returncode == 0, piped.stderr
    printed = run_piped(["helmchart", "--verify", "--chart-archive", "-", "--ipam", "dhcp"], data, tmp_path)
    assert printed.returncode == 0, printed.stderr
    code, from_file, err = capture(["helmchart", "--chart-archive", str(archive(fixtures, V202)), "--ipam", "dhcp"])
    assert code == 0, err
    (content,) = [d["spec"]["chartContent"] for d in yaml.safe_load_all(printed.stdout) if d]
    assert [content] == [d["spec"]["chartContent"] for d in yaml.safe_load_all(from_file) if d]
    listed = run_piped(["images", "--chart-archive", "-"], data, tmp_path)
    code, expected, _ = capture(["images", "--chart-archive", str(archive(fixtures, V202))])
    assert (listed.returncode, listed.stdout.decode()) == (0, expected), listed.stderr
    # a broken archive on stdin is refused as a broken file is
    broken = repack(archive(fixtures, V202), tmp_path / V202, BROKEN[2][1]).read_bytes()
    piped = run_piped(["verify", "--chart-archive", "-"], broken, tmp_path)
    assert piped.returncode == 1 and b"[rendered-mounts]" in piped.stdout, piped.stderr
    twice = run_piped(["verify", "--chart-archive", "-", "-f", "-"], data, tmp_path)
    assert twice.returncode == 2 and b"it can be read once" in twice.stderr, twice.stderr
    # a spec's chart.archive "-" is a file of that name beside the spec, not standard input
    (tmp_path / "multus.yaml").write_text("cluster: {k3sVersion: v1.33.7+k3s1}\nchart: {archive: '-'}\n")
    spec = run_piped(["render", "-c", "multus.yaml"], data, tmp_path)
    assert (spec.returncode, spec.stdout) == (1, b""), spec.stderr
    assert f"cannot read {tmp_path / '-'}: No such file".encode() in spec.stderr, spec.stderr


def test_images_on_rke2_take_the_archive_and_registry_as_verify_does(fixtures: Path) -> None:
    """`images --distro rke2 --chart-archive X` was refused while `verify` took it: the archive is the chart RKE2
    installs, --system-default-registry RKE2's own setting passed to it as RKE2 does; every listed image comes
    from it, and they are the images of the same archive rendered for K3s with that registry."""
    path = str(archive(fixtures, V317))
    code, out, err = capture(
        ["images", "--distro", "rke2", "--chart-archive", path, "--ipam", "whereabouts",
         "--system-default-registry", "mirror.example:5000", "-o", "json"]
    )  # fmt: skip
    assert code == 0, err
    listed = json.loads(out)
    assert listed["source"] == "render" and listed["chartVersion"] == "v4.3.017"
    assert len(listed["images"]) == 3 and all(i.startswith("mirror.example:5000/") for i in listed["images"])
    assert any("whereabouts" in i for i in listed["images"])
    code, k3s, err = capture(
        ["images", "--chart-archive", path, "--crd-chart-archive", str(archive(fixtures, CRD317)),
         "--ipam", "whereabouts", "--system-default-registry", "mirror.example:5000", "-o", "json"]
    )  # fmt: skip
    assert code == 0 and json.loads(k3s)["images"] == listed["images"], err
    # verify takes the same command line
    code, _, err = verify(
        "--distro", "rke2", "--chart-archive", path, "--crd-chart-archive", str(archive(fixtures, CRD317)),
        "--ipam", "whereabouts", "--system-default-registry", "mirror.example:5000",
    )  # fmt: skip
    assert code == 0, err
    # without an archive: the table's images under RKE2's registry
    code, out, err = capture(["images", "--distro", "rke2", "--system-default-registry", "mirror.example:5000"])
    assert code == 0 and out and all(line.startswith("mirror.example:5000/") for line in out.splitlines()), err
    # an archive RKE2 does not ship for --rke2-version is refused naming --chart-archive, as verify refuses it
    rke2_134 = ["--distro", "rke2", "--rke2-version", "v1.34.2+rke2r1"]
    code, out, err = capture(["images", *rke2_134, "--chart-archive", path])
    assert (code, out) == (1, "") and err.startswith("multus-gen: error: --chart-archive: RKE2 v1.34.2+rke2r1"), err
