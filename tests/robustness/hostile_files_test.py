"""Hostile files for `-f` (values), `-c` (spec) and `validate`: refused with one clear line, never blocking,
never crashing, in bounded memory.

The cases: a YAML bomb (billion laughs), a recursive anchor, a 50 MB file, a folder, a FIFO, an unreadable
file (as root: in a process without root's file-access capabilities), invalid UTF-8, deeply nested flow
and block YAML (also just under the depth up to which libyaml's recursive C composer is used), NUL bytes
and duplicate keys. Memory is measured as the peak RSS of a subprocess
(``resource.getrusage(RUSAGE_CHILDREN)`` in a wrapper process that runs only that one command); nothing here
asserts on time.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import capture
from multus_gen.errors import InputError
from multus_gen.yamlio.reader import LIBYAML_MAX_DEPTH, parse_documents

RSS_LIMIT_KB = 300 * 1024
MARKER = "apiVersion: helm.cattle.io/v1\nkind: HelmChart\n"  # the file claims to be ours: validate must say why not

BOMB = (
    MARKER
    + "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
    + "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True))
)


def deep_block(depth: int) -> str:
    return MARKER + "x:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, depth)) + " " * depth + "v: 1\n"


#: name -> (content or a maker, words the one-line refusal must contain)
CONTENT: dict[str, tuple[bytes | str, tuple[str, ...]]] = {
    "bomb.yaml": (BOMB, ("YAML bomb",)),
    "recursive.yaml": (MARKER + "a: &a [*a]\n", ("recursive anchor",)),
    "bad-utf8.yaml": (MARKER.encode() + b"x: \xff\xfe\n", ("UTF-8",)),
    "deep-flow.yaml": (MARKER + "x: " + "[" * 100_000 + "]" * 100_000 + "\n", ("nested too deeply",)),
    "deep-flow-c.yaml": (
        MARKER + "x: " + "[" * (LIBYAML_MAX_DEPTH - 10) + "]" * (LIBYAML_MAX_DEPTH - 10) + "\n",
        ("nested too deeply",),
    ),
    "deep-block.yaml": (deep_block(1000), ("nested too deeply",)),
    "nul.yaml": (MARKER + "x: a\x00b\n", ("not valid YAML",)),
    "duplicate.yaml": (MARKER + "x: 1\nx: 2\n", ("duplicate key",)),
}
BIG_BYTES = 50 * 1024 * 1024


@pytest.fixture(scope="module")
def hostile() -> Iterator[Path]:
    """The hostile files in a folder every user can enter (unreadable: see drop_root_file_access)."""
    folder = Path(tempfile.mkdtemp(prefix="multus-gen-hostile-"))
    os.chmod(folder, 0o755)
    for name, (content, _) in CONTENT.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / name).write_bytes(data)
    line = b"labels: {a: b}\n"
    with open(folder / "big.yaml", "wb") as fh:
        chunk = line * (1024 * 1024 // len(line))
        while fh.tell() < BIG_BYTES:
            fh.write(chunk)
    (folder / "folder.yaml").mkdir()
    os.mkfifo(folder / "fifo.yaml")
    unreadable = folder / "unreadable.yaml"
    unreadable.write_text(MARKER + "spec: {}\n")
    unreadable.chmod(0)
    for path in folder.iterdir():
        if path.name != "unreadable.yaml" and path.is_file():
            path.chmod(0o644)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


EXPECT: dict[str, tuple[str, ...]] = {
    **{name: words for name, (_, words) in CONTENT.items()},
    "big.yaml": ("bytes", "more than"),
    "folder.yaml": ("is a folder",),
    "fifo.yaml": ("not a regular file",),
    "unreadable.yaml": ("Permission denied",),
}
IN_PROCESS = sorted(set(EXPECT) - {"fifo.yaml", "unreadable.yaml"})  # these two only in a subprocess


def assert_one_line_refusal(code: int, out: str, err: str, words: tuple[str, ...]) -> None:
    assert code == 1, (code, err)
    assert out == ""
    assert len(err.splitlines()) == 1, err
    assert all(w in err for w in words), (words, err)
    assert "Traceback" not in err and "internal error" not in err


@pytest.mark.parametrize("name", IN_PROCESS)
@pytest.mark.parametrize("command", ["helmchart -f", "values -f", "render -c"])
def test_refused_in_process(hostile: Path, command: str, name: str) -> None:
    code, out, err = capture([*command.split(), str(hostile / name)])
    assert_one_line_refusal(code, out, err, EXPECT[name])


def test_validate_reports_each_file_once(hostile: Path) -> None:
    names = [n for n in IN_PROCESS if n != "folder.yaml"]
    code, out, err = capture(["validate", *(str(hostile / n) for n in names)])
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == len(names), out
    for name in names:
        (line,) = [line for line in lines if f"/{name}::$" in line]
        assert line.startswith("error: ") and all(w in line for w in EXPECT[name]), line
    assert err == f"{len(names)} files checked, {len(names)} errors, 0 warnings\n"
    # without the marker, a file that does not parse is someone else's: skipped, not an error
    plain = hostile / "plain"
    plain.mkdir(exist_ok=True)
    (plain / "template.yaml").write_text("a: [\n")
    code, out, err = capture(["validate", str(plain), "-o", "json", "--allow-empty"])
    assert code == 0 and json.loads(out)["skipped"][0]["reason"].startswith("not ours and not valid YAML")
    code, out, err = capture(["validate", str(plain)])  # no file checked: that is not a pass
    assert code == 1 and "template.yaml (not ours and not valid YAML" in err and len(err.splitlines()) == 1


WRAPPER = """
import json, resource, subprocess, sys
try:
    done = subprocess.run(sys.argv[1:], capture_output=True, timeout=60)
    code, out, err = done.returncode, done.stdout, done.stderr
