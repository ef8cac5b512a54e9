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
from multus_gen.errors import EXIT_BUG, EXIT_INVALID, EXIT_OK, InputError, MultusGenError, UsageError
from multus_gen.knowledge import charts
from multus_gen.model.options import GenOptions, make_gen_options

if TYPE_CHECKING:
    from multus_gen.findings import Finding
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
        set_json_values=tuple(gen.get("set_json_values") or ()),
        set_file_values=tuple(gen.get("set_file_values") or ()),
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
    bundles = text.count("\n# path: ") + text.startswith("# path: ")
    if out is not None and str(out) != "-" and bundles > 1:  # Fleet reads one fleet.yaml per bundle folder
        raise InputError(
            f"format fleet gives {bundles} bundles, each a fleet.yaml of its own folder: one file cannot hold them",
            where="--out",
            fix="write a spec with `format: fleet` and run `multus-gen render -c SPEC --out-dir DIR` (a folder per "
            "bundle), or print to stdout and split it at the '# path:' lines",
        )
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


def k3s_rows() -> list[dict[str, object]]:
    """The K3s table (knowledge/helm_controller.py): K3s release line -> helm-controller -> what its CRD accepts."""
    from multus_gen.knowledge import helm_controller

    rows: list[dict[str, object]] = []
    for line in helm_controller.K3S_LINES:
        cap = helm_controller.capability(line.ships)
        rows.append(
            {
                "k3s_since": line.since,
                "helm_controller": line.ships,
                "fields": sorted(cap.fields),
                "failure_policies": list(cap.failure_policies or ("abort", "reinstall")),
                "assumed": line.assumed,
                "source": line.source,
            }
        )
    return rows


def _k3s_versions(output_format: str) -> int:
    rows = k3s_rows()
    if output_format == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    head = ["K3S FROM", "HELM-CONTROLLER", "FIELDS", "FAILUREPOLICY", "SOURCE"]
    table = [
        [
            str(r["k3s_since"]),
            str(r["helm_controller"]) + (" (assumed)" if r["assumed"] else ""),
            ",".join(r["fields"]) or "-",  # type: ignore[arg-type]
            ",".join(r["failure_policies"]),  # type: ignore[arg-type]
            str(r["source"]),
        ]
        for r in rows
    ]
    widths = [max(len(head[i]), *(len(row[i]) for row in table)) for i in range(len(head) - 1)]
    echo(style("  ".join(h.ljust(w) for h, w in zip(head, [*widths, 0], strict=True)).rstrip(), bold=True))
    for row in table:
        echo("  ".join([*(row[i].ljust(widths[i]) for i in range(len(widths))), row[-1]]))
    echo("a K3s release uses the last row at or below it; fields: the gated HelmChart fields its CRD has", err=True)
    return EXIT_OK


def versions(*, output_format: str, since: str | None, k3s: bool = False) -> int:
    if k3s:
        return _k3s_versions(output_format)
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
    if gen is not None:  # --set-file KEY=PATH: the files it reads are inputs too
        files += tuple(
            Path(item.split("=", 1)[1])
            for expr in gen.get("set_file_values") or ()
            for item in expr.split(",")
            if "=" in item
        )
    return (config, *files) if config is not None else files


def _no_flags_with_config(opts: GenOptions, config: Path | None) -> None:
    if config is not None and opts != make_gen_options():
        raise UsageError(
            "--config and the cluster/chart/values flags do not mix", where="--config", fix="put them in the spec file"
        )


def _old_text(path: Path) -> str | None:
    """The file a delivery replaces (None: none, or not a readable regular file: the sink decides then)."""
    from multus_gen.sinks import read_regular
    from multus_gen.yamlio.reader import MAX_FILE_BYTES

    data = read_regular(path, MAX_FILE_BYTES)
    return data.decode("utf-8", errors="replace") if data is not None else None


