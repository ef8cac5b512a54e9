"""YAML hazards in user values, through the CLI: every value passed in a `-f` file (quoted there) and with
`--set-string` reaches valuesContent exactly -- parsed back, it is the same string under the same key.

tests/unit/render_test.py checks the serializer alone (and against helm's Go YAML); this goes through
`helmchart` and `values` end to end, and through `validate` after.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import capture, docs_of

HAZARDS = [
    "yes",
    "no",
    "on",
    "off",
    "y",
    "N",
    "True",
    "NULL",
    "null",
    "~",
    "",
    "0777",
    "007",
    "0x1F",
    "1e3",
    "1E-3",
    "1_000",
    ".inf",
    "-.5",
    "12:30:00",
    "2024-01-31",
    "*alias",
    "&anchor",
    "!tag",
    "!!str x",
    "%YAML 1.2",
    "@at",
    "`tick",
    "|pipe",
    ">fold",
    "#hash",
    "a #not a comment",
    "key: value",
    "- item",
    "[list]",
    "{map: 1}",
    "{a,b}",
    "a,b",
    "a=b",
    "'single'",
    '"double"',
    "back\\slash",
    "trailing space ",
    " leading space",
    "tab\there",
    "multi\nline",
    "multi\nline\n",
    "trailing newlines\n\n\n",
    "\nleading newline",
    "--- inside",
    "a\n---\nb",
    "a\n...\nb",
    "...",
    "non-ASCII: ü 日本語 🚀",
    "\u2028line separator",
    "\x85next line",
    "x" * 100_000,
    ("line of text\n" * 2000),
]

KEYS = ["a.b", "a/b", "kubernetes.io/os", "app.kubernetes.io/name", "on", "yes", "1", "~", "x y", "日本"]


def quoted_yaml(data: Any) -> str:
    """A values file with every string double-quoted (PyYAML's plain/single-quoted output folds a raw NEL)."""
    text = yaml.safe_dump(data, allow_unicode=True, default_style='"')
    assert yaml.safe_load(text) == data
    return text


def set_string_escape(value: str) -> str:
    """helm --set-string: a backslash escapes the next character; ',' separates items; '{' opens a list."""
    escaped = "".join("\\" + c if c in "\\," else c for c in value)
    return "\\" + escaped if escaped.startswith("{") else escaped


def key_escape(key: str) -> str:
    return "".join("\\" + c if c in "\\.,=[" else c for c in key)


def multus_values(out: str) -> dict[str, Any]:
    docs = docs_of(out)
    (multus,) = [d for d in docs if d["spec"]["chart"] == "rke2-multus"]
    values: dict[str, Any] = yaml.safe_load(multus["spec"]["valuesContent"])
    return values


def validate_ok(path: Path) -> None:
    code, out, err = capture(["validate", str(path), "-o", "json"])
    assert code == 0, out + err
    assert [f for f in json.loads(out)["findings"] if f["severity"] == "error"] == []


@pytest.mark.parametrize("value", HAZARDS, ids=[repr(h)[:24] for h in HAZARDS])
def test_value_survives_file_and_set_string(tmp_path: Path, value: str) -> None:
    values_file = tmp_path / "values.yaml"
    values_file.write_text(quoted_yaml({"labels": {"team": value}}), encoding="utf-8")
    code, out, err = capture(["helmchart", "-f", str(values_file)])
    assert code == 0, err
    assert multus_values(out)["labels"]["team"] == value
    written = tmp_path / "multus.yaml"
    written.write_text(out, encoding="utf-8")
    validate_ok(written)

    code, out, err = capture(["helmchart", "--set-string", f"labels.team={set_string_escape(value)}"])
    assert code == 0, err
    assert multus_values(out)["labels"]["team"] == value

    code, out, err = capture(["values", "--set-string", f"labels.team={set_string_escape(value)}"])
    assert code == 0, err
    assert yaml.safe_load(out)["labels"]["team"] == value


@pytest.mark.parametrize("key", KEYS)
def test_key_survives_file_and_set_string(tmp_path: Path, key: str) -> None:
    values_file = tmp_path / "values.yaml"
    values_file.write_text(quoted_yaml({"nodeSelector": {key: "v"}}), encoding="utf-8")
    code, out, err = capture(["helmchart", "-f", str(values_file)])
    assert code == 0, err
    assert multus_values(out)["nodeSelector"] == {key: "v"}
    code, out, err = capture(["helmchart", "--set-string", f"nodeSelector.{key_escape(key)}=v"])
    assert code == 0, err
    assert multus_values(out)["nodeSelector"] == {key: "v"}


def test_all_hazards_at_once_round_trip(tmp_path: Path) -> None:
    """Every hazard in one values file, as keys and values: one HelmChart, parsed back identical."""
    values = {"hazards": {f"k{i}": h for i, h in enumerate(HAZARDS)}, "keys": {k: k for k in KEYS}}
    values_file = tmp_path / "values.yaml"
    values_file.write_text(quoted_yaml(values), encoding="utf-8")
    code, out, err = capture(["helmchart", "-f", str(values_file)])
    assert code == 0, err
    got = multus_values(out)
    assert got["hazards"] == values["hazards"] and got["keys"] == values["keys"]
    written = tmp_path / "multus.yaml"
    written.write_text(out, encoding="utf-8")
    validate_ok(written)
