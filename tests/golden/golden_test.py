"""Golden files: the full output of every IPAM x chart-gate x K3s-gate variant.

A change in output shows up as a diff of a reviewed file. To accept an intended change:
    MULTUS_GEN_UPDATE_GOLDEN=1 python -m pytest tests/golden
then review `git diff tests/golden/files`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import capture

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
            "--k3s-version",
            "v1.37.0+k3s1",
            "--no-bootstrap",
            "--set",
            "config.cni_conf.logLevel=debug,cniplugins.skipcnis=flannel",
            "--set-string",
            "labels.nodeSelector.multus=true,dhcpDaemonSet.image.tag=1.36\\,2",
        ],
    )
)
# GitOps formats (issue 6): both sides of the CRD split, the IPAM with the most values.
for fmt in ("helmchartconfig", "flux", "argocd", "fleet"):
    for chart in ("v4.2.202", "v4.3.017"):
        VARIANTS.append(
            (
                f"format-{fmt}_whereabouts_{chart}",
                ["helmchart", "--format", fmt, "--ipam", "whereabouts", "--chart-version", chart],
            )
        )
VARIANTS.append(("format-fleet_template-marker", ["helmchart", "--format", "fleet", "--set-string", "a=${b}"]))
VARIANTS.append(("format-argocd_namespace", ["helmchart", "--format", "argocd", "--namespace", "gitops"]))
# RKE2: the HelmChartConfig rke2-multus with only what differs from RKE2's own values.
for ipam in IPAMS:
    VARIANTS.append((f"rke2_{ipam}", ["helmchart", "--distro", "rke2", "--ipam", ipam]))
VARIANTS.append(("rke2_host-local_v4.2.106", ["helmchart", "--distro", "rke2", "--chart-version", "v4.2.106"]))
VARIANTS.append(("rke2_values_whereabouts", ["values", "--distro", "rke2", "--ipam", "whereabouts"]))


@pytest.mark.parametrize(("name", "argv"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_golden(name: str, argv: list[str]) -> None:
    """Through ``run``, the console script's path: the bytes a user gets on stdout."""
    code, out, err = capture(argv)
    assert code == 0, err
    golden = FILES / f"{name}.yaml"
    if UPDATE or not golden.exists():
        if not UPDATE:
            pytest.fail(f"{golden} is missing; create it with MULTUS_GEN_UPDATE_GOLDEN=1 and review it")
        golden.write_text(out, encoding="utf-8")
    assert out == golden.read_text(encoding="utf-8")


def test_no_stale_golden_files() -> None:
    names = {f"{name}.yaml" for name, _ in VARIANTS}
    stale = sorted(p.name for p in FILES.glob("*.yaml") if p.name not in names)
    assert not stale, f"golden files without a variant: {stale}"
