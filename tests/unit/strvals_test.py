"""Tests for multus_gen.values.strvals: helm's --set / --set-string grammar.

The table tests are written from helm's grammar (pkg/strvals, FACTS 10); the property tests check
escaping round-trips and, differentially, that we agree with the real helm parser (helm_python).
"""

from __future__ import annotations

import json
import re
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import examples
from multus_gen.errors import InputError
from multus_gen.values.strvals import MAX_INDEX, parse_set


def _canon(value: Any) -> str:
    """Strict comparison form: json tells True from 1 and None from "null", unlike ==."""
    return json.dumps(value, sort_keys=True)


# -- the table ---------------------------------------------------------------------------------

GAP = None  # a list gap helm fills with null


def _nest(depth: int, leaf: Any) -> Any:
    value = leaf
    for _ in range(depth):
        value = {"k": value}
    return value


SET_CASES: list[tuple[str, dict[str, Any]]] = [
    ("", {}),
    ("a=b", {"a": "b"}),
    ("a.b=c", {"a": {"b": "c"}}),
    ("a.b=1,a.c=2", {"a": {"b": 1, "c": 2}}),
    ("a=1,b=2,c=3", {"a": 1, "b": 2, "c": 3}),
    ("a=1,", {"a": 1}),  # a trailing comma is fine
    ("a=", {"a": ""}),
    ("a=,b=", {"a": "", "b": ""}),
    ("a=b=c", {"a": "b=c"}),
    ("a=x.y[0]", {"a": "x.y[0]"}),
    # escapes
    (r"a\.b=c", {"a.b": "c"}),
    (r"a\=b=c", {"a=b": "c"}),
    (r"a=x\,y", {"a": "x,y"}),
    (r"a=x\\y", {"a": "x\\y"}),
    ("a=b\\", {"a": "b"}),  # a backslash at the very end is dropped
    (r"a=\{1\,2}", {"a": "{1,2}"}),  # an escaped brace is not a list
    # typing
    ("a=true,b=FALSE,c=True,d=nULL", {"a": True, "b": False, "c": True, "d": None}),
    ("a=\u017ftrue,b=fal\u017fe", {"a": "\u017ftrue", "b": False}),  # Go's EqualFold: long s is an s
    ("a=0,b=1,c=-5,d=+5,e=-0,f=-05", {"a": 0, "b": 1, "c": -5, "d": 5, "e": 0, "f": -5}),
    (
        "a=007,b=00,c=0x10,d=1e3,e=1.5,f=1_000",
        {"a": "007", "b": "00", "c": "0x10", "d": "1e3", "e": "1.5", "f": "1_000"},
    ),
    ("a= 5,b=5 ,c=-,d=+,e=\u0663", {"a": " 5", "b": "5 ", "c": "-", "d": "+", "e": "\u0663"}),
    ("a=9223372036854775807", {"a": 2**63 - 1}),
    ("a=-9223372036854775808", {"a": -(2**63)}),
    ("a=9223372036854775808", {"a": "9223372036854775808"}),  # int64 overflow stays a string
    ("a=-9223372036854775809", {"a": "-9223372036854775809"}),
    ("a=nulls,b=truex,c=NULL ", {"a": "nulls", "b": "truex", "c": "NULL "}),
    # list values
    ("a={1,two,true}", {"a": [1, "two", True]}),
    ("a={1,2},b=3", {"a": [1, 2], "b": 3}),
    ("a={}", {"a": [""]}),
    ("a={,}", {"a": ["", ""]}),
    (r"a={x\,y,z}", {"a": ["x,y", "z"]}),
    ("a=}", {"a": "}"}),
    ("a=x{1}", {"a": "x{1}"}),
    # list indexes
    ("l[0]=x", {"l": ["x"]}),
    ("l[2]=x", {"l": [GAP, GAP, "x"]}),
    ("l[1]=x,l[0]=y", {"l": ["y", "x"]}),
    ("l[+1]=x", {"l": [GAP, "x"]}),
    ("l[007]=x", {"l": [GAP] * 7 + ["x"]}),
    ("l[-0]=x", {"l": ["x"]}),
    (r"l[\1]=x", {"l": [GAP, "x"]}),
    ("l[0]=", {"l": [""]}),
    ("l[0]==", {"l": ["="]}),
    ("l[0]={1,2}", {"l": [[1, 2]]}),
    ("l[0].k=v", {"l": [{"k": "v"}]}),
    ("l[0].k=v,l[0].j=w", {"l": [{"k": "v", "j": "w"}]}),
    ("l[1].k=v", {"l": [GAP, {"k": "v"}]}),
    ("l[1][0]=x", {"l": [GAP, ["x"]]}),
    ("l[0][1][2]=x", {"l": [[GAP, [GAP, GAP, "x"]]]}),
    ("l[1]=x,l[0][0]=1", {"l": [[1], "x"]}),
    ("l[0]={1},l[0][2]=3", {"l": [[1, GAP, 3]]}),
    ("a.l[0].b.m[1]=x", {"a": {"l": [{"b": {"m": [GAP, "x"]}}]}}),
    ("l={a,b},l[3]=d", {"l": ["a", "b", GAP, "d"]}),
    # later items replace scalars and lists, merge maps
    ("a=1,a=2", {"a": 2}),
    ("a.b=1,a=2", {"a": 2}),
    ("a=1,a={x}", {"a": ["x"]}),
    ("l[0]=1,l[0].a=2", {"l": [{"a": 2}]}),  # in a list, '.' replaces a non-map element
    ("l[0]=1,l[0]=", {"l": [""]}),
    # empty keys are parsed and dropped
    (".a=1", {}),
    ("[0]=1", {}),
    # input ending inside a key path is not an error (helm's io.EOF ends the parse)
    ("l[0].a=", {"l": []}),
    ("l[0].a=,", {"l": [{"a": ""}]}),
    ("l[0][0]=", {"l": [[""]]}),
    # the deepest allowed nesting: 30 '.' levels
    (".".join(["k"] * 31) + "=1", _nest(31, 1)),
    ("l[65536]=x", {"l": [GAP] * 65536 + ["x"]}),
]

