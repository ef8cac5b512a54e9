"""The quick "passes" of check/fastschema.py against jsonschema itself, for every schema multus-gen validates
with: wherever the quick check gives a verdict, it is jsonschema's (a "passes" that jsonschema would refuse
would let a wrong document through unchecked). Documents are drawn from each schema -- near-valid ones, with
junk, bools for numbers, floats for integers, extra keys and foreign types mixed in -- and our own output
(the golden files) must be judged "passes" by the quick check, so that a run of ours does not need jsonschema.
"""

from __future__ import annotations

import copy
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from helpers import examples
from multus_gen.build.pipeline import FLEET_SCHEMA, SCHEMAS, render_spec
from multus_gen.check import shape
from multus_gen.check.fastschema import compile_schema
from multus_gen.check.schemas import load_schema, quick_check, schema_names
from multus_gen.model.spec import load_spec

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "files"

SCHEMAS_UNDER_TEST: dict[str, dict[str, Any]] = {name: load_schema(name) for name in schema_names()}
SCHEMAS_UNDER_TEST |= {f"crd-shape {kind}": shape._shape_schema(kind) for kind in ("HelmChart", "HelmChartConfig")}

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.integers(),
    st.sampled_from([0.0, 1.0, 2.5, -1.0, 2147483648.0]),
    st.text(max_size=8),
    st.sampled_from(["", "true", "1", "abort", "v4.3.017", "kube-system", "a" * 64, "https://x", "/var/lib/x"]),
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
FOREIGN = st.sampled_from([(), ("a",), b"x", frozenset()])


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    while isinstance(schema, dict) and "$ref" in schema and len(schema) == 1:
        schema = root["$defs"][schema["$ref"].removeprefix("#/$defs/")]
    return schema


