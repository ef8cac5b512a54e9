"""The schema registry: our JSON Schemas (schemas/*.schema.json, shipped in the package), loaded once and
lazily, and the validation helpers. jsonschema is imported here only, and only when it is asked for a verdict.

Validation is a pure function of (schema, document). Each schema is first compiled to a quick check
(:mod:`.fastschema`): a document it finds passing passes exactly as jsonschema would let it, and jsonschema
(about 100 ms to load) is not asked; a document that fails, or that the quick check cannot judge, goes to
jsonschema, which gives every failure and its message. A caller may also hand this module a verdict store
(:func:`use_verdicts`; the CLI gives it :class:`multus_gen.cache.VerdictStore`): then a document remembered to
pass jsonschema is not validated again, and every pass jsonschema gives is offered to the store. Only passes
are remembered; failures are always computed. Without a store (the library, the tests) nothing is remembered
and nothing on disk is read.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, Protocol

from multus_gen import __version__
from multus_gen.check.catalog import severity
from multus_gen.check.fastschema import Check, compile_schema
from multus_gen.errors import ValidationError
from multus_gen.findings import Finding, Location

if TYPE_CHECKING:
    from jsonschema.protocols import Validator


class Verdicts(Protocol):
    """What a verdict store offers (advisory: a store that forgets or fails costs only time)."""

    def passed(self, schema_digest: bytes, doc: Any) -> bool: ...

    def remember_pass(self, schema_digest: bytes, doc: Any) -> None: ...


_verdicts: Verdicts | None = None


def use_verdicts(store: Verdicts | None) -> None:
    """Let ``store`` skip validating documents it remembers passing (None: validate everything)."""
    global _verdicts
    _verdicts = store


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


@cache
def _schema_digest(name: str) -> bytes:
    return hashlib.sha256(f"{__version__}\0{name}\0{_schema_text(name)}".encode()).digest()


def _inline_digest(schema: dict[str, Any]) -> bytes:
    text = json.dumps(schema, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{__version__}\0inline\0{text}".encode()).digest()


def passed_before(schema: dict[str, Any], doc: Any) -> bool:
    """Whether the verdict store remembers ``doc`` passing the inline ``schema``."""
    return _verdicts is not None and _verdicts.passed(_inline_digest(schema), doc)


def remember_pass(schema: dict[str, Any], doc: Any) -> None:
    """Offer the verdict store that ``doc`` passed the inline ``schema``."""
    if _verdicts is not None:
        _verdicts.remember_pass(_inline_digest(schema), doc)


@cache
def quick_check(name: str) -> Check | None:
    """The quick "passes" of schema ``name`` (:mod:`.fastschema`; None: jsonschema judges every document)."""
    return compile_schema(load_schema(name))


def passes(schema: dict[str, Any], check: Check | None, doc: Any) -> bool:
    """Whether ``doc`` surely passes the inline ``schema``: by its quick check, else as the verdict store
    remembers. False: ask jsonschema (it fails, or neither can tell)."""
    return (check is not None and check(doc) is True) or passed_before(schema, doc)


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


def schema_errors(name: str, doc: Any, *, rule: str = "document-schema") -> list[Finding]:
    """Every violation of schema ``name`` in ``doc`` as a finding of ``rule`` located by its JSON path, in a
    stable order (by path, then message)."""
    check = quick_check(name)
    if check is not None and check(doc) is True:  # passes exactly as with jsonschema: no need to load it
        return []
    digest = _schema_digest(name)
    if _verdicts is not None and _verdicts.passed(digest, doc):
        return []
    found = [(tuple(err.absolute_path), _message(err)) for err in validator(name).iter_errors(doc)]
    if not found and _verdicts is not None:
        _verdicts.remember_pass(digest, doc)
    found.sort(key=lambda item: (tuple(str(p) for p in item[0]), item[1]))
    return [Finding(severity(rule), message, None, Location(path=path), rule) for path, message in found]


def require_valid(name: str, doc: Any, *, where: str, fix: str | None = None) -> None:
    """Raise ValidationError naming the first violation (one line) if ``doc`` breaks schema ``name``."""
    errors = schema_errors(name, doc)
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        at = Location(label=where, path=first.at.path)
        raise ValidationError(f"{first.message}{more}", at=at, fix=fix, rule=first.rule)
