"""The shape of HelmChart and HelmChartConfig as the upstream CRD accepts it (helm-controller v0.17.7;
FACTS 5), checked with JSON Schema (the verdict of a document that passed is remembered)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from multus_gen.check.documents import HELMCHART, Source
from multus_gen.check.fastschema import Check, compile_schema
from multus_gen.check.state import Run
from multus_gen.yamlio.reader import (
    Document,
)

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


_STR: dict[str, Any] = {"type": "string"}


_BOOL: dict[str, Any] = {"type": "boolean"}


_REF: dict[str, Any] = {"type": "object", "properties": {"name": _STR}, "additionalProperties": False}


_VALUES_SECRETS: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "additionalProperties": False,
        "properties": {"name": _STR, "keys": {"type": "array", "items": _STR}, "ignoreUpdates": _BOOL},
    },
}


_FAILURE_POLICY: dict[str, Any] = {"enum": ["abort", "reinstall", "retry"]}


_SERVER_SIDE: dict[str, Any] = {"enum": ["true", "false", "auto"]}


_METADATA: dict[str, Any] = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {
            "type": "string",
            "maxLength": 253,
            "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$",
        },
        "namespace": {"type": "string", "maxLength": 63, "pattern": r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"},
        "labels": {"type": "object", "additionalProperties": _STR},
        "annotations": {"type": "object", "additionalProperties": _STR},
    },
}


_HELMCHART_SPEC: dict[str, Any] = {
    "targetNamespace": _STR,
    "createNamespace": _BOOL,
    "chart": _STR,
    "version": _STR,
    "repo": _STR,
    "repoCA": _STR,
    "repoCAConfigMap": _REF,
    "set": {"type": "object", "additionalProperties": {"type": ["string", "integer"]}},
    "values": {"type": "object"},
    "valuesContent": _STR,
    "valuesSecrets": _VALUES_SECRETS,
    "helmVersion": _STR,
    "bootstrap": _BOOL,
    "takeOwnership": _BOOL,
    "serverSide": _SERVER_SIDE,
    "forceConflicts": _BOOL,
    "chartContent": _STR,
    "jobImage": _STR,
    "backOffLimit": {"type": "integer", "minimum": 0, "maximum": 2147483647},
    "timeout": {"type": "string", "pattern": r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$"},
    "failurePolicy": _FAILURE_POLICY,
    "authSecret": _REF,
    "authPassCredentials": _BOOL,
    "insecureSkipTLSVerify": _BOOL,
    "plainHTTP": _BOOL,
    "dockerRegistrySecret": _REF,
    "podSecurityContext": {"type": "object"},
    "securityContext": {"type": "object"},
    "driver": {"enum": ["secret", "configmap"]},
}


_HELMCHARTCONFIG_SPEC: dict[str, Any] = {
    "values": {"type": "object"},
    "valuesContent": _STR,
    "valuesSecrets": _VALUES_SECRETS,
    "failurePolicy": _FAILURE_POLICY,
    "serverSide": _SERVER_SIDE,
    "forceConflicts": _BOOL,
}


def _shape(kind: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"const": "helm.cattle.io/v1"},
            "kind": {"const": kind},
            "metadata": _METADATA,
            "spec": {"type": "object", "additionalProperties": False, "properties": spec},
            "status": {"type": "object"},
        },
        "additionalProperties": False,
    }


@cache
def _shape_schema(kind: str) -> dict[str, Any]:
    return _shape(kind, _HELMCHART_SPEC if kind == HELMCHART else _HELMCHARTCONFIG_SPEC)


@cache
def _shape_check(kind: str) -> Check | None:
    return compile_schema(_shape_schema(kind))


@cache
def _shape_validator(kind: str) -> Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(_shape_schema(kind))


def _shape_message(err: Any) -> tuple[str, str | None]:
    if err.validator == "additionalProperties":
        extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
        return (
            f"unknown field(s) {', '.join(map(repr, extra))}: the API server drops (or with strict field "
            "validation rejects) them, so they do nothing",
            "check the spelling against the HelmChart CRD",
        )
    if err.validator == "type" and "string" in str(err.validator_value) and isinstance(err.instance, bool):
        return f"{err.instance!r} is a boolean; this field takes a string", "quote it"
    text = str(err.message)
    if len(text) > 200:
        text = text[:197] + "..."
    return text, None


def check_shape(run: Run, src: Source, doc: Document, kind: str) -> None:
    """Report every violation of the upstream CRD's shape (the value checks run anyway, defensively)."""
    from multus_gen.check.schemas import passes, remember_pass

    if passes(_shape_schema(kind), _shape_check(kind), doc.data):
        return
    errors = sorted(_shape_validator(kind).iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    for err in errors:
        message, fix = _shape_message(err)
        run.out.add(src, doc, tuple(err.absolute_path), "crd-shape", message, fix)
    if not errors:
        remember_pass(_shape_schema(kind), doc.data)
