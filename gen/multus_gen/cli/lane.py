"""The fast lane: plain command lines parsed without importing click or typer (start-up time).

Typer stays the CLI: help, shell completion, and every usage error come from it. The lane reads
``lane.json``, a table generated from the Typer commands themselves (``typer_app.lane_table``; a test fails when
the table is stale), and takes a command line only when every token is one it can parse exactly as click
would: known flags with valid values, the right number of arguments. For anything else -- ``--help``, an
unknown flag, a bad choice, a missing value, a repeated single-value flag, ``--``, completion -- it returns
None and Typer parses the line. Both end in the same action with the same keyword arguments (a property
test compares them).
"""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from multus_gen.model.record import record

#: Set to ``off`` to send every command line through Typer.
SWITCH = "MULTUS_GEN_LANE"


@record
class Call:
    """What to run: ``actions.<action>(**kwargs)``."""

    action: str
    kwargs: dict[str, Any]


def load_table() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(resources.files(__package__).joinpath("lane.json").read_text("utf-8"))
    return table


def enabled() -> bool:
    if os.environ.get(SWITCH, "").lower() == "off":
        return False
    return not any(key.endswith("_COMPLETE") for key in os.environ)  # shell completion: click's job


def parse(args: list[str], table: dict[str, Any] | None = None) -> Call | None:
    """The call for ``args`` (``[command, ...]``), or None when Typer must parse them."""
    if not args:
        return None
    commands = table if table is not None else load_table()
    command = commands.get(args[0])
    if command is None:
        return None
    params: list[dict[str, Any]] = command["params"]
    flags: dict[str, tuple[dict[str, Any], bool]] = {}
    for param in params:
        for flag in param["opts"]:
            flags[flag] = (param, True)
        for flag in param["secondary"]:
            flags[flag] = (param, False)
    given: dict[str, Any] = {}
    positionals: list[str] = []
    rest = iter(args[1:])
    for token in rest:
        if token == "-" or not token.startswith("-"):
            positionals.append(token)
            continue
        flag, eq, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        entry = flags.get(flag)
        if entry is None:
            return None  # --help, --, an unknown flag, -oFILE ...
        param, on = entry
        if param["kind"] == "flag":
            if eq:
                return None
            value: Any = on
        else:
            raw = attached if eq else next(rest, None)
            if raw is None or (not eq and raw.startswith("-")):
                return None  # missing value, or one click might read differently
            value = _convert(param, raw)
            if value is None:
                return None
        name = param["name"]
        if param["multiple"]:
            given.setdefault(name, []).append(value)
        elif name in given:
            return None
        else:
            given[name] = value
    arguments = [p for p in params if p["argument"]]
    if not _bind_arguments(arguments, positionals, given):
        return None
    kwargs: dict[str, Any] = {}
    for param in params:
        name = param["name"]
        if name in given:
            value = given[name]
            kwargs[name] = tuple(value) if param["multiple"] else value
        elif param["required"]:
            return None
        else:
            default = param["default"]
            kwargs[name] = tuple(default) if isinstance(default, list) else default
    return Call(command["action"], kwargs)


def _bind_arguments(arguments: list[dict[str, Any]], positionals: list[str], given: dict[str, Any]) -> bool:
    if not arguments:
        return not positionals
    if len(arguments) != 1:
        return False  # not in the table (see typer_app.lane_table); Typer's job
    param = arguments[0]
    if param["nargs"] == 1 and len(positionals) != 1:
        return False
    if not positionals:
        return True
    values = [_convert(param, raw) for raw in positionals]
    if any(v is None for v in values):
        return False
    given[param["name"]] = values if param["nargs"] == -1 else values[0]
    return True


def _convert(param: dict[str, Any], raw: str) -> Any:
    """The value click would produce for ``raw``; None where click would refuse it (or might)."""
    kind = param["kind"]
    if kind == "str":
        return raw
    if kind == "choice":
        return raw if raw in param["choices"] else None
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            return None
    if kind == "path":
        if param["readable"] and os.path.exists(raw) and not os.access(raw, os.R_OK):
            return None  # click refuses it: its message, not ours
        return Path(raw)
    return None
