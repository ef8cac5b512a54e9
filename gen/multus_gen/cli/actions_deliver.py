"""What the delivering commands do: install (with the node's detection), commit, and plan (an upgrade's
transition, without writing)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from multus_gen.cli.output import (
    info,
    print_notices,
)
from multus_gen.errors import EXIT_INVALID, EXIT_OK, InputError, UsageError
from multus_gen.model.options import GenOptions

if TYPE_CHECKING:
    from multus_gen.findings import Finding
from multus_gen.cli.actions import (
    gen_options,
    no_flags_with_config,
    print_outcomes,
    read_files,
    stdin_once,
    take_over_report,
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

    inputs = Inputs(read_files(config, gen))
    stdin_once(**{"--config": config, "-f": gen["values_files"], "--from-values": gen.get("from_values")})
    gen = dict(gen)
    node = _detect_node(root, detect=detect, force=force, gen=gen, config=config, manifests_dir=manifests_dir)
    opts = gen_options(gen)
    no_flags_with_config(opts, config)
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
        notices = (*notices, *transition_findings(_old_text(target), opts, str(target)), *take_over_report(opts))
    else:  # the spec's cluster: its chart file goes through the same upgrade checks
        for path, cluster_opts in delivered.chart_files:
            target = target_dir / path
            notices = (*notices, *transition_findings(_old_text(target), cluster_opts, str(target)))
    print_notices(notices)
    src = opts.source
    if src.static_chart:  # the archives first: the HelmChart never points at a file not there yet
        from multus_gen.sinks import static

        archives = [(a.file_name, a.data) for a in (src.crd_archive, src.archive) if a is not None]
        folder = static.static_dir(target_dir)
        print_outcomes(static.copy_charts(folder, archives, dry_run=dry_run or diff), quiet=quiet, what=f"{folder}: ")
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
    no_flags_with_config(opts, config)
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

    inputs = Inputs(read_files(config, gen))
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
