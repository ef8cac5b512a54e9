"""The Typer app: it parses every command line -- flags, help, shell completion, and click's usage errors."""

from __future__ import annotations

import importlib
import os
from typing import Any

import click
import typer

from multus_gen.cli import COMMANDS
from multus_gen.cli.output import error
from multus_gen.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE

_SETTINGS: dict[str, Any] = {
    "name": "multus-gen",
    "help": "Generate GitOps manifests for Multus CNI on K3s, right for every K3s and rke2-multus version.\n\n"
    "Manifests go to stdout, messages to stderr. Exit codes: 0 ok, 1 invalid input or failed validation, "
    "2 usage error, 3 a bug in multus-gen.",
    "no_args_is_help": True,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"], "max_content_width": 110},
}


def _group() -> None:
    """(keeps a one-command app a group, so `multus-gen CMD` parses the same way)"""


def make_app(commands: tuple[str, ...] = tuple(COMMANDS)) -> typer.Typer:
    """The Typer app with ``commands`` (in --help order), each the function of that name in its module."""
    application = typer.Typer(**_SETTINGS)
    application.callback()(_group)
    for name in commands:
        application.command(name)(getattr(importlib.import_module(f"{__package__}.{COMMANDS[name]}"), name))
    return application


_apps: dict[tuple[str, ...], typer.Typer] = {}


def get_app(commands: tuple[str, ...] = tuple(COMMANDS)) -> typer.Typer:
    if commands not in _apps:
        _apps[commands] = make_app(commands)
    return _apps[commands]


def _app_for(args: list[str]) -> typer.Typer:
    """Only the invoked command (start-up time: one module imported, one command built), unless help or shell
    completion needs them all."""
    if not args or args[0] not in COMMANDS or any(key.endswith("_COMPLETE") for key in os.environ):
        return get_app()
    return get_app((args[0],))


def run_typer(args: list[str]) -> int:
    """Parse ``args`` with Typer and run the command; usage errors are one line too."""
    try:
        rv = _app_for(args)(args=args, prog_name="multus-gen", standalone_mode=False)
    except click.exceptions.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        error("usage error", " ".join(exc.format_message().split()) + hint)
        return EXIT_USAGE
    except click.exceptions.ClickException as exc:
        error("error", " ".join(exc.format_message().split()))
        return EXIT_USAGE if exc.exit_code == EXIT_USAGE else EXIT_INVALID
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None  # actions.invoke says "interrupted", exit 130
    return rv if isinstance(rv, int) else EXIT_OK
