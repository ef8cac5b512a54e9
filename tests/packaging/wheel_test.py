"""The built wheel carries the schemas and overlays and works from a fresh venv, outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path
from typing import Any

import pytest

from helpers import CHECKOUT, invoke

pytestmark = pytest.mark.slow  # builds a wheel and a fresh venv: ~10 s


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # Build from a copy of the sources so the checkout gets no build/ or egg-info litter.
    src = tmp_path_factory.mktemp("src")
    files = subprocess.run(
        ["git", "-C", str(CHECKOUT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    for rel in filter(None, files):
        source = CHECKOUT / rel.decode()
        if source.is_file():
            target = src / rel.decode()
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(src),
        ],
        check=True,
    )
    (built,) = out.glob("multus_gen-*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "multus_gen/schemas/helmchart.schema.json" in names
    (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
    metadata = zipfile.ZipFile(wheel).read(meta).decode()
    assert "Provides-Extra: verify" in metadata  # pip install 'multus-gen[verify]': the Helm engine for verify
    assert 'Requires-Dist: helm-python-sdk>=0.2.2; extra == "verify"' in metadata
    assert "multus_gen/schemas/rke2-multus-values.schema.json" in names
    for overlay in (
        "distro/k3s",
        "ipam/whereabouts",
        "ipam/dhcp",
        "gates/multus-autoconfig-dir",
        "crd/whereabouts",
    ):
        assert f"multus_gen/overlays/{overlay}.yaml" in names
    assert "multus_gen/py.typed" in names
    assert not [n for n in names if n.startswith(("gen/", "tests/", "schemas/", "overlays/"))]
    # every schema and overlay in the checkout is in the wheel
    for path in (CHECKOUT / "schemas").glob("*.json"):
        assert f"multus_gen/schemas/{path.name}" in names
    for path in (CHECKOUT / "overlays").rglob("*.yaml"):
        assert f"multus_gen/overlays/{path.relative_to(CHECKOUT / 'overlays').as_posix()}" in names


def test_fresh_venv_runs_the_cli_outside_the_checkout(wheel: Path, tmp_path: Path, require_real: Any) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, symlinks=True).create(env_dir)
    py = env_dir / "bin" / "python"
    install = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
    )
    if install.returncode != 0:
        require_real(f"cannot install the wheel's dependencies into a fresh venv: {install.stderr.strip()[-300:]}")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    where = subprocess.run(
        [str(py), "-c", "import multus_gen; print(multus_gen.__file__)"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(env_dir)), where
    result = subprocess.run(
        [str(env_dir / "bin" / "multus-gen"), "helmchart", "--ipam", "dhcp"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == invoke("helmchart", "--ipam", "dhcp").stdout
    bad = subprocess.run(
        [str(env_dir / "bin" / "multus-gen"), "helmchart", "--data-dir", "relative"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1 and bad.stdout == "" and len(bad.stderr.splitlines()) == 1