SET_STRING_CASES: list[tuple[str, dict[str, Any]]] = [
    ("a=1,b=true,c=null,d=007,e=-5", {"a": "1", "b": "true", "c": "null", "d": "007", "e": "-5"}),
    ("a={1,true},b=", {"a": ["1", "true"], "b": ""}),
    ("l[1]=2,m.n=0", {"l": [GAP, "2"], "m": {"n": "0"}}),
    ("a={}", {"a": [""]}),
]

# (expression, text the message must mention)
ERROR_CASES: list[tuple[str, str]] = [
    ("a", 'key "a" has no value'),
    ("a=1,b", 'key "b" has no value'),
    ("a\\", 'key "a" has no value'),
    ("a.b", 'key "a.b" has no value'),
    ("l[0].a", 'key "l[0].a" has no value'),
    ("a,b=1", 'key "a" has no value'),
    ("a=1,,b=2", "empty item"),
    (",a=1", "empty item"),
    ("a..b=1", "no key after"),
    ("a.=1", "no key after"),
    ("l[-1]=x", "negative"),
    ("l[-1]", "negative"),
    ("l[0][-2]=x", "negative"),
    ("l[65537]=x", "above helm's maximum of 65536"),
    ("l[70000].a=1", "above helm's maximum"),
    ("l[2][70000]=1", "above helm's maximum"),
    ("l[x]=1", "not a base-10 integer"),
    ("l[]=1", "not a base-10 integer"),
    ("l[ 1]=1", "not a base-10 integer"),
    ("l[1e1]=1", "not a base-10 integer"),
    ("l[0x1]=1", "not a base-10 integer"),
    ("l[\u0663]=1", "not a base-10 integer"),
    ("l[9223372036854775808]=1", "out of range"),
    ("l[0]x=1", "after list index"),
    ("l[0],b=1", "after list index"),
    ("a={1,2", "no closing '}'"),
    (r"a={1,2\}", "no closing '}'"),
    ("a={1}x", 'key "x" has no value'),
    ("a=1,a.b=2", 'cannot use "a" as a map: it already holds'),
    ("a=1,a.", "as a map"),
    ("a=null,a.b=1", 'cannot use "a" as a map'),
    ("a=x,a[0]=1", "as a list: it already holds the string"),
    ("a=1,a[0]", "as a list"),
    ("a[0]=1,a.b=2", "as a map: it already holds a list"),
    ("a.b=1,a[0]=1", "as a list: it already holds a map"),
    ("l[0]=x,l[0][0]=1", 'cannot use "l[0]" as a list'),
    ("l[0]=1,l[0][1]", "as a list"),
    (".".join(["k"] * 32) + "=1", "deeper than helm's limit of 30"),
    (".".join(["k"] * 32) + ".", "deeper than helm's limit of 30"),
]


