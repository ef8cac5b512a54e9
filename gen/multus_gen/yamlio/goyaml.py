"""Plain YAML scalars as Kubernetes and helm read them, not as PyYAML (YAML 1.1) does (FACTS 10).

helm, kubectl, helm-controller and the K3s deploy controller all read YAML through Go's yaml.v2 (via
sigs.k8s.io/yaml, which turns it into JSON), and helm then holds every number as a JSON number (float64).
So a user's ``-f`` file, a spec's ``chart.values`` or a HelmChart's ``valuesContent`` means what this module
says -- measured against ``helm_python.values_from_yaml`` (tests/unit/goyaml_test.py):

* null: empty, ``~``, ``null``, ``Null``, ``NULL``; booleans: ``y Y yes Yes YES on On ON true True TRUE`` and
  ``n N no No NO off Off OFF false False FALSE`` (``yES``, ``tRUE`` stay strings);
* numbers: Go's ``ParseInt(s, 0, 64)`` (``0x``, ``0o``, ``0b`` prefixes, a leading ``0`` is octal: ``0777`` is
  511), then ``ParseUint``, then a float of YAML's shape (``1e3``, ``08``, ``0.``, ``.5``); ``_`` is ignored;
  an out-of-range float (``1e400``) stays a string; then the JSON round trip: an integral number below 1e21 is
  an int (``3.0`` is 3; ints beyond 2**53 lose precision as in float64), anything else a float;
* no sexagesimal numbers (``12:30`` is a string) and no dates (``2024-01-01`` is a string);
* ``.inf``, ``.nan`` and the like are refused, as helm refuses them ("unsupported value").

Quoted scalars are strings; explicit tags (``!!str``, ``!!int``) keep PyYAML's meaning.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

import yaml

#: The tag our loaders give every plain scalar; its constructor is :func:`go_scalar`.
PLAIN_TAG = "tag:multus-gen,2026:go-plain"

_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"})
_FALSE = frozenset({"n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"})
_SPECIAL_FLOATS = frozenset(
    {".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF"}
)
_YAML_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1


class UnsupportedValue(ValueError):
    """A value helm cannot hold (NaN, infinity)."""


_DIGITS = {
    16: re.compile(r"^[0-9a-fA-F]+$"),
    8: re.compile(r"^[0-7]+$"),
    2: re.compile(r"^[01]+$"),
    10: re.compile(r"^[0-9]+$"),
}


def _go_parse_int(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 0, 64)``, then ``ParseUint`` (None where both fail)."""
    sign, body = (-1, text[1:]) if text[:1] == "-" else (1, text[1:] if text[:1] == "+" else text)
    prefix = body[:2].lower()
    if prefix in ("0x", "0o", "0b"):
        base, digits = {"0x": 16, "0o": 8, "0b": 2}[prefix], body[2:]
    elif body[:1] == "0" and len(body) > 1:
        base, digits = 8, body[1:]
    else:
        base, digits = 10, body
    if not _DIGITS[base].match(digits):
        return None
    value = sign * int(digits, base)
    if _INT64[0] <= value <= _INT64[1] or (text[:1] != "-" and 0 <= value <= _UINT64_MAX):
        return value
    return None


def _json_number(value: float) -> int | float:
    """What a number is after helm's JSON round trip: float64, integral below 1e21 printed as an int."""
    if math.isnan(value) or math.isinf(value):
        raise UnsupportedValue("unsupported value: NaN or infinity (helm refuses it)")
    if value.is_integer() and abs(value) < 1e21:
        return int(Decimal(repr(value)))
    return value


def json_value(data: Any) -> Any:
    """A JSON document as helm holds it (Go's encoding/json into interface{}: every number a float64)."""
    if isinstance(data, bool) or data is None or isinstance(data, str):
        return data
    if isinstance(data, (int, float)):
        return _json_number(float(data))
    if isinstance(data, list):
        return [json_value(item) for item in data]
    return {key: json_value(value) for key, value in data.items()}


def go_scalar(text: str) -> Any:
    """A plain scalar's value as helm reads it (see the module docstring)."""
    if text in _NULL:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text in _SPECIAL_FLOATS:
        raise UnsupportedValue(f"unsupported value {text} (helm refuses NaN and infinity)")
    first = text[0]
    if first == ".":
        if _YAML_FLOAT.match(text):
            return _json_number(float(text))
        return text
    if not (first.isdigit() or first in "+-"):
        return text
    plain = text.replace("_", "")
    number = _go_parse_int(plain)
    if number is not None:
        return _json_number(float(number))
    if _YAML_FLOAT.match(plain):
        value = float(plain)
        if not math.isinf(value):  # Go: out of range is an error, the text stays a string
            return _json_number(value)
    return text


def go_key(key: Any) -> Any:
    """A mapping key as sigs.k8s.io/yaml makes it a JSON object key: booleans, null and numbers as their text
    (``true``, ``null``, ``16``); strings unchanged; anything else (a list as a key) is left for the caller."""
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return str(int(key)) if key.is_integer() and abs(key) < 1e21 else repr(key)
    return key


def resolve(loader: Any, kind: type, value: Any, implicit: tuple[bool, bool]) -> str:
    """``Resolver.resolve`` with every plain (unquoted, untagged) scalar given :data:`PLAIN_TAG`."""
    if kind is yaml.ScalarNode and implicit[0]:
        return PLAIN_TAG
    resolved: str = yaml.resolver.Resolver.resolve(loader, kind, value, implicit)  # type: ignore[no-untyped-call]
    return resolved


def construct_plain(loader: Any, node: yaml.ScalarNode) -> Any:
    text = loader.construct_scalar(node)
    try:
        return go_scalar(text)
    except UnsupportedValue as exc:
        raise yaml.constructor.ConstructorError(None, None, str(exc), node.start_mark) from None
