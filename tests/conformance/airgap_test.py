"""Air-gapped and mirrored clusters (issue 14): every format generated for a mirror, an OCI registry, a local
archive and a K3s static chart fits the upstream CRDs and passes multus-gen's own validate; chartContent is the
archive byte for byte; ``images`` equals the images of a real Helm render of each archive we keep."""

from __future__ import annotations

import base64
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import helmrender as hr
import pytest
import yaml

from crdschema import crd_errors
from helpers import capture
from multus_gen.check.schemas import schema_errors
from multus_gen.knowledge import charts

pytest_plugins = ["conformance_plugin"]

CRD_OF_KIND = {
    "HelmChart": "helm.cattle.io_helmcharts.yaml",
    "HelmRepository": "source.toolkit.fluxcd.io_helmrepositories.yaml",
    "HelmRelease": "helm.toolkit.fluxcd.io_helmreleases.yaml",
    "Application": "argoproj.io_applications.yaml",
}
MIRROR = "https://charts.mirror.example/rke2"
OCI = "oci://registry.mirror.example:5000/charts"
MULTUS_ARCHIVE = "rke2-multus-v4.3.017.tgz"
CRD_ARCHIVE = "rke2-multus-crd-4.3.017.tgz"


@pytest.fixture(scope="session")
def ca_file(tmp_path_factory: pytest.TempPathFactory, require_real: Any) -> Path:
    """A real self-signed CA certificate (openssl), PEM."""
    folder = tmp_path_factory.mktemp("ca")
    try:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=mirror-ca",
             "-keyout", str(folder / "ca.key"), "-out", str(folder / "ca.pem")],
            check=True,
            capture_output=True,
        )  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        require_real("openssl is needed to make a CA certificate")
    return folder / "ca.pem"


def _docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def _fleet_docs(text: str) -> list[dict[str, Any]]:
    return [d for part in re.split(r"(?m)^# path: .*\n", text) if part.strip() for d in _docs(part)]


def _run(*argv: str) -> tuple[int, str, str]:
    return capture(list(argv))


def _validate(tmp: Path, text: str, fmt: str) -> tuple[int, str]:
    """multus-gen validate on the generated text (fleet: each fleet.yaml in its bundle folder)."""
    if fmt == "fleet":
        for part in re.split(r"(?m)^(?=# path: )", text):
            if not part.strip():
                continue
            rel = part.splitlines()[0].removeprefix("# path: ").strip()
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_text(part)
    else:
        (tmp / "multus.yaml").write_text(text)
    code, _out, err = _run("validate", str(tmp))
    return code, err


def _sources(ca: Path, charts_dir: Path) -> dict[str, tuple[str, ...]]:
    return {
        "mirror": ("--repo", MIRROR, "--repo-ca", str(ca), "--auth-secret", "mirror-auth"),
        "oci": ("--repo", OCI, "--auth-secret", "regcred"),
        "oci-plain-http": ("--repo", "oci://10.0.0.5:5000/charts", "--plain-http"),
        "http-mirror": ("--repo", "http://10.0.0.5:8080/charts", "--plain-http"),
        "archive": (
            "--chart-archive",
            str(charts_dir / MULTUS_ARCHIVE),
            "--crd-chart-archive",
            str(charts_dir / CRD_ARCHIVE),
        ),
        "registry": ("--system-default-registry", "registry.mirror.example:5000", "--image-pull-secret", "pull"),
    }


