"""The fast lane parses exactly as Typer does, or leaves the line to Typer.

For random command lines built from every command's flags (valid and invalid values, repeats, unknown
flags, ``--``, ``-h``, attached values, stray arguments), whenever the lane takes a line the action must get
the same keyword arguments as through Typer; and every plain valid line must take the lane.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import examples
from multus_gen.cli import COMMANDS, actions, lane, run
from multus_gen.cli.typer_app import lane_table, run_typer

TABLE_FILE = Path(lane.__file__).with_name("lane.json")
UPDATE = os.environ.get("MULTUS_GEN_UPDATE_GOLDEN") == "1"
TABLE = lane.load_table()


def test_table_is_read_off_the_typer_commands() -> None:
    fresh = json.loads(json.dumps(lane_table()))  # tuples are stored as lists
    if UPDATE:
        TABLE_FILE.write_text(json.dumps(fresh, indent=1, sort_keys=True) + "\n")
    assert json.loads(TABLE_FILE.read_text()) == fresh, (
        "lane.json is stale: regenerate with MULTUS_GEN_UPDATE_GOLDEN=1 python -m pytest tests/cli/lane_test.py"
    )


def test_every_command_is_on_the_lane() -> None:
    assert set(TABLE) == set(COMMANDS)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> int:
        self.calls.append(kwargs)
        return 0


def through_typer(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> tuple[int, dict[str, Any] | None]:
    action = TABLE[args[0]]["action"]
    recorder = Recorder()
    with monkeypatch.context() as m:
        m.setattr(actions, action, recorder)
        code = run_typer(list(args))
    return code, (recorder.calls[0] if recorder.calls else None)


TEXT = st.sampled_from(["", "x", "a=b", "v1.30.5+k3s1", "/srv/k3s", "10.0.0.0/24", "ünï", "a b", "-", "7"])
ODD = st.sampled_from(["-x", "--help", "-h", "--", "--nope", "-1", "--strict=1", " 5", "0x10", "5_0"])


@st.composite
def token_for(draw: st.DrawFn, param: dict[str, Any]) -> list[str]:
    if param["argument"]:
        return [draw(st.one_of(TEXT, ODD))]
    flag = draw(st.sampled_from(param["opts"] + param["secondary"]))
    kind = param["kind"]
    if kind == "flag":
        return [flag] if draw(st.integers(0, 9)) else [flag + "=yes"]
    if kind == "choice":
        value = draw(st.one_of(st.sampled_from(param["choices"]), st.sampled_from(["", "nope", "K3S"])))
    elif kind == "int":
        value = draw(st.one_of(st.integers(-5, 9000).map(str), st.sampled_from(["x", " 7", "0x10", "5_0", ""])))
    else:
        value = draw(st.one_of(TEXT, ODD) if draw(st.integers(0, 5)) == 0 else TEXT)
    if flag.startswith("--") and draw(st.booleans()):
        return [f"{flag}={value}"]
    return [flag, value]


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    name = draw(st.sampled_from(sorted(TABLE)))
    params = TABLE[name]["params"]
    tokens: list[list[str]] = []
    for _ in range(draw(st.integers(0, 6))):
        tokens.append(draw(token_for(draw(st.sampled_from(params)))))
    if draw(st.integers(0, 4)) == 0:
        tokens.append([draw(ODD)])
    tokens = draw(st.permutations(tokens))
    return [name, *(t for group in tokens for t in group)]


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=command_lines())
def test_the_lane_agrees_with_typer(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    call = lane.parse(args)
    code, kwargs = through_typer(monkeypatch, args)
    if call is None:
        return  # Typer's line: nothing to compare
    assert code == 0, f"the lane took a line Typer refuses: {args}"
    assert call.action == TABLE[args[0]]["action"]
    assert kwargs == call.kwargs, args


@st.composite
def valid_lines(draw: st.DrawFn) -> list[str]:
    """Lines a user types: known flags, valid values, each single-value flag once, required ones present."""
    name = draw(st.sampled_from(sorted(TABLE)))
    params = TABLE[name]["params"]
    out = [name]
    for param in params:
        if not (param["required"] or draw(st.booleans())):
            continue
        count = draw(st.integers(1, 3)) if param["multiple"] else 1
        for _ in range(count):
            if param["argument"]:
                out.append(draw(st.sampled_from(["net1", "a.yaml", "folder/"])))
                continue
            flag = draw(st.sampled_from(param["opts"] + param["secondary"]))
            kind = param["kind"]
            if kind == "flag":
                out.append(flag)
            elif kind == "choice":
                out += [flag, draw(st.sampled_from(param["choices"]))]
            elif kind == "int":
                out += [flag, str(draw(st.integers(0, 9000)))]
            else:
                out += [flag, draw(st.sampled_from(["x", "v1.30.5+k3s1", "/srv/k3s", "a=b,c=d", ""]))]
            if param["kind"] == "flag" and param["secondary"]:
                break  # --bootstrap and --no-bootstrap: one of them
    return out


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=valid_lines())
def test_plain_lines_take_the_lane(monkeypatch: pytest.MonkeyPatch, args: list[str]) -> None:
    call = lane.parse(args)
    assert call is not None, args
    code, kwargs = through_typer(monkeypatch, args)
    assert code == 0 and kwargs == call.kwargs, args


def test_typer_keeps_help_completion_and_usage_errors() -> None:
    for args in (
        [],
        ["--help"],
        ["helmchart", "--help"],
        ["helmchart", "-h"],
        ["helmchart", "--ipam", "nope"],
        ["helmchart", "--ipam"],
        ["helmchart", "--", "x"],
        ["helmchart", "stray"],
        ["helmchart", "--name", "a", "--name", "b"],
        ["helmchart", "-ofile.yaml"],
        ["nad"],
        ["nad", "a", "b"],
        ["render"],  # --config is required
        ["validate", "--strict=yes", "x.yaml"],
        ["nope"],
    ):
        assert lane.parse(args) is None, args


def test_completion_and_the_switch_turn_the_lane_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert lane.enabled()
    monkeypatch.setenv("_MULTUS_GEN_COMPLETE", "bash_complete")
    assert not lane.enabled()
    monkeypatch.delenv("_MULTUS_GEN_COMPLETE")
    monkeypatch.setenv(lane.SWITCH, "off")
    assert not lane.enabled()


END_TO_END = [
    ["helmchart", "--ipam", "dhcp"],
    ["helmchart", "--ipam=whereabouts", "--k3s-version", "v1.30.5+k3s1", "--data-dir", "/srv/k3s", "--format", "flux"],
    ["helmchart", "--chart-version", "4.3.017"],  # InputError: exit 1, one line
    ["helmchart", "--set", "config.cni_conf.binDir=/opt/cni/bin"],  # a warning
    ["values", "--ipam", "whereabouts", "--no-bootstrap"],
    ["versions", "--since", "v4.2.100"],
    ["versions", "--since", "x"],  # UsageError: exit 2
    ["nad", "storage", "--master", "eth1", "--range", "192.168.50.0/24", "--exclude", "192.168.50.1/32"],
    ["nad", "local", "--type", "bridge", "--bridge", "br1", "--ipam", "host-local", "--range", "10.30.0.0/24"],
    ["nad", "bad", "--master", "eth1", "--range", "10.0.0.1/24"],  # host bits: exit 1
    ["install", "--ipam", "dhcp", "--manifests-dir", "/nonexistent-multus-gen", "--dry-run"],
]


@pytest.mark.parametrize("args", END_TO_END, ids=lambda a: " ".join(a)[:60])
def test_same_output_on_both_paths(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: list[str]
) -> None:
    assert lane.parse(args) is not None
    fast = run(list(args)), *capsys.readouterr()
    monkeypatch.setenv(lane.SWITCH, "off")
    slow = run(list(args)), *capsys.readouterr()
    assert fast == slow
