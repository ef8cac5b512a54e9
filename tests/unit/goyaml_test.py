"""Values files mean what helm makes of them (FACTS 10): multus-gen's one YAML reader against the Helm engine's
own (``helm_python.values_from_yaml``) on documents generated here, and through the CLI (``-f``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import missing_real_part
from helpers import capture, examples
from multus_gen.errors import InputError
from multus_gen.yamlio.reader import parse_documents

#: Plain scalars whose meaning differs between YAML readers (and their neighbours).
TOKENS = [
    *[
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "on",
        "On",
        "ON",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "off",
        "Off",
        "OFF",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
    ],
    *["yES", "tRUE", "nULL", "~", "null", "Null", "NULL", "~x"],
    *[
        "0",
        "00",
        "007",
        "08",
        "018",
        "0777",
        "0o17",
        "0O17",
        "0o",
        "0o8",
        "0x10",
        "0X1f",
        "0xFF",
        "-0x10",
        "+0x1",
        "0x",
        "0x_1f",
        "0_x1",
        "0b101",
        "0B11",
        "0b2",
        "-0b11",
    ],
    *[
        "1",
        "-0",
        "+12",
        "1_000",
        "1__0",
        "_1",
        "1_",
        "12:30",
        "1:20:30",
        "190:20:30",
        "2024-01-01",
        "2001-12-14t21:59:43.10-05:00",
    ],
    *[
        "1e3",
        "1E3",
        "12e03",
        "1e+3",
        "1E-2",
        "1e400",
        "1e21",
        "1e20",
        "1.5",
        "3.0",
        "0.1e1",
        ".5",
        "-.5",
        "+.5e1",
        "5.",
        "0.",
        "-0.0",
        "0e0",
        "1e",
        "e3",
        ".e3",
        ".",
    ],
    *[
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
    ],
    *[
        "9007199254740993",
        "1.7976931348623157e308",
        "abc",
        "a-b",
        "1.2.3",
        "v1.30.6+k3s1",
        "10.0.0.0/24",
        "/opt/cni/bin",
    ],
]


def helm() -> Any:
    try:
        import helm_python
    except ImportError:
        missing_real_part("helm-python-sdk is not installed (pip install helm-python-sdk)")
    return helm_python


def ours(text: str) -> Any:
    docs = parse_documents(text, where="test")
    return docs[0].data if docs else None


def theirs(text: str) -> Any:
    return helm().values_from_yaml(text)


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types all the way down (True is not 1, 3 is not 3.0)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("token", TOKENS)
def test_each_token_means_what_helm_reads(token: str) -> None:
    text = f"a: {token}\nlist: [{token}]\n"
    want = theirs(text)
    assert same(ours(text), want), (token, ours(text), want)


def test_nan_and_infinity_are_refused_as_helm_refuses_them() -> None:
    for token in (".nan", ".NaN", ".inf", "-.Inf", "+.INF"):
        with pytest.raises(Exception, match="unsupported value"):
            theirs(f"a: {token}\n")
        with pytest.raises(InputError, match="unsupported value"):
            ours(f"a: {token}\n")


scalars = st.one_of(
    st.sampled_from(TOKENS),
    st.sampled_from(TOKENS).map(lambda t: json.dumps(t)),  # quoted: always a string
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.from_regex(r"[0-9_.+\-eEoxXbB]{1,8}", fullmatch=True),
)
keys = st.from_regex(r"[a-z][a-zA-Z0-9_]{0,8}", fullmatch=True)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, min_size=1, max_size=4)),
    max_leaves=12,
)


def to_flow(node: Any) -> str:
    """A YAML flow text of ``node`` whose scalars are written as they are (plain, or quoted JSON strings)."""
    if isinstance(node, list):
        return "[" + ", ".join(to_flow(n) for n in node) + "]"
    if isinstance(node, dict):
        return "{" + ", ".join(f"{k}: {to_flow(v)}" for k, v in node.items()) + "}"
    return str(node)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(keys, documents, min_size=1, max_size=5))
def test_generated_documents_read_as_helm_reads_them(doc: dict[str, Any]) -> None:
    text = "".join(f"{key}: {to_flow(value)}\n" for key, value in doc.items())
    try:
        want = theirs(text)
    except Exception as exc:  # helm refuses it: so must we (one line, never a traceback)
        with pytest.raises(InputError):
            ours(text)
        assert "unsupported value" in str(exc) or "yaml" in str(exc).lower()
        return
    got = ours(text)
    assert same(got, want), (text, got, want)


def test_a_values_file_reaches_the_chart_as_helm_reads_it(tmp_path: Path) -> None:
    """``-f`` with the hazards of FACTS 10: the generated valuesContent holds what helm makes of the file."""
    values = tmp_path / "values.yaml"
    values.write_text("config:\n  cni_conf:\n    logLevel: debug\nextra:\n  a: y\n  b: 12:30\n  c: 1e3\n  d: 0o17\n")
    code, out, err = capture(["helmchart", "-f", str(values)])
    assert code == 0, err
    content = next(d for d in (json.loads(json.dumps(x)) for x in _docs(out)) if d["spec"]["chart"] == "rke2-multus")
    extra = theirs(content["spec"]["valuesContent"])["extra"]
    assert extra == {"a": True, "b": "12:30", "c": 1000, "d": 15}


def _docs(text: str) -> list[Any]:
    return [d.data for d in parse_documents(text, where="out")]
