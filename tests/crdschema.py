"""Upstream CRDs as JSON Schemas, for tests: the API server's view of a document.

Converts a CRD version's ``openAPIV3Schema`` (OpenAPI v3 dialect with Kubernetes extensions) to a JSON
Schema that ``jsonschema`` can run:

* ``nullable: true`` adds ``null`` to the type (or to the ``anyOf`` of an int-or-string);
* ``x-kubernetes-int-or-string: true`` becomes ``anyOf [integer, string]``;
* ``x-kubernetes-preserve-unknown-fields: true`` keeps unknown fields; every other object with
  ``properties`` gets ``additionalProperties: false`` (the API server prunes, and with strict field
  validation rejects, unknown fields: a field it does not know is a field that does nothing);
* ``x-kubernetes-list-type: set`` becomes ``uniqueItems``; ``x-kubernetes-list-type: map`` checks that no
  two items share their ``x-kubernetes-list-map-keys`` (the API server rejects duplicates of both);
* ``apiVersion``/``kind`` are pinned to the CRD's group/version and kind; ``metadata`` gets the ObjectMeta
  rules for name and namespace;
* ``x-kubernetes-validations`` (CEL) are not evaluated. In the helm.cattle.io CRDs they are transition rules
  (``oldSelf``: immutability on update) that never apply to a create; other CRDs (Flux) carry rules that do
  apply on create: ``cel_rules()`` lists them so a test can tell which ones this module ignores.
* ``format`` (int32, int64, date-time) is not checked.

``crd_errors(..., as_apiserver=True)`` first does what the API server does to a request body before it
validates it (k8s.io/apiextensions-apiserver, pkg/apiserver/schema/defaulting): a ``null`` under a
non-nullable field is dropped (``PruneNonNullableNullsWithoutDefaults``), or replaced by the field's
``default`` when it has one; a ``null`` inside ``metadata`` decodes to the Go zero value (dropped here).
Without it (the default), a ``null`` where the schema says ``string`` is an error: stricter than the API
server, which is what a generator's own output should meet anyway.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator, ValidationError, validators

DNS1123_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
#: Custom keyword carrying ``x-kubernetes-list-map-keys`` of a ``list-type: map`` into the JSON Schema.
LIST_MAP_KEYS = "x-kubernetes-list-map-keys"


def _convert(node: Any) -> Any:
    if isinstance(node, list):
        return [_convert(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties", "definitions", "$defs"):
            out[key] = {k: _convert(v) for k, v in value.items()}
        elif key == "x-kubernetes-validations" or key.startswith("x-kubernetes-list") or key == "x-kubernetes-map-type":
            continue
        else:
            out[key] = _convert(value)
    list_type = node.get("x-kubernetes-list-type")
    if list_type == "set":
        out["uniqueItems"] = True
    elif list_type == "map" and node.get(LIST_MAP_KEYS):
        out[LIST_MAP_KEYS] = list(node[LIST_MAP_KEYS])
    nullable = out.pop("nullable", False)
    if out.pop("x-kubernetes-int-or-string", False) and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if nullable:
        if "type" in out:
            out["type"] = [out["type"], "null"]
        elif "anyOf" in out:
            out["anyOf"] = [*out["anyOf"], {"type": "null"}]
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def _list_map_keys(validator: Any, keys: list[str], instance: Any, schema: dict[str, Any]) -> Iterator[ValidationError]:
    if not validator.is_type(instance, "array"):
        return
    seen: dict[tuple[str, ...], int] = {}
    for index, item in enumerate(instance):
        if not isinstance(item, dict):
            continue
        key = tuple(repr(item.get(k)) for k in keys)
        if key in seen:
            yield ValidationError(
                f"items {seen[key]} and {index} have the same list-map key(s) {', '.join(keys)}: duplicate entries"
            )
        else:
            seen[key] = index


_CrdValidator = validators.extend(Draft202012Validator, {LIST_MAP_KEYS: _list_map_keys})


@cache
def load_crd(path: Path) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: same safe loader
        crd: dict[str, Any] = next(d for d in yaml.load_all(fh, Loader=loader) if d)
    return crd


def _version(crd: dict[str, Any], version: str | None) -> dict[str, Any]:
    versions = crd["spec"]["versions"]
    chosen: dict[str, Any] = (
        next(v for v in versions if v["name"] == version) if version else next(v for v in versions if v.get("storage"))
    )
    return chosen


def crd_json_schema(crd: dict[str, Any], version: str | None = None) -> dict[str, Any]:
    spec = crd["spec"]
    chosen = _version(crd, version)
    schema = _convert(copy.deepcopy(chosen["schema"]["openAPIV3Schema"]))
    props = schema.setdefault("properties", {})
    props["apiVersion"] = {"const": f"{spec['group']}/{chosen['name']}"}
    props["kind"] = {"const": spec["names"]["kind"]}
    meta: dict[str, Any] = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "maxLength": 253, "pattern": DNS1123_SUBDOMAIN},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    if spec.get("scope") == "Namespaced":
        meta["properties"]["namespace"] = {"type": "string", "maxLength": 63, "pattern": DNS1123_LABEL}
    props["metadata"] = meta
    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


@cache
def crd_validator(path: Path, version: str | None = None) -> Draft202012Validator:
    schema = crd_json_schema(load_crd(path), version)
    _CrdValidator.check_schema(schema)
    validator: Draft202012Validator = _CrdValidator(schema)
    return validator


def _field_schema(schema: Any, key: str) -> Any:
    if not isinstance(schema, dict):
        return None
    props = schema.get("properties") or {}
    if key in props:
        return props[key]
    extra = schema.get("additionalProperties")
    return extra if isinstance(extra, dict) else None


def _prune_nulls(node: Any, schema: Any) -> Any:
    """The API server's null handling: non-nullable nulls are defaulted, or dropped when there is no default."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            sub = _field_schema(schema, key)
            if value is None and sub is not None and not sub.get("nullable", False):
                if "default" in sub:
                    out[key] = copy.deepcopy(sub["default"])
                continue
            out[key] = _prune_nulls(value, sub)
        return out
    if isinstance(node, list):
        items = schema.get("items") if isinstance(schema, dict) else None
        return [_prune_nulls(v, items) for v in node]
    return node