def transition_findings(old_text: str | None, opts: GenOptions, where: str) -> list[Finding]:
    """The transition from the file at ``where`` to what ``opts`` generates (build/transition.py), with
    ``--allow`` applied; the first error is raised (nothing is written)."""
    from multus_gen.build.transition import transition
    from multus_gen.errors import ValidationError
    from multus_gen.findings import allow

    found = allow(transition(old_text, opts, where=where), opts.allow)
    for finding in found:
        if finding.is_error:
            raise ValidationError.of(finding)
    return found


def install(
    *,
    config: Path | None,
    manifests_dir: Path | None,
    dry_run: bool,
    diff: bool,
    quiet: bool,
    root: Path | None = None,
    detect: bool = False,
    force: bool = False,
    cluster: str | None = None,
    **gen: Any,
) -> int:
    """``--diff`` is ``kubectl diff``: it writes nothing and exits 1 when there are differences."""
    from multus_gen.build import delivery
    from multus_gen.sinks import Inputs
    from multus_gen.sinks.folder import write_manifests

    inputs = Inputs(_read_files(config, gen))
    stdin_once(**{"--config": config, "-f": gen["values_files"]})
    gen = dict(gen)
    node = _detect_node(root, detect=detect, force=force, gen=gen, config=config, manifests_dir=manifests_dir)
    opts = gen_options(gen)
    _no_flags_with_config(opts, config)
    if config is not None:
        delivered = delivery.spec_manifests(config, single=True, cluster_name=cluster)
        manifests, notices, opts = delivered.manifests, delivered.notices, delivered.first
    else:
        manifest, notices = delivery.install_manifest(opts)
        manifests = [manifest]
    target_dir = manifests_dir if manifests_dir is not None else delivery.default_manifests_dir(opts)
    if manifests_dir is None and (root is not None or node is not None):
        from multus_gen.node.facts import under

        target_dir = under(str(root or "/"), str(target_dir))
    if config is None:
        target = target_dir / manifests[0].path
        notices = (*notices, *transition_findings(_old_text(target), opts, str(target)))
    print_notices(notices)
    outcomes = write_manifests(target_dir, manifests, dry_run=dry_run or diff, diff=diff, inputs=inputs)
    for outcome in outcomes:
        if outcome.diff:
            sys.stdout.write(outcome.diff)
            sys.stdout.flush()
    print_outcomes(outcomes, quiet=quiet, what=f"{target_dir}: ")
    return EXIT_INVALID if any(outcome.diff for outcome in outcomes) else EXIT_OK


def _detect_node(
    root: Path | None,
    *,
    detect: bool,
    force: bool,
    gen: dict[str, Any],
    config: Path | None,
    manifests_dir: Path | None,
) -> Any:
    """With ``--detect`` or ``--root``, or on a K3s node without ``--k3s-version``: the node's version and data
    dir go into ``gen`` (said on stderr); a flag that disagrees with the node is refused unless ``force``.
    None: no node."""
    from multus_gen.errors import InputError
    from multus_gen.knowledge import k3s
    from multus_gen.node.facts import node_facts

    if config is not None:
        if detect:
            raise UsageError("--detect and --config do not mix", where="--detect", fix="put the cluster in the spec")
        return None
    if not detect and root is None and (gen["k3s_version"] is not None or gen["distro"] != "k3s"):
        return None
    where = str(root or "/")
    if root is not None and not root.is_dir():
        raise InputError(f"{root} is not a folder", where="--root")
    facts = node_facts(where)
    if facts is None:
        if detect:
            raise InputError(
                f"{where} is not a K3s or RKE2 node: no /etc/rancher/k3s, /etc/rancher/rke2 or /var/lib/rancher",
                where="--detect",
                fix="run install on a K3s server, pass --root with the node's files, or give --k3s-version",
            )
        return None
    if facts.distro != gen["distro"]:
        if gen["distro"] != "k3s" and not force:
            raise InputError(f"--distro {gen['distro']} but the node runs {facts.distro}", where="--distro")
        gen["distro"] = facts.distro
    info(
        f"node: {facts.distro} {facts.version or 'version unknown'} ({facts.version_source}), "
        f"data dir {facts.data_dir} ({facts.data_dir_source})"
    )
    if facts.distro == "k3s":
        if facts.version is None and gen["k3s_version"] is None:
            raise InputError(
                f"the node's K3s version is unknown ({facts.version_source})",
                where="--detect" if detect else "--k3s-version",
                fix="pass --k3s-version (what `k3s --version` prints on the node)",
            )
        if facts.version is not None:
            found = k3s.K3sVersion.parse(facts.version)
            given = gen["k3s_version"]
            if given is not None and k3s.K3sVersion.parse(given) != found and not force:
                raise InputError(
                    f"--k3s-version {given} but the node runs {found} ({facts.version_source})",
                    where="--k3s-version",
                    fix="drop the flag, or pass --force to use it anyway",
                )
            if given is None or not force:
                gen["k3s_version"] = str(found)
        given_dir = gen["data_dir"]
        if given_dir is not None and given_dir.rstrip("/") != facts.data_dir and not force:
            raise InputError(
                f"--data-dir {given_dir} but the node uses {facts.data_dir} ({facts.data_dir_source})",
                where="--data-dir",
                fix="drop the flag, or pass --force to use it anyway",
            )
        if given_dir is None:
            gen["data_dir"] = facts.data_dir
    else:
        gen["k3s_version"], gen["data_dir"] = None, None
    if manifests_dir is None and not facts.is_server:
        raise InputError(
            f"this is an agent node: {facts.manifests_dir} is missing, and agents do not read the manifests folder",
            where="--root" if root is not None else "install",
            fix="run install on a K3s server (it applies the manifests to the whole cluster)",
        )
    return facts


