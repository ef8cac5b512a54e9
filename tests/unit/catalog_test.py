"""The rule catalog: every rule the checks report is in it, with one severity; --allow and `multus-gen rules`."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

import multus_gen.check as check_package
from helpers import capture
from multus_gen.check.catalog import RULES, Rule, all_rules, check_allowed, register
from multus_gen.errors import InputError
from multus_gen.findings import ERROR, WARNING, Finding, allow

CHECK = Path(check_package.__file__).resolve().parent


def reported_rule_ids() -> set[str]:
    """The rule ids written as literals where the checks report: ``out.add(src, doc, at, RULE, ...)``,
    ``self.add(keys, RULE, ...)``, ``rule="..."`` keywords and the ``_DIR_RULES`` table."""
    found: set[str] = set()
    for path in CHECK.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add":
                # the rule: the 4th argument of Out.add(src, doc, at, RULE, ...), the 2nd of ValueChecker.add
                for arg in node.args[3:4] if len(node.args) > 4 else node.args[1:2]:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.add(arg.value)
                    if isinstance(arg, ast.IfExp):
                        found |= {a.value for a in (arg.body, arg.orelse) if isinstance(a, ast.Constant)}
            if isinstance(node, ast.keyword) and node.arg == "rule" and isinstance(node.value, ast.Constant):
                found.add(node.value.value)
            if isinstance(node, ast.Dict) and path.name == "chart_values.py":
                found |= {v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)}
    return found


def test_every_reported_rule_is_in_the_catalog() -> None:
    reported = reported_rule_ids()
    assert len(reported) > 30, sorted(reported)  # the walk above really finds the reporting calls
    assert reported <= set(RULES), sorted(reported - set(RULES))


def test_one_id_one_severity() -> None:
    for rule in all_rules():
        assert rule.severity in ("error", "warning", "note")
    with pytest.raises(ValueError, match="defined twice"):
        register([Rule("cni-bin-dir", WARNING, "the same id with another severity")])


def test_allow_turns_only_the_named_errors_into_warnings() -> None:
    findings = [
        Finding(ERROR, "bin", rule="cni-bin-dir"),
        Finding(ERROR, "conf", rule="cni-conf-dir"),
        Finding(WARNING, "legacy", rule="cni-bin-dir-legacy"),
    ]
    out = allow(findings, ["cni-bin-dir"])
    assert [f.severity for f in out] == ["warning", "error", "warning"]
    assert out[0].message == "bin (allowed by --allow cni-bin-dir)"
    assert out[2] == findings[2]


def test_check_allowed_refuses_unknown_rules_and_warnings() -> None:
    assert check_allowed(["cni-bin-dir", "cni-bin-dir"]) == ("cni-bin-dir",)
    with pytest.raises(InputError, match="no rule 'nope'"):
        check_allowed(["nope"])
    with pytest.raises(InputError, match="not an error"):
        check_allowed(["cni-bin-dir-legacy"])


def test_rules_command_lists_the_catalog() -> None:
    code, out, _ = capture(["rules", "-o", "json"])
    assert code == 0
    assert [r["id"] for r in json.loads(out)] == [r.id for r in all_rules()]
    code, out, _ = capture(["rules"])
    assert code == 0 and "cni-bin-dir" in out and out.splitlines()[0].startswith("RULE")