@pytest.mark.parametrize("fmt", ["helmchart", "flux", "argocd", "fleet"])
@pytest.mark.parametrize("source", ["mirror", "oci", "oci-plain-http", "http-mirror", "archive", "registry"])
def test_every_format_fits_the_crds_and_validates(
    fmt: str, source: str, ca_file: Path, crds: Path, charts_dir: Path, tmp_path: Path
) -> None:
    argv = _sources(ca_file, charts_dir)[source]
    code, out, err = _run("helmchart", "--format", fmt, "--ipam", "whereabouts", *argv)
    if source == "archive" and fmt != "helmchart":
        assert code == 1 and out == "" and "[chart-archive]" in err, err  # engines install from a repository
        return
    assert code == 0, err
    docs = _fleet_docs(out) if fmt == "fleet" else _docs(out)
    assert docs
    for doc in docs:
        if fmt == "fleet":
            assert schema_errors("fleet", doc) == []
            continue
        assert crd_errors(crds / CRD_OF_KIND[doc["kind"]], doc, as_apiserver=True) == [], doc
    vcode, verr = _validate(tmp_path, out, fmt)
    assert vcode == 0, verr
    text = json.dumps(docs)
    if source in ("mirror", "http-mirror"):
        assert MIRROR in text or "http://10.0.0.5:8080/charts" in text
    if source.startswith("oci"):
        assert "registry.mirror.example:5000/charts" in text or "10.0.0.5:5000/charts" in text
        assert "rke2-charts.rancher.io" not in text


def test_helmchart_mirror_fields(ca_file: Path) -> None:
    code, out, err = _run("helmchart", "--repo", MIRROR + "/", "--repo-ca", str(ca_file), "--auth-secret", "creds")
    assert code == 0, err
    for doc in _docs(out):
        spec = doc["spec"]
        assert spec["repo"] == MIRROR
        assert spec["repoCA"] == ca_file.read_text().strip() + "\n"
        assert spec["authSecret"] == {"name": "creds"}


def test_helmchart_oci_uses_the_docker_registry_secret() -> None:
    code, out, err = _run("helmchart", "--repo", OCI, "--auth-secret", "regcred")
    assert code == 0, err
    for doc in _docs(out):
        spec = doc["spec"]
        assert "repo" not in spec and spec["chart"] in (f"{OCI}/rke2-multus", f"{OCI}/rke2-multus-crd")
        assert spec["dockerRegistrySecret"] == {"name": "regcred"} and "authSecret" not in spec


def test_flux_oci_repository() -> None:
    code, out, err = _run(
        "helmchart", "--format", "flux", "--repo", "oci://10.0.0.5:5000/charts", "--plain-http", "--auth-secret", "r"
    )
    assert code == 0, err
    repo = next(d for d in _docs(out) if d["kind"] == "HelmRepository")
    assert repo["spec"] == {
        "interval": "1h",
        "url": "oci://10.0.0.5:5000/charts",
        "type": "oci",
        "secretRef": {"name": "r"},
        "insecure": True,
    }


def test_engines_say_where_the_repository_settings_go(ca_file: Path) -> None:
    for fmt, marker in (("flux", "create secret generic rke2-charts-ca"), ("argocd", "secret-type=repository"),
                        ("fleet", "helmSecretName")):  # fmt: skip
        code, _out, err = _run("helmchart", "--format", fmt, "--repo", MIRROR, "--repo-ca", str(ca_file))
        assert code == 0, err
        assert marker in err and "[chart-repo-settings]" in err, (fmt, err)


@pytest.mark.parametrize("name", [MULTUS_ARCHIVE, CRD_ARCHIVE])
def test_chart_content_is_the_archive_byte_for_byte(charts_dir: Path, name: str) -> None:
    code, out, err = _run(
        "helmchart",
        "--chart-archive",
        str(charts_dir / MULTUS_ARCHIVE),
        "--crd-chart-archive",
        str(charts_dir / CRD_ARCHIVE),
    )
    assert code == 0, err
    chart = "rke2-multus-crd" if "crd" in name else "rke2-multus"
    doc = next(d for d in _docs(out) if d["spec"]["chart"] == chart)
    assert base64.b64decode(doc["spec"]["chartContent"], validate=True) == (charts_dir / name).read_bytes()
    assert "repo" not in doc["spec"]


def test_archive_version_must_match(charts_dir: Path) -> None:
    code, out, err = _run(
        "helmchart", "--chart-archive", str(charts_dir / MULTUS_ARCHIVE), "--chart-version", "v4.2.202"
    )
    assert (code, out) == (1, "") and "--chart-archive" in err and "[chart-archive]" in err, err
    code, out, err = _run("helmchart", "--chart-archive", str(charts_dir / "rke2-multus-v4.2.202.tgz"))
    assert code == 0, err
    assert {d["spec"]["version"] for d in _docs(out)} == {"v4.2.202"}