def apiserver_view(path: Path, doc: Any, version: str | None = None) -> Any:
    """``doc`` as the API server validates it: nulls pruned or defaulted (see the module docstring)."""
    if not isinstance(doc, dict):
        return doc
    raw = _version(load_crd(path), version)["schema"]["openAPIV3Schema"]
    out = _prune_nulls(doc, raw)
    if isinstance(out.get("metadata"), dict):
        out["metadata"] = {k: v for k, v in out["metadata"].items() if v is not None}
    return out


def crd_errors(path: Path, doc: dict[str, Any], version: str | None = None, *, as_apiserver: bool = False) -> list[str]:
    """Every violation, as ``$.json.path: message`` lines (empty when the document is accepted)."""
    if as_apiserver:
        doc = apiserver_view(path, doc, version)
    out = []
    for err in crd_validator(path, version).iter_errors(doc):
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
        out.append(f"{where}: {err.message}")
    return sorted(out)


def cel_rules(path: Path, version: str | None = None) -> list[tuple[str, str]]:
    """Every ``x-kubernetes-validations`` rule in the CRD version as ``(json path, rule)`` (not evaluated here)."""
    found: list[tuple[str, str]] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, where)
            return
        if not isinstance(node, dict):
            return
        for rule in node.get("x-kubernetes-validations") or ():
            found.append((where, str(rule.get("rule", ""))))
        for key, value in node.items():
            if key in ("properties", "patternProperties"):
                for name, sub in value.items():
                    walk(sub, f"{where}.{name}")
            elif key == "items":
                walk(value, f"{where}[*]")
            elif key == "additionalProperties":
                walk(value, f"{where}.*")
            elif key in ("anyOf", "allOf", "oneOf", "not"):
                walk(value, where)

    walk(_version(load_crd(path), version)["schema"]["openAPIV3Schema"], "$")
    return found
