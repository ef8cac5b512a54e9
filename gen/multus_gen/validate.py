"""Schema registry (our JSON Schemas in schemas/, loaded once, lazily) and validation helpers.

jsonschema is imported here only, and only when something is validated.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from .errors import ValidationError
from .loaders import JsonPath, json_path

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


@dataclass(frozen=True)
class SchemaError:
    path: JsonPath
    message: str

    def render(self, where: str) -> str:
        return f"{where}::{json_path(self.path)}: {self.message}"


def schema_names() -> list[str]:
    root = resources.files("multus_gen.schemas")
    return sorted(e.name.removesuffix(".schema.json") for e in root.iterdir() if e.name.endswith(".schema.json"))


@cache
def load_schema(name: str) -> dict[str, Any]:
    text = resources.files("multus_gen.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def validator(name: str) -> Validator:
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _message(err: Any) -> str:
    # jsonschema's messages repeat whole instances; keep them short and on one line.
    description = err.schema.get("description") if isinstance(err.schema, dict) else None
    if err.validator in ("pattern", "not", "format") and description:
        text = f"{err.instance!r} is not {description}"
    else:
        text = str(err.message)
    if len(text) > 200:
        text = text[:197] + "..."
    return " ".join(text.split())


def schema_errors(name: str, doc: Any) -> list[SchemaError]:
    """Every violation of schema ``name`` in ``doc``, in a stable order (by path, then message)."""
    errors = [SchemaError(tuple(err.absolute_path), _message(err)) for err in validator(name).iter_errors(doc)]
    return sorted(errors, key=lambda e: (tuple(str(p) for p in e.path), e.message))


def require_valid(name: str, doc: Any, *, where: str, fix: str | None = None) -> None:
    """Raise ValidationError naming the first violation (one line) if ``doc`` breaks schema ``name``."""
    errors = schema_errors(name, doc)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ValidationError(f"{first.message}{more}", where=f"{where}::{json_path(first.path)}", fix=fix)
