#!/usr/bin/env python3
"""Side-by-side benchmarks of multus-gen and the tools people would use instead, reported as ratios.

Run from the checkout after `pip install '.[bench]'` (kubectl must be on PATH):

    python benchmarks/bench.py [--repeat 15] [--clusters 1000,10000,100000] [--networks 1000,10000]
                               [--files 1000,10000] [--only single,fleet,networks,validate,commit]

Every figure is a median over repeated runs of whole processes, measured in this one run; peak memory is
each child's max RSS (os.wait4). Absolute times on shared machines are noisy: read the ratios. The first size
of a list is measured ``--repeat // 5`` times (at least 3), the larger sizes ``--big-repeat`` times (1: a
100,000-cluster render takes minutes). The single-run commands take turns (ours, peer, python, ours, ...), so
a busy spell slows them alike; each fleet render writes into a new empty folder, and the unchanged re-render
goes into the folder rendered last, as a user's would. Every multus-gen row that a cache could help is measured
with MULTUS_GEN_CACHE=off too (targets hold either way, except the single-run warm figure).

1. single:   `multus-gen helmchart --ipam dhcp` (warm, and MULTUS_GEN_CACHE=off) vs `kubectl kustomize` of a
             one-resource overlay that emits the same HelmChart, and vs a bare `python -c pass`.
2. fleet:    `multus-gen render` of a spec with N clusters (3 NADs each, the first overridden per cluster: no
             alias) into an empty folder, for each N of --clusters; the first N again into the unchanged
             folder, and vs running `kubectl kustomize` once per cluster folder.
3. networks: `multus-gen render` of one cluster with N networks, for each N of --networks (killed after
             --timeout seconds: reported as not finished).
4. validate: `multus-gen validate` over N generated files vs `check-jsonschema` validating the same files
             with the upstream HelmChart CRD schema (../shared/fixtures/crds), for each N of --files.
5. commit:   `multus-gen commit -c` of the first fleet into a fresh repository vs rendering into a fresh
             repository + `git add -A && git commit`; unchanged, vs the unchanged render + `git status`.
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
import threading
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


class TimedOut(Exception):
    """A child ran longer than its budget and was killed."""


def run_once(
    argv: Sequence[str], cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float | None = None
) -> tuple[float, int]:
    """Wall time and max RSS (KiB) of one child process; stdout to /dev/null, stderr kept on failure.
    A child still running after ``timeout`` seconds is killed (TimedOut)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=err)
        timer = threading.Timer(timeout, proc.kill) if timeout else None
        if timer:
            timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        if timer:
            timer.cancel()
            if timeout and elapsed >= timeout:
                raise TimedOut(f"still running after {timeout:.0f} s (killed)")
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):  # validate exits 1 on findings; anything else is a broken run
            err.seek(0)
            raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.read().decode()[-2000:]}")
    return elapsed, int(usage.ru_maxrss)


def measure(name: str, argv: Sequence[str], repeat: int, warm: bool = True, **kw: object) -> Measure:
    if warm:
        run_once(argv, **kw)  # type: ignore[arg-type]  # warm the page cache
    times, peaks = [], []
    for _ in range(repeat):
        t, m = run_once(argv, **kw)  # type: ignore[arg-type]
        times.append(t)
        peaks.append(m)
    return Measure(name, times, peaks)


NO_CACHE = {**os.environ, "MULTUS_GEN_CACHE": "off"}


def measure_side_by_side(
    commands: dict[str, tuple[Sequence[str], dict[str, str] | None]], repeat: int
) -> list[Measure]:
    """Each command ``repeat`` times, taking turns (a, b, c, a, b, c, ...): a busy spell of the machine then
    slows every command alike instead of one of them, which keeps the ratios honest on a shared machine."""
    for argv, env in commands.values():
        run_once(argv, env=env)  # warm the page cache
    runs: dict[str, tuple[list[float], list[int]]] = {name: ([], []) for name in commands}
    for _ in range(repeat):
        for name, (argv, env) in commands.items():
            t, m = run_once(argv, env=env)
            runs[name][0].append(t)
            runs[name][1].append(m)
    return [Measure(name, times, peaks) for name, (times, peaks) in runs.items()]


