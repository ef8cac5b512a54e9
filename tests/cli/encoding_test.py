"""Encodings, in real processes: a non-UTF-8 locale (``LC_ALL=C``/``POSIX`` with ``PYTHONIOENCODING`` unset, with
and without Python's UTF-8 mode) still gets UTF-8 manifests on stdout and readable messages on stderr; an
argument that is not UTF-8 is refused in one line naming it, never turned into U+FFFD in a manifest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

LOCALES = [("C", "0"), ("POSIX", "0"), ("C", "1")]


def run(args: list[bytes | str], tmp_path: Path, lc_all: str, utf8_mode: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "LANG", "LC_CTYPE")}
    env.update(LC_ALL=lc_all, PYTHONUTF8=utf8_mode, PYTHONCOERCECLOCALE="0", NO_COLOR="1")
    given = [a if isinstance(a, bytes) else a.encode() for a in args]
    argv = [os.fsencode(sys.executable), b"-m", b"multus_gen", *given]
    return subprocess.run(argv, capture_output=True, cwd=tmp_path, env=env, timeout=60, check=False)


@pytest.mark.parametrize(("lc_all", "utf8_mode"), LOCALES)
def test_utf8_text_reaches_the_manifest_as_utf8(tmp_path: Path, lc_all: str, utf8_mode: str) -> None:
    result = run(["helmchart", "--set", "config.note=café"], tmp_path, lc_all, utf8_mode)
    assert result.returncode == 0, result.stderr
    assert "note: café".encode() in result.stdout
    assert b"\xef\xbf\xbd" not in result.stdout  # no U+FFFD


@pytest.mark.parametrize(("lc_all", "utf8_mode"), LOCALES)
def test_an_argument_that_is_not_utf8_is_refused_naming_it(tmp_path: Path, lc_all: str, utf8_mode: str) -> None:
    result = run(["helmchart", "--set", b"config.note=caf\xe9"], tmp_path, lc_all, utf8_mode)
    assert result.returncode == 2 and result.stdout == b""
    lines = result.stderr.decode("ascii").splitlines()
    assert len(lines) == 1, lines
    assert "argument 3 'config.note=caf\\xe9' (the value of --set) is not valid UTF-8" in lines[0]


@pytest.mark.parametrize(("lc_all", "utf8_mode"), LOCALES)
def test_messages_with_text_the_locale_cannot_show_do_not_fail(tmp_path: Path, lc_all: str, utf8_mode: str) -> None:
    result = run(["helmchart", "--namespace", "né"], tmp_path, lc_all, utf8_mode)
    assert result.returncode == 1, result.stderr  # refused as input, not a crash (exit 3)
    assert len(result.stderr.splitlines()) == 1 and b"DNS-1123" in result.stderr