#: Items helm drops silently (an empty key, an index or key path the input ends in, a path with no value):
#: (expression, what helm makes of it). multus-gen refuses them -- a value that silently never reaches the chart
#: is the worst outcome of a typo -- naming the item.
DROPPED_BY_HELM: list[tuple[str, dict[str, Any]]] = [
    ("a={1}=x", {"a": [1]}),  # after '}' the next item starts: key "" is dropped
    ("=5", {}),
    ("a.b=1,a.=3", {"a": {"b": 1}}),
    ("a.", {}),
    ("a.=", {}),
    ("l[0", {}),
    ("a=1,l[5", {"a": 1}),
    ("a=1,a[0", {"a": 1}),
    ("l[0]", {"l": []}),
    ("l[70000]", {"l": []}),
    ("l[70000][0", {"l": []}),
    ("l[1]=2,l[0]", {"l": [GAP, 2]}),
    ("l[0]=1,l[0].", {"l": [{}]}),
    ("\\", {}),
]


@pytest.mark.parametrize(("expr", "helm_result"), DROPPED_BY_HELM)
def test_items_helm_drops_are_refused(expr: str, helm_result: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="sets no value") as caught:
        parse_set(expr)
    assert "\n" not in caught.value.one_line()


def test_helm_really_drops_them(helm: ModuleType) -> None:
    for expr, helm_result in DROPPED_BY_HELM:
        assert _helm(helm, expr, False) == ("ok", _canon(helm_result)), expr


@pytest.mark.parametrize(("expr", "expected"), SET_CASES)
def test_set_table(expr: str, expected: dict[str, Any]) -> None:
    assert _canon(parse_set(expr)) == _canon(expected)


@pytest.mark.parametrize(("expr", "expected"), SET_STRING_CASES)
def test_set_string_table(expr: str, expected: dict[str, Any]) -> None:
    assert _canon(parse_set(expr, string_values=True, flag="--set-string")) == _canon(expected)


