"""Golden files: the full output of every IPAM x chart-gate x K3s-gate variant.

A change in output shows up as a diff of a reviewed file. To accept an intended change:
    MULTUS_GEN_UPDATE_GOLDEN=1 python -m pytest tests/golden
then review `git diff tests/golden/files`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from multus_gen.cli import app

FILES = Path(__file__).parent / "files"
UPDATE = os.environ.get("MULTUS_GEN_UPDATE_GOLDEN") == "1"

IPAMS = ("host-local", "whereabouts", "dhcp")
CHARTS = ("v4.2.106", "v4.2.202", "v4.3.017")  # fixed mounts / host-prefixed / CRD split
K3S = ("v1.30.5+k3s1", "v1.30.6+k3s1")  # legacy / stable bin dir

VARIANTS: list[tuple[str, list[str]]] = []
for ipam in IPAMS:
    for chart in CHARTS:
        for k3s in K3S:
            VARIANTS.append(
                (
                    f"helmchart_{ipam}_{chart}_{k3s.split('+')[0]}",
                    ["helmchart", "--ipam", ipam, "--chart-version", chart, "--k3s-version", k3s],
                )
            )
    VARIANTS.append((f"helmchart_{ipam}_srv-k3s", ["helmchart", "--ipam", ipam, "--data-dir", "/srv/k3s"]))
    VARIANTS.append((f"values_{ipam}", ["values", "--ipam", ipam]))
VARIANTS.append(
    (
        "helmchart_overrides",
        [
            "helmchart",
            "--name",
            "multus-net",
            "--namespace",
            "networking",
            "--failure-policy",
            "retry",
            "--no-bootstrap",
            "--set",
            "config.cni_conf.logLevel=debug,cniplugins.skipcnis=flannel",
            "--set-string",
            "labels.nodeSelector.multus=true,dhcpDaemonSet.image.tag=1.36\\,2",
        ],
    )
)


@pytest.mark.parametrize(("name", "argv"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_golden(name: str, argv: list[str]) -> None:
    result = CliRunner().invoke(app, argv)
    assert result.exit_code == 0, result.stderr
    golden = FILES / f"{name}.yaml"
    if UPDATE or not golden.exists():
        if not UPDATE:
            pytest.fail(f"{golden} is missing; create it with MULTUS_GEN_UPDATE_GOLDEN=1 and review it")
        golden.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == golden.read_text(encoding="utf-8")


def test_no_stale_golden_files() -> None:
    names = {f"{name}.yaml" for name, _ in VARIANTS}
    stale = sorted(p.name for p in FILES.glob("*.yaml") if p.name not in names)
    assert not stale, f"golden files without a variant: {stale}"
