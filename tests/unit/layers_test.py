"""The house's shape: every import inside multus_gen goes down the layers (README "Architecture").

Lazy imports count as much as top-level ones (they run the same code); imports under ``if TYPE_CHECKING:``
do not (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import CHECKOUT

PACKAGE = CHECKOUT / "gen" / "multus_gen"  # the source tree (schemas/ and overlays/ are data, not code)

#: Top to bottom; a module imports from its own layer or the ones below it. Data flows cli -> model -> build
#: -> check -> serializer -> sinks; imports follow the calls: the cli calls the pipeline (build), which takes
#: the checked inputs (model) and runs the rule set (check, which runs the networks' checks); sinks and the
#: cache are called by the cli only. ``node`` (doctor, install --detect) reads a node's files and checks them
#: with the rule set, so it sits right above ``check``; only the cli calls it.
LAYERS: list[set[str]] = [
    {"cli", "__main__"},
    {"build"},
    {"model"},
    {"node"},
    {"check"},
    {"networks"},
    {"values"},
    {"knowledge"},
    {"sinks", "cache"},
    {"yamlio"},
    {"errors", "findings"},
    {"record", "__init__"},
]
RANK = {name: len(LAYERS) - i for i, layer in enumerate(LAYERS) for name in layer}


def unit(module: str) -> str:
    """``multus_gen.check.rules`` -> ``check``; ``multus_gen`` -> ``__init__``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def runtime_imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for child in node.body for n in ast.walk(child)}
    found = []
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("multus_gen"):
            targets = [node.module] if node.module != "multus_gen" else [f"multus_gen.{a.name}" for a in node.names]
            found += [(node.lineno, t) for t in targets]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("multus_gen")]
    return found


def test_imports_go_down_the_layers() -> None:
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).with_suffix("")
        source = rel.parts[0]
        assert source in RANK, f"{rel}: not in any layer; add its folder to LAYERS"
        for line, target in runtime_imports(path):
            if target == "multus_gen.__version__" or unit(target) not in RANK:
                continue
            if RANK[unit(target)] > RANK[source]:
                wrong.append(f"{rel}.py:{line} imports {target} (layer {unit(target)} is above {source})")
    assert wrong == [], "\n".join(wrong)


def test_the_check_is_not_vacuous() -> None:
    imports = runtime_imports(PACKAGE / "check" / "rules.py")
    assert any(unit(t) == "networks" for _, t in imports)  # check runs the networks' checks: allowed, seen
    assert RANK["networks"] < RANK["check"] < RANK["model"] < RANK["build"]
