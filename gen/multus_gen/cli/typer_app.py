"""The Typer app: it parses every command line -- flags, help, shell completion, and click's usage errors."""

from __future__ import annotations

import importlib
import os
from difflib import get_close_matches
from typing import Annotated, Any

import click
import typer
from typer.core import TyperGroup

from multus_gen.cli import COMMANDS
from multus_gen.cli.output import echo, error
from multus_gen.errors import EXIT_INVALID, EXIT_OK, EXIT_USAGE


class _Group(TyperGroup):
    """The command group: a mistyped command gets the one closest command as a suggestion."""

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.UsageError as exc:
            if args and args[0] not in self.commands:  # one suggestion (click >= 8.2 lists several)
                match = get_close_matches(args[0], list(COMMANDS), n=1)
                message = f"no such command {args[0]!r}" + (f"; did you mean {match[0]!r}?" if match else "")
                raise click.exceptions.UsageError(message, ctx=exc.ctx) from None
            raise


_SETTINGS: dict[str, Any] = {
    "name": "multus-gen",
    "help": "Generate GitOps manifests for Multus CNI on K3s, right for every K3s and rke2-multus version.\n\n"
    "Manifests go to stdout, messages to stderr. Exit codes: 0 ok, 1 invalid input or failed validation, "
    "2 usage error, 3 a bug in multus-gen.",
    "no_args_is_help": True,
    "cls": _Group,
    "suggest_commands": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"], "max_content_width": 110},
}


def _show_version(value: bool) -> None:
    if value:
        from multus_gen import __version__

        echo(f"multus-gen {__version__}")
        raise typer.Exit(EXIT_OK)


def _group(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=_show_version,
            help="Print the multus-gen version and exit (`multus-gen version` says more).",
        ),
    ] = False,
) -> None:
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
    except getattr(click.exceptions, "NoArgsIsHelpError", ()) as exc:  # click >= 8.2; before, click prints it
        echo(exc.ctx.get_help())  # `multus-gen` alone: the help on stdout, exit 0
        return EXIT_OK
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