def measure_fn(name: str, fn: Callable[[], list[tuple[float, int]]], repeat: int) -> Measure:
    times, peaks = [], []
    for _ in range(repeat):
        runs = fn()
        times.append(sum(t for t, _ in runs))
        peaks.append(max((m for _, m in runs), default=0))
    return Measure(name, times, peaks)


def ratio(label: str, a: float, b: float, target: str) -> str:
    return f"  {label:<58} {a / b:7.3f}x   (target {target})"


def peak(label: str, m: Measure, target: str) -> str:
    return f"  {'peak memory: ' + label:<58} {m.peak_mib:7.1f} MiB (target {target})"


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
    argv = [multus_gen(), "helmchart", "--ipam", "dhcp"]
    text = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    # The one-resource overlay: the same HelmChart(s), emitted by kustomize.
    (overlay / "helmchart.yaml").write_text(text)
    (overlay / "kustomization.yaml").write_text("resources:\n- helmchart.yaml\n")
    ours, cold, kust, bare = measure_side_by_side(
        {
            "multus-gen helmchart --ipam dhcp": (argv, None),
            "multus-gen helmchart --ipam dhcp, MULTUS_GEN_CACHE=off": (argv, NO_CACHE),
            "kubectl kustomize <one-resource overlay>": ([kubectl(), "kustomize", str(overlay)], None),
            "python -c pass": ([sys.executable, "-c", "pass"], None),
        },
        repeat,
    )
    return [
        ours.line(),
        cold.line(),
        kust.line(),
        bare.line(),
        ratio("time: multus-gen (warm) / kubectl kustomize", ours.median, kust.median, "<= 2.5"),
        ratio("time: multus-gen (MULTUS_GEN_CACHE=off) / kubectl kustomize", cold.median, kust.median, "<= 3.5"),
        ratio("time: multus-gen / python -c pass", ours.median, bare.median, "report"),
        peak("multus-gen (warm)", ours, "<= 60 MiB"),
        peak("multus-gen (MULTUS_GEN_CACHE=off)", cold, "<= 60 MiB"),
        ratio("peak memory: multus-gen / kubectl kustomize", ours.peak_mib, kust.peak_mib, "report"),
    ]


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
        net = f"{10 + a // 150}.{100 + a % 150}"  # 10.100.0.0/24 ... 12.249.249.0/24: 100,000 distinct ranges
        lines.append(
            f"  - name: c{i:04d}\n"
            f"    cluster: {{k3sVersion: {versions[i % len(versions)]}, dataDir: {data_dir}}}\n"
            f"    networks:\n"
            f"      - {{name: storage, master: eth{i % 4}, ipam: {{type: whereabouts, range: {net}.{b}.0/24}}}}"
        )
    return "\n".join(lines) + "\n"


def render_fresh(
    work: Path, spec: Path, tag: str, env: dict[str, str] | None = None
) -> Callable[[], list[tuple[float, int]]]:
    """One render into a new empty folder per call. The trees are deleted only when the benchmarks end:
    deleting thousands of files just before a run makes the file system (discard) slow down the next run."""
    count = [0]

    def run() -> list[tuple[float, int]]:
        count[0] += 1
        out = work / f"{tag}-{count[0]}"
        out.mkdir()
        return [run_once([multus_gen(), "render", "-c", str(spec), "--out-dir", str(out)], env=env)]

    return run


