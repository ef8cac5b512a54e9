"""What each command does, given its parsed flags as plain values (str, int, bool, Path, tuples, None).

Each Typer command (``multus_gen.cli.generate``, ``deliver``, ``networks``, ``check``) calls its action through
``invoke``, with keyword arguments named like its parameters; the commands make no decision of their own.
Actions return the exit code; errors are raised (``MultusGenError``) and mapped to one stderr line by ``invoke``
-- the one place exit codes are decided. This module holds ``invoke`` and what the actions share; the actions
themselves live per command group (``actions_generate``, ``actions_deliver``, ``actions_networks``,
``actions_check``) and are looked up here by name (``actions.helmchart``), so a run imports only its own group.
No click or typer in these modules.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multus_gen.cli.output import (
    error,
    info,
    print_finding_line,
)
from multus_gen.errors import EXIT_BUG, EXIT_INVALID, MultusGenError, UsageError
from multus_gen.model.options import GenOptions, make_gen_options

if TYPE_CHECKING:
    from multus_gen.findings import Finding


def invoke(action: Callable[..., int], kwargs: Mapping[str, Any]) -> int:
    """Run ``action``; every failure becomes one line on stderr and an exit code (never a traceback).

    The cache folder's schema verdicts are handed to the checks here: the core computes, the CLI remembers."""
    try:
        from multus_gen.cache import take_warnings, verdict_store
        from multus_gen.check.schemas import use_verdicts

        use_verdicts(verdict_store())
        for warning in take_warnings():  # an unsafe cache folder: said once, the run goes on without it
            print_finding_line("warning", warning)
        return action(**kwargs)
    except MultusGenError as exc:
        error("error", exc.one_line())
        return exc.exit_code
    except KeyboardInterrupt:
        error("error", "interrupted")
        return 130
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not our bug; stop quietly.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 -- silence the flush at exit
        return EXIT_INVALID
    except Exception as exc:
        if os.environ.get("MULTUS_GEN_DEBUG"):
            import traceback

            traceback.print_exc()
        error(
            "internal error",
            f"{type(exc).__name__}: {' '.join(str(exc).split())} -- this is a bug in multus-gen; "
            "rerun with MULTUS_GEN_DEBUG=1 for the traceback and report it",
        )
        return EXIT_BUG


def named_files(options: Iterable[GenOptions]) -> list[tuple[str, bytes | None]]:
    """The files a spec's clusters name (chart archives with the bytes read, the repository CA), each once:
    what a remembered render must find unchanged (``cache.input_digests``)."""
    out: dict[str, bytes | None] = {}
    for opts in options:
        for archive in (opts.source.archive, opts.source.crd_archive):
            if archive is not None:
                out[archive.path] = archive.data
        if opts.source.repo_ca_file is not None:
            out.setdefault(opts.source.repo_ca_file, None)
    return list(out.items())


def gen_stdin_once(gen: Mapping[str, Any]) -> None:
    """Refuse generation flags that name standard input more than once (a chart archive may be ``-`` too)."""
    stdin_once(
        **{
            "-f": tuple(gen.get("values_files") or ()),
            "--from-values": gen.get("from_values"),
            "--chart-archive": gen.get("chart_archive"),
            "--crd-chart-archive": gen.get("crd_chart_archive"),
        }
    )


def gen_options(gen: Mapping[str, Any]) -> GenOptions:
    """The options of the shared generation flags (``None``: not given, the default applies)."""
    gen_stdin_once(gen)
    return make_gen_options(
        distro=gen["distro"],
        ipam=gen["ipam"],
        k3s_version=gen["k3s_version"],
        data_dir=gen["data_dir"],
        chart_version=gen["chart_version"],
        allow_unknown_chart_version=gen["allow_unknown_chart_version"],
        crd_chart_version=gen.get("crd_chart_version"),
        name=gen["name"],
        namespace=gen["namespace"],
        failure_policy=gen["failure_policy"],
        bootstrap=gen["bootstrap"],
        values_files=tuple(gen["values_files"] or ()),
        set_values=tuple(gen["set_values"] or ()),
        set_string_values=tuple(gen["set_string_values"] or ()),
        set_json_values=tuple(gen.get("set_json_values") or ()),
        set_file_values=tuple(gen.get("set_file_values") or ()),
        allow=tuple(gen.get("allow") or ()),
        repo=gen["chart_repo"] if "chart_repo" in gen else gen.get("repo"),
        repo_ca=gen.get("repo_ca"),
        auth_secret=gen.get("auth_secret"),
        plain_http=gen.get("plain_http") or None,
        insecure_skip_tls_verify=gen.get("insecure_skip_tls_verify") or None,
        chart_archive=gen.get("chart_archive"),
        crd_chart_archive=gen.get("crd_chart_archive"),
        static_chart=gen.get("static_chart") or None,
        system_default_registry=gen.get("system_default_registry"),
        image_pull_secret=gen.get("image_pull_secret"),
        from_values=gen.get("from_values"),
        from_chart_version=gen.get("from_chart_version"),
        ipam_given=bool(gen.get("ipam_given")),
        rke2_version=gen.get("rke2_version"),
    )