@pytest.mark.parametrize("flag", ["--set", "--set-string"])
@pytest.mark.parametrize(("expr", "mentions"), ERROR_CASES)
def test_errors(expr: str, mentions: str, flag: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_set(expr, string_values=flag == "--set-string", flag=flag)
    err = caught.value
    assert err.where == flag
    assert "\n" not in err.message
    assert mentions in err.message
    assert err.fix
    line = err.one_line()
    assert line.startswith(f"{flag}: ")
    assert "\n" not in line


@pytest.mark.parametrize(
    ("expr", "holds"),
    [("a=1,a.b=2", "the integer 1"), ("a=null,a.b=1", "null"), ("a=TRUE,a.b=1", "the boolean true")],
)
def test_conflict_names_what_is_there(expr: str, holds: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_set(expr)
    assert f'cannot use "a" as a map: it already holds {holds}' in caught.value.message


def test_error_message_stays_one_line_for_control_characters() -> None:
    with pytest.raises(InputError) as caught:
        parse_set("a\nb\r\tc")
    assert "\n" not in caught.value.message
    assert "\r" not in caught.value.message


# -- repeated flags and `into` -----------------------------------------------------------------


def test_into_is_updated_in_place_and_returned() -> None:
    values: dict[str, Any] = {"a": {"b": 1}, "l": [1]}
    result = parse_set("a.c=2,l[2]=3", into=values)
    assert result is values
    assert values == {"a": {"b": 1, "c": 2}, "l": [1, None, 3]}


def test_repeated_flags_apply_left_to_right() -> None:
    values: dict[str, Any] = {}
    for expr in ["a.b=1", "a.c=x", "l[1]=y", "a.b=2", "l[0].k=v"]:
        values = parse_set(expr, into=values)
    assert values == {"a": {"b": 2, "c": "x"}, "l": [{"k": "v"}, "y"]}
    values = parse_set("a.b=007", into=values, string_values=True, flag="--set-string")
    assert values["a"]["b"] == "007"


@pytest.mark.parametrize(
    ("first", "second"),
    [("a=1", "a.b=2"), ("a=1", "a[0]=2"), ("a.b=1", "a[0]=x"), ("a=null", "a.b=1")],
)
def test_repeated_flags_cannot_walk_through_a_scalar(first: str, second: str) -> None:
    values = parse_set(first)
    with pytest.raises(InputError) as caught:
        parse_set(second, into=values, flag="--set-string", string_values=True)
    assert caught.value.where == "--set-string"


def test_failed_expression_leaves_into_unchanged() -> None:
    values: dict[str, Any] = {"a": {"b": 1}, "l": [1, {"k": 2}], "s": "x"}
    before = json.dumps(values, sort_keys=True)
    for bad in ["a.c=2,l[5]=9,l[1].j=3,l[0].m=1,s.t=1", "n=1,l[0][1]=2", "a.d=1,a={1", "l[3]=1,l[-1]=2"]:
        with pytest.raises(InputError):
            parse_set(bad, into=values)
        assert json.dumps(values, sort_keys=True) == before


def test_deep_list_nesting_does_not_recurse() -> None:
    # helm accepts any depth of [0][0]...; we walk it without Python recursion.
    depth = 5000
    value: Any = parse_set("l" + "[0]" * depth + "=1")["l"]
    for _ in range(depth - 1):
        assert isinstance(value, list)
        value = value[0]
    assert value == [1]


# -- property: escaping round-trips ------------------------------------------------------------

_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)
_KEY = st.text(st.characters(codec="utf-8"), min_size=1, max_size=8)
_INDEX = st.integers(min_value=0, max_value=12)
_INT_SYNTAX = re.compile(r"[+-]?[0-9]+")


def _escape_key(key: str) -> str:
    return re.sub(r"([\\=\[\],.])", r"\\\1", key)


def _escape_value(value: str) -> str:
    escaped = re.sub(r"([\\,])", r"\\\1", value)
    return "\\" + escaped if escaped.startswith("{") else escaped


def _render_path(first: str, rest: list[str | int]) -> str:
    out = _escape_key(first)
    for segment in rest:
        out += f"[{segment}]" if isinstance(segment, int) else "." + _escape_key(segment)
    return out


def _build(rest: list[str | int], leaf: Any) -> Any:
    value = leaf
    for segment in reversed(rest):
        value = [None] * segment + [value] if isinstance(segment, int) else {segment: value}
    return value


def _untyped(text: str) -> bool:
    """A string --set leaves a string (by the grammar, not by our implementation)."""
    return text.lower() not in ("true", "false", "null") and not _INT_SYNTAX.fullmatch(text)


# A --set value and what it means: typed scalars rendered as text, or strings that stay strings.
_SET_VALUE = st.one_of(
    st.integers(min_value=1, max_value=2**63 - 1).map(lambda n: (str(n), n)),
    st.integers(min_value=-(2**63), max_value=-1).map(lambda n: (str(n), n)),
    st.just(("0", 0)),
    st.sampled_from(["true", "True", "TRUE", "false", "False", "fAlSe"]).map(lambda s: (s, s.lower() == "true")),
    st.sampled_from(["null", "Null", "NULL"]).map(lambda s: (s, None)),
    _TEXT.filter(_untyped).map(lambda s: (s, s)),
)

_ITEMS = st.dictionaries(
    _KEY,
    st.tuples(st.lists(st.one_of(_KEY, _INDEX), max_size=6), _SET_VALUE, _TEXT),
    min_size=1,
    max_size=4,
)


@settings(max_examples=examples(300))
@given(items=_ITEMS)
def test_property_escaped_paths_round_trip(
    items: dict[str, tuple[list[str | int], tuple[str, Any], str]],
) -> None:
    # Each item ends with ',': helm stops quietly when the input ends right after "=" (so "l[0].k="
    # at the very end leaves l empty, see SET_CASES); the trailing comma itself is allowed.
    set_expr = "".join(
        f"{_render_path(first, rest)}={_escape_value(text)}," for first, (rest, (text, _), _) in items.items()
    )
    expected = {first: _build(rest, value) for first, (rest, (_, value), _) in items.items()}
    assert _canon(parse_set(set_expr)) == _canon(expected)

    string_expr = "".join(
        f"{_render_path(first, rest)}={_escape_value(raw)}," for first, (rest, _, raw) in items.items()
    )
    expected_strings = {first: _build(rest, raw) for first, (rest, _, raw) in items.items()}
    result = parse_set(string_expr, string_values=True, flag="--set-string")
    assert _canon(result) == _canon(expected_strings)


# -- property: differential against the real helm parser ---------------------------------------


@pytest.fixture(scope="module")
def helm(require_real: Any) -> ModuleType:
    try:
        import helm_python
    except ImportError:
        require_real("helm-python-sdk is not installed (pip install helm-python-sdk)")
    return helm_python


def _ours(expr: str, string_values: bool) -> tuple[str, str]:
    try:
        return "ok", _canon(parse_set(expr, string_values=string_values))
    except InputError as err:
        assert "\n" not in err.one_line()
        return "error", ""


def _helm(helm: ModuleType, expr: str, string_values: bool) -> tuple[str, str]:
    parse = helm.parse_set_string_values if string_values else helm.parse_set_string
    try:
        return "ok", _canon(parse(expr))
    except helm.HelmValuesError:
        return "error", ""


_G_KEY = st.sampled_from(["a", "b", "l", "", "a\\.b", "x\\,", "\\=", "\\"])
_G_INDEX = st.sampled_from(["0", "1", "2", "3", "-1", "+1", "007", "-0", "", "x", " 1", "\\1", "65537", "1e1"])
_G_VALUE = st.sampled_from(
    [
        "", "1", "0", "-5", "+5", "007", "0x10", "1e3", "true", "FALSE", "NULL", "x", "a b", "=", "{1,2}",
        "{}", "{a", "{a\\,b,true}", "}", "a\\,b", "b\\", "9223372036854775808", "-9223372036854775808",
    ]
)  # fmt: skip
_G_SEGMENT = st.one_of(
    _G_KEY.map(lambda k: "." + k),
    _G_INDEX.map(lambda i: f"[{i}]"),
    _G_INDEX.map(lambda i: f"[{i}"),  # unterminated index
)
_G_ITEM = st.one_of(
    st.tuples(_G_KEY, st.lists(_G_SEGMENT, max_size=4), _G_VALUE).map(lambda t: f"{t[0]}{''.join(t[1])}={t[2]}"),
    st.tuples(_G_KEY, st.lists(_G_SEGMENT, max_size=4)).map(lambda t: t[0] + "".join(t[1])),  # no '='
)
_G_EXPR = st.lists(_G_ITEM, max_size=5).map(",".join)
_G_SOUP = st.text(st.sampled_from("ab01-.=[],{}\\ "), max_size=24)  # random text over the grammar's characters
# No NUL: helm_python hands the text to Go as a C string, which ends at the first NUL (and a NUL cannot
# reach us through argv either).
_G_RANDOM = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=16)


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expr=st.one_of(_G_EXPR, _G_EXPR, _G_SOUP, _G_RANDOM), string_values=st.booleans())
def test_property_matches_helm(helm: ModuleType, expr: str, string_values: bool) -> None:
    try:
        parse_set(expr, string_values=string_values)
    except InputError as err:
        if "sets no value" in err.message:  # the one deliberate difference: helm drops the item (or fails later)
            return
    assert _ours(expr, string_values) == _helm(helm, expr, string_values), expr


