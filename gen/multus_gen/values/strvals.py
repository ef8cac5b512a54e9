"""Helm's ``--set`` / ``--set-string`` grammar (helm ``pkg/strvals``), our own implementation.

One expression is a comma-separated list of items ``KEY=VALUE``:

* ``a.b=c`` nests maps, ``l[2]=x`` indexes a list (gaps become ``None``), ``l[0].k=v`` and
  ``l[1][0]=x`` nest further; ``\\`` escapes the next character anywhere (``a\\.b=c``, ``a=x\\,y``).
* ``{a,b}`` is a list value; ``a=`` is the empty string.
* With ``--set`` a value is typed: ``true``/``false``/``null`` (any case) become bool/None, a base-10
  int64 that does not start with ``0`` (or ``0`` itself) becomes an int, anything else stays a string.
  ``--set-string`` keeps every value a string.

The behaviour mirrors helm v3/v4 exactly, including its corner cases, checked against the real parser
(``helm_python``) by tests/unit/strvals_test.py. The surprising ones, all deliberate:

* an item whose key is empty is parsed and dropped (``=5``, ``.a=1``, ``[0]=1`` give ``{}``);
* input that ends in the middle of a key path is not an error: ``a.``, ``l[0`` and ``l[3]`` stop
  quietly (``l[3]`` and ``l[3].a=`` leave ``l`` as an empty or unchanged list);
* a trailing comma is fine (``a=1,``) but an empty item is not (``a=1,,b=2``);
* ``a={}`` is ``[""]``, and a value after ``}`` is read as the next item (``a={1}x`` -> key ``x``);
* setting a scalar over a map (``a.b=1,a=2``) replaces it, but walking through a scalar, null or the
  wrong container (``a=1,a.b=2``, ``a=null,a.b=1``, ``a.b=1,a[0]=1``) is an error; in a list, ``.``
  replaces a non-map element by a new map (``l[0]=1,l[0].a=2`` gives ``[{"a": 2}]``);
* list indexes go through Go's ``strconv.Atoi`` (``+5``, ``-0`` and ``007`` are fine); a negative
  index, or one above 65536 on a path that gets a value, is an error;
* at most 30 ``.`` levels (helm's MaxNestedNameLevel).

Where helm panics (``a=1,a.b=2`` makes its type assertion panic) helm reports the recovered panic as
an error; we raise a clear ``InputError`` instead. Unlike helm, a failed expression leaves ``into``
exactly as it was (helm leaves whatever it had set before the error).

The parser walks nested paths with an explicit stack, not recursion, so paths nested deeper than
Python's recursion limit (helm accepts ``l[0][0]...`` of any depth) parse like helm does.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from multus_gen.errors import InputError

__all__ = ["MAX_INDEX", "MAX_NESTED_NAME_LEVEL", "parse_set"]

MAX_INDEX = 65536
"""Largest list index helm accepts (helm ``strvals.MaxIndex``)."""

MAX_NESTED_NAME_LEVEL = 30
"""Most ``.`` levels helm accepts in one key (helm ``strvals.MaxNestedNameLevel``)."""

_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1
# Go's strconv.ParseInt(s, 10, 64) / Atoi syntax: optional sign, ASCII digits, nothing else.
_GO_INT = re.compile(r"[+-]?[0-9]+")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")

_KEY_STOPS = frozenset("=[,.")
_INDEX_END = frozenset("]")
_AFTER_INDEX_STOPS = frozenset("[.=")
_VALUE_STOPS = frozenset(",")
_LIST_VALUE_STOPS = frozenset(",}")

_FIX_KEY_VALUE = r"write KEY=VALUE items separated by ','; KEY= sets an empty string, \, is a literal comma"


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_FIX_SETS_NOTHING = "write each item as KEY=VALUE (KEY.SUB=VALUE, KEY[N]=VALUE); KEY= sets an empty string"
_FIX_CONFLICT = "a key is either a map, a list or a value: set it one way, or replace it whole with KEY=VALUE"


def parse_set(
    expr: str,
    *,
    string_values: bool = False,
    into: dict[str, Any] | None = None,
    flag: str = "--set",
    values: str | None = None,
) -> dict[str, Any]:
    """Parse one --set (or, with string_values=True, --set-string) expression and merge it into `into`
    (a new dict when None) the way helm does, returning the dict. Raises InputError(where=flag) on bad input.

    On error ``into`` is left unchanged.
    """
    target: dict[str, Any] = {} if into is None else into
    parser = _Parser(expr, string_values=string_values, flag=flag, values=values)
    try:
        while not parser.item(target):
            pass
    except InputError:
        parser.rollback()
        raise
    return target


# -- the scanner -------------------------------------------------------------------------------


class _Scanner:
    """Reads the expression one character (Go: rune) at a time, like helm's bytes.Buffer."""

    def __init__(self, text: str) -> None:
        # Go reads invalid UTF-8 (which Python hands us as lone surrogates) as U+FFFD.
        self.text = _LONE_SURROGATE.sub("\ufffd", text)
        self.pos = 0

    def read(self) -> str | None:
        if self.pos >= len(self.text):
            return None
        char = self.text[self.pos]
        self.pos += 1
        return char

    def unread(self) -> None:
        self.pos -= 1

    def until(self, stops: frozenset[str]) -> tuple[str, str | None]:
        """Characters up to the first unescaped stop; returns them and the stop (None at the end).

        A backslash takes the next character literally; a backslash at the very end is dropped.
        """
        out: list[str] = []
        while True:
            char = self.read()
            if char is None or char in stops:
                return "".join(out), char
            if char == "\\":
                char = self.read()
                if char is None:
                    return "".join(out), None
            out.append(char)


