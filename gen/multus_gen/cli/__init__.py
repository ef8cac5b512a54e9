"""The multus-gen command line: parse flags, call the action, map errors to exit codes.

A plain command line takes the fast lane (``lane``: no click or typer imported); everything else -- help,
completion, usage errors -- goes through the Typer app (``typer_app``). Both call the same action (``actions``)
with the same arguments.
"""

from __future__ import annotations

import sys
from typing import Any

#: Which Typer module defines each command: a Typer run imports only the module of the command it runs.
COMMANDS = {
    "helmchart": "generate",
    "values": "generate",
    "versions": "generate",
    "install": "deliver",
    "commit": "deliver",
    "nad": "networks",
    "render": "networks",
    "validate": "check",
}


def __getattr__(name: str) -> Any:
    if name == "app":  # the full Typer app (tests, docs); a run builds only what it needs
        from multus_gen.cli.typer_app import get_app

        return get_app()
    raise AttributeError(name)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code; nothing escapes as a traceback."""
    args = list(sys.argv[1:] if argv is None else argv)
    from multus_gen.cli import actions, lane

    def dispatch() -> int:
        call = lane.parse(args) if lane.enabled() else None
        if call is None:
            from multus_gen.cli.typer_app import run_typer

            return run_typer(args)
        return actions.invoke(getattr(actions, call.action), call.kwargs)

    return actions.invoke(dispatch, {})


def main() -> None:
    sys.exit(run())