def near(schema: Any, root: dict[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Values that mostly meet ``schema`` and sometimes miss it by a little (or a lot)."""
    schema = _resolve(schema, root)
    miss = st.one_of(JUNK, FOREIGN) if depth < 6 else SCALARS
    if not isinstance(schema, dict) or depth > 6:
        return miss
    options: list[st.SearchStrategy[Any]] = []
    if "$ref" in schema:
        options.append(near({"$ref": schema["$ref"]}, root, depth + 1))
    for key in ("oneOf", "allOf"):
        for sub in schema.get(key, []):
            options.append(near(sub, root, depth + 1))
    if "then" in schema:
        options.append(near(schema["then"], root, depth + 1))
    if "enum" in schema:
        options.append(st.sampled_from(schema["enum"]))
    if "const" in schema:
        options.append(st.just(schema["const"]))
    if "pattern" in schema:
        options.append(st.from_regex(schema["pattern"]).filter(lambda s: len(s) < 80))
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else types
    if "properties" in schema or "object" in types:
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        fields = {k: near(v, root, depth + 1) for k, v in props.items()}
        required = [k for k in schema.get("required", []) if k in fields]
        optional = {k: v for k, v in fields.items() if k not in required}
        extras = (
            st.dictionaries(st.text(min_size=1, max_size=8), near(extra, root, depth + 1), max_size=2)
            if isinstance(extra, dict)
            else st.dictionaries(st.sampled_from(["extra", "kind", "x"]), SCALARS, max_size=1)
        )
        base = st.fixed_dictionaries({k: fields[k] for k in required}, optional=optional)
        options.append(st.builds(lambda a, b, drop: {**b, **a} if not drop else a, base, extras, st.booleans()))
        options.append(st.builds(lambda a, b: {**a, **b}, base, extras))
    if "items" in schema or "array" in types:
        options.append(st.lists(near(schema.get("items", True), root, depth + 1), max_size=3))
        options.append(st.lists(st.sampled_from(["a", "a", "b"]), max_size=3))  # uniqueItems
    if "string" in types:
        options.append(st.text(max_size=10))
    if "integer" in types or "number" in types:
        options.append(st.one_of(st.integers(-2, 3), st.sampled_from([0.0, 1.0, 0.5, True, False, 2147483648])))
    if "boolean" in types:
        options.append(st.booleans())
    if not options:
        options.append(JUNK)
    return st.one_of(*options) | miss if depth else st.one_of(*options)


SPEC = """\
format: {fmt}
cluster: {{k3sVersion: v1.33.5+k3s1}}
networks:
  - {{name: storage, type: macvlan, master: eth1, ipam: {{type: whereabouts, range: 192.168.0.0/24}}}}
  - {{name: lan, type: macvlan, master: eth2, ipam: {{type: dhcp}}}}
  - {{name: local, type: bridge, bridge: br1, node: node-1, ipam: {{type: host-local, ranges: [172.16.0.0/24]}}}}
clusters:
  - name: a
  - name: b
    cluster: {{dataDir: /srv/k3s, k3sVersion: v1.29.10+k3s1}}
    networks:
      - {{name: storage, master: eth3, ipam: {{type: whereabouts, range: 10.1.0.0/24}}}}
"""


@cache
def seeds() -> dict[str, list[Any]]:
    """Our own documents per schema: a two-cluster spec rendered in every format, its values and the spec."""
    out: dict[str, list[Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in ("helmchart", "helmchartconfig", "flux", "argocd", "fleet"):
            path = Path(tmp, f"{fmt}.yaml")
            path.write_text(SPEC.format(fmt=fmt))
            out.setdefault("spec", []).append(yaml.safe_load(path.read_text()))
            for cluster in render_spec(load_spec(path)):
                for manifest in cluster.manifests:
                    for doc in yaml.safe_load_all(manifest.content):
                        if not isinstance(doc, dict):
                            continue
                        if manifest.path.endswith("fleet.yaml"):
                            out.setdefault(FLEET_SCHEMA, []).append(doc)
                            continue
                        out.setdefault(SCHEMAS[(doc["apiVersion"], doc["kind"])], []).append(doc)
                        if doc["kind"] in ("HelmChart", "HelmChartConfig"):
                            out.setdefault(f"crd-shape {doc['kind']}", []).append(doc)
                            values = doc["spec"].get("valuesContent")
                            if values:
                                out.setdefault("rke2-multus-values", []).append(yaml.safe_load(values))
    return out


@st.composite
def mutated(draw: st.DrawFn, docs: list[Any]) -> Any:
    """One of ``docs`` with up to three changes: a value replaced by junk, a key or item dropped, one added."""
    doc = copy.deepcopy(draw(st.sampled_from(docs)))
    for _ in range(draw(st.integers(0, 3))):
        node = doc
        while isinstance(node, (dict, list)) and node:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            key = draw(st.sampled_from(keys))
            child = node[key]
            if isinstance(child, (dict, list)) and child and draw(st.booleans()):
                node = child
                continue
            action = draw(st.sampled_from(["set", "drop", "add"]))
            if action == "set":
                node[key] = draw(st.one_of(JUNK, FOREIGN, st.sampled_from([1.0, True, 0, "", None])))
            elif action == "drop":
                del node[key]
            elif isinstance(node, dict):
                node[draw(st.sampled_from(["extra", "name", "kind", "x"]))] = draw(SCALARS)
            else:
                node.append(draw(SCALARS))
            break
    return doc


@pytest.mark.parametrize("name", sorted(SCHEMAS_UNDER_TEST))
def test_every_schema_compiles(name: str) -> None:
    assert compile_schema(SCHEMAS_UNDER_TEST[name]) is not None  # else every document of it loads jsonschema


@pytest.mark.parametrize("name", sorted(SCHEMAS_UNDER_TEST))
def test_quick_verdicts_are_jsonschemas(name: str) -> None:
    schema = SCHEMAS_UNDER_TEST[name]
    check = compile_schema(schema)
    assert check is not None
    validator = Draft202012Validator(schema)
    seen = {True: 0, False: 0, None: 0}

    @settings(max_examples=examples(400, 60), deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(mutated(seeds()[name]), near(schema, schema)))
    def agree(doc: Any) -> None:
        verdict = check(doc)
        seen[verdict] += 1
        if verdict is not None:
            assert verdict == validator.is_valid(doc), (verdict, doc)

    agree()
    assert seen[True] and seen[False], seen  # both verdicts were put to the test


def test_boundaries_of_types_and_equality() -> None:
    cases: list[tuple[dict[str, Any], Any]] = [
        ({"type": "integer"}, 1.0),
        ({"type": "integer"}, 1.5),
        ({"type": "integer"}, True),
        ({"type": "number"}, False),
        ({"type": ["string", "integer"]}, 3),
        ({"const": True}, 1),
        ({"const": 1}, True),
        ({"const": 1}, 1.0),
        ({"enum": ["a", 0]}, False),
        ({"const": ["a"]}, ["a"]),
        ({"const": ["a"]}, ["a", "b"]),
        ({"const": [1]}, [True]),
        ({"const": {"a": [1.0]}}, {"a": [1]}),
        ({"const": {"a": 1}}, {"b": 1}),
        ({"const": []}, {}),
        ({"enum": [[1], "x"]}, 1),
        ({"not": {"const": True}}, 1),
        ({"minimum": 0, "maximum": 3}, True),
        ({"maximum": 3}, 3.5),
        ({"not": {"minimum": 0}}, float("nan")),
        ({"maxLength": 2}, "ü日"),
        ({"pattern": "^a"}, "ba"),
        ({"pattern": "b"}, "ab"),
        ({"uniqueItems": True}, ["a", "a"]),
        ({"uniqueItems": True}, [1, True]),
        ({"additionalProperties": False}, {"a": 1}),
        ({"properties": {"a": {"type": "string"}}, "additionalProperties": {"type": "integer"}}, {"a": "x", "b": 2}),
        ({"oneOf": [{"type": "string"}, {"pattern": "^a"}]}, "a"),
        ({"oneOf": [{"type": "string"}, {"type": "integer"}]}, 2.0),
        ({"if": {"const": 1}, "then": {"type": "integer"}}, 1.0),
        ({"propertyNames": {"maxLength": 1}}, {"ab": 1}),
        ({"items": {"type": "string"}, "minItems": 1}, []),
        ({"type": "array"}, ()),
    ]
    for schema, doc in cases:
        verdict = compile_schema(schema)
        assert verdict is not None, schema
        got = verdict(doc)
        assert got is None or got == Draft202012Validator(schema).is_valid(doc), (schema, doc, got)


def test_any_of_agrees_with_jsonschema() -> None:
    """anyOf (the chart source keys of the HelmChart, Fleet and spec schemas): passes when one branch passes,
    fails when every branch fails, and cannot tell when no branch passes but one cannot tell."""
    schema = {"anyOf": [{"type": "string", "pattern": "^https://"}, {"type": "string", "pattern": "^oci://"}]}
    check = compile_schema(schema)
    assert check is not None
    for value in ("https://x", "oci://x", "http://x", "", 5, None, ["https://x"]):
        assert check(value) is Draft202012Validator(schema).is_valid(value), value
    assert compile_schema({"anyOf": [{"type": "string"}, {"uniqueItems": True}]}) is not None
    assert compile_schema({"anyOf": [{"type": "string"}, {"uniqueItems": True}]})([{}, {}]) is None


def test_unsupported_keywords_leave_the_schema_to_jsonschema() -> None:
    for schema in (
        {"patternProperties": {"^a": {}}},
        {"format": "date-time"},
        {"$ref": "https://example.com/x"},
        {"properties": {"a": {"$id": "x"}}},
        {"prefixItems": [{}], "items": False},
        {"if": {}, "then": {}, "else": {}},
        {"dependentRequired": {"a": ["b"]}},
    ):
        assert compile_schema(schema) is None, schema


def test_our_rendered_documents_pass_the_quick_check() -> None:
    for name in SCHEMAS_UNDER_TEST:
        check = compile_schema(SCHEMAS_UNDER_TEST[name])
        assert seeds().get(name), name
        for doc in seeds()[name]:
            assert check is not None and check(doc) is True, (name, doc)


def test_our_output_passes_the_quick_check() -> None:
    """Every document of the golden files (our output) is judged "passes" without jsonschema."""
    judged = 0
    for path in sorted(GOLDEN.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not isinstance(doc, dict):
                continue
            name = SCHEMAS.get((doc.get("apiVersion"), doc.get("kind")))
            if name is None and path.name.startswith("format-fleet") and "defaultNamespace" in doc:
                name = FLEET_SCHEMA
            if name is None:
                continue
            check = quick_check(name)
            assert check is not None and check(doc) is True, (path.name, name)
            judged += 1
    assert judged >= 40