def bench_fleet(repeat: int, big_repeat: int, work: Path, sizes: Sequence[int]) -> tuple[list[str], Path]:
    lines: list[str] = []
    first: dict[int, Measure] = {}
    cold: dict[int, Measure] = {}
    spec0 = work / f"fleet-{sizes[0]}.yaml"
    for i, n in enumerate(sizes):
        spec = work / f"fleet-{n}.yaml"
        spec.write_text(fleet_spec(n))
        times = max(3, repeat // 5) if i == 0 else big_repeat
        first[n] = measure_fn(
            f"render -c fleet.yaml ({n:,} clusters), empty folder", render_fresh(work, spec, f"f{n}"), times
        )
        lines.append(first[n].line())
        if n <= 10_000:  # the no-cache figure of the big size is the same run without verdicts: measured to 10,000
            fn = render_fresh(work, spec, f"c{n}", NO_CACHE)
            cold[n] = measure_fn(f"  the same, MULTUS_GEN_CACHE=off ({n:,} clusters)", fn, times)
            lines.append(cold[n].line())
        lines.append(peak(f"render {n:,} clusters", first[n], "<= 250 MiB" if n == 10_000 else "report"))
    base = sizes[0]
    for n in sizes[1:]:
        target = "<= 12 (at 10,000)" if n == 10 * base else "report; linear is " + f"{n // base}"
        lines.append(ratio(f"time: render {n:,} / render {base:,}", first[n].median, first[base].median, target))
        if n in cold and base in cold:
            lines.append(ratio("  the same, MULTUS_GEN_CACHE=off", cold[n].median, cold[base].median, target))
    out_base = work / f"f{base}-{max(3, repeat // 5)}"  # re-rendered as a user would: into the folder it rendered last
    argv = [multus_gen(), "render", "-c", str(spec0), "--out-dir", str(out_base)]
    again = measure(f"render {base:,} clusters, unchanged folder", argv, max(3, repeat // 5))
    compared = measure(
        f"render {base:,} clusters, unchanged folder, MULTUS_GEN_CACHE=off", argv, max(3, repeat // 5), env=NO_CACHE
    )
    folders = sorted(p for p in out_base.iterdir() if (p / "kustomization.yaml").exists())

    def loop() -> list[tuple[float, int]]:
        return [run_once([kubectl(), "kustomize", str(p)]) for p in folders]

    kust = measure_fn(f"kubectl kustomize, once per cluster folder ({len(folders):,} runs)", loop, 1)
    lines += [again.line(), compared.line(), kust.line()]
    lines.append(ratio(f"time: render {base:,} / kustomize loop", first[base].median, kust.median, "<= 1/25 = 0.04"))
    lines.append(ratio("  the same, MULTUS_GEN_CACHE=off", cold[base].median, kust.median, "<= 1/25 = 0.04"))
    lines.append(ratio("time: unchanged re-render / first render", again.median, first[base].median, "<= 0.5"))
    lines.append(
        ratio("  the same, no cache at all (render, validate, compare)", compared.median, first[base].median, "report")
    )
    return lines, spec0


def networks_spec(n: int) -> str:
    """One cluster with n networks, each its own name and host-local range."""
    lines = ["cluster: {k3sVersion: v1.33.5+k3s1}", "networks:"]
    for i in range(n):
        a, b = divmod(i, 250)
        lines.append(
            f"  - {{name: net-{i}, type: macvlan, master: eth1, ipam: {{type: host-local, ranges: [10.{a}.{b}.0/24]}}}}"
        )
    return "\n".join(lines) + "\n"


def bench_networks(work: Path, sizes: Sequence[int], timeout: float) -> list[str]:
    lines, done = [], {}
    for n in sizes:
        spec = work / f"networks-{n}.yaml"
        spec.write_text(networks_spec(n))
        out = work / f"networks-{n}"
        out.mkdir()
        argv = [multus_gen(), "render", "-c", str(spec), "--out-dir", str(out)]
        try:
            done[n] = measure(f"render one cluster with {n:,} networks", argv, 1, warm=False, timeout=timeout)
            lines.append(done[n].line())
        except TimedOut:
            lines.append(f"  render one cluster with {n:,} networks: not finished in {timeout:.0f} s (killed)")
    if len(done) > 1:
        (a, ma), (b, mb) = sorted(done.items())[:2]
        lines.append(
            ratio(f"time: {b:,} networks / {a:,} networks", mb.median, ma.median, f"report; linear is {b // a}")
        )
    return lines


def _crd_schema_file(work: Path) -> Path:
    sys.path.insert(0, str(CHECKOUT / "tests"))
    import yaml

    from crdschema import crd_json_schema  # the tests' converter: CRD openAPIV3Schema -> JSON Schema

    crd = yaml.safe_load((SHARED / "fixtures/crds/helm.cattle.io_helmcharts.yaml").read_text())
    path = work / "helmchart-crd.schema.json"
    path.write_text(json.dumps(crd_json_schema(crd)))
    return path


def bench_validate(repeat: int, big_repeat: int, work: Path, sizes: Sequence[int]) -> list[str]:
    checker = script("check-jsonschema")
    if not checker:
        return ["  check-jsonschema is not installed (pip install '.[bench]'): validate comparison skipped"]
    schema = _crd_schema_file(work)
    base = subprocess.run(
        [multus_gen(), "helmchart", "--ipam", "whereabouts"], capture_output=True, text=True, check=True
    )
    docs = [d for d in base.stdout.split("---\n")[1:]]
    lines: list[str] = []
    ours: dict[int, Measure] = {}
    cold: dict[int, Measure] = {}
    for i, n in enumerate(sizes):
        files_dir = work / f"validate-{n}"
        files_dir.mkdir()
        paths = []  # single-document files (check-jsonschema validates one instance per file)
        for j in range(n):
            p = files_dir / f"multus-{j:05d}.yaml"
            p.write_text(docs[j % len(docs)])
            paths.append(str(p))
        times = max(3, repeat // 5) if i == 0 else big_repeat
        ours[n] = measure(f"multus-gen validate <{n:,} files>", [multus_gen(), "validate", str(files_dir)], times)
        argv = [multus_gen(), "validate", str(files_dir)]
        cold[n] = measure("  the same, MULTUS_GEN_CACHE=off", argv, times, env=NO_CACHE)
        peer = measure(
            f"check-jsonschema --schemafile <HelmChart CRD> <{n:,} files>",
            [checker, "--schemafile", str(schema), *paths],
            times,
        )
        lines += [ours[n].line(), cold[n].line(), peer.line()]
        lines.append(ratio(f"time: validate {n:,} / check-jsonschema", ours[n].median, peer.median, "<= 0.5"))
        lines.append(ratio("  the same, MULTUS_GEN_CACHE=off", cold[n].median, peer.median, "<= 0.5"))
    for n in sizes[1:]:
        lines.append(
            ratio(f"time: validate {n:,} / {sizes[0]:,} files", ours[n].median, ours[sizes[0]].median, "<= 12 (at 10x)")
        )
        lines.append(ratio("  the same, MULTUS_GEN_CACHE=off", cold[n].median, cold[sizes[0]].median, "<= 12 (at 10x)"))
    return lines


GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
}


def bench_commit(repeat: int, work: Path, spec: Path) -> list[str]:
    times = max(3, repeat // 5)
    lines: list[str] = []
    for label, base_env in (("", os.environ), (", MULTUS_GEN_CACHE=off", NO_CACHE)):
        env = {**base_env, **GIT_ENV}
        repo = work / f"repo{len(lines)}"
        peer_repo = work / f"peer{len(lines)}"
        ours_argv = [multus_gen(), "commit", "-c", str(spec), "--repo", str(repo), "--path", "clusters/"]
        peer_sh = '"$0" render -c "$1" --out-dir "$2/clusters" && git -C "$2" add -A && git -C "$2" commit -q -m render'
        peer_argv = ["sh", "-c", peer_sh, multus_gen(), str(spec), str(peer_repo)]
        status_sh = '"$0" render -c "$1" --out-dir "$2/clusters" && git -C "$2" status --porcelain'
        status_argv = ["sh", "-c", status_sh, multus_gen(), str(spec), str(peer_repo)]
        ours_runs: list[tuple[float, int]] = []
        peer_runs: list[tuple[float, int]] = []
        for _ in range(times):  # taking turns, each into a fresh repository
            for path in (repo, peer_repo):
                shutil.rmtree(path, ignore_errors=True)
                subprocess.run(["git", "init", "-q", str(path)], check=True)
            ours_runs.append(run_once(ours_argv, env=env))
            peer_runs.append(run_once(peer_argv, env=env))
        fresh = Measure(
            f"multus-gen commit -c fleet.yaml, fresh repository{label}",
            [t for t, _ in ours_runs],
            [m for _, m in ours_runs],
        )
        peer_fresh = Measure(
            f"render + git add -A && git commit, fresh repository{label}",
            [t for t, _ in peer_runs],
            [m for _, m in peer_runs],
        )
        count = subprocess.run(
            ["git", "-C", str(repo), "rev-list", "--count", "HEAD"], capture_output=True, text=True
        ).stdout
        again = measure(f"multus-gen commit, unchanged{label}", ours_argv, times, env=env)
        after = subprocess.run(
            ["git", "-C", str(repo), "rev-list", "--count", "HEAD"], capture_output=True, text=True
        ).stdout
        peer_again = measure(f"render unchanged + git status --porcelain{label}", status_argv, times, env=env)
        lines += [fresh.line(), peer_fresh.line(), again.line(), peer_again.line()]
        lines.append(f"  {'unchanged commit created no commit':<58} {count.strip() == after.strip()}")
        lines.append(
            ratio(f"time: commit fresh / render + git add + commit{label}", fresh.median, peer_fresh.median, "<= 1.2")
        )
        lines.append(
            ratio(f"time: commit unchanged / render + git status{label}", again.median, peer_again.median, "<= 1.5")
        )
    return lines


def sizes(text: str) -> list[int]:
    return [int(x.replace("_", "")) for x in text.split(",") if x]


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--big-repeat", type=int, default=1, help="runs of each size after the first")
    parser.add_argument("--clusters", default="1000,10000,100000", help="fleet sizes (the first is the base)")
    parser.add_argument("--networks", default="1000,10000", help="networks of the one-cluster renders")
    parser.add_argument("--files", default="1000,10000", help="file counts for validate")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before a networks render is killed")
    parser.add_argument("--only", default="single,fleet,networks,validate,commit")
    args = parser.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory(prefix="multus-gen-bench-") as tmp:
        work = Path(tmp)
        print(
            f"multus-gen benchmarks, {time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} cores, "
            f"load average {load()}; clusters {args.clusters}, networks {args.networks}, files {args.files}, "
            f"{args.repeat} repeats",
            flush=True,
        )
        if "single" in only:
            print("1. single run", flush=True)
            print("\n".join(bench_single(args.repeat, work)), flush=True)
        spec = None
        if "fleet" in only:
            print("2. fleet render", flush=True)
            lines, spec = bench_fleet(args.repeat, args.big_repeat, work, sizes(args.clusters))
            print("\n".join(lines), flush=True)
        elif "commit" in only:  # the commit rows need the first fleet's spec, not its renders
            spec = work / f"fleet-{sizes(args.clusters)[0]}.yaml"
            spec.write_text(fleet_spec(sizes(args.clusters)[0]))
        if "networks" in only:
            print("3. one cluster, many networks", flush=True)
            print("\n".join(bench_networks(work, sizes(args.networks), args.timeout)), flush=True)
        if "validate" in only:
            print("4. validate", flush=True)
            print("\n".join(bench_validate(args.repeat, args.big_repeat, work, sizes(args.files))), flush=True)
        if "commit" in only and spec is not None:
            print("5. commit", flush=True)
            print("\n".join(bench_commit(args.repeat, work, spec)), flush=True)
        print(f"load average at the end {load()}")


if __name__ == "__main__":
    main()
