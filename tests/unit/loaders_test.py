"""Which YAML texts go to libyaml: every shallow one (also a large flow-style spec), never a deep one."""

from __future__ import annotations

import pytest

from multus_gen.yamlio.reader import LIBYAML_MAX_DEPTH, _event_depth, libyaml_safe, parse_documents

pytestmark = pytest.mark.skipif(not libyaml_safe("a: 1\n"), reason="PyYAML was built without libyaml")


def flow_fleet(clusters: int) -> str:
    """A spec in flow style: four ``{`` per cluster, nesting seven deep."""
    lines = ["clusters:"]
    for i in range(clusters):
        lines.append(f"  - {{name: c{i}, networks: [{{name: s, ipam: {{type: whereabouts, range: {{a: {i}}}}}}}]}}")
    return "\n".join(lines) + "\n"


def test_a_large_shallow_spec_takes_libyaml() -> None:
    text = flow_fleet(2 * LIBYAML_MAX_DEPTH // 4)  # more `{` than the cheap bound allows
    assert text.count("{") > LIBYAML_MAX_DEPTH
    assert _event_depth(text) == 7
    assert libyaml_safe(text)
    (doc,) = parse_documents(text, where="spec")
    assert doc.data["clusters"][-1]["name"] == f"c{2 * LIBYAML_MAX_DEPTH // 4 - 1}"


@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * (LIBYAML_MAX_DEPTH + 1) + "]" * (LIBYAML_MAX_DEPTH + 1) + "\n",
        "x: " + "{a: " * (LIBYAML_MAX_DEPTH + 1) + "}" * (LIBYAML_MAX_DEPTH + 1) + "\n",
        "- " * (LIBYAML_MAX_DEPTH + 1) + "x\n",
        # closing brackets in strings do not hide depth from the event count
        "x: " + '["]]]]", ' * (LIBYAML_MAX_DEPTH + 1) + "1" + "]" * (LIBYAML_MAX_DEPTH + 1) + "\n",
    ],
    ids=["flow-sequences", "flow-mappings", "block-sequences", "quoted-closers"],
)
def test_deep_texts_never_reach_libyaml(text: str) -> None:
    assert _event_depth(text) > LIBYAML_MAX_DEPTH
    assert not libyaml_safe(text)


def test_a_text_libyaml_cannot_parse_goes_to_the_python_parser() -> None:
    assert _event_depth("a: [1, 2\n") == float("inf")
    assert not libyaml_safe("a: [1, 2\n" + "{" * LIBYAML_MAX_DEPTH)
