"""The Typer app: every command's flags and help, shell completion, and click's usage errors."""

from __future__ import annotations

import importlib
import os
from typing import Any

import click
import typer

from multus_gen.cli import COMMANDS
from multus_gen.cli.common import plain
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

#: click >= 8.3 leaves ``flag_value`` of a boolean flag unset (the flag means True).
_UNSET = getattr(importlib.import_module("click._utils"), "UNSET", True)

#: Command modules, in --help order; each has ``register(app)``.
COMMAND_MODULES = ("generate", "deliver", "networks", "check")


def _group() -> None:
    """(keeps a one-command app a group, so `multus-gen CMD` parses the same way)"""


def make_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The Typer app with the commands of ``modules``."""
    application = typer.Typer(**_SETTINGS)
    application.callback()(_group)
    for name in modules:
        importlib.import_module(f"{__package__}.{name}").register(application)
    return application


_apps: dict[tuple[str, ...], typer.Typer] = {}


def get_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    if modules not in _apps:
        _apps[modules] = make_app(modules)
    return _apps[modules]


def _app_for(args: list[str]) -> typer.Typer:
    """Only the invoked command's module (start-up time), unless help or shell completion needs them all."""
    module = COMMANDS.get(args[0]) if args else None
    if module is None or any(key.endswith("_COMPLETE") for key in os.environ):
        return get_app()
    return get_app((module,))


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


# -- the fast lane's table ---------------------------------------------------------------------------------


def lane_table() -> dict[str, Any]:
    """The table ``multus_gen.cli.lane`` parses with (stored as ``lane.json``), read off the Typer commands.

    A command is left out (Typer parses all its lines) when a parameter uses anything the lane does not
    reproduce exactly: environment variables, callbacks, counts, nargs other than 1 (or -1 for the single
    argument), path checks other than ``readable``, or types other than str, int, choice and path.
    """
    import typer.main

    group = typer.main.get_command(get_app())
    assert isinstance(group, click.Group)
    declared = {info.name: info.callback for info in get_app().registered_commands}
    table: dict[str, Any] = {}
    for name, command in sorted(group.commands.items()):
        action = getattr(declared.get(name), "__multus_action__", None)
        params = [_lane_param(p) for p in command.params]
        arguments = [p for p in command.params if isinstance(p, click.Argument)]
        plain_parsing = command.allow_interspersed_args and not (
            command.ignore_unknown_options or command.allow_extra_args
        )
        if action is None or None in params or len(arguments) > 1 or not plain_parsing:
            continue
        table[name] = {"action": action, "params": params}
    return table


def _lane_param(param: click.Parameter) -> dict[str, Any] | None:
    if param.envvar or param.callback is not None or param.is_eager or param.expose_value is False:
        return None
    argument = isinstance(param, click.Argument)
    if argument:
        if param.nargs not in (1, -1):
            return None
        multiple = param.nargs == -1
    else:
        assert isinstance(param, click.Option)
        if param.count or param.nargs != 1 or param.prompt is not None:
            return None
        multiple = param.multiple
    kind, extra = _lane_type(param)
    if kind is None:
        return None
    return {
        "name": param.name,
        "argument": argument,
        "opts": [] if argument else list(param.opts),
        "secondary": [] if argument else list(param.secondary_opts),
        "kind": kind,
        "multiple": multiple,
        "nargs": param.nargs,
        "required": param.required,
        "default": plain(param.default),  # a tuple is stored as a JSON list
        **extra,
    }


def _lane_type(param: click.Parameter) -> tuple[str | None, dict[str, Any]]:
    kind = param.type
    if isinstance(param, click.Option) and param.is_flag:
        if not isinstance(kind, click.types.BoolParamType) or param.flag_value not in (True, _UNSET):
            return None, {}
        return "flag", {}
    if isinstance(kind, click.Choice):
        if not kind.case_sensitive or not all(isinstance(c, str) for c in kind.choices):
            return None, {}
        return "choice", {"choices": list(kind.choices)}
    if isinstance(kind, click.Path):
        unsupported = (
            kind.exists or not kind.file_okay or not kind.dir_okay or kind.writable or kind.executable
        ) or kind.resolve_path
        if unsupported:
            return None, {}
        return "path", {"readable": bool(kind.readable)}
    if kind is click.INT:
        return "int", {}
    if kind is click.STRING:
        return "str", {}
    return None, {}
