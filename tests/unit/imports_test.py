"""Start-up discipline: what `multus-gen helmchart` imports (not timed; see benchmarks/ for times)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import contextlib, io, json, sys
before = set(sys.modules)  # what the interpreter itself loaded (site hooks, .pth files): not ours to judge
from multus_gen.cli import run
with contextlib.redirect_stdout(io.StringIO()):
    code = run(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(set(sys.modules) - before)}))
"""

#: The modules of ours a `helmchart` run may load: not the other commands' modules (cli.deliver, cli.networks,
#: cli.check), nor the networks, delivery, sinks or validate code.
ALLOWED_OURS = {
    "multus_gen",
    "multus_gen.cli",
    "multus_gen.cli.actions",
    "multus_gen.cli.actions_generate",
    "multus_gen.cli.common",
    "multus_gen.cli.generate",
    "multus_gen.cli.output",
    "multus_gen.cli.typer_app",
    "multus_gen.errors",
    "multus_gen.findings",
    "multus_gen.build.pipeline",
    "multus_gen.knowledge",
    "multus_gen.knowledge.charts",
    "multus_gen.knowledge.helm_controller",
    "multus_gen.knowledge.k3s",
    "multus_gen.knowledge.rke2",
    "multus_gen.model.source",  # the chart source options (GenOptions carries them)
    "multus_gen.yamlio.reader",
    "multus_gen.build",
    "multus_gen.check",
    "multus_gen.check.catalog",
    "multus_gen.check.chart_values",
    "multus_gen.check.cluster",
    "multus_gen.check.documents",
    "multus_gen.check.readers",
    "multus_gen.check.rules",
    "multus_gen.check.shape",
    "multus_gen.check.state",
    "multus_gen.check.versions",
    "multus_gen.model",
    "multus_gen.values",
    "multus_gen.yamlio",
    "multus_gen.yamlio.goyaml",
    "multus_gen.build.gitops",
    "multus_gen.build.helmchart",
    "multus_gen.cache",
    "multus_gen.model.options",
    "multus_gen.overlays",
    "multus_gen.build.plan",
    "multus_gen.record",
    "multus_gen.yamlio.serialize",
    "multus_gen.schemas",
    "multus_gen.check.schemas",
    "multus_gen.check.fastschema",
    "multus_gen.values.compose",
}
#: Third-party packages a `helmchart` run may load (never jsonschema and its dependencies, cache or not):
#: PyYAML, and the parser -- click, typer and what typer imports (not rich: help and errors are plain text).
ALLOWED_THIRD_PARTY = {"yaml", "cython_runtime", "click", "typer", "shellingham", "annotated_doc"}
#: jsonschema, its dependencies and the optional format checkers it picks up when they are installed
JSONSCHEMA = {
    "typing_extensions",
    "jsonschema",
    "jsonschema_specifications",
    "referencing",
    "rpds",
    "attr",
    "attrs",
    "certifi",
    "idna",
    "rfc3339_validator",
    "rfc3986_validator",
    "rfc3987",
    "uri_template",
    "fqdn",
    "isoduration",
    "jsonpointer",
    "webcolors",
    "arrow",
    "dateutil",
    "six",
}


def probe(tmp_path: Path, *argv: str) -> tuple[int, set[str]]:
    env = {**os.environ, "MULTUS_GEN_CACHE_DIR": str(tmp_path / "cache")}
    env.pop("MULTUS_GEN_CACHE", None)
    out = subprocess.run(
        [sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, check=True, env=env, cwd=tmp_path
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return data["code"], set(data["modules"])


def third_party(modules: set[str]) -> set[str]:
    tops = {m.split(".")[0] for m in modules}
    stdlib = set(sys.stdlib_module_names)
    return {t for t in tops if t not in stdlib and not t.startswith("_") and t != "multus_gen"} | ({"_yaml"} & tops)


#: Never loaded by a `helmchart` run: the code of other commands and the heavy optional parts.
FORBIDDEN = (
    "multus_gen.networks",  # NADs and the checks across networks
    "multus_gen.check.walk",  # validate's file walk (the generators run check.rules on their own output)
    "multus_gen.sinks.git",
    "git",  # GitPython
    "helm_python",  # the Helm engine (verify and helmchart --verify only: the extra multus-gen[verify])
)


def forbidden(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN))


def test_helmchart_loads_only_what_it_needs(tmp_path: Path) -> None:
    code, cold = probe(tmp_path, "helmchart", "--ipam", "dhcp")
    assert code == 0
    ours = {m for m in cold if m.startswith("multus_gen")}
    assert ours <= ALLOWED_OURS, sorted(ours - ALLOWED_OURS)
    assert not forbidden(cold), forbidden(cold)
    # Our schemas' quick checks (check/fastschema.py) find our own documents passing: not even the first run
    # loads jsonschema, which is asked only about documents that fail (for the messages).
    assert third_party(cold) <= ALLOWED_THIRD_PARTY, sorted(third_party(cold))
    assert not JSONSCHEMA & third_party(cold)
    code, warm = probe(tmp_path, "helmchart", "--ipam", "dhcp")
    assert code == 0
    assert third_party(warm) <= ALLOWED_THIRD_PARTY, sorted(third_party(warm))
    assert "jsonschema" not in warm and not forbidden(warm)
    # Standard modules a plain run does without: dataclasses (our value classes are @record; click and typer
    # do not need it either) and other command-line parsers. (inspect, traceback and subprocess come with
    # typer and click.)
    assert not {"dataclasses", "argparse", "optparse"} & warm, sorted({"dataclasses", "argparse", "optparse"} & warm)


def test_usage_errors_and_help_load_no_generation_code(tmp_path: Path) -> None:
    code, modules = probe(tmp_path, "helmchart", "--ipam", "nope")
    assert code == 2 and "multus_gen.build.pipeline" not in modules  # click refuses it before the action runs
    code, modules = probe(tmp_path, "helmchart", "--help")
    assert code == 0 and "multus_gen.build.pipeline" not in modules and "multus_gen.cli.deliver" not in modules
    code, modules = probe(tmp_path, "--help")  # the group's help lists every command: all modules, no action
    assert code == 0 and "multus_gen.cli.check" in modules and "multus_gen.build.pipeline" not in modules


def test_commit_is_the_only_command_that_loads_gitpython(tmp_path: Path) -> None:
    for argv in (["values"], ["versions"], ["nad", "x", "--master", "eth1", "--range", "10.0.0.0/24"]):
        code, modules = probe(tmp_path, *argv)
        assert code == 0 and "git" not in modules, argv
    code, modules = probe(tmp_path, "commit", "--repo", str(tmp_path / "nope"), "--path", "x.yaml")
    assert code == 1 and "git" in modules


def test_a_failing_document_is_judged_by_jsonschema(tmp_path: Path) -> None:
    probe(tmp_path, "helmchart")
    code, modules = probe(tmp_path, "helmchart", "--set", "config.cni_conf.logLevel=debug")
    assert code == 0 and "jsonschema" not in modules  # new values that pass: the quick check says so
    code, modules = probe(tmp_path, "helmchart", "--set", "config.cni_conf.logLevel=loud")
    assert code == 1 and "jsonschema" in modules  # a document that fails: jsonschema finds why (the message)
