"""`multus-gen validate` by example: every file (or folder) in positive/ must validate clean, every one in
negative/ must give the findings its ``<name>.expected.yaml`` lists. See README.md beside this file.

Each case is copied into a folder of its own before it is checked: validate reads the YAML files beside a
named file as context (the companion CRD chart of a pre-commit run), so the cases must not see each other.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from multus_gen.cli import run

HERE = Path(__file__).resolve().parent
EXPECTED_SUFFIX = ".expected.yaml"
CASE_KEYS = {"args", "paths", "exit", "findings", "absent", "only", "files"}
FINDING_KEYS = {"severity", "json_path", "message", "rule", "document", "line", "fix", "file"}


def case_name(path: Path) -> str:
    return path.name if path.is_dir() else path.name.rsplit(".", 1)[0]


def cases(kind: str) -> list[Path]:
    folder = HERE / kind
    return sorted(
        p
        for p in folder.iterdir()
        if not p.name.startswith(".")
        and not p.name.endswith(EXPECTED_SUFFIX)
        and (p.is_dir() or p.suffix in (".yaml", ".yml", ".json"))
    )


def expectation(case: Path) -> dict[str, Any]:
    path = case.parent / (case_name(case) + EXPECTED_SUFFIX)
    if not path.is_file():
        return {}
    loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
    data: dict[str, Any] = {"findings": loaded} if isinstance(loaded, list) else dict(loaded or {})
    assert set(data) <= CASE_KEYS, f"{path.name}: unknown keys {sorted(set(data) - CASE_KEYS)}"
    for entry in [*data.get("findings", []), *data.get("absent", [])]:
        assert set(entry) <= FINDING_KEYS, f"{path.name}: unknown finding keys {sorted(set(entry) - FINDING_KEYS)}"
    for entry in data.get("findings", []):
        assert {"severity", "json_path", "message"} <= set(entry), f"{path.name}: {entry} lacks a required key"
    return data


def words(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def relative(path: str, root: Path) -> str:
    try:
        return Path(path).relative_to(root).as_posix()
    except ValueError:
        return path


def matches(want: dict[str, Any], got: dict[str, Any], folder: Path) -> bool:
    """``want`` (an expected entry) describes ``got`` (a finding of the JSON report). Severity and JSON path
    are compared whole, message and fix as substrings (a list: every one), the rest only when given."""
    if "severity" in want and got["severity"] != want["severity"]:
        return False
    if "json_path" in want and got["json_path"] != want["json_path"]:
        return False
    if "message" in want and not all(w in got["message"] for w in words(want["message"])):
        return False
    if "fix" in want and not all(w in (got.get("fix") or "") for w in words(want["fix"])):
        return False
    if "rule" in want and got.get("rule") != want["rule"]:
        return False
    for key in ("document", "line"):
        if key in want and got.get(key) != want[key]:
            return False
    return "file" not in want or relative(got["path"], folder) == want["file"]


def check(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], *, positive: bool) -> None:
    spec = expectation(case)
    root = tmp_path / case.name  # the case alone in a folder of its own
    if case.is_dir():
        shutil.copytree(case, root)
        paths = [str(root / p) for p in spec.get("paths", [])] or [str(root)]
    else:
        tmp_path.mkdir(exist_ok=True)
        shutil.copyfile(case, root)
        paths = [str(root)]
    folder = root if case.is_dir() else root.parent
    raw_args = [str(a) for a in spec.get("args", [])]
    if any("{case}" in a for a in raw_args):
        paths = []  # the case is named in the args (--values-file {case})
    args = [a.replace("{dir}", str(folder)).replace("{case}", str(root)) for a in raw_args]
    code = run(["validate", *paths, "-o", "json", *args])
    out, err = capsys.readouterr()
    report = json.loads(out)
    findings: list[dict[str, Any]] = report["findings"]
    shown = "\n".join(
        f"  {f['severity']} {f['json_path']} (document {f['document']}): {f['message']}" for f in findings
    )
    context = f"{case.relative_to(HERE)}: validate said (exit {code}):\n{shown}\n{err}"

    expected: list[dict[str, Any]] = spec.get("findings", [])
    unmatched = list(findings)
    for want in expected:  # each expected entry takes a finding of its own
        hit = next((f for f in unmatched if matches(want, f, folder)), None)
        assert hit is not None, f"expected finding not reported: {want}\n{context}"
        unmatched.remove(hit)
    exact = {(w["severity"], w["json_path"]) for w in expected}
    for got in unmatched:
        assert got["severity"] != "error", f"unexpected error: {got['json_path']}: {got['message']}\n{context}"
        assert (got["severity"], got["json_path"]) not in exact, (
            f"one finding too many at {got['json_path']}\n{context}"
        )
        assert not (positive or spec.get("only")), (
            f"unexpected warning: {got['json_path']}: {got['message']}\n{context}"
        )
    for unwanted in spec.get("absent", []):
        assert not [f for f in findings if matches(unwanted, f, folder)], (
            f"reported, but must not be: {unwanted}\n{context}"
        )
    if "files" in spec:
        assert [relative(f, folder) for f in report["files"]] == spec["files"], context

    errors = [f for f in findings if f["severity"] == "error"]
    want_exit = spec.get("exit", 1 if any(w["severity"] == "error" for w in expected) else 0)
    assert code == want_exit, context
    if positive:
        assert code == 0 and errors == [], context
    else:
        assert expected, f"{case.name}: a negative case lists the findings it must give"


@pytest.mark.parametrize("case", cases("positive"), ids=case_name)
def test_positive(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check(case, tmp_path, capsys, positive=True)


@pytest.mark.parametrize("case", cases("negative"), ids=case_name)
def test_negative(case: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check(case, tmp_path, capsys, positive=False)


def test_every_expected_file_has_its_case() -> None:
    for kind in ("positive", "negative"):
        names = {case_name(c) for c in cases(kind)}
        for path in (HERE / kind).glob("*" + EXPECTED_SUFFIX):
            assert path.name.removesuffix(EXPECTED_SUFFIX) in names, f"{kind}/{path.name} has no case beside it"
