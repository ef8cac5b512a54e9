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
    named_files,
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


def transition_findings(
    old_text: str | None, opts: GenOptions, where: str, *, cluster: str | None = None
) -> list[Finding]:
    """The transition from the file at ``where`` to what ``opts`` generates (build/transition.py), with
    ``--allow`` applied; the first error is raised (nothing is written). ``cluster``: the fleet cluster the file
    belongs to, named in each finding."""
    from multus_gen.build.transition import transition
    from multus_gen.errors import ValidationError
    from multus_gen.findings import allow
    from multus_gen.record import replace

    found = allow(transition(old_text, opts, where=where), opts.allow)
    if cluster is not None:
        found = [replace(f, at=replace(f.at, label=f"cluster {cluster}")) for f in found]
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
    # with a spec, --static-chart serves the spec's chart.archive (not a --chart-archive flag)
    static_spec = config is not None and bool(gen.get("static_chart"))
    if static_spec:
        gen["static_chart"] = None
    node = _detect_node(root, detect=detect, force=force, gen=gen, config=config, manifests_dir=manifests_dir)
    opts = gen_options(gen)
    no_flags_with_config(opts, config)
    if config is not None:
        delivered = delivery.spec_manifests(config, single=True, cluster_name=cluster, static_chart=static_spec)
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
        notices = (
            *notices,
            *transition_findings(_old_text(target), opts, str(target)),
            *take_over_report(opts, quiet=quiet),
        )
    else:  # the spec's cluster: its chart file goes through the same upgrade checks
        for path, cluster_opts, _name in delivered.chart_files:
            target = target_dir / path
            notices = (*notices, *transition_findings(_old_text(target), cluster_opts, str(target)))
    print_notices(notices)
    src = opts.source
    if src.static_chart:  # the archives first: the HelmChart never points at a file not there yet
        from multus_gen.sinks import static

        # ... but only once the manifests can be written: a refused target must leave no archive behind
        write_manifests(target_dir, manifests, dry_run=True, inputs=inputs)

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

    stdin_once(**{"--from": from_file, "-f": gen["values_files"], "--from-values": gen.get("from_values")})
    old_text = read_text(from_file, where="--from")
    opts = gen_options(gen)
    manifest, notices = delivery.manifest(opts, str(from_file))
    found = allow(transition(old_text, opts, where=str(from_file)), opts.allow)
    if opts.from_values is not None:  # the release taken over: what the take-over changes, said like helmchart
        from multus_gen.build.transition import release_transition

        found += allow(release_transition(opts), opts.allow)
        if not any(f.is_error for f in found):
            take_over_report(opts)
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
    prune: bool = False,
    dry_run: bool = False,
    **gen: Any,
) -> int:
    from multus_gen.build import delivery
    from multus_gen.sinks import git as git_sink  # GitPython: imported by this command only
    from multus_gen.yamlio.reader import is_stdin

    stdin_once(**{"--config": config, "-f": gen["values_files"], "--from-values": gen.get("from_values")})
    if prune and (config is None or is_stdin(config)):
        raise UsageError(
            "--prune deletes only what a spec file committed before; "
            + ("a spec on stdin has no such record" if config is not None else "it needs --config (-c)"),
            where="--prune",
            fix="name the spec file with -c",
        )
    if dry_run and push:
        raise UsageError("--dry-run writes nothing, so it pushes nothing", where="--push", fix="drop one of them")
    opts = gen_options(gen)
    no_flags_with_config(opts, config)
    from multus_gen.sinks import Inputs

    inputs = Inputs(read_files(config, gen))
    spec_record = None
    clusters: tuple[str, ...] = ()
    if config is not None:
        from multus_gen import cache as memo

        # --prune deletes and --push sends: they always render, as render --prune does
        key = None if prune or push or dry_run or is_stdin(config) else memo.commit_key(config, repo, path, branch)
        usable = message is None or bool(message.strip())  # an empty -m: the full run refuses it
        if key is not None and usable and _recalled(key, repo, path, branch, quiet, inputs):
            return EXIT_OK
        delivered = delivery.spec_manifests(config, base=path)
        manifests, notices, clusters = delivered.manifests, delivered.notices, delivered.clusters
        for chart_path, cluster_opts, cluster_name in delivered.chart_files:  # each cluster's upgrade, as install -c
            old = _branch_text(repo, chart_path, branch, remote)
            notices = (*notices, *transition_findings(old, cluster_opts, chart_path, cluster=cluster_name))
        default_message = delivery.spec_commit_message(config, len(manifests))
        spec_record = _spec_record(config, path, manifests, prune) if not is_stdin(config) else None
    else:
        key = None
        manifest, notices = delivery.manifest(opts, delivery.repo_manifest_path(path, opts))
        manifests = [manifest]
        default_message = delivery.default_commit_message(opts)
        old = _branch_text(repo, manifest.path, branch, remote)
        notices = (*notices, *transition_findings(old, opts, manifest.path), *take_over_report(opts, quiet=quiet))
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
        spec_record=spec_record,
        inputs=inputs,
        dry_run=dry_run,
    )
    if key is not None and outcome.sha is not None:
        named = memo.input_digests(named_files(o for _, o, _ in delivered.chart_files))
        _remember(key, repo, outcome, notices, clusters, named)
    _report_commit(outcome, remote, quiet, clusters, _folder(path) if config is not None else "", dry_run=dry_run)
    return EXIT_OK


