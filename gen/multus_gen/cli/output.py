"""What the CLI prints: manifests to stdout, messages to stderr, colour only on a terminal.

No click or typer here: every command prints through these functions.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from multus_gen.findings import Finding

_CODES = {"red": 31, "green": 32, "yellow": 33, "cyan": 36}


def is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a replaced or closed stream
        return False


def colour_on(stream: TextIO) -> bool:
    """Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return not os.environ.get("NO_COLOR") and is_terminal(stream)


def style(text: str, *, fg: str | None = None, bold: bool = False, err: bool = False) -> str:
    """``text`` in colour when it goes to a terminal (stderr with ``err``), else unchanged."""
    if (fg is None and not bold) or not colour_on(sys.stderr if err else sys.stdout):
        return text
    codes = ([str(_CODES[fg])] if fg is not None else []) + (["1"] if bold else [])
    return f"\x1b[{';'.join(codes)}m{text}\x1b[0m"


def echo(text: str, *, err: bool = False) -> None:
    stream = sys.stderr if err else sys.stdout
    stream.write(text + "\n")
    stream.flush()


def error(prefix: str, text: str) -> None:
    """``multus-gen: <prefix>: <text>``, one line on stderr."""
    echo(style(f"multus-gen: {prefix}: ", fg="red", bold=True, err=True) + text, err=True)


def info(message: str) -> None:
    echo(message, err=True)


_PREFIX_COLOURS = {"error": "red", "warning": "yellow", "note": "cyan"}


def print_finding_line(severity: str, text: str) -> None:
    """``multus-gen: <severity>: <text>`` on stderr (a finding already formatted, e.g. remembered)."""
    echo(style(f"multus-gen: {severity}: ", fg=_PREFIX_COLOURS.get(severity), err=True) + text, err=True)


def print_notices(notices: Iterable[Finding]) -> None:
    """The warnings and notes of a run, one line each, with their rule ids."""
    for notice in notices:
        print_finding_line(notice.severity, notice.one_line())


def as_format(text: str, doc_format: str) -> str:
    """Generated YAML ``text`` as ``-o`` asks: ``yaml`` unchanged; ``json`` the one document itself, or a
    Kubernetes ``List`` (apiVersion v1, kind List, items) of several -- JSON has no comments, so no header."""
    if doc_format != "json":
        return text
    import json

    import yaml

    docs = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    if len(docs) == 1:
        return json.dumps(docs[0], indent=2, ensure_ascii=False) + "\n"
    if not all(isinstance(doc, dict) and "apiVersion" in doc and "kind" in doc for doc in docs):
        from multus_gen.errors import UsageError

        raise UsageError(
            "-o json prints one object or a Kubernetes List, and these documents are not all Kubernetes objects "
            "(fleet.yaml files are not)",
            where="-o",
            fix="use -o yaml",
        )
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": docs}, indent=2, ensure_ascii=False) + "\n"


def is_stdout(output: Path | None) -> bool:
    """``--out`` not given, or ``--out -``."""
    return output is None or str(output) == "-"


def emit(text: str, output: Path | None, inputs: Iterable[Path] = ()) -> None:
    """Manifests to stdout (``output`` None or ``-``), or atomically to ``output`` (mode 0644; never over one of
    ``inputs``, the files the command read); a note on stderr says what happened."""
    if output is None or is_stdout(output):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from multus_gen.sinks import Inputs
    from multus_gen.sinks.folder import write_file

    outcome = write_file(output, text, mode=0o644, inputs=Inputs(inputs))
    info(f"{outcome.path}: {outcome.status}")