def test_validate_checks_chart_content_against_the_version(charts_dir: Path, tmp_path: Path) -> None:
    code, out, _ = _run("helmchart", "--chart-archive", str(charts_dir / "rke2-multus-v4.2.202.tgz"))
    assert code == 0
    wrong = out.replace("version: v4.2.202", "version: v4.2.106")
    (tmp_path / "multus.yaml").write_text(wrong)
    code, out, err = _run("validate", str(tmp_path / "multus.yaml"))
    assert code == 1 and "[chart-archive]" in out + err, out + err


def test_insecure_skip_tls_verify_is_warned(tmp_path: Path) -> None:
    code, out, err = _run("helmchart", "--repo", MIRROR, "--insecure-skip-tls-verify")
    assert code == 0 and "warning" in err and "[chart-tls-unverified]" in err, err
    assert all(d["spec"]["insecureSkipTLSVerify"] is True for d in _docs(out))
    code, _out, err = _run("helmchart", "--format", "flux", "--repo", MIRROR, "--insecure-skip-tls-verify")
    assert code == 1 and "--repo-ca" in err, err


def test_plain_http_needs_a_k3s_whose_controller_has_it() -> None:
    # helm-controller v0.16.4 added plainHTTP/insecureSkipTLSVerify (K3s v1.30.5 took it, k3s issue 10834); the
    # table keeps older releases of the v1.29 line on v0.16.1
    for k3s, accepted in (("v1.29.10+k3s1", False), ("v1.30.4+k3s1", False), ("v1.30.5+k3s1", True)):
        for flag in ("--plain-http", "--insecure-skip-tls-verify"):
            url = "http://10.0.0.5/c" if flag == "--plain-http" else MIRROR
            code, out, err = _run("helmchart", "--k3s-version", k3s, "--repo", url, flag)
            if accepted:
                assert code == 0, (k3s, err)
            else:
                assert (code, out) == (1, "") and "[helm-controller-field]" in err, (k3s, err)
                assert "v1.30.5+k3s1" in err, err
                # the refusal names the flag the user gave (it named the HelmChart's spec field)
                assert err.startswith(f"multus-gen: error: {flag}: ") and f"drop {flag}" in err, err


def test_a_spec_chart_key_an_old_k3s_lacks_is_named_with_its_line(tmp_path: Path) -> None:
    """render -c: the helm-controller-field refusal of a fleet member's chart.plainHTTP names the spec key and
    its line (it named `HelmChart multus-crd::$.spec.plainHTTP`, not which cluster of the fleet)."""
    spec = tmp_path / "fleet.yaml"
    spec.write_text(
        "cluster: {k3sVersion: v1.30.6+k3s1}\n"
        "clusters:\n"
        "  - name: new\n"
        "  - name: old\n"
        "    cluster: {k3sVersion: v1.29.10+k3s1}\n"
        "    chart:\n"
        "      repo: oci://10.0.0.5:5000/charts\n"
        "      plainHTTP: true\n"
    )
    code, out, err = _run("render", "-c", str(spec), "--out-dir", str(tmp_path / "out"))
    assert (code, out) == (1, ""), err
    assert err.startswith(f"multus-gen: error: {spec}::$.clusters[1].chart.plainHTTP (line 8): "), err
    assert "[helm-controller-field]" in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists()  # a refused spec creates no --out-dir either


@pytest.mark.parametrize("crd_version", ["v0.16.14", "v0.16.26", "v0.17.7"])
def test_mirror_helmcharts_fit_each_controllers_crd(shared: Path, crd_version: str, ca_file: Path) -> None:
    crd = shared / "fixtures/crds/helm-controller" / crd_version / CRD_OF_KIND["HelmChart"]
    for argv in (
        ("--repo", MIRROR, "--repo-ca", str(ca_file), "--auth-secret", "a", "--insecure-skip-tls-verify"),
        ("--repo", "oci://10.0.0.5:5000/charts", "--plain-http", "--auth-secret", "a"),
    ):
        code, out, err = _run("helmchart", *argv)
        assert code == 0, err
        for doc in _docs(out):
            assert crd_errors(crd, doc, as_apiserver=True) == [], (crd_version, doc)