except subprocess.TimeoutExpired:
    code, out, err = "timeout", b"", b""
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
text = {"out": out.decode("utf-8", "replace"), "err": err.decode("utf-8", "replace")}
print(json.dumps({"code": code, **text, "rss_kb": rss}))
"""


def drop_root_file_access() -> None:
    """Run as root without the capabilities that let root read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH).

    Dropped from the bounding set before exec, so the new process has neither; file permissions then apply
    to it as to any user. (Dropping to nobody with os.setuid would not do here: this Python lives under /root.)
    """
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def in_subprocess(argv: list[str], *, unprivileged: bool = False) -> dict[str, object]:
    """Run `multus-gen ARGV` in a fresh process (without root's file access if asked); exit, output, peak RSS."""
    env = dict(os.environ)  # the installed package, as users run it
    env.pop("MULTUS_GEN_DEBUG", None)
    dropping = unprivileged and os.geteuid() == 0
    done = subprocess.run(
        [sys.executable, "-c", WRAPPER, sys.executable, "-m", "multus_gen", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd="/",
        preexec_fn=drop_root_file_access if dropping else None,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@pytest.mark.slow  # one subprocess each
@pytest.mark.parametrize("command", ["helmchart -f", "render -c", "validate"])
@pytest.mark.parametrize("name", ["fifo.yaml", "unreadable.yaml"])
def test_fifo_and_unreadable_in_a_subprocess(hostile: Path, command: str, name: str) -> None:
    if name == "unreadable.yaml" and os.geteuid() != 0:
        assert not os.access(hostile / name, os.R_OK)
    result = in_subprocess([*command.split(), str(hostile / name)], unprivileged=name == "unreadable.yaml")
    out, err = str(result["out"]), str(result["err"])
    if command == "validate":
        assert result["code"] == 1, result  # not "timeout": a FIFO is never opened
        assert len(out.splitlines()) == 1 and all(w in out for w in EXPECT[name]), out
        assert err == "1 file checked, 1 error, 0 warnings\n"
    elif name == "unreadable.yaml" and result["code"] == 2:
        # Typer's own readability check on -f/-c paths answers first: a usage error, still one clear line.
        assert_one_line_refusal(1, out, err.replace("usage error", "error"), ("is not readable",))
    else:
        assert_one_line_refusal(int(str(result["code"])), out, err, EXPECT[name])
        assert result["code"] == 1
    assert isinstance(result["rss_kb"], int) and result["rss_kb"] < RSS_LIMIT_KB


@pytest.mark.slow  # one subprocess each, with big inputs
@pytest.mark.parametrize(
    "argv",
    [
        ["helmchart", "-f", "{d}/bomb.yaml"],
        ["helmchart", "-f", "{d}/big.yaml"],
        ["render", "-c", "{d}/deep-flow.yaml"],
        ["values", "-f", "{d}/deep-block.yaml"],
        ["validate", "{d}"],
    ],
    ids=["bomb", "50MB", "deep-flow", "deep-block", "validate-all"],
)
def test_memory_stays_bounded(hostile: Path, argv: list[str]) -> None:
    result = in_subprocess([a.format(d=hostile) for a in argv])
    assert result["code"] == 1, result
    rss = result["rss_kb"]
    assert isinstance(rss, int) and rss < RSS_LIMIT_KB, f"peak RSS {rss} KiB"
    if argv[0] != "validate":
        assert len(str(result["err"]).splitlines()) == 1
    else:  # one line per file; not for folder.yaml (a folder: walked, empty), nor unreadable.yaml (root reads it)
        expected = len(EXPECT) - 1 - (os.geteuid() == 0)
        assert len(str(result["out"]).splitlines()) == expected, result["out"]


def test_unreadable_really_is_unreadable(hostile: Path) -> None:
    assert stat.S_IMODE((hostile / "unreadable.yaml").stat().st_mode) == 0


def _honest_fleet(clusters: int) -> str:
    """A fleet whose clusters override their networks: many nodes, not one alias."""
    return "clusters:\n" + "".join(
        f"  - name: c{i}\n    networks:\n      - {{name: storage, master: eth{i % 4}, ipam: {{type: whereabouts}}}}\n"
        for i in range(clusters)
    )


def test_a_large_alias_free_file_is_no_bomb() -> None:
    text = _honest_fleet(30_000)  # ~400,000 nodes: more than MAX_EXPANDED_NODES, none of them copied
    (doc,) = parse_documents(text, where="fleet.yaml")
    assert len(doc.data["clusters"]) == 30_000


@pytest.mark.parametrize(
    "text",
    [
        BOMB,  # billion laughs: nine aliases per level, nine levels
        # nested aliases in mappings, each level doubling what the one before copies
        "a0: &a0 {x: 1, y: 2}\n" + "".join(f"a{n}: &a{n} {{l: *a{n - 1}, r: *a{n - 1}}}\n" for n in range(1, 20)),
        # many aliases of one modest anchor, in one flat list
        "base: &b [" + ", ".join(["x"] * 1000) + "]\nmany: [" + ", ".join(["*b"] * 300) + "]\n",
    ],
    ids=["billion-laughs", "nested-mappings", "flat-fan-out"],
)
def test_alias_bombs_are_still_refused(text: str) -> None:
    with pytest.raises(InputError, match="YAML bomb"):
        parse_documents(text, where="bomb.yaml")
