"""The one finding type of multus-gen: what is wrong (or worth saying), where, how bad, which rule, the fix.

Every layer reports through :class:`Finding`: the IPAM and NAD checks, the chart-value rules, schema
validation, spec files, ``validate``, and the generators' warnings and notes. An error the user can fix is a
:class:`~multus_gen.errors.MultusGenError` carrying one. Locations are structured (:class:`Location`: file,
JSON path as a tuple, document, line, the flag that set the value) and are formatted in exactly one place,
:meth:`Location.text`; nothing parses a formatted location back.

Severities: ``error`` -- the installation breaks or does something other than it says (the generators refuse
it, ``validate`` fails on it); ``warning`` -- works now but is fragile; ``note`` -- a step the user must take
outside multus-gen. A rule has one severity wherever it runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

from multus_gen.record import record, replace

Severity = Literal["error", "warning", "note"]
ERROR: Severity = "error"
WARNING: Severity = "warning"
NOTE: Severity = "note"

JsonPath = tuple[str | int, ...]


def get_path(data: Any, *keys: str) -> Any:
    """``data[k1][k2]...`` (a document, chart values), or None when any step is missing or not a map: the one
    walk down a document by keys (values, images, transitions and the checks read values this way)."""
    node: Any = data
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def json_path(path: JsonPath) -> str:
    """``("config", "cni_conf", "binDir")`` -> ``$.config.cni_conf.binDir``; odd keys are bracket-quoted."""
    out = "$"
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part and all(c.isalnum() or c in "_-" for c in part):
            out += f".{part}"
        else:
            out += "[" + repr(part) + "]"
    return out


@record
class Location:
    """Where a finding is: a file (as shown to the user) and a JSON path in it, or a flag, or a label.

    ``label`` names a place that is neither a file nor a flag (``chart values``, ``NAD storage``).
    """

    file: str | None = None
    path: JsonPath | None = None
    document: int | None = None  # 1-based, only for files holding several YAML documents
    line: int | None = None
    flag: str | None = None
    label: str | None = None

    def text(self) -> str:
        """The one formatting of a location: ``label: file::$.path (document 2, line 24)``; a flag stands
        for itself (``--set a.b=1``) unless a file is named (``-f`` files are named as files)."""
        if self.file is not None:
            core = f"{self.file}::{json_path(self.path or ())}"
        elif self.flag is not None:
            core = self.flag
        else:
            core = json_path(self.path) if self.path is not None else ""
        where = f"{self.label}: {core}" if self.label and core else (self.label or core)
        details = []
        if self.document is not None:
            details.append(f"document {self.document}")
        if self.line is not None:
            details.append(f"line {self.line}")
        if details:
            where += f" ({', '.join(details)})"
        return where

    def __bool__(self) -> bool:
        return any(v is not None for v in (self.file, self.path, self.document, self.line, self.flag, self.label))

    def child(self, *keys: str | int) -> Location:
        """This location, ``keys`` deeper."""
        return replace(self, path=(*(self.path or ()), *keys))


NOWHERE = Location()


@record
class Finding:
    """One finding. ``rule`` is the id of the rule that made it (``--allow RULE`` names it)."""

    severity: Severity
    message: str
    fix: str | None = None
    at: Location = NOWHERE
    rule: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def where(self) -> str | None:
        """The location as shown (formatted by :meth:`Location.text`)."""
        return self.at.text() or None

    def one_line(self, *, with_rule: bool = True) -> str:
        """``where: message (fix) [rule]`` -- always one line."""
        where = self.at.text()
        text = f"{where}: {self.message}" if where else self.message
        if self.fix:
            text += f" ({self.fix})"
        if with_rule and self.rule:
            text += f" [{self.rule}]"
        return " ".join(text.split())

    def as_dict(self) -> dict[str, Any]:
        at = self.at
        return {
            "path": at.file,
            "json_path": json_path(at.path or ()) if at.path is not None or at.file is not None else None,
            "document": at.document,
            "line": at.line,
            "flag": at.flag,
            "where": at.text() or None,
            "severity": self.severity,
            "rule": self.rule,
            "message": " ".join(self.message.split()),
            "fix": " ".join(self.fix.split()) if self.fix else None,
        }


def allow(findings: Iterable[Finding], rules: Iterable[str]) -> list[Finding]:
    """``findings`` with the errors of ``rules`` (what ``--allow RULE`` names) turned into warnings that say
    so; everything else unchanged."""
    names = frozenset(rules)
    out = []
    for f in findings:
        if f.is_error and f.rule in names:
            f = replace(f, severity=WARNING, message=f"{f.message} (allowed by --allow {f.rule})")
        out.append(f)
    return out


def error(message: str, fix: str | None = None, at: Location = NOWHERE, rule: str | None = None) -> Finding:
    return Finding(ERROR, message, fix, at, rule)


def warning(message: str, fix: str | None = None, at: Location = NOWHERE, rule: str | None = None) -> Finding:
    return Finding(WARNING, message, fix, at, rule)


def note(message: str, fix: str | None = None, at: Location = NOWHERE, rule: str | None = None) -> Finding:
    return Finding(NOTE, message, fix, at, rule)