# -- static charts ----------------------------------------------------------------------------------------


def _install(tmp: Path, charts_dir: Path, *extra: str) -> tuple[int, str, str]:
    return _run(
        "install", "--k3s-version", "v1.34.5+k3s1", "--data-dir", str(tmp),
        "--manifests-dir", str(tmp / "server/manifests"), "--chart-archive", str(charts_dir / MULTUS_ARCHIVE),
        "--crd-chart-archive", str(charts_dir / CRD_ARCHIVE), "--static-chart", *extra,
    )  # fmt: skip


def test_static_chart_install_and_uninstall(tmp_path: Path, charts_dir: Path, crds: Path) -> None:
    (tmp_path / "server/manifests").mkdir(parents=True)
    code, _out, err = _install(tmp_path, charts_dir)
    assert code == 0, err
    static = tmp_path / "server/static/charts"
    for name in (MULTUS_ARCHIVE, CRD_ARCHIVE):
        assert (static / name).read_bytes() == (charts_dir / name).read_bytes()
    manifest = (tmp_path / "server/manifests/multus.yaml").read_text()
    docs = _docs(manifest)
    assert [d["spec"]["chart"] for d in docs] == [
        f"https://%{{KUBERNETES_API}}%/static/charts/{CRD_ARCHIVE}",
        f"https://%{{KUBERNETES_API}}%/static/charts/{MULTUS_ARCHIVE}",
    ]
    assert all("chartContent" not in d["spec"] and "repo" not in d["spec"] for d in docs)
    for doc in docs:
        assert crd_errors(crds / CRD_OF_KIND["HelmChart"], doc, as_apiserver=True) == []
    assert _run("validate", str(tmp_path / "server/manifests"))[0] == 0
    assert _install(tmp_path, charts_dir)[0] == 0  # again: up to date
    code, _out, err = _run("uninstall", "--manifests-dir", str(tmp_path / "server/manifests"))
    assert code == 0, err
    assert not (static / MULTUS_ARCHIVE).exists() and not (static / CRD_ARCHIVE).exists()


def test_static_chart_writes_no_archive_when_the_manifest_cannot_be_written(tmp_path: Path, charts_dir: Path) -> None:
    """The archives were copied into server/static/charts before the manifest folder was checked: an install
    refused for a missing manifests folder left both archives (and the record) behind."""
    (tmp_path / "server").mkdir()
    code, out, err = _install(tmp_path, charts_dir)
    assert (code, out) == (1, "") and "folder does not exist" in err, err
    assert not (tmp_path / "server/static").exists()


def test_static_chart_from_a_spec(tmp_path: Path, charts_dir: Path) -> None:
    """`install -c spec --static-chart` serves the spec's chart.archive / chart.crdArchive (paths relative to
    the spec) as K3s static charts (it was refused: "no --chart-archive is given"); a spec without an archive
    is refused naming --static-chart, nothing written."""
    (tmp_path / "server/manifests").mkdir(parents=True)
    spec = tmp_path / "site" / "multus.yaml"
    spec.parent.mkdir()
    spec.write_text(
        f"cluster: {{k3sVersion: v1.34.5+k3s1, dataDir: {tmp_path}}}\n"
        f"chart: {{archive: ../charts/{MULTUS_ARCHIVE}, crdArchive: ../charts/{CRD_ARCHIVE}}}\n"
    )
    (tmp_path / "charts").mkdir()
    for name in (MULTUS_ARCHIVE, CRD_ARCHIVE):
        (tmp_path / "charts" / name).write_bytes((charts_dir / name).read_bytes())
    manifests = ["--manifests-dir", str(tmp_path / "server/manifests")]
    code, _out, err = _run("install", "-c", str(spec), *manifests, "--static-chart")
    assert code == 0, err
    static = tmp_path / "server/static/charts"
    assert sorted(p.name for p in static.glob("*.tgz")) == sorted((MULTUS_ARCHIVE, CRD_ARCHIVE))
    docs = _docs((tmp_path / "server/manifests/multus.yaml").read_text())
    assert [d["spec"]["chart"].rsplit("/", 1)[-1] for d in docs] == [CRD_ARCHIVE, MULTUS_ARCHIVE]
    assert _run("validate", str(tmp_path / "server/manifests"))[0] == 0
    bare = tmp_path / "bare.yaml"
    bare.write_text(f"cluster: {{k3sVersion: v1.34.5+k3s1, dataDir: {tmp_path}}}\n")
    code, out, err = _run("install", "-c", str(bare), "--manifests-dir", str(tmp_path / "other"), "--static-chart")
    assert (code, out) == (1, "") and err.startswith("multus-gen: error: --static-chart: ") and "chart.archive" in err
    assert not (tmp_path / "other").exists()