# Well-formed items (complete KEY=VALUE, no trailing backslash, no empty value: "l[0].k=" at the end of
# a flag is helm's quiet early stop, but not before a ','), so that applying them flag by flag is the
# same as helm parsing them joined by ',' (helm's ParseInto runs the same parser into one map).
_W_ITEM = st.tuples(
    st.sampled_from(["a", "b", "l"]),
    st.lists(st.one_of(st.sampled_from([".a", ".b", ".l"]), st.sampled_from(["[0]", "[1]", "[2]"])), max_size=3),
    st.sampled_from(["1", "x", "null", "{1,2}", "{}", "007"]),
).map(lambda t: f"{t[0]}{''.join(t[1])}={t[2]}")


@settings(max_examples=examples(300), deadline=None)
@given(exprs=st.lists(st.lists(_W_ITEM, min_size=1, max_size=3).map(",".join), min_size=1, max_size=4))
def test_property_repeated_flags_match_helm(helm: ModuleType, exprs: list[str]) -> None:
    values: dict[str, Any] = {}
    try:
        for expr in exprs:
            values = parse_set(expr, into=values)
        ours = ("ok", _canon(values))
    except InputError:
        ours = ("error", "")
    assert ours == _helm(helm, ",".join(exprs), False), exprs


def test_helm_agrees_with_the_table(helm: ModuleType) -> None:
    for expr, _ in SET_CASES:
        if expr.startswith("l[65536]"):
            continue  # fine in helm too, just big
        assert _ours(expr, False) == _helm(helm, expr, False), expr
    for expr, _ in SET_STRING_CASES:
        assert _ours(expr, True) == _helm(helm, expr, True), expr
    for expr, _ in ERROR_CASES:
        assert _helm(helm, expr, False)[0] == "error", expr


def test_max_index_is_helms() -> None:
    assert MAX_INDEX == 65536
