#!/usr/bin/env python3
"""Side-by-side benchmarks of multus-gen and the tools people would use instead, reported as ratios.

Run from the checkout after `pip install '.[bench]'` (kubectl must be on PATH):

    python benchmarks/bench.py [--repeat 15] [--clusters 1000] [--only single,fleet,validate,commit]

Every figure is a median over repeated runs of whole processes, measured in this one run; peak memory is
each child's max RSS (os.wait4). Absolute times on shared machines are noisy: read the ratios. The single-run
commands take turns (ours, peer, python, ours, ...), so a busy spell slows them alike; each fleet render
writes into a new empty folder (deleting the previous tree right before a run slows that run's writes), and
the unchanged re-render goes into the folder rendered last, as a user's would (it is then recalled from the
cache; the same run with MULTUS_GEN_CACHE=off is reported beside it).

1. single:   `multus-gen helmchart --ipam dhcp` vs `kubectl kustomize` of a one-resource overlay that
             emits the same HelmChart, and vs a bare `python -c pass`.
2. fleet:    `multus-gen render` of a spec with N clusters (3 NADs each) into an empty folder, then into
             the unchanged folder, vs running `kubectl kustomize` once per cluster folder.
3. validate: `multus-gen validate` over N generated files vs `check-jsonschema` validating the same files
             with the upstream HelmChart CRD schema (../shared/fixtures/crds).
4. commit:   `multus-gen commit` of the N-cluster tree into a fresh repository, first time and unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("MULTUS_GEN_SHARED", CHECKOUT.parent / "shared"))


@dataclass
class Measure:
    name: str
    seconds: list[float]
    peak_kib: list[int]

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return max(self.peak_kib) / 1024

    def line(self) -> str:
        lo, hi = min(self.seconds), max(self.seconds)
        return (
            f"  {self.name:<58} median {self.median * 1000:9.1f} ms  (min {lo * 1000:.1f}, max {hi * 1000:.1f}, "
            f"n={len(self.seconds)})  peak {self.peak_mib:6.1f} MiB"
        )


def run_once(argv: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, int]:
    """Wall time and max RSS (KiB) of one child process; stdout to /dev/null, stderr kept on failure."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):  # validate exits 1 on findings; anything else is a broken run
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.read().decode()[-2000:]}")
    return elapsed, int(usage.ru_maxrss)


def measure(name: str, argv: Sequence[str], repeat: int, **kw: object) -> Measure:
    run_once(argv, **kw)  # type: ignore[arg-type]  # warm the page cache
    times, peaks = [], []
    for _ in range(repeat):
        t, m = run_once(argv, **kw)  # type: ignore[arg-type]
        times.append(t)
        peaks.append(m)
    return Measure(name, times, peaks)