def test_static_chart_never_replaces_another_file(tmp_path: Path, charts_dir: Path) -> None:
    (tmp_path / "server/manifests").mkdir(parents=True)
    static = tmp_path / "server/static/charts"
    static.mkdir(parents=True)
    (static / MULTUS_ARCHIVE).write_bytes(b"someone else's")
    code, _out, err = _install(tmp_path, charts_dir)
    assert code == 1 and "other bytes" in err, err
    assert (static / MULTUS_ARCHIVE).read_bytes() == b"someone else's"
    assert not (tmp_path / "server/manifests/multus.yaml").exists() and not (static / CRD_ARCHIVE).exists()
    # a file the user put there is not removed by uninstall either
    code, _out, _err = _run("uninstall", "--manifests-dir", str(tmp_path / "server/manifests"))
    assert (static / MULTUS_ARCHIVE).read_bytes() == b"someone else's"


# -- images -----------------------------------------------------------------------------------------------


def _render_images(load_chart: Any, archive: hr.Archive, values: dict[str, Any]) -> set[str]:
    """Every container/initContainer image of the workloads a real Helm render makes (read as YAML)."""
    rendered = load_chart(archive).render(values, name="multus", namespace="kube-system")
    found: set[str] = set()
    for name, text in rendered.items():
        if not name.endswith(".yaml"):
            continue
        for doc in yaml.safe_load_all(text):
            if not isinstance(doc, dict) or doc.get("kind") not in ("DaemonSet", "Deployment"):
                continue
            pod = doc["spec"]["template"]["spec"]
            found |= {c["image"] for key in ("initContainers", "containers") for c in pod.get(key) or []}
    return found


@pytest.mark.parametrize("ipam", hr.IPAMS)
@pytest.mark.parametrize("registry", [None, "registry.mirror.example:5000"])
def test_images_equal_a_real_render(
    multus_archive: hr.Archive, load_chart: Any, ipam: str, registry: str | None
) -> None:
    version = multus_archive.version
    extra = ("--system-default-registry", registry) if registry else ()
    code, out, err = _run("values", "--chart-version", version, "--ipam", ipam, "-o", "json", *extra)
    assert code == 0, err
    expected = _render_images(load_chart, multus_archive, json.loads(out))
    assert expected
    assert all(i.startswith(f"{registry}/") for i in expected) or registry is None
    for how in ((), ("--chart-archive", str(multus_archive.path))):
        crd = ()
        if how and charts.chart_facts(version).needs_crd_chart:
            crd = ("--crd-chart-archive", str(multus_archive.path.parent / CRD_ARCHIVE))
        code, out, err = _run("images", "--chart-version", version, "--ipam", ipam, *extra, *how, *crd)
        assert code == 0, err
        assert out.splitlines() == sorted(expected), (how, err)
        assert ("Helm engine" in err) is bool(how)


