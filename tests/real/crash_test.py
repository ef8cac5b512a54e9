"""SIGKILL a writer of big manifests at random moments: the target is always one complete version.

A child process rewrites ``multus.yaml`` in a loop, alternating a 1 MiB version A and a 4 MiB
version B, through ``write_manifests`` (fsync on). The test kills it with SIGKILL after a random
delay, RUNS times, while a reader process reads the target without pause. After every kill the
target must be exactly A or B; every read must be exactly A or B. A killed writer may leave one
``.multus.yaml.<hex>.multus-gen.tmp`` dot file (K3s ignores dot files); the next writer removes it,
so there is never more than one, and none after a final clean write.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from multus_gen.sinks.folder import TEMP_SUFFIX, write_manifests
from multus_gen.yamlio.serialize import Manifest

RUNS = 40

CHILD = """
import sys
from pathlib import Path
from multus_gen.yamlio.serialize import Manifest
from multus_gen.sinks.folder import write_manifests
folder, a, b = Path(sys.argv[1]), Path(sys.argv[2]).read_text(), Path(sys.argv[3]).read_text()
sys.stdout.write("ready\\n")
sys.stdout.flush()
i = 0
while True:
    write_manifests(folder, [Manifest("multus.yaml", a if i % 2 else b)])
    i += 1
"""

READER = """
import json, os, sys
from pathlib import Path
target, stop, a, b = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
a, b = a.read_bytes(), b.read_bytes()
reads, bad = 0, []
while not os.path.exists(stop):
    data = target.read_bytes()
    reads += 1
    if data != a and data != b:
        bad.append(len(data))
print(json.dumps({"reads": reads, "bad": bad[:10], "bad_count": len(bad)}))
"""


def _version(tag: str, size: int) -> str:
    line = f"# {tag} " + tag.lower() * 60 + "\n"
    body = line * (size // len(line))
    return f"# version {tag} begin\n{body}# version {tag} end\n"


@pytest.mark.slow
def test_sigkill_never_leaves_a_partial_target(tmp_path: Path) -> None:
    folder = tmp_path / "manifests"
    folder.mkdir()
    text_a, text_b = _version("A", 1 << 20), _version("B", 4 << 20)
    (tmp_path / "a.txt").write_text(text_a)
    (tmp_path / "b.txt").write_text(text_b)
    versions = {text_a.encode(), text_b.encode()}
    target = folder / "multus.yaml"
    write_manifests(folder, [Manifest("multus.yaml", text_a)])

    stop = tmp_path / "stop-reading"
    env = dict(os.environ)  # the installed package, as users run it
    reader = subprocess.Popen(
        [
            sys.executable,
            "-S",
            "-c",
            READER,
            str(target),
            str(stop),
            str(tmp_path / "a.txt"),
            str(tmp_path / "b.txt"),
        ],
        env=env,
        stdout=subprocess.PIPE,
    )
    rng = random.Random(20240611)
    started = time.monotonic()
    killed_mid_write = 0
    try:
        for run in range(RUNS):
            child = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    CHILD,
                    str(folder),
                    str(tmp_path / "a.txt"),
                    str(tmp_path / "b.txt"),
                ],
                env=env,
                stdout=subprocess.PIPE,
            )
            assert child.stdout is not None
            assert child.stdout.readline() == b"ready\n"
            time.sleep(rng.uniform(0.0, 0.12))
            child.send_signal(signal.SIGKILL)
            assert child.wait(10) == -signal.SIGKILL
            child.stdout.close()
            assert target.read_bytes() in versions, f"run {run}: target is not a complete version"
            stale = [p.name for p in folder.iterdir() if p.name.endswith(TEMP_SUFFIX)]
            assert len(stale) <= 1, f"run {run}: stale temp files pile up: {stale}"
            killed_mid_write += len(stale)
            assert [p.name for p in folder.iterdir() if not p.name.startswith(".")] == ["multus.yaml"]
    finally:
        stop.write_text("")
        out_text, _ = reader.communicate(timeout=30)
    reading = json.loads(out_text)
    assert reader.returncode == 0
    assert reading["bad_count"] == 0, f"the reader saw partial files: {reading}"

    (out,) = write_manifests(folder, [Manifest("multus.yaml", "final\n")])
    assert out.status == "written"
    assert sorted(p.name for p in folder.iterdir()) == ["multus.yaml"]  # stale temps and the lock are gone
    elapsed = time.monotonic() - started
    print(
        json.dumps(
            {
                "runs": RUNS,
                "killed_mid_write": killed_mid_write,
                "reads": reading["reads"],
                "seconds": round(elapsed, 1),
            }
        )
    )
    assert killed_mid_write > 0, "no kill landed during a write: the test proves nothing, tune the delays"
