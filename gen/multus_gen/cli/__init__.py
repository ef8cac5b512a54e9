"""The multus-gen command line: parse flags, call the action, map errors to exit codes.

Typer parses every command line (``typer_app``: flags, help, completion, usage errors); each command function
(``generate``, ``deliver``, ``networks``, ``check``) hands its flags as plain values to its action
(``actions``), and ``actions.invoke`` maps errors to exit codes. A run imports and builds only the command it
runs.
"""

from __future__ import annotations

import sys
from typing import Any

#: Which module defines each command (a function of the command's name), in --help order: a run imports only
#: the module of the command it runs.
COMMANDS = {
    "helmchart": "generate",
    "values": "generate",
    "versions": "generate",
    "version": "generate",
    "install": "deliver",
    "commit": "deliver",
    "nad": "networks",
    "render": "networks",
    "validate": "check",
    "rules": "check",
}


def __getattr__(name: str) -> Any:
    if name == "app":  # the full Typer app (tests, docs); a run builds only what it needs
        from multus_gen.cli.typer_app import get_app

        return get_app()
    raise AttributeError(name)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code; nothing escapes as a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    from multus_gen.cli import actions

    def dispatch() -> int:
        from multus_gen.cli.typer_app import run_typer

        return run_typer(args)

    return actions.invoke(dispatch, {})


def main() -> None:
    sys.exit(run())
