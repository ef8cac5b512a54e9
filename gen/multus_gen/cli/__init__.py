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
    "images": "generate",
    "versions": "generate",
    "version": "generate",
    "install": "deliver",
    "commit": "deliver",
    "plan": "deliver",
    "nad": "networks",
    "render": "networks",
    "validate": "check",
    "verify": "check",
    "rules": "check",
    "doctor": "node",
    "uninstall": "node",
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

    _set_up_streams()

    def dispatch() -> int:
        from multus_gen.cli.typer_app import run_typer

        return run_typer(_utf8_arguments(args))

    return actions.invoke(dispatch, {})


def _set_up_streams() -> None:
    """Whatever the locale (``LC_ALL=C``): stdout is UTF-8, as YAML and JSON are; stderr keeps the locale's
    encoding and writes what it cannot show as backslash escapes, so a message never fails."""
    import codecs

    for stream, utf8 in ((sys.stdout, True), (sys.stderr, False)):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:  # a test's StringIO
            continue
        try:
            if utf8 and codecs.lookup(stream.encoding).name != "utf-8":
                reconfigure(encoding="utf-8")
            elif not utf8:
                reconfigure(errors="backslashreplace")
        except (LookupError, ValueError, OSError):
            pass


def _utf8_arguments(args: list[str]) -> list[str]:
    """The arguments as UTF-8 text. Python decodes ``argv`` with the locale's encoding and keeps undecodable
    bytes as surrogates: bytes that are UTF-8 (``é`` under ``LC_ALL=C``) are decoded again as UTF-8; an
    argument that is not UTF-8 at all is refused (it would reach a manifest as U+FFFD or a stray byte)."""
    import os

    from multus_gen.errors import UsageError

    out = []
    for i, arg in enumerate(args):
        try:
            arg.encode("utf-8")
            out.append(arg)
            continue
        except UnicodeEncodeError:
            pass
        try:
            out.append(os.fsencode(arg).decode("utf-8"))  # the bytes given, read as UTF-8
            continue
        except UnicodeError:
            pass
        try:
            shown = os.fsencode(arg).decode("utf-8", "backslashreplace")
        except UnicodeError:
            shown = arg.encode("utf-8", "backslashreplace").decode("utf-8")
        after = f" (the value of {args[i - 1]})" if i and args[i - 1].startswith("-") else ""
        raise UsageError(
            f"argument {i + 1} '{shown}'{after} is not valid UTF-8",
            fix="pass every argument as UTF-8 text; rename a file whose name is not UTF-8",
        )
    return out


def main() -> None:
    sys.exit(run())
