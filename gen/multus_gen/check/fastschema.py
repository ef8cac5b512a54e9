"""A quick "passes" for the JSON Schemas multus-gen validates with, without loading jsonschema.

jsonschema stays the one validator: it gives every verdict of failure and every message. This module only
answers, for a schema of the subset below, "does this document pass?" with ``True`` when it is certain the
document passes exactly as ``jsonschema.Draft202012Validator`` (4.18+) would let it; with ``False`` when it
surely fails, and ``None`` when it cannot tell (a value of a type outside JSON's, ``uniqueItems`` on anything
but strings). Only ``True`` skips jsonschema: a document that fails, or that this
module cannot judge, is validated by jsonschema as before, so the findings and their messages are jsonschema's.
A schema with any keyword outside the subset does not compile (:func:`compile_schema` returns None) and is
always validated by jsonschema.

The subset, with jsonschema's meaning (``jsonschema/_keywords.py``, ``_types.py``, ``_utils.equal``):
``type`` (the seven JSON types; ``integer`` takes a float with an integral value, ``number`` and ``integer``
never a bool), ``properties``, ``additionalProperties``, ``required``, ``minProperties``, ``propertyNames``,
``items`` (without ``prefixItems``), ``minItems``, ``uniqueItems``, ``minLength`` / ``maxLength`` (code
points), ``pattern`` (Python's ``re.search``, as jsonschema), ``minimum`` / ``maximum``, ``enum`` / ``const``
(``True`` is not ``1``; lists and objects item by item), ``not``, ``allOf``, ``anyOf``, ``oneOf``, ``if`` / ``then``,
local ``$ref`` (``#/$defs/...``), boolean schemas, and the annotations (``title``, ``description``,
``$comment``, ``contentMediaType`` ...).
tests/unit/fastschema_test.py holds it to jsonschema's verdict on generated documents for every schema.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sized
from typing import Any

#: ``check(instance)``: True (passes), False (fails), None (cannot tell: ask jsonschema).
Check = Callable[[Any], "bool | None"]

_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$defs",
        "$comment",
        "title",
        "description",
        "examples",
        "default",
        "deprecated",
        "readOnly",
        "writeOnly",
        "contentMediaType",
        "contentEncoding",
    }
)

_JSON_SCALARS = (str, int, float, bool, type(None))


class Unsupported(Exception):
    """A keyword or form outside the subset: the schema is left to jsonschema."""


def _json_type(value: Any) -> bool:
    return isinstance(value, (dict, list, *_JSON_SCALARS))


def _is_type(name: str, value: Any) -> bool:
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "string":
        return isinstance(value, str)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    if isinstance(value, bool):
        return False
    if name == "integer":
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return isinstance(value, (int, float))  # number


_TYPES = frozenset({"object", "array", "string", "boolean", "null", "integer", "number"})


def _equal(a: Any, b: Any) -> bool | None:
    """jsonschema's ``equal`` on JSON values: ``True`` is not ``1``, lists and objects compare item by item
    (None: a foreign type somewhere, not decided here)."""
    if not _json_type(a) or not _json_type(b):
        return None
    if isinstance(a, str) or isinstance(b, str):
        return bool(a == b)
    if isinstance(a, list) and isinstance(b, list):
        return _all_equal(len(a) == len(b), zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        same = len(a) == len(b) and all(key in b for key in a)
        return _all_equal(same, ((value, b[key]) for key, value in a.items()) if same else ())
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def _every(results: Iterable[bool | None]) -> bool | None:
    """All of three-valued ``results``: False at the first False, else None if any is None, else True."""
    verdict: bool | None = True
    for result in results:
        if result is False:
            return False
        if result is None:
            verdict = None
    return verdict


def _some(results: Iterable[bool | None]) -> bool | None:
    """Any of three-valued ``results``: True at the first True, else None if any is None, else False."""
    verdict: bool | None = False
    for result in results:
        if result is True:
            return True
        if result is None:
            verdict = None
    return verdict


def _all_equal(same: bool, pairs: Any) -> bool | None:
    return _every(_equal(x, y) for x, y in pairs) if same else False


class _Compiler:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.refs: dict[str, Check] = {}

    def ref(self, target: Any) -> Check:
        if not isinstance(target, str) or not target.startswith("#/$defs/"):
            raise Unsupported(f"$ref {target!r}")
        name = target.removeprefix("#/$defs/")
        if "/" in name or "~" in name or "%" in name:
            raise Unsupported(f"$ref {target!r}")
        if name not in self.refs:
            defs = self.root.get("$defs") if isinstance(self.root, dict) else None
            if not isinstance(defs, dict) or name not in defs:
                raise Unsupported(f"$ref {target!r}")
            slot: list[Check] = []
            self.refs[name] = lambda value: slot[0](value)  # recursive definitions resolve lazily
            slot.append(self.compile(defs[name]))
        return self.refs[name]

    def compile(self, schema: Any, top: bool = False) -> Check:
        if schema is True:
            return lambda value: True
        if schema is False:
            return lambda value: False
        if not isinstance(schema, dict):
            raise Unsupported(f"schema {schema!r}")
        if "$id" in schema and not top:
            raise Unsupported("$id below the root")
        checks: list[Check] = []
        for key, arg in schema.items():
            if key in _ANNOTATIONS or key in ("then", "additionalProperties"):
                continue
            if key == "type":
                names = [arg] if isinstance(arg, str) else arg
                if not isinstance(names, list) or not names or any(n not in _TYPES for n in names):
                    raise Unsupported(f"type {arg!r}")
                checks.append(self._type(tuple(names)))
            elif key == "properties":
                if not isinstance(arg, dict):
                    raise Unsupported("properties")
                extra = schema.get("additionalProperties", True)
                checks.append(self._properties(arg, extra))
            elif key == "required":
                if not isinstance(arg, list):
                    raise Unsupported("required")
                checks.append(self._required(tuple(arg)))
            elif key == "minProperties":
                checks.append(self._count(dict, _number(arg), 1))
            elif key == "minItems":
                checks.append(self._count(list, _number(arg), 1))
            elif key == "minLength":
                checks.append(self._count(str, _number(arg), 1))
            elif key == "maxLength":
                checks.append(self._count(str, _number(arg), -1))
            elif key == "minimum":
                checks.append(self._bound(_number(arg), 1))
            elif key == "maximum":
                checks.append(self._bound(_number(arg), -1))
            elif key == "pattern":
                if not isinstance(arg, str):
                    raise Unsupported("pattern")
                checks.append(self._pattern(re.compile(arg).search))
            elif key == "enum":
                if not isinstance(arg, list):
                    raise Unsupported("enum")
                checks.append(self._enum(tuple(arg)))
            elif key == "const":
                checks.append(self._enum((arg,)))
            elif key == "items":
                if "prefixItems" in schema:
                    raise Unsupported("prefixItems")
                checks.append(self._items(self.compile(arg)))
            elif key == "uniqueItems":
                if arg is True:
                    checks.append(self._unique)
                elif arg is not False:
                    raise Unsupported("uniqueItems")
            elif key == "propertyNames":
                checks.append(self._names(self.compile(arg)))
            elif key == "not":
                checks.append(self._not(self.compile(arg)))
            elif key == "allOf":
                checks.append(self._all(self._list(arg)))
            elif key == "oneOf":
                checks.append(self._one(self._list(arg)))
            elif key == "anyOf":
                checks.append(self._any(self._list(arg)))
            elif key == "if":
                then = self.compile(schema["then"]) if "then" in schema else None
                if "else" in schema:
                    raise Unsupported("else")
                checks.append(self._if(self.compile(arg), then))
            elif key == "$ref":
                checks.append(self.ref(arg))
            else:
                raise Unsupported(key)
        if "additionalProperties" in schema and "properties" not in schema:
            checks.append(self._properties({}, schema["additionalProperties"]))
        return self._all(checks)

    def _list(self, arg: Any) -> list[Check]:
        if not isinstance(arg, list) or not arg:
            raise Unsupported("a list of schemas")
        return [self.compile(s) for s in arg]

    @staticmethod
    def _type(names: tuple[str, ...]) -> Check:
        def check(value: Any) -> bool | None:
            if not _json_type(value):
                return None
            return any(_is_type(name, value) for name in names)

        return check

    def _properties(self, props: dict[str, Any], extra: Any) -> Check:
        compiled = {name: self.compile(sub) for name, sub in props.items()}
        rest: Check | bool = extra if extra is True or extra is False else self.compile(extra)

        def check(value: Any) -> bool | None:
            if not isinstance(value, dict):
                return True
            verdict: bool | None = True
            for key, item in value.items():
                sub = compiled.get(key) if isinstance(key, str) else None
                if sub is None:
                    if key in compiled:  # a foreign key type equal to a name: leave it to jsonschema
                        return None
                    if rest is True:
                        continue
                    if rest is False:
                        return False
                    result = rest(item)
                else:
                    result = sub(item)
                if result is False:
                    return False
                if result is None:
                    verdict = None
            return verdict

        return check

    @staticmethod
    def _required(names: tuple[Any, ...]) -> Check:
        def check(value: Any) -> bool | None:
            if not isinstance(value, dict):
                return True
            return all(name in value for name in names)

        return check

    @staticmethod
    def _count(kind: type[Sized], bound: float, sign: int) -> Check:
        def check(value: Any) -> bool | None:
            if not isinstance(value, kind):
                return True
            return len(value) >= bound if sign > 0 else len(value) <= bound

        return check

    @staticmethod
    def _bound(bound: float, sign: int) -> Check:
        def check(value: Any) -> bool | None:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return True if _json_type(value) else None
            return not (value < bound) if sign > 0 else not (value > bound)  # as jsonschema words it (NaN passes)

        return check

    @staticmethod
    def _pattern(search: Callable[[str], Any]) -> Check:
        def check(value: Any) -> bool | None:
            return not isinstance(value, str) or search(value) is not None

        return check

    @staticmethod
    def _enum(options: tuple[Any, ...]) -> Check:
        def check(value: Any) -> bool | None:
            return _some(_equal(option, value) for option in options)

        return check

    @staticmethod
    def _items(sub: Check) -> Check:
        def check(value: Any) -> bool | None:
            return _every(sub(item) for item in value) if isinstance(value, list) else True

        return check

    @staticmethod
    def _unique(value: Any) -> bool | None:
        if not isinstance(value, list):
            return True
        if all(isinstance(item, str) for item in value):
            return len(set(value)) == len(value)
        return None

    @staticmethod
    def _names(sub: Check) -> Check:
        def check(value: Any) -> bool | None:
            return _every(sub(key) for key in value) if isinstance(value, dict) else True

        return check

    @staticmethod
    def _not(sub: Check) -> Check:
        def check(value: Any) -> bool | None:
            result = sub(value)
            return None if result is None else not result

        return check

    @staticmethod
    def _all(subs: list[Check]) -> Check:
        if len(subs) == 1:
            return subs[0]

        def check(value: Any) -> bool | None:
            return _every(sub(value) for sub in subs)

        return check

    @staticmethod
    def _any(subs: list[Check]) -> Check:
        def check(value: Any) -> bool | None:
            return _some(sub(value) for sub in subs)

        return check

    @staticmethod
    def _one(subs: list[Check]) -> Check:
        def check(value: Any) -> bool | None:
            results = [sub(value) for sub in subs]
            passed = results.count(True)
            if passed > 1:
                return False
            if None in results:
                return None
            return passed == 1

        return check

    @staticmethod
    def _if(condition: Check, then: Check | None) -> Check:
        def check(value: Any) -> bool | None:
            if then is None:
                return True
            result = condition(value)
            if result is None:
                return None
            return then(value) if result else True

        return check


def _number(arg: Any) -> float:
    if isinstance(arg, bool) or not isinstance(arg, (int, float)):
        raise Unsupported(f"bound {arg!r}")
    return arg


def compile_schema(schema: Any) -> Check | None:
    """The quick check of ``schema``, or None when it uses anything outside the subset (see the module)."""
    try:
        return _Compiler(schema).compile(schema, top=True)
    except (Unsupported, re.error, RecursionError):
        return None
