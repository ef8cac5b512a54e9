"""Schema registry (our JSON Schemas in schemas/, loaded once, lazily) and validation helpers.

jsonschema is imported here only, and only when something is validated.

Verdict cache: validation is a pure function of (schema, document), so a document that passed once need not
be checked again. After a pass, an empty marker named by the SHA-256 of the schema text, the multus-gen
version and the document's canonical JSON is written under the cache folder (``multus_gen.cache``,
``valid/``); a later run that produces the same document finds
the marker and skips loading jsonschema (about 100 ms of a single run). Only passes are cached; failures are
always computed. ``MULTUS_GEN_CACHE=off`` disables it; an unwritable cache is ignored.
"""

from __future__ import annotations

import hashlib
import json
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multus_gen import __version__
from multus_gen.cache import cache_root
from multus_gen.errors import ValidationError
from multus_gen.model.record import record
from multus_gen.yamlio.reader import JsonPath, json_path

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


@record
class SchemaError:
    path: JsonPath
    message: str

    def render(self, where: str) -> str:
        return f"{where}::{json_path(self.path)}: {self.message}"


def schema_names() -> list[str]:
    root = resources.files("multus_gen.schemas")
    return sorted(e.name.removesuffix(".schema.json") for e in root.iterdir() if e.name.endswith(".schema.json"))


@cache
def _schema_text(name: str) -> str:
    return resources.files("multus_gen.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


@cache
def load_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(_schema_text(name))
    return schema


def cache_dir() -> Path | None:
    """Where verdicts are kept, or None when the cache is off."""
    root = cache_root()
    return None if root is None else root / "valid"


@cache
def _schema_digest(name: str) -> bytes:
    return hashlib.sha256(f"{__version__}\0{name}\0{_schema_text(name)}".encode()).digest()


def _inline_digest(schema: dict[str, Any]) -> bytes:
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{__version__}\0inline\0{text}".encode()).digest()


def passed_before(schema: dict[str, Any], doc: Any) -> bool:
    """Whether ``doc`` is remembered to pass the inline ``schema`` (advisory: only passes are remembered)."""
    marker = _verdict_path(_inline_digest(schema), doc)
    return marker is not None and marker.exists()


def remember_pass(schema: dict[str, Any], doc: Any) -> None:
    """Remember that ``doc`` passed the inline ``schema``."""
    marker = _verdict_path(_inline_digest(schema), doc)
    if marker is not None:
        _remember_pass(marker)


def _verdict_path(digest: bytes, doc: Any) -> Path | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        payload = json.dumps(doc, sort_keys=True, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError):
        return None  # not plain JSON data: always validate
    key = hashlib.sha256(digest + payload.encode("utf-8", "surrogatepass")).hexdigest()
    return folder / key[:2] / key


def _remember_pass(marker: Path) -> None:
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))
    except OSError:
        pass  # a read-only home or a full disk only costs the next run the full check


@cache
def validator(name: str) -> Validator:
    from jsonschema import Draft202012Validator

    schema = load_schema(name)
    return Draft202012Validator(schema)  # our schemas use no "format" keyword


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
    marker = _verdict_path(_schema_digest(name), doc)
    if marker is not None and marker.exists():
        return []
    errors = [SchemaError(tuple(err.absolute_path), _message(err)) for err in validator(name).iter_errors(doc)]
    if not errors and marker is not None:
        _remember_pass(marker)
    return sorted(errors, key=lambda e: (tuple(str(p) for p in e.path), e.message))


def require_valid(name: str, doc: Any, *, where: str, fix: str | None = None) -> None:
    """Raise ValidationError naming the first violation (one line) if ``doc`` breaks schema ``name``."""
    errors = schema_errors(name, doc)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ValidationError(f"{first.message}{more}", where=f"{where}::{json_path(first.path)}", fix=fix)