# -- values ------------------------------------------------------------------------------------


def _equal_fold(text: str, word: str) -> bool:
    """Go's strings.EqualFold against an ASCII lower-case word (simple Unicode case folding)."""
    if len(text) != len(word):
        return False
    for char, want in zip(text, word, strict=True):
        if char in (want, want.upper()):
            continue
        if want == "s" and char == "\u017f":  # LATIN SMALL LETTER LONG S folds to 's' in Go
            continue
        if want == "k" and char == "\u212a":  # KELVIN SIGN folds to 'k' in Go
            continue
        return False
    return True


def _go_int(text: str) -> int | None:
    """Go's strconv.ParseInt(text, 10, 64): the int, or None on bad syntax or int64 overflow."""
    if not _GO_INT.fullmatch(text):
        return None
    number = int(text)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


def _typed(text: str, string_values: bool) -> Any:
    """Helm's typedVal: what one --set value means."""
    if string_values:
        return text
    if _equal_fold(text, "true"):
        return True
    if _equal_fold(text, "false"):
        return False
    if _equal_fold(text, "null"):
        return None
    if text == "0":
        return 0
    if text and text[0] != "0":
        number = _go_int(text)
        if number is not None:
            return number
    return text


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {json.dumps(value)}"
    if isinstance(value, int):
        return f"the integer {value}"
    if isinstance(value, str):
        return f"the string {_quote(value)}"
    if isinstance(value, dict):
        return "a map"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _quote(text: str, limit: int = 60) -> str:
    """A one-line, double-quoted rendering of user text, shortened past `limit` characters."""
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return json.dumps(text, ensure_ascii=False)


# -- the parser --------------------------------------------------------------------------------


@dataclass
class _MapCtx:
    """Helm's ``key(data, level)``: reading a key inside the map `data`."""

    data: dict[str, Any]
    level: int
    path: str


@dataclass
class _ListCtx:
    """Helm's ``listItem(list, i, level)``: what follows ``[i]`` of the list `items`."""

    items: list[Any]
    index: int
    level: int
    list_path: str

    @property
    def path(self) -> str:
        return f"{self.list_path}[{self.index}]"


