"""Helpers the test modules share: K3s paths, running the CLI, reading its YAML output, git set-up.

Imported by test modules as ``from helpers import ...`` (tests/ is on sys.path, as for ``conftest`` and
``crdschema``). Fixtures stay in tests/conftest.py; this module holds plain functions and constants.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import yaml

CHECKOUT = Path(__file__).resolve().parent.parent

# -- K3s paths (FACTS 2) for the default data dir ------------------------------------------------------------

K3S_DATA = "/var/lib/rancher/k3s"
K3S_CONF = f"{K3S_DATA}/agent/etc/cni/net.d"
K3S_KUBECONFIG = f"{K3S_CONF}/multus.d/multus.kubeconfig"
STABLE_BIN = f"{K3S_DATA}/data/cni"  # K3s v1.30.6+/v1.31.2+ and later
LEGACY_BIN = f"{K3S_DATA}/data/current/bin"  # older K3s; re-pointed on every upgrade

# -- the inner loop: `pytest -m "not slow"` -------------------------------------------------------------------

#: True when the run deselects slow tests (``-m "not slow"``); set by tests/conftest.py before collection.
FAST = False


def examples(full: int, fast: int | None = None) -> int:
    """Hypothesis examples for a property test: ``full`` in the full run (CI), fewer in the inner loop."""
    return (fast if fast is not None else max(10, full // 10)) if FAST else full


# -- running the CLI -----------------------------------------------------------------------------------------


def invoke(*argv: str) -> Any:
    """The CLI through Typer's test runner (result.exit_code, .stdout, .stderr)."""
    from typer.testing import CliRunner

    from multus_gen.cli import app

    return CliRunner().invoke(app, list(argv))


def capture(argv: list[str]) -> tuple[int, str, str]:
    """``multus_gen.cli.run(argv)`` in-process: exit code, stdout, stderr."""
    from multus_gen.cli import run

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(argv)
    return code, out.getvalue(), err.getvalue()


# -- reading and writing YAML ---------------------------------------------------------------------------------


def docs_of(text: str) -> list[Any]:
    """The YAML documents of a multi-document text, empty ones left out."""
    return [d for d in yaml.safe_load_all(text) if d is not None]


def values_of(doc: dict[str, Any]) -> Any:
    """A HelmChart's spec.valuesContent, parsed."""
    return yaml.safe_load(doc["spec"]["valuesContent"])


def write_text(folder: Path, text: str, name: str = "multus.yaml") -> Path:
    """``text`` (dedented) as ``folder/name``."""
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def tree(top: Path) -> list[str]:
    """The files under ``top``, as sorted POSIX paths relative to it (without render's record folder
    ``.multus-gen``: the manifests)."""
    files = (p.relative_to(top).as_posix() for p in top.rglob("*") if p.is_file())
    return sorted(rel for rel in files if not rel.startswith(".multus-gen/"))


# -- git -------------------------------------------------------------------------------------------------------


#: Author/committer for commits the tests make themselves (set-up), distinct from what multus-gen uses.
GIT_SETUP_ENV = {
    "GIT_AUTHOR_NAME": "Setup",
    "GIT_AUTHOR_EMAIL": "setup@example.org",
    "GIT_COMMITTER_NAME": "Setup",
    "GIT_COMMITTER_EMAIL": "setup@example.org",
}


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """``git ARGS`` in ``cwd`` as the set-up identity (plus ``env``); its stdout, stripped. Fails loudly."""
    done = subprocess.run(
        ["git", *args],
        cwd=cwd,
        env={**os.environ, **GIT_SETUP_ENV, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