def test_images_from_the_archive_values_without_the_engine(charts_dir: Path, load_chart: Any) -> None:
    """The values.yaml reading (used when helm-python-sdk is missing) agrees with the render too."""
    from multus_gen.build.images import list_images
    from multus_gen.build.plan import make_plan
    from multus_gen.model.options import make_gen_options

    archive = hr.read_archive(charts_dir / "rke2-multus-v4.2.202.tgz")
    for ipam in hr.IPAMS:
        opts = make_gen_options(ipam=ipam, chart_archive=archive.path, image_pull_secret="pull")
        plan = make_plan(opts)
        listed = list_images(plan, use_engine=False)
        assert listed.source == "archive values"
        assert set(listed.images) == _render_images(load_chart, archive, dict(plan.values))


def test_images_json_and_unknown_version() -> None:
    code, out, err = _run("images", "--ipam", "dhcp", "-o", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["source"] == "knowledge" and any("busybox" in i for i in data["images"])
    code, out, err = _run("images", "--chart-version", "v4.2.300")
    assert (code, out) == (1, "") and "--chart-archive" in err, err


# -- bad input --------------------------------------------------------------------------------------------

BAD: list[tuple[str, tuple[str, ...], str]] = [
    ("http-without-plain-http", ("--repo", "http://m.example/charts"), "chart-repo-url"),
    ("ftp", ("--repo", "ftp://m.example/charts"), "chart-repo-url"),
    ("oci-no-path", ("--repo", "oci://m.example"), "chart-repo-url"),
    ("ca-not-pem", ("--repo", MIRROR, "--repo-ca", "@text"), "chart-repo-ca"),
    ("ca-with-key", ("--repo", MIRROR, "--repo-ca", "@key"), "chart-repo-ca"),
    ("archive-not-gzip", ("--chart-archive", "@text"), "chart-archive"),
    ("archive-other-chart", ("--chart-archive", "@crd"), "chart-archive"),
    ("archive-plain-tar", ("--chart-archive", "@tar"), "chart-archive"),
    ("archive-too-big", ("--chart-archive", "@big", "--chart-version", "v4.2.202"), "chart-archive-size"),
    ("registry-url", ("--system-default-registry", "https://r.example"), "chart-registry"),
    ("rke2-registry", ("--distro", "rke2", "--system-default-registry", "r.example"), "chart-registry"),
    ("ca-without-repo", ("--auth-secret", "x"), "chart-repo-url"),
    # ports no client can reach (both were accepted and emitted)
    ("repo-port-out-of-range", ("--repo", "oci://m.example:99999/charts"), "chart-repo-url"),
    ("repo-port-zero", ("--repo", "https://m.example:0/charts"), "chart-repo-url"),
    ("registry-port-out-of-range", ("--system-default-registry", "r.example:70000"), "chart-registry"),
]


def _bad_files(tmp: Path, charts_dir: Path, ca: Path) -> dict[str, str]:
    import gzip
    import io
    import os
    import tarfile

    (tmp / "text.txt").write_text("hello\n")
    (tmp / "key.pem").write_text(ca.read_text() + (ca.parent / "ca.key").read_text())
    with tarfile.open(tmp / "plain.tar", "w") as tar:
        tar.add(charts_dir / MULTUS_ARCHIVE, arcname="rke2-multus/Chart.yaml")
    # a real rke2-multus archive grown past 1 MiB of base64 by an incompressible file
    with tarfile.open(charts_dir / "rke2-multus-v4.2.202.tgz") as src:
        members = [(m, src.extractfile(m).read() if m.isfile() else None) for m in src.getmembers()]  # type: ignore[union-attr]
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for member, data in members:
            tar.addfile(member, io.BytesIO(data) if data is not None else None)
        blob = tarfile.TarInfo("rke2-multus/files/blob.bin")
        blob.size = 900 * 1024
        tar.addfile(blob, io.BytesIO(os.urandom(blob.size)))
    (tmp / "big.tgz").write_bytes(gzip.compress(buf.getvalue()))
    return {
        "@text": str(tmp / "text.txt"),
        "@key": str(tmp / "key.pem"),
        "@crd": str(charts_dir / CRD_ARCHIVE),
        "@tar": str(tmp / "plain.tar"),
        "@big": str(tmp / "big.tgz"),
    }


@pytest.mark.parametrize(("case", "argv", "rule"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_exits_1_with_one_line_and_writes_nothing(
    case: str, argv: tuple[str, ...], rule: str, tmp_path: Path, charts_dir: Path, ca_file: Path
) -> None:
    files = _bad_files(tmp_path, charts_dir, ca_file)
    args = tuple(files.get(a, a) for a in argv)
    out_file = tmp_path / "out.yaml"
    code, out, err = _run("helmchart", *args, "--out", str(out_file))
    assert (code, out) == (1, ""), (case, err)
    assert len(err.strip().splitlines()) == 1 and f"[{rule}]" in err and "(" in err, (case, err)
    assert not out_file.exists()
    manifests = tmp_path / "server/manifests"
    manifests.mkdir(parents=True, exist_ok=True)
    code, _out, err = _run("install", "--k3s-version", "v1.34.5+k3s1", "--manifests-dir", str(manifests), *args)
    assert code == 1 and list(manifests.iterdir()) == [], (case, err)


def test_a_crd_archive_beside_a_chart_with_crds_names_the_archive(charts_dir: Path) -> None:
    """rke2-multus v4.2.x ships its CRDs: a --crd-chart-archive beside it is refused naming --crd-chart-archive,
    the flag given (it named --crd-chart-version, which the user never passed)."""
    code, out, err = _run(
        "helmchart", "--chart-archive", str(charts_dir / "rke2-multus-v4.2.106.tgz"),
        "--crd-chart-archive", str(charts_dir / CRD_ARCHIVE),
    )  # fmt: skip
    assert (code, out) == (1, "") and err.startswith("multus-gen: error: --crd-chart-archive: "), err
    assert "ships the CRDs itself" in err and len(err.strip().splitlines()) == 1


def test_too_big_archive_can_be_a_static_chart(tmp_path: Path, charts_dir: Path, ca_file: Path) -> None:
    big = _bad_files(tmp_path, charts_dir, ca_file)["@big"]
    code, _out, err = _run("helmchart", "--chart-archive", big)
    assert code == 1 and "--static-chart" in err and "1 MiB" in err, err
    (tmp_path / "k3s/server/manifests").mkdir(parents=True)
    code, _out, err = _run(
        "install", "--k3s-version", "v1.34.5+k3s1", "--data-dir", str(tmp_path / "k3s"),
        "--manifests-dir", str(tmp_path / "k3s/server/manifests"), "--chart-archive", big, "--static-chart",
    )  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "k3s/server/static/charts/rke2-multus-v4.2.202.tgz").read_bytes() == Path(big).read_bytes()


def test_spec_file_chart_source_keys(tmp_path: Path, charts_dir: Path) -> None:
    """The spec's chart: keys are the flags (files relative to the spec); errors name the key."""
    import shutil

    for name in (MULTUS_ARCHIVE, CRD_ARCHIVE):
        shutil.copy(charts_dir / name, tmp_path / name)
    spec = tmp_path / "spec.yaml"
    spec.write_text(
        "apiVersion: multus-gen/v1\ncluster:\n  distro: k3s\nchart:\n"
        f"  archive: {MULTUS_ARCHIVE}\n  crdArchive: {CRD_ARCHIVE}\n  systemDefaultRegistry: registry.example:5000\n"
    )
    code, _out, err = _run("render", "-c", str(spec), "--out-dir", str(tmp_path / "out"))
    assert code == 0, err
    docs = _docs((tmp_path / "out/multus.yaml").read_text())
    assert base64.b64decode(docs[-1]["spec"]["chartContent"]) == (charts_dir / MULTUS_ARCHIVE).read_bytes()
    assert "systemDefaultRegistry: registry.example:5000" in docs[-1]["spec"]["valuesContent"]
    assert _run("validate", str(spec), str(tmp_path / "out"))[0] == 0
    spec.write_text(spec.read_text().replace(f"archive: {MULTUS_ARCHIVE}", "archive: spec.yaml"))
    code, _out, err = _run("render", "-c", str(spec), "--out-dir", str(tmp_path / "out2"))
    assert code == 1 and "$.chart.archive" in err and "gzip" in err, err
    assert not (tmp_path / "out2").exists() or not any((tmp_path / "out2").rglob("*.yaml"))