def _recalled(key: str, repo: Path, path: str, branch: str | None, quiet: bool, inputs: Any) -> bool:
    """An unchanged ``commit -c`` answered from the memo (``sinks.git.memo``): its messages and report are the
    remembered run's. False: render and commit as usual."""
    from multus_gen import cache as memo
    from multus_gen.cli.output import print_finding_line
    from multus_gen.sinks import git as git_sink

    payload = memo.recall_commit(key)
    if payload is None:
        return False
    try:
        tree, paths = str(payload["tree"]), [str(p) for p in payload["paths"]]
        notices = [(str(severity), str(text)) for severity, text in payload["notices"]]
        stale = tuple((str(rel), str(status)) for rel, status in payload["stale"])
        clusters = tuple(str(name) for name in payload["clusters"])
        named = [(str(name), str(digest)) for name, digest in payload["inputs"]]
    except (KeyError, TypeError, ValueError):
        return False  # damaged: render
    if not memo.inputs_unchanged(named):
        return False  # an archive or CA the spec names was replaced: render
    if inputs and any(inputs.input_at(repo / p) for p in paths):
        return False  # the full run refuses it
    outcome = git_sink.up_to_date(repo, branch, tree, paths, stale)
    if outcome is None:
        return False
    for severity, text in notices:
        print_finding_line(severity, text)
    _report_commit(outcome, "", quiet, clusters, _folder(path), dry_run=False)
    return True


def _remember(
    key: str, repo: Path, outcome: Any, notices: Any, clusters: tuple[str, ...], named: list[tuple[str, str]]
) -> None:
    from multus_gen import cache as memo
    from multus_gen.sinks import git as git_sink

    tree = git_sink.tree_to_remember(repo, outcome.sha, outcome.paths)
    if tree is None:
        return
    payload = {
        "tree": tree,
        "paths": list(outcome.paths),
        "notices": [[n.severity, n.one_line()] for n in notices],
        "stale": [list(s) for s in outcome.stale],
        "clusters": list(clusters),
        "inputs": [list(n) for n in named],  # the files the spec names, as read (cache.input_digests)
    }
    memo.remember_commit(key, payload)


def _spec_record(config: Path, path: str, manifests: list[Any], prune: bool) -> Any:
    """The spec's record for the git sink: what this run writes into the spec's folder (``--path``)."""
    from multus_gen.sinks import clean_relative_path
    from multus_gen.sinks.git import SpecRecord
    from multus_gen.sinks.prune import digest

    folder = _folder(path)
    prefix = folder + "/" if folder else ""
    written = {}
    for manifest in manifests:
        rel = clean_relative_path(manifest.path)
        written[rel.removeprefix(prefix)] = digest(manifest.content.encode("utf-8"))
    return SpecRecord(folder, config, written, prune)


def _folder(path: str) -> str:
    """The spec's folder in the repository (``--path`` with ``-c``), clean; ``""`` for the top."""
    from multus_gen.sinks import clean_relative_path

    return clean_relative_path(path.rstrip("/"), where="--path") if path.strip("/.") else ""


