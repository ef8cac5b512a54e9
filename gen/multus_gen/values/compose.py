"""Chart values: overlay loading, placeholder filling, merging, user sources, invariant checks.

Composition order (low to high): distribution overlay, IPAM overlay, version-gate overlays, every user
``-f`` file in order, every ``--set``, every ``--set-string`` -- helm's own order (FACTS.md 10). Maps
merge recursively; lists and scalars replace; a null is kept, so that it reaches helm and deletes the
chart default there (helm-controller passes valuesContent to helm as a values file, FACTS.md 5).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from multus_gen.errors import InputError
from multus_gen.findings import get_path as get_path  # re-exported: values are read with it
from multus_gen.findings import json_path
from multus_gen.record import record
from multus_gen.yamlio.reader import load_mapping_file

Values = dict[str, Any]


@cache
def _overlay_text(name: str) -> str:
    ref = resources.files("multus_gen.overlays").joinpath(*f"{name}.yaml".split("/"))
    try:
        return ref.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LookupError(f"overlay {name}.yaml is not shipped with multus-gen") from None


def overlay_names() -> list[str]:
    """Every shipped overlay, as ``folder/name`` without ``.yaml`` (for tests and docs)."""
    root = resources.files("multus_gen.overlays")
    names: list[str] = []
    for entry in root.iterdir():
        if entry.is_dir():
            names += [f"{entry.name}/{f.name[:-5]}" for f in entry.iterdir() if f.name.endswith(".yaml")]
        elif entry.name.endswith(".yaml"):
            names.append(entry.name[:-5])
    return sorted(names)


def _fill(value: Any, params: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        return value.format_map(params)
    if isinstance(value, dict):
        return {k: _fill(v, params) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, params) for v in value]
    return value


@cache
def _overlay_data(name: str) -> Values:
    """The parsed overlay (cached: a fleet loads the same few overlays for every cluster; never handed out
    as it is -- ``_fill`` builds new containers)."""
    # shipped, trusted data: libyaml's loader where available (the user's files go through yamlio/reader.py)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    data = yaml.load(_overlay_text(name), Loader=loader) or {}
    if not isinstance(data, dict):
        raise LookupError(f"overlay {name}.yaml is not a mapping")
    return data


def load_overlay(name: str, params: Mapping[str, str]) -> Values:
    """A shipped overlay with its ``{placeholders}`` filled from ``params`` (a new object on every call)."""
    filled: Values = _fill(_overlay_data(name), params)
    return filled


def merge(base: Values, over: Mapping[str, Any]) -> Values:
    """A new dict: ``over`` merged into ``base``. Maps merge, everything else replaces, nulls are kept."""
    out = dict(base)
    for key, value in over.items():
        current = out.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            out[key] = merge(current, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


@record
class UserValues:
    """The user's value sources, in the order given on the command line.

    ``inline``: value maps given inside a spec file (``chart.values``), applied before the files.
    """

    files: tuple[Path, ...] = ()
    set: tuple[str, ...] = ()
    set_string: tuple[str, ...] = ()
    set_json: tuple[str, ...] = ()
    set_file: tuple[str, ...] = ()
    inline: tuple[dict[str, Any], ...] = ()


#: Chart values nest a handful of levels; refuse absurd depths before anything recurses over them.
MAX_DEPTH = 64


def _check_keys(data: Any, where: str, path: tuple[str | int, ...] = ()) -> None:
    if len(path) > MAX_DEPTH:
        raise InputError(f"values nest more than {MAX_DEPTH} levels deep at {json_path(path[:8])}...", where=where)
    if isinstance(data, dict):
        for key, value in data.items():
            if not isinstance(key, str):
                raise InputError(
                    f"key {key!r} at {json_path(path)} is not a string",
                    where=where,
                    fix="quote the key",
                )
            _check_keys(value, where, (*path, key))
    elif isinstance(data, list):
        for i, item in enumerate(data):
            _check_keys(item, where, (*path, i))
    elif not (data is None or isinstance(data, (str, int, float, bool))):
        raise InputError(
            f"value at {json_path(path)} is a {type(data).__name__}, which chart values cannot hold",
            where=where,
            fix="quote it to make it a string",
        )


#: The key check of every user source (also used by ``--from-values``, values/adopt.py).
check_keys = _check_keys


def apply_user_values(base: Values, user: UserValues) -> Values:
    """Apply the user's sources over ``base`` in helm's order: ``-f`` files, ``--set-json``, ``--set``,
    ``--set-string``, ``--set-file``."""
    values = copy.deepcopy(base)
    for data in user.inline:
        _check_keys(data, "chart.values")
        values = merge(values, data)
    for path in user.files:
        where = f"-f {path}"
        doc = load_mapping_file(path, where=where)
        _check_keys(doc.data, where)
        values = merge(values, doc.data)
    if user.set or user.set_string or user.set_json or user.set_file:
        from multus_gen.values.strvals import parse_set  # only runs that use --set pay for the parser
    for expr in user.set_json:
        values = parse_set(expr, into=values, flag="--set-json", values="json")
        _check_keys(values, "--set-json")
    for expr in user.set:
        values = parse_set(expr, into=values, flag="--set")
        _check_keys(values, "--set")
    for expr in user.set_string:
        values = parse_set(expr, string_values=True, into=values, flag="--set-string")
        _check_keys(values, "--set-string")
    for expr in user.set_file:
        values = parse_set(expr, into=values, flag="--set-file", values="file")
        _check_keys(values, "--set-file")
    return values


def user_origin(user: UserValues, keys: Sequence[str | int]) -> str | None:
    """Which of the user's sources sets the value at ``keys`` last, in helm's order: ``--set-file``,
    ``--set-string``, ``--set``, ``--set-json``, ``-f FILE`` or ``chart.values`` (None: none of them; the
    value is multus-gen's own).

    Only called to name where a refused value came from, so reading the files again costs nothing on a
    successful run."""

    def has(data: Any) -> bool:
        for key in keys:
            if not isinstance(data, dict) or key not in data:
                return False
            data = data[key]
        return True

    if user.set or user.set_string or user.set_json or user.set_file:
        from multus_gen.values.strvals import parse_set

        sources = (
            ("--set-file", user.set_file, False, "file"),
            ("--set-string", user.set_string, True, None),
            ("--set", user.set, False, None),
            ("--set-json", user.set_json, False, "json"),
        )
        for flag, exprs, as_string, kind in sources:
            for expr in reversed(exprs):
                if has(parse_set(expr, string_values=as_string, into={}, flag=flag, values=kind)):
                    return f"{flag} {expr}"
    for path in reversed(user.files):
        if has(load_mapping_file(path, where=f"-f {path}").data):
            return f"-f {path}"
    if any(has(data) for data in user.inline):
        return "chart.values"
    return None


def compose(overlays: Iterable[str], params: Mapping[str, str], user: UserValues) -> Values:
    """Shipped overlays in order, then the user's sources."""
    values: Values = {}
    for name in overlays:
        values = merge(values, load_overlay(name, params))
    return apply_user_values(values, user)


def prune_equal(values: Values, table: Mapping[tuple[str, ...], Any]) -> Values:
    """A copy of ``values`` without the leaves ``table`` maps to the same value (``{path: value}``), and
    without the maps that leaves empty."""
    out = copy.deepcopy(values)
    for path, value in table.items():
        parents: list[dict[str, Any]] = []
        node: Any = out
        for key in path[:-1]:
            if not isinstance(node, dict) or not isinstance(node.get(key), dict):
                break
            parents.append(node)
            node = node[key]
        else:
            if isinstance(node, dict) and path[-1] in node and node[path[-1]] == value:
                del node[path[-1]]
                for parent, key in zip(reversed(parents), reversed(path[:-1]), strict=True):
                    if parent[key] == {}:
                        del parent[key]
    return out


def sort_keys(value: Any) -> Any:
    """A copy with every mapping's keys in sorted order (canonical output)."""
    if isinstance(value, dict):
        return {k: sort_keys(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [sort_keys(v) for v in value]
    return value
