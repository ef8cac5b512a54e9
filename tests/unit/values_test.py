"""Values composition: overlays ship and parse, merge semantics (FACTS.md 10), user sources."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import examples
from multus_gen.values.compose import load_overlay, merge, overlay_names, sort_keys

PARAMS = {"conf_dir": "/c", "bin_dir": "/b", "multus_kubeconfig": "/c/k", "data_dir": "/d"}


def test_every_overlay_ships_and_fills_placeholders() -> None:
    names = overlay_names()
    for expected in (
        "distro/k3s",
        "distro/rke2",
        "ipam/host-local",
        "ipam/whereabouts",
        "ipam/dhcp",
        "gates/multus-autoconfig-dir",
        "crd/whereabouts",
    ):
        assert expected in names
    for name in names:
        data = load_overlay(name, PARAMS)
        assert isinstance(data, dict)
        assert "{" not in repr(data).replace("{'", "").replace("{}", "")  # no placeholder left


def test_k3s_overlay() -> None:
    assert load_overlay("distro/k3s", PARAMS) == {
        "config": {"cni_conf": {"confDir": "/c", "binDir": "/b", "kubeconfig": "/c/k"}}
    }


def test_merge_rules() -> None:
    base = {"m": {"a": 1, "b": {"c": 2}}, "l": [1, 2], "s": "x", "n": 1}
    over = {"m": {"b": {"d": 3}}, "l": [3], "s": None, "new": {"k": "v"}}
    assert merge(base, over) == {
        "m": {"a": 1, "b": {"c": 2, "d": 3}},
        "l": [3],
        "s": None,
        "n": 1,
        "new": {"k": "v"},
    }
    # a map replaces a scalar and the other way round
    assert merge({"a": 1}, {"a": {"b": 1}}) == {"a": {"b": 1}}
    assert merge({"a": {"b": 1}}, {"a": 2}) == {"a": 2}


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=5)),
    lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(st.sampled_from("abcde"), c, max_size=3)),
    max_leaves=12,
)
maps = st.dictionaries(st.sampled_from("abcde"), json_values, max_size=4)


def _leaves(d: Any, prefix: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], Any]:
    if isinstance(d, dict) and d:
        out: dict[tuple[Any, ...], Any] = {}
        for k, v in d.items():
            out.update(_leaves(v, (*prefix, k)))
        return out
    return {prefix: d}


@settings(max_examples=examples(400), deadline=None)
@given(maps, maps, maps)
def test_merge_properties(a: dict[str, Any], b: dict[str, Any], c: dict[str, Any]) -> None:
    # (not associative: helm folds sources left to right, and a later scalar or null replaces a map)
    a0, b0 = copy.deepcopy(a), copy.deepcopy(b)
    merged = merge(a, b)
    assert a == a0 and b == b0  # inputs untouched
    assert merge(merged, b) == merged  # idempotent
    assert merge(a, {}) == a and merge({}, b) == b
    # every leaf of b wins, whatever a held
    for path, value in _leaves(b).items():
        node: Any = merged
        for key in path:
            node = node[key]
        assert node == value or (value == {} and isinstance(node, dict))


def test_sort_keys_is_recursive() -> None:
    assert list(sort_keys({"b": 1, "a": {"d": 1, "c": [{"z": 1, "y": 2}]}})) == ["a", "b"]
    assert list(sort_keys({"a": {"d": 1, "c": 2}})["a"]) == ["c", "d"]
    assert list(sort_keys({"a": [{"z": 1, "y": 2}]})["a"][0]) == ["y", "z"]