def measure_side_by_side(commands: dict[str, Sequence[str]], repeat: int) -> list[Measure]:
    """Each command ``repeat`` times, taking turns (a, b, c, a, b, c, ...): a busy spell of the machine then
    slows every command alike instead of one of them, which keeps the ratios honest on a shared machine."""
    for argv in commands.values():
        run_once(argv)  # warm the page cache
    runs: dict[str, tuple[list[float], list[int]]] = {name: ([], []) for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            t, m = run_once(argv)
            runs[name][0].append(t)
            runs[name][1].append(m)
    return [Measure(name, times, peaks) for name, (times, peaks) in runs.items()]


def measure_fn(name: str, fn: Callable[[], list[tuple[float, int]]], repeat: int) -> Measure:
    times, peaks = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        peak = max((m for _, m in fn()), default=0)
        times.append(time.perf_counter() - start)
        peaks.append(peak)
    return Measure(name, times, peaks)


def ratio(label: str, a: float, b: float, target: str) -> str:
    return f"  {label:<58} {a / b:7.3f}x   (target {target})"


def script(name: str) -> str | None:
    """A console script of this interpreter's environment (not a version-manager shim, which adds a shell
    start-up to every run), else whatever PATH finds."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def multus_gen() -> str:
    exe = script("multus-gen")
    if not exe:
        raise SystemExit("multus-gen is not on PATH: pip install '.[bench]' first")
    return exe


def kubectl() -> str:
    exe = shutil.which("kubectl")
    if not exe:
        raise SystemExit("kubectl is not on PATH (the Go peer for the comparison)")
    return exe


def bench_single(repeat: int, work: Path) -> list[str]:
    overlay = work / "overlay"
    overlay.mkdir()
    text = subprocess.run(
        [multus_gen(), "helmchart", "--ipam", "dhcp"], capture_output=True, text=True, check=True
    ).stdout
    # The one-resource overlay: the same HelmChart(s), emitted by kustomize.
    (overlay / "helmchart.yaml").write_text(text)
    (overlay / "kustomization.yaml").write_text("resources:\n- helmchart.yaml\n")
    ours, kust, bare = measure_side_by_side(
        {
            "multus-gen helmchart --ipam dhcp": [multus_gen(), "helmchart", "--ipam", "dhcp"],
            "kubectl kustomize <one-resource overlay>": [kubectl(), "kustomize", str(overlay)],
            "python -c pass": [sys.executable, "-c", "pass"],
        },
        repeat,
    )
    lines = [ours.line(), kust.line(), bare.line()]
    lines.append(ratio("time: multus-gen / kubectl kustomize", ours.median, kust.median, "<= 2"))
    lines.append(ratio("time: multus-gen / python -c pass", ours.median, bare.median, "report"))
    lines.append(f"  {'peak memory: multus-gen':<58} {ours.peak_mib:7.1f} MiB (target <= 100 MiB)")
    lines.append(ratio("peak memory: multus-gen / kubectl kustomize", ours.peak_mib, kust.peak_mib, "report"))
    return lines


def fleet_spec(n: int) -> str:
    """A fleet of n clusters, each with 3 NADs and its own K3s version, data dir and ranges."""
    versions = ["v1.28.14+k3s1", "v1.29.10+k3s1", "v1.30.5+k3s1", "v1.31.2+k3s1", "v1.32.3+k3s1", "v1.33.5+k3s1"]
    lines = [
        "cluster: {k3sVersion: v1.33.5+k3s1}",
        "chart: {version: v4.3.017}",
        "networks:",
        "  - {name: storage, type: macvlan, master: eth1, ipam: {type: whereabouts, range: 192.168.0.0/24}}",
        "  - {name: lan, type: macvlan, master: eth2, ipam: {type: dhcp}}",
        "  - {name: local, type: bridge, bridge: br1, node: node-1, ipam: {type: host-local, ranges: [172.16.0.0/24]}}",
        "clusters:",
    ]
    for i in range(n):
        data_dir = "/var/lib/rancher/k3s" if i % 3 else f"/srv/k3s-{i % 7}"
        a, b = divmod(i, 250)
        lines.append(
            f"  - name: c{i:04d}\n"
            f"    cluster: {{k3sVersion: {versions[i % len(versions)]}, dataDir: {data_dir}}}\n"
            f"    networks:\n"
            f"      - {{name: storage, master: eth{i % 4}, ipam: {{type: whereabouts, range: 10.{100 + a}.{b}.0/24}}}}"
        )
    return "\n".join(lines) + "\n"


def bench_fleet(repeat: int, work: Path, clusters: int) -> tuple[list[str], Path, Path]:
    spec = work / "fleet.yaml"
    spec.write_text(fleet_spec(clusters))
    fresh_dirs: list[Path] = []

    def fresh() -> list[tuple[float, int]]:
        # A new empty folder per run; the trees are deleted after the measurements: deleting 3,000 files just
        # before a run makes the file system (discard on this machine) slow down the run that follows.
        fresh_dirs.append(work / f"fleet-fresh-{len(fresh_dirs)}")
        fresh_dirs[-1].mkdir()
        return [run_once([multus_gen(), "render", "-c", str(spec), "--out-dir", str(fresh_dirs[-1])])]

    first = measure_fn(
        f"multus-gen render -c fleet.yaml ({clusters} clusters), empty folder", fresh, max(3, repeat // 5)
    )
    out_base = fresh_dirs[-1]  # re-rendered as a user would: the same spec into the folder it rendered last
    again = measure(
        "multus-gen render, unchanged folder",
        [multus_gen(), "render", "-c", str(spec), "--out-dir", str(out_base)],
        max(3, repeat // 5),
    )
    compared = measure(
        "multus-gen render, unchanged folder, MULTUS_GEN_CACHE=off",
        [multus_gen(), "render", "-c", str(spec), "--out-dir", str(out_base)],
        max(3, repeat // 5),
        env={**os.environ, "MULTUS_GEN_CACHE": "off"},
    )
    folders = sorted(p for p in out_base.iterdir() if (p / "kustomization.yaml").exists())

    def loop() -> list[tuple[float, int]]:
        return [run_once([kubectl(), "kustomize", str(p)]) for p in folders]

    kust = measure_fn(f"kubectl kustomize, once per cluster folder ({len(folders)} runs)", loop, 1)
    lines = [first.line(), again.line(), compared.line(), kust.line()]
    lines.append(ratio("time: render / kustomize loop", first.median, kust.median, "<= 1/25 = 0.04"))
    lines.append(f"  {'peak memory: render':<58} {first.peak_mib:7.1f} MiB (target <= 200 MiB)")
    lines.append(ratio("time: unchanged re-render / first render", again.median, first.median, "<= 0.5"))
    no_cache = "  the same, no cache at all (render, validate, compare)"
    lines.append(ratio(no_cache, compared.median, first.median, "report"))
    return lines, spec, out_base


def _crd_schema_file(work: Path) -> Path:
    sys.path.insert(0, str(CHECKOUT / "tests"))
    import yaml

    from crdschema import crd_json_schema  # the tests' converter: CRD openAPIV3Schema -> JSON Schema

    crd = yaml.safe_load((SHARED / "fixtures/crds/helm.cattle.io_helmcharts.yaml").read_text())
    path = work / "helmchart-crd.schema.json"
    path.write_text(json.dumps(crd_json_schema(crd)))
    return path


def bench_validate(repeat: int, work: Path, clusters: int) -> list[str]:
    files_dir = work / "validate-files"
    files_dir.mkdir()
    base = subprocess.run(
        [multus_gen(), "helmchart", "--ipam", "whereabouts"], capture_output=True, text=True, check=True
    )
    docs = [d for d in base.stdout.split("---\n")[1:]]
    # 1,000 single-document files (check-jsonschema validates one instance per file)
    paths = []
    for i in range(clusters):
        p = files_dir / f"multus-{i:04d}.yaml"
        p.write_text(docs[i % len(docs)])
        paths.append(str(p))
    checker = script("check-jsonschema")
    if not checker:
        return ["  check-jsonschema is not installed (pip install '.[bench]'): validate comparison skipped"]
    schema = _crd_schema_file(work)
    ours = measure(
        f"multus-gen validate <{clusters} files>", [multus_gen(), "validate", str(files_dir)], max(3, repeat // 5)
    )
    peer = measure(
        f"check-jsonschema --schemafile <HelmChart CRD> <{clusters} files>",
        [checker, "--schemafile", str(schema), *paths],
        max(3, repeat // 5),
    )
    return [ours.line(), peer.line(), ratio("time: validate / check-jsonschema", ours.median, peer.median, "<= 1")]


def bench_commit(repeat: int, work: Path, spec: Path, render_median: float | None) -> list[str]:
    repo = work / "repo"

    def first() -> list[tuple[float, int]]:
        shutil.rmtree(repo, ignore_errors=True)
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        return [run_once([multus_gen(), "commit", "-c", str(spec), "--repo", str(repo), "--path", "clusters/"])]

    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@localhost"}
    one = measure_fn("multus-gen commit -c fleet.yaml, fresh repository", first, max(3, repeat // 5))
    count = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--count", "HEAD"], capture_output=True, text=True
    ).stdout
    again = measure(
        "multus-gen commit, unchanged",
        [multus_gen(), "commit", "-c", str(spec), "--repo", str(repo), "--path", "clusters/"],
        max(3, repeat // 5),
        env=env,
    )
    after = subprocess.run(
        ["git", "-C", str(repo), "rev-list", "--count", "HEAD"], capture_output=True, text=True
    ).stdout
    lines = [one.line(), again.line()]
    lines.append(f"  {'unchanged commit created no commit':<58} {count.strip() == after.strip()}")
    if render_median:
        lines.append(ratio("time: unchanged commit / render", again.median, render_median, "<= 1.5"))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--only", default="single,fleet,validate,commit")
    args = parser.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="multus-gen-bench-") as tmp:
        work = Path(tmp)
        print(f"multus-gen benchmarks ({args.clusters} clusters, {args.repeat} repeats), {time.strftime('%Y-%m-%d')}")
        if "single" in only:
            print("1. single run")
            print("\n".join(bench_single(args.repeat, work)))
        spec = None
        render_median = None
        if "fleet" in only or "commit" in only:
            print("2. fleet render")
            lines, spec, _out = bench_fleet(args.repeat, work, args.clusters)
            print("\n".join(lines))
            render_median = float(lines[0].split("median")[1].split("ms")[0]) / 1000
        if "validate" in only:
            print("3. validate")
            print("\n".join(bench_validate(args.repeat, work, args.clusters)))
        if "commit" in only and spec is not None:
            print("4. commit")
            print("\n".join(bench_commit(args.repeat, work, spec, render_median)))


if __name__ == "__main__":
    main()