# Frames remember what to do on the way back up from a nested path (helm does it as its recursion
# unwinds); `eof` is helm's io.EOF, the input ran out before the item finished.


@dataclass
class _MapListFrame:  # key "k[" : store the (possibly new) list under k
    data: dict[str, Any]
    key: str


@dataclass
class _MapMapFrame:  # key "k." : store the inner map under k unless empty
    data: dict[str, Any]
    key: str
    inner: dict[str, Any]
    path: str


@dataclass
class _ListListFrame:  # "[i][" : store the inner list at i
    items: list[Any]
    index: int
    path: str


@dataclass
class _ListMapFrame:  # "[i]." : store the inner map at i
    items: list[Any]
    index: int
    inner: dict[str, Any]
    path: str


_Frame = _MapListFrame | _MapMapFrame | _ListListFrame | _ListMapFrame


class _Parser:
    def __init__(self, expr: str, *, string_values: bool, flag: str, values: str | None = None) -> None:
        #: how a value is read: None (--set: typed, or strings with string_values), "json" (--set-json: a JSON
        #: document), "file" (--set-file: the contents of the file the value names)
        self.values = values
        self.expr = expr
        self.sc = _Scanner(expr)
        self.string_values = string_values
        self.flag = flag
        self.undo: list[Callable[[], None]] = []
        self.assigned = False  # whether the current item set a value

    # errors and the undo journal

    def fail(self, message: str, fix: str) -> InputError:
        return InputError(f"{message} in {_quote(self.expr)}", where=self.flag, fix=fix)

    def rollback(self) -> None:
        while self.undo:
            self.undo.pop()()

    def set_key(self, data: dict[str, Any], key: str, value: Any) -> None:
        """Helm's set(): an empty key is silently not set."""
        if not key:
            return
        if key in data:
            old = data[key]

            def restore() -> None:
                data[key] = old

            self.undo.append(restore)
        else:
            self.undo.append(lambda: data.pop(key, None))
        data[key] = value

    def set_index(self, items: list[Any], index: int, value: Any, path: str) -> list[Any]:
        """Helm's setIndex(): grow the list with None up to `index` and set it."""
        if index < 0:
            raise self.fail(f"list index {index} of {_quote(path)} is negative", "indexes start at 0")
        if index > MAX_INDEX:
            raise self.fail(
                f"list index {index} of {_quote(path)} is above helm's maximum of {MAX_INDEX}",
                f"use an index from 0 to {MAX_INDEX}",
            )
        old_len = len(items)
        old = items[index] if index < old_len else None

        def restore() -> None:
            if index < old_len:
                items[index] = old
            del items[old_len:]

        self.undo.append(restore)
        if index >= old_len:
            items.extend([None] * (index + 1 - old_len))
        items[index] = value
        return items

    def replace_element(self, items: list[Any], index: int, value: Any) -> None:
        old = items[index]

        def restore() -> None:
            items[index] = old

        self.undo.append(restore)
        items[index] = value

    # grammar pieces

    def index(self, path: str) -> int | None:
        """After ``[``: the index up to ``]`` (Go's Atoi), or None when the input ends first."""
        text, stop = self.sc.until(_INDEX_END)
        if stop is None:
            return None
        number = _go_int(text)
        if number is None and _GO_INT.fullmatch(text):
            raise self.fail(
                f"list index {text} of {_quote(path)} is out of range",
                f"use an index from 0 to {MAX_INDEX}",
            )
        if number is None:
            raise self.fail(
                f"list index {_quote(text)} of {_quote(path)} is not a base-10 integer",
                f"write a list index as [N] with N from 0 to {MAX_INDEX}",
            )
        return number

    def value(self, path: str) -> tuple[Any, bool]:
        """After ``=``: the value (a scalar or a ``{a,b}`` list), and whether the input had ended."""
        if self.values == "json":
            return self.json_value(path)
        if self.values == "file":
            name, _ = self.sc.until(_VALUE_STOPS)
            return self.file_value(path, name), False
        first = self.sc.read()
        if first is None:
            return "", True
        if first != "{":
            self.sc.unread()
            text, _ = self.sc.until(_VALUE_STOPS)
            return _typed(text, self.string_values), False
        items: list[Any] = []
        while True:
            text, stop = self.sc.until(_LIST_VALUE_STOPS)
            if stop is None:
                raise self.fail(
                    f"the list value of {_quote(path)} has no closing '}}'",
                    r"end the list with '}', or write \{ for a literal brace",
                )
            items.append(_typed(text, self.string_values))
            if stop == "}":
                after = self.sc.read()
                if after is not None and after != ",":
                    self.sc.unread()
                return items, False

    def json_value(self, path: str) -> tuple[Any, bool]:
        """--set-json: one JSON document, then ``,`` or the end (helm decodes it with Go's encoding/json; its
        numbers are float64, as every helm value)."""
        from multus_gen.yamlio.goyaml import json_value

        text = self.sc.text
        if self.sc.pos >= len(text) or text[self.sc.pos] == ",":  # KEY= is null, as in helm
            self.sc.pos = min(self.sc.pos + 1, len(text))
            return None, self.sc.pos >= len(text) and not text.endswith(",")
        try:
            data, end = json.JSONDecoder(parse_constant=_refuse_constant).raw_decode(text, self.sc.pos)
        except ValueError as exc:
            raise self.fail(f"the value of {_quote(path)} is not JSON ({exc})", 'write e.g. a={"b":[1,2]}') from None
        while end < len(text) and text[end] in " \t\r\n":
            end += 1
        if end < len(text) and text[end] != ",":
            raise self.fail(
                f"unexpected {_quote(text[end : end + 10])} after the JSON value of {_quote(path)}", _FIX_KEY_VALUE
            )
        self.sc.pos = min(end + 1, len(text))
        return json_value(data), end >= len(text)

    def file_value(self, path: str, name: str) -> str:
        """--set-file: the file's contents as a string (read like every user file: bounded, UTF-8)."""
        from pathlib import Path

        from multus_gen.yamlio.reader import read_text

        if not name:
            raise self.fail(f"no file named for {_quote(path)}", "write KEY=PATH")
        return read_text(Path(name), where=f"{self.flag} {path}")

    def conflict(self, path: str, existing: Any, want: str) -> InputError:
        return self.fail(f"cannot use {_quote(path)} as {want}: it already holds {_kind(existing)}", _FIX_CONFLICT)

    # one item

    def item(self, root: dict[str, Any]) -> bool:
        """Parse one KEY=VALUE item into `root`; True when the input is exhausted (helm's io.EOF)."""
        frames: list[_Frame] = []
        ctx: _MapCtx | _ListCtx = _MapCtx(root, 0, "")
        start, self.assigned = self.sc.pos, False
        result: list[Any] | None = None  # the list a finished _ListCtx hands back up
        eof: bool

        # Walk down the key path.
        while True:
            if isinstance(ctx, _MapCtx):
                key, stop = self.sc.until(_KEY_STOPS)
                path = f"{ctx.path}.{key}" if ctx.path else key
                if stop is None:
                    if key:
                        raise self.fail(f"key {_quote(path)} has no value", _FIX_KEY_VALUE)
                    eof = True
                    break
                if stop == ",":
                    if key:
                        raise self.fail(f"key {_quote(path)} has no value before ','", _FIX_KEY_VALUE)
                    raise self.fail("empty item (a ',' with no KEY=VALUE before it)", _FIX_KEY_VALUE)
                if stop == "=":
                    value, eof = self.value(path)
                    self.set_key(ctx.data, key, value)
                    self.assigned = self.assigned or bool(key)
                    break
                if stop == "[":
                    index = self.index(path)
                    if index is None:
                        eof = True
                        break
                    items: list[Any] = []
                    if key in ctx.data:
                        existing = ctx.data[key]
                        if not isinstance(existing, list):
                            raise self.conflict(path, existing, "a list")
                        items = existing
                    frames.append(_MapListFrame(ctx.data, key))
                    ctx = _ListCtx(items, index, ctx.level, path)
                    continue
                # stop == "."
                level = ctx.level + 1
                if level > MAX_NESTED_NAME_LEVEL:
                    raise self.fail(
                        f"key {_quote(path + '.')} nests deeper than helm's limit of "
                        f"{MAX_NESTED_NAME_LEVEL} '.' levels",
                        "use fewer nested keys, or set the value with -f FILE",
                    )
                inner: dict[str, Any] = {}
                if key in ctx.data:
                    existing = ctx.data[key]
                    if not isinstance(existing, dict):
                        raise self.conflict(path, existing, "a map")
                    inner = existing
                frames.append(_MapMapFrame(ctx.data, key, inner, path))
                ctx = _MapCtx(inner, level, path)
                continue

            # _ListCtx: just after "[index]"
            if ctx.index < 0:
                raise self.fail(f"list index {ctx.index} of {_quote(ctx.list_path)} is negative", "indexes start at 0")
            rest, stop = self.sc.until(_AFTER_INDEX_STOPS)
            if rest:
                raise self.fail(
                    f"unexpected {_quote(rest)} after list index {_quote(ctx.path)}",
                    "follow [N] with =VALUE, .KEY or another [N]",
                )
            if stop is None:
                result, eof = ctx.items, True
                break
            if stop == "=":
                value, _ = self.value(ctx.path)  # helm: "l[0]=" at the end is "", and not io.EOF
                result, eof = self.set_index(ctx.items, ctx.index, value, ctx.list_path), False
                self.assigned = True
                break
            if stop == "[":
                index = self.index(ctx.path)
                if index is None:
                    result, eof = ctx.items, True
                    break
                current: list[Any] = []
                if ctx.index < len(ctx.items) and ctx.items[ctx.index] is not None:
                    existing = ctx.items[ctx.index]
                    if not isinstance(existing, list):
                        raise self.conflict(ctx.path, existing, "a list")
                    current = existing
                frames.append(_ListListFrame(ctx.items, ctx.index, ctx.list_path))
                ctx = _ListCtx(current, index, ctx.level, ctx.path)
                continue
            # stop == ".": helm replaces a non-map element by a new map, even if nothing follows.
            element: dict[str, Any] = {}
            if ctx.index < len(ctx.items):
                existing = ctx.items[ctx.index]
                if isinstance(existing, dict):
                    element = existing
                else:
                    self.replace_element(ctx.items, ctx.index, element)
            frames.append(_ListMapFrame(ctx.items, ctx.index, element, ctx.list_path))
            ctx = _MapCtx(element, ctx.level, ctx.path)

        # Walk back up, as helm's recursion unwinds.
        for frame in reversed(frames):
            if isinstance(frame, _MapListFrame):
                self.set_key(frame.data, frame.key, result)
                result = None
            elif isinstance(frame, _MapMapFrame):
                if not eof and not frame.inner:
                    raise self.fail(f"key {_quote(frame.path + '.')} names no key after the '.'", _FIX_KEY_VALUE)
                if frame.inner:
                    self.set_key(frame.data, frame.key, frame.inner)
                result = None
            elif isinstance(frame, _ListListFrame):
                assert result is not None
                result = frame.items if eof else self.set_index(frame.items, frame.index, result, frame.path)
            else:
                result = frame.items if eof else self.set_index(frame.items, frame.index, frame.inner, frame.path)
        if self.sc.pos > start and not self.assigned:
            # helm drops such an item silently (an empty key, an index or key path the input ends in): an item
            # that sets no value is an error here, never a value quietly missing from the chart
            item = self.sc.text[start : self.sc.pos].removesuffix(",")
            raise self.fail(f"the item {_quote(item)} sets no value", _FIX_SETS_NOTHING)
        return eof