def plan(*, from_file: Path, **gen: Any) -> int:
    """What replacing ``from_file`` with the manifest of these options changes: a unified diff of the documents
    on stdout, every transition note on stderr; writes nothing. Exit 1 when the transition is unsafe."""
    from multus_gen.build import delivery
    from multus_gen.build.transition import documents_part, transition
    from multus_gen.findings import allow
    from multus_gen.sinks.folder import unified_diff
    from multus_gen.yamlio.reader import read_text

    stdin_once(**{"--from": from_file, "-f": gen["values_files"]})
    old_text = read_text(from_file, where="--from")
    opts = gen_options(gen)
    manifest, notices = delivery.manifest(opts, str(from_file))
    found = allow(transition(old_text, opts, where=str(from_file)), opts.allow)
    old_docs, new_docs = documents_part(old_text), documents_part(manifest.content)
    sys.stdout.write(unified_diff(old_docs.encode(), new_docs.encode(), str(from_file)))
    sys.stdout.flush()
    print_notices([*notices, *found])
    unsafe = any(f.is_error for f in found)
    info(f"{from_file}: " + ("unsafe transition" if unsafe else "no change" if old_docs == new_docs else "changes"))
    return EXIT_INVALID if unsafe else EXIT_OK


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
        # the working tree's file: what the branch last delivered, in the usual case
        notices = (*notices, *transition_findings(_old_text(repo / manifest.path), opts, manifest.path))
    from multus_gen.sinks import Inputs

    inputs = Inputs(_read_files(config, gen))
    for manifest in manifests:  # the spec or a -f file inside the repository: never committed over
        inputs.refuse(repo / manifest.path, what="commit over")
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
        headers=k3s_version is None,  # no --k3s-version: each file of ours is checked for the cluster it names
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


# -- node -------------------------------------------------------------------------------------------------


def _node(root: Path, data_dir: str | None = None, version: str | None = None) -> Any:
    """The node's facts under ``root``; a root that is not a K3s/RKE2 node is an error."""
    from multus_gen.errors import InputError
    from multus_gen.node.facts import node_facts

    if not root.is_dir():
        raise InputError(f"{root} is not a folder", where="--root")
    facts = node_facts(str(root), data_dir=data_dir, version=version)
    if facts is None:
        raise InputError(
            f"{root} is not a K3s or RKE2 node: no /etc/rancher/k3s, /etc/rancher/rke2 or /var/lib/rancher under it",
            where="--root",
            fix="run on a K3s server, or pass --root with a node's files (or --data-dir)",
        )
    return facts