def _branch_text(repo: Path, path: str, branch: str | None, remote: str) -> str | None:
    """What the branch holds at ``path`` now: its committed file with ``--branch``, else the working tree's (the
    usual case: the checked-out branch)."""
    if branch is not None:
        return _committed_text(repo, path, branch, remote)
    return _old_text(repo / path)


def _committed_text(repo: Path, path: str, branch: str, remote: str) -> str | None:
    """The file a commit on ``branch`` replaces: the branch's committed blob (its start point's, for a branch not
    made yet, as the sink picks it), not the working tree of whatever branch is checked out."""
    from multus_gen.sinks.git import committed_bytes
    from multus_gen.yamlio.reader import MAX_FILE_BYTES

    data = committed_bytes(repo, branch, path, MAX_FILE_BYTES, remote)
    return data.decode("utf-8", errors="replace") if data is not None else None


def _report_commit(
    outcome: Any, remote: str, quiet: bool, clusters: tuple[str, ...], folder: str, *, dry_run: bool
) -> None:
    from multus_gen.sinks import git as git_sink

    _report_stale(outcome.stale, clusters, folder, dry_run=dry_run)
    shown_remote = git_sink.redact_credentials(remote, [remote])
    if outcome.status == "would commit":
        if not quiet:
            for changed in outcome.changed:
                info(f"{changed}: would commit")
            for deleted in outcome.deleted:
                info(f"{deleted}: would delete")
        count, gone = len(outcome.changed), len(outcome.deleted)
        info(
            f"dry run: {_files(count)} would change and {_files(gone)} would be deleted on {outcome.branch} "
            "(nothing written)"
        )
        return
    count = len(outcome.paths)
    where = _files(count) if quiet and count > 1 else ", ".join(outcome.paths)
    if outcome.status == "committed":
        text = f"{where}: committed {(outcome.sha or '')[:12]} on {outcome.branch}"
        if outcome.deleted:
            text += f" ({_files(len(outcome.deleted))} deleted)"
    else:
        text = f"{where}: up to date on {outcome.branch}" + (" (dry run)" if dry_run else "")
    if outcome.rebased:
        text += f", rebased onto {shown_remote}"
    if outcome.pushed:
        text += f", pushed to {shown_remote}"
    info(text)


def _files(count: int) -> str:
    return f"{count} file" + ("" if count == 1 else "s")


def _report_stale(stale: tuple[tuple[str, str], ...], clusters: tuple[str, ...], folder: str, *, dry_run: bool) -> None:
    """Files of the spec's record it no longer writes (relative to ``folder``): per cluster that left the spec
    (a fleet's cluster folder), else per file as ``render`` reports them; paths shown from the repository."""
    current = set(clusters)
    prefix = folder + "/" if folder else ""
    by_cluster: dict[str, list[tuple[str, str]]] = {}
    single: list[tuple[str, str]] = []
    for rel, status in stale:
        top = rel.split("/", 1)[0]
        if clusters and "/" in rel and top not in current:
            by_cluster.setdefault(top, []).append((rel, status))
        else:
            single.append((rel, status))
    for name, files in sorted(by_cluster.items()):
        removed = sum(1 for _rel, status in files if status == "removed")
        kept = sum(1 for _rel, status in files if status == "stale")
        changed = [prefix + rel for rel, status in files if status == "changed"]
        if removed:
            verb = "would be deleted" if dry_run else "deleted"
            text = f"cluster {name} left the spec: {_files(removed)} {verb}"
        elif kept:
            text = f"cluster {name} is no longer in the spec; its {_files(kept)} " + (
                "is kept (use --prune)" if kept == 1 else "are kept (use --prune)"
            )
        else:
            text = f"cluster {name} is no longer in the spec"
        if changed:
            text += (
                f"; {_files(len(changed))} changed since multus-gen wrote "
                + ("it is" if len(changed) == 1 else "them are")
                + f" kept: {', '.join(changed)}"
            )
        info(text)
    for rel, status in single:
        if status == "removed":
            info(f"{prefix}{rel}: {'would be removed' if dry_run else 'removed'} (no longer in the spec)")
        elif status == "changed":
            info(f"{prefix}{rel}: no longer in the spec, but changed since multus-gen wrote it (kept)")
        else:
            info(f"{prefix}{rel}: no longer in the spec (kept; --prune deletes it)")
