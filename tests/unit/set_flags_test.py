"""--set-json and --set-file mean what helm makes of them (helm_python.parse_set_json / parse_set_file), and
every source applies in helm's order: -f, --set-json, --set, --set-string, --set-file (FACTS 10)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from conftest import missing_real_part
from helpers import capture, docs_of, values_of
from multus_gen.errors import InputError
from multus_gen.values.strvals import parse_set

JSON_CASES = [
    'a={"x":[1,2]},b.c=3,d="s"',
    'l[0]=[1,{"a":null}]',
    "a=1e3,b=1.5,c=true",
    "a=1 ,b=2",
    "a.b=[1,2.0]",
    "a=",
    "a=,b=1",
    "a=null",
    'a={"k":{"n":9007199254740993}}',
]
JSON_ERRORS = ["a={bad", "a=1x", 'a="x""y"', "a=NaN", "a=[1,"]


def helm() -> Any:
    try:
        import helm_python
    except ImportError:
        missing_real_part("helm-python-sdk is not installed (pip install helm-python-sdk)")
    return helm_python


@pytest.mark.parametrize("expr", JSON_CASES)
def test_set_json_reads_as_helm(expr: str) -> None:
    assert parse_set(expr, values="json", flag="--set-json") == helm().parse_set_json(expr)


@pytest.mark.parametrize("expr", JSON_ERRORS)
def test_set_json_refuses_what_helm_refuses(expr: str) -> None:
    with pytest.raises(helm().HelmValuesError):
        helm().parse_set_json(expr)
    with pytest.raises(InputError):
        parse_set(expr, values="json", flag="--set-json")


def test_set_file_reads_the_file_as_helm(tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text("line one\nline: two\n")
    expr = f"a.b={note},c={note}"
    assert parse_set(expr, values="file", flag="--set-file") == helm().parse_set_file(expr)
    with pytest.raises(InputError, match="does not exist"):
        parse_set(f"a={tmp_path / 'missing'}", values="file", flag="--set-file")


def test_sources_apply_in_helms_order(tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("config: {cni_conf: {logLevel: error}}\nextra: {a: file, b: file, c: file, d: file}\n")
    note = tmp_path / "d.txt"
    note.write_text("from --set-file")
    code, out, err = capture(
        [
            "helmchart",
            "-f", str(values),
            "--set-file", f"extra.d={note}",
            "--set-string", "extra.c=string",
            "--set", "extra.b=set,extra.c=set",
            "--set-json", 'extra={"a":"json","b":"json","c":"json","d":"json"}',
        ]
    )  # fmt: skip
    assert code == 0, err
    extra = values_of(docs_of(out)[-1])["extra"]
    assert extra == {"a": "json", "b": "set", "c": "string", "d": "from --set-file"}
    assert "--set-json=" in out and "--set-file=" in out  # recorded in the header


def test_set_file_never_writes_over_the_file_it_read(tmp_path: Path) -> None:
    note = tmp_path / "out.yaml"
    note.write_text("x")
    code, _, err = capture(["helmchart", "--set-file", f"extra.n={note}", "--out", str(note)])
    assert code == 1 and "an input of this command" in err
    assert note.read_text() == "x"
