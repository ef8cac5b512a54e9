"""The multus-gen command line: parses flags, calls the core, maps errors to exit codes (here only)."""

import contextlib
import os
import sys
import traceback
from typing import Any

import click
import typer
from typer.core import TyperGroup

from ..errors import EXIT_BUG, EXIT_INVALID, EXIT_OK, EXIT_USAGE, MultusGenError


def _error(prefix: str, text: str) -> None:
    click.echo(click.style(f"multus-gen: {prefix}: ", fg="red", bold=True) + text, err=True)


class _Group(TyperGroup):
    """Maps every failure of a command to one line on stderr and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except MultusGenError as exc:
            _error("error", exc.one_line())
            raise click.exceptions.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            _error("error", "interrupted")
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:
            # The reader went away (e.g. `| head`): not our bug; stop quietly.
            with contextlib.suppress(OSError):
                sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- silence the flush at exit
            raise click.exceptions.Exit(EXIT_INVALID) from None
        except Exception as exc:
            if os.environ.get("MULTUS_GEN_DEBUG"):
                traceback.print_exc()
            _error(
                "internal error",
                f"{type(exc).__name__}: {' '.join(str(exc).split())} -- this is a bug in multus-gen; "
                "rerun with MULTUS_GEN_DEBUG=1 for the traceback and report it",
            )
            raise click.exceptions.Exit(EXIT_BUG) from None


_SETTINGS: dict[str, Any] = {
    "name": "multus-gen",
    "cls": _Group,
    "help": "Generate GitOps manifests for Multus CNI on K3s, right for every K3s and rke2-multus version.\n\n"
    "Manifests go to stdout, messages to stderr. Exit codes: 0 ok, 1 invalid input or failed validation, "
    "2 usage error, 3 a bug in multus-gen.",
    "no_args_is_help": True,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": None,
    "context_settings": {"help_option_names": ["-h", "--help"], "max_content_width": 110},
}

#: Command modules, in --help order; each has ``register(app)`` and keeps heavy imports inside commands.
COMMAND_MODULES = ("generate", "deliver", "networks", "check")
#: Which module defines each command: a run imports only the module of the command it runs.
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


def _group() -> None:
    """(keeps a one-command app a group, so `multus-gen CMD` parses the same way)"""


def make_app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    """The Typer app with the commands of ``modules``."""
    import importlib

    application = typer.Typer(**_SETTINGS)
    application.callback()(_group)
    for name in modules:
        importlib.import_module(f"{__name__}.{name}").register(application)
    return application


_apps: dict[tuple[str, ...], typer.Typer] = {}


def _app(modules: tuple[str, ...] = COMMAND_MODULES) -> typer.Typer:
    if modules not in _apps:
        _apps[modules] = make_app(modules)
    return _apps[modules]


def __getattr__(name: str) -> Any:
    if name == "app":  # the full app (tests, docs); a run builds only what it needs
        return _app()
    raise AttributeError(name)


def _app_for(args: list[str]) -> typer.Typer:
    """Only the invoked command's module (start-up time), unless help or shell completion needs them all."""
    module = COMMANDS.get(args[0]) if args else None
    if module is None or any(key.endswith("_COMPLETE") for key in os.environ):
        return _app()
    return _app((module,))


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return the exit code; usage errors are one line too."""
    try:
        args = list(sys.argv[1:] if argv is None else argv)
        rv = _app_for(args)(args=args, prog_name="multus-gen", standalone_mode=False)
    except click.exceptions.UsageError as exc:
        hint = f" (see '{exc.ctx.command_path} --help')" if exc.ctx is not None else ""
        _error("usage error", " ".join(exc.format_message().split()) + hint)
        return EXIT_USAGE
    except click.exceptions.ClickException as exc:
        _error("error", " ".join(exc.format_message().split()))
        return EXIT_USAGE if exc.exit_code == EXIT_USAGE else EXIT_INVALID
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        _error("error", "interrupted")
        return 130
    return rv if isinstance(rv, int) else EXIT_OK


def main() -> None:
    sys.exit(run())
