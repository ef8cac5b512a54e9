"""Upstream CRDs as JSON Schemas, for tests: the API server's view of a document.

Converts a CRD version's ``openAPIV3Schema`` (OpenAPI v3 dialect with Kubernetes extensions) to a JSON
Schema that ``jsonschema`` can run:

* ``nullable: true`` adds ``null`` to the type;
* ``x-kubernetes-int-or-string: true`` becomes ``anyOf [integer, string]``;
* ``x-kubernetes-preserve-unknown-fields: true`` keeps unknown fields; every other object with
  ``properties`` gets ``additionalProperties: false`` (the API server prunes, and with strict field
  validation rejects, unknown fields: a field it does not know is a field that does nothing);
* ``apiVersion``/``kind`` are pinned to the CRD's group/version and kind; ``metadata`` gets the ObjectMeta
  rules for name and namespace;
* ``x-kubernetes-validations`` (CEL) are not evaluated; they guard updates (immutability) only.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

DNS1123_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
DNS1123_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"


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
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    if out.pop("x-kubernetes-int-or-string", False) and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def crd_json_schema(crd: dict[str, Any], version: str | None = None) -> dict[str, Any]:
    spec = crd["spec"]
    versions = spec["versions"]
    chosen = (
        next(v for v in versions if v["name"] == version) if version else next(v for v in versions if v.get("storage"))
    )
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
    with open(path, encoding="utf-8") as fh:
        crd = next(d for d in yaml.safe_load_all(fh) if d)
    schema = crd_json_schema(crd, version)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def crd_errors(path: Path, doc: dict[str, Any], version: str | None = None) -> list[str]:
    """Every violation, as ``$.json.path: message`` lines (empty when the document is accepted)."""
    out = []
    for err in crd_validator(path, version).iter_errors(doc):
        where = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
        out.append(f"{where}: {err.message}")
    return sorted(out)