def _node_cluster(facts: Any) -> Any:
    from multus_gen.model.options import make_cluster

    version = facts.version if facts.distro == "k3s" else None
    try:
        return make_cluster(facts.distro, version, facts.data_dir)
    except UsageError:  # a version K3s printed that multus-gen cannot read: the default, said by doctor
        return make_cluster(facts.distro, None, facts.data_dir)


def doctor(*, root: Path, data_dir: str | None, k3s_version: str | None, output_format: str) -> int:
    from multus_gen.node.doctor import diagnose

    facts = _node(root, data_dir, k3s_version)
    report = diagnose(facts, _node_cluster(facts))
    if output_format == "json":
        sys.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False) + "\n")
    else:
        for what, value in report.seen:
            echo(f"{style('ok', fg='green')}: {what}: {value}")
        colours = {"error": "red", "warning": "yellow", "note": "cyan"}
        for f in report.findings:
            echo(style(f.severity, fg=colours[f.severity], bold=f.is_error) + ": " + f.one_line())
    echo(f"{report.errors} error(s), {report.warnings} warning(s)", err=True)
    return EXIT_INVALID if report.errors else EXIT_OK


def uninstall(*, manifests_dir: Path | None, root: Path, dry_run: bool) -> int:
    from multus_gen.errors import InputError
    from multus_gen.sinks.uninstall import ours, remove
    from multus_gen.yamlio.reader import parse_text

    facts = None
    if manifests_dir is None:
        facts = _node(root)
        manifests_dir = facts.host(facts.manifests_dir)
    if not manifests_dir.is_dir():
        raise InputError(
            f"{manifests_dir} does not exist: an agent node, or not a server",
            where="--manifests-dir",
            fix="run uninstall on a K3s server (agents do not read the manifests folder)",
        )
    found = ours(manifests_dir)
    charts: list[tuple[str, str, str]] = []
    for rel, data in found:
        try:
            docs = parse_text(data.decode("utf-8", "replace"), where=rel)
        except InputError:
            continue
        for d in docs:
            if isinstance(d.data, dict) and d.data.get("kind") == "HelmChart":
                meta = d.data.get("metadata") or {}
                charts.append(
                    (
                        str(meta.get("namespace", "kube-system")),
                        str(meta.get("name")),
                        str((d.data.get("spec") or {}).get("chart")),
                    )
                )
    if not found:
        info(f"{manifests_dir}: no file of multus-gen's")
    elif not dry_run:
        remove(manifests_dir, [rel for rel, _ in found])
    for rel, _ in found:
        info(f"{manifests_dir / rel}: {'would be removed' if dry_run else 'removed'}")
    conf_dir = "<data-dir>/agent/etc/cni/net.d"
    bin_dir = "<data-dir>/data/cni"
    if facts is not None:
        cni = _node_cluster(facts).cni
        conf_dir, bin_dir = cni.conf_dir, cni.bin_dir
    echo("Removing the file deletes nothing in the cluster. Then, in order:")
    step = 1
    for namespace, name, chart in charts:
        what = (
            "Multus' DaemonSet and its RBAC"
            if not chart.endswith("-crd")
            else "the NetworkAttachmentDefinition CRD and every NAD"
        )
        echo(f"  {step}. kubectl delete helmchart -n {namespace} {name}   # helm uninstall of {chart}: removes {what}")
        step += 1
    if facts is not None and facts.distro == "rke2":
        echo(
            f"  {step}. RKE2's own rke2-multus: remove multus from `cni:` in /etc/rancher/rke2/config.yaml on every "
            "server and restart rke2-server (the HelmChartConfig only customizes it)"
        )
        step += 1
    echo(f"  {step}. on every other server: multus-gen uninstall (K3s does not sync the manifests folder)")
    echo("What stays on every node (remove it after Multus is gone, or every new pod fails):")
    echo(f"  rm -f {conf_dir}/00-multus.conf && rm -rf {conf_dir}/multus.d {conf_dir}/whereabouts.d")
    echo(f"  rm -f {bin_dir}/multus {bin_dir}/multus-shim   # and the plugins Multus added that K3s does not ship")
    echo("  multus-gen doctor   # finds what is left")
    return EXIT_OK
