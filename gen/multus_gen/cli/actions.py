"""What each command does, given its parsed flags as plain values (str, int, bool, Path, tuples, None).

Each Typer command (``multus_gen.cli.generate``, ``deliver``, ``networks``, ``check``) calls its function here
through ``invoke``, with keyword arguments named like its parameters; the commands make no decision of their
own. Functions return the exit code; errors are raised (``MultusGenError``) and mapped to one stderr line by
``invoke``. No click or typer in this module.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multus_gen.cli.output import (
    as_format,
    echo,
    emit,
    error,
    info,
    is_terminal,
    print_finding_line,
    print_notices,
    style,
)
from multus_gen.errors import EXIT_BUG, EXIT_INVALID, EXIT_OK, MultusGenError, UsageError
from multus_gen.knowledge import charts
from multus_gen.model.options import GenOptions, make_gen_options

if TYPE_CHECKING:
    from multus_gen.sinks import Inputs


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


def gen_options(gen: Mapping[str, Any]) -> GenOptions:
    """The options of the shared generation flags (``None``: not given, the default applies)."""
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
        allow=tuple(gen.get("allow") or ()),
    )


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


# -- generate ---------------------------------------------------------------------------------------------


def helmchart(*, output: str, out: Path | None, output_format: str | None, **gen: Any) -> int:
    from multus_gen.build.pipeline import helmchart_text

    stdin_once(**{"-f": gen["values_files"]})
    text, notices = helmchart_text(gen_options(gen), fmt=output_format)
    text = as_format(text, output)
    print_notices(notices)
    emit(text, out, _read_files(None, gen))
    return EXIT_OK


def values(*, output: str, out: Path | None, **gen: Any) -> int:
    from multus_gen.build.pipeline import values_text

    stdin_once(**{"-f": gen["values_files"]})
    text, notices = values_text(gen_options(gen))
    text = as_format(text, output)
    print_notices(notices)
    emit(text, out, _read_files(None, gen))
    return EXIT_OK


def version() -> int:
    from multus_gen import __version__

    echo(f"multus-gen {__version__}")
    echo(f"known chart versions: {charts.INDEX_SNAPSHOT_DATE} snapshot of {charts.INDEX_SOURCE}")
    echo(f"python {sys.version.split()[0]} ({sys.executable})")
    return EXIT_OK


def version_rows() -> list[dict[str, object]]:
    """One row per published rke2-multus version: its verdict on K3s per IPAM, and why (in a user's words)."""
    rows = []
    for version in charts.PUBLISHED:
        facts = charts.chart_facts(version)
        broken = charts.verdicts(version)
        ipams = {ipam: "works" if gate is None else "no" for ipam, gate in broken.items()}
        if facts.status == charts.BROKEN:
            status = "broken"
            why = facts.layout.why
        else:
            failing = [ipam for ipam, gate in broken.items() if gate is not None]
            status = f"no {'/'.join(failing)}" if failing else "supported"
            reasons = [f"{ipam}: {gate.why}" for ipam, gate in broken.items() if gate is not None]
            if facts.needs_crd_chart:
                reasons.append(f"install rke2-multus-crd {facts.crd_chart_version} too (multus-gen emits it)")
            if facts.sets_autoconfig_dir:
                reasons.append("sets multusAutoconfigDir")
            if facts.cleanup is not None and facts.cleanup.overlays:
                reasons.append("sets cleanupConfigOnExit")
            why = "; ".join(reasons) or "every IPAM works"
        rows.append(
            {
                "version": version,
                "status": status,
                "ipams": ipams,
                "verified": facts.verified,
                "crd_chart": facts.crd_chart_version,
                "layout": facts.layout.value,
                "why": why,
                "source": "; ".join(
                    dict.fromkeys([facts.layout.source, *(g.source for g in broken.values() if g is not None)])
                ),
            }
        )
    return rows


def versions(*, output_format: str, since: str | None) -> int:
    rows = version_rows()
    if since is not None:
        key = charts.version_key(since)
        if key is None:
            raise UsageError(f"{since!r} is not a version", where="--since", fix="e.g. --since v4.2.100")
        rows = [r for r in rows if (charts.version_key(str(r["version"])) or key) >= key]
    if output_format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    head = ["VERSION", "STATUS", *(i.upper() for i in charts.IPAMS), "VERIFIED", "CRD CHART", "WHY"]
    table = []
    for r in rows:
        verdict = r["ipams"]
        assert isinstance(verdict, dict)
        table.append(
            [
                str(r["version"]),
                str(r["status"]),
                *(str(verdict[i]) for i in charts.IPAMS),
                "yes" if r["verified"] else "-",
                str(r["crd_chart"] or "-"),
                str(r["why"]),
            ]
        )
    last = len(head) - 1
    widths = [max(len(head[i]), *(len(row[i]) for row in table)) for i in range(last)]
    colours = {"broken": "red", "supported": "green", "works": "green", "no": "red"}
    echo(style("  ".join(h.ljust(w) for h, w in zip(head, [*widths, 0], strict=True)).rstrip(), bold=True))
    for row in table:
        cells = [row[i].ljust(widths[i]) for i in range(last)]
        for i in range(1, 2 + len(charts.IPAMS)):
            cells[i] = style(cells[i], fg=colours.get(row[i], "yellow"))
        if row[last - 2] == "yes":
            cells[last - 2] = style(cells[last - 2], bold=True)
        echo("  ".join([*cells, row[last]]))
    echo(
        f"verdicts on K3s (RKE2 uses the chart's default dirs); default: {charts.DEFAULT_CHART_VERSION} "
        f"(newest verified); source: {charts.INDEX_SOURCE}",
        err=True,
    )
    return EXIT_OK


# -- deliver ----------------------------------------------------------------------------------------------


def _read_files(config: Path | None, gen: Mapping[str, Any] | None = None) -> tuple[Path, ...]:
    """The files a generating command reads (the spec, ``-f`` values files): the sinks never write over them."""
    files = tuple(gen.get("values_files") or ()) if gen is not None else ()
    return (config, *files) if config is not None else files


def _no_flags_with_config(opts: GenOptions, config: Path | None) -> None:
    if config is not None and opts != make_gen_options():
        raise UsageError(
            "--config and the cluster/chart/values flags do not mix", where="--config", fix="put them in the spec file"
        )


def install(
    *, config: Path | None, manifests_dir: Path | None, dry_run: bool, diff: bool, quiet: bool, **gen: Any
) -> int:
    """``--diff`` is ``kubectl diff``: it writes nothing and exits 1 when there are differences."""
    from multus_gen.build import delivery
    from multus_gen.sinks import Inputs
    from multus_gen.sinks.folder import write_manifests

    inputs = Inputs(_read_files(config, gen))
    stdin_once(**{"--config": config, "-f": gen["values_files"]})
    opts = gen_options(gen)
    _no_flags_with_config(opts, config)
    if config is not None:
        delivered = delivery.spec_manifests(config, single=True)
        manifests, notices, opts = delivered.manifests, delivered.notices, delivered.first
    else:
        manifest, notices = delivery.install_manifest(opts)
        manifests = [manifest]
    target_dir = manifests_dir if manifests_dir is not None else delivery.default_manifests_dir(opts)
    print_notices(notices)
    outcomes = write_manifests(target_dir, manifests, dry_run=dry_run or diff, diff=diff, inputs=inputs)
    for outcome in outcomes:
        if outcome.diff:
            sys.stdout.write(outcome.diff)
            sys.stdout.flush()
    print_outcomes(outcomes, quiet=quiet, what=f"{target_dir}: ")
    return EXIT_INVALID if any(outcome.diff for outcome in outcomes) else EXIT_OK


def commit(
    *,
    repo: Path,
    path: str,
    branch: str | None,
    message: str | None,
    push: bool,
    remote: str,
    force: bool,
    config: Path | None,
    quiet: bool,
    **gen: Any,
) -> int:
    from multus_gen.build import delivery
    from multus_gen.sinks import git as git_sink  # GitPython: imported by this command only

    stdin_once(**{"--config": config, "-f": gen["values_files"]})
    opts = gen_options(gen)
    _no_flags_with_config(opts, config)
    if config is not None:
        delivered = delivery.spec_manifests(config, base=path)
        manifests, notices = delivered.manifests, delivered.notices
        default_message = delivery.spec_commit_message(config, len(manifests))
    else:
        manifest, notices = delivery.manifest(opts, delivery.repo_manifest_path(path, opts))
        manifests = [manifest]
        default_message = delivery.default_commit_message(opts)
    print_notices(notices)
    outcome = git_sink.commit_manifests(
        repo,
        manifests,
        message=message if message is not None else default_message,
        branch=branch,
        force=force,
        push=push,
        remote=remote,
    )
    shown_remote = git_sink.redact_credentials(remote, [remote])
    count = len(outcome.paths)
    where = f"{count} file" + ("" if count == 1 else "s") if quiet and count > 1 else ", ".join(outcome.paths)
    if outcome.status == "committed":
        text = f"{where}: committed {(outcome.sha or '')[:12]} on {outcome.branch}"
    else:
        text = f"{where}: up to date on {outcome.branch}"
    if outcome.rebased:
        text += f", rebased onto {shown_remote}"
    if outcome.pushed:
        text += f", pushed to {shown_remote}"
    info(text)
    return EXIT_OK


# -- networks ---------------------------------------------------------------------------------------------


def nad(
    *,
    name: str,
    plugin: str,
    ipam: str,
    namespace: str,
    master: str | None,
    mode: str | None,
    mtu: int | None,
    bridge: str | None,
    is_gateway: bool,
    ip_masq: bool,
    is_default_gateway: bool,
    hairpin_mode: bool,
    macspoofchk: bool,
    promisc_mode: bool,
    vlan: int | None,
    vlan_id: int | None,
    link_in_container: bool,
    resource_name: str | None,
    spoofchk: str | None,
    trust: str | None,
    min_tx_rate: int | None,
    max_tx_rate: int | None,
    link_state: str | None,
    sysctl: tuple[str, ...],
    tuning_mac: str | None,
    tuning_mtu: int | None,
    promisc: bool,
    sbr: bool,
    portmap: bool,
    device: str | None,
    hwaddr: str | None,
    kernelpath: str | None,
    pci_bus_id: str | None,
    node_name: str | None,
    cni_version: str,
    ranges: tuple[str, ...],
    range_start: tuple[str, ...],
    range_end: tuple[str, ...],
    gateway: tuple[str, ...],
    exclude: tuple[str, ...],
    route: tuple[str, ...],
    address: tuple[str, ...],
    dns: tuple[str, ...],
    network_name: str | None,
    host_local_data_dir: str | None,
    distro: str,
    k3s_version: str | None,
    data_dir: str | None,
    output: str,
    out: Path | None,
    allow: tuple[str, ...] | None = None,
) -> int:
    from multus_gen.build.pipeline import nad_text
    from multus_gen.model.options import paths_for
    from multus_gen.networks.ipam_build import IpamInputs
    from multus_gen.networks.nad import NadOptions

    cluster = make_gen_options(distro=distro, k3s_version=k3s_version, data_dir=data_dir)
    opts = NadOptions(
        name=name,
        namespace=namespace,
        type=plugin,
        master=master,
        mode=mode,
        mtu=mtu,
        bridge=bridge,
        is_gateway=is_gateway,
        ip_masq=ip_masq,
        is_default_gateway=is_default_gateway,
        hairpin_mode=hairpin_mode,
        macspoofchk=macspoofchk,
        promisc_mode=promisc_mode,
        vlan=vlan,
        vlan_id=vlan_id,
        link_in_container=link_in_container,
        resource_name=resource_name,
        spoofchk=spoofchk,
        trust=trust,
        min_tx_rate=min_tx_rate,
        max_tx_rate=max_tx_rate,
        link_state=link_state,
        sysctl=tuple(sysctl),
        tuning_mac=tuning_mac,
        tuning_mtu=tuning_mtu,
        promisc=promisc,
        sbr=sbr,
        portmap=portmap,
        device=device,
        hwaddr=hwaddr,
        kernelpath=kernelpath,
        pci_bus_id=pci_bus_id,
        node=node_name,
        cni_version=cni_version,
        allow=tuple(allow or ()),
        k3s_paths=paths_for(cluster),
        ipam=IpamInputs(
            kind=ipam,
            ranges=tuple(ranges),
            range_start=tuple(range_start),
            range_end=tuple(range_end),
            gateway=tuple(gateway),
            excludes=tuple(exclude),
            routes=tuple(route),
            addresses=tuple(address),
            dns=tuple(dns),
            data_dir=host_local_data_dir,
            network_name=network_name,
        ),
    )
    text, notices = nad_text(opts)
    text = as_format(text, output)
    print_notices(notices)
    emit(text, out)
    return EXIT_OK


def render(
    *, config: Path, out_dir: Path | None, gitops_path: str | None, prune: bool, output: str, quiet: bool
) -> int:
    if prune and out_dir is None:
        raise UsageError("--prune needs --out-dir", where="--prune")
    if out_dir is None:
        return _render_to_stdout(config, gitops_path, output)
    if output != "yaml":
        raise UsageError("-o json is for stdout; --out-dir writes YAML files", where="-o", fix="leave out -o")
    from multus_gen import cache as memo
    from multus_gen.sinks import Inputs
    from multus_gen.sinks.folder import tree_lock, verify_manifests
    from multus_gen.yamlio.reader import is_stdin

    if prune and is_stdin(config):
        raise UsageError(
            "--prune deletes only what a spec file wrote before; a spec on stdin has no such record",
            where="--prune",
            fix="name the spec file with -c",
        )
    inputs = Inputs(_read_files(config))
    _make_folder(out_dir)
    key = None if is_stdin(config) else memo.render_key(config, out_dir, gitops_path)
    # --prune deletes: it always renders, so what it deletes never rests on a remembered render
    remembered = memo.recall(key) if key is not None and not prune else None
    if remembered is not None and out_dir.is_dir():  # rendered before by this build: is the tree as left?
        with tree_lock(out_dir):
            outcomes = verify_manifests(out_dir, remembered.files)
            if outcomes is not None and not any(inputs.input_at(o.path) for o in outcomes):
                for severity, text in remembered.notices:
                    print_finding_line(severity, text)
                print_outcomes(outcomes, quiet=quiet, what=f"{out_dir}: ")
                _settle(out_dir, config, dict(remembered.files), False, inputs)
                return EXIT_OK
    _render_to_folder(config, out_dir, gitops_path, prune, key, quiet, inputs)
    return EXIT_OK


def _make_folder(folder: Path) -> None:
    """Create ``folder`` and its parents when missing, as ``helm template --output-dir`` does."""
    if os.path.lexists(folder):
        return
    try:
        folder.mkdir(parents=True)
    except OSError as exc:
        from multus_gen.errors import DeliveryError

        raise DeliveryError(f"cannot create {folder}: {exc.strerror}", where="--out-dir") from None


def _render_to_stdout(config: Path, gitops_path: str | None, output: str) -> int:
    from multus_gen.build.pipeline import fleet_notices, render_checked
    from multus_gen.model.options import gitops_path_for
    from multus_gen.model.spec import load_spec

    spec = load_spec(config)
    summaries, rendered = render_checked(spec, gitops_path=gitops_path_for(gitops_path, spec.gitops_path, None))
    print_notices(fleet_notices(summaries))
    flat = ("helmchart", "helmchartconfig", "argocd")
    single = len(summaries) == 1 and not spec.fleet and summaries[0].format in flat
    if output != "yaml":  # one object or a List of every document of every file
        sys.stdout.write(as_format("".join(m.content for c in rendered for m in c.manifests), output))
        return EXIT_OK
    for cluster in rendered:
        for i, manifest in enumerate(cluster.manifests):
            text = manifest.content
            if single and i > 0:  # one stream: drop the repeated header of the second file
                text = text[text.index("---\n") :]
            if not single:
                sys.stdout.write(f"# path: {manifest.path}\n")
            sys.stdout.write(text)
    return EXIT_OK


def _render_to_folder(
    config: Path,
    out_dir: Path,
    gitops_path: str | None,
    prune: bool,
    key: str | None,
    quiet: bool,
    inputs: Inputs,
) -> None:
    from multus_gen import cache as memo
    from multus_gen.build.pipeline import fleet_notices, render_checked
    from multus_gen.model.options import gitops_path_for
    from multus_gen.model.spec import load_spec
    from multus_gen.sinks import clean_relative_path
    from multus_gen.sinks.folder import tree_lock, write_manifests

    spec = load_spec(config)
    path = gitops_path_for(gitops_path, spec.gitops_path, str(out_dir))
    summaries, rendered = render_checked(spec, gitops_path=path)  # all checked before the first file is written
    notices = fleet_notices(summaries)
    print_notices(notices)
    manifests = [m for cluster in rendered for m in cluster.manifests]
    with tree_lock(out_dir):  # one lock for the whole tree; every target is checked before the first write
        outcomes = write_manifests(out_dir, manifests, fsync=False, mode=0o644, locked=True, inputs=inputs)
        print_outcomes(outcomes, quiet=quiet, what=f"{out_dir}: ")
        written = {clean_relative_path(m.path): memo.digest(m.content) for m in manifests}
        _settle(out_dir, config, written, prune, inputs)
    if key is not None:
        memo.remember(key, list(written.items()), [(n.severity, n.one_line()) for n in notices])


def _settle(out_dir: Path, config: Path, written: dict[str, str], prune: bool, inputs: Inputs) -> None:
    """Record what this spec wrote into ``out_dir`` and report (or, with ``--prune``, delete) what it wrote
    before and no longer writes (``sinks.prune``: only files of its own record, with the recorded bytes)."""
    from multus_gen.sinks.prune import settle
    from multus_gen.yamlio.reader import is_stdin

    if is_stdin(config):
        return  # a spec on stdin has no identity to record what it wrote under
    for stale in settle(out_dir, config, written, delete=prune, inputs=inputs):
        if stale.status == "removed":
            info(f"{out_dir / stale.path}: removed (no longer in the spec)")
        elif stale.status == "changed":
            info(f"{out_dir / stale.path}: no longer in the spec, but changed since multus-gen wrote it (kept)")
        else:
            info(f"{out_dir / stale.path}: no longer in the spec (kept; --prune deletes it)")


# -- check ------------------------------------------------------------------------------------------------


def validate(
    *,
    paths: tuple[Path, ...] | None,
    k3s_version: str | None,
    data_dir: str,
    distro: str,
    values_files: tuple[Path, ...] | None,
    chart_version: str | None,
    output_format: str,
    strict: bool,
    allow_empty: bool = False,
    allow: tuple[str, ...] = (),
) -> int:
    from multus_gen.build.pipeline import spec_findings
    from multus_gen.check.catalog import check_allowed
    from multus_gen.check.walk import validate_paths
    from multus_gen.model.options import make_cluster

    stdin_once(PATH=paths, **{"--values-file": values_files})
    report = validate_paths(
        list(paths or ()),
        cluster=make_cluster(distro, k3s_version, data_dir),
        values_files=list(values_files or ()),
        chart_version=chart_version,
        progress=_progress_bar,
        allow=check_allowed(allow or ()),
        spec_findings=spec_findings,
    )
    if output_format == "json":
        sys.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        colours = {"error": "red", "warning": "yellow"}
        for p in report.problems:
            echo(style(p.severity, fg=colours[p.severity], bold=p.is_error) + ": " + p.one_line())
    for note in report.notes:
        print_finding_line("note", note)
    if not report.files and not allow_empty:
        error("error", nothing_checked(report.skipped))
        return EXIT_INVALID
    echo(report.summary(), err=True)
    failing = report.errors > 0 or (strict and report.warnings > 0)
    return EXIT_INVALID if failing else EXIT_OK


def nothing_checked(skipped: list[dict[str, str]], shown: int = 5) -> str:
    """The one line of a validate run that checked no file: what was skipped and why, or that nothing was found."""
    if not skipped:
        text = "no files checked: nothing to check there"
    else:
        listed = "; ".join(f"{s['path']} ({s['reason']})" for s in skipped[:shown])
        more = f"; and {len(skipped) - shown} more" if len(skipped) > shown else ""
        text = f"no files checked: {len(skipped)} skipped: {listed}{more}"
    return text + " (name the manifests to check, or pass --allow-empty)"


def rules(*, output_format: str) -> int:
    from multus_gen.check.catalog import all_rules

    table = all_rules()
    if output_format == "json":
        rows = [{"id": r.id, "severity": r.severity, "summary": r.summary} for r in table]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    width = max(len(r.id) for r in table)
    colours = {"error": "red", "warning": "yellow", "note": "cyan"}
    echo(style(f"{'RULE'.ljust(width)}  SEVERITY  WHAT", bold=True))
    for r in table:
        echo(f"{r.id.ljust(width)}  {style(r.severity.ljust(8), fg=colours[r.severity])}  {r.summary}")
    return EXIT_OK


#: Show a progress bar (on a terminal only) from this many files on.
PROGRESS_FROM = 50


@contextlib.contextmanager
def _progress_bar(total: int) -> Any:
    """A progress bar on stderr for long runs on a terminal (click's, imported only then); else nothing."""
    if total < PROGRESS_FROM or not is_terminal(sys.stderr):
        yield None
        return
    import click

    with click.progressbar(
        length=total, file=sys.stderr, label="validating", show_pos=True, update_min_steps=max(1, total // 100)
    ) as bar:
        yield bar.update