def take_over_report(opts: GenOptions, *, quiet: bool = False) -> list[Finding]:
    """``--from-values``: the transition from the release taken over (its first error raised: nothing printed yet)
    and, on stderr, one line per key multus-gen replaced in the file (``quiet``, for scripts: one summary line).
    Returns the transition's notes (printed by the caller, quiet or not)."""
    if opts.from_values is None:
        return []
    from multus_gen.build.plan import make_plan
    from multus_gen.build.transition import release_transition
    from multus_gen.errors import ValidationError
    from multus_gen.findings import allow

    found = allow(release_transition(opts), opts.allow)
    for finding in found:
        if finding.is_error:
            raise ValidationError.of(finding)
    changes = make_plan(opts).taken_over
    count = f"{len(changes)} key" + ("" if len(changes) == 1 else "s")
    if quiet:
        info(f"multus-gen: took over {opts.from_values}: {count} replaced")
        return found
    info(f"{opts.from_values}: {count} multus-gen owns replaced, every other setting kept as written:")
    for change in changes:
        info(change.line())
    return found


def stdin_once(**named: Path | tuple[Path, ...] | None) -> None:
    """Refuse a run that names standard input (``-``, ``/dev/stdin``) more than once: it can be read once.
    ``named``: the flag (``--values``) -> its value(s)."""
    from multus_gen.yamlio.reader import is_stdin

    flags = [flag for flag, value in named.items() for path in _paths(value) if is_stdin(path)]
    if len(flags) > 1:
        raise UsageError(
            f"standard input is named {len(flags)} times ({', '.join(flags)}); it can be read once",
            where=flags[1],
            fix="give the other inputs as files",
        )


def _paths(value: Path | tuple[Path, ...] | None) -> tuple[Path, ...]:
    return () if value is None else value if isinstance(value, tuple) else (value,)


def print_outcomes(outcomes: list[Any], *, quiet: bool, what: str = "") -> None:
    """One ``<path>: <status>`` line per file on stderr, or with ``quiet`` one summary line for them all."""
    if not quiet:
        for outcome in outcomes:
            info(f"{outcome.path}: {outcome.status}")
        return
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    files = f"{len(outcomes)} file" + ("" if len(outcomes) == 1 else "s")
    info(f"{what}{files}: " + (", ".join(f"{n} {status}" for status, n in counts.items()) or "nothing to do"))


def read_files(config: Path | None, gen: Mapping[str, Any] | None = None) -> tuple[Path, ...]:
    """The files a generating command reads (the spec, ``-f`` values files): the sinks never write over them."""
    files = tuple(gen.get("values_files") or ()) if gen is not None else ()
    if gen is not None and gen.get("from_values") is not None:
        files += (gen["from_values"],)
    if gen is not None:  # --set-file KEY=PATH: the files it reads are inputs too
        files += tuple(
            Path(item.split("=", 1)[1])
            for expr in gen.get("set_file_values") or ()
            for item in expr.split(",")
            if "=" in item
        )
    return (config, *files) if config is not None else files


def no_flags_with_config(opts: GenOptions, config: Path | None) -> None:
    if config is not None and opts != make_gen_options():
        raise UsageError(
            "--config and the cluster/chart/values flags do not mix", where="--config", fix="put them in the spec file"
        )


#: Where each command's action lives (imported when the command runs: a run loads only its own).
_ACTION_MODULES = {
    "commit": "actions_deliver",
    "doctor": "actions_check",
    "helmchart": "actions_generate",
    "images": "actions_generate",
    "install": "actions_deliver",
    "k3s_rows": "actions_generate",
    "nad": "actions_networks",
    "nothing_checked": "actions_check",
    "plan": "actions_deliver",
    "render": "actions_networks",
    "rules": "actions_check",
    "transition_findings": "actions_deliver",
    "uninstall": "actions_check",
    "validate": "actions_check",
    "verify": "actions_verify",
    "values": "actions_generate",
    "version": "actions_generate",
    "version_rows": "actions_generate",
    "versions": "actions_generate",
}


def __getattr__(name: str) -> Any:
    """``actions.helmchart`` and the like: the function from its command group's module (a test may set the
    attribute itself; then this is not consulted)."""
    module = _ACTION_MODULES.get(name)
    if module is None:
        raise AttributeError(name)
    import importlib

    return getattr(importlib.import_module(f"multus_gen.cli.{module}"), name)
